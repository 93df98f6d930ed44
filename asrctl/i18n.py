"""The one home of asrctl's languages: Dutch and English messages through a gettext catalogue.

Design: messages are *deferred*. `_("company {name} not found", name=x)` returns a `Message`:
a `str` whose value is the English text (so code, sorting, hashing, logs and JSON see stable
English), which also remembers its msgid and parameters. The render layer (text, markdown,
GitHub annotations, prompts, the CLI error line) calls `localize()` once, at output time, in
the language chosen at CLI start (`set_language`). So the JSON outputs (`plan --format json`,
`validate --format json`, plan files) always carry English messages next to their stable
ids, whatever the language; a plan file written under `nl` reads the same under `en`.

Parameters that are themselves Messages are localized too (a hint built from parts). A plain
`str` reaching `localize()` (a message that lost its Message on the way, e.g. read back from a
plan file) is matched against the English catalogue entries, and the Dutch text is filled with
what it captured; a text that matches nothing is shown as it is.

The catalogue: `asrctl/locale/asrctl.pot` is extracted from the code (`make catalogue`, i.e.
`pybabel extract -F babel.cfg`), `asrctl/locale/nl/LC_MESSAGES/asrctl.po` holds the Dutch
(committed), and the `.mo` gettext loads is compiled from it at build time (setup.py's
build_py; `make install` for the editable checkout) — never committed. English is the msgid.

Which language: `--lang nl|en`, else ASRCTL_LANG, else `language:` in asrctl.yaml, else the
locale (LC_ALL, LC_MESSAGES, LANG starting with `nl`), else English.

Write messages with `{name}` placeholders and keyword parameters (never f-strings inside `_()`:
extraction needs the literal), literal braces doubled (`{{env: NAME}}`), and plurals with
`N_(singular, plural, n, ...)`.
"""

from __future__ import annotations

import gettext
import os
import re
import string
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self, overload

DOMAIN = "asrctl"
Language = Literal["en", "nl"]
LANGUAGES: tuple[Language, ...] = ("en", "nl")
LOCALE_DIR = Path(__file__).parent / "locale"
ENV_VAR = "ASRCTL_LANG"

_active: Language = "en"
_FORMATTER = string.Formatter()


class Message(str):
    """English text that knows its msgid and parameters; translated by `localize()` at render time."""

    msgid: str
    plural: str | None
    n: int | None
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None, *, plural: str | None = None,
                n: int | None = None) -> Self:
        values = dict(params or {})
        source = msgid if plural is None or n == 1 else plural
        self = super().__new__(cls, _fill(source, values, None))
        self.msgid, self.plural, self.n, self.params = msgid, plural, n, values
        return self

    # A Message is immutable: copies (dataclasses.asdict, deepcopy) may share it; pickle rebuilds it.
    def __copy__(self) -> Message:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Message:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.params, self.plural, self.n))


def _rebuild(msgid: str, params: dict[str, Any], plural: str | None, n: int | None) -> Message:
    return Message(msgid, params, plural=plural, n=n)


def _(msgid: str, /, **params: Any) -> Message:
    """A message: `msgid` is the English text with `{name}` placeholders filled from `params`."""
    return Message(msgid, params)


def N_(singular: str, plural: str, n: int, /, **params: Any) -> Message:
    """A message with a plural form chosen by `n` (also available to the text as `{n}`)."""
    return Message(singular, {"n": n, **params}, plural=plural, n=n)


def join(parts: Sequence[str], sep: str = ", ") -> Message:
    """Parts joined by `sep`, each part (a Message) translated at render time."""
    params = {f"p{i}": part for i, part in enumerate(parts)}
    return Message(sep.replace("{", "{{").replace("}", "}}").join(f"{{p{i}}}" for i in range(len(parts))), params)


def _fill(text: str, params: Mapping[str, Any], lang: Language | None, *, captured: bool = False) -> str:
    """`text` with its placeholders filled; under `lang`, parameters that are messages are translated
    (Message parameters; with `captured`, every text a pattern captured from an English message)."""
    shown = {
        k: (localize(v, lang) if lang is not None and (captured or isinstance(v, Message)) and isinstance(v, str)
            else v)
        for k, v in params.items()
    }
    try:
        return text.format_map(shown)
    except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: keep the English
        return text if lang is None else _fill(text, params, None)


# --- choosing the language -----------------------------------------------------------------

def parse_language(value: str | None) -> Language | None:
    """`nl`, `nl_NL.UTF-8`, `Dutch` → nl; `en…` → en; anything else → None (not a choice)."""
    word = (value or "").strip().lower()
    if word.startswith(("nl", "dutch", "nederlands")):
        return "nl"
    if word.startswith(("en", "english")) or word in ("c", "posix"):
        return "en"
    return None


_CONFIG_LANGUAGE = re.compile(rb"^language:[ \t]*[\"']?([A-Za-z_]+)", re.MULTILINE)


def config_language(config_path: Path) -> Language | None:
    """`language:` of asrctl.yaml, read without parsing YAML (the CLI chooses before any command runs)."""
    try:
        with open(config_path, "rb") as handle:
            head = handle.read(1024 * 1024)
    except OSError:
        return None
    found = _CONFIG_LANGUAGE.search(head)
    return parse_language(found.group(1).decode("ascii")) if found else None


def choose_language(option: str | None, config_path: Path | None,
                    environ: Mapping[str, str] | None = None) -> Language:
    """--lang, else ASRCTL_LANG, else asrctl.yaml's `language:`, else the locale, else English."""
    env = os.environ if environ is None else environ
    for candidate in (option, env.get(ENV_VAR)):
        lang = parse_language(candidate)
        if lang is not None:
            return lang
    if config_path is not None:
        lang = config_language(config_path)
        if lang is not None:
            return lang
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):  # the first one set decides, as for gettext itself
            return parse_language(env[name]) or "en"
    return "en"


def set_language(lang: Language) -> None:
    global _active
    _active = lang


def language() -> Language:
    return _active


# --- translating ---------------------------------------------------------------------------

@cache
def translations(lang: Language) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (English: the msgids themselves)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


@overload
def localize(text: str, lang: Language | None = None) -> str: ...
@overload
def localize(text: None, lang: Language | None = None) -> None: ...
def localize(text: str | None, lang: Language | None = None) -> str | None:
    """`text` in the active language (or `lang`); English text outside the catalogue is kept as is."""
    if text is None:
        return None
    lang = lang or _active
    if lang == "en":
        return str(text)
    if isinstance(text, Message):
        t = translations(lang)
        if text.plural is not None:
            source = t.ngettext(text.msgid, text.plural, text.n if text.n is not None else 1)
        else:
            source = t.gettext(text.msgid)
        return _fill(source, text.params, lang)
    return _match(str(text), lang)


@cache
def _patterns(lang: Language) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(regex of an English msgid with its placeholders as groups, msgid), most literal text first."""
    out: list[tuple[int, re.Pattern[str], str]] = []
    catalog: dict[Any, str] = getattr(translations(lang), "_catalog", {})
    for key in catalog:
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or (isinstance(key, tuple) and key[1] != 0):
            continue
        parts = list(_FORMATTER.parse(msgid))
        literal = "".join(p[0] for p in parts)
        if not any(p[1] is not None for p in parts) or len(literal) < 8:
            continue  # no placeholder (found by the exact look-up), or too little fixed text ("{a}: {b}")
        regex, seen = "", set()
        for text, field, _spec, _conv in parts:
            regex += re.escape(text)
            if field is None:
                continue
            name = field if field.isidentifier() and field not in seen else None
            if name:
                seen.add(name)
                regex += f"(?P<{name}>.+?)"
            else:
                regex += ".+?"
        out.append((len(literal), re.compile(regex + r"\Z", re.DOTALL), msgid))
    out.sort(key=lambda item: -item[0])
    return tuple((pattern, msgid) for _n, pattern, msgid in out)


def _match(text: str, lang: Language) -> str:
    t = translations(lang)
    exact = t.gettext(text)
    if exact != text or not text:
        return exact
    for pattern, msgid in _patterns(lang):
        found = pattern.match(text)
        if found:
            return _fill(t.gettext(msgid), found.groupdict(), lang, captured=True)
    return text
