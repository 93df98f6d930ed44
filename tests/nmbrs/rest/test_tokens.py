"""Refresh tokens are single use: saved before use, one refresh at a time across processes, invalid_grant
says to log in again. Against the REST simulator's identity endpoints over loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from asrctl.net.budget import unlimited
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import NmbrsUnavailable
from asrctl.nmbrs.rest.grant import Consenter, GrantError, GrantStore, new_grant
from asrctl.nmbrs.rest.oauth import ConsentGone, IdentityClient, RestApp, TokenAnswer
from asrctl.nmbrs.rest.tokens import AccessTokens
from asrctl.sandbox.rest_sim import RestSimulator
from asrctl.sandbox.world import World
from asrctl.secrets import Secret

from support.repo import WORLD
from support.rest import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY, app, free_port

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, max_total=2.0)
USER = "api@testkantoor.nl"
SCOPES = ("offline_access", "user.info.read", "company.info.read")


@pytest.fixture
def sim() -> Iterator[RestSimulator]:
    world = World.model_validate(yaml.safe_load(WORLD))
    with RestSimulator(world, apps=[app(f"http://127.0.0.1:{free_port()}/cb")]) as simulator:
        yield simulator


def identity(sim: RestSimulator) -> IdentityClient:
    rest = RestApp(sim.url, sim.url, CLIENT_ID, Secret(CLIENT_SECRET, "test"), Secret(SUBSCRIPTION_KEY, "test"),
                   "http://127.0.0.1:1/cb")
    return IdentityClient(rest, budget=unlimited(), retry=FAST)


def stored(sim: RestSimulator, path: Path, *, expired: bool = True) -> GrantStore:
    answer = TokenAnswer.model_validate(sim.issue_grant(USER, CLIENT_ID, SCOPES))
    grant = new_grant("kantoor", CLIENT_ID, sim.url, answer, Consenter(email=USER))
    if expired:
        grant = grant.model_copy(update={"access_expires_at": 0.0})
    store = GrantStore(path, "kantoor")
    store.save(grant)
    return store


def test_a_valid_access_token_is_reused_without_a_refresh(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json", expired=False)
    tokens = AccessTokens(store, identity(sim))
    assert tokens.token().reveal() == store.load().access_token
    assert tokens.refreshes == 0 and sim.calls.count("token") == 0


def test_a_refresh_saves_the_new_refresh_token_before_it_is_used(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json")
    old = store.load().refresh_token
    token = AccessTokens(store, identity(sim)).token()
    saved = json.loads(store.path.read_text())
    assert saved["refresh_token"] != old and sim.refresh_token_active(saved["refresh_token"])
    assert not sim.refresh_token_active(old)  # rotated: the old one is spent
    assert saved["access_token"] == token.reveal() and saved["refreshed_at"]


def test_two_processes_never_refresh_the_same_grant_at_once(sim: RestSimulator, tmp_path: Path) -> None:
    """Two AccessTokens on one file stand for two processes: the file lock lets one refresh, the other reads."""
    store = stored(sim, tmp_path / "g.json")
    sim.latency = 0.0
    results: list[str] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        tokens = AccessTokens(GrantStore(store.path, "kantoor"), identity(sim))
        barrier.wait()
        results.append(tokens.token().reveal())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 4 and len(set(results)) == 1
    assert sim.calls.count("token") == 1
    assert sim.refresh_token_active(store.load().refresh_token)


def test_a_rejected_access_token_is_refreshed_once(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json", expired=False)
    tokens = AccessTokens(store, identity(sim))
    first = tokens.token()
    second = tokens.token(rejected=first)
    assert second.reveal() != first.reveal() and tokens.refreshes == 1


def test_invalid_grant_says_to_log_in_again(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json")
    client = identity(sim)
    client.revoke(Secret(store.load().refresh_token, "test"))
    with pytest.raises(ConsentGone) as caught:
        AccessTokens(store, client).token()
    assert "asrctl login kantoor" in (caught.value.hint or "")
    assert store.load().refresh_token  # nothing was overwritten


def test_a_missing_or_damaged_grant_file_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(GrantError, match="has no Nmbrs consent yet"):
        GrantStore(tmp_path / "none.json", "kantoor").load()
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(GrantError, match="not an asrctl grant"):
        GrantStore(tmp_path / "bad.json", "kantoor").load()


def test_a_grant_of_another_app_is_refused(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json")
    store.save(store.load().model_copy(update={"client_id": "other-app"}))
    with pytest.raises(GrantError, match="other-app"):
        AccessTokens(store, identity(sim)).token()


def test_identity_server_outage_is_retried_then_unavailable(sim: RestSimulator, tmp_path: Path) -> None:
    store = stored(sim, tmp_path / "g.json")
    sim.inject("token", "503", times=1)
    assert AccessTokens(store, identity(sim)).token()
    store.save(store.load().model_copy(update={"access_expires_at": 0.0}))
    sim.inject("token", "503", times=5)
    with pytest.raises(NmbrsUnavailable):
        AccessTokens(store, identity(sim)).token()
    assert sim.calls.count("token") == 1 + 1 + FAST.max_attempts
