"""`asrctl apply` end to end: the embedded sandbox, plan files, gates, confirmation, exit codes."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.cli import child_env, run_cli
from support.dutch import data_strings, english_left
from support.repo import PTN, held, make_repo, write_employer

REPO_ROOT = Path(__file__).resolve().parents[2]


def _versions(repo: Path) -> dict[str, int]:
    return {n: r.version for n, r in held(repo).items()}


def test_sandbox_converges_plan_apply_plan(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    applied = run_cli(repo, "apply", "--auto-approve")
    assert applied.code == 1, applied.output  # a blocked employer is exit 1 (DESIGN.md), after the others
    lines = applied.stdout.splitlines()
    assert "+ alpha: will be submitted to a.s.r. (new registration)" in lines  # the plan is shown first
    assert "+ alpha: created (version 1, status submitted)" in lines
    assert "+ beta: created (version 1, status submitted)" in lines
    assert "+ delta: created (version 1, status submitted)" in lines
    assert "! gamma: skipped (blocked by nmbrs.frequency; not submitted)" in lines
    assert lines[-1] == ("Apply finished; blocked employers were not submitted: 3 created, 0 updated, "
                         "0 withdrawn, 1 skipped (blocked).")
    again = run_cli(repo, "plan", "--format", "json")
    plan = json.loads(again.stdout)
    assert {e["id"]: e["action"] for e in plan["employers"]} == {
        "alpha": "noop", "beta": "noop", "delta": "noop", "gamma": "blocked"}
    assert {k: plan["summary"][k] for k in ("create", "update", "withdraw")} == {"create": 0, "update": 0, "withdraw": 0}
    # Nothing left to do but the blocked employer: a second apply writes nothing and says so.
    rerun = run_cli(repo, "apply", "--auto-approve")
    assert rerun.code == 1 and rerun.stdout.splitlines()[-2:] == [
        "! gamma: skipped (blocked by nmbrs.frequency; not submitted)",
        ("Apply finished; blocked employers were not submitted: 0 created, 0 updated, 0 withdrawn, "
        "1 skipped (blocked), 3 unchanged.")]
    assert _versions(repo) == {PTN["alpha"]: 1, PTN["beta"]: 1, PTN["delta"]: 1}


def test_plan_file_is_applied_exactly_and_a_rerun_replays(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    made = run_cli(repo, "plan", "--out", "plan.json", process=True)
    checksum = json.loads((repo / "plan.json").read_text())["checksum"]
    assert f"Checksum: {checksum}" in made.stdout
    applied = run_cli(repo, "apply", "plan.json", "--checksum", checksum, process=True)
    assert applied.code == 1 and "3 created" in applied.stdout  # gamma blocked
    assert f"Applying plan {checksum} from plan.json" in applied.stderr
    # The same plan file again (e.g. after a crash): replayed, nothing submitted twice.
    again = run_cli(repo, "apply", "plan.json", process=True)
    assert again.stdout.count("the registry replayed its answer") == 3, again.output
    assert _versions(repo) == {PTN["alpha"]: 1, PTN["beta"]: 1, PTN["delta"]: 1}


def test_a_stale_or_edited_plan_file_is_refused_before_any_write(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    run_cli(repo, "plan", "--out", "plan.json")
    alpha = repo / "employers" / "alpha.yaml"
    original = alpha.read_bytes()
    alpha.write_bytes(original.replace(b"RW-2026-0001", b"RW-2026-0002"))
    refused = run_cli(repo, "apply", "plan.json")
    assert refused.code == 1
    assert ("error: the declarations or asrctl.yaml changed since the plan was made; run plan again"
            in refused.stderr)
    alpha.write_bytes(original)

    token = repo / "secrets" / "nmbrs.token"
    token_text = token.read_text()
    token.write_text("LEAKCHECK-nmbrs-rotated-000000000\n")
    refused = run_cli(repo, "apply", "plan.json")
    assert refused.code == 1
    assert "error: the token of account 'kantoor' was changed since the plan was made; run plan again" in refused.stderr
    token.write_text(token_text)

    data = json.loads((repo / "plan.json").read_text())
    data["employers"][0]["registry_version"] = 7
    (repo / "edited.json").write_text(json.dumps(data))
    refused = run_cli(repo, "apply", "edited.json")
    assert refused.code == 1 and "was changed after `asrctl plan` wrote it" in refused.stderr
    missing = run_cli(repo, "apply", "nope.json")
    assert missing.code == 1 and "cannot read plan file nope.json" in missing.stderr
    assert held(repo) == {}


def test_checksum_is_what_was_reviewed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    reviewed = json.loads(run_cli(repo, "plan", "--format", "json").stdout)["checksum"]
    wrong = run_cli(repo, "apply", "--auto-approve", "--checksum", "sha256:" + "0" * 64)
    assert wrong.code == 1 and f"the plan to apply has checksum {reviewed}, not the reviewed sha256:0000" in wrong.stderr
    assert held(repo) == {}
    # CI: a fresh plan equal to the reviewed one is applied.
    ok = run_cli(repo, "apply", "--auto-approve", "--checksum", reviewed)
    assert "3 created" in ok.stdout, ok.output
    malformed = run_cli(repo, "apply", "--auto-approve", "--checksum", "abc")
    assert malformed.code == 1 and "is not a plan checksum" in malformed.stderr


def test_off_a_terminal_apply_needs_auto_approve(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    refused = run_cli(repo, "apply")
    assert refused.code == 1
    assert "apply without a plan file asks for confirmation, but this is not a terminal" in refused.stderr
    assert not (repo / ".asrctl").exists()  # refused before starting anything


def test_state_withdrawn_in_the_file_is_the_permission_to_withdraw(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert "3 created" in run_cli(repo, "apply", "--auto-approve").stdout
    write_employer(repo, "beta", "Beta B.V.", "four_weekly", state="withdrawn")
    done = run_cli(repo, "apply", "--auto-approve")
    assert "- beta: withdrawn (version 2, status withdrawn)" in done.stdout, done.output
    assert held(repo)[PTN["beta"]].status == "withdrawn"


_QUESTION = {"en": "Only 'y' (or 'ja') applies [y/N]: ", "nl": "Alleen 'j' (of 'ja') voert ze door [j/N]: "}


def _pty_apply(repo: Path, *answers: str, lang: str = "en") -> tuple[int, str]:
    """apply on a (pseudo) terminal in `lang`, answering each confirmation question in turn."""
    question = _QUESTION[lang].encode()
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "asrctl", "--no-color", "apply"], cwd=repo, stdin=slave,
                            stdout=slave, stderr=slave, env=child_env(repo, {"ASRCTL_LANG": lang}), close_fds=True)
    os.close(slave)
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + 180  # a bound, not a timing: a loaded CI machine is slow
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal and everything it wrote was read
                break
            if not chunk:
                break
            seen += chunk
        if pending and seen.count(question) == len(answers) - len(pending) + 1:
            os.write(master, pending.pop(0).encode() + b"\n")
    code = proc.wait(timeout=10)
    os.close(master)
    return code, seen.decode("utf-8", "replace")


def test_on_a_terminal_apply_asks_first(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    code, out = _pty_apply(repo, "n")
    assert code == 1 and "Apply cancelled; nothing was written." in out
    assert "+ alpha: will be submitted to a.s.r. (new registration)" in out  # the plan was shown first
    assert held(repo) == {}
    code, out = _pty_apply(repo, "y")
    assert "+ alpha: created (version 1, status submitted)" in out, out
    assert set(held(repo)) == {PTN["alpha"], PTN["beta"], PTN["delta"]}


@pytest.mark.parametrize("answer", ["ja", "j", "JA "])
def test_the_prompt_takes_ja_and_nee_in_either_language(answer: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    code, out = _pty_apply(repo, "nee", lang="en")
    assert code == 1 and "Apply cancelled; nothing was written." in out and held(repo) == {}
    code, out = _pty_apply(repo, "misschien", answer, lang="nl")  # an answer that is neither: asked again
    assert "Antwoord met ja of nee (yes of no)." in out
    assert code == 1, out  # gamma is blocked: exit 1 after the others were written
    assert set(held(repo)) == {PTN["alpha"], PTN["beta"], PTN["delta"]}


def test_apply_on_a_terminal_reads_dutch(tmp_path: Path) -> None:
    """The plan, the question, each write and the summary, in Dutch: no English sentence of the same run
    in English is left (support.dutch.english_runs)."""
    plan = json.loads(run_cli(make_repo(tmp_path / "data"), "plan", "--format", "json").stdout)
    _code, english = _pty_apply(make_repo(tmp_path / "en"), "y", lang="en")
    code, dutch = _pty_apply(make_repo(tmp_path / "nl"), "j", lang="nl")
    assert code == 1 and "+ alpha: aangemeld (versie 1, status aangemeld)" in dutch, dutch
    assert "Apply klaar; geblokkeerde werkgevers zijn niet aangemeld: 3 aangemeld" in dutch
    assert "nmbrs.frequency" in dutch  # gamma's finding, in Dutch too
    left = english_left(dutch, english, [*data_strings(plan), "asrctl"])
    assert not left, left


@pytest.mark.skipif(not (REPO_ROOT / "sandbox" / "world.yaml").is_file(), reason="the demo sandbox is not there")
def test_the_demo_repo_converges_on_a_fresh_copy(tmp_path: Path) -> None:
    repo = tmp_path / "demo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "asrctl.yaml", repo / "asrctl.yaml")
    shutil.copytree(REPO_ROOT / "employers", repo / "employers")
    shutil.copytree(REPO_ROOT / "sandbox", repo / "sandbox", ignore=shutil.ignore_patterns("*.sqlite*"))
    before = json.loads(run_cli(repo, "plan", "--format", "json").stdout)
    blocked = {e["id"] for e in before["employers"] if e["action"] == "blocked"}
    assert before["summary"]["create"] + before["summary"]["update"] > 0
    run_cli(repo, "apply", "--auto-approve")
    after = json.loads(run_cli(repo, "plan", "--format", "json").stdout)
    assert {e["id"] for e in after["employers"] if e["action"] != "noop"} == blocked
    assert {k: after["summary"][k] for k in ("create", "update", "withdraw")} == {"create": 0, "update": 0, "withdraw": 0}
