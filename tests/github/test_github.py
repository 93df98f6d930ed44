"""`asrctl github ...` end to end over HTTP against a local fake of GitHub's REST API.

Real requests, real CLI (through the same top-level handler as the `asrctl` binary),
loopback only. The fake enforces what GitHub enforces that matters here: the token,
the 65,536-character body limit, pagination with Link headers, who may edit what.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from asrctl.github import body as gh
from asrctl.github.client import RetryPolicy
from asrctl.plan.make import Plan

from fakes.github_server import BOT, FakeGitHub
from support.cli import run_cli
from support.plans import PTN, employer, plan_of, registration

TOKEN = "ghs_Recognisable0Token4sRx9qZ"
HEAD = "1111111111111111111111111111111111111111"
MERGE = "2222222222222222222222222222222222222222"
PLAN_V1 = "## asrctl plan\n\n| employer | action |\n|---|---|\n| bakkerij-de-vries | create |\n"
PLAN_V2 = "## asrctl plan\n\n| employer | action |\n|---|---|\n| bakkerij-de-vries | update |\n"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=TOKEN)
    with server.running():
        yield server


@pytest.fixture
def ghenv(fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment GitHub Actions gives a step, pointed at the fake."""
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "ASRCTL_GITHUB")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.repository)
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github_output"))
    monkeypatch.setenv("ASRCTL_CRASH_DIR", str(tmp_path))
    return tmp_path


def set_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, head: str = HEAD) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": number, "pull_request": {"number": number, "head": {"sha": head}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    done = run_cli(Path.cwd(), *args)  # the one way to run the CLI in tests (capsys: kept for the callers)
    result = Result(done.code, done.stdout, done.stderr)
    assert TOKEN not in result.out + result.err
    return result


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def reviewed_plan() -> Plan:
    """bakkerij-de-vries is new (create); garage-jansen is registered as declared (noop)."""
    bakkerij, garage = employer(PTN[0]), employer(PTN[1], "Garage Jansen")
    return plan_of({"bakkerij-de-vries": bakkerij, "garage-jansen": garage}, [registration(garage)])


def changed_plan() -> Plan:
    """The same files, but the registry holds garage-jansen as four-weekly: an update appears."""
    bakkerij, garage = employer(PTN[0]), employer(PTN[1], "Garage Jansen")
    return plan_of({"bakkerij-de-vries": bakkerij, "garage-jansen": garage},
                   [registration(garage, payroll={"frequency": "four_weekly"})])


REVIEWED = reviewed_plan()
CHECKSUM = REVIEWED.checksum


def plan_json(tmp_path: Path, plan: Plan = REVIEWED) -> str:
    return write(tmp_path, "plan.json", plan.to_json())


def marked(fake: FakeGitHub, number: int, marker: str = gh.PLAN_MARKER) -> list[dict]:
    return [c for c in fake.comments_on(number) if gh.has_marker(c["body"], marker)]


# --- the sticky plan comment -----------------------------------------------------------------


def test_plan_comment_is_created_then_updated_in_place_past_the_first_page(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(title="Add Bakkerij De Vries", pull=True, head_sha=HEAD)
    for i in range(150):  # two pages of other people's comments
        fake.add_comment(pr, f"Looks good {i}")
    # A human quoting our marker is not our comment (and we could not edit it anyway).
    human = fake.add_comment(pr, gh.marker_line(gh.PLAN_MARKER) + "\nquoted plan")
    set_event(ghenv, monkeypatch, pr)

    first = run(capsys, "github", "comment", "--body-file", write(ghenv, "plan.md", PLAN_V1),
                "--plan", plan_json(ghenv))
    assert first.code == 0, first.err
    assert "created" in first.out
    mine = [c for c in marked(fake, pr) if c["user"]["login"] == BOT]
    assert len(mine) == 1
    body = mine[0]["body"]
    assert "| bakkerij-de-vries | create |" in body
    assert CHECKSUM in body and HEAD[:12] in body
    assert gh.read_meta(body)["checksum"] == CHECKSUM
    assert "https://github.example/voorbeeld/werkgevers/actions/runs/4242" in body
    pages = [r.query.get("page", ["1"])[0] for r in fake.calls("GET", r"/issues/\d+/comments")]
    assert pages == ["1", "2"]

    second = run(capsys, "github", "comment", "--body-file", write(ghenv, "plan.md", PLAN_V2),
                 "--plan", plan_json(ghenv))
    assert second.code == 0, second.err
    assert "updated" in second.out
    mine_after = [c for c in marked(fake, pr) if c["user"]["login"] == BOT]
    assert [c["id"] for c in mine_after] == [mine[0]["id"]]
    assert "| bakkerij-de-vries | update |" in mine_after[0]["body"]
    assert len(fake.calls("POST")) == 1
    assert len(fake.comments_on(pr)) == 152
    assert fake.comments[human]["body"].endswith("quoted plan")


def test_a_plan_comment_on_a_later_page_is_found_and_duplicates_removed(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    for i in range(120):
        fake.add_comment(pr, f"comment {i}")
    old = fake.add_comment(pr, gh.marker_line(gh.PLAN_MARKER) + "\nold plan", user=BOT)
    racer = fake.add_comment(pr, gh.marker_line(gh.PLAN_MARKER) + "\nraced plan", user=BOT)

    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 0, result.err
    assert "updated" in result.out and "1 duplicate" in result.out
    assert [c["id"] for c in marked(fake, pr)] == [old]
    assert racer not in fake.comments
    assert not fake.calls("POST")


def test_an_unchanged_comment_is_not_rewritten(fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    args = ["github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1)]
    assert run(capsys, *args).code == 0
    again = run(capsys, *args)
    assert "unchanged" in again.out
    assert not fake.calls("PATCH")


def long_plan(rows: int) -> str:
    table = "\n".join(f"| werkgever-{i:05d} | create | Bakkerij nummer {i} B.V. |" for i in range(rows))
    return (f"## asrctl plan\n\n**Summary first**\n\n<details><summary>{rows} creates</summary>\n\n"
            f"| employer | action | company |\n|---|---|---|\n{table}\n\n"
            f"```\n{table}\n```\n</details>\n")


def parts_of(fake: FakeGitHub, pr: int) -> list[str]:
    """Our plan comment's parts, in the order GitHub shows them."""
    return [c["body"] for c in fake.comments_on(pr) if gh.part_number(c["body"], gh.PLAN_MARKER) is not None]


def test_a_long_plan_continues_in_comments_that_close_and_reopen_its_blocks(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    text = long_plan(2500)
    assert gh.github_length(text) > 3 * gh.BODY_LIMIT
    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", text),
                 "--plan", plan_json(ghenv), "--head-sha", HEAD)
    assert result.code == 0, result.err  # the fake answers 422 over the limit, as GitHub does
    parts = parts_of(fake, pr)
    assert 3 < len(parts) <= gh.MAX_PARTS and f"in {len(parts)} comments" in result.out
    assert parts[0].startswith(gh.marker_line(gh.PLAN_MARKER) + "\n<!-- asrctl-meta")
    assert parts[0].index("**Summary first**") < parts[0].index("werkgever-00000")  # the summary is always first
    assert gh.read_meta(parts[0])["checksum"] == CHECKSUM
    for n, part in enumerate(parts, start=1):
        assert part.startswith(gh.marker_line(gh.PLAN_MARKER, n) + "\n")
        assert sum(part.count(gh.marker_line(gh.PLAN_MARKER, k)) for k in range(1, 8)) == 1  # one marker
        assert gh.github_length(part) <= gh.BODY_LIMIT
        assert part.count("```") % 2 == 0
        assert part.count("<details") == part.count("</details>")
        assert (f"Plan checksum `{CHECKSUM}`" in part) == (n == len(parts))  # one footer, on the last part
    assert "**Truncated**" not in "".join(parts)
    # Every row is shown once in the table and once in the code block; a table cut keeps its header.
    joined = "\n".join(parts)
    assert all(joined.count(f"| werkgever-{i:05d} |") == 2 for i in (0, 1234, 2499))
    for part in parts[1:]:
        assert "(continued)</summary>" in part and "_(continued from the previous comment)_" in part
        body = part.split("(continued)</summary>", 1)[1].lstrip()
        assert body.startswith(("| employer | action | company |\n|---|---|---|", "```"))

    # A shorter plan on the next push: the first comment is updated in place, the rest removed.
    first_id = next(c["id"] for c in fake.comments_on(pr) if gh.has_marker(c["body"], gh.PLAN_MARKER))
    again = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert again.code == 0, again.err
    [only] = [c for c in fake.comments_on(pr) if gh.part_number(c["body"], gh.PLAN_MARKER) is not None]
    assert only["id"] == first_id and "| bakkerij-de-vries | create |" in only["body"]


def test_past_the_cap_the_last_comment_points_at_the_artifact(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file",
                 write(ghenv, "plan.md", long_plan(8000)), "--plan", plan_json(ghenv), "--head-sha", HEAD)
    assert result.code == 0, result.err
    parts = parts_of(fake, pr)
    assert len(parts) == gh.MAX_PARTS
    last = parts[-1]
    assert "**Truncated**" in last and "`asrctl-plan` artifact" in last and "actions/runs/4242" in last
    assert CHECKSUM in last  # the footer survives
    assert gh.github_length(last) > gh.BODY_LIMIT - 2_000  # cut near the limit, not far below it
    assert all(p.count("```") % 2 == 0 and p.count("<details") == p.count("</details>") for p in parts)


def test_emoji_count_double_towards_the_limit(fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    result = run(capsys, "github", "comment", "--pr", str(pr),
                 "--body-file", write(ghenv, "plan.md", "🙂" * 40_000))
    assert result.code == 0, result.err
    body = marked(fake, pr)[0]["body"]
    assert len(body) < gh.BODY_LIMIT // 2 + 1_000
    assert gh.github_length(body) <= gh.BODY_LIMIT


def test_a_failed_plan_is_commented_without_a_checksum(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    set_event(ghenv, monkeypatch, pr)
    result = run(capsys, "github", "comment", "--body-file", write(ghenv, "plan.md", ""),
                 "--plan", str(ghenv / "missing-plan.json"))
    assert result.code == 0, result.err
    body = marked(fake, pr)[0]["body"]
    assert "did not finish" in body and "nothing to apply" in body
    assert "checksum" not in gh.read_meta(body)


def test_a_plan_that_did_not_finish_is_commented_with_its_first_error_line(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    set_event(ghenv, monkeypatch, pr)
    log = write(ghenv, "plan.err", "Checking Nmbrs 0/3\nerror: secret NMBRS_TOKEN_KANTOOR is not set\n"
                                   "  hint: add the repository secret\nerror: a second error\n")
    result = run(capsys, "github", "comment", "--plan", str(ghenv / "missing-plan.json"), "--log-file", log)
    assert result.code == 0, result.err
    body = marked(fake, pr)[0]["body"]
    assert "### asrctl plan did not finish" in body
    assert "```\nerror: secret NMBRS_TOKEN_KANTOOR is not set\n```" in body and "a second error" not in body
    assert body.count(gh.marker_line(gh.PLAN_MARKER)) == 1


def test_without_a_pull_request_the_comment_says_how_to_name_one(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    result = run(capsys, "github", "comment", "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 1
    assert "no pull request number" in result.err and "--pr N" in result.err


# --- faults and errors ---------------------------------------------------------------------------


def test_server_errors_and_secondary_rate_limits_are_retried(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    fake.fail(502, method="GET", path="/comments", times=2, body="<html>502 Bad Gateway</html>")
    fake.fail(403, method="POST", path="/comments", headers={"Retry-After": "0"},
              body='{"message": "You have exceeded a secondary rate limit."}')
    started = time.monotonic()
    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 0, result.err
    assert time.monotonic() - started < 10
    assert len(marked(fake, pr)) == 1
    assert len(fake.calls("POST")) == 2


def test_a_create_whose_answer_was_lost_is_not_posted_twice(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    fake.fail(502, method="POST", path="/comments", lost_answer=True, headers={"Retry-After": "0"})
    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 0, result.err
    assert "unchanged" in result.out  # the retry found the comment the lost answer had created
    assert len(marked(fake, pr)) == 1


def test_a_persistent_outage_ends_in_one_clear_error(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    fake.fail(503, times=50, headers={"Retry-After": "0"}, body='{"message": "Service Unavailable"}')
    started = time.monotonic()
    result = run(capsys, "--debug", "github", "comment", "--pr", str(pr),
                 "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 1
    assert time.monotonic() - started < 10
    assert f"GitHub GET /repos/voorbeeld/werkgevers/issues/{pr}/comments: HTTP 503 Service Unavailable" in result.err
    assert "Traceback" not in result.err
    assert len(fake.calls()) == RetryPolicy().max_attempts


def test_a_rejected_token_is_named_but_never_shown(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "ghs_Wr0ngButRecognisableToken77"
    monkeypatch.setenv("GITHUB_TOKEN", wrong)
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    result = run(capsys, "--debug", "github", "comment", "--pr", str(pr),
                 "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 1
    assert "HTTP 401 Bad credentials" in result.err and "GITHUB_TOKEN" in result.err
    assert wrong not in result.out + result.err
    assert [r.authorization for r in fake.calls()] == [f"Bearer {wrong}"]  # sent once, only as the header
    assert not list(ghenv.glob("asrctl-crash-*"))


def test_the_token_goes_only_to_the_api_it_belongs_to(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    for i in range(120):
        fake.add_comment(pr, f"comment {i}")
    fake.foreign_next_link = True
    result = run(capsys, "github", "comment", "--pr", str(pr), "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 1
    assert "next page points outside" in result.err
    assert len(fake.calls()) == 1


def test_plain_http_to_a_remote_api_is_refused(
    ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://github.example.com/api/v3")
    result = run(capsys, "github", "comment", "--pr", "1", "--body-file", write(ghenv, "plan.md", PLAN_V1))
    assert result.code == 1 and "must use https" in result.err


def test_a_missing_token_says_how_to_pass_it(
    ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    result = run(capsys, "github", "drift", "--body-file", write(ghenv, "plan.md", PLAN_V1), "--exit-code", "2")
    assert result.code == 1
    assert "GITHUB_TOKEN is not set" in result.err and "github.token" in result.err


# --- the drift issue -------------------------------------------------------------------------------


def open_drift(fake: FakeGitHub) -> list[dict]:
    return [i for i in fake.issues.values() if i["state"] == "open" and gh.has_marker(i["body"], gh.DRIFT_MARKER)]


def test_the_drift_issue_is_opened_updated_and_closed(
    fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(110):  # other open issues and a pull request: more than one page
        fake.add_issue(title=f"question {i}")
    fake.add_issue(title="a pull request", pull=True, head_sha=HEAD, user=BOT)

    def drift(body: str, code: int) -> Result:
        return run(capsys, "github", "drift", "--body-file", write(ghenv, "drift.md", body), "--exit-code", str(code))

    opened = run(capsys, "github", "drift", "--body-file", write(ghenv, "drift.md", PLAN_V1), "--exit-code", "2",
                 "--plan", plan_json(ghenv))
    assert opened.code == 0, opened.err
    assert "opened" in opened.out
    [issue] = open_drift(fake)
    assert issue["labels"] == [{"name": "asrctl-drift"}]
    assert "no longer matches" in issue["title"]
    assert "| bakkerij-de-vries | create |" in issue["body"]
    assert f"Plan checksum `{CHECKSUM}`" in issue["body"]  # to apply exactly this plan by hand

    same = drift(PLAN_V1, 2)  # the same drift the next night: no new notification
    assert same.code == 0 and open_drift(fake) == [fake.issues[issue["number"]]]
    assert fake.comments_on(issue["number"]) == []

    changed = drift(PLAN_V2, 2)
    assert "updated" in changed.out
    [still] = open_drift(fake)
    assert still["number"] == issue["number"]
    assert "| bakkerij-de-vries | update |" in still["body"]
    assert next(c["body"] for c in fake.comments_on(issue["number"])).startswith("The drift changed")

    clean = drift("## asrctl plan\n\nNo changes.\n", 0)
    assert "closed" in clean.out
    closed = fake.issues[issue["number"]]
    assert closed["state"] == "closed" and closed["state_reason"] == "completed"
    assert "is clean" in fake.comments_on(issue["number"])[-1]["body"]
    assert open_drift(fake) == []

    assert "none" in drift("", 0).out  # clean again: nothing to do

    failed = drift("", 1)  # plan failed before printing anything
    assert "opened" in failed.out
    [new] = open_drift(fake)
    assert new["number"] != issue["number"]
    assert "found errors" in new["title"] and "No plan output" in new["body"]
    assert len(fake.calls("POST", r"/issues$")) == 2


def test_a_huge_drift_report_fits_in_the_issue(fake: FakeGitHub, ghenv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "\n".join(f"- werkgever-{i}: nmbrs.auth token rejected" for i in range(10_000))
    result = run(capsys, "github", "drift", "--body-file", write(ghenv, "drift.md", text), "--exit-code", "1")
    assert result.code == 0, result.err
    [issue] = open_drift(fake)
    assert gh.github_length(issue["body"]) <= gh.BODY_LIMIT and "**Truncated**" in issue["body"]


# --- apply after merge: is the plan on main the reviewed plan? -----------------------------------


def reviewed_pr(fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *, head: str = HEAD) -> int:
    """A merged pull request whose last plan (for commit HEAD) was commented with CHECKSUM."""
    pr = fake.add_issue(pull=True, head_sha=head, merge_commit_sha=MERGE, merged=True)
    set_event(ghenv, monkeypatch, pr, head=HEAD)
    posted = run(capsys, "github", "comment", "--body-file", write(ghenv, "plan.md", PLAN_V1),
                 "--plan", plan_json(ghenv))
    assert posted.code == 0, posted.err
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_SHA", MERGE)
    return pr


def outputs(ghenv: Path) -> dict[str, str]:
    path = ghenv / "github_output"
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


def test_the_reviewed_plan_passes(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = reviewed_pr(fake, ghenv, monkeypatch, capsys)
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv), "--body-file",
                 write(ghenv, "main.md", PLAN_V1))
    assert result.code == 0, result.err
    assert result.out.strip() == CHECKSUM
    assert outputs(ghenv) == {"pr": str(pr), "checksum": CHECKSUM}
    assert marked(fake, pr, gh.APPLY_MARKER) == []


def test_a_changed_write_set_is_refused_with_the_differing_employers_named(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = reviewed_pr(fake, ghenv, monkeypatch, capsys)
    now = changed_plan()
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv, now),
                 "--body-file", write(ghenv, "main.md", PLAN_V2))
    assert result.code == 1
    assert CHECKSUM in result.err and now.checksum in result.err
    # The files are those reviewed: the registry moved, not main.
    assert "main has moved on" not in result.err and "the a.s.r. registry report changed" in result.err
    assert outputs(ghenv) == {"pr": str(pr)}  # no checksum: the apply step cannot run
    [refusal] = marked(fake, pr, gh.APPLY_MARKER)
    body = refusal["body"]
    assert body.count(gh.marker_line(gh.APPLY_MARKER)) == 1
    assert "Nothing was applied" in body
    assert "`garage-jansen`: not written in the reviewed plan, now update" in body
    assert "bakkerij-de-vries" not in body.split("**What to do**")[0].split("differ from")[1]
    assert f"checksum `{now.checksum}`" in body and "| bakkerij-de-vries | update |" in body
    assert gh.read_meta(marked(fake, pr)[0]["body"])["checksum"] == CHECKSUM  # the review stays as it was


def test_main_has_moved_on_only_when_the_files_differ(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reviewed_pr(fake, ghenv, monkeypatch, capsys)
    now = changed_plan().model_copy(update={"inputs_digest": "sha256:" + "ef" * 32})
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv, now))
    assert result.code == 1 and "main has moved on" in result.err


def test_an_unrelated_status_change_does_not_stop_apply(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = reviewed_pr(fake, ghenv, monkeypatch, capsys)
    bakkerij, garage = employer(PTN[0]), employer(PTN[1], "Garage Jansen")
    # a.s.r. moved garage-jansen (not written by this plan) to in_setup, version 4: not a write, same checksum.
    now = plan_of({"bakkerij-de-vries": bakkerij, "garage-jansen": garage},
                  [registration(garage, status="in_setup", version=4)])
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv, now))
    assert result.code == 0, result.err
    assert result.out.strip() == CHECKSUM
    assert outputs(ghenv) == {"pr": str(pr), "checksum": CHECKSUM}


def test_a_plan_for_an_older_commit_of_the_pull_request_is_refused(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    later = "3333333333333333333333333333333333333333"
    pr = reviewed_pr(fake, ghenv, monkeypatch, capsys, head=later)  # pushed again; that plan never posted
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv))
    assert result.code == 1
    assert f"made for commit {HEAD[:12]}" in result.err and later[:12] in result.err
    assert len(marked(fake, pr, gh.APPLY_MARKER)) == 1


def test_a_failed_plan_on_main_is_reported_on_the_pull_request(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = reviewed_pr(fake, ghenv, monkeypatch, capsys)
    result = run(capsys, "github", "verify-plan", "--plan", str(ghenv / "not-written.json"))
    assert result.code == 1 and "did not finish" in result.err
    assert "did not finish" in marked(fake, pr, gh.APPLY_MARKER)[0]["body"]


def test_a_commit_without_a_merged_pull_request_is_not_applied(
    fake: FakeGitHub, ghenv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_SHA", "4444444444444444444444444444444444444444")
    result = run(capsys, "github", "verify-plan", "--plan", plan_json(ghenv))
    assert result.code == 1
    assert "not the merge of a pull request" in result.err and "by hand" in result.err


# --- the installed command ------------------------------------------------------------------------


def test_the_asrctl_binary_posts_a_comment(fake: FakeGitHub, ghenv: Path) -> None:
    pr = fake.add_issue(pull=True, head_sha=HEAD)
    proc = subprocess.run(
        [sys.executable, "-c", "from asrctl.cli import main; main()", "--debug", "github", "comment",
         "--pr", str(pr), "--body-file", "-"],
        input=PLAN_V1, capture_output=True, text=True, timeout=60, env=dict(os.environ), check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert len(marked(fake, pr)) == 1
