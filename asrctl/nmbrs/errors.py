"""Typed Nmbrs errors, neutral: the SOAP provider maps faults to these (soap/faults.py), a REST provider would too.

The checks catch these per account, company or employee and turn them into nmbrs.* findings.
`what` names the read in the implementation's words (a call, an endpoint) for messages;
`capability` says which read it was, for decisions; `reason` is a short cause for messages
("Nmbrs fault 2004 on EmployeeService.List_GetByCompany"), so no fault number is spelled above soap/.
"""

from __future__ import annotations

from asrctl.errors import ServiceError
from asrctl.nmbrs.provider import Capability
from asrctl.secrets import redact

UNAVAILABLE_HINT = (
    "Try again later. If it keeps failing, check nmbrs.endpoint in asrctl.yaml and whether this "
    "machine can reach Nmbrs (proxy, firewall)."
)

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
    ) -> None:
        super().__init__(redact(message), hint=hint)
        self.call = call              # the read as the implementation names it ("Service.Operation" over SOAP)
        self.code = code              # the implementation's own code, for its tests and logs only
        self.capability = capability
        self.reason = reason or call

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
