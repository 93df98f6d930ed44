"""`asrctl login`: PKCE + state, the one-shot loopback listener, the grant file — against the REST simulator,
signed in by a scripted "browser" that fills in the simulator's login form."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from asrctl.declare.config_only import load_config_repo
from asrctl.nmbrs.rest.oauth import CallbackListener, LoginError
from asrctl.run.login import login
from asrctl.sandbox.rest_sim import RestSimulator
from asrctl.sandbox.world import World
from asrctl.secrets import redact

from support.cli import LOOPBACK_ALLOWED, child_env
from support.repo import NMBRS_TOKEN, WORLD, make_repo
from support.rest import CLIENT_SECRET, add_rest, app, free_port, scripted_browser


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator is the test's own server, not a `sandbox:` URL: the operator's allowance lets login reach it."""
    for name, value in LOOPBACK_ALLOWED.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def redirect() -> str:
    return f"http://127.0.0.1:{free_port()}/callback"


@pytest.fixture
def sim(redirect: str) -> Iterator[RestSimulator]:
    world = World.model_validate(yaml.safe_load(WORLD))
    with RestSimulator(world, apps=[app(redirect)]) as simulator:
        yield simulator


@pytest.fixture
def repo(tmp_path: Path, sim: RestSimulator, redirect: str) -> Path:
    return add_rest(make_repo(tmp_path / "repo"), url=sim.url, redirect_uri=redirect)


def sign_in_in_background(password: str = NMBRS_TOKEN, *, allow: bool = True) -> tuple[list[requests.Response], object]:
    answers: list[requests.Response] = []

    def show(url: str) -> None:
        threading.Thread(target=lambda: answers.append(scripted_browser(url, "api@testkantoor.nl", password,
                                                                         allow=allow)), daemon=True).start()
    return answers, show


def test_login_writes_a_private_grant_with_who_consented_and_the_scopes(repo: Path, sim: RestSimulator) -> None:
    answers, show = sign_in_in_background()
    result = login(load_config_repo(repo / "asrctl.yaml"), "kantoor", show_url=show, open_browser=None,  # type: ignore[arg-type]
                   timeout=20)
    grant_file = repo / ".asrctl" / "grants" / "kantoor.json"
    assert stat.S_IMODE(os.stat(grant_file).st_mode) == 0o600
    grant = json.loads(grant_file.read_text())
    assert grant["consented_by"]["email"] == "api@testkantoor.nl" and grant["client_id"] == "asrctl-test-app"
    assert sim.refresh_token_active(grant["refresh_token"])
    assert "offline_access" in grant["scope"].split() and result.missing_needed == ()
    assert answers and answers[0].status_code == 200 and "You can close this window" in answers[0].text
    assert redact(grant["refresh_token"]) == "***"  # registered for redaction the moment it arrived


def test_login_says_which_needed_scopes_the_user_did_not_grant(repo: Path, sim: RestSimulator) -> None:
    login_ = sim.world.login("api@testkantoor.nl")
    assert login_ is not None
    login_.rest_scopes = ["user.info.read", "company.info.read"]
    _, show = sign_in_in_background()
    result = login(load_config_repo(repo / "asrctl.yaml"), "kantoor", show_url=show, open_browser=None,  # type: ignore[arg-type]
                   timeout=20)
    assert "employee.info.read" in result.missing_needed and "employee.employment.read" in result.missing_asr


def test_a_refused_consent_is_a_plain_error(repo: Path) -> None:
    _, show = sign_in_in_background(allow=False)
    with pytest.raises(LoginError, match="access_denied"):
        login(load_config_repo(repo / "asrctl.yaml"), "kantoor", show_url=show, open_browser=None,  # type: ignore[arg-type]
              timeout=20)
    assert not (repo / ".asrctl" / "grants" / "kantoor.json").exists()


def test_the_listener_ignores_a_foreign_state_and_gives_up_in_bounded_time(redirect: str) -> None:
    listener = CallbackListener(redirect, "ours")
    threading.Thread(target=lambda: (requests.get(redirect + "?code=x&state=theirs", timeout=5),
                                     requests.get(redirect.replace("/callback", "/favicon.ico"), timeout=5)),
                     daemon=True).start()
    with pytest.raises(LoginError, match="no answer from Nmbrs within 1 seconds"):
        listener.wait(1.0)
    assert listener.ignored == 1


def test_the_port_in_use_is_said_plainly(redirect: str) -> None:
    first = CallbackListener(redirect, "a")
    try:
        with pytest.raises(LoginError, match="cannot listen on 127.0.0.1"):
            CallbackListener(redirect, "b")
    finally:
        first.close()


def test_asrctl_login_no_browser_end_to_end(repo: Path, sim: RestSimulator) -> None:
    """The command as a user runs it: the URL on a line of its own, a browser elsewhere, the grant saved."""
    process = subprocess.Popen([sys.executable, "-m", "asrctl", "--debug", "login", "kantoor", "--no-browser",
                                "--timeout", "30"], cwd=repo, env=child_env(repo), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith(sim.url + "/connect/authorize?") and " " not in url
        assert "code_challenge_method=S256" in url and "state=" in url and "offline_access" in url
        assert scripted_browser(url, "api@testkantoor.nl", NMBRS_TOKEN).status_code == 200
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err[-2000:]
    assert "Consent given by" in out and "<api@testkantoor.nl>" in out and "Granted scopes:" in out
    grant = json.loads((repo / ".asrctl" / "grants" / "kantoor.json").read_text())
    for secret in (grant["refresh_token"], grant["access_token"], CLIENT_SECRET):
        assert secret not in out + err + url
