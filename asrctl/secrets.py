"""Secrets: resolve {env}/{file} references, fingerprint tokens, redact them everywhere.

One fingerprint function and one redaction filter for the whole program: every
resolved secret registers itself, and every log record, error message, crash
report and rendered output can be scrubbed through `redact`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import os
import re
import stat
import threading
import traceback
import unicodedata
import urllib.parse
from pathlib import Path
from typing import Protocol

from asrctl.errors import SecretError
from asrctl.i18n import _

__all__ = [
    "MAX_TOKEN_FILE_BYTES",
    "REDACTED",
    "EnvRef",
    "FileRef",
    "RedactingFilter",
    "Secret",
    "clip",
    "fingerprint",
    "install_log_redaction",
    "redact",
    "register",
    "resolve",
]

REDACTED = "***"
MAX_TOKEN_FILE_BYTES = 64 * 1024  # a token is tens of bytes (a JWT a few KiB); more is the wrong file

_known: set[str] = set()
_lock = threading.Lock()


def fingerprint(token: str) -> str:
    """The registry's token fingerprint: "sha256:" + first 16 hex of SHA-256 over UTF-8."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class Secret:
    """A resolved secret. Its repr/str never show the value; `reveal()` does."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "secret") -> None:
        register(value)  # first: even a refused value is redacted wherever it may turn up
        _refuse_malformed(value, source)
        self._value = value
        self.source = source  # e.g. "env NMBRS_TOKEN_KANTOOR": safe to print

    def reveal(self) -> str:
        return self._value

    @property
    def fingerprint(self) -> str:
        return fingerprint(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.source}, {self.fingerprint})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _refuse_malformed(value: str, where: str) -> None:
    # A second line or a control character would break (and be echoed by) an HTTP header.
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise SecretError(
            _("{where}: the token contains a space, line break or control character", where=where),
            hint=_("A token is one line without spaces: copy exactly the token, nothing around it."),
        )


def _encoded_forms(value: str) -> set[str]:
    """What a value looks like inside repr(), JSON, XML, URLs, base64 and hex (a hostile peer may echo any)."""
    raw = value.encode("utf-8")
    quoted = urllib.parse.quote(value, safe="")
    forms = {
        value,
        repr(value)[1:-1],
        repr(raw)[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        json.dumps(value)[1:-1].replace("/", "\\/"),           # JSON writers that escape the slash
        json.dumps(value, ensure_ascii=False)[1:-1].replace("/", "\\/"),
        html.escape(value),
        html.escape(value, quote=False),  # XML text, as lxml writes it
        quoted,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quoted),  # %2f: lower-case escapes are as valid
        urllib.parse.quote(value),         # a path keeps its slashes
        urllib.parse.quote_plus(value),
        raw.hex(),
        raw.hex().upper(),
    }
    # base64 of the value at each of the three alignments it can have inside a longer blob (as in
    # "Basic " + b64("user:token")): only the characters that depend on the value's bytes alone.
    for shift in range(3):
        bits = 8 * (shift + len(raw))
        start, end = -(-8 * shift // 6), bits // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(b"\0" * shift + raw).decode("ascii")[start:end])
    return forms


def register(value: str) -> None:
    """Remember a secret value so `redact` removes it from any text."""
    # Very short values would redact ordinary words; tokens are long.
    if value and len(value) >= 6:
        forms = _encoded_forms(value)
        with _lock:
            _known.update(form for form in forms if len(form) >= 6)


def redact(text: str) -> str:
    """Replace every known secret in text by ***."""
    if not _known or not text:
        return text
    with _lock:  # a snapshot: another thread may register a secret meanwhile
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def clip(text: str, limit: int) -> str:
    """Redacted, then cut to `limit` characters: a cut never leaves part of a secret to show."""
    return redact(text)[:limit]


def _refuse_non_ascii(value: str, where: str) -> None:
    # A token is ASCII; a pasted en-dash or no-break space would crash the HTTP header it goes in.
    for position, ch in enumerate(value, 1):
        if not ch.isascii():
            name = unicodedata.name(ch, "an unnamed character")
            code = f"U+{ord(ch):04X}"
            raise SecretError(
                _("{where}: character {position} of the token is {code} {name}, which no token contains",
                  where=where, position=position, code=code, name=name),
                hint=_("Tokens are plain ASCII: copy the token again from its source (a word processor or chat may "
                       "have turned a '-' into a dash)."),
            )


class EnvRef(Protocol):
    """What resolve needs of a {env: NAME} reference (declare.model.EnvSecretRef is one)."""

    @property
    def env(self) -> str: ...


class FileRef(Protocol):
    """What resolve needs of a {file: PATH} reference (declare.model.FileSecretRef is one)."""

    @property
    def file(self) -> str: ...


def resolve(ref: EnvRef | FileRef, *, base_dir: Path, what: str, where: str | None = None) -> Secret:
    """Resolve a {env: NAME} or {file: PATH} reference; `what` names it, `where` locates it ("asrctl.yaml:11:10")."""
    what = f"{where}: {what}" if where else what
    env = getattr(ref, "env", None)
    if env is not None:
        value = os.environ.get(env)
        if value is None or not value.strip():
            raise SecretError(
                _("{what}: environment variable {env} is not set", what=what, env=env),
                hint=_("Export {env}=<token> before running asrctl (in CI: a masked secret).", env=env),
            )
        value = value.strip()
        register(value)
        source = _("{what} (environment variable {env})", what=what, env=env)
        _refuse_malformed(value, source)
        _refuse_non_ascii(value, source)
        return Secret(value, f"env {env}")
    path = Path(os.path.expanduser(ref.file))  # type: ignore[union-attr]
    if not path.is_absolute():
        path = base_dir / path
    data = _read_token_file(path, what)
    if len(data) > MAX_TOKEN_FILE_BYTES:
        raise SecretError(_("{what}: token file {path} is over {size} KiB: not a token", what=what, path=path,
                            size=MAX_TOKEN_FILE_BYTES // 1024),
                          hint=_("The file must hold only the API token."))
    try:
        value = data.decode("utf-8").removeprefix("\ufeff").strip()
    except UnicodeDecodeError:
        raise SecretError(_("{what}: token file {path} is not UTF-8 text", what=what, path=path),
                          hint=_("The file must hold only the API token, as plain text.")) from None
    if not value:
        raise SecretError(_("{what}: token file {path} is empty", what=what, path=path),
                          hint=_("Put the API token in that file."))
    register(value)
    source = _("{what} (token file {path})", what=what, path=path)
    _refuse_malformed(value, source)
    _refuse_non_ascii(value, source)
    return Secret(value, f"file {path}")


_READ_HINT = _("Check the path in asrctl.yaml and the file's permissions.")


def _read_token_file(path: Path, what: str) -> bytes:
    """At most MAX_TOKEN_FILE_BYTES + 1 bytes of a regular file; a FIFO, device or directory is refused unread."""
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then says what it is.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SecretError(
            _("{what}: cannot read token file {path}: {reason}", what=what, path=path,
              reason=exc.strerror or exc.__class__.__name__),
            hint=_READ_HINT,
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (_("a directory") if stat.S_ISDIR(mode) else _("a FIFO (named pipe)") if stat.S_ISFIFO(mode)
                else _("a device") if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else _("a socket") if stat.S_ISSOCK(mode) else _("something else"))
        raise SecretError(_("{what}: token file {path} is {kind}, not a regular file", what=what, path=path, kind=kind),
                          hint=_("The token reference {{file: ...}} must name a plain file holding only the API "
                                 "token."))
    with os.fdopen(fd, "rb") as handle:
        try:
            return handle.read(MAX_TOKEN_FILE_BYTES + 1)  # bounded: a log file must not fill memory
        except OSError as exc:
            raise SecretError(_("{what}: cannot read token file {path}: {reason}", what=what, path=path,
                                reason=exc.strerror or exc.__class__.__name__), hint=_READ_HINT) from None


class RedactingFilter(logging.Filter):
    """Scrubs known secrets from every log record (message and args) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  # a broken format string must not crash logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatted here, redacted, and kept: the handler's formatter then uses this text.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(handler: logging.Handler) -> None:
    handler.addFilter(RedactingFilter())
