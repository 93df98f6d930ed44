"""The GitOps flow end to end: a pull request's scoped plan, its comment, the apply after merge,
a.s.r.'s answers — against the loopback GitHub fake and the embedded Nmbrs and registry simulators.

Real git repository, real CLI (in process, through the top-level handler), real HTTP.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.github import body as gb

from fakes.github_server import FakeGitHub
from support.cli import Run, run_cli
from support.repo import PTN, held, make_repo, write_employer

TOKEN = "ghs_FlowTest0Token4sRx9qZ"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN)
    with server.running():
        yield server


class Office:
    """An office repository on main with its registrations made, and a GitHub to talk to."""

    def __init__(self, root: Path, fake: FakeGitHub, *, blocked: bool = True) -> None:
        employers = None if blocked else {
            "alpha": ("Alpha B.V.", "monthly", "[{name: A. Alpha, employee_number: 1}]"),
            "beta": ("Beta B.V.", "four_weekly", "[]"),
            "delta": ("Delta B.V.", "monthly", "[]"),
        }
        self.repo = make_repo(root, employers=employers)
        self.fake = fake
        (self.repo / ".gitignore").write_text("secrets/\n.asrctl/\n*.json\n*.md\n")
        git(self.repo, "init", "-q", "-b", "main")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", "office")
        made = run_cli(self.repo, "apply", "--auto-approve")
        assert "3 created" in made.stdout, made.output
        self.outputs = root / "github_output"
        self.env = {
            "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": fake.repository, "GITHUB_API_URL": fake.url,
            "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "77", "GITHUB_OUTPUT": str(self.outputs),
        }

    def cli(self, *args: str, **env: str) -> Run:
        result = run_cli(self.repo, *args, env={**self.env, **env})
        assert TOKEN not in result.output
        return result

    def pull_request(self, change: str = "beta") -> tuple[int, str, str]:
        """A reviewed pull request changing one employer file: (number, base, head), its plan commented."""
        base = git(self.repo, "rev-parse", "HEAD")
        if change == "beta":
            write_employer(self.repo, "beta", "Beta B.V.", "four_weekly", contract="RW-2026-0002")
        else:
            write_employer(self.repo, change, f"{change.title()} B.V.", "monthly", contract="RW-2026-0002")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", f"change {change}")
        head = git(self.repo, "rev-parse", "HEAD")
        pr = self.fake.add_issue(title=f"Change {change}", pull=True, head_sha=head, merge_commit_sha=head,
                                 merged=True)
        planned = self.cli("plan", "--changed-since", base, "--detailed-exitcode", "--out", "pr-plan.json")
        assert planned.code == 2, planned.output  # changes, and nothing this PR touches fails
        posted = self.cli("github", "comment", "--pr", str(pr), "--plan", "pr-plan.json", "--head-sha", head)
        assert posted.code == 0, posted.output
        return pr, base, head

    def plan_on_main(self, base: str, head: str) -> tuple[Run, Run]:
        """After the merge (fast-forward: head is on main): plan the merged change's scope, verify it."""
        plan = self.cli("plan", "--changed-since", base, "--out", "main-plan.json", "--format", "markdown")
        assert plan.code == 0, plan.output
        (self.repo / "main-plan.md").write_text(plan.stdout)
        verify = self.cli("github", "verify-plan", "--plan", "main-plan.json", "--body-file", "main-plan.md",
                          "--sha", head)
        return plan, verify

    def comments(self, number: int, marker: str) -> list[str]:
        return [c["body"] for c in self.fake.comments_on(number) if gb.has_marker(c["body"], marker)]


def test_an_unrelated_status_change_between_review_and_merge_does_not_stop_apply(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    office = Office(tmp_path / "office", fake)
    pr, base, head = office.pull_request("beta")
    [comment] = office.comments(pr, gb.PLAN_MARKER)
    assert "beta" in comment and "gamma" not in comment  # the blocked employer is not this PR's business
    reviewed = gb.read_meta(comment)["checksum"]

    # a.s.r. sets alpha up (its registration's version and status move) before the merge.
    moved = office.cli("sandbox", "advance", "alpha", "--to", "in_setup")
    assert moved.code == 0, moved.output

    _, verify = office.plan_on_main(base, head)
    assert verify.code == 0, verify.output
    assert verify.stdout.strip() == reviewed
    applied = office.cli("apply", "--auto-approve", "--checksum", reviewed, "main-plan.json")
    assert applied.code == 0, applied.output
    assert "~ beta: updated" in applied.stdout
    assert held(office.repo)[PTN["beta"]].contract_number == "RW-2026-0002"
    assert office.comments(pr, gb.APPLY_MARKER) == []


def test_a_changed_write_set_is_refused_and_the_employer_named(tmp_path: Path, fake: FakeGitHub) -> None:
    office = Office(tmp_path / "office", fake)
    pr, base, head = office.pull_request("beta")
    # a.s.r. moves beta itself: the write the PR reviewed (If-Match its old version) is not the write now.
    assert office.cli("sandbox", "advance", "beta", "--to", "in_setup").code == 0

    _, verify = office.plan_on_main(base, head)
    assert verify.code == 1
    assert "main has moved on" not in verify.stderr  # main did not: the registry did
    assert "what Nmbrs or the a.s.r. registry report changed" in verify.stderr
    [refusal] = office.comments(pr, gb.APPLY_MARKER)
    assert "Nothing was applied" in refusal
    differences = refusal.split("**Writes that differ from the reviewed plan**")[1].split("**What to do**")[0]
    assert "`beta`: update under registry version 2, reviewed under 1" in differences
    assert "alpha" not in differences and "delta" not in differences
    assert held(office.repo)[PTN["beta"]].contract_number == "RW-2026-0001"  # nothing written


def test_a_rejection_keeps_the_drift_issue_open_with_the_reason(tmp_path: Path, fake: FakeGitHub) -> None:
    office = Office(tmp_path / "office", fake, blocked=False)
    reason = "contract RW-2026-0001 unknown at a.s.r."
    assert office.cli("sandbox", "advance", "delta", "--to", "rejected", "--detail", reason).code == 0

    for night in range(2):
        plan = office.cli("plan", "--detailed-exitcode", "--format", "markdown", "--out", "plan.json")
        assert plan.code == 2, plan.output  # a rejection is drift, though nothing is to be written
        assert "1 rejected by a.s.r." in plan.stdout
        (office.repo / "plan.md").write_text(plan.stdout)
        drift = office.cli("github", "drift", "--body-file", "plan.md", "--plan", "plan.json",
                           "--exit-code", str(plan.code))
        assert drift.code == 0, drift.output
        # The second night: the same drift. Its footer dates the run to the minute, so a night that
        # starts in another minute than the first updates the issue, but never with a "drift changed"
        # comment: nobody is notified for drift that persists.
        assert any(f"drift issue #1: {action}" in drift.stdout
                   for action in (("opened",) if night == 0 else ("unchanged", "updated"))), drift.stdout
    [issue] = [i for i in fake.issues.values() if gb.has_marker(i["body"], gb.DRIFT_MARKER)]
    assert fake.comments_on(int(issue["number"])) == []
    assert issue["state"] == "open" and "rejected 1 registration" in issue["title"]
    assert f"`delta`: {reason}" in issue["body"]


def test_go_live_is_announced_once_on_the_pull_request_that_submitted_it(tmp_path: Path, fake: FakeGitHub) -> None:
    office = Office(tmp_path / "office", fake, blocked=False)
    pr, base, head = office.pull_request("epsilon")  # a new employer
    _, verify = office.plan_on_main(base, head)
    assert verify.code == 0, verify.output
    applied = office.cli("apply", "--auto-approve", "--checksum", verify.stdout.strip(), "main-plan.json")
    assert applied.code == 0, applied.output
    recorded = office.cli("github", "announce", "--plan", "main-plan.json", "--submitted-by", str(pr))
    assert recorded.code == 0, recorded.output

    assert office.cli("sandbox", "advance", "epsilon", "--to", "active", "--date", "2027-01-01").code == 0
    for _ in range(3):  # three nights
        nightly = office.cli("plan", "--out", "plan.json", "--format", "json")
        assert nightly.code == 0, nightly.output
        assert office.cli("github", "announce", "--plan", "plan.json").code == 0
    on_pr = [c["body"] for c in fake.comments_on(pr) if "is live at a.s.r." in c["body"]]
    assert len(on_pr) == 1 and "**epsilon**" in on_pr[0] and "2027-01-01" in on_pr[0]
    # The record lives in the onboarding issue; the others are still submitted: nothing to announce.
    [issue] = [i for i in fake.issues.values() if gb.has_marker(i["body"], gb.ONBOARDING_MARKER)]
    assert fake.comments_on(issue["number"]) == []
    assert "1 employer live" in issue["body"] and gb.read_meta(issue["body"])["announced"]["epsilon"] == "a"
    assert gb.read_meta(issue["body"])["prs"] == {"epsilon": pr}

    # Set-up of an employer no pull request is known for: one line in the onboarding issue, once.
    assert office.cli("sandbox", "advance", "alpha", "--to", "in_setup").code == 0
    for _ in range(2):
        assert office.cli("plan", "--out", "plan.json", "--format", "json").code == 0
        assert office.cli("github", "announce", "--plan", "plan.json").code == 0
    lines = [c["body"] for c in fake.comments_on(issue["number"])]
    assert len(lines) == 1 and lines[0].startswith("**alpha** is being set up by a.s.r.")
