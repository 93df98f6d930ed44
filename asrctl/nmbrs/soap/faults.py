"""Nmbrs SOAP faults: the one table of fault codes, and the typed error of a fault.

Nmbrs puts its code in the faultstring: "Server was unable to process request. ---> 1002: ..."
(API-FACTS.md §3, SOAP-AUDIT.md §4). Errors are matched on the code, never on the text after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asrctl.i18n import _
from asrctl.nmbrs.errors import (
    UNAVAILABLE_HINT,
    NmbrsAuthError,
    NmbrsError,
    NmbrsFault,
    NmbrsRequestError,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
    NmbrsUnknownFault,
    NoAccess,
    NotPermitted,
    OperationGone,
)
from asrctl.nmbrs.soap.calls import capability_of, screen_name

FAULT_CODE_PATTERN = re.compile(r"--->\s*(\d{4}):")
# An operation Nmbrs no longer offers (or never did): ASMX answers a soap:Client fault with this text.
UNKNOWN_ACTION = re.compile(r"did not recognize the value of HTTP Header SOAPAction", re.IGNORECASE)


@dataclass(frozen=True)
class Fault:
    code: int
    kind: type[NmbrsError]
    meaning: str       # in a payroll employee's words, for messages (the code goes to the hint)
    retry: int = 0     # further attempts worth making (the retry policy bounds them)


FAULTS: dict[int, Fault] = {f.code: f for f in (
    Fault(1001, NmbrsAuthError, _("username, token or domain not accepted")),
    Fault(1002, NotPermitted, _("the call is not Active in the login's template")),
    Fault(1003, NoAccess, _("no access to this debtor, company or employee")),
    Fault(1004, NmbrsSubscriptionError, _("no valid subscription")),
    Fault(1006, NmbrsUnavailable, _("a login security failure"), retry=99),
    Fault(2003, NoAccess, _("no access to this employee")),
    Fault(2004, NoAccess, _("no access to this company")),
    Fault(2009, NoAccess, _("no access to this debtor")),
    Fault(2042, NmbrsAuthError, _("the username belongs to several Nmbrs environments: the domain must say which")),
    Fault(2043, NmbrsAuthError, _("the domain is not valid")),
    Fault(9999, NmbrsUnknownFault, _("an unknown error"), retry=1),
)}
AUTH = 1001
NOT_ACTIVE = 1002
SUBSCRIPTION = 1004
LOGIN_SECURITY = 1006


def fault_code(faultstring: str | None) -> int | None:
    """The 4-digit Nmbrs code in "Server was unable to process request. ---> 1002: ...", if any."""
    match = FAULT_CODE_PATTERN.search(faultstring or "")
    return int(match.group(1)) if match else None


def fault_text(faultstring: str | None) -> str:
    """The part of a faultstring after the code ("Unauthorized access"), or the whole string."""
    text = faultstring or ""
    match = FAULT_CODE_PATTERN.search(text)
    return text[match.end():].strip() if match else text.strip()


def retries_of(code: int | None) -> int:
    """How many further attempts a fault is worth: a fault without a code counts as unknown."""
    fault = FAULTS.get(code if code is not None else 9999)
    return fault.retry if fault is not None else 0


def gone(call: str) -> OperationGone:
    return OperationGone(
        _("Nmbrs no longer offers a read asrctl makes"), call=call, capability=capability_of(call),
        detail=_("{call} (its SOAPAction is not recognised)", call=screen_name(call)),
        hint=_("Ask a.s.r. (or Keylane, who runs the coupling) which call replaces this one and whether their list "
               "of API calls has changed; asrctl will need an update for it."),
    )


def error_for_fault(call: str, faultstring: str | None, *, client_fault: bool) -> NmbrsError:
    """The typed error of a SOAP fault, matched on the code (never on the text after it).

    1006 and 9999 (or a server fault without a code) give NmbrsUnavailable kinds: the client retries
    those (`retries_of`) and raises them only when retrying did not help.
    """
    code = fault_code(faultstring)
    text = fault_text(faultstring)[:200]
    capability = capability_of(call)
    if code is None and client_fault:
        if UNKNOWN_ACTION.search(text):
            return gone(call)
        return NmbrsRequestError(
            _("Nmbrs rejected asrctl's request"), call=call, capability=capability,
            detail=f"{screen_name(call)}: {text}",
            hint=_("asrctl's request does not match this Nmbrs service; please report it as a bug."),
        )
    # What Nmbrs said goes to the hint: its fault code and text are Nmbrs's, not a payroll employee's words.
    detail = (_("{call}, fault {code}: {text}", call=screen_name(call), code=code, text=text) if code is not None
              else f"{screen_name(call)}: {text}")
    fault = FAULTS.get(code) if code is not None else None
    kind = fault.kind if fault is not None else (NmbrsUnknownFault if code is None else NmbrsFault)
    meaning = fault.meaning if fault is not None else _("an error Nmbrs did not explain")
    if kind is NmbrsUnknownFault:
        return NmbrsUnknownFault(_("Nmbrs failed with an unknown error"), call=call, code=code,
                                 capability=capability, reason=meaning, detail=detail, hint=UNAVAILABLE_HINT)
    if kind is NmbrsUnavailable:
        return NmbrsUnavailable(_("Nmbrs kept answering with {meaning}", meaning=meaning), call=call,
                                code=code, capability=capability, reason=meaning, detail=detail, hint=UNAVAILABLE_HINT)
    return kind(_("Nmbrs refused: {meaning}", meaning=meaning), call=call, code=code, capability=capability,
                reason=meaning, detail=detail)
