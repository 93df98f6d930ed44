"""`asrctl init`: a new office repository that validates, pinned workflows, no overwrites, a terminal dialogue."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from test_workflows import HOOKS, check_jsonschema

from asrctl import __version__
from asrctl.errors import ConfigError
from asrctl.run.scaffold import (
    OfficeAnswers,
    check_account,
    check_codeowner,
    check_debtor,
    check_domain,
    check_email,
    check_office,
    check_tag,
    office_files,
    registry_url,
    token_env,
    write_office,
)

from support.cli import child_env, run_cli

REPO = Path(__file__).resolve().parents[2]
OPTIONS = ["--office", "Salarisbureau Voorbeeld B.V.", "--contact-email", "koppelingen@voorbeeld.nl",
           "--domain", "voorbeeld", "--model", "overarching", "--username", "api-asr@voorbeeld.nl"]
ANSWERS = OfficeAnswers(office="Salarisbureau Voorbeeld B.V.", contact_email="koppelingen@voorbeeld.nl",
                        domain="voorbeeld", model="overarching", username="api-asr@voorbeeld.nl")


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def init(tmp_path: Path, *args: str) -> Path:
    office = tmp_path / "office"
    result = run_cli(tmp_path, "init", "office", *args)
    assert result.code == 0, result.output
    return office


# --- the repository it writes ----------------------------------------------------------------------------


def test_init_writes_a_production_repository_that_validates(tmp_path: Path) -> None:
    office = init(tmp_path, *OPTIONS)
    files = sorted(p.relative_to(office).as_posix() for p in office.rglob("*") if p.is_file())
    assert files == [".github/actions/setup-asrctl/action.yml", ".github/workflows/apply.yml",
                     ".github/workflows/drift.yml", ".github/workflows/plan.yml", ".gitignore",
                     ".pre-commit-config.yaml", "CODEOWNERS", "README.md", "asrctl.yaml",
                     "employers/voorbeeld.yaml.example", "schemas/asrctl.schema.json", "schemas/employer.schema.json"]
    config = load(office / "asrctl.yaml")
    assert config["nmbrs"]["endpoint"] == "https://api.nmbrs.nl/soap/v3/"
    assert config["registry"] == {"url": registry_url(), "token": {"env": "ASR_REGISTRY_TOKEN"}}
    assert config["organisation"] == {"name": "Salarisbureau Voorbeeld B.V.", "contact_email": "koppelingen@voorbeeld.nl"}
    assert config["accounts"] == {"kantoor": {"model": "overarching", "username": "api-asr@voorbeeld.nl",
                                              "token": {"env": "NMBRS_TOKEN_KANTOOR"}, "domain": "voorbeeld"}}
    text = (office / "asrctl.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=schemas/asrctl.schema.json\n")
    for where in ("Bedrijfsnaam", "Gebruiker profiel > API-Token", "after https:// and before .nmbrs", "# tag: a.s.r."):
        assert where in text
    # As a user runs it, in its own process: validate and the schema check are clean.
    validate = run_cli(office, "validate", process=True)
    assert validate.code == 0 and "geen problemen" in validate.output, validate.output  # init writes language: nl
    schemas = run_cli(office, "schema", "--check", process=True)
    assert schemas.code == 0, schemas.output
    # The workflows give every job each secret asrctl.yaml names (asrctl doctor's check).
    doctor = run_cli(office, "doctor")
    assert doctor.code == 0 and "NMBRS_TOKEN_KANTOOR" in doctor.output, doctor.output


def test_the_registry_url_is_the_contracts() -> None:
    contract = load(REPO / "asrctl" / "sandbox" / "data" / "asr-registry.openapi.yaml")
    assert registry_url() == contract["servers"][0]["url"]
    assert registry_url().startswith("https://")


def test_the_example_employer_is_not_read_but_validates_once_copied(tmp_path: Path) -> None:
    office = init(tmp_path, *OPTIONS)
    example = office / "employers" / "voorbeeld.yaml.example"
    assert example.read_text().startswith("# yaml-language-server: $schema=../schemas/employer.schema.json\n")
    (office / "employers" / "bakkerij-de-vries.yaml").write_text(example.read_text())
    result = run_cli(office, "validate")
    assert result.code == 0 and "2 files checked: no problems" in result.output, result.output
    # A mistake in the copy is found: the example is a real employer file, not prose.
    (office / "employers" / "bakkerij-de-vries.yaml").write_text(example.read_text().replace("monthly", "weekly"))
    assert run_cli(office, "validate").code == 1


def test_per_debtor_asks_for_the_debtor_and_writes_it_quoted(tmp_path: Path) -> None:
    args = [a if a != "overarching" else "per_debtor" for a in OPTIONS]
    missing = run_cli(tmp_path, "init", "office", *args)
    assert missing.code == 1 and "--debtor" in missing.output
    office = init(tmp_path, *args, "--debtor", "1042", "--account", "de-vries")
    text = (office / "asrctl.yaml").read_text()
    assert '    debtor: "1042"\n' in text and "Master bedrijfslogin" in text
    assert load(office / "asrctl.yaml")["accounts"]["de-vries"]["token"] == {"env": "NMBRS_TOKEN_DE_VRIES"}
    assert "account: de-vries" in (office / "employers" / "voorbeeld.yaml.example").read_text()
    assert run_cli(office, "validate").code == 0


def test_a_tag_and_an_odd_office_name_are_written_as_given(tmp_path: Path) -> None:
    name = 'Loon & Co "Noord": #1 B.V.'
    office = init(tmp_path, *[name if a == "Salarisbureau Voorbeeld B.V." else a for a in OPTIONS], "--tag", "a.s.r.")
    config = load(office / "asrctl.yaml")
    assert config["organisation"]["name"] == name
    assert config["accounts"]["kantoor"]["tag"] == "a.s.r."
    assert run_cli(office, "validate").code == 0


@pytest.mark.parametrize("given, domain", [("voorbeeld", "voorbeeld"), ("https://Voorbeeld.nmbrs.nl/applications", "voorbeeld"),
                                           ("voorbeeld.nmbrs.nl", "voorbeeld")])
def test_a_pasted_nmbrs_address_is_taken_to_its_domain(given: str, domain: str) -> None:
    assert check_domain(given) == domain


# --- what it refuses --------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--office", "--contact-email", "--domain", "--model", "--username"])
def test_without_a_terminal_a_missing_answer_is_a_usage_error_naming_the_option(tmp_path: Path, option: str) -> None:
    index = OPTIONS.index(option)
    result = run_cli(tmp_path, "init", "office", *OPTIONS[:index], *OPTIONS[index + 2:])
    assert result.code == 1, result.output
    assert f"missing option '{option}'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "office").exists()


@pytest.mark.parametrize("option, value, says", [
    ("--contact-email", "koppelingen", "is not an e-mail address"),
    ("--domain", "voor beeld", "is not an Nmbrs domain"),
    ("--username", "api@", "is not an e-mail address"),
    ("--model", "both", "'both' is not one of"),
])
def test_a_bad_answer_is_a_usage_error(tmp_path: Path, option: str, value: str, says: str) -> None:
    index = OPTIONS.index(option)
    result = run_cli(tmp_path, "init", "office", *OPTIONS[:index + 1], value, *OPTIONS[index + 2:])
    assert result.code == 1 and says in result.output and option in result.output, result.output
    assert not (tmp_path / "office").exists()


def test_init_refuses_to_overwrite_an_existing_repository(tmp_path: Path) -> None:
    office = tmp_path / "office"
    office.mkdir()
    (office / "README.md").write_text("our own readme\n")
    result = run_cli(tmp_path, "init", "office", *OPTIONS)
    assert result.code == 1 and "already holds README.md" in result.output and "overwrites nothing" in result.output
    assert (office / "README.md").read_text() == "our own readme\n"
    assert sorted(p.name for p in office.iterdir()) == ["README.md"]
    # An initialised repository is refused as a whole, a second time too.
    (tmp_path / "second").mkdir()
    again = init(tmp_path / "second", *OPTIONS)
    before = {p: p.read_bytes() for p in again.rglob("*") if p.is_file()}
    result = run_cli(tmp_path / "second", "init", "office", *OPTIONS)
    assert result.code == 1 and "already holds asrctl.yaml" in result.output
    assert before == {p: p.read_bytes() for p in again.rglob("*") if p.is_file()}


def test_init_in_a_fresh_clone_keeps_its_git_folder(tmp_path: Path) -> None:
    office = tmp_path / "office"
    (office / ".git").mkdir(parents=True)
    (office / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    init(tmp_path, *OPTIONS)
    assert (office / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"


# --- workflows, pre-commit, CODEOWNERS ----------------------------------------------------------------------


def test_the_office_workflows_pass_githubs_schemas_offline(tmp_path: Path) -> None:
    office = init(tmp_path, *OPTIONS, "--account", "de-vries")
    workflows = sorted(str(p) for p in (office / ".github" / "workflows").glob("*.yml"))
    assert len(workflows) == 3
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        result = check_jsonschema("--builtin-schema", schema, *workflows)
        assert result.returncode == 0, result.stdout + result.stderr
    action = office / ".github" / "actions" / "setup-asrctl" / "action.yml"
    result = check_jsonschema("--builtin-schema", "vendor.github-actions", str(action))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_office_workflows_are_asrctls_own_with_the_offices_secret(tmp_path: Path) -> None:
    files = office_files(OfficeAnswers(**{**ANSWERS.__dict__, "account": "de-vries"}))
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        own = (REPO / ".github" / "workflows" / name).read_text()
        packaged = (REPO / "asrctl" / "run" / "office" / "workflows" / name).read_text()
        assert packaged == own, f"asrctl/run/office/workflows/{name} differs from .github/workflows/{name}: " \
                                "run `make office-templates`"
        assert files[f".github/workflows/{name}"] == own.replace("NMBRS_TOKEN_KANTOOR", "NMBRS_TOKEN_DE_VRIES")
    # Every {env: NAME} of asrctl.yaml reaches the plan job: passed from a secret by name, or
    # (the Nmbrs tokens) exported from the secrets named after it.
    names = set(re.findall(r"\{env: ([A-Z0-9_]+)\}", files["asrctl.yaml"]))
    assert names == {"ASR_REGISTRY_TOKEN", token_env("de-vries")}
    plan = files[".github/workflows/plan.yml"]
    exported = "toJSON(secrets)" in plan and "asrctl github export-tokens" in plan
    for env in names:
        passed = re.search(rf"^\s+{env}: \$\{{\{{ secrets\.", plan, re.MULTILINE)
        assert passed or (exported and env.startswith("NMBRS_TOKEN_")), env


def test_the_workflows_install_the_pinned_release_never_the_checkout(tmp_path: Path) -> None:
    files = office_files(ANSWERS)
    action = files[".github/actions/setup-asrctl/action.yml"]
    assert f"PINNED: asrctl=={__version__}\n" in action
    assert 'pip install --disable-pip-version-check "${PIP_SPEC:-$PINNED}"' in action
    assert "pip install ." not in action and "pyproject" not in action
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        assert "uses: ./.github/actions/setup-asrctl" in files[f".github/workflows/{name}"]


def test_the_action_installs_the_pin_unless_the_variable_says_otherwise(tmp_path: Path) -> None:
    # The install script itself, with pip replaced by echo: an empty input (an unset variable) means the pin.
    action = YAML(typ="safe", pure=True).load(office_files(ANSWERS)[".github/actions/setup-asrctl/action.yml"])
    step = action["runs"]["steps"][1]
    script = step["run"].replace("python -m pip install", "echo pip install").replace("asrctl --version", "true")
    for given, installed in [("", f"asrctl=={__version__}"), ("asrctl==9.9.9", "asrctl==9.9.9")]:
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=10, check=True,
                              env={**os.environ, "PIP_SPEC": given, "PINNED": step["env"]["PINNED"]})
        assert done.stdout.strip() == f"pip install --disable-pip-version-check {installed}"


def test_pre_commit_runs_asrctls_hook_from_the_same_release() -> None:
    config = YAML(typ="safe", pure=True).load(office_files(ANSWERS)[".pre-commit-config.yaml"])
    [hook] = config["repos"][0]["hooks"]
    [own] = [h for h in load(HOOKS) if h["id"] == "asrctl-validate"]
    for key in ("id", "name", "entry", "language", "files", "pass_filenames", "description"):
        assert hook[key] == own[key], key
    assert config["minimum_pre_commit_version"] == own["minimum_pre_commit_version"]
    assert hook["additional_dependencies"] == [f"asrctl=={__version__}"]


def test_codeowners_guard_the_config_and_the_workflows(tmp_path: Path) -> None:
    office = init(tmp_path, *OPTIONS, "--codeowner", "@voorbeeld/asrctl-beheer", "--codeowner", "@jdevries")
    rules = [line.split() for line in (office / "CODEOWNERS").read_text().splitlines()
             if line and not line.startswith("#")]
    assert {r[0] for r in rules} == {"/asrctl.yaml", "/.github/", "/.pre-commit-config.yaml", "/CODEOWNERS"}
    assert all(r[1:] == ["@voorbeeld/asrctl-beheer", "@jdevries"] for r in rules)
    # Without an owner the rules are there to fill in, and init says so.
    result = run_cli(tmp_path, "init", "bare", *OPTIONS)
    assert "name the owners in CODEOWNERS" in result.output
    text = (tmp_path / "bare" / "CODEOWNERS").read_text()
    assert "# TODO: name the owners" in text and "# /asrctl.yaml" in text
    assert run_cli(tmp_path, "init", "bad", *OPTIONS, "--codeowner", "jdevries").code == 1


def test_the_gitignore_keeps_tokens_and_plans_out() -> None:
    ignored = office_files(ANSWERS)[".gitignore"].splitlines()
    for pattern in (".asrctl/", "plan.json", "*.token", "asrctl-crash-*.txt"):
        assert pattern in ignored


@pytest.mark.parametrize("check, value, says", [
    (check_office, "   ", "give the office's name"),
    (check_office, "x" * 201, "at most 200 characters"),
    (check_account, "Kantoor 1", "is not an account name"),
    (check_debtor, "10 42", "is not a debtor number"),
    (check_tag, "t" * 101, "at most 100 characters"),
    (check_codeowner, "jdevries", "is not a GitHub user"),
    (check_email, "info@", "is not an e-mail address"),
])
def test_each_answer_has_its_own_plain_message(check: Callable[[str], str], value: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        check(value)


def test_a_file_appearing_while_init_writes_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asrctl.run import scaffold

    real = scaffold.write_atomic

    def racing(path: Path, text: str, *, overwrite: bool = True) -> None:
        if path.name == "README.md":
            raise FileExistsError(path)  # someone else wrote it a moment ago
        real(path, text, overwrite=overwrite)

    monkeypatch.setattr(scaffold, "write_atomic", racing)
    with pytest.raises(ConfigError, match="README.md appeared while asrctl init was writing") as raised:
        write_office(tmp_path, ANSWERS)
    assert raised.value.hint == "already written: asrctl.yaml, employers/voorbeeld.yaml.example"


def _prompted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str, *args: str) -> tuple[int, str]:
    """init with its prompts answered from `typed`, in this process (as on a terminal)."""
    from click.testing import CliRunner

    from asrctl.cli import cli
    from asrctl.cli import init as init_command
    from asrctl.cli.errors import run_guarded

    monkeypatch.setattr(init_command, "_on_terminal", lambda: True)
    monkeypatch.chdir(tmp_path)
    with CliRunner().isolation(input=typed, env={"NO_COLOR": "1"}) as (out, _err, _):
        code = run_guarded(cli, ["init", "office", *args])
        return code, out.getvalue().decode()


def test_prompts_ask_again_until_an_answer_is_right(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = ["", "Salarisbureau Voorbeeld B.V.", "koppelingen@voorbeeld.nl", "voorbeeld", "beide", "per_debtor",
               "api-asr@voorbeeld.nl", "10 42", "1042", "jdevries", "@jdevries", ""]
    code, screen = _prompted(tmp_path, monkeypatch, "\n".join(answers))
    assert code == 0, screen
    assert screen.count("Name of your payroll office (Bedrijfsnaam): ") == 2  # nothing typed: asked again
    for says in ("'beide' is not one of", "is not a debtor number", "'jdevries' is not a GitHub user"):
        assert says in screen
    config = load(tmp_path / "office" / "asrctl.yaml")
    assert config["accounts"] == {"debiteur-1042": {"model": "per_debtor", "username": "api-asr@voorbeeld.nl",
                                                    "token": {"env": "NMBRS_TOKEN_DEBITEUR_1042"},
                                                    "domain": "voorbeeld", "debtor": "1042"}}
    assert "@jdevries" in (tmp_path / "office" / "CODEOWNERS").read_text()


def test_enter_takes_the_default_tag_and_leaves_the_owners_to_fill_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, screen = _prompted(tmp_path, monkeypatch, "\n\n", *OPTIONS)  # the tag's default, no owner
    assert code == 0, screen
    assert load(tmp_path / "office" / "asrctl.yaml")["accounts"]["kantoor"]["tag"] == "a.s.r."
    assert "# TODO: name the owners" in (tmp_path / "office" / "CODEOWNERS").read_text()


# --- on a terminal -------------------------------------------------------------------------------------------


def _converse(cwd: Path, argv: list[str], script: list[tuple[str, str]], timeout: float = 60) -> tuple[int, str]:
    """Run asrctl on a pseudo-terminal; answer each prompt (a regex) with its line; return (exit code, screen)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "asrctl", *argv], cwd=cwd, stdin=slave, stdout=slave,
                            stderr=slave, env={**child_env(cwd), "TERM": "dumb"}, close_fds=True)
    os.close(slave)
    screen = ""
    deadline = time.monotonic() + timeout
    pending = list(script)
    seen = 0  # a prompt counts only when it appears after the last answer
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk.decode("utf-8", "replace")
            if pending and re.search(pending[0][0], screen[seen:].rsplit("\n", 1)[-1]):
                os.write(master, (pending.pop(0)[1] + "\n").encode())
                seen = len(screen)
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not pending, f"never asked {pending[0][0]!r}:\n{screen}"
    return code, screen


def test_on_a_terminal_init_asks_and_asks_again_after_a_wrong_answer(tmp_path: Path) -> None:
    code, screen = _converse(tmp_path, ["init", "office"], [
        (r"Name of your payroll office.*: $", "Salarisbureau Voorbeeld B.V."),
        (r"Contact e-mail address.*: $", "koppelingen-at-voorbeeld.nl"),  # wrong: asked again
        (r"Contact e-mail address.*: $", "koppelingen@voorbeeld.nl"),
        (r"Nmbrs domain.*: $", "https://voorbeeld.nmbrs.nl"),
        (r"per_debtor.*\[overarching\]: $", ""),  # the default
        (r"Nmbrs login e-mail.*: $", "api-asr@voorbeeld.nl"),
        (r"Debtor tag.*\[a\.s\.r\.\]: $", ""),
        (r"GitHub user or team.*: $", "@voorbeeld/asrctl-beheer"),
    ])
    assert code == 0, screen
    assert "is not an e-mail address" in screen
    office = tmp_path / "office"
    config = load(office / "asrctl.yaml")
    assert config["accounts"]["kantoor"]["domain"] == "voorbeeld"
    assert config["accounts"]["kantoor"]["tag"] == "a.s.r."
    assert "@voorbeeld/asrctl-beheer" in (office / "CODEOWNERS").read_text()
    assert run_cli(office, "validate").code == 0


def test_on_a_terminal_given_options_are_not_asked_again(tmp_path: Path) -> None:
    code, screen = _converse(tmp_path, ["init", "office", *OPTIONS, "--tag", "a.s.r.", "--codeowner", "@kantoor"], [])
    assert code == 0, screen
    assert screen.startswith("wrote asrctl.yaml"), screen  # no question before the first file
