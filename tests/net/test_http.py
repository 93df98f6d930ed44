"""Retry-After as servers send it (asrctl.net.http.parse_retry_after): seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from asrctl.net.http import is_loopback, parse_retry_after


@pytest.mark.parametrize(("value", "seconds"), [("0", 0.0), ("3", 3.0), (" 1.5 ", 1.5), ("-4", 0.0)])
def test_delta_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_an_http_date_in_the_future_is_the_time_until_then() -> None:
    when = datetime.now(UTC) + timedelta(seconds=120)
    waited = parse_retry_after(format_datetime(when, usegmt=True))
    assert waited is not None and 100 < waited <= 120


def test_an_http_date_in_the_past_or_without_a_zone_means_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00") == 0.0  # no zone: read as UTC


@pytest.mark.parametrize("value", [None, "", "soon", "Wed, 99 Foo 2015"])
def test_unreadable_is_none_not_an_error(value: str | None) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("localhost.example.com", False), ("10.0.0.1", False), ("", False), (None, False), ("api.nmbrs.nl", False),
])
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
