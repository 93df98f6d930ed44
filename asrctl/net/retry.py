"""The one retry policy: exponential backoff with full jitter, bounded in tries and time.

Both the Nmbrs client and the registry client call `retry_call`; what counts as
transient is theirs to say (`classify`), how long to wait is decided here.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["RetryPolicy", "Retryable", "retry_call"]

T = TypeVar("T")
log = logging.getLogger("asrctl.net.retry")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.2       # seconds; doubled per attempt
    max_delay: float = 8.0        # cap of one wait
    max_total: float = 60.0       # cap of all waiting for one call
    max_retry_after: float = 30.0  # never sleep longer than this for a Retry-After
    # How to wait and how to tell time: the real ones in use; tests pass a fake clock so no test
    # waits for a backoff and every bound is checked exactly.
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)  # "equal jitter": never zero, never synchronised


class Retryable(Exception):
    """Raised by `classify` wrappers: the wrapped error is transient; wait `retry_after` if given."""

    def __init__(self, error: BaseException, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def retry_call(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    what: str,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Call fn; when it raises Retryable, wait and try again within the policy's bounds.

    The last transient error is re-raised (unwrapped) when tries or time run out. `sleep`
    overrides the policy's own.
    """
    wait_for = sleep or policy.sleep
    started = policy.clock()
    attempt = 1
    while True:
        try:
            return fn()
        except Retryable as transient:
            wait = policy.delay(attempt, transient.retry_after)
            elapsed = policy.clock() - started
            if attempt >= policy.max_attempts or elapsed + wait > policy.max_total:
                raise transient.error from None
            log.debug("%s: transient failure (%s), retry %d in %.2fs", what, transient, attempt, wait)
            wait_for(wait)
            attempt += 1
