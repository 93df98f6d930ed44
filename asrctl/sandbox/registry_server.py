"""Reference server of the a.s.r. registry contract (contracts/asr-registry.openapi.yaml).

Stdlib `ThreadingHTTPServer` on loopback, SQLite behind it (registry_store),
the contract's own schemas for validation (registry_contract). Every request
is answered in the contract's order of evaluation:

    401 -> 403 -> idempotency lookup -> 400 (path, headers) -> 428
        -> 415/400 (body) -> 422 -> 404/409/412 -> the change

Use in-process (`RegistryServer`, tests and the sandbox) or standalone:

    python -m asrctl.sandbox.registry_server --db FILE [--port N] --grant ENV_NAME=TENANT:SCOPE ...

where each token is read from the environment variable ENV_NAME (tokens never
go on a command line). Nothing here logs a request body, header or token.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import dataclasses
import datetime as dt
import hmac
import json
import logging
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from ..registry.models import payroll_tax_number_ok
from ..secrets import fingerprint
from .registry_contract import REGISTRATION_INPUT, STATUS_INPUT, schema_errors
from .registry_faults import CallCounter, Fault, FaultInjector
from .registry_store import RegistryStore, Remembered, Row, StoreClosed, Tx

log = logging.getLogger("asrctl.sandbox.registry")

PROBLEM_BASE = "https://registry.example.invalid/problems/"
MAX_BODY = 1024 * 1024
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")
STRONG_ETAG = re.compile(r'"([0-9]{1,18})"')
PAYROLL_TAX_NUMBER = re.compile(r"[0-9]{9}L[0-9]{2}")
STATUSES = ("submitted", "in_setup", "active", "rejected", "withdrawn")
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity); ValueError otherwise."""
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)


def canonical_request(raw: bytes | None) -> str:
    """How a request body is remembered for an Idempotency-Key: canonical JSON, else the raw bytes."""
    if not raw:
        return "none:"
    try:
        return "json:" + json.dumps(
            _without_token(parse_json(raw)), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
    except ValueError:
        return "raw:" + base64.b64encode(raw).decode("ascii")


def _without_token(data: Any) -> Any:
    """The Nmbrs token is write-only and never stored: remember its fingerprint in its place."""
    nmbrs = data.get("nmbrs") if isinstance(data, dict) else None
    if isinstance(nmbrs, dict) and isinstance(nmbrs.get("token"), str):
        return {**data, "nmbrs": {**nmbrs, "token": "fingerprint " + fingerprint(nmbrs["token"])}}
    return data


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON values: 1 == 1.0, but true != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def same_request(first: str, again: str) -> bool:
    if first.startswith("json:") and again.startswith("json:"):
        return json_equal(json.loads(first[5:]), json.loads(again[5:]))
    return first == again


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._tokens = [(token.encode("utf-8"), grant) for token, grant in tokens.items()]
        self.base_path = base_path
        self.clock = clock

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
        if not PAYROLL_TAX_NUMBER.fullmatch(number):
            return problem(
                400,
                "invalid-payroll-tax-number",
                "the loonheffingennummer in the path must be 9 digits, L, 2 digits",
            )
        if not payroll_tax_number_ok(number):
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
            key = None
            header_trouble: Reply | None = error.reply
        else:
            header_trouble = None
        usable_key = key if key is not None and IDEMPOTENCY_KEY.fullmatch(key) else None
        request = canonical_request(body.raw if method == "PUT" else None)
        tenant = grant.idempotency_tenant
        with self.store.write() as tx:
            if usable_key is not None:
                first = tx.remembered(tenant, usable_key)
                if first is not None:
                    if first.method == method and first.path == path and same_request(first.request, request):
                        return self._replay(first)
                    return problem(
                        422,
                        "idempotency-key-reused",
                        "this Idempotency-Key was used for another request (method, path or body differ)",
                    )
            reply = header_trouble or self._evaluate(tx, grant, method, template, number, headers, body, key)
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
            return self._set_status(tx, number, expected or "", data)
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
        changed = stored != row.data or token_fp != row.token_fingerprint
        if not changed and row.status != "withdrawn":
            return registration_reply(200, row, self.base_path)
        status = row.status
        if status in ("withdrawn", "rejected"):
            status = "submitted"
        elif status in ("in_setup", "active"):
            coupling_changed = token_fp != row.token_fingerprint or any(
                stored["nmbrs"][name] != row.data["nmbrs"][name] for name in COUPLING_FIELDS
            )
            if coupling_changed:
                status = "submitted"
        detail, first_exchange = (
            (None, None) if status == "submitted" else (row.status_detail, row.first_exchange_date)
        )
        new = Row(
            row.seq,
            number,
            row.tenant,
            stored,
            token_fp or "",
            row.version + 1,
            status,
            detail,
            first_exchange,
            row.created_at,
            self._now(tx),
        )
        tx.update(new)
        return registration_reply(200, new, self.base_path)

    def _withdraw(self, tx: Tx, grant: TokenGrant, number: str, expected: str) -> Reply:
        row = self._current(tx, grant, number, expected)
        if isinstance(row, Reply):
            return row
        if row.status == "withdrawn":
            return registration_reply(200, row, self.base_path)
        new = _replace(
            row, status="withdrawn", status_detail=None, first_exchange_date=None, updated_at=self._now(tx)
        )
        tx.update(new)
        return registration_reply(200, new, self.base_path)

    def _set_status(self, tx: Tx, number: str, expected: str, data: dict[str, Any]) -> Reply:
        row = tx.get(number)  # asr tokens see every office's registrations
        if row is None:
            return self._not_found(number)
        if str(row.version) != expected:
            return problem(
                412,
                "precondition-failed",
                f"registration {number} is at version {row.version}, not {expected}; read it again",
            )
        status = data["status"]
        detail, first_exchange = data.get("status_detail"), data.get("first_exchange_date")
        if status in ("submitted", "withdrawn"):
            detail, first_exchange = None, None
        if (status, detail, first_exchange) == (row.status, row.status_detail, row.first_exchange_date):
            return registration_reply(200, row, self.base_path)
        new = _replace(
            row,
            status=status,
            status_detail=detail,
            first_exchange_date=first_exchange,
            updated_at=self._now(tx),
        )
        tx.update(new)
        return registration_reply(200, new, self.base_path)


def _replace(row: Row, **changes: Any) -> Row:
    return dataclasses.replace(row, version=row.version + 1, **changes)


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


# --- HTTP ---------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: RegistryServer, family: int) -> None:
        self.address_family = family
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._busy = 0  # requests being handled
        self._idle = threading.Condition()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._idle:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._idle:
            self._connections.discard(request)
        super().shutdown_request(request)

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def close_connections(self, grace: float) -> None:
        """Let requests in progress finish (up to `grace` seconds), then end every kept-alive connection."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0, timeout=grace)
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr; a client that hung up is routine here.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        log.error("registry: request from %s failed", client_address[0], exc_info=error)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections
    timeout = 60  # an idle keep-alive connection is dropped after a minute
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_PUT = do_DELETE = do_POST = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        with self.server.busy():
            self._dispatch_busy()

    def _dispatch_busy(self) -> None:
        owner = self.server.owner
        routed = owner.app.route(urlsplit(self.path).path)
        template = routed[0] if routed else "other"
        owner.calls.add(self.command, template)
        body = self._read_body()
        owner.faults.delay()
        fault = owner.faults.take(self.command, template)
        if fault is not None and not fault.after:
            if fault.kind == "reset":
                self._reset()
                return
            self._send(self._fault_reply(fault))
            return
        try:
            reply = owner.app.handle(self.command, self.path, self.headers, body)
        except StoreClosed:
            reply = problem(503, "unavailable", "the registry is shutting down")
        except Exception:
            log.exception("registry: %s %s failed", self.command, template)
            reply = problem(500, "internal", "the registry failed; the request was not carried out")
        if fault is not None and fault.kind == "reset":
            self._reset()
            return
        self._send(reply)

    @staticmethod
    def _fault_reply(fault: Fault) -> Reply:
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        detail = "too many requests; try again later" if fault.status == 429 else "injected fault"
        return problem(
            fault.status, "rate-limited" if fault.status == 429 else "unavailable", detail, headers=headers
        )

    def _read_body(self) -> Body:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return Body(b"")
        if not length_text.strip().isdigit():
            self.close_connection = True
            return Body(b"", "Content-Length is not a number")
        length = int(length_text)
        if length > MAX_BODY:
            self.close_connection = True  # not read: the connection cannot be reused
            return Body(b"", f"the body is larger than {MAX_BODY} bytes")
        return Body(self.rfile.read(length))

    def _read_chunked(self) -> Body:
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                size = int(self.rfile.readline(100).split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return Body(b"".join(chunks))
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    return Body(b"", f"the body is larger than {MAX_BODY} bytes")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(10)
        except ValueError:
            self.close_connection = True
            return Body(b"", "the chunked body cannot be read")

    def _send(self, reply: Reply) -> None:
        try:
            self._write_reply(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (e.g. its read timeout): nothing to answer

    def _write_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send a TCP RST instead of a FIN: the client sees "connection reset".
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds no secret; bodies and headers are never logged.
        log.debug("registry: " + format, *args)


class RegistryServer:
    """The reference registry on a loopback port (0 = ephemeral). `url` ends in the base path, e.g. /v1."""

    def __init__(
        self,
        db_path: Path,
        tokens: Mapping[str, TokenGrant],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = "/v1",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.faults = FaultInjector()
        self.calls = CallCounter()
        self.store = RegistryStore(Path(db_path), clock=clock)
        self.app = RegistryApp(self.store, tokens, base_path=self.base_path, clock=clock)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the registry server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    def start(self) -> None:
        if self._httpd is not None:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._httpd = _HTTPServer((self.host, self.port), self, family)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="asr-registry", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_connections(grace=5.0)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- standalone ---------------------------------------------------------------------------------


def grants_from_env(
    specs: list[str], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, TokenGrant], dict[str, str]]:
    """Parse ENV_NAME=TENANT:SCOPE specs; the tokens come from the environment.

    Returns (token -> grant, token -> printable label such as "$ASR_REGISTRY_TOKEN (office-a, write)").
    """
    env = os.environ if environ is None else environ
    tokens: dict[str, TokenGrant] = {}
    labels: dict[str, str] = {}
    for spec in specs:
        name, _, grant_text = spec.partition("=")
        tenant, _, scope = grant_text.partition(":")
        if not name or not tenant or scope not in ("read", "write", "asr"):
            raise ValueError(
                f"--grant {spec!r}: expected ENV_NAME=TENANT:SCOPE with SCOPE read, write or asr"
            )
        token = env.get(name, "").strip()
        if not token:
            raise ValueError(f"--grant {name}: environment variable {name} is not set")
        tokens[token] = TokenGrant(tenant, scope)  # type: ignore[arg-type]
        labels[token] = f"${name} ({tenant}, {scope})"
    return tokens, labels


def serve_registry(
    db_path: Path,
    tokens: Mapping[str, TokenGrant],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    labels: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run the registry until Ctrl-C (or `stop` is set): prints its URL and the tokens' labels, never a token."""
    out = out or sys.stdout
    server = RegistryServer(db_path, tokens, host=host, port=port)
    server.start()
    try:
        print(f"a.s.r. registry (reference server): {server.url}", file=out, flush=True)
        print(f"  database: {db_path}", file=out, flush=True)
        for token, grant in tokens.items():
            label = (labels or {}).get(token) or f"a token of {grant.tenant} ({grant.scope})"
            print(f"  token: {label}", file=out, flush=True)
        print("  stop with Ctrl-C", file=out, flush=True)
        waiter = stop or threading.Event()
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("a.s.r. registry stopped", file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m asrctl.sandbox.registry_server", description="Reference a.s.r. registry server."
    )
    parser.add_argument("--db", required=True, type=Path, help="SQLite file (created when missing)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    parser.add_argument(
        "--grant",
        action="append",
        default=[],
        metavar="ENV=TENANT:SCOPE",
        help="a token read from environment variable ENV, for TENANT with SCOPE read, write or asr",
    )
    args = parser.parse_args(argv)
    try:
        tokens, labels = grants_from_env(args.grant)
    except ValueError as error:
        parser.error(str(error))
    if not tokens:
        parser.error("give at least one --grant")

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    serve_registry(args.db, tokens, args.host, args.port, labels=labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
