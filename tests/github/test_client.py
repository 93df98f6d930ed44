"""The GitHub REST client: a failed call never carries the requests exception (and its Authorization header)."""

from __future__ import annotations

import socket
import traceback

import pytest

from asrctl.errors import ServiceError
from asrctl.github.client import GitHubClient
from asrctl.net.retry import RetryPolicy
from asrctl.secrets import Secret

TOKEN = "ghs_ChainCheck0Token9xYz"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def test_an_unreachable_api_raises_without_the_requests_exception_chained() -> None:
    client = GitHubClient(
        api_url=f"http://127.0.0.1:{_closed_port()}", repository="voorbeeld/werkgevers",
        token=Secret(TOKEN, "env GITHUB_TOKEN"), policy=RetryPolicy(max_attempts=2), sleep=lambda _: None,
    )
    with pytest.raises(ServiceError) as caught:
        client.retrying("comments", lambda: client.issue_comments(1))
    error = caught.value
    assert "no answer (ConnectionError)" in error.message
    chain = _chain(error)
    assert all(not type(e).__module__.startswith(("requests", "urllib3")) for e in chain), chain
    rendered = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert TOKEN not in rendered and "Authorization" not in rendered
