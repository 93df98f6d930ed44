"""Positioned YAML for validation: bytes → plain data + where every value stands (line, col).

Why not a ruamel.yaml round-trip load here: validate must handle 5,000 employer files in under
3 s, and ruamel's pure-Python round-trip parser alone takes about 5 s for that (its C extension
is not available everywhere). Validation needs plain data and positions, not round-trip
writing, so we read libyaml's event stream (PyYAML's C parser, `yaml.CSafeLoader`) and build
dicts and lists ourselves, recording a position for each dotted path. Doing it ourselves also
lets us refuse what a declaration never needs, cheaply and before anything is expanded:
anchors and aliases (so an alias bomb costs nothing), tags, several documents, duplicate keys,
and nesting deeper than any declaration.

Plain scalars are resolved by the YAML 1.2 core schema (as ruamel.yaml does), not PyYAML's
YAML 1.1: `yes`, `no`, `on` and `off` stay text, so `thirteenth_month: yes` is reported instead
of silently becoming true; timestamps stay text as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from asrctl.i18n import _

MAX_DEPTH = 32

Position = tuple[int, int]  # 1-based line and column


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while reading a file; the loader turns it into a located Problem."""

    line: int  # 0: the whole file
    col: int
    message: str
    hint: str | None = None
    code: str = "yaml.syntax"


@dataclass
class YamlDoc:
    data: Any
    # dotted path ("" = the document, "payroll.frequency", "dga.0.name") -> position of the key
    # (for a list item: of the item); used for "unknown field" and "missing field in X".
    keys: dict[str, Position] = field(default_factory=dict)
    # dotted path -> position of the value itself; used for "wrong value" problems.
    values: dict[str, Position] = field(default_factory=dict)
    # dotted path -> source text of plain scalars that did not resolve to text (1042, yes, ~),
    # so a message can say `quote it: "1042"` with the user's own spelling.
    plain: dict[str, str] = field(default_factory=dict)
    has_null: bool = False  # some value is YAML null (`key:` with nothing after it, `~`, `null`)


class _Empty:
    """The value of a stream without any document (an empty or comments-only file)."""


EMPTY: Any = _Empty()


# --- decoding and text-level guards ------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> tuple[str | None, YamlIssue | None]:
    """UTF-8 (a BOM is accepted) → text; otherwise a located issue naming the offending byte."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        return None, YamlIssue(
            line,
            col,
            _("the file is not UTF-8 text (byte 0x{byte} cannot be read)", byte=format(data[start], "02X")),
            hint=_("save the file as UTF-8 (most editors: 'Save with encoding' > UTF-8); "
                   "Windows-1252 or Latin-1 files show accented letters like this"),
            code="yaml.encoding",
        )


def _text_issues(text: str) -> list[YamlIssue]:
    """Tabs in indentation and control characters: clearer found here than in libyaml's words."""
    issues: list[YamlIssue] = []
    if "\t" in text:
        for number, line in enumerate(text.splitlines(), start=1):
            indent = len(line) - len(line.lstrip(" \t"))
            tab = line.find("\t", 0, indent)
            if tab >= 0:
                issues.append(
                    YamlIssue(
                        number,
                        tab + 1,
                        _("tab character used for indentation"),
                        hint=_("YAML indents with spaces only: replace the tab by spaces "
                               "(and set your editor to insert spaces for the Tab key)"),
                        code="yaml.tab",
                    )
                )
    bad = _CONTROL.search(text)
    if bad:
        offset = bad.start()
        issues.append(
            YamlIssue(
                text.count("\n", 0, offset) + 1,
                offset - (text.rfind("\n", 0, offset) + 1) + 1,
                _("the file contains a control character (U+{code}), not allowed in YAML",
                  code=format(ord(bad.group()), "04X")),
                hint=_("remove it; it often comes with text pasted from another program"),
                code="yaml.control-character",
            )
        )
    return issues


# --- scalars (YAML 1.2 core schema) ----------------------------------------------------------------

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_NUMBER_START = frozenset("0123456789+-.")
# No field takes a number longer than this; Python refuses int() of over 4,300 digits, and a long hex
# number is read fine but cannot be printed (str()) later — so refuse before converting.
MAX_NUMBER_DIGITS = 20


class _TooLong:
    """A plain integer with more than MAX_NUMBER_DIGITS digits (the parser stops at it)."""


def _plain(value: str) -> Any:
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value[0] in _NUMBER_START:
        if len(value) > MAX_NUMBER_DIGITS + 2 and (_INT.match(value) or _OCT.match(value) or _HEX.match(value)):
            return _TooLong
        if _INT.match(value):
            return int(value)
        if _OCT.match(value):
            return int(value, 0)
        if _HEX.match(value):
            return int(value, 0)
        if _FLOAT.match(value):
            return float(value)
        if _INF.match(value):
            return float("-inf") if value[0] == "-" else float("inf")
        if _NAN.match(value):
            return float("nan")
    return value


# --- events → data ---------------------------------------------------------------------------------------


class _Stop(Exception):
    def __init__(self, issue: YamlIssue) -> None:
        self.issue = issue


class _Frame:
    """An open mapping or list. __slots__ and a plain class: this is touched for every YAML event."""

    __slots__ = ("container", "discard", "is_map", "key", "key_discard", "key_pos", "path", "prefix")

    def __init__(self, container: dict[str, Any] | list[Any], path: str, discard: bool) -> None:
        self.container = container
        self.path = path
        self.prefix = f"{path}." if path else ""  # what a child's path starts with
        self.is_map = isinstance(container, dict)
        self.discard = discard  # inside the value of a duplicate key: build nothing, record nothing
        self.key: str | None = None  # mappings: the key waiting for its value
        self.key_pos: Position = (0, 0)
        self.key_discard = False


_STR_TAGS = frozenset({"!", "tag:yaml.org,2002:str"})
_MAP_TAGS = frozenset({"!", "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({"!", "tag:yaml.org,2002:seq"})


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


def _refuse_anchor_or_tag(event: Any, allowed_tags: frozenset[str]) -> None:
    if event.anchor is not None:
        raise _Stop(
            YamlIssue(
                *_pos(event.start_mark),
                _("YAML anchors and aliases (&{anchor}, *{anchor}) are not allowed in asrctl files",
                  anchor=event.anchor),
                hint=_("write each value out in full; every employer file stands on its own"),
                code="yaml.alias",
            )
        )
    if event.tag is not None and event.tag not in allowed_tags:
        raise _Stop(
            YamlIssue(
                *_pos(event.start_mark),
                _("YAML tags ({tag}) are not allowed in asrctl files", tag=event.tag.replace("tag:yaml.org,2002:", "!!")),
                hint=_("remove the tag; put a value in quotes to make it text"),
                code="yaml.tag",
            )
        )


def _build(loader: Any, doc: YamlDoc, issues: list[YamlIssue]) -> None:
    # The loop runs once per YAML event (validate of 5,000 files: over 100,000), so it keeps to locals,
    # inlines the cheap checks and calls out only for what is rare (an anchor, a tag, a problem).
    stack: list[_Frame] = []
    documents = 0
    keys, values, plain = doc.keys, doc.values, doc.plain

    def place(value: Any, pos: Position) -> tuple[str, bool]:
        """Put value into the current container; returns its path and whether it is discarded."""
        if not stack:
            doc.data = value
            keys[""] = values[""] = pos
            return "", False
        top = stack[-1]
        if top.is_map:
            key = top.key
            assert key is not None
            path = top.prefix + key
            discard = top.discard or top.key_discard
            if not discard:
                top.container[key] = value  # type: ignore[call-overload]  # a dict: is_map
                keys[path] = top.key_pos
                values[path] = pos
            top.key = None
            return path, discard
        index = len(top.container)
        path = top.prefix + str(index)
        if not top.discard:
            top.container.append(value)  # type: ignore[union-attr]  # a list: not is_map
            keys[path] = values[path] = pos
        return path, top.discard

    get_event = loader.get_event
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    while True:
        event = get_event()
        kind = type(event)
        if kind is mapping_end or kind is sequence_end:
            stack.pop()
            continue
        top = stack[-1] if stack else None
        expecting_key = top is not None and top.is_map and top.key is None
        if kind is scalar_event:
            tag = event.tag
            if event.anchor is not None or (tag is not None and tag not in _STR_TAGS):
                _refuse_anchor_or_tag(event, _STR_TAGS)
            text: str = event.value
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            if expecting_key:
                assert top is not None
                top.key, top.key_pos = text, pos
                top.key_discard = False
                if not top.discard and text in top.container:
                    first = keys.get(top.prefix + text, (0, 0))
                    issues.append(
                        YamlIssue(
                            *pos,
                            _("duplicate key '{key}' (first at line {line})", key=text, line=first[0]),
                            hint=_("a key may appear once in a mapping: remove one of them "
                                   "(the first one counts for the other checks)"),
                            code="yaml.duplicate-key",
                        )
                    )
                    top.key_discard = True
                continue
            if tag is None and not event.style:
                value = _plain(text) if text else None
                if value is _TooLong:
                    digits = len(text.lstrip("+-").removeprefix("0x").removeprefix("0o"))
                    raise _Stop(
                        YamlIssue(
                            *pos,
                            f"a number of {digits:,} digits: no asrctl field takes a number this long",
                            hint="a personeelsnummer has a few digits; put text (a debtor number, a contract "
                            "number) in quotes",
                            code="yaml.number-too-long",
                        )
                    )
                path, discard = place(value, pos)
                if not isinstance(value, str) and not discard:
                    plain[path] = text
                    doc.has_null = doc.has_null or value is None
            else:
                place(text, pos)
        elif kind is mapping_start or kind is sequence_start:
            is_map = kind is mapping_start
            _refuse_anchor_or_tag(event, _MAP_TAGS if is_map else _SEQ_TAGS)
            pos = _pos(event.start_mark)
            if expecting_key:
                raise _Stop(
                    YamlIssue(*pos, _("a key must be a plain word, not a mapping or list"), code="yaml.complex-key")
                )
            if len(stack) >= MAX_DEPTH:
                raise _Stop(
                    YamlIssue(*pos, _("nested more than {depth} levels deep", depth=MAX_DEPTH), code="yaml.too-deep")
                )
            container: dict[str, Any] | list[Any] = {} if is_map else []
            path, discard = place(container, pos)
            stack.append(_Frame(container, path, discard))
        elif kind is yaml.AliasEvent:
            raise _Stop(
                YamlIssue(
                    *_pos(event.start_mark),
                    _("YAML aliases (*{anchor}) are not allowed in asrctl files", anchor=event.anchor),
                    hint=_("write each value out in full; every employer file stands on its own"),
                    code="yaml.alias",
                )
            )
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Stop(
                    YamlIssue(
                        *_pos(event.start_mark),
                        _("more than one YAML document in this file (a second '---')"),
                        hint=_("one employer per file: move the second document to a file of its own"),
                        code="yaml.multiple-documents",
                    )
                )
        elif kind is yaml.StreamEndEvent:
            return


# libyaml's words → what to do about it
_SYNTAX_HINTS = (
    ("mapping values are not allowed", _("a ':' followed by a space inside a value? Put the value in quotes; "
     "otherwise check the indentation of this line")),
    ("could not find expected ':'", _("every line of a mapping is 'key: value'; check this line and the one before")),
    ("did not find expected key", _("keys at the same level must start in the same column; check the indentation")),
    ("did not find expected '-'", _("items of a list start with '- ' in the same column; check the indentation")),
    ("scanning a quoted scalar", _("a quote is not closed: add the closing quote")),
    ("found unexpected end of stream", _("something is not closed: a quote, '[' or '{{'")),
    ("expected ',' or ']'", _("a list in [ ] needs commas between items and a closing ']'")),
    ("expected ',' or '}'", _("a mapping in {{ }} needs commas between entries and a closing '}}'")),
    ("found character '@' that cannot start any token", _("a value starting with '@' must be in quotes")),
    ("found character '`' that cannot start any token", _("a value starting with '`' must be in quotes")),
)

# libyaml's problem and context phrases, in the user's language (others are quoted as libyaml says them).
_LIBYAML_WORDS = {
    "mapping values are not allowed here": _("mapping values are not allowed here"),
    "mapping values are not allowed in this context": _("mapping values are not allowed here"),
    "could not find expected ':'": _("could not find the expected ':'"),
    "did not find expected key": _("did not find the expected key"),
    "did not find expected '-' indicator": _("did not find the expected '-'"),
    "did not find expected ',' or ']'": _("did not find the expected ',' or ']'"),
    "did not find expected ',' or '}'": _("did not find the expected ',' or '}}'"),
    "did not find expected node content": _("a value is missing here"),
    "did not find expected comment or line break": _("unexpected text after the value"),
    "did not find expected <document start>": _("unexpected text after the document"),
    "found undefined tag handle": _("an unknown tag"),
    "found unknown escape character": _("an unknown escape character after '\\'"),
    "found unexpected document separator": _("an unexpected '---' inside a value"),
    "found unexpected end of stream": _("the file ends unexpectedly"),
    "found unexpected ':'": _("unexpected ':'"),
    "found character that cannot start any token": _("a character that cannot start a value"),
    "found a tab character that violates indentation": _("a tab character in the indentation"),
    "found a tab character where an indentation space is expected": _("a tab character in the indentation"),
    "while scanning a simple key": _("while reading a key"),
    "while scanning a quoted scalar": _("in a quoted value"),
    "while scanning a plain scalar": _("in a value"),
    "while parsing a block mapping": _("in the mapping"),
    "while parsing a block collection": _("in the list"),
    "while parsing a flow sequence": _("in the list in [ ]"),
    "while parsing a flow mapping": _("in the mapping in {{ }}"),
    "while parsing a block node": _("in this value"),
    "while scanning a block scalar": _("in a block value"),
    "syntax error": _("syntax error"),
}


_CANNOT_START = re.compile(r"found character '(.+)' that cannot start any token\Z")
_EXPECTED_FOUND = re.compile(r"expected (.+), but found (.+)\Z")


def _libyaml(phrase: str) -> str:
    phrase = phrase.strip()
    known = _LIBYAML_WORDS.get(phrase)
    if known is not None:
        return known
    found = _CANNOT_START.match(phrase)
    if found:
        return _("the character '{char}' cannot start a value", char=found[1])
    found = _EXPECTED_FOUND.match(phrase)
    if found:
        return _("expected {expected}, found {found}", expected=found[1], found=found[2])
    return phrase


def _syntax_issue(exc: yaml.YAMLError) -> YamlIssue:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line, col = _pos(exc.problem_mark)
        problem = (exc.problem or "syntax error").strip()
        if exc.context and exc.context_mark is not None:
            message = _("YAML syntax error: {problem} ({context} at line {line})", problem=_libyaml(problem),
                        context=_libyaml(exc.context), line=exc.context_mark.line + 1)
        else:
            message = _("YAML syntax error: {problem}", problem=_libyaml(problem))
        hint = next((h for needle, h in _SYNTAX_HINTS if needle in f"{exc.context} {problem}"), None)
        return YamlIssue(line, col, message, hint=hint or _("check the indentation (spaces) and quotes here"))
    if isinstance(exc, yaml.reader.ReaderError):
        return YamlIssue(0, 0, _("the file cannot be read as YAML: {reason}", reason=exc.reason), code="yaml.encoding")
    return YamlIssue(0, 0, _("YAML error: {detail}", detail=str(exc)))


def parse(text: str) -> tuple[YamlDoc | None, list[YamlIssue]]:
    """Text → (document, issues). The document is None when the file could not be read as YAML;
    with only duplicate keys it is returned (the first occurrence counts) together with the issues."""
    issues = _text_issues(text)
    if issues:
        return None, issues
    doc = YamlDoc(data=EMPTY)
    loader = yaml.CSafeLoader(text)
    try:
        _build(loader, doc, issues)
    except _Stop as stop:
        return None, [*issues, stop.issue]
    except yaml.YAMLError as exc:
        return None, [*issues, _syntax_issue(exc)]
    finally:
        loader.dispose()
    return doc, issues
