"""Asserting that output is Dutch: every message line is a Dutch catalogue entry, and no English remains."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

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
