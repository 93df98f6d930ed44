"""Secret audit: every command, every output format, every file written, every error text.

A recognisable Nmbrs token, registry token and GITHUB_TOKEN go in; none may come out — not on
stdout or stderr (with --debug), not in plan files, imported YAML, crash reports or the sandbox's
SQLite files, not in the str/repr of the errors raised when a service refuses the token.
Subprocesses where it matters (a fresh process registers its own secrets); loopback only.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.errors import AsrctlError
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import NmbrsAuthError
from asrctl.nmbrs.provider import Login
from asrctl.nmbrs.soap.provider import SoapProvider
from asrctl.registry.client import RegistryClient
from asrctl.registry.errors import Unauthorized
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.registry_server import RegistryServer, TokenGrant
from asrctl.secrets import Secret, install_log_redaction, redact

from fakes.github_server import FakeGitHub
from support.cli import Run, run_cli
from support.clock import instant
from support.repo import NMBRS_TOKEN, REGISTRY_TOKEN, WORLD, make_repo

GITHUB_TOKEN = "LEAKCHECK-github-ghs_5e6f7a8b9c0d1e2f"
WRONG_NMBRS = "LEAKCHECK-wrong-nmbrs-77aa88bb99cc"
WRONG_REGISTRY = "LEAKCHECK-wrong-registry-11dd22ee33ff"
ALL = (NMBRS_TOKEN, REGISTRY_TOKEN, GITHUB_TOKEN, WRONG_NMBRS, WRONG_REGISTRY)
FAST = instant(RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=2.0))  # backoff on a fake clock: no real waiting


def written_files(root: Path) -> Iterator[Path]:
    """Every file asrctl may have written under root: not the token files and the simulated world."""
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith("secrets/") and rel != "world.yaml":
            yield path


def assert_clean(runs: list[Run], root: Path, *, expect_files: frozenset[str] | set[str] = frozenset()) -> None:
    for i, run_ in enumerate(runs):
        for secret in ALL:
            assert secret not in run_.output, f"run {i} printed a token: {run_.output[-600:]}"
        assert "Traceback" not in run_.output, run_.output[-2000:]
    files = list(written_files(root))
    assert expect_files <= {p.name for p in files}
    for path in files:
        data = path.read_bytes()
        for secret in ALL:
            assert secret.encode() not in data, f"{path} holds a token"


def test_validate_and_offline_commands_print_no_token_in_any_format(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    runs = [run_cli(root, "--debug", "validate", "--format", fmt, process=True) for fmt in ("text", "github", "json")]
    runs += [
        run_cli(root, "--debug", "schema", process=True),
        run_cli(root, "--debug", "schema", "--check", process=True),
        run_cli(root, "--debug", "explain", process=True),
        run_cli(root, "--debug", "explain", "nmbrs.auth", "--format", "markdown", process=True),
    ]
    assert [r.code for r in runs] == [0, 0, 0, 0, 0, 0, 0], [r.output[-300:] for r in runs]
    assert_clean(runs, root, expect_files={"asrctl.schema.json", "employer.schema.json"})


def test_a_literal_token_in_yaml_is_never_echoed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    config = root / "asrctl.yaml"
    config.write_text(config.read_text().replace("{file: secrets/nmbrs.token}", NMBRS_TOKEN)
                      .replace("{file: secrets/registry.token}", f'"{REGISTRY_TOKEN}"'))
    runs = [run_cli(root, "--debug", "validate", "--format", fmt, process=True) for fmt in ("text", "github", "json")]
    runs += [run_cli(root, "--debug", *args, process=True) for args in (("plan", "--out", "plan.json"), ("apply", "--auto-approve"),
                                                        ("status",), ("import", "--account", "kantoor"))]
    assert [r.code for r in runs] == [1] * 7
    assert "literal token" in runs[0].stdout and "literal token" in runs[3].stderr
    assert json.loads(runs[2].stdout)[0]["code"] == "schema.literal-token"
    for run_ in runs:  # the literal was never resolved, so nothing registered it: it must simply not be shown
        assert NMBRS_TOKEN not in run_.output and REGISTRY_TOKEN not in run_.output
    assert not (root / "plan.json").exists()


def test_plan_apply_status_import_advance_in_every_format(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    runs = [
        run_cli(root, "--debug", "plan", "--format", "text", "--out", "plan-text.json", process=True),
        run_cli(root, "--debug", "plan", "--format", "json", "--out", "plan.json", "--detailed-exitcode", process=True),
        run_cli(root, "--debug", "plan", "--format", "markdown", "--out", "plan-md.json", process=True),
        run_cli(root, "--debug", "apply", "plan.json", process=True),
        run_cli(root, "--debug", "apply", "--auto-approve", process=True),
        run_cli(root, "--debug", "sandbox", "advance", "alpha", "--to", "active", "--date", "2026-12-01", process=True),
        *[run_cli(root, "--debug", "status", "--format", fmt, process=True) for fmt in ("text", "json", "markdown")],
        run_cli(root, "--debug", "import", "--account", "kantoor", "--out", "imported", process=True),
    ]
    # gamma is blocked: plan and apply exit 1; everything else succeeds
    assert [r.code for r in runs] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [r.output[-400:] for r in runs]
    assert "DEBUG" in runs[3].stderr
    assert_clean(runs, root, expect_files={"plan.json", "plan-md.json", "plan-text.json", "registry.sqlite"})
    assert list((root / "imported").glob("*.yaml"))


def test_refused_tokens_stay_out_of_messages_and_errors(tmp_path: Path) -> None:
    """401 from the registry and fault 1001 from Nmbrs: through the CLI and as exception objects."""
    with RegistryServer(tmp_path / "reg.sqlite", {REGISTRY_TOKEN: TokenGrant("sandbox-office", "write")}) as server:
        root = make_repo(tmp_path / "repo", registry_url=server.url)
        (root / "secrets" / "registry.token").write_text(WRONG_REGISTRY + "\n")
        loopback = {"ASRCTL_ALLOW_HOSTS": "127.0.0.1"}  # the test's own registry
        runs = [run_cli(root, "--debug", *args, env=loopback, process=True)
                for args in (("status",), ("plan", "--out", "plan.json", "--format", "json"),
                             ("import", "--account", "kantoor"))]
        assert "Unauthorized (401)" in runs[0].stderr and runs[0].code == 1
        assert "registry.unreachable" in runs[1].stdout
        (root / "secrets" / "registry.token").write_text(REGISTRY_TOKEN + "\n")
        (root / "secrets" / "nmbrs.token").write_text(WRONG_NMBRS + "\n")
        runs += [run_cli(root, "--debug", *args, env=loopback, process=True)
                 for args in (("plan", "--format", "markdown"), ("import", "--account", "kantoor", "--out", "imported"))]
        assert "nmbrs.auth" in runs[3].stdout and "fault 1001" in runs[4].stderr
        assert [r.code for r in runs] == [1, 1, 1, 1, 1]
        assert_clean(runs, root)

        # The exception objects themselves: str, repr, hint and the formatted traceback.
        with RegistryClient(server.url, Secret(WRONG_REGISTRY, "test"), policy=FAST) as client, \
                pytest.raises(Unauthorized) as refused:
            client.list()
    (tmp_path / "world.yaml").write_text(WORLD)
    with NmbrsSimulator(tmp_path / "world.yaml") as sim, \
            SoapProvider(sim.url, parallelism=2, timeout=5.0, retry=FAST) as provider, \
            pytest.raises(NmbrsAuthError) as rejected:
        provider.companies(Login("kantoor", "api@testkantoor.nl", Secret(WRONG_NMBRS, "test"), "testkantoor"))
    for error in (refused.value, rejected.value):
        assert isinstance(error, AsrctlError)
        text = " ".join([str(error), repr(error), error.hint or "",
                         "".join(traceback.format_exception(type(error), error, error.__traceback__))])
        for secret in ALL:
            assert secret not in text


def test_github_comment_with_debug_shows_no_token_and_never_posts_one(tmp_path: Path) -> None:
    fake = FakeGitHub(token=GITHUB_TOKEN)
    pr = fake.add_issue(pull=True, head_sha="a" * 40)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "ASRCTL_"))}
    body = tmp_path / "plan.md"
    body.write_text(f"## asrctl plan\n\nsomething echoed the token: {GITHUB_TOKEN}\n")
    with fake.running():
        env.update(GITHUB_TOKEN=GITHUB_TOKEN, GITHUB_REPOSITORY=fake.repository, GITHUB_API_URL=fake.url,
                   ASRCTL_CRASH_DIR=str(tmp_path))
        done = subprocess.run(
            [sys.executable, "-m", "asrctl", "--debug", "github", "comment", "--pr", str(pr), "--body-file", str(body)],
            capture_output=True, text=True, timeout=60, env=env, check=False, cwd=tmp_path,
        )
        posted = fake.comments_on(pr)
    assert done.returncode == 0, done.stderr
    assert GITHUB_TOKEN not in done.stdout + done.stderr
    assert len(posted) == 1 and GITHUB_TOKEN not in posted[0]["body"] and "***" in posted[0]["body"]


# --- token files and variables that are not one token ---------------------------------------------------------


@pytest.mark.parametrize("content", [
    f"{REGISTRY_TOKEN}\nLEAKCHECK-second-line-0000\n".encode(),  # two lines would break (and echo in) a header
    f"{REGISTRY_TOKEN}\x00\n".encode(),
    b"\xff\xfe" + REGISTRY_TOKEN.encode(),                        # not UTF-8
    b"A" * (80 * 1024),                                           # the wrong file
], ids=["two-lines", "nul", "not-utf8", "huge"])
def test_a_token_file_that_holds_no_single_token_is_a_plain_error(tmp_path: Path, content: bytes) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "secrets" / "registry.token").write_bytes(content)
    result = run_cli(root, "--debug", "status", process=True)
    assert result.code == 1, result.output
    assert "error: asrctl.yaml:" in result.stderr and ": registry token" in result.stderr and "token file" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "LEAKCHECK" not in result.output and "AAAAAAAA" not in result.output
    assert not list(root.glob("asrctl-crash-*"))


def test_an_environment_token_with_a_line_break_is_refused_without_showing_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    config = root / "asrctl.yaml"
    config.write_text(config.read_text().replace("{file: secrets/registry.token}", "{env: AUDIT_REGISTRY_TOKEN}"))
    result = run_cli(root, "status", env={"AUDIT_REGISTRY_TOKEN": f"{REGISTRY_TOKEN}\nsecond-line-xyz123"}, process=True)
    assert result.code == 1 and "environment variable AUDIT_REGISTRY_TOKEN" in result.stderr
    assert "LEAKCHECK" not in result.output and "second-line" not in result.output


# --- the redaction machinery ----------------------------------------------------------------------------------


def test_a_token_is_redacted_also_as_repr_json_xml_and_url_text() -> None:
    from urllib.parse import quote
    from xml.sax.saxutils import escape

    token = "AUDIT-tok&<'\"/+=\\é-4f1c9b"
    secret = Secret(token, "test")
    for shown in (str(secret), repr(secret), f"{secret}", f"{secret!r}", str([secret]), str({"token": secret})):
        assert "4f1c9b" not in shown and secret.fingerprint in shown  # what click.echo(secret) would print
    for shown in (token, repr(token), repr(token.encode()), json.dumps(token),
                  json.dumps(token, ensure_ascii=False), escape(token), quote(token, safe="")):
        assert "4f1c9b" not in redact(f"before {shown} after"), shown


def test_a_logged_exception_is_redacted_in_its_traceback() -> None:
    token = "AUDIT-logged-exc-9a8b7c6d5e"
    Secret(token, "test")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    install_log_redaction(handler)
    log = logging.getLogger("asrctl.test.audit")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError(f"Invalid header value b'Bearer {token}'")
        except ValueError:
            log.exception("request %s failed", token)
        log.debug("stack", stack_info=True)
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "Traceback" in text and "ValueError" in text
    assert token not in text and "***" in text


# --- crash reports --------------------------------------------------------------------------------------------


def test_a_bug_exits_3_with_one_line_and_a_redacted_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo")
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    import asrctl.run.plan

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"bug while holding {NMBRS_TOKEN!r} and {REGISTRY_TOKEN.encode()!r}")

    monkeypatch.setattr(asrctl.run.plan, "run_plan", broken)
    result = run_cli(root, "--debug", "plan", env={"ASRCTL_CRASH_DIR": str(crashes)})
    assert result.code == 3
    [line] = [x for x in result.stderr.splitlines() if "internal error" in x]
    assert line.startswith("internal error (a bug in asrctl): RuntimeError") and "bug report" in line
    [report] = crashes.glob("asrctl-crash-*.txt")
    assert str(report) in line
    text = report.read_text()
    assert "RuntimeError: bug while holding" in text and "Traceback" in text
    for secret in ALL:
        assert secret not in text and secret not in result.output
    assert "Traceback" not in result.output


def test_a_crash_report_falls_back_to_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    import asrctl.cli.explain

    def broken(*args: object, **kwargs: object) -> str:
        raise KeyError("bug")

    monkeypatch.setattr(asrctl.cli.explain, "render_text", broken)
    result = run_cli(root, "explain", "nmbrs.auth", env={"ASRCTL_CRASH_DIR": str(tmp_path / "missing" / "dir")})
    assert result.code == 3
    [report] = tmp_path.glob("asrctl-crash-*.txt")
    assert str(report) in result.stderr


# --- token files that are no file, tokens with a character no token has ---------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_token_file_that_is_no_regular_file_is_refused_without_waiting(tmp_path: Path, kind: str) -> None:
    root = make_repo(tmp_path / "repo")
    token_file = root / "secrets" / "registry.token"
    token_file.unlink()
    if kind == "fifo":
        os.mkfifo(token_file)  # nobody ever writes: reading it would wait for ever
    elif kind == "directory":
        token_file.mkdir()
    else:
        token_file.symlink_to("/dev/zero")
    for command in (("plan",), ("status",)):
        result = run_cli(root, *command, timeout=30, process=True)
        assert result.code == 1, result.output
        assert "registry token" in result.stderr and "not a regular file" in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize("where", ["file", "env"])
def test_a_token_with_a_pasted_dash_is_a_located_error_without_the_value(tmp_path: Path, where: str) -> None:
    root = make_repo(tmp_path / "repo")
    bad = REGISTRY_TOKEN[:9] + "\u2013" + REGISTRY_TOKEN[10:]  # an en-dash where a '-' was
    config = root / "asrctl.yaml"
    env: dict[str, str] = {}
    if where == "file":
        (root / "secrets" / "registry.token").write_text(bad + "\n", encoding="utf-8")
    else:
        config.write_text(config.read_text().replace("{file: secrets/registry.token}", "{env: AUDIT_REGISTRY_TOKEN}"))
        env["AUDIT_REGISTRY_TOKEN"] = bad
    line = next(i for i, text in enumerate(config.read_text().splitlines(), 1) if "token:" in text)
    for command in (("plan",), ("status",), ("apply", "--auto-approve")):
        result = run_cli(root, *command, env=env, process=True)
        assert result.code == 1, result.output
        assert f"error: asrctl.yaml:{line}:" in result.stderr, result.stderr
        assert "registry token" in result.stderr and "character 10 of the token is U+2013 EN DASH" in result.stderr
        assert REGISTRY_TOKEN[:9] not in result.output and REGISTRY_TOKEN[10:] not in result.output
        assert "Traceback" not in result.output and "internal error" not in result.output


# --- a hostile registry that echoes the tokens it was sent ----------------------------------------------------


def _echoes(*secrets: str) -> str:
    """Every secret in the forms a careless or hostile server may write it back."""
    import base64
    from urllib.parse import quote

    parts = []
    for secret in secrets:
        raw = secret.encode()
        parts += [secret, json.dumps(secret)[1:-1].replace("/", "\\/"), quote(secret, safe=""),
                  base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
                  raw.hex(), raw.hex().upper(), base64.b64encode(b"user:" + raw).decode()]
    return " | ".join(parts)


def _hostile_registry(refuse_reads: bool):  # type: ignore[no-untyped-def]
    """Answers with the tokens it was sent: reads refused (401) or listed empty, every write refused (422)."""
    from fakes.hostile import Seen, answer

    def respond(seen: Seen) -> list[bytes]:
        sent = [seen.headers.get("authorization", "").removeprefix("Bearer ")]
        try:
            sent.append(json.loads(seen.body)["nmbrs"]["token"])  # what apply submits
        except (ValueError, KeyError, TypeError):
            pass
        echo = _echoes(*[s for s in sent if s])
        headers = {"WWW-Authenticate": f'Bearer error="{echo}"', "X-Echo": echo}
        listing = "/registrations?" in seen.path or seen.path.endswith("/registrations")
        if seen.method == "GET" and listing and not refuse_reads:
            return [answer(200, json.dumps({"items": [], "next_page_token": None}),
                           content_type="application/json", headers=headers)]
        problem = {"type": "about:blank", "title": f"Refused {echo}", "detail": f"you sent: {echo}",
                   "errors": [{"pointer": f"/nmbrs/token/{echo}", "message": echo}]}
        status = 401 if seen.method == "GET" else 422
        return [answer(status, json.dumps(problem), content_type="application/problem+json", headers=headers)]

    return respond


def test_debug_runs_against_a_registry_that_echoes_the_tokens_print_none_of_them(tmp_path: Path) -> None:
    import base64

    from fakes.hostile import Hostile

    env = {"ASRCTL_ALLOW_HOSTS": "127.0.0.1"}
    runs: list[Run] = []
    with Hostile(_hostile_registry(refuse_reads=True)) as refusing, \
            Hostile(_hostile_registry(refuse_reads=False)) as listing:
        root = make_repo(tmp_path / "repo", registry_url=refusing.url + "/v1")
        runs += [run_cli(root, "--debug", *args, env=env, process=True) for args in (
            ("plan", "--out", "plan.json", "--format", "json"), ("status",), ("status", "--format", "json"),
            ("import", "--account", "kantoor", "--out", "imported"))]
        config = root / "asrctl.yaml"
        config.write_text(config.read_text().replace(refusing.url, listing.url))
        runs += [run_cli(root, "--debug", *args, env=env, process=True) for args in (
            ("plan", "--format", "markdown"), ("apply", "--auto-approve"), ("status", "--format", "markdown"))]
        assert refusing.seen and any(s.method == "PUT" for s in listing.seen)
    assert [r.code for r in runs] == [1, 1, 1, 1, 1, 1, 0], [r.output[-300:] for r in runs]
    assert "DEBUG" in runs[0].stderr and "you sent: ***" in runs[5].output
    forms = [form for secret in ALL for form in _echoes(secret).split(" | ")]
    forms += [base64.b64encode(s.encode()).decode()[4:-4] for s in ALL]  # any long piece of an encoding
    for run_ in runs:
        for form in forms:
            assert form not in run_.output, (form, run_.output[-1500:])
    assert_clean(runs, root)


# --- Nmbrs REST: client secret, subscription key, access and refresh tokens, the grant file --------------------


def test_rest_account_with_debug_shows_no_client_secret_key_or_token(tmp_path: Path) -> None:
    """plan over REST (the embedded REST simulator mints the grant, then a forced refresh rotates it) and
    store-secret of the grant: none of the app's secrets or the consent's tokens come out anywhere."""
    from support.rest import CLIENT_SECRET, SUBSCRIPTION_KEY, add_rest

    root = add_rest(make_repo(tmp_path / "repo"), url="sandbox:world.yaml", redirect_uri="http://127.0.0.1:8765/cb")
    grant_file = root / ".asrctl" / "grants" / "kantoor.json"
    runs = [run_cli(root, "--debug", "plan", "--format", "json", "--out", "plan.json", process=True)]
    tokens: set[str] = set()
    for _ in range(2):
        grant = json.loads(grant_file.read_text())
        tokens |= {grant["refresh_token"], grant["access_token"]}
        grant["access_expires_at"] = 0  # the next run must refresh (and rotate the refresh token)
        grant_file.write_text(json.dumps(grant))
        runs.append(run_cli(root, "--debug", "plan", "--format", "markdown", process=True))
    grant = json.loads(grant_file.read_text())
    tokens |= {grant["refresh_token"], grant["access_token"]}
    assert len(tokens) == 6, "each run refreshed: new access and refresh tokens"
    assert "DEBUG" in runs[1].stderr and "nmbrs.scopes" not in runs[0].stdout
    fake = FakeGitHub(token=GITHUB_TOKEN)
    with fake.running():
        runs.append(run_cli(root, "--debug", "github", "store-secret", "NMBRS_GRANT_KANTOOR", "--file",
                           str(grant_file), env={"GITHUB_TOKEN": GITHUB_TOKEN, "GITHUB_REPOSITORY": fake.repository,
                                                 "GITHUB_API_URL": fake.url}, process=True))
        assert json.loads(fake.secret("NMBRS_GRANT_KANTOOR")) == grant
    assert [r.code for r in runs] == [1, 1, 1, 0], [r.output[-500:] for r in runs]  # gamma is blocked
    secrets = (*ALL, CLIENT_SECRET, SUBSCRIPTION_KEY, *tokens)
    for run_ in runs:
        for secret in secrets:
            assert secret not in run_.output, f"printed a REST secret: {run_.output[-600:]}"
    for path in written_files(root):
        if path.parent.name == "grants":
            assert oct(path.stat().st_mode & 0o777) == "0o600"
            continue  # the grant file is where the tokens belong
        for secret in secrets:
            assert secret.encode() not in path.read_bytes(), f"{path} holds a REST secret"
