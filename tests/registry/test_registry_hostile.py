"""A hostile or broken registry: redirects, slow or huge answers, nested JSON, impossible versions.

Each is a ServiceError (exit 1) naming what the registry did, in bounded time and memory; the
token goes nowhere else. The peer is a raw loopback server (fakes/hostile).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.errors import ServiceError
from asrctl.registry.client import MAX_ANSWER_BYTES, RegistryClient
from asrctl.secrets import Secret

from .conftest import FAST
from fakes.hostile import Hostile, Seen, always, answer, endless

TOKEN = "HOSTILE-registry-token-5a6b7c8d9e"
PTN = example_payroll_tax_number(7)


def registration(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "payroll_tax_number": PTN, "contract_number": "RW-1", "version": 1, "status": "submitted",
        "organisation": {"name": "Office", "contact_email": "a@b.nl"},
        "nmbrs": {"company_name": "C B.V.", "username": "u@b.nl", "domain": "d", "account_model": "overarching"},
        "dga": [], "payroll": {"frequency": "monthly", "thirteenth_month": False},
        "token_fingerprint": "sha256:0123456789abcdef", "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    record.update(changes)
    return record


def page(*items: object) -> bytes:
    return answer(200, json.dumps({"items": list(items), "next_page_token": None}), content_type="application/json")


@pytest.fixture
def client_at() -> Iterator[object]:
    made: list[RegistryClient] = []

    def make(url: str, timeout: float = 5.0) -> RegistryClient:
        client = RegistryClient(url + "/v1", Secret(TOKEN, "test"), timeout=timeout, policy=FAST)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_and_the_token_goes_nowhere_else(status: int, client_at: object) -> None:
    with Hostile(always(page()), host="127.0.0.2") as other:
        moved = answer(status, "", headers={"Location": f"{other.url}/v1/registrations"})
        with Hostile(always(moved)) as peer, pytest.raises(ServiceError) as refused:
            client_at(peer.url).list()  # type: ignore[operator]
    assert other.seen == []
    assert f"answered {status}, a redirect to 127.0.0.2" in str(refused.value)
    assert "list registrations" in str(refused.value)


def test_a_trickled_answer_ends_at_the_deadline(client_at: object) -> None:
    body = page(registration())

    def slow(seen: Seen) -> Iterator[bytes]:
        head = body.index(b"\r\n\r\n") + 4
        yield body[:head]
        yield from (body[i:i + 1] for i in range(head, len(body)))

    with Hostile(slow, trickle=0.05) as peer:
        started = time.monotonic()
        with pytest.raises(ServiceError) as late:
            client_at(peer.url, timeout=0.5).list()  # type: ignore[operator]
        elapsed = time.monotonic() - started
    assert elapsed < FAST.max_attempts * 0.5 + 2, elapsed
    assert "did not answer in time (registry.timeout_seconds: 0.5 s)" in str(late.value)


def test_a_huge_answer_is_cut_at_the_cap(client_at: object) -> None:
    head = answer(200, b"", content_type="application/json", length=False)
    with Hostile(endless(head, b"[" * 65536)) as peer:
        with pytest.raises(ServiceError) as large:
            client_at(peer.url).list()  # type: ignore[operator]
        assert len(peer.seen) == 1
    assert f"over {MAX_ANSWER_BYTES // (1024 * 1024)} MiB" in str(large.value)


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deeply_nested_json_is_an_error(depth: int, client_at: object) -> None:
    nested = "[" * depth + "]" * depth
    for body in (nested, '{"items": ' + nested + "}", json.dumps({"items": []})[:-1] + ', "x": ' + nested + "}"):
        with Hostile(always(answer(200, body, content_type="application/json"))) as peer, pytest.raises(ServiceError) as broken:
            client_at(peer.url).list()  # type: ignore[operator]
        assert "list registrations" in str(broken.value)


def test_a_deeply_nested_problem_document_is_still_a_plain_error(client_at: object) -> None:
    nested = '{"title": "x", "errors": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with Hostile(always(answer(422, nested, content_type="application/problem+json"))) as peer, pytest.raises(ServiceError) as refused:
        client_at(peer.url).get(PTN)  # type: ignore[operator]
    assert "(422)" in str(refused.value)


@pytest.mark.parametrize("version", [0, -1, -(2**40), True, 1.5, "2"])
def test_an_impossible_version_is_refused_at_the_boundary(version: object, client_at: object) -> None:
    with Hostile(always(page(registration(version=version)))) as peer, pytest.raises(ServiceError) as refused:
        client_at(peer.url).list()  # type: ignore[operator]
    assert "version" in str(refused.value)


@pytest.mark.parametrize("at", [480, 494, 499])
def test_a_problem_echo_cut_at_500_characters_shows_no_part_of_the_token(at: int, client_at: object) -> None:
    detail = "x" * at + TOKEN + " more"
    problem = json.dumps({"title": "Unprocessable", "detail": detail, "errors": [{"pointer": "/a", "message": detail}]})
    with Hostile(always(answer(422, problem, content_type="application/problem+json"))) as peer, pytest.raises(ServiceError) as refused:
        client_at(peer.url).get(PTN)  # type: ignore[operator]
    assert TOKEN[:6] not in str(refused.value) and "(422)" in str(refused.value)
