"""A fake clock for retry and timeout tests: waiting takes no time, and every wait is recorded."""

from __future__ import annotations

import threading
from dataclasses import replace

from asrctl.net.retry import RetryPolicy


class FakeClock:
    """`sleep` advances `now` at once and records the wait; `monotonic` reads `now`. Thread-safe."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self.now += seconds

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def policy(self, base: RetryPolicy | None = None, **bounds: float) -> RetryPolicy:
        """`base` (or the default policy) with `bounds` changed, waiting on this clock."""
        return replace(base or RetryPolicy(), sleep=self.sleep, clock=self.monotonic, **bounds)  # type: ignore[arg-type]


def instant(policy: RetryPolicy) -> RetryPolicy:
    """`policy` on a clock of its own: its backoff waits take no time."""
    return FakeClock().policy(policy)
