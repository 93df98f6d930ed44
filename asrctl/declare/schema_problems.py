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
from asrctl.declare.schema import SECRET_REFS, schema_for
from asrctl.declare.semantics import did_you_mean
from asrctl.declare.todo import CODE as TODO_CODE
from asrctl.declare.todo import is_todo, todo_problem
from asrctl.declare.yamlpos import Position, YamlDoc
from asrctl.i18n import Message, _
from asrctl.printable import char_name

_TYPE_WORDS = {
    "string": _("text"),
    "integer": _("a whole number"),
    "number": _("a number"),
    "boolean": _("true or false"),
    "object": _("a mapping (indented 'key: value' lines)"),
    "array": _("a list ('- ' lines, or [] when empty)"),
    "null": _("empty"),
}

_REQUIRED_HINTS = {
    "dga": _("write 'dga: []' when this payroll has no DGA; otherwise list each DGA with name and employee_number"),
    "thirteenth_month": _("write 'thirteenth_month: true' or 'thirteenth_month: false'"),
    "frequency": _("write 'frequency: monthly' or 'frequency: four_weekly'"),
    "token": _("write 'token: {{env: NAME}}' or 'token: {{file: PATH}}' (never the token itself)"),
    "nmbrs": _("add 'nmbrs:' with account and company (and debtor where needed) on indented lines below it"),
    "payroll": _("add 'payroll:' with frequency and thirteenth_month on indented lines below it"),
    "contract_number": _("the raamwerkcontractnummer of the policy at a.s.r."),
    "payroll_tax_number": _("the loonheffingennummer, e.g. 123456782L01 (9 digits, the letter L and 2 digits)"),
    "account": _("the name of an account in asrctl.yaml (under accounts:)"),
    "company": _("the company name exactly as Nmbrs shows it (case, spaces, dots and commas count)"),
    "name": _("the DGA's name as in Nmbrs"),
    "employee_number": _("the DGA's medewerkersnummer in Nmbrs"),
    "organisation": _("add 'organisation:' with name and contact_email of the payroll office"),
    "registry": _("add 'registry:' with url and token"),
    "accounts": _("add 'accounts:' with at least one Nmbrs login"),
    "model": _("write 'model: overarching' (accountant login) or 'model: per_debtor' (master bedrijfslogin)"),
    "username": _("the e-mail address the Nmbrs login signs in with"),
    "domain": _("the part after https:// and before .nmbrs in your Nmbrs address, e.g. voorbeeld"),
    "endpoint": _("write 'endpoint: https://api.nmbrs.nl/soap/v3/'"),
    "url": _("the a.s.r. registry's https address"),
    "contact_email": _("the e-mail address a.s.r. and Keylane use to contact the office"),
}

_FORBIDDEN = re.compile(f"[{m.FORBIDDEN_CHARACTERS}]")

# Dutch (and other) spellings whose meaning is unambiguous → the one value the schema accepts.
_ENUM_WORDS = {
    "maandelijks": "monthly", "maand": "monthly", "maandelijkse": "monthly", "month": "monthly",
    "4-wekelijks": "four_weekly", "4wekelijks": "four_weekly", "4 wekelijks": "four_weekly",
    "vierwekelijks": "four_weekly", "vier-wekelijks": "four_weekly", "4-weken": "four_weekly",
    "4 weken": "four_weekly", "4-wekelijkse": "four_weekly", "week4": "four_weekly",
    "afgemeld": "withdrawn", "afmelden": "withdrawn", "ingetrokken": "withdrawn",
    "actief": "active", "aangemeld": "active", "aanmelden": "active",
    "overkoepelend": "overarching", "accountant": "overarching", "per debiteur": "per_debtor",
    "per-debiteur": "per_debtor", "per_debiteur": "per_debtor", "debiteur": "per_debtor",
}
_YES = frozenset({"yes", "ja", "y", "j", "on", "waar", "wel"})
_NO = frozenset({"no", "nee", "n", "off", "onwaar", "niet", "geen"})

_TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.]{20,}")


def _show(value: str) -> str:
    """A user's value, quoted for a message; long or token-like values are not echoed in full."""
    if _TOKENISH.fullmatch(value) and re.search(r"[0-9]", value) and re.search(r"[A-Za-z]", value):
        return _("(a value that looks like a token, not shown)")
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _describe(value: Any) -> str:
    if value is None:
        return _("empty")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _("the number {value}", value=value)
    if isinstance(value, str):
        return _("the text {value}", value=_show(value))
    if isinstance(value, dict):
        return _("a mapping")
    return _("a list")


def dotted(parts: Any) -> str:
    return ".".join(str(p) for p in parts)


def shown_path(parts: Any) -> str:
    """payroll.frequency, dga[0].employee_number: how a field is named in messages."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or _("the file")


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

    def problem(self, parts: list[Any], message: Message, hint: Message | None, code: str, *,
                key: bool = False) -> Problem:
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
        value = _instance(error)
        keyword = error.validator
        if is_todo(value):  # a placeholder of `asrctl import`: the same problem semantics reports (deduplicated)
            _path, todo_message, todo_hint = todo_problem(tuple(parts))
            yield self.problem(parts, todo_message, todo_hint, TODO_CODE)
        elif keyword == "required":
            yield from self._required(error, parts)
        elif keyword == "additionalProperties":
            yield from self._unknown(error, parts)
        elif keyword == "oneOf" and self._is_secret(error):
            yield from self._secret(error, parts)
        elif keyword == "type":
            yield self._type(error, parts)
        elif keyword == "enum":
            yield self._enum(error, parts)
        elif keyword == "pattern":
            yield self._pattern(error, parts)
        elif keyword == "minLength" and value == "":
            yield self.problem(parts, _("{field} must not be empty", field=where), _("fill in a value"), "schema.empty")
        elif keyword in ("minLength", "maxLength"):
            message = (_("{field} is {length} characters long; it must be at least {limit}", field=where,
                         length=len(value), limit=error.validator_value) if keyword == "minLength" else
                       _("{field} is {length} characters long; it must be at most {limit}", field=where,
                         length=len(value), limit=error.validator_value))
            yield self.problem(parts, message, None, "schema.length")
        elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            yield self._range(error, parts)
        elif keyword in ("maxItems", "minItems"):
            message = (_("{field} has {count} entries; it may have at most {limit}", field=where, count=len(value),
                         limit=error.validator_value) if keyword == "maxItems" else
                       _("{field} has {count} entries; it may have at least {limit}", field=where, count=len(value),
                         limit=error.validator_value))
            yield self.problem(parts, message, None, "schema.items")
        elif keyword == "minProperties":
            hint = _("declare at least one Nmbrs login under accounts:") if parts == ["accounts"] else None
            yield self.problem(parts, _("{field} must not be empty", field=where), hint, "schema.empty")
        else:  # not reached by the current models; kept readable all the same
            yield self.problem(parts, _("{field}: {detail}", field=where, detail=error.message), None,
                               "schema.invalid")

    def _enum(self, error: SchemaError, parts: list[Any]) -> Problem:
        allowed = [str(v) for v in _rule(error)]
        value, where, last = _instance(error), shown_path(parts), str(parts[-1]) if parts else ""
        message = _("{field} must be one of {allowed}, not {value}", field=where, allowed=", ".join(allowed),
                    value=_describe(value))
        word = value.strip().lower() if isinstance(value, str) else None
        meant = _ENUM_WORDS.get(word or "")
        if word is not None and meant in allowed:
            # The Dutch word is clear; the file keeps the one spelling the schema knows.
            return self.problem(parts, message, _("'{value}' means {meant}: write {field}: {meant}",
                                                  value=value, meant=meant, field=last), "schema.enum")
        close = did_you_mean((word or "").replace("-", "_").replace(" ", "_").replace("4", "four_"),
                             allowed) if word is not None else None
        return self.problem(parts, message, _("did you mean '{close}'?", close=close) if close else None,
                            "schema.enum")

    def _required(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in _rule(error):
            if name in _instance(error):
                continue
            hint = _REQUIRED_HINTS.get(name)
            if hint is None and props.get(name):
                hint = _("see the description of '{name}' in the schema", name=name)
            message = (_("missing required field '{name}' in {where}", name=name, where=shown_path(parts)) if parts
                       else _("missing required field '{name}'", name=name))
            # at the key of the mapping that lacks it (the document's first line for a top-level field)
            yield self.problem(parts, message, hint, "schema.required", key=True)

    def _unknown(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        allowed = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        for key in _instance(error):
            if key in allowed:
                continue
            close = did_you_mean(key, allowed)
            if close:
                hint = _("did you mean '{close}'?", close=close)
            elif self.parents.get(key) and self.parents[key] != dotted(parts):
                hint = _("'{key}' belongs under '{parent}:' (indent it below that line)", key=key,
                         parent=self.parents[key])
            else:
                hint = _("allowed here: {names}", names=", ".join(allowed))
            message = (_("unknown field {key} in {where}", key=_show(key), where=shown_path(parts)) if parts
                       else _("unknown field {key}", key=_show(key)))
            yield self.problem([*parts, key], message, hint, "schema.unknown-field", key=True)

    def _is_secret(self, error: SchemaError) -> bool:
        refs = {v.get("$ref", "") for v in _rule(error) if isinstance(v, dict)}
        return refs == SECRET_REFS

    def _secret(self, error: SchemaError, parts: list[Any]) -> Iterator[Problem]:
        where, value = shown_path(parts), _instance(error)
        env = _env_name(parts)
        fix = _("use '{key}: {{env: {env}}}' or '{key}: {{file: PATH}}'", key=parts[-1], env=env)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            # Never echo the value: it is (very likely) a real token.
            if parts[0] == "accounts":
                reset = _("create a new API token in the Nmbrs user's profile (Gebruiker profiel > API-Token)")
            elif parts[:2] == ["nmbrs", "rest"]:
                reset = _("make a new one for the app in the Nmbrs developer portal")
            else:
                reset = _("ask a.s.r. for a new registry token")
            yield self.problem(
                parts, _("{field} is a literal token: never write the token in the file", field=where),
                _("{fix}; since it was written down, {reset} and revoke this one", fix=fix, reset=reset),
                "schema.literal-token",
            )
            return
        if not isinstance(value, dict):
            yield self.problem(parts, _("{field} must be {{env: NAME}} or {{file: PATH}}, not {value}", field=where,
                                        value=_describe(value)), fix, "schema.secret")
            return
        if "env" in value and "file" in value:
            yield self.problem(parts, _("{field} has both env and file; use one of them", field=where), fix,
                               "schema.secret")
            return
        branch = "#/$defs/EnvSecretRef" if "env" in value else "#/$defs/FileSecretRef" if "file" in value else None
        if branch is None:
            unknown = [k for k in value if k not in ("env", "file")]
            for key in unknown:
                close = did_you_mean(key, ["env", "file"])
                yield self.problem([*parts, key], _("unknown field {key} in {where}", key=_show(key), where=where),
                                   _("did you mean '{close}'? {more}", close=close, more=fix) if close else fix,
                                   "schema.unknown-field", key=True)
            if not unknown:
                yield self.problem(parts, _("{field} needs env or file", field=where), fix, "schema.secret")
            return
        index = next(i for i, v in enumerate(_rule(error)) if v.get("$ref") == branch)
        for sub in error.context or []:
            if sub.schema_path and sub.schema_path[0] == index:
                yield from self.map(sub)

    def _type(self, error: SchemaError, parts: list[Any]) -> Problem:
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words: Message = _TYPE_WORDS.get(str(expected[0])) or Message(str(expected[0]))
        for other in expected[1:]:
            words = _("{a} or {b}", a=words, b=_TYPE_WORDS.get(str(other)) or Message(str(other)))
        value, where = error.instance, shown_path(parts)
        hint: Message | None = None
        text = self.doc.plain.get(dotted(parts))
        last = parts[-1] if parts else ""
        word = value.strip().lower() if isinstance(value, str) else None
        if last == "payroll_tax_number" and isinstance(value, int) and not isinstance(value, bool):
            # 123456782 without its L01: YAML read a number. Quoting it would not make it right.
            return self.problem(parts, _("loonheffingennummer {value} lacks the letter L and the 2-digit "
                                         "sub-number", value=text or value), _lhn_hint(str(text or value)),
                                "schema.payroll-tax-number")
        if last == "dga" and value is not None and not isinstance(value, list | dict):
            if (word in _NO) or value is False or value == 0:
                hint = _("no DGA in this payroll is written as an empty list: dga: []")
            else:
                hint = _("write each DGA as a list item below 'dga:' ('- name: ...' with 'employee_number: ...' "
                         "under it), or dga: [] when there is none")
        elif "string" in expected and text is not None and value is not None:
            hint = _('put it in quotes: {key}: "{text}"', key=last, text=text)
        elif "boolean" in expected and word is not None:
            guess = "true" if word in _YES else "false" if word in _NO else None
            if word in ("true", "false"):
                hint = _("write it without quotes: {key}: {word}", key=last, word=word)
            elif guess:
                hint = _("'{value}' means {guess}: write {key}: {guess}", value=value, guess=guess, key=last)
            else:
                hint = _("write true or false")
        elif "integer" in expected and isinstance(value, str) and value.strip().isdigit():
            hint = _("write the number without quotes: {key}: {value}", key=last, value=value.strip())
        elif value is None and "array" in expected and last == "dga":
            hint = _("write 'dga: []' when this payroll has no DGA")
        elif value is None and "object" in expected:
            hint = _("put the fields of {field} on the lines below it, indented by two spaces", field=where)
        elif value is None:
            hint = (_("fill in a value or remove the line (it is optional)") if self._optional(parts)
                    else _("fill in a value"))
        if value is None:
            return self.problem(parts, _("{field} is empty; it must be {expected}", field=where, expected=words),
                                hint, "schema.type")
        return self.problem(parts, _("{field} must be {expected}, not {value}", field=where, expected=words,
                                     value=_describe(value)), hint, "schema.type")

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
        value: str = _instance(error)
        where, pattern = shown_path(parts), _rule(error)
        if pattern == m.TEXT_PATTERN:
            return self._text(parts, value)
        if pattern == m.PAYROLL_TAX_NUMBER_PATTERN:
            return self.problem(parts, _("loonheffingennummer {value} is malformed: expected 9 digits, the letter L "
                                         "and 2 digits", value=_show(value)), _lhn_hint(value),
                                "schema.payroll-tax-number")
        if pattern == m.DOMAIN_PATTERN:
            host = re.sub(r"^[a-z]+://", "", value.lower()).split(".nmbrs")[0].split("/")[0]
            hint = (_("write only the part before .nmbrs: {host}", host=host) if host != value else
                    _("lowercase letters, digits and '-', e.g. voorbeeld for https://voorbeeld.nmbrs.nl"))
            return self.problem(parts, _("domain {value} is not an Nmbrs domain name", value=_show(value)), hint,
                                "schema.domain")
        if pattern == m.EMAIL_PATTERN:
            return self.problem(parts, _("{field} {value} is not an e-mail address", field=where, value=_show(value)),
                                _("write it as name@example.nl"), "schema.email")
        if pattern == m.ENDPOINT_PATTERN:
            return self.problem(parts, _("{field} {value} is not a usable address", field=where, value=_show(value)),
                                _("use https://...; plain http:// only to 127.0.0.1 or localhost; or sandbox:<file>"),
                                "schema.endpoint")
        if pattern == m.REDIRECT_URI_PATTERN:
            return self.problem(parts, _("{field} {value} is not a loopback address with a port", field=where,
                                         value=_show(value)),
                                _("asrctl login listens on this machine: register and write e.g. "
                                  "http://127.0.0.1:8765/callback (RFC 8252)"), "schema.redirect-uri")
        if pattern == m.ENV_NAME_PATTERN:
            return self.problem(parts, _("{value} is not an environment variable name", value=_show(value)),
                                _("letters, digits and _, e.g. {example}", example=_env_name(parts[:-1])),
                                "schema.env-name")
        if pattern == m.CLIENT_ID_PATTERN:
            return self.problem(parts, _("{field} is not a client ID: it may hold only visible characters, no spaces, "
                                         "at most 200", field=where),
                                _("copy the Client ID of the office's app from the Nmbrs developer portal"),
                                "schema.client-id")
        if pattern == m.ACCOUNT_NAME_PATTERN:
            if "propertyNames" in error.schema_path:  # the name of an entry in accounts:
                parts = [*parts, value]
            return self.problem(parts, _("account name {value} may hold only lowercase letters, digits, '-' and '_'",
                                         value=_show(value)), _("e.g. {example}", example=_slug(value)),
                                "schema.name", key=True)
        return self.problem(parts, _("{field} {value} does not have the expected form ({pattern})", field=where,
                                     value=_show(value), pattern=pattern), None, "schema.pattern")

    def _text(self, parts: list[Any], value: str) -> Problem:
        where = shown_path(parts)
        bad = next((i for i, ch in enumerate(value) if _FORBIDDEN.match(ch)), None)
        if bad is None:
            return self.problem(parts, _("{field} is blank (only spaces)", field=where),
                                _("fill in the value, or remove the line if the field is optional"), "schema.blank")
        return self.problem(parts, _("{field} contains the control character {char} at position {position}: {value}",
                                     field=where, char=char_name(value[bad]), position=bad + 1, value=_show(value)),
                            _("remove it: it cannot be typed and would show differently, or not at all, to a "
                              "reviewer (it came with pasted text or a \\x or \\u escape in quotes)"),
                            "schema.control-character")

    def _range(self, error: SchemaError, parts: list[Any]) -> Problem:
        where, limit, value = shown_path(parts), error.validator_value, error.instance
        if parts and parts[-1] == "employee_number":
            bound = (_("1 or more") if str(error.validator) == "minimum"
                     else _("at most {limit} (what Nmbrs can store)", limit=limit))
            return self.problem(parts, _("employee_number must be {bound}, not {value}", bound=bound, value=value),
                                _("the DGA's medewerkersnummer in Nmbrs (a positive whole number)"), "schema.range")
        message = {
            "minimum": _("{field} must be at least {limit}, not {value}", field=where, limit=limit, value=value),
            "maximum": _("{field} must be at most {limit}, not {value}", field=where, limit=limit, value=value),
            "exclusiveMinimum": _("{field} must be more than {limit}, not {value}", field=where, limit=limit,
                                  value=value),
            "exclusiveMaximum": _("{field} must be less than {limit}, not {value}", field=where, limit=limit,
                                  value=value),
        }[str(error.validator)]
        return self.problem(parts, message, None, "schema.range")


def _lhn_hint(value: str) -> Message:
    """What to change in a malformed loonheffingennummer, from what it looks like."""
    compact = re.sub(r"[\s.]", "", value)
    digits = len(re.split("[Ll]", compact)[0])
    if re.fullmatch(r"[0-9]{9}l[0-9]{2}", value):
        return _("write a capital L: {fixed}", fixed=value.upper())
    if re.fullmatch(r"(?i:nl)[0-9]{9}[Ll][0-9]{2}", compact):
        return _("drop the NL in front: {fixed} (a loonheffingennummer has no country code)",
                 fixed=compact[2:].upper())
    if compact != value and re.fullmatch(r"[0-9]{9}[Ll][0-9]{2}", compact):
        return _("remove spaces and dots: {fixed}", fixed=compact.upper())
    if re.fullmatch(r"[0-9]{9}", compact):
        return _("add the letter L and the 2-digit sub-number from the Belastingdienst's letter, e.g. {value}L01",
                 value=compact)
    if re.fullmatch(r"[0-9]{9}[Ll]", compact):
        return _("add the 2-digit sub-number after the L, e.g. {value}01", value=compact.upper())
    if re.search("[Ll]", compact) and digits != 9:
        return _("it has {digits} digits before the L; a loonheffingennummer has 9", digits=digits)
    return _("e.g. 123456782L01: 9 digits (RSIN or BSN), the letter L and a 2-digit sub-number")


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
        for sub in node.get("oneOf", []):
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


SchemaValidator = validators.extend(  # type: ignore[no-untyped-call]  # untyped in types-jsonschema
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
        out.append(Problem(shown, pos[0], pos[1], "error", _("{field}: {detail}", field=shown_path(parts),
                                                              detail=err["msg"]), None, "model.invalid"))
    return out


def _rule(error: SchemaError) -> Any:
    """The failed keyword's value in the schema (jsonschema types it "maybe unset"; a raised error has it)."""
    return error.validator_value


def _instance(error: SchemaError) -> Any:
    """The part of the document that failed (set on every error jsonschema raises)."""
    return error.instance
