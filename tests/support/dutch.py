"""Asserting that output is Dutch: every message line is a Dutch catalogue entry, and no English remains."""

from __future__ import annotations

import html
import json
import re
import string
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

PO_NL = Path(__file__).resolve().parents[2] / "asrctl" / "locale" / "nl" / "LC_MESSAGES" / "asrctl.po"

# English function words that no Dutch message uses; found outside quotes, they mean English text got through.
_ENGLISH = re.compile(
    r"\b(the|must|did|found|expected|while|should|cannot|with|and|not|would|will|been|has|have|does|this|"
    r"that|which|there|could|missing|unknown|empty|fails?|ignored|already|only)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


@cache
def dutch_patterns() -> tuple[re.Pattern[str], ...]:
    """Each Dutch msgstr as a regex, its placeholders matching anything."""
    with PO_NL.open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    out = []
    for message in catalogue:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            regex = ""
            for literal, field, _spec, _conv in string.Formatter().parse(text):
                regex += re.escape(literal) + (".+?" if field is not None else "")
            out.append(re.compile(regex + r"\Z", re.DOTALL))
    return tuple(out)


def is_dutch_entry(text: str) -> bool:
    return any(p.match(text) for p in dutch_patterns())


def english_words(text: str) -> list[str]:
    """English words in `text` outside quoted values (a company name, a YAML snippet)."""
    return _ENGLISH.findall(_QUOTED.sub("", text))


def assert_dutch(text: str, where: str) -> None:
    assert is_dutch_entry(text), f"{where}: not a Dutch catalogue entry: {text!r}"
    assert not english_words(text), f"{where}: English in {text!r}: {english_words(text)}"


# --- output in Dutch against the same output in English -------------------------------------------

# What is data, not message text: quoted and code values, markup, placeholders, file paths, check ids,
# config keys, employer ids, numbers, checksums and URLs. What is left of a line is asrctl's own words.
# Quoted values, code and markup first, on the whole line (a quote may hold a separator); an apostrophe
# inside a word (a.s.r.'s) is no quote.
_QUOTED_VALUE = re.compile(r"<code>.*?</code>|<!--.*?-->|<[^>]+>|`[^`]*`|(?<![A-Za-z])'[^']*'(?![A-Za-z])|\"[^\"]*\"")
_DATA = re.compile(
    r"\{[^}]*\}|https?://\S+|sha256:[0-9a-f]+|\S+/\S+|"
    r"\S*[\w\]]\.[\w\[]\S*|\S*_\S*|--[a-z-]+|\b[a-z0-9]+(?:-[a-z0-9]+)+\b|\b\d\S*"
)
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:-[A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_SEGMENT = re.compile(r" · |\||; | — | > |: |\s{2,}")  # table cells, facts, clauses, menu paths
RUN = 3  # this many words in a row, as the English run printed them, make an English sentence


def prose(line: str, data: Sequence[str] = ()) -> list[str]:
    """The words of a line (lower case) once its data is taken out: the `data` strings (names and
    values the output shows unquoted, longest first), then everything _DATA matches."""
    return [w.lower() for w in _WORD.findall(_DATA.sub(" ", _unquoted(line, data)))]


def _unquoted(line: str, data: Sequence[str]) -> str:
    """The line with its data strings, quoted values and code taken out (each leaves a space)."""
    for value in data:  # as printed (text) ...
        line = line.replace(value, " ")
    line = _QUOTED_VALUE.sub(" ", line)  # markup before entities: `&lt;script&gt;` is text
    line = html.unescape(line)
    for value in data:  # ... and as markdown escaped it
        line = line.replace(value, " ")
    return _QUOTED_VALUE.sub(" ", line)


def _runs(words: list[str], sizes: Sequence[int]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for n in sizes for i in range(len(words) - n + 1)}


@cache
def _dutch_runs() -> frozenset[tuple[str, ...]]:
    """Every run of words the Dutch catalogue itself uses (its own terms: Bedrijfsnaam in Nmbrs, apply...)."""
    with PO_NL.open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    runs: set[tuple[str, ...]] = set()
    for message in catalogue:
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            runs |= _runs(prose(str(text)), range(1, RUN + 1))
    return frozenset(runs)


def english_runs(dutch: str, english: str, data: Sequence[str] = ()) -> dict[str, set[tuple[str, ...]]]:
    """The lines of `dutch` that still say what the English run said, each with the English words it
    repeats: three English words in a row (a line of one or two words: all of them) that the Dutch
    catalogue does not use itself. An untranslated message, or a translation missing from the
    catalogue, shows up here; no list of expected sentences is kept."""
    data = sorted({d for d in data if len(d) > 1}, key=len, reverse=True)
    said: set[tuple[str, ...]] = set()
    for line in english.splitlines():
        for part in _SEGMENT.split(_unquoted(line, data)):
            said |= _runs(prose(part, data), range(1, RUN + 1))
    ours = _dutch_runs()
    found: dict[str, set[tuple[str, ...]]] = {}
    for line in dutch.splitlines():
        repeated: set[tuple[str, ...]] = set()
        for part in _SEGMENT.split(_unquoted(line, data)):  # a table cell, a `·`-separated fact: each is one message
            words = prose(part, data)
            if words:
                repeated |= (_runs(words, (min(RUN, len(words)),)) & said) - ours
        if repeated:
            found[line] = repeated
    return found


# JSON keys whose values are words the output translates (messages, statuses, actions), not data.
_WORDS_IN_JSON = frozenset({"message", "hint", "status", "status_after", "action", "intended_action", "severity",
                            "outcome", "note", "next"})


def data_strings(value: object, skip: frozenset[str] = _WORDS_IN_JSON) -> list[str]:
    """Every string in a JSON document (names, ids, values, paths), without the keys in `skip`."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool) or value is None:
        return [json.dumps(value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip for s in data_strings(v, skip)]
    if isinstance(value, list):
        return [s for v in value for s in data_strings(v, skip)]
    return []


def finding_texts(plan: dict[str, Any], prefix: str) -> list[str]:
    """The messages and hints of a plan's findings whose id starts with `prefix` (its JSON)."""
    checks = [*plan["checks"], *(c for e in plan["employers"] for c in e["checks"])]
    return [t for c in checks if c["id"].startswith(prefix) for t in (c["message"], c["hint"]) if t]


def english_left(dutch: str, english: str, data: Sequence[str]) -> dict[str, list[str]]:
    """english_runs, as `line: [the English words it repeats]` (for an assertion message)."""
    return {line: [" ".join(r) for r in sorted(runs)] for line, runs in english_runs(dutch, english, data).items()}
