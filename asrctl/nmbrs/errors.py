"""Typed Nmbrs errors. Provider-neutral: the SOAP provider maps faults to these, a REST provider would too.

Plan code catches these per account, company or employee and turns them into nmbrs.* checks.
"""

from __future__ import annotations

import re

from asrctl.errors import ServiceError
from asrctl.nmbrs.constants import (
    FAULT_AUTH,
    FAULT_CODE_PATTERN,
    FAULT_LOGIN_SECURITY,
    FAULT_NO_DATA_ACCESS,
    FAULT_NO_SUBSCRIPTION,
    FAULT_NOT_ACTIVE,
    FAULT_UNAUTHORIZED_COMPANY,
    FAULT_UNAUTHORIZED_DEBTOR,
    FAULT_UNKNOWN,
)
from asrctl.secrets import redact

_CODE = re.compile(FAULT_CODE_PATTERN)

UNAVAILABLE_HINT = (
    "Try again later. If it keeps failing, check nmbrs.endpoint in asrctl.yaml and whether this "
    "machine can reach Nmbrs (proxy, firewall)."
)


class NmbrsError(ServiceError):
    """Something Nmbrs answered (or did not) for one call."""

    def __init__(self, message: str, *, call: str, code: int | None = None, hint: str | None = None) -> None:
        super().__init__(redact(message), hint=hint)
        self.call = call   # "Service.Operation" as the rights list names it
        self.code = code   # Nmbrs fault code, when there was one


class NmbrsAuthError(NmbrsError):
    """1001: username/token not accepted, or the Domain is not the user's environment."""


class NmbrsSubscriptionError(NmbrsError):
    """1004: the environment has no valid subscription."""


class CallNotActive(NmbrsError):
    """1002: the call is not Active in the login's template (webservice rights)."""


class NmbrsFault(NmbrsError):
    """Another coded Nmbrs fault about the data asked for (the call itself is Active)."""


class NoAccess(NmbrsFault):
    """1003/2004/2009: the login may not see this debtor, company or employee."""


class NmbrsUnavailable(NmbrsError):
    """Nmbrs did not answer usably after retries: timeouts, resets, HTTP 5xx/429, 1006."""


class NmbrsUnknownFault(NmbrsUnavailable):
    """9999 twice: Nmbrs failed internally after checking the rights."""


class NmbrsRequestError(NmbrsError):
    """Nmbrs rejected the request as malformed (soap:Client) or the endpoint is wrong (HTTP 4xx)."""


def fault_code(faultstring: str | None) -> int | None:
    """The 4-digit Nmbrs code in "Server was unable to process request. ---> 1002: ...", if any."""
    match = _CODE.search(faultstring or "")
    return int(match.group(1)) if match else None


def fault_text(faultstring: str | None) -> str:
    """The part of a faultstring after the code ("Unauthorized access"), or the whole string."""
    text = faultstring or ""
    match = _CODE.search(text)
    return text[match.end():].strip() if match else text.strip()


def error_for_fault(call: str, faultstring: str | None, *, client_fault: bool) -> NmbrsError:
    """The typed error of a SOAP fault, matched on the code (never on the text after it).

    1006 and 9999 (or a server fault without a code) give NmbrsUnavailable kinds: the client retries
    those and raises them only when retrying did not help.
    """
    code = fault_code(faultstring)
    text = fault_text(faultstring)
    if code is None and client_fault:
        return NmbrsRequestError(
            f"{call}: Nmbrs rejected the request: {text}", call=call,
            hint="asrctl's request does not match this Nmbrs service; please report it as a bug.",
        )
    if code is None or code == FAULT_UNKNOWN:
        return NmbrsUnknownFault(f"{call}: Nmbrs failed with an unknown error: {text}", call=call, code=code,
                                 hint=UNAVAILABLE_HINT)
    if code == FAULT_LOGIN_SECURITY:
        return NmbrsUnavailable(f"{call}: Nmbrs fault 1006 (login security failure) kept coming back", call=call,
                                code=code, hint=UNAVAILABLE_HINT)
    kind = _ERROR_OF_CODE.get(code, NmbrsFault)
    return kind(f"{call}: Nmbrs fault {code}: {text}", call=call, code=code)


_ERROR_OF_CODE: dict[int, type[NmbrsError]] = {
    FAULT_AUTH: NmbrsAuthError,
    FAULT_NOT_ACTIVE: CallNotActive,
    FAULT_NO_SUBSCRIPTION: NmbrsSubscriptionError,
    FAULT_NO_DATA_ACCESS: NoAccess,
    FAULT_UNAUTHORIZED_COMPANY: NoAccess,
    FAULT_UNAUTHORIZED_DEBTOR: NoAccess,
}
