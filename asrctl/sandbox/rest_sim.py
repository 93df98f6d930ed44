"""Nmbrs REST simulator: the identity server and the public REST API on one loopback port, one world.

Serves the same world as the SOAP simulator (sandbox/world.py), from the official OpenAPI subset
bundled in sandbox/data/ and REST-FACTS.md, not from the client's code: routes, operation ids and
per-operation scopes are read from the spec; the answers are the spec's envelopes
(`{"pagination": ..., "data": [...]}`) and error bodies (`type`, `httpStatus`, `code`, `title`, ...).

Identity (REST-FACTS §2): `GET /connect/authorize` shows a login form (username and password of a
world login), `POST /connect/authorize` redirects to the registered redirect_uri with a code and
the state; `POST /connect/token` takes `authorization_code` (5 minutes, single use, PKCE S256
checked when a challenge was sent, the same redirect_uri) and `refresh_token` (rotated: the old
one is invalid after use, reuse answers invalid_grant), client authentication by HTTP Basic with
percent-encoded halves or in the form body; `POST /connect/revocation`. Granted scopes are the
requested ones the login may grant (`rest_scopes`); a refresh token only with offline_access.

API: Bearer token (401 40101 missing, 40102 invalid or expired), X-Subscription-Key (missing or
unknown: `missing_key_status`, 401 by default — UNVERIFIED), the operation's scopes (403, code
`MISSING_SCOPE_CODE` — UNVERIFIED), tag/debtor scoping (403 40303), pageSize 1..100 (400 40033),
`GET /api/companies` refusing a consent that spans several debtors (403 40306 — RSDK only;
`multi_debtor_companies = "list"` answers instead). Throttling: `rate_limit` calls a second
(429 42908, Retry-After 1) and `quota` calls in all (429 42909). Injected faults on the next N
calls of an operation: 42908 (with or without Retry-After), 42909, 500/502/503 (HTML bodies, as a
gateway sends), reset, 401; and a hostile peer's redirect, trickled answer or answer without end.

Every request is in `calls` (time of arrival, operation, user, status, code): the budget tests read
the arrival times. `python -m asrctl.sandbox.rest_sim WORLD.yaml --client-id ID --client-secret S
--subscription-key K` runs it standalone.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import logging
import re
import secrets
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import yaml

from asrctl.sandbox.loopback import Injections, Log, LoopbackServer, SimHandler, bound
from asrctl.sandbox.world import (
    LoginScopes,
    World,
    WorldCompany,
    WorldDebtor,
    WorldEmployee,
    WorldLogin,
    load_world,
)

log = logging.getLogger("asrctl.sandbox.rest_sim")

SPEC_PATH = Path(__file__).parent / "data" / "nmbrs-rest-openapi-subset.yaml"
ID_NAMESPACE = uuid.UUID("6f1c1f4e-3b57-4c3e-9a55-0d0f5e3a7c21")  # world ints -> stable REST uuids

CODE_TTL = 300            # seconds an authorization code lives (DEV-AUTH: 5 minutes)
ACCESS_TTL = 3600         # expires_in of an access token (RSDK's assumption; the client reads expires_in)
MISSING_SCOPE_CODE = 40301  # UNVERIFIED: Nmbrs documents no body for a 403 on a missing scope
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
FaultKind = Literal["42908", "42909", "500", "502", "503", "reset", "401", "redirect", "trickle", "huge"]
FAULT_KINDS: tuple[str, ...] = ("42908", "42909", "500", "502", "503", "reset", "401", "redirect", "trickle", "huge")
# A hostile peer, not Nmbrs (these say nothing about the real API): a redirect elsewhere, an answer
# trickled a byte at a time, an answer without end. Each stops by itself (bounded), or when the client hangs up.
TRICKLE_BODY = json.dumps({"data": [], "pad": "x" * 200}).encode()
HUGE_CHUNK = b"[" * 65536

SUBSCRIPTION_KEY_CODE = 40100  # UNVERIFIED: no code is documented for a missing or unknown subscription key
_ERRORS: dict[int, tuple[int, str, str, str]] = {  # code -> (HTTP status, type, title, detail)
    SUBSCRIPTION_KEY_CODE: (401, "authenticationError", "Invalid_Subscription_Key",
                            "Access denied due to a missing or invalid subscription key."),
    40033: (400, "validationError", "Parameter_Invalid", "Invalid parameter."),
    40101: (401, "authenticationError", "Missing_Token", "Token is missing on the authentication"),
    40102: (401, "authenticationError", "Invalid_Token", "Token is invalid."),
    40303: (403, "authenticationError", "Unauthorized_AccessData",
            ("You do not have access for the debtor or company you are trying to reach. Contact the administrator "
             "of the environment and review access rights by tags/filters for your login on Template User.")),
    40304: (403, "authenticationError", "Invalid_Subscription",
            "This environment is disabled, there is no valid subscription."),
    MISSING_SCOPE_CODE: (403, "authenticationError", "Insufficient_Scope",
                         "The token does not carry a scope this operation needs."),
    40306: (403, "authenticationError", "Multiple_Debtors",
            "The user has access to more than one debtor: list the companies per debtor."),
    40401: (404, "invalidRequestError", "Not_Found", "The requested resource could not be found."),
    42908: (429, "throttlingError", "Too_Many_Calls",
            "The amount of calls is above the threshold for your subscription plan."),
    42909: (429, "throttlingError", "Quota_Exceeded", "Out of call volume quota."),
    50001: (500, "apiError", "Unkown", "An unexpected error has occurred."),
}


def rest_id(kind: str, number: int | str) -> str:
    """The REST uuid of a world object (debtor, company, employee, user)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{number}"))


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class RestApp:
    """An app registered in the developer portal: what the identity server and the API gateway know of it."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    subscription_keys: tuple[str, ...]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    template: str                 # "/api/debtors/{debtorId}/tags"
    pattern: re.Pattern[str]
    scopes: tuple[str, ...]       # any one satisfies it


def load_operations(spec_path: Path = SPEC_PATH) -> list[Operation]:
    """The GET operations of the bundled subset with their security scopes."""
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    operations = []
    for template, item in spec["paths"].items():
        get = item.get("get")
        if not get:
            continue
        scopes = tuple(s for requirement in get.get("security", spec.get("security", []))
                       for s in requirement.get("Bearer", []))
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
        operations.append(Operation(get["operationId"], template, re.compile(regex), scopes))
    return operations


@dataclass(frozen=True)
class RestCallEntry:
    at: float                 # time.monotonic() of arrival
    method: str
    operation: str            # operationId, or "authorize", "token", "revocation", "discovery", "?"
    username: str | None
    status: int
    code: int | None = None   # Nmbrs error code, or None


class RestCallLog(Log[RestCallEntry]):
    def count(self, operation: str | None = None, username: str | None = None) -> int:
        return sum(1 for e in self.entries
                   if (operation is None or e.operation == operation) and (username is None or e.username == username))


@dataclass
class _Code:
    client_id: str
    username: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    expires: float
    used: bool = False


@dataclass
class _Refresh:
    client_id: str
    username: str
    scopes: tuple[str, ...]
    active: bool = True


@dataclass
class _Access:
    username: str
    scopes: tuple[str, ...]
    expires: float


class ApiError(Exception):
    def __init__(self, code: int, detail: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after

    def body(self) -> tuple[int, dict[str, Any]]:
        status, kind, title, detail = _ERRORS[self.code]
        return status, {"type": kind, "httpStatus": status, "code": self.code, "title": title,
                        "detail": self.detail or detail, "docUrl": "https://developer.nmbrs.com/api/docs/errors"}


@dataclass
class _Limits:
    arrivals: list[float] = field(default_factory=list)
    total: int = 0


class RestSimulator(LoopbackServer):
    """In-process Nmbrs REST (identity + API) on loopback. `with RestSimulator(world, apps=[...]) as sim:`"""

    def __init__(
        self,
        world: World | Path | str,
        *,
        apps: list[RestApp],
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.world = world if isinstance(world, World) else load_world(world)
        self.apps = {app.client_id: app for app in apps}
        self.host = host
        self.port = port
        self.latency = latency
        self.calls = RestCallLog()
        self.operations = load_operations()
        # Behaviour switches (REST-FACTS marks each UNVERIFIED):
        self.multi_debtor_companies: Literal["refuse", "list"] = "refuse"
        self.missing_key_status = 401
        self.rate_limit: int | None = None      # calls a second per subscription key
        self.quota: int | None = None           # calls in all per subscription key
        self.access_ttl = ACCESS_TTL
        # Hostile faults: where a redirect points, the pause between trickled bytes, the most a huge answer sends.
        self.redirect_to = "http://127.0.0.2:9"
        self.trickle_seconds = 0.05
        self.huge_bytes = 64 * 1024 * 1024
        # Tests validate every API answer against the OpenAPI document: called with (method, path,
        # query, request headers, status, body) before an answer (not an injected fault) is sent.
        self.observer: Callable[[str, str, dict[str, str], dict[str, str], int, bytes], None] | None = None
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self.injections: Injections[tuple[FaultKind, float | None]] = Injections()
        self._limits: dict[str, _Limits] = {}
        self.scopes: LoginScopes[str] = LoginScopes(self.world, rest_id, lambda kind: ApiError(40303))

    # --- lifecycle -----------------------------------------------------------------------------------

    thread_name = "nmbrs-rest-sim"

    @property
    def url(self) -> str:
        return self.base_url

    def handler_class(self) -> type[_Handler]:
        return bound(_Handler, self)

    # --- test and sandbox hooks ------------------------------------------------------------------------

    def inject(self, operation: str, kind: FaultKind, times: int = 1, *, retry_after: float | None = None) -> None:
        """Fail the next `times` calls of an operationId (or "token") with `kind`."""
        if operation != "token" and operation not in {o.operation_id for o in self.operations}:
            raise ValueError(f"unknown operation {operation!r}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.injections.add(operation, (kind, retry_after), times)

    def issue_grant(self, username: str, client_id: str, scopes: list[str] | tuple[str, ...]) -> dict[str, Any]:
        """A token response as if the user had consented in a browser (the embedded sandbox's shortcut)."""
        login = self._login(username)
        if login is None:
            raise ValueError(f"no world login {username!r}")
        return self._tokens(client_id, login, self._granted(login, tuple(scopes)))

    def accept_grant(self, refresh_token: str, access_token: str | None, username: str, client_id: str,
                     scopes: list[str] | tuple[str, ...], access_expires_at: float | None = None) -> None:
        """Know the tokens of a grant an earlier run of the sandbox issued (its grant file outlives the process).

        `access_expires_at` is Unix time; an access token past it is not taken over.
        """
        login = self._login(username)
        if login is None:
            raise ValueError(f"no world login {username!r}")
        granted = self._granted(login, tuple(scopes))
        left = (access_expires_at or 0) - time.time()
        with self._lock:
            self._refresh.setdefault(refresh_token, _Refresh(client_id, username, granted))
            if access_token and left > 0:
                self._access.setdefault(access_token, _Access(username, granted, time.monotonic() + left))

    def refresh_token_active(self, token: str) -> bool:
        with self._lock:
            entry = self._refresh.get(token)
            return entry is not None and entry.active

    # --- identity --------------------------------------------------------------------------------------

    def _login(self, username: str | None) -> WorldLogin | None:
        return self.world.login(username)

    @staticmethod
    def _granted(login: WorldLogin, requested: tuple[str, ...]) -> tuple[str, ...]:
        allowed = login.rest_scopes
        return tuple(s for s in requested if allowed is None or s in allowed or s == "offline_access")

    def _tokens(self, client_id: str, login: WorldLogin, scopes: tuple[str, ...]) -> dict[str, Any]:
        access = "sim-at-" + secrets.token_urlsafe(24)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": self.access_ttl,
                                  "scope": " ".join(scopes)}
        with self._lock:
            self._access[access] = _Access(login.username, scopes, time.monotonic() + self.access_ttl)
            if "offline_access" in scopes:
                refresh = "sim-rt-" + secrets.token_urlsafe(24)
                self._refresh[refresh] = _Refresh(client_id, login.username, scopes)
                answer["refresh_token"] = refresh
        return answer

    def authorize_problem(self, query: dict[str, str]) -> str | None:
        """Why an authorize request cannot even redirect (unknown client or redirect_uri), else None."""
        app = self.apps.get(query.get("client_id", ""))
        if app is None:
            return "unknown client_id"
        if query.get("redirect_uri") not in app.redirect_uris:
            return "redirect_uri is not registered for this client"
        return None

    def authorize(self, query: dict[str, str], username: str, password: str) -> tuple[str | None, str]:
        """The form's POST: (error shown on the form, or None; redirect location)."""
        redirect = query["redirect_uri"]
        state = query.get("state")

        def back(**params: str) -> str:
            if state is not None:
                params["state"] = state
            return redirect + ("&" if "?" in redirect else "?") + urlencode(params)

        if query.get("response_type") != "code":
            return None, back(error="unsupported_response_type")
        method = query.get("code_challenge_method")
        challenge = query.get("code_challenge")
        if challenge is not None and method != "S256":
            return None, back(error="invalid_request", error_description="code_challenge_method must be S256")
        login = self._login(username)
        if login is None or not login.active or password != (login.password or login.token):
            return "Invalid username or password", ""
        requested = tuple(query.get("scope", "").split())
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(query["client_id"], login.username, redirect, self._granted(login, requested),
                                      challenge, time.monotonic() + CODE_TTL)
        return None, back(code=code)

    def _client(self, headers: dict[str, str], form: dict[str, str]) -> RestApp | None:
        auth = headers.get("authorization", "")
        client_id = secret = None
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            left, sep, right = raw.partition(":")
            if not sep:
                return None
            client_id, secret = unquote(left), unquote(right)  # RFC 6749 §2.3.1: each half form-encoded
        elif "client_id" in form:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        app = self.apps.get(client_id or "")
        if app is None or secret is None or not secrets.compare_digest(app.client_secret, secret):
            return None
        return app

    def token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any], str | None]:
        """POST /connect/token: (status, JSON body, username)."""
        app = self._client(headers, form)
        if app is None:
            return 401, {"error": "invalid_client"}, None
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                code = self._codes.get(form.get("code", ""))
                reused = code is not None and code.used
                if code is not None:
                    code.used = True
            if code is None or reused or code.expires < time.monotonic() or code.client_id != app.client_id:
                return 400, {"error": "invalid_grant", "error_description": "invalid or used authorization code"}, None
            if form.get("redirect_uri") != code.redirect_uri:
                return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}, code.username
            if code.challenge is not None and s256(form.get("code_verifier", "")) != code.challenge:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier does not match"}, code.username
            login = self._login(code.username)
            assert login is not None
            return 200, self._tokens(app.client_id, login, code.scopes), login.username
        if grant == "refresh_token":
            with self._lock:
                entry = self._refresh.get(form.get("refresh_token", ""))
                usable = entry is not None and entry.active and entry.client_id == app.client_id
                if entry is not None and usable:
                    entry.active = False  # rotation: single use
            if entry is None or not usable:
                return 400, {"error": "invalid_grant", "error_description": "invalid refresh token"}, None
            login = self._login(entry.username)
            if login is None or not login.active:
                return 400, {"error": "invalid_grant", "error_description": "user is not active"}, entry.username
            return 200, self._tokens(app.client_id, login, entry.scopes), login.username
        return 400, {"error": "unsupported_grant_type"}, None

    def revoke(self, headers: dict[str, str], form: dict[str, str]) -> int:
        if self._client(headers, form) is None:
            return 401
        token = form.get("token", "")
        with self._lock:
            if token in self._refresh:
                self._refresh[token].active = False
            self._access.pop(token, None)
        return 200

    # --- API -------------------------------------------------------------------------------------------

    def route(self, path: str) -> tuple[Operation, list[str]] | None:
        for operation in self.operations:
            match = operation.pattern.match(path)
            if match:
                return operation, list(match.groups())
        return None

    def _check_limits(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            limits = self._limits.setdefault(key, _Limits())
            limits.total += 1
            if self.quota is not None and limits.total > self.quota:
                raise ApiError(42909)
            if self.rate_limit is not None:
                limits.arrivals = [t for t in limits.arrivals if now - t < 1.0]
                if len(limits.arrivals) >= self.rate_limit:
                    raise ApiError(42908, retry_after=1)
                limits.arrivals.append(now)

    def authenticate(self, headers: dict[str, str], operation: Operation) -> WorldLogin:
        key = headers.get("x-subscription-key")
        if key is None or not any(key in app.subscription_keys for app in self.apps.values()):
            raise ApiError(SUBSCRIPTION_KEY_CODE if self.missing_key_status == 401 else 40304)
        self._check_limits(key)
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            raise ApiError(40101)
        with self._lock:
            access = self._access.get(auth[7:].strip())
        if access is None or access.expires < time.monotonic():
            raise ApiError(40102)
        login = self._login(access.username)
        if login is None or not login.active:
            raise ApiError(40102)
        if not login.subscription:
            raise ApiError(40304)
        if operation.scopes and not set(operation.scopes) & set(access.scopes):
            raise ApiError(MISSING_SCOPE_CODE, f"{operation.operation_id} needs one of: {', '.join(operation.scopes)}")
        return login

    def answer(self, operation: Operation, args: list[str], login: WorldLogin, query: dict[str, str]
               ) -> list[dict[str, Any]]:
        """The full `data` list of an operation (paging is applied by the caller)."""
        scope = self.scopes.of(login)
        world = self.world
        op = operation.operation_id
        if op == "getUserInfo":
            info: dict[str, Any] = {"name": login.name or login.username.split("@")[0], "email": login.username,
                                    "language": "NL", "userId": rest_id("user", login.username)}
            if scope.debtors:
                info["debtorId"] = rest_id("debtor", scope.debtors[0].id or 0)
            return [info]
        if op == "getDebtors":
            return [_debtor_row(d) for d in scope.debtors]
        if op == "getDebtorInfo":
            return [{"debtor": _debtor_row(d), "address": {"type": "debtorAddress", "street": "Naritaweg",
                                                           "city": "Amsterdam"}} for d in scope.debtors[:1]]
        if op == "getTagsByDebtor":
            debtor = self.scopes.debtor(login, args[0])
            return [{"tagNumber": str(i + 1), "description": tag} for i, tag in enumerate(debtor.tags)]
        if op == "getCompaniesByDebtor":
            number = self.scopes.debtor(login, args[0]).number
            return [_company_row(c, world) for c in scope.companies if c.debtor == number]
        if op == "getCompanies":
            if len(scope.debtors) > 1 and self.multi_debtor_companies == "refuse":
                raise ApiError(40306)
            return [_company_row(c, world) for c in scope.companies]
        company = self.scopes.company(login, args[0])
        if op == "getCurrentPeriod":
            return [_period(company)]
        employees = company.employees
        wanted_id = query.get("employeeId")
        if wanted_id:
            employees = [e for e in employees if rest_id("employee", e.id or 0) == wanted_id]
        if op == "getEmployeesByCompany":
            types = set(query["employeeType"].split(",")) if query.get("employeeType") else None
            return [_employee_row(e) for e in employees if types is None or e.rest_type in types]
        if op == "getSVWSettingsByCompany":
            return [{"employeeId": rest_id("employee", e.id or 0), "employeeSVWSettings": _svw_history(e)}
                    for e in employees]
        raise ApiError(40401)


def _debtor_row(debtor: WorldDebtor) -> dict[str, Any]:
    return {"debtorId": rest_id("debtor", debtor.id or 0), "number": debtor.number, "name": debtor.name}


def _company_row(company: WorldCompany, world: World) -> dict[str, Any]:
    debtor = next(d for d in world.debtors if d.number == company.debtor)
    return {"companyId": rest_id("company", company.id or 0), "number": str(company.number), "name": company.name,
            "debtorId": rest_id("debtor", debtor.id or 0)}


def current_period(company: WorldCompany, today: date | None = None) -> tuple[str, int, int, str]:
    """(periodType, year, period, displayPeriod) of a world company today."""
    today = today or date.today()
    kind = company.loonaangifte_tijdvak
    if kind == "Month":
        return "month", today.year, today.month, f"{today.year}-{today.month}-M"
    if kind == "Week4":
        period = min(13, (today.timetuple().tm_yday - 1) // 28 + 1)
        return "4-weeks", today.year, period, f"{today.year}-{period}-4W"
    # REST knows no half-yearly, yearly or missing pay period: the world's other values are weekly here.
    week = today.isocalendar().week
    return "1-week", today.year, week, f"{today.year}-{week}-W"


def _period(company: WorldCompany) -> dict[str, Any]:
    kind, year, period, shown = current_period(company)
    return {"period": {"year": year, "period": period}, "periodType": kind, "displayPeriod": shown}


def _employee_row(employee: WorldEmployee) -> dict[str, Any]:
    initials, first, prefix, last = _name_parts(employee.display_name)
    return {"employeeId": rest_id("employee", employee.id or 0),
            "employeeBasicInfo": {"employeeNumber": employee.number, "firstName": first, "firstNameInFull": first,
                                  "prefix": prefix, "initials": initials, "lastName": last,
                                  "employeeType": employee.rest_type}}


_PREFIXES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "in", "'t", "op", "aan", "bij", "vd"}


def _name_parts(display: str) -> tuple[str | None, str | None, str | None, str]:
    """A world display name ("J. de Vries", "Jan van Dijk") as REST's separate fields (REST has no display name)."""
    words = display.split()
    initials = [w for w in words if re.fullmatch(r"(?:[A-Z]\.)+", w)]
    rest = [w for w in words if w not in initials]
    first = None
    if not initials and len(rest) > 1 and rest[0].lower() not in _PREFIXES:
        first = rest.pop(0)
    prefix = []
    while len(rest) > 1 and rest[0].lower() in _PREFIXES:
        prefix.append(rest.pop(0))
    return ("".join(initials) or None, first, " ".join(prefix) or None, " ".join(rest) or display)


def _svw_history(employee: WorldEmployee) -> list[dict[str, Any]]:
    """Several records per employee, out of order, so that only the right pick gives the world's values:
    an old flipped record, a superseded record of the current start period (created earlier), the
    current one, and a future flipped one (starting after the current period)."""
    if employee.svw is None:
        return []
    s = employee.svw
    year = date.today().year

    def record(y: int, p: int, created: datetime, ww: bool, zw: bool, wia: bool) -> dict[str, Any]:
        return {"employeeId": rest_id("employee", employee.id or 0), "WW": ww, "ZW": zw, "waoWia": wia,
                "period": {"year": y, "period": p}, "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "natureOfEmployment": "1", "taxSequenceNumber": 1}

    start = datetime(year - 1, 1, 5, 9, 0, tzinfo=UTC)
    return [
        record(year + 1, 1, datetime(year, 6, 1, tzinfo=UTC), not s.ww, not s.zw, not s.wao_wia),
        record(year - 1, 1, start + timedelta(days=20), s.ww, s.zw, s.wao_wia),
        record(year - 3, 1, datetime(year - 3, 1, 2, tzinfo=UTC), not s.ww, not s.zw, not s.wao_wia),
        record(year - 1, 1, start, not s.ww, not s.zw, not s.wao_wia),
    ]


_FORM = """<!doctype html><html><head><meta charset="utf-8"><title>Nmbrs - Sign in</title></head><body>
<h1>Sign in to Nmbrs</h1><p>{app} asks access to: {scopes}</p>{error}
<form method="post" action="/connect/authorize">{hidden}
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password"></label>
<button name="action" value="allow">Sign in and allow</button>
<button name="action" value="deny">Deny</button></form></body></html>"""


class _Handler(SimHandler):
    sim: RestSimulator
    server_version = "NmbrsRestSimulator"
    content_type = "application/json; charset=utf-8"
    always_headers: ClassVar[dict[str, str]] = {"Cache-Control": "no-store"}

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body), headers=headers)

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 64 * 1024)).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _log(self, operation: str, username: str | None, status: int, code: int | None = None) -> None:
        self.sim.calls.add(RestCallEntry(self._arrived, self.command, operation, username, status, code))

    def parse_request(self) -> bool:
        # The request line has just been read: this is when the request arrived (on a kept-alive
        # connection the handler waited before that for as long as the client was idle).
        self._arrived = time.monotonic()
        return super().parse_request()

    # --- GET -------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path == "/.well-known/openid-configuration":
            base = self.sim.url
            self._log("discovery", None, 200)
            self._json(200, {"issuer": base, "authorization_endpoint": f"{base}/connect/authorize",
                             "token_endpoint": f"{base}/connect/token",
                             "revocation_endpoint": f"{base}/connect/revocation",
                             "code_challenge_methods_supported": ["S256"],
                             "grant_types_supported": ["authorization_code", "refresh_token"]})
            return
        if parts.path == "/connect/authorize":
            self._authorize_form(query)
            return
        self._api(parts.path, query)

    def _authorize_form(self, query: dict[str, str], error: str | None = None) -> None:
        problem = self.sim.authorize_problem(query)
        if problem is not None:
            self._log("authorize", None, 400)
            self._send(400, f"<html><body><h1>Error</h1><p>{html.escape(problem)}</p></body></html>",
                       "text/html; charset=utf-8")
            return
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in query.items())
        page = _FORM.format(app=html.escape(query["client_id"]), scopes=html.escape(query.get("scope", "")),
                            error=f'<p class="error">{html.escape(error)}</p>' if error else "", hidden=hidden)
        self._log("authorize", None, 200)
        self._send(200, page, "text/html; charset=utf-8")

    def _api(self, path: str, query: dict[str, str]) -> None:
        sim = self.sim
        routed = sim.route(path)
        if routed is None:
            self._log("?", None, 404, 40401)
            self._json(*ApiError(40401).body())
            return
        operation, args = routed
        if sim.latency > 0:
            time.sleep(sim.latency)
        injected = sim.injections.take(operation.operation_id)
        if injected is not None:
            self._inject(operation.operation_id, *injected)
            return
        login: WorldLogin | None = None
        try:
            login = sim.authenticate(self._headers(), operation)
            page_size = _int(query.get("pageSize"), DEFAULT_PAGE_SIZE)
            page_number = _int(query.get("pageNumber"), 1)
            if not 1 <= page_size <= MAX_PAGE_SIZE or page_number < 1:
                raise ApiError(40033, "pageSize must be 1 to 100 and pageNumber at least 1")
            rows = sim.answer(operation, args, login, query)
        except ApiError as error:
            status, body = error.body()
            if error.code == 40033:
                body["invalid-params"] = [{"name": "pageSize", "reason": error.detail or "invalid"}]
            headers = {"Retry-After": f"{error.retry_after:g}"} if error.retry_after is not None else None
            self._log(operation.operation_id, login.username if login else None, status, error.code)
            self._observed(path, query, status, body, headers)
            return
        total_pages = max(1, -(-len(rows) // page_size))
        start = (page_number - 1) * page_size

        def link(number: int) -> str:
            others = {k: v for k, v in query.items() if k not in ("pageNumber", "pageSize")}
            return f"{sim.url}{path}?" + urlencode({**others, "pageNumber": number, "pageSize": page_size})

        pagination = {"pageNumber": page_number, "pageSize": page_size, "firstPage": link(1),
                      "lastPage": link(total_pages), "totalPages": total_pages, "totalRecords": len(rows),
                      "nextPage": link(page_number + 1) if page_number < total_pages else None,
                      "previousPage": link(page_number - 1) if page_number > 1 else None}
        self._log(operation.operation_id, login.username, 200)
        self._observed(path, query, 200, {"pagination": pagination, "data": rows[start:start + page_size]})

    def _observed(self, path: str, query: dict[str, str], status: int, body: object,
                  headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        if self.sim.observer is not None:
            self.sim.observer("GET", path, query, self._headers(), status, data)
        self._send(status, data, headers=headers)

    def _inject(self, operation: str, kind: FaultKind, retry_after: float | None) -> None:
        if kind in ("redirect", "trickle", "huge"):
            self._hostile(operation, kind)
            return
        status = 0 if kind == "reset" else int(kind[:3]) if kind in ("500", "502", "503") else None
        if kind == "reset":
            self._log(operation, None, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if status is not None:  # a gateway's page, not the API's JSON
            self._log(operation, None, status)
            self._send(status, f"<html><body><h1>{status}</h1>Upstream trouble</body></html>", "text/html")
            return
        if operation == "token" and kind != "42908":  # the identity server speaks OAuth, not the API's errors
            self._log(operation, None, 400)
            self._json(400, {"error": "invalid_grant", "error_description": "injected"})
            return
        code = {"42908": 42908, "42909": 42909, "401": 40102}[kind]
        http_status, body = ApiError(code).body()
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        self._log(operation, None, http_status, code)
        self._json(http_status, body, headers)

    def _hostile(self, operation: str, kind: FaultKind) -> None:
        sim = self.sim
        if kind == "redirect":  # 307 keeps method and body: a client following it would resend its secrets
            self._log(operation, None, 307)
            self._send(307, "", "text/plain", {"Location": sim.redirect_to + self.path})
            return
        self._log(operation, None, 200)
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        if kind == "trickle":
            self.send_header("Content-Length", str(len(TRICKLE_BODY)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if kind == "trickle":
                for i in range(len(TRICKLE_BODY)):
                    self.wfile.write(TRICKLE_BODY[i:i + 1])
                    self.wfile.flush()
                    time.sleep(sim.trickle_seconds)
            else:  # no Content-Length: the answer ends when the connection does
                for _ in range(sim.huge_bytes // len(HUGE_CHUNK)):
                    self.wfile.write(HUGE_CHUNK)
        except OSError:
            pass  # the client hung up: what a client under a deadline or a size cap does

    # --- POST ------------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = self._form()
        sim = self.sim
        if path == "/connect/authorize":
            query = {k: v for k, v in form.items() if k not in ("username", "password", "action")}
            problem = sim.authorize_problem(query)
            if problem is not None:
                self._authorize_form(query)
                return
            if form.get("action") == "deny":
                location = query["redirect_uri"] + "?" + urlencode(
                    {"error": "access_denied", **({"state": query["state"]} if "state" in query else {})})
                self._log("authorize", None, 302)
                self._send(302, "", "text/plain", {"Location": location})
                return
            error, location = sim.authorize(query, form.get("username", ""), form.get("password", ""))
            if error is not None:
                self._authorize_form(query, error)
                return
            self._log("authorize", form.get("username"), 302)
            self._send(302, "", "text/plain", {"Location": location})
            return
        if path == "/connect/token":
            injected = sim.injections.take("token")
            if injected is not None:
                kind, retry_after = injected
                self._inject("token", kind, retry_after)
                return
            status, body, username = sim.token(self._headers(), form)
            self._log("token", username, status)
            self._json(status, body)
            return
        if path == "/connect/revocation":
            status = sim.revoke(self._headers(), form)
            self._log("revocation", None, status)
            self._send(status, "", "text/plain")
            return
        self._log("?", None, 404, 40401)
        self._json(*ApiError(40401).body())


def _int(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(40033, f"{raw!r} is not a number") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asrctl.sandbox.rest_sim", description="Run the Nmbrs REST simulator.")
    parser.add_argument("world", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--subscription-key", required=True)
    parser.add_argument("--redirect-uri", default="http://127.0.0.1:8765/callback")
    args = parser.parse_args(argv)
    app = RestApp(args.client_id, args.client_secret, (args.redirect_uri,), (args.subscription_key,))
    with RestSimulator(args.world, apps=[app], host=args.host, port=args.port, latency=args.latency) as simulator:
        print(f"Nmbrs REST simulator at {simulator.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
