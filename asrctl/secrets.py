"""Secrets: resolve {env}/{file} references, fingerprint tokens, redact them everywhere.

One fingerprint function and one redaction filter for the whole program: every
resolved secret registers itself, and every log record, error message, crash
report and rendered output can be scrubbed through `redact`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SecretError

if TYPE_CHECKING:
    from .model import EnvSecretRef, FileSecretRef

REDACTED = "***"

_known: set[str] = set()
_lock = threading.Lock()


def fingerprint(token: str) -> str:
    """The registry's token fingerprint: "sha256:" + first 16 hex of SHA-256 over UTF-8."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class Secret:
    """A resolved secret. Its repr/str never show the value; `reveal()` does."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "secret") -> None:
        self._value = value
        self.source = source  # e.g. "env NMBRS_TOKEN_KANTOOR": safe to print
        register(value)

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


def register(value: str) -> None:
    """Remember a secret value so `redact` removes it from any text."""
    # Very short values would redact ordinary words; tokens are long.
    if value and len(value) >= 6:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Replace every known secret in text by ***."""
    if not _known or not text:
        return text
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def resolve(ref: EnvSecretRef | FileSecretRef, *, base_dir: Path, what: str) -> Secret:
    """Resolve a {env: NAME} or {file: PATH} reference; `what` names it in messages."""
    env = getattr(ref, "env", None)
    if env is not None:
        value = os.environ.get(env)
        if value is None or not value.strip():
            raise SecretError(
                f"{what}: environment variable {env} is not set",
                hint=f"export {env}=<token> before running asrctl (in CI: a masked secret)",
            )
        return Secret(value.strip(), f"env {env}")
    path = Path(os.path.expanduser(ref.file))  # type: ignore[union-attr]
    if not path.is_absolute():
        path = base_dir / path
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(
            f"{what}: cannot read token file {path}: {exc.strerror or exc.__class__.__name__}",
            hint="check the path in asrctl.yaml and the file's permissions",
        ) from None
    if not value:
        raise SecretError(f"{what}: token file {path} is empty", hint="put the API token in that file")
    return Secret(value, f"file {path}")


class RedactingFilter(logging.Filter):
    """Scrubs known secrets from every log record (message and args) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not crash logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(handler: logging.Handler) -> None:
    handler.addFilter(RedactingFilter())
