"""Per-run memoization with single flight: each key is computed once, concurrent askers wait for it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class SingleFlight:
    """Results *and* errors are remembered, so a failing call is not repeated within the run either.

    Only calls in flight hold a Future (threads wait on it); a finished key keeps just its outcome,
    so a run with tens of thousands of keys stays small. Callers that expect many failures should
    return them as values: a stored exception keeps its traceback's frames alive.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[Hashable, tuple[bool, Any]] = {}
        self._running: dict[Hashable, Future[Any]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            done = self._done.get(key)
            running = self._running.get(key) if done is None else None
            mine: Future[Any] | None = None
            if done is None and running is None:
                mine = self._running[key] = Future()
        if done is not None:
            ok, value = done
            if ok:
                return value  # type: ignore[no-any-return]
            raise value
        if running is not None:
            result: T = running.result()
            return result
        assert mine is not None
        try:
            value = compute()
        except BaseException as exc:  # remembered and re-raised to every asker
            self._finish(key, mine, False, exc)
            raise
        self._finish(key, mine, True, value)
        return value

    def _finish(self, key: Hashable, future: Future[Any], ok: bool, value: Any) -> None:
        with self._lock:
            self._done[key] = (ok, value)
            del self._running[key]
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
