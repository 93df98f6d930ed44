"""HTTP client of the a.s.r. registry (contracts/asr-registry.openapi.yaml).

- Every request has a (connect, read) timeout; TLS verification is always on
  (there is deliberately no switch); plain http is accepted for loopback only
  (the sandbox), so a bearer token never crosses a network unencrypted.
- Retries go through `asrctl.net.retry.retry_call` on 429, 502, 503, 504,
  timeouts and connection resets, honouring `Retry-After`. Writes are retried
  too: each carries the caller's `Idempotency-Key`, so a retry of a write the
  server already carried out gets the first answer replayed, never a second
  submission. A 500 is not retried: it is a failure of the registry itself,
  usually deterministic, and the registry does not remember 5xx answers for a
  key, so running apply again later is safe.
- requests exceptions never leave this module, not even as __context__: they
  carry the request with its Authorization header, so they become
  `RegistryUnreachable` with a message of our own, raised outside the
  `except` block.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import quote

import pydantic
import requests

from asrctl.errors import ServiceError
from asrctl.i18n import N_, _
from asrctl.net.http import parse_retry_after, require_tls
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.net.session import (
    CONNECT_TIMEOUT,
    AnswerTooLarge,
    DeadlineExceeded,
    Limits,
    RedirectRefused,
    exchange,
    new_session,
    read_json,
)
from asrctl.registry.errors import RegistryProblem, RegistryUnreachable, problem_from_response
from asrctl.registry.models import IDEMPOTENCY_KEY, Registration
from asrctl.secrets import Secret, redact

RETRY_STATUSES = frozenset({429, 502, 503, 504})
PAGE_SIZE = 500  # the contract's maximum: fewest calls for a full listing
# A page of 500 registrations is about 0.5 MB; far beyond that it is not the registry answering.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
_MAX_PAGES = 100_000


class _BearerAuth(requests.auth.AuthBase):
    """Sets the Authorization header; as session.auth it also keeps ~/.netrc from replacing it."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return request

    def __repr__(self) -> str:
        return f"_BearerAuth({self._token!r})"


class RegistryClient:
    """One registry endpoint with one token. Safe to share between threads (plan's parallelism)."""

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        connect_timeout: float | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        loopback = require_tls(base_url, "registry url", hint=_("Set registry.url in asrctl.yaml to the https "
                               "address a.s.r. gave you (plain http only for a registry on this machine)."))
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}")
        self._page_size = page_size
        self._base = base_url.rstrip("/")
        self._limits = Limits(deadline=timeout, max_bytes=MAX_ANSWER_BYTES,
                              connect=connect_timeout if connect_timeout is not None else CONNECT_TIMEOUT)
        self._policy = policy or RetryPolicy()
        self._lock = threading.Lock()
        self._calls = 0
        self._replays = 0
        # A loopback registry is the sandbox: never route it through an HTTP(S)_PROXY from the environment.
        session = new_session(trust_env=not loopback, pool_maxsize=32)
        session.auth = _BearerAuth(token)
        session.headers["Accept"] = "application/json, application/problem+json"
        self._session = session

    # --- bookkeeping -------------------------------------------------------------------

    @property
    def calls(self) -> int:
        """HTTP requests made, retries included."""
        return self._calls

    @property
    def replays(self) -> int:
        """Answers the registry marked `Idempotent-Replayed: true` (a write it had already carried out)."""
        return self._replays

    @property
    def session(self) -> requests.Session:
        """The underlying session, for instrumentation (tests add response hooks). Never turn off verify."""
        return self._session

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RegistryClient({self._base!r})"

    # --- operations --------------------------------------------------------------------

    def list(self, status: str | None = None) -> list[Registration]:
        """All registrations the token may see (an office's own; every office's for an asr token), oldest first."""
        items: list[Registration] = []
        params: dict[str, str] = {"page_size": str(self._page_size)}
        if status is not None:
            params["status"] = status
        seen_tokens: set[str] = set()
        for _page in range(_MAX_PAGES):
            what = _("list registrations")
            response = self._request("GET", "/registrations", what, params=params)
            if response.status_code != 200:
                raise self._problem(response)
            page = self._json(response, what)
            raw_items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(raw_items, list):
                raise ServiceError(_("the a.s.r. registry sent a registration list without items"))
            items.extend(self._registration(item, what) for item in raw_items)
            next_token = page.get("next_page_token")
            if next_token is None:
                return items
            if not isinstance(next_token, str) or next_token in seen_tokens:
                raise ServiceError(_("the a.s.r. registry sent an invalid or repeating next_page_token"))
            seen_tokens.add(next_token)
            params = {**params, "page_token": next_token}
        raise ServiceError(_("the a.s.r. registry kept sending pages; giving up"))

    def get(self, payroll_tax_number: str) -> tuple[Registration, str] | None:
        """The registration and its ETag (`"<version>"`), or None when this office has none with that number."""
        what = _("read registration {number}", number=payroll_tax_number)
        response = self._request("GET", self._path(payroll_tax_number), what)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._problem(response, payroll_tax_number)
        registration = self._registration(self._json(response, what), what)
        return registration, response.headers.get("ETag", f'"{registration.version}"')

    def create(
        self, payroll_tax_number: str, body: Mapping[str, Any], *, idempotency_key: str
    ) -> Registration:
        """Submit a new registration (`If-None-Match: *`); 412 if this office holds it, 409 if another does."""
        return self._write(
            "PUT",
            self._path(payroll_tax_number),
            _("submit registration {number}", number=payroll_tax_number),
            payroll_tax_number,
            {"If-None-Match": "*"},
            body,
            idempotency_key,
        )

    def update(
        self, payroll_tax_number: str, body: Mapping[str, Any], *, version: int, idempotency_key: str
    ) -> Registration:
        """Change a registration of this office at `version` (`If-Match`); a withdrawn one is re-submitted."""
        return self._write(
            "PUT",
            self._path(payroll_tax_number),
            _("change registration {number}", number=payroll_tax_number),
            payroll_tax_number,
            {"If-Match": _etag(version)},
            body,
            idempotency_key,
        )

    def withdraw(self, payroll_tax_number: str, *, version: int, idempotency_key: str) -> Registration:
        """Withdraw (afmelden) the registration at `version`; the record stays with status withdrawn."""
        return self._write(
            "DELETE",
            self._path(payroll_tax_number),
            _("withdraw registration {number}", number=payroll_tax_number),
            payroll_tax_number,
            {"If-Match": _etag(version)},
            None,
            idempotency_key,
        )

    def set_status(
        self,
        payroll_tax_number: str,
        *,
        status: str,
        version: int,
        status_detail: str | None = None,
        first_exchange_date: str | None = None,
        idempotency_key: str,
    ) -> Registration:
        """a.s.r.-side (an `asr` token): move a registration through onboarding."""
        body: dict[str, Any] = {"status": status}
        if status_detail is not None:
            body["status_detail"] = status_detail
        if first_exchange_date is not None:
            body["first_exchange_date"] = first_exchange_date
        return self._write(
            "PUT",
            self._path(payroll_tax_number) + "/status",
            _("set status of registration {number}", number=payroll_tax_number),
            payroll_tax_number,
            {"If-Match": _etag(version)},
            body,
            idempotency_key,
        )

    # --- plumbing ----------------------------------------------------------------------

    def _path(self, payroll_tax_number: str) -> str:
        return "/registrations/" + quote(payroll_tax_number, safe="")

    def _write(
        self,
        method: str,
        path: str,
        what: str,
        payroll_tax_number: str,
        headers: dict[str, str],
        body: Mapping[str, Any] | None,
        idempotency_key: str,
    ) -> Registration:
        if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
            raise ValueError("idempotency_key must be 1..128 visible ASCII characters")
        headers = {**headers, "Idempotency-Key": idempotency_key}
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        response = self._request(method, path, what, headers=headers, data=data)
        if response.status_code not in (200, 201):
            raise self._problem(response, payroll_tax_number)
        if response.headers.get("Idempotent-Replayed", "").lower() == "true":
            with self._lock:
                self._replays += 1
        return self._registration(self._json(response, what), what)

    def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        url = self._base + path
        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            with self._lock:
                self._calls += 1
            response, failure, transient = self._send(method, url, what, attempts, params, headers, data)
            # Raised outside any `except` block: no requests exception (it holds the Authorization
            # header) ends up in __context__ of what the caller sees.
            if failure is not None:
                raise Retryable(failure) if transient else failure
            assert response is not None
            if response.status_code in RETRY_STATUSES:
                status = f"{response.status_code} {response.reason or ''}".rstrip()
                error = RegistryUnreachable(
                    N_("{what}: the a.s.r. registry answered {status} {n} time; giving up",
                       "{what}: the a.s.r. registry answered {status} {n} times; giving up", attempts,
                       what=what, status=status),
                    status=response.status_code,
                    attempts=attempts,
                    hint=_("The registry is busy or unavailable; try again later (a re-run never submits twice)."),
                )
                response.close()
                raise Retryable(error, retry_after=parse_retry_after(response.headers.get("Retry-After")))
            return response

        return retry_call(attempt, self._policy, what=what)

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        attempts: int,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        data: bytes | None,
    ) -> tuple[requests.Response | None, RegistryUnreachable | None, bool]:
        """One HTTP request: (response, None, _) or (None, translated error, transient?)."""
        try:
            response = exchange(
                self._session, method, url, limits=self._limits, params=params, headers=headers, data=data, verify=True
            )
        except RedirectRefused as exc:
            hint = _("Set registry.url to the registry's own address; asrctl follows no redirect.")
            return None, RegistryUnreachable(_("{what}: the a.s.r. registry {problem}", what=what, problem=exc.message),
                                             attempts=attempts, hint=hint), False
        except AnswerTooLarge as exc:
            return None, RegistryUnreachable(_("{what}: the a.s.r. registry {problem}", what=what, problem=exc.message),
                                             attempts=attempts, hint=exc.hint), False
        except DeadlineExceeded as exc:
            seconds = f"{exc.seconds:g}"
            message = _("{what}: the a.s.r. registry did not answer in time (registry.timeout_seconds: {seconds} s)",
                        what=what, seconds=seconds)
            return None, RegistryUnreachable(message, attempts=attempts), True
        except requests.exceptions.SSLError:
            # Not transient: a certificate that does not verify will not verify on a retry.
            message = _("{what}: the TLS certificate of the a.s.r. registry could not be verified", what=what)
            hint = _("Check the registry url; asrctl always verifies certificates.")
            return None, RegistryUnreachable(message, attempts=attempts, hint=hint), False
        except requests.exceptions.Timeout:
            message = _("{what}: the a.s.r. registry did not answer in time", what=what)
            return None, RegistryUnreachable(message, attempts=attempts), True
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            message = _("{what}: {problem}", what=what, problem=_connection_trouble(exc))
            return None, RegistryUnreachable(message, attempts=attempts), True
        except requests.exceptions.RequestException as exc:
            message = _("{what}: the request could not be sent ({kind})", what=what, kind=exc.__class__.__name__)
            return None, RegistryUnreachable(message, attempts=attempts), False
        return response, None, False

    def _problem(self, response: requests.Response, payroll_tax_number: str | None = None) -> RegistryProblem:
        return problem_from_response(
            response.status_code,
            response.reason or "",
            response.headers.get("Content-Type", ""),
            response.content,
            payroll_tax_number=payroll_tax_number,
        )

    @staticmethod
    def _json(response: requests.Response, what: str) -> Any:
        try:
            return read_json(response.content)
        except ValueError:
            raise ServiceError(_("{what}: the a.s.r. registry sent an answer that is not JSON", what=what)) from None

    @staticmethod
    def _registration(data: Any, what: str) -> Registration:
        try:
            return Registration.model_validate(data)
        except pydantic.ValidationError as exc:
            # include_input=False: the registry's data stays out of the message.
            fields = ", ".join(
                ".".join(str(p) for p in err["loc"]) or "(registration)"
                for err in exc.errors(include_input=False)
            )
            raise ServiceError(
                redact(_("{what}: the a.s.r. registry sent a registration asrctl cannot read (fields: {fields})",
                         what=what, fields=fields))
            ) from None


def _etag(version: int) -> str:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("version must be a positive integer")
    return f'"{version}"'


def _connection_trouble(exc: BaseException) -> str:
    """Name the failure by kind only: the exception's own text names URLs and carries request objects."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        # urllib3 nests causes in args and .reason as well as in __cause__.
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo.extend(e for e in nested if isinstance(e, BaseException))
    if any(isinstance(e, ConnectionRefusedError) for e in seen):
        return _("the a.s.r. registry refused the connection")
    if any(
        isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) for e in seen
    ) or any(type(e).__name__ in ("RemoteDisconnected", "ProtocolError", "IncompleteRead") for e in seen):
        return _("the connection to the a.s.r. registry was reset")
    if any(isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError" for e in seen):
        return _("the a.s.r. registry's host name could not be resolved")
    return _("the a.s.r. registry could not be reached")
