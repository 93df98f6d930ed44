"""Exit codes and bad surroundings: DESIGN.md's 0/1/2/3/130, and never a traceback.

Usage errors, broken pipes, Ctrl-C, unreadable or missing files, unset tokens, an unreachable
registry, plain http to a remote host, writes that cannot happen — each ends in one plain
message and the documented exit code. Loopback only, bounded in time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asrctl.errors import ConfigError
from asrctl.run.importer import Declared, Draft, write_drafts
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

from support.cli import Run, child_env, run_cli
from support.repo import make_repo

ASRCTL_SRC = Path(__file__).resolve().parents[2] / "asrctl"


def no_traceback(run_: Run) -> None:
    assert "Traceback" not in run_.output and "Exception ignored" not in run_.output, run_.output[-2000:]


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- exit codes ------------------------------------------------------------------------------------------------


def test_usage_errors_exit_1_not_2_which_means_changes(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    for args in (("plan", "--bogus"), ("plan", "--detailed-exitcode", "--format", "yaml"), ("nosuchcommand",),
                 ("--config", "employers", "validate")):
        result = run_cli(root, *args)
        assert result.code == 1, (args, result.output)
        assert "Error:" in result.stderr
        no_traceback(result)
    bare = run_cli(root)
    assert bare.code == 0 and "Commands" in bare.output


def test_plan_detailed_exitcode_is_1_blocked_2_changes_0_converged(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    assert run_cli(root, "plan", "--detailed-exitcode", process=True).code == 1  # gamma is blocked
    (root / "employers" / "gamma.yaml").unlink()
    assert run_cli(root, "plan", process=True).code == 0
    assert run_cli(root, "plan", "--detailed-exitcode", process=True).code == 2
    assert run_cli(root, "apply", "--auto-approve", process=True).code == 0
    assert run_cli(root, "plan", "--detailed-exitcode", process=True).code == 0


def test_ctrl_c_in_process_is_130_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asrctl.run.plan

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(asrctl.run.plan, "run_plan", interrupted)
    result = run_cli(make_repo(tmp_path), "plan")
    assert result.code == 130 and result.stderr.strip() == "interrupted"


def test_sigint_during_slow_nmbrs_calls_stops_plan_with_130(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    with NmbrsSimulator(root / "world.yaml", latency=2.0) as sim:
        config = root / "asrctl.yaml"
        config.write_text(config.read_text().replace("sandbox:world.yaml", sim.url))
        proc = subprocess.Popen([sys.executable, "-m", "asrctl", "plan"], cwd=root, env=child_env(root),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while sim.calls.total == 0 and time.monotonic() < deadline:  # wait until a call is in flight
            time.sleep(0.05)
        assert sim.calls.total > 0
        proc.send_signal(signal.SIGINT)
        at_signal = sim.calls.total
        out, err = proc.communicate(timeout=30)
        after = sim.calls.total - at_signal
    assert proc.returncode == 130, err
    # The calls in flight finish (2 s each; a thread ends the step it is in), but the plan does not go
    # on: counted, not timed, since a loaded machine slows the exit without more calls being made.
    assert after <= 2, f"{after} Nmbrs calls after Ctrl-C ({at_signal} before)"
    assert "interrupted" in err and "Traceback" not in err and "Plan:" not in out


@pytest.mark.parametrize("args", [("plan", "--format", "markdown"), ("status",), ("explain", "--format", "markdown")])
def test_a_closed_pipe_gives_no_traceback(tmp_path: Path, args: tuple[str, ...]) -> None:
    root = make_repo(tmp_path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # `asrctl ... | head -0`: nobody reads, the first write fails
    try:
        done = subprocess.run([sys.executable, "-m", "asrctl", *args], cwd=root, env=child_env(root),
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    finally:
        os.close(write_end)
    assert done.returncode in (0, 1)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr and "internal error" not in done.stderr


# --- bad surroundings: one plain message, exit 1 ---------------------------------------------------------------


def test_asrctl_yaml_missing_dangling_or_a_directory(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    config = root / "asrctl.yaml"
    config.unlink()
    config.symlink_to(root / "gone.yaml")  # exists as a name, cannot be read
    for args in (("validate",), ("plan",), ("status",), ("import", "--account", "kantoor"), ("sandbox", "serve")):
        result = run_cli(root, *args)
        assert result.code == 1 and "asrctl.yaml" in result.output, (args, result.output)
        no_traceback(result)
    config.unlink()
    config.mkdir()
    for args in (("validate",), ("plan",), ("apply", "--auto-approve")):
        result = run_cli(root, *args)
        assert result.code == 1 and "asrctl.yaml" in result.stderr and "is a directory" in result.stderr
        no_traceback(result)
    missing = run_cli(tmp_path, "plan")
    assert missing.code == 1 and "asrctl.yaml not found" in missing.stderr


def test_without_an_employers_directory_plan_refuses_and_validate_warns(tmp_path: Path) -> None:
    root = make_repo(tmp_path, employers={})
    (root / "employers").rmdir()
    validate = run_cli(root, "validate")
    assert validate.code == 0 and "no employers/ directory" in validate.stdout
    for args in (("plan",), ("apply", "--auto-approve"), ("status",)):
        result = run_cli(root, *args)
        assert result.code == 1 and "no employers/ directory" in result.stderr, (args, result.output)
        assert "--config" in result.stderr
        no_traceback(result)
    (root / "employers").mkdir()  # an empty directory: nothing declared yet, on purpose
    assert run_cli(root, "plan").code == 0


def test_tokens_that_cannot_be_resolved(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    config = root / "asrctl.yaml"
    original = config.read_text()
    config.write_text(original.replace("{file: secrets/nmbrs.token}", "{env: AUDIT_UNSET_TOKEN}"))
    unset = run_cli(root, "plan")
    assert unset.code == 1 and "environment variable AUDIT_UNSET_TOKEN is not set" in unset.stderr
    config.write_text(original)
    (root / "secrets" / "nmbrs.token").unlink()
    gone = run_cli(root, "plan")
    assert gone.code == 1 and "cannot read token file" in gone.stderr
    (root / "secrets" / "nmbrs.token").mkdir()
    directory = run_cli(root, "plan")
    assert directory.code == 1 and "is a directory, not a regular file" in directory.stderr
    (root / "secrets" / "registry.token").write_text("  \n")
    empty = run_cli(root, "status")
    assert empty.code == 1 and "is empty" in empty.stderr
    for result in (unset, gone, directory, empty):
        no_traceback(result)


def test_a_missing_sandbox_world_and_an_unreachable_registry(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "world.yaml").rename(root / "elsewhere.yaml")
    world = run_cli(root, "plan")
    assert world.code == 1 and "sandbox world" in world.stderr and "does not exist" in world.stderr
    (root / "elsewhere.yaml").rename(root / "world.yaml")
    config = root / "asrctl.yaml"
    config.write_text(config.read_text().replace("sandbox:.asrctl/registry.sqlite", f"http://127.0.0.1:{free_port()}/v1"))
    status = run_cli(root, "status", process=True)
    assert status.code == 1 and "refused the connection" in status.stderr
    plan = run_cli(root, "plan", "--detailed-exitcode", process=True)
    assert plan.code == 1 and "registry.unreachable" in plan.stdout
    for result in (world, status, plan):
        no_traceback(result)


def test_plain_http_to_a_remote_host_is_refused_everywhere(tmp_path: Path) -> None:
    from asrctl.github.client import GitHubClient
    from asrctl.net.http import require_tls
    from asrctl.net.retry import RetryPolicy
    from asrctl.nmbrs.soap.client import SoapClient
    from asrctl.registry.client import RegistryClient
    from asrctl.secrets import Secret

    root = make_repo(tmp_path)
    config = root / "asrctl.yaml"
    original = config.read_text()
    for old, new in (("sandbox:world.yaml", "http://api.nmbrs.nl/soap/v3/"),
                     ("sandbox:.asrctl/registry.sqlite", "http://registry.example.com/v1"),
                     ("sandbox:world.yaml", "http://127.0.0.1.example.com/soap/v3/")):
        config.write_text(original.replace(old, new))
        result = run_cli(root, "plan")
        assert result.code == 1 and "is not a usable address" in result.stderr, result.output
        validate = run_cli(root, "validate")
        assert validate.code == 1 and "plain http:// only to 127.0.0.1 or localhost" in validate.stdout
    # One rule (asrctl.net.http.require_tls) that every client calls: the same verdict everywhere.
    token = Secret("AUDIT-tls-token-123456", "test")
    with pytest.raises(ConfigError, match="must use https"):
        RegistryClient("http://registry.example.com/v1", token)
    with pytest.raises(ConfigError, match="must use https"):
        GitHubClient(api_url="http://github.example.com/api/v3", repository="a/b", token=token)
    with pytest.raises(ConfigError, match="must use https"):
        SoapClient("http://api.nmbrs.nl/soap/v3/", parallelism=1, timeout=5.0, retry=RetryPolicy())
    for url in ("http://api.nmbrs.nl/soap/v3/", "ftp://127.0.0.1/", "http://localhost.example.com/", "https:///v1"):
        with pytest.raises(ConfigError, match="not an https URL"):
            require_tls(url, "nmbrs.endpoint")
    with pytest.raises(ConfigError, match="is not a URL"):
        require_tls("https://[::1/v1", "registry url")
    for url in ("https://office:hunter2-secret@registry.example.com/v1", "http://office:hunter2-secret@example.com/"):
        with pytest.raises(ConfigError, match="must not contain a user name or password") as raised:
            RegistryClient(url, token)
        assert "hunter2" not in str(raised.value) + str(raised.value.hint)
    for url in ("https://api.nmbrs.nl/soap/v3/", "http://127.0.0.1:8080/soap/v3/", "http://[::1]:80/", "http://localhost/"):
        assert require_tls(url, "nmbrs.endpoint") is url.startswith("http://")


def test_no_code_path_turns_tls_verification_off() -> None:
    offending = []
    for path in ASRCTL_SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("verify=False", "verify = False", "CERT_NONE", "check_hostname = False", "_create_unverified"):
            if needle in text:
                offending.append(f"{path.relative_to(ASRCTL_SRC)}: {needle}")
    assert offending == []


# --- --config elsewhere: the repo root is the config's directory ----------------------------------------------


def test_every_command_works_from_another_directory_with_config(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "employers" / "gamma.yaml").unlink()
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    conf = ("--config", str(root / "asrctl.yaml"))
    runs = {
        "validate": run_cli(cwd, *conf, "validate", process=True),
        "plan": run_cli(cwd, *conf, "plan", "--out", "plan.json", "--detailed-exitcode", process=True),
        "apply": run_cli(cwd, *conf, "apply", "plan.json", process=True),
        "advance": run_cli(cwd, *conf, "sandbox", "advance", "alpha", "--to", "in_setup", process=True),
        "status": run_cli(cwd, *conf, "status", "--format", "json", process=True),
        "import": run_cli(cwd, *conf, "import", "--account", "kantoor", process=True),
        "schema": run_cli(cwd, *conf, "schema", process=True),
        "check": run_cli(cwd, *conf, "schema", "--check", process=True),
    }
    assert {k: r.code for k, r in runs.items()} == {"validate": 0, "plan": 2, "apply": 0, "advance": 0, "status": 0,
                                                     "import": 0, "schema": 0, "check": 0}, \
        {k: r.output[-300:] for k, r in runs.items()}
    assert '"in_setup"' in runs["status"].stdout
    assert (root / ".asrctl" / "registry.sqlite").is_file() and (root / "schemas" / "employer.schema.json").is_file()
    assert sorted(p.name for p in (root / "employers").glob("*.yaml")) == [
        "alpha.yaml", "beta.yaml", "delta.yaml", "epsilon.yaml", "gamma.yaml", "zeta.yaml"]
    assert sorted(p.name for p in cwd.iterdir()) == ["plan.json"]  # nothing else lands in the working directory


# --- writes: atomic, never clobbering, never a crash -----------------------------------------------------------


def test_unwritable_outputs_are_plain_errors(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    plan = run_cli(root, "plan", "--out", "asrctl.yaml/plan.json")
    assert plan.code == 1 and "cannot write" in plan.stderr
    (root / "schemas").write_text("not a directory")
    schema = run_cli(root, "schema")
    assert schema.code == 1 and "cannot write" in schema.stderr
    for result in (plan, schema):
        no_traceback(result)


def test_import_never_overwrites_a_file_that_appeared_after_its_scan(tmp_path: Path) -> None:
    existing = tmp_path / "nieuw.yaml"
    existing.write_text("# the user's own file\n")
    draft = Draft("nieuw", "Nieuw B.V.", {"contract_number": "TODO", "state": "active"})
    [result] = write_drafts([draft], tmp_path, "kantoor", Declared(), schema_ref="../schemas/employer.schema.json",
                            force=False)
    assert result.outcome == "exists"
    assert existing.read_text() == "# the user's own file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nieuw.yaml"]


def test_import_twice_skips_what_it_wrote(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    first = run_cli(root, "import", "--account", "kantoor")
    assert first.code == 0 and "wrote employers/epsilon.yaml" in first.stdout
    (root / "employers" / "epsilon.yaml").write_text((root / "employers" / "epsilon.yaml").read_text() + "# mine\n")
    again = run_cli(root, "import", "--account", "kantoor")
    assert again.code == 0 and "wrote" not in again.stdout
    assert (root / "employers" / "epsilon.yaml").read_text().endswith("# mine\n")
