"""A hostile or broken GitHub API: null list items, items of the wrong shape, deeply nested JSON, redirects,
slow and huge answers. `asrctl github comment|drift|verify-plan` exit 1 with a message, never 3 or a traceback,
and the token goes nowhere else."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.cli import cli
from asrctl.cli.errors import run_guarded
from asrctl.errors import ServiceError
from asrctl.github.client import MAX_ANSWER_BYTES, GitHubClient
from asrctl.net.retry import RetryPolicy
from asrctl.secrets import Secret

from fakes.hostile import Hostile, Respond, Seen, always, answer, endless
from support.plans import PTN, employer, plan_of

TOKEN = "ghs_HostileCheck7Token3xYz"
REPO = "voorbeeld/werkgevers"
SHA = "2222222222222222222222222222222222222222"
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=3.0)
NESTED = "[" * 100_000 + "]" * 100_000

LISTS = {
    "null-items": "[null, null]",
    "wrong-items": '[5, "text", {"id": null, "body": null}, {"id": "7", "body": [1]}, {"number": {"a": 1}}]',
    "nested-field": '[{"id": 1, "number": 1, "body": ' + "[" * 500 + "]" * 500 + ', "merged_at": "x"}]',
    "nested-json": NESTED,
    "not-a-list": '{"message": ' + "[" * 50_000 + "]" * 50_000 + "}",
}


def github(lists: str) -> Respond:
    """Every list endpoint answers `lists`; writes answer an object of the same kind."""
    def respond(seen: Seen) -> list[bytes]:
        body = lists if seen.method == "GET" else lists.replace("[", "{", 1) if lists.startswith("[{") else lists
        return [answer(200, body, content_type="application/json")]
    return respond


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_RUN_ID", "1")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    monkeypatch.setenv("ASRCTL_CRASH_DIR", str(tmp_path))
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    (tmp_path / "plan.md").write_text("## asrctl plan\n\nnothing\n")
    plan = plan_of({"bakkerij-de-vries": employer(PTN[0])}, [])
    (tmp_path / "plan.json").write_text(plan.to_json())
    return tmp_path


def commands(tmp: Path) -> dict[str, list[str]]:
    return {
        "comment": ["github", "comment", "--pr", "1", "--body-file", str(tmp / "plan.md")],
        "drift": ["github", "drift", "--body-file", str(tmp / "plan.md"), "--exit-code", "2"],
        "verify-plan": ["github", "verify-plan", "--plan", str(tmp / "plan.json"), "--sha", SHA],
    }


@pytest.mark.parametrize("shape", sorted(LISTS))
@pytest.mark.parametrize("command", ["comment", "drift", "verify-plan"])
def test_a_broken_answer_is_an_error_not_a_crash(shape: str, command: str, env: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with Hostile(github(LISTS[shape])) as peer:
        monkeypatch.setenv("GITHUB_API_URL", peer.url)
        code = run_guarded(cli, commands(env)[command])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert "error: GitHub" in err and "Traceback" not in out + err and "internal error" not in err
    assert TOKEN not in out + err
    assert not list(env.glob("asrctl-crash-*"))


def _client(url: str, timeout: float = 5.0) -> GitHubClient:
    return GitHubClient(api_url=url, repository=REPO, token=Secret(TOKEN, "env GITHUB_TOKEN"), timeout=timeout,
                        policy=FAST, sleep=lambda _: None)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_refused_and_the_token_and_body_go_nowhere_else(status: int) -> None:
    with Hostile(always(answer(200, "{}", content_type="application/json")), host="127.0.0.2") as other:
        moved = answer(status, "", headers={"Location": f"{other.url}/repos/{REPO}/issues/1/comments"})
        with Hostile(always(moved)) as peer, pytest.raises(ServiceError) as refused:
            client = _client(peer.url)
            client.retrying("comment", lambda: client.create_comment(1, "the plan"))
    assert other.seen == []
    assert f"answered {status}, a redirect to 127.0.0.2" in str(refused.value)


def test_a_trickled_answer_ends_at_the_deadline() -> None:
    body = answer(200, json.dumps([{"id": 1, "body": "x" * 100}]), content_type="application/json")

    def slow(seen: Seen) -> Iterator[bytes]:
        head = body.index(b"\r\n\r\n") + 4
        yield body[:head]
        yield from (body[i:i + 1] for i in range(head, len(body)))

    with Hostile(slow, trickle=0.05) as peer:
        client = _client(peer.url, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(ServiceError) as late:
            client.retrying("comments", lambda: client.issue_comments(1))
        assert time.monotonic() - started < FAST.max_attempts * 0.5 + 1.5
    assert "within 0.5 s" in str(late.value)


def test_a_huge_answer_is_cut_at_the_cap() -> None:
    with Hostile(endless(answer(200, b"", content_type="application/json", length=False), b"[" * 65536)) as peer:
        client = _client(peer.url)
        with pytest.raises(ServiceError) as large:
            client.retrying("comments", lambda: client.issue_comments(1))
    assert f"over {MAX_ANSWER_BYTES // (1024 * 1024)} MiB" in str(large.value)
