"""The one rule for showing text asrctl did not write (a company name, a server's message, a file's value).

Such text reaches a terminal, a PR comment or a YAML comment. A control character there can clear
the screen (ESC), end a line and start a new YAML key (a line break in a comment), hide text
(bidi overrides, zero-width characters) or cut a C string (NUL). `printable` escapes every such
character as Python would write it (\\n, \\x1b, \\u200b), so what is shown is one line and
exactly what was there. Ordinary letters, accents and spaces (a no-break space included) stay.
"""

from __future__ import annotations

import unicodedata

# Cc control, Cf format (bidi, zero-width), Zl/Zp line and paragraph separators, Cs lone surrogates
# (a file name that was not UTF-8), Co private use, Cn unassigned.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


def escape_char(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (a file name, via surrogateescape): the byte
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_hidden(ch: str) -> bool:
    """A character that does not show as itself on a terminal or in a comment."""
    return unicodedata.category(ch) in _HIDDEN


def printable(text: str) -> str:
    """`text` on one line with every control, format and separator character escaped."""
    if text.isprintable():  # the common case: nothing to do (isprintable is stricter than _HIDDEN)
        return text
    return "".join(escape_char(ch) if is_hidden(ch) else ch for ch in text)


def char_name(ch: str) -> str:
    """'U+00A0 no-break space': how a message names a character a reader cannot tell by eye."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character').lower()}"


def looks_like_another(ch: str) -> bool:
    """A character that passes for a plainer one (a no-break or zero-width space, a Cyrillic 'а',
    a fullwidth 'Ａ', a curly quote): not ASCII, and invisible, a space, compatibility-mapped or not Latin."""
    if ch.isascii():
        return False
    category = unicodedata.category(ch)
    if category in _HIDDEN or category == "Zs" or unicodedata.normalize("NFKC", ch) != ch:
        return True
    return not unicodedata.name(ch, "").startswith("LATIN")
