"""Typed errors of the registry client: problem+json answers and an unreachable registry.

Every message is built from what the server said (title, detail, field
pointers) and passed through `secrets.redact`, so a registry that echoes a
token still cannot put it in front of the user. Nothing here keeps a
requests object (those carry the Authorization header).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asrctl.errors import ServiceError
from asrctl.i18n import _
from asrctl.net.session import read_json
from asrctl.secrets import clip, redact

PROBLEM_BASE = "https://registry.example.invalid/problems/"
REGISTERED_ELSEWHERE = PROBLEM_BASE + "registered-elsewhere"
IDEMPOTENCY_KEY_REUSED = PROBLEM_BASE + "idempotency-key-reused"


class RegistryProblem(ServiceError):
    """The registry answered with an error (RFC 9457 problem details)."""

    default_hint: str | None = None

    def __init__(
        self,
        status: int,
        type: str,
        title: str,
        detail: str,
        errors: Sequence[tuple[str, str]] = (),
        *,
        payroll_tax_number: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.type = redact(type)
        self.title = redact(title)
        self.detail = redact(detail)
        self.errors: list[tuple[str, str]] = [(redact(p), redact(m)) for p, m in errors]
        self.payroll_tax_number = payroll_tax_number
        super().__init__(self._message(), hint=hint if hint is not None else self.default_hint)

    def _message(self) -> str:
        # The registry's own words (title, detail, field messages) are shown as it sent them.
        more = ""
        if self.detail and self.detail != self.title:
            more += f": {self.detail}"
        if self.errors:
            more += "; " + "; ".join(f"{pointer or '(body)'}: {message}" for pointer, message in self.errors)
        return _("a.s.r. registry: {title} ({status}){more}", title=self.title or "error", status=self.status,
                 more=more)


class BadRequest(RegistryProblem):
    """400: the registry could not read the request (a bug in asrctl or an invalid number)."""


class Unauthorized(RegistryProblem):
    default_hint = _("Check the registry token (registry.token in asrctl.yaml): it is missing, wrong or revoked.")


class Forbidden(RegistryProblem):
    default_hint = _(
        "This registry token's scope does not allow the operation: plan needs a token of scope read, "
        "apply one of scope write."
    )


class NotFound(RegistryProblem):
    """404: no registration of this payroll office with that loonheffingennummer."""


class Conflict(RegistryProblem):
    """409 of a type asrctl does not know."""


class RegisteredElsewhere(Conflict):
    """409 registered-elsewhere: another payroll office holds the loonheffingennummer."""

    default_hint = _("Contact a.s.r. to move the employer to this payroll office.")

    def _message(self) -> str:
        return _("this employer is already connected through another payroll office; contact a.s.r.")


class PreconditionFailed(RegistryProblem):
    """412: the registration changed since it was read (its version moved on)."""

    default_hint = _("Stale plan: the registry changed since it was read; run asrctl plan again.")


class Unprocessable(RegistryProblem):
    """422: the registry rejected the registration's content (see the field pointers)."""


class IdempotencyKeyReused(Unprocessable):
    """422: the Idempotency-Key was used before for another request (a bug in asrctl)."""


class PreconditionRequired(RegistryProblem):
    """428: a write without If-Match/If-None-Match (a bug in asrctl)."""


class UnsupportedMediaType(RegistryProblem):
    """415."""


class ServerError(RegistryProblem):
    """A 5xx the client does not retry (500 and others)."""

    default_hint = _("The a.s.r. registry failed; try again later (a re-run never submits twice).")


class RegistryUnreachable(ServiceError):
    """The registry could not be reached or kept answering 429/502/503/504 until the retries ran out."""

    def __init__(
        self, message: str, *, status: int | None = None, attempts: int = 1, hint: str | None = None
    ):
        super().__init__(
            redact(message),
            hint=hint
            or _("Check the registry url and the network; try again later (a re-run never submits twice)."),
        )
        self.status = status
        self.attempts = attempts


_BY_STATUS: dict[int, type[RegistryProblem]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    415: UnsupportedMediaType,
    422: Unprocessable,
    428: PreconditionRequired,
}
_BY_TYPE: dict[str, type[RegistryProblem]] = {
    REGISTERED_ELSEWHERE: RegisteredElsewhere,
    IDEMPOTENCY_KEY_REUSED: IdempotencyKeyReused,
}


def problem_from_response(
    status: int,
    reason: str,
    content_type: str,
    body: bytes,
    *,
    payroll_tax_number: str | None = None,
) -> RegistryProblem:
    """Build the typed error for an error answer; a body that is no problem document is not echoed."""
    data: dict[str, Any] = {}
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/problem+json", "application/json"):
        try:
            parsed = read_json(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            data = parsed
    problem_type = _text(data.get("type")) or "about:blank"
    title = _text(data.get("title")) or reason or f"HTTP {status}"
    detail = _text(data.get("detail"))
    if not data:
        detail = _("the answer carried no problem details (Content-Type {media})", media=media or "none")
    errors: list[tuple[str, str]] = []
    raw_errors = data.get("errors")
    if isinstance(raw_errors, list):
        for item in raw_errors:
            if isinstance(item, dict):
                errors.append((_text(item.get("pointer")), _text(item.get("message"))))
    cls = (
        _BY_TYPE.get(problem_type)
        or _BY_STATUS.get(status)
        or (ServerError if status >= 500 else RegistryProblem)
    )
    return cls(status, problem_type, title, detail, errors, payroll_tax_number=payroll_tax_number)


def _text(value: object) -> str:
    # Server text is shown to the user: one line, bounded; redacted before the cut, so a cut
    # through an echoed token cannot show its first characters.
    if not isinstance(value, str):
        return ""
    return clip(" ".join(value.split()), 500)
