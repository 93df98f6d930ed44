"""One call budget per run: at most N calls start in any one-second window, across threads and APIs.

Nmbrs documents about 150 calls a second as fair use for *everyone* on an environment and slows
callers beyond it; asrctl keeps to `nmbrs.max_calls_per_second` (default 50). The SOAP transport
and the REST client take a permit from the same `CallBudget` before every request, retries
included, so parallelism only fills the budget and never exceeds it.

A sliding window rather than a refilling bucket: a bucket allows its burst on top of the rate,
a window never lets more than N starts into any second. The window is a little longer than a
second (`MARGIN`) so network jitter between our start and the server's arrival cannot push
N + 1 arrivals into one of Nmbrs's seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MARGIN = 0.1  # seconds added to the one-second window (jitter between our start and its arrival)


class CallBudget:
    """At most `floor(per_second)` permits in any window of 1 s + MARGIN. Thread-safe."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second < 1:
            raise ValueError("a call budget is at least one call a second")
        self.limit = math.floor(per_second)
        self.window = 1.0 + MARGIN
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds callers spent waiting for a permit (for benchmarks)

    def acquire(self) -> None:
        """Block until a call may start, then count it as started."""
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.limit:
                    self._starts.append(now)
                    return
                wait = self.window - (now - self._starts[0])
                self.waited += wait
            self._sleep(max(wait, 0.001))


def unlimited() -> CallBudget:
    """A budget nobody reaches: for callers (tests of other things) that need no limit."""
    return CallBudget(1_000_000)
