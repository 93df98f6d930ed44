"""OAuth 2.0 with the Nmbrs identity server: authorization code + PKCE, refresh, revocation.

RFC 6749 (client authentication by HTTP Basic with each half form-encoded, §2.3.1), RFC 7636
(PKCE S256), RFC 8252 (a one-shot loopback listener for the redirect). Nothing here stores a
token: `grant.py` does, and `tokens.py` decides when to refresh.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests
from pydantic import BaseModel, ConfigDict, ValidationError

from asrctl.errors import AsrctlError
from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.net.http import is_loopback, require_tls
from asrctl.net.retry import Retryable, RetryPolicy, retry_call
from asrctl.net.session import (
    AnswerTooLarge,
    DeadlineExceeded,
    Limits,
    RedirectRefused,
    exchange,
    new_session,
)
from asrctl.nmbrs.errors import UNAVAILABLE_HINT, NmbrsAuthError, NmbrsRequestError, NmbrsUnavailable
from asrctl.nmbrs.rest.constants import AUTHORIZE_PATH, REVOCATION_PATH, TOKEN_PATH
from asrctl.secrets import Secret, register

log = logging.getLogger("asrctl.nmbrs.rest.oauth")

TOKEN_CALL = "POST /connect/token"
MAX_TOKEN_ANSWER = 256 * 1024  # a token response is a few KiB


@dataclass(frozen=True)
class RestApp:
    """The office's app in the Nmbrs developer portal, resolved (secrets revealed only on the wire)."""

    api_url: str
    identity_url: str
    client_id: str
    client_secret: Secret
    subscription_key: Secret
    redirect_uri: str

    def __post_init__(self) -> None:
        require_tls(self.api_url, "nmbrs.rest.url")
        require_tls(self.identity_url, "nmbrs.rest.identity_url")

    def basic_auth(self) -> str:
        """RFC 6749 §2.3.1: each half form-encoded before joining (Nmbrs secrets hold '*', '$', ...)."""
        pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret.reveal(), safe='')}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


class ConsentGone(NmbrsAuthError):
    """invalid_grant: the refresh token is expired, used or revoked: a person must consent again."""


class TokenAnswer(BaseModel):
    """A token response (RFC 6749 §5.1); fields Nmbrs may add are ignored."""

    model_config = ConfigDict(extra="ignore")
    access_token: str
    token_type: str = "Bearer"
    expires_in: int | None = None
    refresh_token: str | None = None
    scope: str | None = None


# --- authorization request ------------------------------------------------------------------------


@dataclass(frozen=True)
class Authorization:
    """One authorization request: the URL to open and what the callback must match."""

    url: str
    state: str
    verifier: str


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization(app: RestApp, scopes: tuple[str, ...]) -> Authorization:
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 wants 43..128
    query = {
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return Authorization(f"{app.identity_url.rstrip('/')}{AUTHORIZE_PATH}?{urlencode(query)}", state, verifier)


# --- the loopback listener (RFC 8252 §7.3) -----------------------------------------------------------

_DONE_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>asrctl</title></head><body>"
              "<h1>{title}</h1><p>{text}</p></body></html>")


class LoginError(AsrctlError):
    """`asrctl login` could not complete: the user refused, the wait ran out, the port was taken."""


class CallbackListener:
    """Listens once on the redirect URI's host and port; `wait()` returns the authorization code.

    Bound when created, so the port is ours before a browser is sent there. Requests for other
    paths (a favicon) get 404; a callback with another `state` (an old tab, or a forged link) is
    answered 400 and ignored; the first callback with our state ends the wait.
    """

    def __init__(self, redirect_uri: str, state: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or not is_loopback(parts.hostname) or parts.port is None:
            raise LoginError(_("nmbrs.rest.redirect_uri {uri} is not a loopback address with a port",
                               uri=repr(redirect_uri)),
                             hint=_("Register and configure e.g. http://127.0.0.1:8765/callback."))
        self.path = parts.path or "/"
        self.state = state
        self.result: tuple[str | None, str | None] | None = None  # (code, error)
        self.ignored = 0
        listener = self
        host = (parts.hostname or "127.0.0.1").strip("[]")

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass  # the query holds the code: never logged

            def do_GET(self) -> None:
                listener._callback(self)

        server_class = _IPv6Server if ":" in host else HTTPServer
        try:
            self._server = server_class((host, parts.port), Handler)
        except OSError as exc:
            raise LoginError(
                _("cannot listen on {host}:{port} for the Nmbrs callback: {reason}", host=host, port=parts.port,
                  reason=exc.strerror or str(exc)),
                hint=_("Another program (or another `asrctl login`) uses that port; stop it and try again."),
            ) from None
        self._server.timeout = 0.2

    def _callback(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path != self.path:
            _page(handler, 404, "Not found", "This address only receives the Nmbrs sign-in.")
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if query.get("state") != self.state:
            self.ignored += 1
            _page(handler, 400, "Unknown sign-in", "This answer does not belong to the running `asrctl login`.")
            return
        if "error" in query:
            self.result = (None, query.get("error_description") or query["error"])
            _page(handler, 200, "Not signed in", f"Nmbrs answered: {query['error']}. You can close this window.")
            return
        code = query.get("code")
        if not code:
            self.result = (None, _("the callback carried no code"))
            _page(handler, 400, "Not signed in", "The answer carried no code.")
            return
        self.result = (code, None)
        _page(handler, 200, "Signed in", "asrctl received the consent. You can close this window.")

    def wait(self, timeout: float, *, clock: Callable[[], float] = time.monotonic) -> str:
        deadline = clock() + timeout
        try:
            while self.result is None:
                if clock() >= deadline:
                    seconds = f"{timeout:g}"
                    raise LoginError(
                        _("no answer from Nmbrs within {seconds} seconds", seconds=seconds),
                        hint=_("Open the URL again and sign in; the consent must finish within 5 minutes."),
                    )
                self._server.handle_request()
        finally:
            self._server.server_close()
        code, error = self.result
        if code is None:
            raise LoginError(_("Nmbrs did not give the consent: {reason}", reason=error),
                             hint=_("Sign in with the Nmbrs login of this account and allow asrctl's access."))
        return code

    def close(self) -> None:
        self._server.server_close()


class _IPv6Server(HTTPServer):
    address_family = socket.AF_INET6


def _page(handler: BaseHTTPRequestHandler, status: int, title: str, text: str) -> None:
    body = _DONE_PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    handler.wfile.write(body)


# --- the token endpoint --------------------------------------------------------------------------------


class IdentityClient:
    """Token and revocation calls for one app. Every request takes a permit of the run's call budget and
    goes through the one network edge (net/session.exchange): no redirect (the Basic header and the
    refresh token go to identity_url only), a total deadline, at most MAX_TOKEN_ANSWER bytes."""

    def __init__(self, app: RestApp, *, budget: CallBudget, timeout: float = 30.0,
                 retry: RetryPolicy | None = None) -> None:
        self.app = app
        self.budget = budget
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.limits = Limits(deadline=timeout, max_bytes=MAX_TOKEN_ANSWER, connect=min(10.0, timeout))
        self.session = new_session(trust_env=not is_loopback(urlsplit(app.identity_url).hostname))
        self.calls = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def _post(self, path: str, form: dict[str, str]) -> requests.Response:
        url = self.app.identity_url.rstrip("/") + path

        def attempt() -> requests.Response:
            self.budget.acquire()
            with self._lock:
                self.calls += 1
            try:
                response = exchange(self.session, "POST", url, limits=self.limits, data=form,
                                    headers={"Authorization": self.app.basic_auth(), "Accept": "application/json"})
            except RedirectRefused as exc:
                raise NmbrsRequestError(_("the Nmbrs identity server {refusal}", refusal=exc.message),
                                        call=TOKEN_CALL, hint=_IDENTITY_URL_HINT) from None
            except AnswerTooLarge:
                raise _unavailable(_("an answer over {size} KiB", size=MAX_TOKEN_ANSWER // 1024)) from None
            except DeadlineExceeded:
                raise Retryable(_unavailable("no answer within the timeout")) from None
            except requests.exceptions.SSLError:
                raise NmbrsUnavailable(_("the TLS certificate of {url} could not be verified",
                                         url=self.app.identity_url), call=TOKEN_CALL,
                                       hint=_IDENTITY_URL_HINT) from None
            except requests.ConnectTimeout:
                raise Retryable(_unavailable(_("no connection within the timeout"))) from None
            except requests.ConnectionError as exc:
                # Not sent at all is safe to repeat; a lost answer to a refresh may have rotated the
                # token already, and then the retry gets invalid_grant (said so by ConsentGone's hint).
                kind = exc.__class__.__name__
                raise Retryable(_unavailable(_("a connection failure ({kind})", kind=kind))) from None
            except requests.Timeout:
                raise Retryable(_unavailable(_("no answer within the timeout"))) from None
            if response.status_code in (429, 502, 503, 504):
                response.close()
                raise Retryable(_unavailable(f"HTTP {response.status_code}"))
            return response

        return retry_call(attempt, self.retry, what=f"Nmbrs {TOKEN_CALL}")

    def _token(self, form: dict[str, str], *, what: str, account: str) -> TokenAnswer:
        response = self._post(TOKEN_PATH, form)
        body = _json(response)
        if response.status_code == 200 and isinstance(body, dict):
            try:
                answer = TokenAnswer.model_validate(body)
            except ValidationError:
                raise NmbrsRequestError(_("the token answer of Nmbrs has no access_token"), call=TOKEN_CALL,
                                        hint=_("The identity server's answer is not OAuth 2.0; check "
                                               "nmbrs.rest.identity_url.")) from None
            for value in (answer.access_token, answer.refresh_token):
                if value:
                    register(value)
            return answer
        error = str(body.get("error")) if isinstance(body, dict) else None
        if error == "invalid_grant":
            raise ConsentGone(
                _("the Nmbrs consent of account '{account}' is no longer valid ({what}: invalid_grant): it expired, "
                  "was revoked, or its refresh token was already used by another run", account=account, what=what),
                call=TOKEN_CALL,
                hint=_("Run `asrctl login {account}` (a person who may approve access for this Nmbrs login).",
                       account=account),
            )
        if error == "invalid_client" or response.status_code == 401:
            raise NmbrsAuthError(
                _("the Nmbrs identity server does not accept the app's client_id or client_secret ({what})",
                  what=what),
                call=TOKEN_CALL,
                hint=_("Check nmbrs.rest.client_id and client_secret against the app in the Nmbrs developer portal."),
            )
        shown = error or f"HTTP {response.status_code}"
        if response.status_code >= 500:
            raise _unavailable(shown)
        raise NmbrsRequestError(_("the Nmbrs identity server refused {what}: {reason}", what=what, reason=shown),
                                call=TOKEN_CALL, hint=_("Check nmbrs.rest in asrctl.yaml against the app in the Nmbrs "
                                                        "developer portal."))

    def exchange(self, code: str, verifier: str, *, account: str) -> TokenAnswer:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.app.redirect_uri,
                "code_verifier": verifier}
        return self._token(form, what=_("exchanging the authorization code"), account=account)

    def refresh(self, refresh_token: Secret, *, account: str) -> TokenAnswer:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.reveal()}
        return self._token(form, what=_("refreshing the access token"), account=account)

    def revoke(self, refresh_token: Secret) -> bool:
        form = {"token": refresh_token.reveal(), "token_type_hint": "refresh_token"}
        response = self._post(REVOCATION_PATH, form)
        response.close()
        return response.status_code == 200


def parse_json(data: bytes | None) -> Any:
    """JSON, or None for no body, a body that is not JSON, or one that is not UTF-8."""
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _json(response: requests.Response) -> Any:
    return parse_json(response.content)  # read whole by exchange(), within the cap and the deadline


_IDENTITY_URL_HINT = _("Check nmbrs.rest.identity_url.")


def _unavailable(what: str) -> NmbrsUnavailable:
    return NmbrsUnavailable(_("the Nmbrs identity server gave {what}", what=what), call=TOKEN_CALL,
                            hint=UNAVAILABLE_HINT)
