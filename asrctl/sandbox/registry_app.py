"""The a.s.r. registry contract as request -> reply: the rules of the reference server, no HTTP.

Every request is answered in the contract's order of evaluation:

    401 -> 403 -> idempotency lookup -> 400 (path, headers) -> 428
        -> 415/400 (body) -> 422 -> 404/409/412 -> the change

`registry_server` puts this on a loopback port; SQLite behind it (registry_store),
the contract's own schemas for validation (registry_contract). Nothing here logs a
request body, header or token.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from typing import Any, Literal, get_args
from urllib.parse import parse_qs, unquote, urlsplit

from asrctl.declare.lhn import is_payroll_tax_number, well_formed
from asrctl.registry.errors import PROBLEM_BASE
from asrctl.registry.models import IDEMPOTENCY_KEY, Status
from asrctl.sandbox.registry_contract import REGISTRATION_INPUT, STATUS_INPUT, schema_errors
from asrctl.sandbox.registry_store import RegistryStore, Remembered, Row, Tx
from asrctl.secrets import fingerprint

STRONG_ETAG = re.compile(r'"([0-9]{1,18})"')
STATUSES: tuple[str, ...] = get_args(Status)
# A change of these means Keylane must set the coupling up again: in_setup/active go back to submitted.
COUPLING_FIELDS = ("username", "domain", "company_name")

LIST = "/registrations"
ONE = "/registrations/{payroll_tax_number}"
STATUS = "/registrations/{payroll_tax_number}/status"
_ALLOWED = {LIST: ("GET",), ONE: ("GET", "PUT", "DELETE"), STATUS: ("PUT",)}


@dataclass(frozen=True)
class TokenGrant:
    """What a bearer token may do: office tokens act for one tenant (payroll office); asr tokens for a.s.r."""

    tenant: str
    scope: Literal["read", "write", "asr"]

    def __post_init__(self) -> None:
        if self.scope not in ("read", "write", "asr"):
            raise ValueError(f"scope must be read, write or asr, not {self.scope!r}")
        if not self.tenant:
            raise ValueError("tenant must not be empty")

    @property
    def idempotency_tenant(self) -> str:
        # All asr tokens share one tenant for idempotency; prefixes keep an office named "asr" apart.
        return "asr" if self.scope == "asr" else f"office:{self.tenant}"


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem(
    status: int,
    slug: str,
    detail: str,
    *,
    title: str | None = None,
    errors: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"pointer": p, "message": m} for p, m in errors]
    return Reply(status, _json_bytes(body), "application/problem+json", dict(headers or {}))


def registration_reply(status: int, row: Row, base_path: str, *, location: bool = False) -> Reply:
    headers = {"ETag": f'"{row.version}"'}
    if location:
        headers["Location"] = f"{base_path}/registrations/{row.payroll_tax_number}"
    return Reply(status, _json_bytes(row.registration()), headers=headers)


class _HeaderError(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def _one_header(headers: Message, name: str) -> str | None:
    values = headers.get_all(name) or []
    if len(values) > 1:
        raise _HeaderError(problem(400, "bad-request", f"header {name} is given more than once"))
    return values[0].strip() if values else None


# --- request bodies -------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    raw: bytes
    trouble: str | None = None  # the body could not be read (length, size): a 400 at the body step


MAX_DEPTH = 32  # nesting of a JSON body; the contract's deepest member (/dga/0/name) is at 3


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity, nested at most MAX_DEPTH deep); ValueError otherwise."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:  # iterative: the depth check itself must not recurse
        value, depth = todo.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ValueError("the JSON is nested too deeply")
            todo += [(v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)]
    return data


def request_digest(raw: bytes | None) -> str:
    """What an Idempotency-Key remembers of a request body: a SHA-256, never the body.

    The body is compared as JSON (key order, spacing, escapes and 1 vs 1.0 do not count;
    true vs 1 and "1" vs 1 do); one that is not JSON counts by its bytes. Only a digest is
    kept because the body holds the Nmbrs token, which the registry never stores.
    """
    if not raw:
        return "none"
    try:
        canonical = json.dumps(
            _integral_floats(parse_json(raw)), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        data = b"json:" + canonical.encode("utf-8")
    except ValueError:  # not JSON (UnicodeEncodeError, from a lone surrogate, is a ValueError too)
        data = b"raw:" + raw
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _integral_floats(value: Any) -> Any:
    """1.0 -> 1, so that JSON numbers compare by value (int(f) is exact, as is Python's 1 == 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats(v) for v in value]
    return value


# --- page tokens ----------------------------------------------------------------------------


def encode_page_token(after: int, status: str | None) -> str:
    raw = json.dumps({"a": after, "s": status}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, status: str | None) -> int | None:
    """The seq after which the page starts; None when the token is not one of ours for this query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None
    if not isinstance(data, dict) or set(data) != {"a", "s"}:
        return None
    after = data["a"]
    if isinstance(after, bool) or not isinstance(after, int) or after < 0 or data["s"] != status:
        return None
    return after


# --- the application --------------------------------------------------------------------------


class RegistryApp:
    """Request -> Reply, following the contract; no HTTP plumbing."""

    def __init__(
        self,
        store: RegistryStore,
        tokens: Mapping[str, TokenGrant],
        *,
        base_path: str = "/v1",
    ) -> None:
        self.store = store
        self._tokens = [(token.encode("utf-8"), grant) for token, grant in tokens.items()]
        self.base_path = base_path  # the store's clock dates every change

    # routing ----------------------------------------------------------------------------

    def route(self, raw_path: str) -> tuple[str, str | None] | None:
        """(path template, number) for a (still percent-encoded) path of the contract, else None."""
        # Split before decoding: an encoded slash (%2F) is part of a segment, never a separator.
        if not raw_path.startswith(self.base_path + "/"):
            return None
        parts = [unquote(part) for part in raw_path[len(self.base_path) :].split("/")]
        if parts == ["", "registrations"]:
            return LIST, None
        if len(parts) == 3 and parts[:2] == ["", "registrations"] and parts[2]:
            return ONE, parts[2]
        if len(parts) == 4 and parts[:2] == ["", "registrations"] and parts[2] and parts[3] == "status":
            return STATUS, parts[2]
        return None

    def authenticate(self, headers: Message) -> TokenGrant | None:
        values = headers.get_all("Authorization") or []
        if len(values) != 1:
            return None
        scheme, _, token = values[0].strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        # http.server decodes header bytes as latin-1: encoding back gives the bytes that were sent.
        offered = token.strip().encode("latin-1", "replace")
        found = None
        for known, grant in self._tokens:  # compare with every token: timing says nothing
            if hmac.compare_digest(known, offered):
                found = grant
        return found

    def handle(self, method: str, target: str, headers: Message, body: Body) -> Reply:
        split = urlsplit(target)
        routed = self.route(split.path)
        grant = self.authenticate(headers)
        if grant is None:
            return problem(
                401,
                "unauthorized",
                "a valid bearer token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": 'Bearer realm="asr-registry"'},
            )
        if routed is None:
            return problem(404, "not-found", "there is no such resource in this API")
        template, number = routed
        if method not in _ALLOWED[template]:
            return problem(
                405,
                "method-not-allowed",
                f"{method} is not allowed here",
                headers={"Allow": ", ".join(_ALLOWED[template])},
            )
        forbidden = self._forbidden(grant, method, template)
        if forbidden:
            return problem(403, "forbidden", forbidden)
        if method == "GET":
            if template == LIST:
                return self._list(grant, split.query)
            return self._get(grant, number or "")
        # The path as remembered for an Idempotency-Key: decoded, without the base path.
        path = template.replace("{payroll_tax_number}", number or "")
        return self._write(grant, method, template, path, number or "", headers, body)

    @staticmethod
    def _forbidden(grant: TokenGrant, method: str, template: str) -> str | None:
        if method == "GET":
            return None
        if template == STATUS:
            if grant.scope != "asr":
                return (
                    "only a.s.r. sets the status of a registration; payroll office tokens may not use /status"
                )
            return None
        if grant.scope == "read":
            return "this token has scope read: it may only read registrations"
        if grant.scope == "asr":
            return "a.s.r. tokens may not submit, change or withdraw registrations; use /status"
        return None

    # reads ------------------------------------------------------------------------------

    def _list(self, grant: TokenGrant, query: str) -> Reply:
        try:
            params = parse_qs(query, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
        except ValueError:
            return problem(400, "bad-request", "the query string cannot be read")
        for name in ("status", "page_size", "page_token"):
            if len(params.get(name, [])) > 1:
                return problem(400, "bad-request", f"query parameter {name} is given more than once")
        status = params.get("status", [None])[0]
        if status is not None and status not in STATUSES:
            return problem(400, "bad-request", "status must be one of: " + ", ".join(STATUSES))
        size_text = params.get("page_size", ["100"])[0]
        if not re.fullmatch(r"[0-9]{1,4}", size_text) or not 1 <= int(size_text) <= 500:
            return problem(400, "bad-request", "page_size must be an integer from 1 to 500")
        page_size = int(size_text)
        after = 0
        if "page_token" in params:
            decoded = decode_page_token(params["page_token"][0], status)
            if decoded is None:
                return problem(400, "bad-request", "page_token is not valid for this query")
            after = decoded
        tenant = None if grant.scope == "asr" else grant.tenant
        with self.store.read() as tx:
            rows = tx.page(tenant, status, after, page_size + 1)
        more = len(rows) > page_size
        rows = rows[:page_size]
        next_token = encode_page_token(rows[-1].seq, status) if more else None
        return Reply(
            200, _json_bytes({"items": [r.registration() for r in rows], "next_page_token": next_token})
        )

    def _get(self, grant: TokenGrant, number: str) -> Reply:
        bad = self._bad_number(number)
        if bad:
            return bad
        with self.store.read() as tx:
            row = tx.get(number)
        if row is None or not self._visible(grant, row):
            return self._not_found(number)
        return registration_reply(200, row, self.base_path)

    @staticmethod
    def _visible(grant: TokenGrant, row: Row) -> bool:
        return grant.scope == "asr" or row.tenant == grant.tenant

    @staticmethod
    def _bad_number(number: str) -> Reply | None:
        if not well_formed(number):
            return problem(
                400,
                "invalid-payroll-tax-number",
                "the loonheffingennummer in the path must be 9 digits, L, 2 digits",
            )
        if not is_payroll_tax_number(number):
            return problem(
                400, "invalid-payroll-tax-number", "the loonheffingennummer in the path fails the 11-test"
            )
        return None

    @staticmethod
    def _not_found(number: str) -> Reply:
        return problem(404, "not-found", f"there is no registration {number}")

    # writes -----------------------------------------------------------------------------

    def _write(
        self,
        grant: TokenGrant,
        method: str,
        template: str,
        path: str,
        number: str,
        headers: Message,
        body: Body,
    ) -> Reply:
        try:
            key = _one_header(headers, "Idempotency-Key")
        except _HeaderError as error:
            return error.reply  # 400 under no key at all: nothing to remember it for
        usable_key = key if key is not None and IDEMPOTENCY_KEY.fullmatch(key) else None
        request = request_digest(body.raw if method == "PUT" else None)
        tenant = grant.idempotency_tenant
        with self.store.write() as tx:
            if usable_key is not None:
                first = tx.remembered(tenant, usable_key)
                if first is not None:
                    if (first.method, first.path, first.request) == (method, path, request):
                        return self._replay(first)
                    return problem(
                        422,
                        "idempotency-key-reused",
                        "this Idempotency-Key was used for another request (method, path or body differ)",
                    )
            reply = self._evaluate(tx, grant, method, template, number, headers, body, key)
            if usable_key is not None and reply.status < 500:
                tx.remember(
                    tenant,
                    usable_key,
                    Remembered(
                        method,
                        path,
                        request,
                        reply.status,
                        reply.content_type,
                        reply.headers.get("ETag"),
                        reply.headers.get("Location"),
                        reply.body,
                    ),
                )
            return reply

    @staticmethod
    def _replay(first: Remembered) -> Reply:
        headers = {"Idempotent-Replayed": "true"}
        if first.etag:
            headers["ETag"] = first.etag
        if first.location:
            headers["Location"] = first.location
        return Reply(first.status, first.body, first.content_type, headers)

    def _evaluate(
        self,
        tx: Tx,
        grant: TokenGrant,
        method: str,
        template: str,
        number: str,
        headers: Message,
        body: Body,
        key: str | None,
    ) -> Reply:
        # 400: path and headers
        bad = self._bad_number(number)
        if bad:
            return bad
        if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
            return problem(400, "bad-request", "Idempotency-Key must be 1 to 128 visible ASCII characters")
        try:
            if_match = _one_header(headers, "If-Match")
            if_none_match = _one_header(headers, "If-None-Match")
        except _HeaderError as error:
            return error.reply
        expected: str | None = None
        if if_match is not None:
            tag = STRONG_ETAG.fullmatch(if_match)
            if tag is None:
                return problem(
                    400,
                    "bad-request",
                    'If-Match must be one strong ETag of a version: "<version>" (no *, W/ or lists)',
                )
            expected = tag.group(1)
        creating = False
        if if_none_match is not None:
            if template != ONE or method != "PUT":
                return problem(400, "bad-request", "If-None-Match is only for creating a registration (PUT)")
            if if_none_match != "*":
                return problem(400, "bad-request", "If-None-Match must be *")
            if if_match is not None:
                return problem(400, "bad-request", "give If-Match or If-None-Match, not both")
            creating = True
        # 428
        if expected is None and not creating:
            needed = (
                "If-None-Match: * (create) or If-Match" if template == ONE and method == "PUT" else "If-Match"
            )
            return problem(
                428,
                "precondition-required",
                f"this write needs {needed} with the registration's current version",
            )
        if method == "DELETE":
            return self._withdraw(tx, grant, number, expected or "")
        # 415/400: body
        data, trouble = self._read_json(headers, body)
        if trouble:
            return trouble
        # 422
        if template == STATUS:
            errors = schema_errors(STATUS_INPUT, data)
            if isinstance(data, dict):
                errors += _status_rules(data)
            if errors:
                return problem(
                    422, "validation", "the status change is not valid", errors=sorted(set(errors))
                )
            return self._set_status(tx, grant, number, expected or "", data)
        errors = schema_errors(REGISTRATION_INPUT, data)
        nmbrs = data.get("nmbrs") if isinstance(data, dict) else None
        if creating and isinstance(nmbrs, dict) and "token" not in nmbrs:
            errors.append(("/nmbrs/token", "is required when a registration is created"))
        if errors:
            return problem(422, "validation", "the registration is not valid", errors=sorted(set(errors)))
        if creating:
            return self._create(tx, grant, number, data)
        return self._change(tx, grant, number, expected or "", data)

    @staticmethod
    def _read_json(headers: Message, body: Body) -> tuple[Any, Reply | None]:
        media_type = headers.get_content_type() if headers.get("Content-Type") else ""
        charset = headers.get_content_charset()
        if media_type != "application/json" or (
            charset is not None and charset.lower() not in ("utf-8", "utf8")
        ):
            return None, problem(415, "unsupported-media-type", "the body must be application/json (UTF-8)")
        if body.trouble:
            return None, problem(400, "malformed-body", body.trouble)
        if not body.raw:
            return None, problem(400, "malformed-body", "the body is empty; it must be a JSON document")
        try:
            return parse_json(body.raw), None
        except ValueError:
            return None, problem(400, "malformed-body", "the body is not valid JSON (UTF-8)")

    def _now(self, tx: Tx) -> str:
        return (
            dt.datetime.fromtimestamp(tx.now, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )

    def _create(self, tx: Tx, grant: TokenGrant, number: str, data: dict[str, Any]) -> Reply:
        existing = tx.get(number)
        if existing is not None:
            if existing.tenant != grant.tenant:
                return problem(
                    409,
                    "registered-elsewhere",
                    f"loonheffingennummer {number} is registered through another payroll office; contact a.s.r.",
                    title="Registered through another payroll office",
                )
            return problem(
                412,
                "precondition-failed",
                f"registration {number} exists already (version {existing.version}); change it with If-Match",
            )
        stored, token_fp = _split_token(data, None)
        now = self._now(tx)
        row = tx.insert(
            Row(0, number, grant.tenant, stored, token_fp or "", 1, "submitted", None, None, now, now)
        )
        return registration_reply(201, row, self.base_path, location=True)

    def _current(self, tx: Tx, grant: TokenGrant, number: str, expected: str) -> Row | Reply:
        row = tx.get(number)
        if row is None or not self._visible(grant, row):
            return self._not_found(number)
        if str(row.version) != expected:
            return problem(
                412,
                "precondition-failed",
                f"registration {number} is at version {row.version}, not {expected}; read it again",
            )
        return row

    def _change(self, tx: Tx, grant: TokenGrant, number: str, expected: str, data: dict[str, Any]) -> Reply:
        row = self._current(tx, grant, number, expected)
        if isinstance(row, Reply):
            return row
        stored, token_fp = _split_token(data, row.token_fingerprint)
        if stored == row.data and token_fp == row.token_fingerprint and row.status != "withdrawn":
            return registration_reply(200, row, self.base_path)  # an equal PUT changes nothing
        status = row.status
        if status in ("withdrawn", "rejected"):
            status = "submitted"
        elif status in ("in_setup", "active"):
            coupling_changed = token_fp != row.token_fingerprint or any(
                stored["nmbrs"][name] != row.data["nmbrs"][name] for name in COUPLING_FIELDS
            )
            if coupling_changed:
                status = "submitted"
        return self._store_change(
            tx, row, data=stored, token_fingerprint=token_fp or "", status=status,
            status_detail=row.status_detail, first_exchange_date=row.first_exchange_date,
        )  # fmt: skip

    def _withdraw(self, tx: Tx, grant: TokenGrant, number: str, expected: str) -> Reply:
        row = self._current(tx, grant, number, expected)
        if isinstance(row, Reply):
            return row
        if row.status == "withdrawn":
            return registration_reply(200, row, self.base_path)  # withdrawing again changes nothing
        return self._store_change(tx, row, status="withdrawn")

    def _set_status(
        self, tx: Tx, grant: TokenGrant, number: str, expected: str, data: dict[str, Any]
    ) -> Reply:
        row = self._current(tx, grant, number, expected)  # asr tokens see every office's registrations
        if isinstance(row, Reply):
            return row
        status, detail, first_exchange = (
            data["status"],
            data.get("status_detail"),
            data.get("first_exchange_date"),
        )
        if status in ("submitted", "withdrawn"):
            detail, first_exchange = None, None
        if (status, detail, first_exchange) == (row.status, row.status_detail, row.first_exchange_date):
            return registration_reply(200, row, self.base_path)
        return self._store_change(
            tx, row, status=status, status_detail=detail, first_exchange_date=first_exchange
        )

    def _store_change(self, tx: Tx, row: Row, **changes: Any) -> Reply:
        """Store a change: version + 1, updated now; submitted or withdrawn clear the a.s.r.-side details."""
        new = dataclasses.replace(row, version=row.version + 1, updated_at=self._now(tx), **changes)
        if new.status in ("submitted", "withdrawn"):
            new = dataclasses.replace(new, status_detail=None, first_exchange_date=None)
        tx.update(new)
        return registration_reply(200, new, self.base_path)


def _status_rules(data: dict[str, Any]) -> list[tuple[str, str]]:
    errors = []
    if data.get("status") == "active" and not data.get("first_exchange_date"):
        errors.append(("/first_exchange_date", "is required when the status is active"))
    detail = data.get("status_detail")
    if data.get("status") == "rejected" and not (isinstance(detail, str) and detail.strip()):
        errors.append(("/status_detail", "must say why when the status is rejected"))
    return errors


def _split_token(data: dict[str, Any], keep: str | None) -> tuple[dict[str, Any], str | None]:
    """The body without nmbrs.token (normalised), and the token's fingerprint (`keep` when absent)."""
    nmbrs = dict(data["nmbrs"])
    token = nmbrs.pop("token", None)
    stored = {
        "contract_number": data["contract_number"],
        "organisation": data["organisation"],
        "nmbrs": nmbrs,
        # 1.0 passes "integer": store and answer it as 1.
        "dga": [{"name": d["name"], "employee_number": int(d["employee_number"])} for d in data["dga"]],
        "payroll": data["payroll"],
    }
    return stored, fingerprint(token) if token is not None else keep
