"""A hostile or broken Nmbrs REST peer: a redirect, a trickled answer, an answer without end.

The real REST and identity clients against the REST simulator's hostile faults over loopback: each is
an error naming the call, in bounded time and size, and no token, key or client secret goes to the
host a redirect points at (a second simulator on 127.0.0.2 that must see no request).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import yaml

from asrctl.net.budget import unlimited
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import NmbrsRequestError, NmbrsUnavailable
from asrctl.nmbrs.rest.client import MAX_ANSWER, RestClient
from asrctl.nmbrs.rest.oauth import MAX_TOKEN_ANSWER, IdentityClient, RestApp
from asrctl.nmbrs.rest.tokens import FixedToken
from asrctl.nmbrs.rest.users import USER_INFO
from asrctl.sandbox.rest_sim import RestSimulator
from asrctl.sandbox.world import World
from asrctl.secrets import Secret

from support.repo import WORLD
from support.rest import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY, app

USER = "api@testkantoor.nl"
TIMEOUT = 0.5  # the total deadline of one exchange
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, max_total=2.0)


@pytest.fixture
def world() -> World:
    return World.model_validate(yaml.safe_load(WORLD))


@pytest.fixture
def other(world: World) -> Iterator[RestSimulator]:
    """Where the redirect points: another host, which must never hear from the client."""
    with RestSimulator(world, apps=[app("http://127.0.0.1:1/cb")], host="127.0.0.2") as simulator:
        yield simulator


@pytest.fixture
def sim(world: World, other: RestSimulator) -> Iterator[RestSimulator]:
    with RestSimulator(world, apps=[app("http://127.0.0.1:1/cb")]) as simulator:
        simulator.redirect_to = other.url
        simulator.trickle_seconds = 0.05
        yield simulator


def rest_app(sim: RestSimulator) -> RestApp:
    return RestApp(sim.url, sim.url, CLIENT_ID, Secret(CLIENT_SECRET, "test"), Secret(SUBSCRIPTION_KEY, "test"),
                   "http://127.0.0.1:1/cb")


def user_info(sim: RestSimulator) -> None:
    """GET /api/user/info with a fresh access token, through the REST client."""
    access = sim.issue_grant(USER, CLIENT_ID, ["user.info.read"])["access_token"]
    client = RestClient(rest_app(sim), budget=unlimited(), timeout=TIMEOUT, retry=FAST)
    try:
        client.get(FixedToken("kantoor", Secret(access, "test")), USER_INFO, "/api/user/info")
    finally:
        client.close()


def refresh(sim: RestSimulator) -> None:
    """POST /connect/token (refresh_token), through the identity client."""
    refresh_token = sim.issue_grant(USER, CLIENT_ID, ["offline_access", "user.info.read"])["refresh_token"]
    identity = IdentityClient(rest_app(sim), budget=unlimited(), timeout=TIMEOUT, retry=FAST)
    try:
        identity.refresh(Secret(refresh_token, "test"), account="kantoor")
    finally:
        identity.close()


CALLS = {"api": (USER_INFO, user_info), "identity": ("token", refresh)}


@pytest.mark.parametrize("which", sorted(CALLS))
def test_a_redirect_is_refused_and_nothing_goes_to_the_other_host(
    sim: RestSimulator, other: RestSimulator, which: str
) -> None:
    operation, call = CALLS[which]
    sim.inject(operation, "redirect")
    with pytest.raises(NmbrsRequestError) as refused:
        call(sim)
    assert other.calls.total == 0  # neither the Bearer token, the subscription key nor the Basic header
    assert sim.calls.count(operation) == 1  # a redirect is not retried
    assert "redirect" in str(refused.value) and "follow" in str(refused.value)


@pytest.mark.parametrize("which", sorted(CALLS))
def test_a_trickled_answer_ends_at_the_deadline_of_each_attempt(sim: RestSimulator, which: str) -> None:
    # 230 bytes at 20 a second take 11 s; the per-read timeout alone would never trip.
    operation, call = CALLS[which]
    sim.inject(operation, "trickle", times=FAST.max_attempts)
    started = time.monotonic()
    with pytest.raises(NmbrsUnavailable) as late:
        call(sim)
    elapsed = time.monotonic() - started
    assert elapsed < FAST.max_attempts * TIMEOUT + 2, elapsed
    assert sim.calls.count(operation) == FAST.max_attempts  # each attempt cut at the deadline, then retried
    assert "no answer within the timeout" in str(late.value)


@pytest.mark.parametrize(("which", "cap"), [("api", f"over {MAX_ANSWER // (1024 * 1024)} MiB"),
                                            ("identity", f"over {MAX_TOKEN_ANSWER // 1024} KiB")])
def test_an_answer_without_end_is_cut_at_the_cap(sim: RestSimulator, which: str, cap: str) -> None:
    operation, call = CALLS[which]
    sim.inject(operation, "huge")
    started = time.monotonic()
    with pytest.raises(NmbrsUnavailable) as large:
        call(sim)
    assert time.monotonic() - started < 10
    assert sim.calls.count(operation) == 1  # not retried: the next answer would be as large
    assert cap in str(large.value)
