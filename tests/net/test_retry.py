"""The one retry policy (asrctl.net.retry), on a fake clock: what it waits, and when it gives up."""

from __future__ import annotations

import pytest

from asrctl.net.retry import Retryable, RetryPolicy, retry_call

from support.clock import FakeClock


class Flaky:
    """Fails `failures` times with a transient error (optionally with a Retry-After), then answers."""

    def __init__(self, failures: int, retry_after: float | None = None) -> None:
        self.failures, self.retry_after, self.calls = failures, retry_after, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise Retryable(ConnectionError(f"reset {self.calls}"), self.retry_after)
        return "answer"


def test_a_transient_failure_is_retried_with_growing_jittered_waits() -> None:
    clock = FakeClock()
    policy = clock.policy(max_attempts=5, base_delay=0.2, max_delay=8.0)
    flaky = Flaky(3)
    assert retry_call(flaky, policy, what="test") == "answer"
    assert flaky.calls == 4
    assert len(clock.waits) == 3
    for attempt, wait in enumerate(clock.waits, 1):
        ceiling = 0.2 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling  # never zero, never more than the doubling allows


def test_one_wait_is_capped_by_max_delay() -> None:
    clock = FakeClock()
    retry_call(Flaky(6), clock.policy(max_attempts=10, base_delay=1.0, max_delay=2.0, max_total=100.0), what="t")
    assert max(clock.waits) <= 2.0 and clock.waits[-1] >= 1.0


def test_the_last_error_is_raised_unwrapped_when_the_tries_run_out() -> None:
    clock = FakeClock()
    flaky = Flaky(100)
    with pytest.raises(ConnectionError, match="reset 3") as raised:
        retry_call(flaky, clock.policy(max_attempts=3), what="test")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert flaky.calls == 3 and len(clock.waits) == 2


def test_no_wait_is_begun_that_would_pass_max_total() -> None:
    clock = FakeClock()
    flaky = Flaky(100, retry_after=4.0)
    with pytest.raises(ConnectionError):
        retry_call(flaky, clock.policy(max_attempts=100, max_total=10.0, max_retry_after=30.0), what="test")
    assert clock.waits == [4.0, 4.0] and clock.now == 8.0  # a third wait would end at 12 s


def test_retry_after_is_honoured_and_capped() -> None:
    clock = FakeClock()
    retry_call(Flaky(1, retry_after=3600.0), clock.policy(max_retry_after=30.0, max_total=60.0), what="t")
    assert clock.waits == [30.0]
    clock = FakeClock()
    retry_call(Flaky(1, retry_after=-5.0), clock.policy(), what="t")
    assert clock.waits == [0.0]  # a negative Retry-After is "now", not a reason to fail


def test_a_non_transient_error_is_not_retried() -> None:
    clock = FakeClock()

    def broken() -> str:
        raise ValueError("not transient")

    with pytest.raises(ValueError):
        retry_call(broken, clock.policy(), what="test")
    assert clock.waits == []


def test_the_default_policy_waits_on_the_real_clock() -> None:
    import time

    policy = RetryPolicy()
    assert policy.sleep is time.sleep and policy.clock is time.monotonic
    assert policy == RetryPolicy()  # the clock is not part of what a policy is
