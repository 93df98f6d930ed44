"""The one network edge: no redirects, a total deadline per exchange, a cap on the answer's size."""

from __future__ import annotations

import time

import pytest

from asrctl.errors import ServiceError
from asrctl.net.session import (
    AnswerTooLarge,
    DeadlineExceeded,
    Limits,
    RedirectRefused,
    exchange,
    new_session,
)

from fakes.hostile import Hostile, always, answer, bytewise, endless

LIMITS = Limits(deadline=1.0, max_bytes=1024 * 1024)


def test_a_redirect_is_refused_and_nothing_reaches_the_other_host() -> None:
    with Hostile(always(answer(200, "secret answer")), host="127.0.0.2") as other:
        for status in (301, 302, 303, 307, 308):
            target = answer(status, "", headers={"Location": f"{other.url}/stolen"})
            with (Hostile(always(target)) as peer, new_session(trust_env=False) as session,
                  pytest.raises(RedirectRefused) as refused):
                exchange(session, "POST", peer.url + "/soap", limits=LIMITS, data=b"<token/>",
                         headers={"Authorization": "Bearer x"})
            assert isinstance(refused.value, ServiceError)
            assert refused.value.status == status
            assert f"answered {status}" in str(refused.value) and "redirect" in str(refused.value)
            assert "127.0.0.2" in str(refused.value)  # which host it wanted the request to go to
    assert other.seen == []


def test_an_answer_trickled_one_byte_at_a_time_ends_at_the_deadline() -> None:
    # Every byte comes well within any per-read timeout; only a total deadline stops it.
    body = answer(200, "x" * 200)
    head = body.index(b"\r\n\r\n") + 4
    # headers trickled; then headers at once and the body trickled
    for respond in (bytewise(body), lambda seen: [body[:head], *(body[i:i + 1] for i in range(head, len(body)))]):
        with Hostile(respond, trickle=0.05) as peer, new_session(trust_env=False) as session:
            started = time.monotonic()
            with pytest.raises(DeadlineExceeded) as late:
                exchange(session, "GET", peer.url, limits=Limits(deadline=0.5, max_bytes=1 << 20))
            elapsed = time.monotonic() - started
        assert 0.4 <= elapsed < 1.5, elapsed
        assert "0.5 s" in str(late.value)


def test_a_peer_that_never_answers_ends_at_the_deadline() -> None:
    with Hostile(always(answer(200, "late")), trickle=30) as peer, new_session(trust_env=False) as session:
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):
            exchange(session, "GET", peer.url, limits=Limits(deadline=0.5, max_bytes=1 << 20))
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_an_answer_over_the_cap_is_refused_without_reading_it_all(declared: bool) -> None:
    head = answer(200, b"", headers={"Content-Length": str(150 * 1024 * 1024)} if declared else {}, length=False)
    with Hostile(endless(head)) as peer, new_session(trust_env=False) as session:
        started = time.monotonic()
        with pytest.raises(AnswerTooLarge) as large:
            exchange(session, "GET", peer.url, limits=Limits(deadline=10, max_bytes=256 * 1024))
        assert time.monotonic() - started < 5
    assert "256 KiB" in str(large.value)


def test_an_ordinary_answer_passes_with_its_body_read() -> None:
    with Hostile(always(answer(200, "hello", content_type="text/plain"))) as peer, \
            new_session(trust_env=False) as session:
        response = exchange(session, "GET", peer.url + "/x", limits=LIMITS)
    assert response.status_code == 200 and response.content == b"hello" and response.text == "hello"
    assert peer.seen[0].path == "/x" and peer.seen[0].headers["user-agent"].startswith("asrctl/")
