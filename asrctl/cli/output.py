"""A thread-safe progress line on a terminal (stderr)."""

from __future__ import annotations

import sys
import threading

import click


class Progress:
    """`label: done/total` on stderr, only on a terminal and only for long runs."""

    def __init__(self, label: str, total: int, *, minimum: int = 21) -> None:
        self.label = label
        self.enabled = total >= minimum and sys.stderr.isatty()
        self._lock = threading.Lock()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            percent = done * 100 // max(total, 1)
            if percent == self._last and done != total:
                return
            self._last = percent
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            click.echo(f"\r{self.label} [{bar}] {done}/{total}", err=True, nl=done >= total)

    def close(self) -> None:
        if self.enabled and self._last not in (-1, 100):
            click.echo("", err=True)
