"""schemas/ for editors: every field titled and described in a.s.r.'s words (Dutch, then English), with
examples, every enum value and every pattern explained — and `asrctl validate` judging exactly as before."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from asrctl.declare import model as m
from asrctl.declare.editor_help import FIELDS, MODELS, NAME_MESSAGE
from asrctl.declare.schema import SCHEMA_FILES, schema_for
from asrctl.declare.schema_problems import SchemaValidator

from support.validate import REPO_ROOT, SHARED_CONFIG, SHARED_EMPLOYER, set_at

# What editor_help adds; a validator must ignore every one of them.
EDITOR_KEYWORDS = {"title", "description", "examples", "enumDescriptions", "markdownEnumDescriptions",
                   "patternErrorMessage", "errorMessage"}

# Words only one of the two languages has (no "of", "in", "is", "door": both languages write them).
_DUTCH = {"de", "het", "een", "van", "niet", "bij", "voor", "wordt", "met", "naar", "zoals", "dit", "die", "alleen",
          "je", "jullie", "geen", "welke", "hoe", "waar", "ook", "eronder", "tot", "schrijf", "cijfers", "tekst",
          "letters", "pad", "nooit", "tegelijk", "zonder", "mag", "één", "als", "zo", "anders", "aangemeld",
          "afgemeld", "verloning", "maandelijkse", "engels", "nederlands", "apply", "moet", "staat"}
_ENGLISH = {"the", "a", "an", "of", "to", "for", "with", "and", "not", "only", "write", "digits", "text", "path",
            "never", "without", "when", "its", "this", "whether", "which", "how", "where", "registered", "payroll",
            "monthly", "number", "mapping", "messages", "address", "api", "list", "withdrawn", "letters", "may",
            "one", "included", "time"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-zà-ÿ]+", text.lower()))


def _dutch_then_english(text: str, separator: str) -> None:
    dutch, sep, english = text.partition(separator)
    assert sep and dutch.strip() and english.strip(), f"not 'Dutch{separator}English': {text!r}"
    assert _words(dutch) & _DUTCH, f"the first part is not Dutch: {dutch!r}"
    assert _words(english) & _ENGLISH, f"the second part is not English: {english!r}"


def _objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "(root)", schema
    yield from schema.get("$defs", {}).items()


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for where, node in _objects(schema):
        for prop, sub in node.get("properties", {}).items():
            yield where, prop, sub


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in ("examples", "enum", "default"):
                yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


SCHEMAS = sorted(SCHEMA_FILES)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_has_a_title_in_the_manuals_words_with_the_english(name: str) -> None:
    for where, prop, sub in _properties(schema_for(name)):
        title = sub.get("title", "")
        assert re.fullmatch(r"[^()]+ \(.+\)", title), f"{where}.{prop}: title {title!r} is not 'Dutch (English)'"
        assert title != prop.replace("_", " ").title(), f"{where}.{prop}: pydantic's code name {title!r}"
    for where, node in _objects(schema_for(name)):
        if where != "(root)":
            assert re.fullmatch(r"[^()]+ \(.+\)", node["title"]), f"model {where}: title {node['title']!r}"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_description_is_dutch_then_english(name: str) -> None:
    schema = schema_for(name)
    for where, prop, sub in _properties(schema):
        _dutch_then_english(sub["description"], "\n\n")
    for where, node in _objects(schema):
        _dutch_then_english(node["description"], "\n\n")


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_value_property_has_examples_the_schema_accepts(name: str) -> None:
    schema = schema_for(name)
    checked = 0
    for where, prop, sub in _properties(schema):
        if "$ref" in sub:  # a nested block: its own fields have the examples
            continue
        assert sub.get("examples"), f"{where}.{prop} has no examples"
        validator = Draft202012Validator({**sub, "$defs": schema["$defs"]} if "$defs" in schema else sub)
        for example in sub["examples"]:
            assert not list(validator.iter_errors(example)), f"{where}.{prop}: example {example!r} is invalid"
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_enum_value_and_every_pattern_is_explained_in_both_languages(name: str) -> None:
    enums = patterns = 0
    for node in _nodes(schema_for(name)):
        if "enum" in node:
            enums += 1
            assert len(node["enumDescriptions"]) == len(node["enum"]) == len(node["markdownEnumDescriptions"])
            for text in [*node["enumDescriptions"], node["errorMessage"]]:
                _dutch_then_english(text, " / ")
            for value in node["enum"]:
                assert value in node["errorMessage"], (value, node["errorMessage"])
        if "pattern" in node:
            patterns += 1
            for key in ("patternErrorMessage", "errorMessage"):
                _dutch_then_english(node[key], " / ")
                assert node["pattern"] not in node[key] and "[" not in node[key], "a regex is no help"
        if node.get("type") in ("boolean", "integer", "number"):
            _dutch_then_english(node["errorMessage"], " / ")
    assert enums >= (2 if name == "employer.schema.json" else 3)
    assert patterns >= 5


def test_number_messages_follow_the_models_bounds() -> None:
    nmbrs = schema_for("asrctl.schema.json")["$defs"]["NmbrsSettings"]["properties"]
    assert nmbrs["parallelism"]["errorMessage"] == ("Een heel getal van 1 tot en met 64 / a whole number from 1 "
                                                     "to 64")
    assert nmbrs["timeout_seconds"]["errorMessage"].startswith("Een getal groter dan 0 en hoogstens 600")


def test_the_help_names_real_models_and_fields_and_misses_none() -> None:
    for name in [*MODELS, *FIELDS]:
        assert issubclass(getattr(m, name), m.StrictModel), name
    for name, fields in FIELDS.items():
        assert set(fields) == set(getattr(m, name).model_fields), name
    for schema in map(schema_for, SCHEMAS):
        for where, _node in _objects(schema):
            assert (where if where != "(root)" else schema_root(schema)) in MODELS, where


def schema_root(schema: dict[str, Any]) -> str:
    return "Config" if "accounts" in schema["properties"] else "Employer"


def test_the_loonheffingennummer_is_explained_in_words() -> None:
    prop = schema_for("employer.schema.json")["properties"]["payroll_tax_number"]
    assert prop["title"] == "Loonheffingennummer (payroll tax number)"
    assert prop["examples"] == ["123456782L01"]
    assert prop["patternErrorMessage"].startswith("9 cijfers, de letter L en 2 cijfers, bijv. 123456782L01")
    assert prop["description"].startswith("9 cijfers (RSIN of BSN) die de elfproef doorstaan")


# --- validators ignore the help: `asrctl validate` judges as before -------------------------------------------


def _bare(node: Any) -> Any:
    """The schema without editor_help's keywords (a property named like one, e.g. `title`, stays)."""
    if isinstance(node, list):
        return [_bare(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: (_bare(value) if key != "properties" else {p: _bare(s) for p, s in value.items()})
            for key, value in node.items() if key not in EDITOR_KEYWORDS or key == "properties"}


def _corpus() -> Iterator[tuple[str, Any]]:
    for path in sorted((REPO_ROOT / "tests" / "data" / "invalid").rglob("*.yaml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        yield ("asrctl.schema.json" if path.name == "asrctl.yaml" else "employer.schema.json"), doc


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_committed_schema_is_2020_12_and_validators_ignore_the_help(name: str) -> None:
    committed = json.loads((REPO_ROOT / "schemas" / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(committed)
    bare = _bare(committed)
    assert not any(key in EDITOR_KEYWORDS for node in _nodes(bare) for key in node if key != "properties"), \
        "a help keyword was left in the bare schema"
    with_help, without = SchemaValidator(committed), SchemaValidator(bare)
    docs = [doc for schema, doc in _corpus() if schema == name]
    assert len(docs) > 10

    def verdicts(validator: Any, doc: Any) -> list[tuple[str, str, str]]:
        return sorted((str(list(e.absolute_path)), str(e.validator), e.message) for e in validator.iter_errors(doc))

    for doc in docs:
        assert verdicts(with_help, doc) == verdicts(without, doc), doc


# --- what an editor shows: yaml-language-server's choice of message, applied to jsonschema's error --------------


def editor_message(error: ValidationError) -> str:
    """The message yaml-language-server (2.x, its BaseValidator) shows for a failed keyword: a pattern →
    patternErrorMessage, else errorMessage, else its generic text; a wrong type, enum or const value →
    errorMessage, else generic; anyOf/oneOf → the best branch's (fewest problems, then the deepest).
    Two branches that tie with a type mismatch: under anyOf their warnings merge into the generic
    'Incorrect type. Expected "A | B"' (errorMessage lost); under oneOf the later branch's stays."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)

        def rank(errors: list[ValidationError]) -> tuple[int, int]:
            return len(errors), -max(len(e.path) for e in errors)

        best = min(rank(errors) for errors in branches.values())
        tied = [errors for errors in branches.values() if rank(errors) == best]
        if len(tied) > 1 and error.validator == "anyOf" and all(e.validator == "type" for t in tied for e in t):
            return 'Incorrect type. Expected "' + " | ".join(str(t[0].schema.get("title")) for t in tied) + '".'
        return editor_message(tied[-1 if error.validator == "oneOf" else 0][0])
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern":
        return str(schema.get("patternErrorMessage") or schema.get("errorMessage")
                   or f'String does not match the pattern of "{schema["pattern"]}".')
    if error.validator in ("type", "enum", "const"):
        return str(schema.get("errorMessage") or f"Incorrect type / value ({error.message})")
    return error.message


def _rename_account(doc: dict[str, Any], new: str) -> dict[str, Any]:
    mutated = copy.deepcopy(doc)
    mutated["accounts"][new] = mutated["accounts"].pop(next(iter(mutated["accounts"])))
    return mutated


_EMPLOYER = yaml.safe_load(SHARED_EMPLOYER.read_text(encoding="utf-8"))
_CONFIG = yaml.safe_load(SHARED_CONFIG.read_text(encoding="utf-8"))
_ACCOUNT = next(iter(_CONFIG["accounts"]))

# (schema, bad document, path of the error, what the editor must say)
EDITOR_CASES: list[tuple[str, dict[str, Any], list[Any], str]] = [
    ("employer.schema.json", set_at(_EMPLOYER, ("payroll_tax_number",), "NL123456782L01"), ["payroll_tax_number"],
     "9 cijfers, de letter L en 2 cijfers, bijv. 123456782L01 (zonder NL"),
    ("employer.schema.json", set_at(_EMPLOYER, ("payroll_tax_number",), 123456782), ["payroll_tax_number"],
     "9 cijfers, de letter L en 2 cijfers"),
    ("employer.schema.json", set_at(_EMPLOYER, ("payroll", "frequency"), "maandelijks"), ["payroll", "frequency"],
     "Schrijf monthly (maandelijks) of four_weekly (4-wekelijks)"),
    ("employer.schema.json", set_at(_EMPLOYER, ("payroll", "thirteenth_month"), "ja"),
     ["payroll", "thirteenth_month"], "true (ja) of false (nee)"),
    ("employer.schema.json", set_at(_EMPLOYER, ("dga",), "nee"), ["dga"], "dga: [] als er geen DGA is"),
    ("employer.schema.json", set_at(_EMPLOYER, ("state",), "afgemeld"), ["state"],
     "Schrijf active (aangemeld) of withdrawn (afgemeld)"),
    ("employer.schema.json", set_at(_EMPLOYER, ("nmbrs", "debtor"), 1042), ["nmbrs", "debtor"],
     "Tekst tussen aanhalingstekens"),
    ("employer.schema.json", set_at(_EMPLOYER, ("nmbrs", "account"), "Kantoor"), ["nmbrs", "account"],
     "De naam van een account in asrctl.yaml"),
    ("employer.schema.json", set_at(_EMPLOYER, ("nmbrs", "company"), "   "), ["nmbrs", "company"],
     "Tekst, niet leeg"),
    ("employer.schema.json", set_at(_EMPLOYER, ("payroll",), "monthly"), ["payroll"],
     "Een blok met frequency en thirteenth_month"),
    ("asrctl.schema.json", set_at(_CONFIG, ("accounts", _ACCOUNT, "domain"), "voorbeeld.nmbrs.nl"),
     ["accounts", _ACCOUNT, "domain"], "Alleen het deel vóór .nmbrs"),
    ("asrctl.schema.json", set_at(_CONFIG, ("accounts", _ACCOUNT, "token"), "s3cr3t-t0k3n"),
     ["accounts", _ACCOUNT, "token"], "Schrijf {env: NAAM} of {file: PAD}, nooit het token zelf"),
    ("asrctl.schema.json", set_at(_CONFIG, ("accounts", _ACCOUNT, "model"), "overkoepelend"),
     ["accounts", _ACCOUNT, "model"], "Schrijf overarching (overkoepelend account)"),
    ("asrctl.schema.json", set_at(_CONFIG, ("organisation", "contact_email"), "info bij kantoor"),
     ["organisation", "contact_email"], "Een e-mailadres, bijv. naam@voorbeeld.nl"),
    ("asrctl.schema.json", set_at(_CONFIG, ("nmbrs", "endpoint"), "http://api.nmbrs.nl/soap/v3/"),
     ["nmbrs", "endpoint"], "Een adres dat begint met https://"),
    ("asrctl.schema.json", set_at(_CONFIG, ("registry", "token"), {"env": "asr token"}), ["registry", "token", "env"],
     "Letters, cijfers en _"),
    ("asrctl.schema.json", set_at(_CONFIG, ("language",), "nederlands"), ["language"], "Schrijf nl (Nederlands)"),
    ("asrctl.schema.json", set_at(_CONFIG, ("nmbrs", "parallelism"), "acht"), ["nmbrs", "parallelism"],
     "Een heel getal van 1 tot en met 64"),
    ("asrctl.schema.json", _rename_account(_CONFIG, "Kantoor B"), ["accounts"], NAME_MESSAGE),
]


@pytest.mark.parametrize(("name", "doc", "path", "expected"), EDITOR_CASES,
                         ids=[f"{'.'.join(map(str, c[2]))}={c[3][:20]}" for c in EDITOR_CASES])
def test_an_editor_explains_a_mistake_in_words_not_a_regex(name: str, doc: dict[str, Any], path: list[Any],
                                                           expected: str) -> None:
    committed = json.loads((REPO_ROOT / "schemas" / name).read_text(encoding="utf-8"))  # what init copies
    errors = [e for e in Draft202012Validator(committed).iter_errors(doc)]
    at = [e for e in errors if list(e.absolute_path) == path or
          (e.validator in ("anyOf", "oneOf") and list(e.absolute_path) == path[:len(e.absolute_path)])]
    assert at, f"no error at {path}: {[(list(e.absolute_path), e.message) for e in errors]}"
    shown = editor_message(at[0])
    assert shown.startswith(expected) or expected in shown, shown
    assert "does not match the pattern" not in shown and "Incorrect type" not in shown
    _dutch_then_english(shown, " / ")



# --- and `asrctl validate` names every pattern in words too ------------------------------------------------


def _string_leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _string_leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _string_leaves(value, (*path, index))
    elif isinstance(node, str):
        yield path


_REST = {"client_id": "salarisbureau-app", "client_secret": {"env": "NMBRS_CLIENT_SECRET"},
         "subscription_key": {"file": "/run/secrets/key"}, "redirect_uri": "http://127.0.0.1:8765/callback",
         "url": "https://api.nmbrsapp.com", "identity_url": "https://identityservice.nmbrs.com"}


@pytest.mark.parametrize(("name", "doc"), [
    ("employer.schema.json", _EMPLOYER),
    ("asrctl.schema.json", {**_CONFIG, "nmbrs": {**_CONFIG["nmbrs"], "rest": _REST},
                            "accounts": {**_CONFIG["accounts"], "rest-kantoor": {
                                **_CONFIG["accounts"][_ACCOUNT], "api": "rest",
                                "grant": {"file": ".asrctl/grants/rest-kantoor.json"}}}}),
])
def test_validate_explains_every_pattern_in_words_not_a_regex(name: str, doc: dict[str, Any]) -> None:
    from asrctl.declare.schema_problems import schema_problems
    from asrctl.declare.yamlpos import parse

    patterns = {node["pattern"] for node in _nodes(schema_for(name)) if "pattern" in node}
    seen: set[str] = set()
    validator = Draft202012Validator(schema_for(name))
    for path in _string_leaves(doc):
        bad = set_at(doc, path, "x y\x01")  # no pattern of ours takes a space and a control character
        errors = list(validator.iter_errors(bad))
        while errors:  # a secret's env or file fails inside its oneOf
            error = errors.pop()
            errors.extend(error.context or [])
            if error.validator == "pattern":
                seen.add(error.validator_value)
        parsed, issues = parse(json.dumps(bad))  # JSON is YAML: positions and all
        assert parsed is not None and not issues
        for problem in schema_problems(name, parsed, "f.yaml"):
            assert problem.code != "schema.pattern" and "^[" not in str(problem.message), (path, problem.message)
    # the account name (propertyNames) aside, every pattern was met at a value
    assert patterns - seen <= {m.ACCOUNT_NAME_PATTERN} and len(seen) >= 3, patterns - seen
