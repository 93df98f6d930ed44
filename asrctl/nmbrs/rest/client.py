"""The JSON client of the Nmbrs REST API: headers, the call budget, paging, and Nmbrs errors → asrctl's.

One `RestClient` per run, shared by all accounts and threads (a pooled requests session). Each
request takes a permit of the run's `CallBudget` (shared with SOAP), carries the account's
Bearer token and the app's subscription key, and goes through the one network edge
(net/session.exchange): no redirect, a total deadline of `timeout` seconds, at most `MAX_ANSWER`
bytes. Errors (REST-FACTS §7): 401 → one refresh and one more try, then nmbrs.auth;
403 40303/40305 → NoAccess; 40304 → no subscription; 40306 → MultiDebtorConsent (the caller lists
per debtor); 429 42908 → wait (Retry-After when given) by the one retry policy; 42909 → quota,
no retry; 5xx, timeouts, resets → the retry policy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.net.http import is_loopback, parse_retry_after
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.net.session import (
    AnswerTooLarge,
    DeadlineExceeded,
    Limits,
    RedirectRefused,
    exchange,
    new_session,
)
from asrctl.nmbrs.errors import (
    UNAVAILABLE_HINT,
    NmbrsAuthError,
    NmbrsError,
    NmbrsFault,
    NmbrsRequestError,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
    NoAccess,
    NotPermitted,
)
from asrctl.nmbrs.rest.constants import (
    CODE_MULTI_DEBTOR,
    CODE_NO_ACCESS,
    CODE_NO_ACCESS_ALT,
    CODE_NO_SUBSCRIPTION,
    CODE_QUOTA,
    MAX_PAGES,
    OPERATION_SCOPES,
    PAGE_SIZE,
    SUBSCRIPTION_HEADER,
    scope_granted,
)
from asrctl.nmbrs.rest.oauth import RestApp, parse_json
from asrctl.nmbrs.rest.tokens import TokenSource
from asrctl.secrets import Secret

log = logging.getLogger("asrctl.nmbrs.rest.client")

MAX_ANSWER = 16 * 1024 * 1024  # one page of 100 employees' SVW history is well under 1 MiB
CONNECT_TIMEOUT = 10.0


class MultiDebtorConsent(NmbrsFault):
    """40306: /api/companies refuses a consent that spans several debtors (list per debtor instead)."""


class ScopeMissing(NotPermitted):
    """The consent lacks every scope this operation accepts (checked before calling, as Nmbrs would refuse)."""

    def __init__(self, message: str, *, operation: str, scope: str) -> None:
        # `call` is the scope: what the office grants, and what Remedies word the fix with.
        super().__init__(message, call=scope, reason=_("its Nmbrs consent does not allow it"),
                         detail=_("{operation} needs the scope {scope}", operation=operation, scope=scope))
        self.scope = scope


class QuotaExhausted(NmbrsUnavailable):
    """42909: the subscription's call volume is used up; retrying does not help."""


class RestClient:
    def __init__(self, app: RestApp, *, budget: CallBudget, parallelism: int = 8, timeout: float = 30.0,
                 retry: RetryPolicy | None = None) -> None:
        self.app = app
        self.base = app.api_url.rstrip("/")
        self.budget = budget
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limits = Limits(deadline=timeout, max_bytes=MAX_ANSWER, connect=min(CONNECT_TIMEOUT, timeout))
        session = new_session(trust_env=not is_loopback(urlsplit(self.base).hostname),
                              pool_maxsize=max(parallelism, 4))
        session.headers["Accept"] = "application/json"
        self.session = session
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def close(self) -> None:
        self.session.close()

    # --- one request -------------------------------------------------------------------------------

    def get(self, tokens: TokenSource, operation: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One GET; the parsed JSON body of a 200. Raises the errors of asrctl.nmbrs.errors."""
        self._require_scope(tokens, operation)
        token = tokens.token()
        refreshed = False
        while True:
            try:
                return self._get_retried(token, operation, path, params or {})
            except _Unauthorized as error:
                if refreshed:
                    raise NmbrsAuthError(
                        _("Nmbrs refused the access token of account '{account}' again after a refresh (HTTP "
                          "401{code})", account=tokens.account, code=_coded(error.code)),
                        call=operation, code=error.code,
                        hint=_("Check nmbrs.rest.subscription_key (the product's primary key in the developer "
                               "portal); if it is right, run `asrctl login {account}`.", account=tokens.account),
                    ) from None
                token = tokens.token(rejected=token)
                refreshed = True

    def _require_scope(self, tokens: TokenSource, operation: str) -> None:
        accepted = OPERATION_SCOPES.get(operation, ())
        granted = tokens.scopes
        if not accepted or not granted:
            return  # nothing to compare with: Nmbrs will say
        if not any(scope_granted(scope, granted) for scope in accepted):
            raise ScopeMissing(
                _("the Nmbrs consent of account '{account}' does not allow this read", account=tokens.account),
                operation=operation, scope=accepted[0],
            )

    def _get_retried(self, token: Secret, operation: str, path: str, params: Mapping[str, Any]) -> Any:
        url = self.base + path

        def attempt() -> Any:
            self.budget.acquire()
            with self._lock:
                self._calls += 1
            headers = {"Authorization": f"Bearer {token.reveal()}",
                       SUBSCRIPTION_HEADER: self.app.subscription_key.reveal()}
            try:
                response = exchange(self.session, "GET", url, limits=self.limits, params=dict(params),
                                    headers=headers)
            except RedirectRefused as exc:
                raise _redirected(operation, exc.status) from None
            except AnswerTooLarge:
                raise _too_large(operation) from None
            except DeadlineExceeded:
                raise Retryable(_unavailable(operation, _("no answer within the timeout"))) from None
            except requests.exceptions.SSLError:
                raise NmbrsUnavailable(_("the TLS certificate of {url} could not be verified", url=self.base),
                                       call=operation, hint=_REST_URL_HINT) from None
            except requests.Timeout:
                raise Retryable(_unavailable(operation, _("no answer within the timeout"))) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                kind = exc.__class__.__name__
                raise Retryable(_unavailable(operation, _("a connection failure ({kind})", kind=kind))) from None
            log.debug("GET %s → HTTP %d", path, response.status_code)
            return self._answer(operation, response)

        return retry_call(attempt, self.retry, what=f"Nmbrs {operation}")

    def _answer(self, operation: str, response: requests.Response) -> Any:
        status = response.status_code
        body = parse_json(response.content)  # read whole by exchange(), within the cap and the deadline
        if status == 200:
            if body is None:
                raise Retryable(_unavailable(operation, _("an answer that is not JSON")))
            return body
        problem = body if isinstance(body, dict) else {}
        code = problem.get("code") if isinstance(problem.get("code"), int) else None
        title = problem.get("title") if isinstance(problem.get("title"), str) else None
        text = f"HTTP {status}{_coded(code)}" + (f" {title}" if title else "")
        if status == 401:
            raise _Unauthorized(code)
        if status == 429:
            if code == CODE_QUOTA:
                raise QuotaExhausted(
                    _("Nmbrs answered that the subscription's call quota is used up ({text})", text=text),
                    call=operation, code=code,
                    hint=_("asrctl does not retry this: wait for the quota to renew, or ask Nmbrs for a larger plan."),
                )
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise Retryable(_unavailable(operation, _("too many calls ({text})", text=text)), retry_after=retry_after)
        if status >= 500 or status == 0:
            raise Retryable(_unavailable(operation, text), retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status == 403:
            if code in (CODE_NO_ACCESS, CODE_NO_ACCESS_ALT):
                raise NoAccess(_("Nmbrs refused: {meaning}", meaning=_NO_ACCESS), call=operation, code=code,
                               reason=_NO_ACCESS, detail=f"{operation}: {text}")
            if code == CODE_NO_SUBSCRIPTION:
                raise NmbrsSubscriptionError(_("Nmbrs refused: {meaning}", meaning=_NO_SUBSCRIPTION), call=operation,
                                             code=code, reason=_NO_SUBSCRIPTION, detail=f"{operation}: {text}")
            if code == CODE_MULTI_DEBTOR:
                raise MultiDebtorConsent(_("the consent spans several debtors"), call=operation, code=code,
                                         detail=f"{operation}: {text}")
            # Undocumented: most likely a scope the app or the user did not grant (REST-FACTS §12 q5).
            raise NmbrsFault(_("Nmbrs refused the read"), call=operation, code=code, detail=f"{operation}: {text}",
                             hint=_("Check the scopes granted to the app (asrctl login shows them) and the login's "
                                    "rights."))
        if status == 404 and not problem:
            raise NmbrsRequestError(_("the Nmbrs REST API has no such address (HTTP 404)"), call=operation,
                                    hint=_REST_URL_HINT)
        if status == 404:
            raise NmbrsFault(_("Nmbrs found nothing ({text})", text=text), call=operation, code=code)
        raise NmbrsRequestError(_("Nmbrs rejected the request ({text})", text=text), call=operation, code=code,
                                hint=_("asrctl's request does not match the Nmbrs REST API; please report it as a "
                                       "bug."))

    # --- paging ------------------------------------------------------------------------------------

    def pages(self, tokens: TokenSource, operation: str, path: str, params: Mapping[str, Any] | None = None
              ) -> list[Any]:
        """Every row of a paged collection: pageSize 100, page after page until the last (REST-FACTS §6)."""
        rows: list[Any] = []
        number = 1
        while True:
            body = self.get(tokens, operation, path, {**(params or {}), "pageNumber": number, "pageSize": PAGE_SIZE})
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise UnexpectedAnswer(_NO_DATA_LIST, call=operation, detail=_("{operation}, without data", operation=operation))
            rows.extend(data)
            pagination = body.get("pagination")
            total = pagination.get("totalPages") if isinstance(pagination, dict) else None
            has_next = isinstance(pagination, dict) and pagination.get("nextPage") is not None
            if isinstance(total, int) and not isinstance(total, bool):
                if number >= total:
                    return rows
            elif not has_next or not data:
                return rows  # no totalPages: follow nextPage while rows keep coming
            number += 1
            if number > MAX_PAGES:
                raise UnexpectedAnswer(_("Nmbrs kept sending pages (more than {pages})", pages=MAX_PAGES), call=operation)


class UnexpectedAnswer(NmbrsFault):
    """A 200 whose body lacks what the call needs: the check that asked becomes nmbrs.unverified."""


_NO_DATA_LIST = _("Nmbrs answered without the list asrctl reads")
_NO_ACCESS = _("no access to this debtor or company")
_NO_SUBSCRIPTION = _("no valid subscription")
_REST_URL_HINT = _("Check nmbrs.rest.url: normally https://api.nmbrsapp.com.")


class _Unauthorized(NmbrsError):
    def __init__(self, code: int | None) -> None:
        super().__init__("HTTP 401", call="", code=code)


def _coded(code: int | None) -> str:
    return f", code {code}" if code is not None else ""


def _redirected(operation: str, status: int) -> NmbrsRequestError:
    return NmbrsRequestError(_("Nmbrs answered with a redirect (HTTP {status}); asrctl follows none", status=status),
                             call=operation, hint=_REST_URL_HINT)


def _too_large(operation: str) -> NmbrsUnavailable:
    return NmbrsUnavailable(_("Nmbrs sent an answer over {size} MiB: not read", size=MAX_ANSWER // (1024 * 1024)),
                            call=operation, hint=UNAVAILABLE_HINT)


def _unavailable(operation: str, what: str) -> NmbrsUnavailable:
    return NmbrsUnavailable(_("Nmbrs gave {what}", what=what), call=operation, hint=UNAVAILABLE_HINT)
