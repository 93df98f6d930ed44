"""`plan --changed-since REF`: the scope of a change, from a real git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from asrctl.declare.load import load_repo_or_raise
from asrctl.errors import ConfigError
from asrctl.run.changes import changed_scope, git_changes

from support.cli import run_cli
from support.repo import PTN, make_repo, write_employer


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "office")
    (root / ".gitignore").write_text("secrets/\n.asrctl/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "office")
    return root


def scope(repo: Path, ref: str = "HEAD"):
    return changed_scope(load_repo_or_raise(repo / "asrctl.yaml"), ref)


def test_added_changed_renamed_and_deleted_files(repo: Path) -> None:
    write_employer(repo, "beta", "Beta B.V.", "four_weekly", contract="RW-2026-0002")   # changed
    write_employer(repo, "epsilon", "Epsilon B.V.", "monthly")                          # added, untracked
    git(repo, "mv", "employers/alpha.yaml", "employers/alfa.yaml")                       # renamed
    git(repo, "rm", "-q", "employers/delta.yaml")                                       # deleted
    (repo / "README.md").write_text("not an employer\n")
    kinds = {(c.kind, c.path) for c in git_changes(repo, "HEAD")}
    assert {("modified", "employers/beta.yaml"), ("added", "employers/epsilon.yaml"),
            ("deleted", "employers/delta.yaml")} <= kinds
    assert ("renamed", "employers/alfa.yaml") in kinds
    s = scope(repo)
    assert not s.everything
    assert s.employers == {"beta", "epsilon", "alfa"}
    # The deleted file's registration is a withdrawal candidate; the renamed one still is declared.
    assert s.withdrawal_candidates == {PTN["delta"]} and s.deleted == ("employers/delta.yaml",)


def test_an_account_entry_plans_its_employers_and_organisation_plans_everything(repo: Path) -> None:
    config = repo / "asrctl.yaml"
    text = config.read_text()
    config.write_text(text.replace("domain: testkantoor", "domain: testkantoor2"))
    s = scope(repo)
    assert s.accounts == {"kantoor"} and s.employers == {"alpha", "beta", "gamma", "delta"} and not s.everything
    config.write_text(text.replace("max_change_fraction: 0.3", "max_change_fraction: 0.5"))
    s = scope(repo)
    assert s.everything and "`policy`" in (s.reason or "")
    config.write_text(text.replace("Salarisbureau Test B.V.", "Salarisbureau Test BV"))
    assert scope(repo).everything


def test_nothing_changed_plans_nothing(repo: Path) -> None:
    s = scope(repo)
    assert s.employers == frozenset() and not s.everything


def test_an_unknown_ref_says_how_to_fetch_it(repo: Path) -> None:
    with pytest.raises(ConfigError, match="git knows no such commit") as info:
        scope(repo, "origin/nope")
    assert "fetch-depth: 0" in (info.value.hint or "")
    with pytest.raises(ConfigError, match="is not a git ref"):
        scope(repo, "--output=/tmp/x")


def test_a_pr_changing_one_employer_passes_while_another_is_blocked(repo: Path) -> None:
    whole = run_cli(repo, "plan", "--detailed-exitcode")
    assert whole.code == 1 and "gamma" in whole.stdout  # gamma is blocked: the whole plan is red
    write_employer(repo, "beta", "Beta B.V.", "four_weekly", contract="RW-2026-0002")
    scoped = run_cli(repo, "plan", "--changed-since", "HEAD", "--detailed-exitcode", "--format", "json")
    assert scoped.code == 2, scoped.output  # changes, nothing failed
    import json

    plan = json.loads(scoped.stdout)
    assert [e["id"] for e in plan["employers"]] == ["beta"] and plan["changed_since"] == "HEAD"
    assert plan["targets"] == ["beta"]
    assert 0 < plan["stats"]["nmbrs_calls"] < json.loads(
        run_cli(repo, "plan", "--format", "json").stdout)["stats"]["nmbrs_calls"]


def test_a_change_outside_the_employers_plans_nothing_and_says_so(repo: Path) -> None:
    (repo / "README.md").write_text("notes\n")
    result = run_cli(repo, "plan", "--changed-since", "HEAD", "--detailed-exitcode")
    assert result.code == 0, result.output  # gamma is blocked, but this change does not touch it
    assert "No employer file or account changed since HEAD: nothing to plan." in result.stdout


def test_a_deleted_file_is_a_withdrawal_candidate_that_needs_permission(repo: Path) -> None:
    assert "3 created" in run_cli(repo, "apply", "--auto-approve").stdout
    git(repo, "rm", "-q", "employers/delta.yaml")
    result = run_cli(repo, "plan", "--changed-since", "HEAD", "--format", "json")
    assert result.code == 0, result.output
    import json

    plan = json.loads(result.stdout)
    assert plan["employers"] == [] and [u["payroll_tax_number"] for u in plan["unmanaged"]] == [PTN["delta"]]
    assert plan["unmanaged"][0]["action"] == "none"  # policy.allow_withdraw is false
    [warning] = [c for c in plan["checks"] if c["id"] == "registry.unmanaged"]
    assert "its employer file is deleted; apply leaves it as it is" in warning["message"]
    assert "state: withdrawn" in warning["hint"]


def test_changed_since_and_target_do_not_mix(repo: Path) -> None:
    both = run_cli(repo, "plan", "--changed-since", "HEAD", "--target", "beta")
    assert both.code == 1 and "pass one of them" in both.stderr
