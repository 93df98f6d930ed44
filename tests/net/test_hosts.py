"""Tokens go only where they belong: Nmbrs's hosts, the registry's, or ASRCTL_ALLOW_HOSTS from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from asrctl.errors import ConfigError
from asrctl.net.hosts import (
    ALLOW_HOSTS_ENV,
    NMBRS_HOSTS,
    REGISTRY_HOSTS,
    allowed_by_operator,
    require_allowed_host,
)

from fakes.hostile import Hostile, always, answer
from support.cli import run_cli
from support.repo import NMBRS_TOKEN, REGISTRY_TOKEN, make_repo

OTHER = "127.0.0.2"  # "another host": loopback, but not the address the tests allow


def check(url: str, environ: dict[str, str] | None = None) -> None:
    require_allowed_host(url, NMBRS_HOSTS, setting="nmbrs.endpoint", token="the Nmbrs tokens",
                         where="asrctl.yaml:8:13", environ=environ or {})


@pytest.mark.parametrize("url", [
    "https://api.nmbrs.nl/soap/v3/", "https://API.Nmbrs.NL./soap/v3/", "https://api-sandbox.nmbrs.nl/soap/v3/",
    "https://api.nmbrsapp.com/api/", "https://identityservice.nmbrs.com/connect/token", "https://api.nmbrs.nl:443/",
])
def test_nmbrs_hosts_need_no_allowance(url: str) -> None:
    check(url)


@pytest.mark.parametrize(("url", "host"), [
    ("https://api.nmbrs.nl.evil.example/soap/v3/", "api.nmbrs.nl.evil.example"),
    ("https://api.nmbrs.nl@evil.example/soap/v3/", "evil.example"),      # user info: the host is after the @
    ("https://evil.example/api.nmbrs.nl/", "evil.example"),
    (f"http://{OTHER}:8080/soap/v3/", OTHER),
    ("https://registry.example.invalid/v1", "registry.example.invalid"),  # another service's host
])
def test_another_host_is_refused_naming_the_host_and_the_variable(url: str, host: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check(url)
    text = str(refused.value)
    assert text.startswith("asrctl.yaml:8:13: nmbrs.endpoint names the host") and repr(host) in text
    assert ALLOW_HOSTS_ENV in text and f"{ALLOW_HOSTS_ENV}={host}" in (refused.value.hint or "")


def test_the_variable_allows_the_hosts_it_lists_and_only_those() -> None:
    environ = {ALLOW_HOSTS_ENV: f" {OTHER}, Registry.Example.NL ,,"}
    assert allowed_by_operator(environ) == {OTHER, "registry.example.nl"}
    check(f"http://{OTHER}:8080/soap/v3/", environ)
    check("https://registry.example.nl/v1", environ)
    with pytest.raises(ConfigError):
        check("http://127.0.0.3:8080/soap/v3/", environ)


@pytest.mark.parametrize("entry", ["https://evil.example", "evil.example:8443", "evil.example/path", "*"])
def test_a_variable_entry_that_is_no_host_name_is_an_error(entry: str) -> None:
    with pytest.raises(ConfigError) as bad:
        allowed_by_operator({ALLOW_HOSTS_ENV: f"127.0.0.1,{entry}"})
    assert ALLOW_HOSTS_ENV in str(bad.value) and repr(entry) in str(bad.value)


def test_the_registry_host_is_the_contracts_server() -> None:
    """One source: the `servers` of a.s.r.'s contract, as bundled with asrctl (asrctl init writes that URL too)."""
    from importlib import resources
    from urllib.parse import urlsplit

    import yaml

    contract = resources.files("asrctl.sandbox") / "data" / "asr-registry.openapi.yaml"
    servers = yaml.safe_load(contract.read_text(encoding="utf-8"))["servers"]
    assert {urlsplit(s["url"]).hostname for s in servers} == REGISTRY_HOSTS


# --- through the commands: nothing reaches the other host ------------------------------------------------


def _pointing_at(root: Path, key: str, url: str) -> Path:
    config = root / "asrctl.yaml"
    old = "sandbox:world.yaml" if key == "nmbrs.endpoint" else "sandbox:.asrctl/registry.sqlite"
    config.write_text(config.read_text().replace(old, url))
    return root


@pytest.mark.parametrize("key", ["nmbrs.endpoint", "registry.url"])
def test_plan_status_and_import_send_no_token_to_a_host_the_yaml_names(tmp_path: Path, key: str) -> None:
    with Hostile(always(answer(500, "no")), host=OTHER) as peer:
        path = "/soap/v3/" if key == "nmbrs.endpoint" else "/v1"
        root = _pointing_at(make_repo(tmp_path / "repo"), key, peer.url + path)
        line = next(i for i, text in enumerate((root / "asrctl.yaml").read_text().splitlines(), 1) if peer.url in text)
        for args in (("plan",), ("status",), ("import", "--account", "kantoor")):
            result = run_cli(root, *args, env={ALLOW_HOSTS_ENV: ""})
            if key == "nmbrs.endpoint" and args[0] == "status":
                continue  # status reads only the registry
            assert result.code == 1, result.output
            assert f"error: asrctl.yaml:{line}:" in result.stderr and f"{key} names the host '{OTHER}'" in result.stderr
            assert ALLOW_HOSTS_ENV in result.stderr and "Traceback" not in result.output
        assert peer.seen == []

        # The operator's allowance (the environment, never the file) lets it through.
        run_cli(root, "plan", env={ALLOW_HOSTS_ENV: OTHER})
        assert peer.seen, "with the allowance the request goes out"
        sent = b" ".join(s.body + str(s.headers).encode() for s in peer.seen)
        assert (NMBRS_TOKEN if key == "nmbrs.endpoint" else REGISTRY_TOKEN).encode() in sent


def test_the_sandbox_needs_no_allowance(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    result = run_cli(root, "status", env={ALLOW_HOSTS_ENV: ""})
    assert result.code == 0, result.output


def test_login_sends_neither_the_person_nor_the_client_secret_to_a_host_the_yaml_names(tmp_path: Path) -> None:
    """`asrctl login` does not go through plan's connect(): the REST hosts are checked before the sign-in
    address is shown (a person would type their Nmbrs password there) and before any secret is read."""
    from support.rest import CLIENT_SECRET, add_rest, free_port

    with Hostile(always(answer(500, "no")), host=OTHER) as peer:
        root = add_rest(make_repo(tmp_path / "repo"), url=peer.url, redirect_uri=f"http://127.0.0.1:{free_port()}/cb")
        result = run_cli(root, "login", "kantoor", "--no-browser", "--timeout", "5", env={ALLOW_HOSTS_ENV: ""})
        assert result.code == 1, result.output
        assert f"nmbrs.rest.url names the host '{OTHER}'" in result.stderr and ALLOW_HOSTS_ENV in result.stderr
        assert peer.url not in result.stdout and "Waiting" not in result.stderr  # no sign-in address shown
        assert CLIENT_SECRET not in result.output and peer.seen == []
