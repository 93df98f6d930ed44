"""Fault injection and call counting for the reference registry, switchable per test.

Faults act like a gateway in front of the registry: they are decided before
authentication and are never remembered for idempotency. A reset can also
come *after* the registry carried out the request (`reset_next(after=True)`):
the write is committed but its answer is lost, which is what a client's
retry with the same Idempotency-Key must survive.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal

FAULT_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Fault:
    kind: Literal["status", "reset"]
    status: int = 0
    retry_after: int | None = None
    after: bool = False  # reset only: after the request was carried out
    html: bool = False  # status only: an HTML page, as a proxy or load balancer sends, not problem+json


@dataclass
class _Rule:
    remaining: int
    fault: Fault
    method: str | None
    path: str | None


class FaultInjector:
    """Thread-safe fault plan. `path` is a contract path template, e.g. "/registrations/{payroll_tax_number}"."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._latency = 0.0
        self.injected = 0  # faults handed out so far

    def set_latency(self, seconds: float) -> None:
        """Delay every request by `seconds` (0 = none)."""
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        self._latency = float(seconds)

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        retry_after: int | None = None,
        method: str | None = None,
        path: str | None = None,
        html: bool = False,
    ) -> None:
        """Answer the next `count` matching requests with `status` (429 defaults to Retry-After: 1).

        `html=True` answers with a gateway's HTML page instead of a problem document.
        """
        if status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add(count, Fault("status", status, retry_after, html=html), method, path)

    def reset_next(
        self, count: int = 1, *, method: str | None = None, path: str | None = None, after: bool = False
    ) -> None:
        """Reset the connection (TCP RST) of the next `count` matching requests, before or after handling."""
        self._add(count, Fault("reset", after=after), method, path)

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(rule.remaining for rule in self._rules)

    def take(self, method: str, path_template: str) -> Fault | None:
        """The fault for this request, if any (rules are used in the order they were added)."""
        with self._lock:
            for rule in self._rules:
                if (
                    rule.remaining > 0
                    and rule.method in (None, method)
                    and rule.path in (None, path_template)
                ):
                    rule.remaining -= 1
                    self.injected += 1
                    self._rules = [r for r in self._rules if r.remaining > 0]
                    return rule.fault
        return None

    def delay(self) -> None:
        if self._latency:
            time.sleep(self._latency)

    def _add(self, count: int, fault: Fault, method: str | None, path: str | None) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._rules.append(_Rule(count, fault, method.upper() if method else None, path))


class CallCounter:
    """Requests received, per (method, path template); "other" for paths outside the contract."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, method: str, path_template: str) -> None:
        with self._lock:
            self._counts[(method, path_template)] += 1

    def get(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            return sum(n for (m, p), n in self._counts.items() if method in (None, m) and path in (None, p))

    @property
    def total(self) -> int:
        return self.get()
