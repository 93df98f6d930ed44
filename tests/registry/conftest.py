"""Fixtures: the reference registry on a loopback port checking every answer it sends against the contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asrctl.net.retry import RetryPolicy
from asrctl.registry.client import RegistryClient
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import RegistryServer
from asrctl.secrets import Secret

from support.clock import instant
from support.registry import A_WRITE, TOKENS

# Small delays: retries in tests take milliseconds, not seconds.
FAST = instant(RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, max_total=5.0, max_retry_after=2.0))  # backoff on a fake clock: no real waiting


@pytest.fixture
def checker() -> Iterator[ContractChecker]:
    checker = ContractChecker(raise_now=False)
    yield checker
    assert checker.violations == []


@pytest.fixture
def server(tmp_path: Path, checker: ContractChecker) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "registry.db", TOKENS, checker=checker) as srv:
        yield srv


@pytest.fixture
def make_client(server: RegistryServer) -> Iterator[Callable[..., RegistryClient]]:
    made: list[RegistryClient] = []

    def make(token: str = A_WRITE, *, url: str | None = None, **options: object) -> RegistryClient:
        options.setdefault("policy", FAST)
        options.setdefault("timeout", 5.0)
        client = RegistryClient(url or server.url, Secret(token, "test token"), **options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., RegistryClient]) -> RegistryClient:
    return make_client()
