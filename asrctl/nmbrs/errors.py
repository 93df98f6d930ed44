"""Typed Nmbrs errors, neutral: the SOAP provider maps faults to these (soap/faults.py), a REST provider would too.

The checks catch these per account, company or employee and turn them into nmbrs.* findings.
Messages speak payroll; the implementation's internals go to the hint only (issue 15):
`message` and `reason` (a short cause, "no access to this company") are in a payroll employee's
words; `detail` names what was asked as the implementation's screens do ("Employee Services >
List_GetByCompany, fault 2004", a field), and is appended to the hint, so a wrong guess about a call
or a field stays loud without a call name in a message. `call` is the implementation's name of the
read, for decisions and tests; `capability` says which read it was.
"""

from __future__ import annotations

from asrctl.errors import ServiceError
from asrctl.i18n import _
from asrctl.nmbrs.provider import Capability
from asrctl.secrets import redact

UNAVAILABLE_HINT = _(
    "Try again later. If it keeps failing, check nmbrs.endpoint in asrctl.yaml and whether this "
    "machine can reach Nmbrs (proxy, firewall)."
)

# A record or row without what a check reads: said in payroll words, the call and the field in the detail.
UNREADABLE = _("Nmbrs answered without a value this check reads")
UNREADABLE_HINT = _(
    "Nmbrs answered without what this check needs. Run the plan with --debug to see the answer, and report it "
    "to the asrctl maintainers with the call and field named here."
)


def with_detail(hint: str | None, detail: str | None) -> str | None:
    """The hint (a sentence) with the Nmbrs call it is about after it ("Nmbrs call: Employee Services > Partner_Get.")."""
    if not detail:
        return hint
    if not hint:
        return _("Nmbrs call: {detail}.", detail=detail)
    return _("{hint} Nmbrs call: {detail}.", hint=hint, detail=detail)


class NmbrsError(ServiceError):
    """Something Nmbrs answered (or did not) for one read."""

    def __init__(
        self,
        message: str,
        *,
        call: str,
        code: int | None = None,
        hint: str | None = None,
        capability: Capability | None = None,
        reason: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.detail = redact(detail if detail is not None else call)  # for the hint only
        self.advice = hint            # what to do, without the detail
        super().__init__(redact(message), hint=with_detail(hint, self.detail))
        self.call = call              # the read as the implementation names it ("Service.Operation" over SOAP)
        self.code = code              # the implementation's own code, for its tests and logs only
        self.capability = capability
        self.reason = redact(reason) if reason is not None else self.message

class NmbrsAuthError(NmbrsError):
    """The username/token are not accepted, or the domain is not the user's environment."""

class NmbrsSubscriptionError(NmbrsError):
    """The environment has no valid subscription."""

class NotPermitted(NmbrsError):
    """The login may not use this read at all (SOAP: the call is not Active in its template)."""

class NmbrsFault(NmbrsError):
    """Nmbrs refused the data asked for (the read itself is permitted)."""

class NoAccess(NmbrsFault):
    """The login may not see this debtor, company or employee."""

class Unreadable(NmbrsError):
    """Nmbrs answered, but without what a check needs (a record lacking a field, a value not of its type)."""

class NmbrsUnavailable(NmbrsError):
    """Nmbrs did not answer usably after retries: timeouts, resets, HTTP 5xx/429, transient faults."""

class NmbrsUnknownFault(NmbrsUnavailable):
    """Nmbrs failed internally twice after checking the rights."""

class NmbrsRequestError(NmbrsError):
    """Nmbrs rejected the request as malformed, or the endpoint is wrong (HTTP 4xx)."""

class OperationGone(NmbrsRequestError):
    """Nmbrs no longer offers this read (SOAP: the SOAPAction is not recognised)."""
