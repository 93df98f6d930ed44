"""The registry contract, loaded from the copy shipped in the package, as validators.

The reference server validates request bodies with the contract's own schemas
(`request_errors`), and tests check every response the server gives against
the contract's response schemas (`ContractChecker`, a requests response hook).
The copy in `data/` must equal `../shared/contracts/asr-registry.openapi.yaml`
(a test compares them); nothing here reads outside the package at run time.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from asrctl.declare.model import EMAIL_PATTERN

CONTRACT_PATH = Path(__file__).parent / "data" / "asr-registry.openapi.yaml"
_BASE_URI = "urn:asrctl:asr-registry-contract"

REGISTRATION_INPUT = "/components/schemas/RegistrationInput"
STATUS_INPUT = (
    "/paths/~1registrations~1{payroll_tax_number}~1status/put/requestBody/content/application~1json/schema"
)
PROBLEM = "/components/responses/Problem/content/application~1problem+json/schema"

_EMAIL = re.compile(EMAIL_PATTERN)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)

FORMATS = FormatChecker(formats=())


@FORMATS.checks("email")
def _is_email(instance: object) -> bool:
    # The same rule as the employer files (asrctl.declare.model.EMAIL_PATTERN): one @, a dot in the domain, no spaces.
    return not isinstance(instance, str) or bool(_EMAIL.match(instance)) and "\n" not in instance


@FORMATS.checks("date", raises=ValueError)
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATE.fullmatch(instance)) and bool(dt.date.fromisoformat(instance))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(_DATE_TIME.fullmatch(instance)) and bool(dt.datetime.fromisoformat(instance.upper()))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterable[ValidationError]:
    # OpenAPI patterns are ECMA-262: `$` matches only at the very end, while Python's `$` also
    # matches before a final newline ("abc\n" would pass "^[a-z]+$").
    if not isinstance(instance, str):
        return
    python_pattern = (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    )
    if not re.search(python_pattern, instance):
        yield ValidationError(f"does not match {pattern!r}")


_Validator = validators.extend(  # type: ignore[no-untyped-call]  # untyped in types-jsonschema
    Draft202012Validator, {"pattern": _ecma_pattern}
)


@functools.cache
def contract() -> dict[str, Any]:
    """The OpenAPI document as data."""
    with CONTRACT_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(contract(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_BASE_URI, resource)
    return registry


@functools.cache
def validator(pointer: str) -> Any:
    """A validator for the schema at `pointer` (a JSON Pointer into the OpenAPI document)."""
    return _Validator({"$ref": f"{_BASE_URI}#{pointer}"}, registry=_registry(), format_checker=FORMATS)


# --- request validation (server side) -----------------------------------------------------


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _describe(error: ValidationError) -> str:
    """A message for one schema error that never repeats the offending value (it may be a token)."""
    kind, value = error.validator, _rule(error)
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        return "must be " + " or ".join(str(t) for t in types)
    if kind == "enum":
        return "must be one of: " + ", ".join(json.dumps(v) for v in value)
    if kind == "pattern":
        return f"must match {value}"
    if kind == "minLength":
        return "must not be empty" if value == 1 else f"must have at least {value} characters"
    if kind == "maxLength":
        return f"must have at most {value} characters"
    if kind == "minimum":
        return f"must be at least {value}"
    if kind == "maximum":
        return f"must be at most {value}"
    if kind == "maxItems":
        return f"must have at most {value} items"
    if kind == "minItems":
        return f"must have at least {value} items"
    if kind == "format":
        return {
            "email": "must be an e-mail address",
            "date": "must be a date (YYYY-MM-DD)",
            "date-time": "must be a date and time (RFC 3339)",
        }.get(str(value), f"must be in format {value}")
    return f"does not satisfy {kind}"


def _rule(error: ValidationError) -> Any:
    """The failed keyword's value in the schema (typed "maybe unset"; a raised error has it)."""
    return error.validator_value


def _flatten(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    for error in errors:
        if error.context:  # anyOf/oneOf: report the branches' own errors
            yield from _flatten(error.context)
        else:
            yield error


def schema_errors(pointer: str, instance: Any) -> list[tuple[str, str]]:
    """(pointer into the body, message) for each way `instance` breaks the schema at `pointer`.

    A missing member is reported at its own pointer (`/nmbrs/token`), an unknown member too.
    """
    found: dict[tuple[str, str], None] = {}
    for error in _flatten(validator(pointer).iter_errors(instance)):
        at = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in _rule(error):
                if name not in error.instance:
                    found[(_pointer([*at, name]), "is required")] = None
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
            for name in error.instance:
                if name not in known:
                    found[(_pointer([*at, name]), "is not a known member")] = None
        else:
            found[(_pointer(at), _describe(error))] = None
    return sorted(found)


# --- response checking (tests) ------------------------------------------------------------


class ContractViolation(AssertionError):
    """A response the contract does not allow."""


_ANY_OPERATION = {"401", "403", "415", "429"}  # "may come from any operation" (contract conventions)


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in contract()["paths"]:
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        out.append((re.compile(regex), template))
    return out


def match_template(path: str) -> str | None:
    """The contract's path template for a path below the base (`/registrations/X` -> `.../{payroll_tax_number}`)."""
    for regex, template in _templates():
        if regex.match(path):
            return template
    return None


class ContractChecker:
    """Checks responses against the contract: documented status, media type, body schema, ETag.

    Use as a requests response hook: `session.hooks["response"].append(checker.hook)`.
    Every violation is recorded (threads included) and, unless `raise_now=False`, raised at once.
    """

    def __init__(self, base_path: str = "/v1", *, raise_now: bool = True) -> None:
        self.base_path = base_path.rstrip("/")
        self.raise_now = raise_now
        self.checked = 0
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        request = response.request
        self.check(request.method, request.url, response.status_code, response.headers, response.content)
        return response

    def check(self, method: str, url: str, status: int, headers: Any, body: bytes) -> None:
        problems = list(self._problems(method.upper(), url, status, headers, body))
        with self._lock:
            self.checked += 1
            self.violations.extend(problems)
        if problems and self.raise_now:
            raise ContractViolation("; ".join(problems))

    def _problems(self, method: str, url: str, status: int, headers: Any, body: bytes) -> Iterable[str]:
        where = f"{method} {urlsplit(url).path} -> {status}"
        path = unquote(urlsplit(url).path)
        if not path.startswith(self.base_path + "/"):
            yield f"{where}: path outside the base path {self.base_path}"
            return
        template = match_template(path[len(self.base_path) :])
        operation = contract()["paths"].get(template, {}).get(method.lower()) if template else None
        media = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if method == "HEAD":
            return
        # "429 with Retry-After (seconds) ... 503 may also carry it"
        retry_after = headers.get("Retry-After")
        if status == 429 and retry_after is None:
            yield f"{where}: 429 without Retry-After"
        elif (
            status in (429, 503)
            and retry_after is not None
            and not re.fullmatch(r"[0-9]+", retry_after.strip())
        ):
            yield f"{where}: Retry-After {retry_after!r} is not a number of seconds"
        if operation is None:
            # Not an operation of the contract (unknown path or method): it must still be a problem document.
            if status < 400:
                yield f"{where}: success for an operation the contract does not have"
            yield from self._body(where, PROBLEM, status, media, "application/problem+json", body)
            return
        documented = set(operation["responses"])
        if str(status) not in documented and str(status) not in _ANY_OPERATION and status < 500:
            yield f"{where}: status not documented for {operation.get('operationId', method)}"
            return
        spec = operation["responses"].get(str(status))
        if spec is None or "$ref" in spec:  # Problem (documented by $ref, or allowed for any operation)
            yield from self._body(where, PROBLEM, status, media, "application/problem+json", body)
            return
        expected_media = next(iter(spec["content"]))
        op_pointer = _pointer(["paths", template or "", method.lower(), "responses", str(status), "content"])
        op_pointer += _pointer([expected_media, "schema"])
        body_problems = list(self._body(where, op_pointer, status, media, expected_media, body))
        if body_problems:
            yield from body_problems
            if not media.endswith("json"):
                return
        try:
            data = json.loads(body)
        except ValueError:
            return
        if "ETag" in spec.get("headers", {}):
            etag = headers.get("ETag")
            if etag != f'"{data.get("version")}"':
                yield f"{where}: ETag {etag!r} is not the strong tag of version {data.get('version')}"
        for registration in data.get("items", [data]) if isinstance(data, dict) else []:
            nmbrs = registration.get("nmbrs") if isinstance(registration, dict) else None
            if isinstance(nmbrs, dict) and "token" in nmbrs:
                yield f"{where}: the write-only nmbrs.token appears in a response"

    def _body(
        self, where: str, pointer: str, status: int, media: str, expected: str, body: bytes
    ) -> Iterable[str]:
        if media != expected:
            yield f"{where}: Content-Type {media!r}, expected {expected!r}"
            return
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            yield f"{where}: body is not JSON"
            return
        for error in validator(pointer).iter_errors(data):
            yield f"{where}: {_pointer(error.absolute_path) or '(body)'}: {error.message}"
        if pointer == PROBLEM and isinstance(data, dict) and data.get("status") != status:
            yield f"{where}: problem status {data.get('status')!r} differs from the HTTP status"
