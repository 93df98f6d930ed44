"""`asrctl github store-secret`: the rotated grant goes back into a GitHub Actions secret, sealed with the
repository's (or an environment's) public key — against the loopback GitHub fake, which opens the box."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.cli import cli
from asrctl.cli.errors import run_guarded

from fakes.github_server import FakeGitHub

TOKEN = "ghs_Recognisable0Token4sRx9qZ"
GRANT = {"format": 1, "account": "kantoor", "refresh_token": "LEAKCHECK-refresh-5f4e3d2c1b0a"}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN)
    for key in list(os.environ):
        if key.startswith("GITHUB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASRCTL_CRASH_DIR", str(tmp_path))
    with server.running():
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_REPOSITORY", server.repository)
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        yield server


def store(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run_guarded(cli, ["github", "store-secret", *args])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert TOKEN not in output and GRANT["refresh_token"] not in output
    return code, output


def test_a_grant_is_stored_sealed_and_github_can_open_it(fake: FakeGitHub, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    grant = tmp_path / "kantoor.json"
    grant.write_text(json.dumps(GRANT))
    code, output = store(capsys, "NMBRS_GRANT_KANTOOR", "--file", str(grant))
    assert code == 0 and "created secret NMBRS_GRANT_KANTOOR of the repository" in output
    assert json.loads(fake.secret("NMBRS_GRANT_KANTOOR")) == GRANT
    assert GRANT["refresh_token"] not in repr(fake.secrets)  # only the sealed box travelled
    code, output = store(capsys, "NMBRS_GRANT_KANTOOR", "--file", str(grant))
    assert code == 0 and "updated secret" in output


def test_an_environment_secret_uses_the_environments_key(fake: FakeGitHub, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    grant = tmp_path / "kantoor.json"
    grant.write_text(json.dumps(GRANT))
    code, _ = store(capsys, "NMBRS_GRANT_KANTOOR", "--file", str(grant), "--environment", "production")
    assert code == 0 and json.loads(fake.secret("NMBRS_GRANT_KANTOOR", "production")) == GRANT
    assert [c.path for c in fake.calls("GET", "public-key")] == [
        f"/repos/{fake.repository}/environments/production/secrets/public-key"]
    code, output = store(capsys, "NMBRS_GRANT_KANTOOR", "--file", str(grant), "--environment", "nowhere")
    assert code == 1 and "404" in output


def test_a_transient_failure_is_retried_as_a_whole(fake: FakeGitHub, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    grant = tmp_path / "kantoor.json"
    grant.write_text(json.dumps(GRANT))
    fake.fail(502, method="PUT", path="/actions/secrets/", lost_answer=True)
    code, _ = store(capsys, "NMBRS_GRANT_KANTOOR", "--file", str(grant))
    assert code == 0 and json.loads(fake.secret("NMBRS_GRANT_KANTOOR")) == GRANT
    assert len(fake.calls("GET", "public-key")) == 2  # the key is read again on the retry


@pytest.mark.parametrize("name", ["GITHUB_GRANT", "1GRANT", "grant-kantoor"])
def test_a_bad_name_or_file_is_a_plain_error(fake: FakeGitHub, tmp_path: Path, name: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, output = store(capsys, name, "--file", str(tmp_path / "missing.json"))
    assert code == 1 and "not a valid GitHub secret name" in output
    code, output = store(capsys, "OK_NAME", "--file", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot read" in output and "Traceback" not in output


def test_export_tokens_writes_each_rest_grant_and_the_apps_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from support.repo import make_repo
    from support.rest import add_rest

    root = add_rest(make_repo(tmp_path / "repo"), url="https://api.nmbrsapp.com", redirect_uri="http://127.0.0.1:8765/cb")
    config = root / "asrctl.yaml"
    config.write_text(config.read_text().replace("client_secret: {file: secrets/client-secret}",
                                                 "client_secret: {env: NMBRS_CLIENT_SECRET}"))
    env_file = tmp_path / "github_env"
    monkeypatch.setenv("GITHUB_ENV", str(env_file))
    monkeypatch.setenv("ASRCTL_SECRETS", json.dumps({"NMBRS_CLIENT_SECRET": "LEAKCHECK-client-secret-x1",
                                                      "NMBRS_GRANT_KANTOOR": json.dumps(GRANT)}))
    code = run_guarded(cli, ["--config", str(config), "github", "export-tokens"])
    out = capsys.readouterr()
    assert code == 0, out.err
    grant = root / ".asrctl" / "grants" / "kantoor.json"
    assert json.loads(grant.read_text()) == GRANT and oct(grant.stat().st_mode & 0o777) == "0o600"
    assert "NMBRS_CLIENT_SECRET<<" in env_file.read_text()
    assert "LEAKCHECK" not in out.out + out.err
