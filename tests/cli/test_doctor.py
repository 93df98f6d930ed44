"""`asrctl doctor` and `asrctl github export-tokens`: the secrets convention of the workflows."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.cli import run_cli
from support.repo import make_repo

REPO = Path(__file__).resolve().parents[2]

ENV_CONFIG = """\
organisation: {name: Salarisbureau Test B.V., contact_email: koppelingen@testkantoor.nl}
nmbrs: {endpoint: "sandbox:world.yaml"}
registry: {url: "sandbox:.asrctl/registry.sqlite", token: {env: ASR_REGISTRY_TOKEN}}
accounts:
  kantoor: {model: overarching, username: api@testkantoor.nl, token: {env: NMBRS_TOKEN_KANTOOR}, domain: testkantoor}
  de-vries: {model: per_debtor, username: api@devries.nl, token: {env: NMBRS_TOKEN_DE_VRIES}, domain: testkantoor,
             debtor: "100"}
"""


def office(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "office")
    (repo / "asrctl.yaml").write_text(ENV_CONFIG)
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name in ("plan.yml", "apply.yml", "drift.yml"):
        shutil.copy(REPO / ".github" / "workflows" / name, workflows / name)
    return repo


def test_asrctls_own_workflows_provide_every_secret(tmp_path: Path) -> None:
    repo = office(tmp_path)
    result = run_cli(repo, "doctor")
    assert result.code == 0, result.output
    assert "NMBRS_TOKEN_DE_VRIES: token of account 'de-vries'" in result.stdout
    assert "Every job that runs asrctl is given every secret asrctl.yaml names." in result.stdout


def test_a_missing_secret_is_named_per_job_with_how_to_provide_it(tmp_path: Path) -> None:
    repo = office(tmp_path)
    drift = repo / ".github" / "workflows" / "drift.yml"
    text = drift.read_text()
    text = text.replace("          ASR_REGISTRY_TOKEN: ${{ secrets.ASR_REGISTRY_TOKEN_READ }}\n", "          X: y\n")
    text = text.replace("run: asrctl github export-tokens", "run: echo no tokens")
    drift.write_text(text)
    result = run_cli(repo, "doctor")
    assert result.code == 1
    assert "✗ drift.yml job drift: ASR_REGISTRY_TOKEN (registry token) is not provided" in result.stdout
    assert "✗ drift.yml job drift: NMBRS_TOKEN_KANTOOR (token of account 'kantoor') is not provided; add " \
           "`asrctl github export-tokens`" in result.stdout
    assert "3 missing secrets in the workflows." in result.stdout
    assert "plan.yml" not in result.stdout.split("✗", 1)[1]


def test_export_tokens_writes_exactly_the_named_secrets(tmp_path: Path) -> None:
    repo = office(tmp_path)
    github_env = tmp_path / "github_env"
    secrets = '{"NMBRS_TOKEN_KANTOOR": "tok-kantoor-1", "OTHER": "not-ours", "github_token": "ghs_x"}'
    result = run_cli(repo, "github", "export-tokens", env={"ASRCTL_SECRETS": secrets, "GITHUB_ENV": str(github_env)})
    assert result.code == 0, result.output
    written = github_env.read_text()
    assert "NMBRS_TOKEN_KANTOOR<<ASRCTL_" in written and "\ntok-kantoor-1\n" in written
    assert "not-ours" not in written and "ghs_x" not in written
    assert "tok-kantoor-1" not in result.output
    assert "::warning title=asrctl: no secret NMBRS_TOKEN_DE_VRIES::" in result.stdout


def test_endpoints_from_the_base_branch_win(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "office")
    config = repo / "asrctl.yaml"
    base = tmp_path / "base-asrctl.yaml"
    base.write_text(config.read_text())
    # The pull request points Nmbrs somewhere else; the base branch's endpoint is used.
    config.write_text(config.read_text().replace("endpoint: sandbox:world.yaml", "endpoint: https://127.0.0.1:9/soap"))
    direct = run_cli(repo, "plan", "--target", "alpha")
    assert direct.code == 1 and "! alpha: blocked" in direct.stdout  # the PR's endpoint: nobody answers
    guarded = run_cli(repo, "plan", "--target", "alpha", "--endpoints-from", str(base))
    assert guarded.code == 0, guarded.output  # the base branch's (the sandbox) answered
    assert "+ alpha: will be submitted" in guarded.stdout
