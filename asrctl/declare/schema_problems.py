"""JSON Schema errors → located problems in words a payroll employee can act on.

Imported only for files that fail the models (valid repos never import jsonschema). Every
error of jsonschema's Draft202012Validator is mapped to the line:col of the offending key or
value; a missing field points at the mapping that lacks it, an unknown field at the key
(with "did you mean ...?"). A token written literally is reported without ever echoing it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic import ValidationError

from asrctl.declare import model as m
from asrctl.declare.problems import Problem
from asrctl.declare.schema import schema_for
from asrctl.declare.semantics import did_you_mean
from asrctl.declare.todo import CODE as TODO_CODE
from asrctl.declare.todo import is_todo, todo_problem
from asrctl.declare.yamlpos import Position, YamlDoc
from asrctl.printable import char_name

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (indented 'key: value' lines)",
    "array": "a list ('- ' lines, or [] when empty)",
    "null": "empty",
}

_REQUIRED_HINTS = {
    "dga": "write 'dga: []' when this payroll has no DGA; otherwise list each DGA with name and employee_number",
    "thirteenth_month": "write 'thirteenth_month: true' or 'thirteenth_month: false'",
    "frequency": "write 'frequency: monthly' or 'frequency: four_weekly'",
    "token": "write 'token: {env: NAME}' or 'token: {file: PATH}' (never the token itself)",
    "nmbrs": "add 'nmbrs:' with account and company (and debtor where needed) on indented lines below it",
    "payroll": "add 'payroll:' with frequency and thirteenth_month on indented lines below it",
}

_FORBIDDEN = re.compile(f"[{m.FORBIDDEN_CHARACTERS}]")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.]{20,}")


def _show(value: str) -> str:
    """A user's value, quoted for a message; long or token-like values are not echoed in full."""
    if _TOKENISH.fullmatch(value) and re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value):
        return "(a value that looks like a token, not shown)"
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return "a list"


def dotted(parts: Any) -> str:
    return ".".join(str(p) for p in parts)


def shown_path(parts: Any) -> str:
    """payroll.frequency, dga[0].employee_number: how a field is named in messages."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the file"


class _Mapper:
    def __init__(self, name: str, doc: YamlDoc, shown: str) -> None:
        self.schema = schema_for(name)
        self.doc, self.shown = doc, shown
        self.parents = _parents(self.schema)

    # positions ------------------------------------------------------------------------------------
    def _at(self, table: dict[str, Position], parts: list[Any]) -> Position:
        parts = list(parts)
        while parts:
            pos = table.get(dotted(parts)) or self.doc.keys.get(dotted(parts))
            if pos:
                return pos
            parts.pop()
        return self.doc.values.get("", (1, 1))

    def problem(self, parts: list[Any], message: str, hint: str | None, code: str, *, key: bool = False) -> Problem:
        line, col = self._at(self.doc.keys if key else self.doc.values, parts)
        return Problem(self.shown, line, col, "error", message, hint, code)

    def deref(self, node: Any) -> dict[str, Any]:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return self.schema["$defs"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
        return node if isinstance(node, dict) else {}

    # errors ---------------------------------------------------------------------------------------------
    def map(self, error: SchemaError) -> Iterator[Problem]:
        parts = list(error.absolute_path)
        where = shown_path(parts)
        value = error.instance
        keyword = error.validator
        if is_todo(value):  # a placeholder of `asrctl import`: the same problem semantics reports (deduplicated)
            _, todo_message, todo_hint = todo_problem(tuple(parts))
            yield self.problem(parts, todo_message, todo_hint, TODO_CODE)
        elif keyword == "required":
            yield from self._required(error, parts)
        elif keyword == "additionalProperties":
            yield from self._unknown(error, parts)
        elif keyword == "anyOf" and self._is_secret(error):
            yield from self._secret(error, parts)
        elif keyword == "type":
            yield self._type(error, parts)
        elif keyword == "enum":
            allowed = [str(v) for v in error.validator_value]
            close = did_you_mean(str(value).lower().replace("-", "_").replace(" ", "_").replace("4", "four_"),
                                 allowed) if isinstance(value, str) else None
            yield self.problem(parts, f"{where} must be one of {', '.join(allowed)}, not {_describe(value)}",
                               f"did you mean '{close}'?" if close else None, "schema.enum")
        elif keyword == "pattern":
            yield self._pattern(error, parts)
        elif keyword == "minLength" and value == "":
            yield self.problem(parts, f"{where} must not be empty", "fill in a value", "schema.empty")
        elif keyword in ("minLength", "maxLength"):
            word = "at least" if keyword == "minLength" else "at most"
            yield self.problem(parts, f"{where} is {len(value)} characters long; it must be {word} "
                               f"{error.validator_value}", None, "schema.length")
        elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            yield self._range(error, parts)
        elif keyword in ("maxItems", "minItems"):
            word = "at most" if keyword == "maxItems" else "at least"
            yield self.problem(parts, f"{where} has {len(value)} entries; it may have {word} "
                               f"{error.validator_value}", None, "schema.items")
        elif keyword == "minProperties":
            hint = "declare at least one Nmbrs login under accounts:" if parts == ["accounts"] else None
            yield self.problem(parts, f"{where} must not be empty", hint, "schema.empty")
        else:  # not reached by the current models; kept readable all the same
            yield self.problem(parts, f"{where}: {error.message}", None, "schema.invalid")

    def _required(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in error.validator_value:
            if name in error.instance:
                continue
            where = f" in {shown_path(parts)}" if parts else ""
            hint = _REQUIRED_HINTS.get(name) or self.deref(props.get(name, {})).get("description")
            # at the key of the mapping that lacks it (the document's first line for a top-level field)
            yield self.problem(parts, f"missing required field '{name}'{where}", hint, "schema.required", key=True)

    def _unknown(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        allowed = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        for key in error.instance:
            if key in allowed:
                continue
            where = f" in {shown_path(parts)}" if parts else ""
            close = did_you_mean(key, allowed)
            if close:
                hint = f"did you mean '{close}'?"
            elif self.parents.get(key) and self.parents[key] != dotted(parts):
                hint = f"'{key}' belongs under '{self.parents[key]}:' (indent it below that line)"
            else:
                hint = f"allowed here: {', '.join(allowed)}"
            yield self.problem([*parts, key], f"unknown field {_show(key)}{where}", hint, "schema.unknown-field",
                               key=True)

    def _is_secret(self, error: SchemaError) -> bool:
        refs = {v.get("$ref", "") for v in error.validator_value if isinstance(v, dict)}
        return refs == {"#/$defs/EnvSecretRef", "#/$defs/FileSecretRef"}

    def _secret(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        where, value = shown_path(parts), error.instance
        env = _env_name(parts)
        fix = f"use '{parts[-1]}: {{env: {env}}}' or '{parts[-1]}: {{file: PATH}}'"
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            # Never echo the value: it is (very likely) a real token.
            if parts[0] == "accounts":
                reset = "create a new API token in the Nmbrs user's profile"
            elif parts[:2] == ["nmbrs", "rest"]:
                reset = "make a new one for the app in the Nmbrs developer portal"
            else:
                reset = "ask a.s.r. for a new registry token"
            yield self.problem(
                parts, f"{where} is a literal token: never write the token in the file",
                f"{fix}; since it was written down, {reset} and revoke this one", "schema.literal-token",
            )
            return
        if not isinstance(value, dict):
            yield self.problem(parts, f"{where} must be {{env: NAME}} or {{file: PATH}}, not {_describe(value)}",
                               fix, "schema.secret")
            return
        if "env" in value and "file" in value:
            yield self.problem(parts, f"{where} has both env and file; use one of them", fix, "schema.secret")
            return
        branch = "#/$defs/EnvSecretRef" if "env" in value else "#/$defs/FileSecretRef" if "file" in value else None
        if branch is None:
            unknown = [k for k in value if k not in ("env", "file")]
            for key in unknown:
                close = did_you_mean(key, ["env", "file"])
                yield self.problem([*parts, key], f"unknown field {_show(key)} in {where}",
                                   (f"did you mean '{close}'? " if close else "") + fix, "schema.unknown-field",
                                   key=True)
            if not unknown:
                yield self.problem(parts, f"{where} needs env or file", fix, "schema.secret")
            return
        index = next(i for i, v in enumerate(error.validator_value) if v.get("$ref") == branch)
        for sub in error.context or []:
            if sub.schema_path and sub.schema_path[0] == index:
                yield from self.map(sub)

    def _type(self, error: SchemaError, parts: list[Any]) -> Problem:
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
        value, where = error.instance, shown_path(parts)
        hint: str | None = None
        text = self.doc.plain.get(dotted(parts))
        last = parts[-1] if parts else ""
        if "string" in expected and text is not None and value is not None:
            hint = f'put it in quotes: {last}: "{text}"'
        elif "boolean" in expected and isinstance(value, str):
            word = value.strip().lower()
            guess = "true" if word in ("yes", "ja", "y", "j", "on", "waar") else "false" \
                if word in ("no", "nee", "n", "off", "onwaar") else None
            if word in ("true", "false"):
                hint = f"write it without quotes: {last}: {word}"
            else:
                hint = f"write {last}: {guess}" if guess else "write true or false"
        elif "integer" in expected and isinstance(value, str) and value.strip().isdigit():
            hint = f"write the number without quotes: {last}: {value.strip()}"
        elif value is None and "array" in expected and last == "dga":
            hint = "write 'dga: []' when this payroll has no DGA"
        elif value is None and "object" in expected:
            hint = f"put the fields of {where} on the lines below it, indented by two spaces"
        elif value is None:
            hint = "fill in a value" + (" or remove the line (it is optional)" if self._optional(parts) else "")
        if value is None:
            return self.problem(parts, f"{where} is empty; it must be {words}", hint, "schema.type")
        return self.problem(parts, f"{where} must be {words}, not {_describe(value)}", hint, "schema.type")

    def _optional(self, parts: list[Any]) -> bool:
        if not parts or isinstance(parts[-1], int):
            return False
        node: Any = self.schema
        for part in parts[:-1]:
            node = self.deref(node)
            entry = node.get("additionalProperties")
            node = node.get("items", {}) if isinstance(part, int) else (
                node.get("properties", {}).get(part) or (entry if isinstance(entry, dict) else {}))
        return parts[-1] not in self.deref(node).get("required", [])

    def _pattern(self, error: SchemaError, parts: list[Any]) -> Problem:
        value: str = error.instance
        where, pattern = shown_path(parts), error.validator_value
        hint: str | None
        if pattern == m.TEXT_PATTERN:
            return self._text(parts, value)
        if pattern == m.PAYROLL_TAX_NUMBER_PATTERN:
            digits = len(value.split("L")[0].split("l")[0])
            if re.fullmatch(r"[0-9]{9}l[0-9]{2}", value):
                hint = f"write a capital L: {value.upper()}"
            elif re.search(r"[\s.]", value):
                hint = "remove spaces and dots: " + re.sub(r"[\s.]", "", value)
            elif "L" in value and digits != 9:
                hint = f"it has {digits} digits before the L; a loonheffingennummer has 9"
            else:
                hint = "e.g. 123456782L01: 9 digits (RSIN or BSN), the letter L and a 2-digit sub-number"
            return self.problem(parts, f"loonheffingennummer {_show(value)} is malformed: expected 9 digits, "
                                "the letter L and 2 digits", hint, "schema.payroll-tax-number")
        if pattern == m.DOMAIN_PATTERN:
            host = re.sub(r"^[a-z]+://", "", value.lower()).split(".nmbrs")[0].split("/")[0]
            hint = (f"write only the part before .nmbrs: {host}" if host != value else
                    "lowercase letters, digits and '-', e.g. voorbeeld for https://voorbeeld.nmbrs.nl")
            return self.problem(parts, f"domain {_show(value)} is not an Nmbrs domain name", hint, "schema.domain")
        if pattern == m.EMAIL_PATTERN:
            return self.problem(parts, f"{where} {_show(value)} is not an e-mail address",
                                "write it as name@example.nl", "schema.email")
        if pattern == m.ENDPOINT_PATTERN:
            return self.problem(parts, f"{where} {_show(value)} is not a usable address",
                                "use https://...; plain http:// only to 127.0.0.1 or localhost; or sandbox:<file>",
                                "schema.endpoint")
        if pattern == m.REDIRECT_URI_PATTERN:
            return self.problem(parts, f"{where} {_show(value)} is not a loopback address with a port",
                                "asrctl login listens on this machine: register and write e.g. "
                                "http://127.0.0.1:8765/callback (RFC 8252)", "schema.redirect-uri")
        if pattern == m.ENV_NAME_PATTERN:
            return self.problem(parts, f"{_show(value)} is not an environment variable name",
                                f"letters, digits and _, e.g. {_env_name(parts[:-1])}", "schema.env-name")
        if pattern == m.ACCOUNT_NAME_PATTERN:
            if "propertyNames" in error.schema_path:  # the name of an entry in accounts:
                parts = [*parts, value]
            return self.problem(parts, f"account name {_show(value)} may hold only lowercase letters, digits, "
                                "'-' and '_'", f"e.g. {_slug(value)}", "schema.name", key=True)
        return self.problem(parts, f"{where} {_show(value)} does not have the expected form ({pattern})", None,
                            "schema.pattern")

    def _text(self, parts: list[Any], value: str) -> Problem:
        where = shown_path(parts)
        bad = next((i for i, ch in enumerate(value) if _FORBIDDEN.match(ch)), None)
        if bad is None:
            return self.problem(parts, f"{where} is blank (only spaces)",
                                "fill in the value, or remove the line if the field is optional", "schema.blank")
        return self.problem(parts, f"{where} contains the control character {char_name(value[bad])} at "
                            f"position {bad + 1}: {_show(value)}",
                            "remove it: it cannot be typed and would show differently, or not at all, to a "
                            "reviewer (it came with pasted text or a \\x or \\u escape in quotes)",
                            "schema.control-character")

    def _range(self, error: SchemaError, parts: list[Any]) -> Problem:
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[str(error.validator)]
        where, limit = shown_path(parts), error.validator_value
        if parts and parts[-1] == "employee_number":
            bound = "1 or more" if str(error.validator) == "minimum" else f"at most {limit} (what Nmbrs can store)"
            return self.problem(parts, f"employee_number must be {bound}, not {error.instance}",
                                "the DGA's personeelsnummer in Nmbrs (a positive whole number)", "schema.range")
        return self.problem(parts, f"{where} must be {words} {limit}, not {error.instance}", None, "schema.range")


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-") or "kantoor"


def _env_name(parts: list[Any]) -> str:
    if len(parts) >= 2 and parts[0] == "accounts":
        return "NMBRS_TOKEN_" + re.sub(r"[^A-Z0-9]+", "_", str(parts[1]).upper()).strip("_")
    if parts[:2] == ["nmbrs", "rest"] and len(parts) >= 3:
        return "NMBRS_" + str(parts[2]).upper()  # NMBRS_CLIENT_SECRET, NMBRS_SUBSCRIPTION_KEY
    return "ASR_REGISTRY_TOKEN"


def _parents(schema: dict[str, Any]) -> dict[str, str]:
    """Field name -> the dotted path of the mapping it belongs in, when that is unique."""
    seen: dict[str, set[str]] = {}

    def walk(node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > 6:
            return
        ref = node.get("$ref")
        if isinstance(ref, str):
            walk(schema["$defs"][ref.rsplit("/", 1)[1]], path, depth + 1)
            return
        for name, sub in node.get("properties", {}).items():
            seen.setdefault(name, set()).add(path)
            walk(sub, f"{path}.{name}" if path else name, depth + 1)
        if isinstance(node.get("additionalProperties"), dict):  # a map keyed by name (accounts)
            walk(node["additionalProperties"], f"{path}.<name>" if path else "<name>", depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", depth + 1)
        for sub in node.get("anyOf", []):
            walk(sub, path, depth + 1)

    walk(schema, "", 0)
    return {name: next(iter(paths)) for name, paths in seen.items() if len(paths) == 1 and next(iter(paths))}


# --- the validator: JSON Schema as editors read it ---------------------------------------------------------


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    # ECMA-262 (editors) and pydantic's Rust regex: `$` is the end of the text; Python's `$` also
    # matches before a final line break, which would let "123456782L01\n" through.
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[SchemaError]:
    if validator.is_type(instance, "string") and not _regex(pattern).search(instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


def _finite_number(checker: Any, instance: Any) -> bool:
    # No JSON number is NaN or infinite; the models refuse .nan and .inf too (allow_inf_nan=False).
    return bool(Draft202012Validator.TYPE_CHECKER.is_type(instance, "number")) and math.isfinite(instance)


def _whole_number(checker: Any, instance: Any) -> bool:
    return bool(Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")) and math.isfinite(instance)


SchemaValidator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _pattern_keyword},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _finite_number, "integer": _whole_number}
    ),
)


@cache
def _validator(name: str) -> Any:
    return SchemaValidator(schema_for(name))


def schema_problems(name: str, doc: YamlDoc, shown: str) -> list[Problem]:
    """All JSON Schema problems of one document (name: a file of schema_gen.SCHEMA_FILES)."""
    mapper = _Mapper(name, doc, shown)
    problems: list[Problem] = []
    for error in _validator(name).iter_errors(doc.data):
        problems.extend(mapper.map(error))
    return problems


def model_problems(exc: ValidationError, doc: YamlDoc, shown: str) -> list[Problem]:
    """pydantic's objections the schema did not share (e.g. 1.0 where a whole number is needed)."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False, include_input=False):
        parts = list(err["loc"])
        pos = doc.values.get(dotted(parts)) or doc.values.get("", (1, 1))
        out.append(Problem(shown, pos[0], pos[1], "error", f"{shown_path(parts)}: {err['msg']}", None,
                           "model.invalid"))
    return out
