"""Concurrent writers with If-Match: one winner per version, no lost update."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import RegistryServer

from support.registry import TOKENS, Api, sample_input, sample_number

THREADS = 8
ROUNDS = 10
N = sample_number(1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "registry.db", TOKENS) as srv:
        yield srv


def run_threads(target: Any) -> None:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # noqa: BLE001 - surfaced in the test thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    assert errors == []


def test_exactly_one_success_per_version(server: RegistryServer) -> None:
    checker = ContractChecker(raise_now=False)
    assert Api(server.url, checker).create(N, sample_input(1)).status_code == 201
    barrier = threading.Barrier(THREADS, timeout=30)
    outcomes: list[tuple[int, int, int, str]] = []  # (round, version sent, status, contract number)
    lock = threading.Lock()

    def writer(index: int) -> None:
        api = Api(server.url, checker)  # a session (connection) of its own
        for round_ in range(ROUNDS):
            barrier.wait()  # everyone reads the same version ...
            version = api.get(N).json()["version"]
            barrier.wait()  # ... then everyone writes at once
            body = sample_input(1)
            body["contract_number"] = f"T{index}-R{round_}"
            response = api.update(N, body, version)
            with lock:
                outcomes.append((round_, version, response.status_code, body["contract_number"]))

    run_threads(writer)

    assert checker.violations == []
    for round_ in range(ROUNDS):
        statuses = sorted(status for r, _, status, _ in outcomes if r == round_)
        assert statuses == [200] + [412] * (THREADS - 1), f"round {round_}: {statuses}"
    winners = {version: number for _, version, status, number in outcomes if status == 200}
    assert sorted(winners) == list(range(1, ROUNDS + 1))  # one success per version
    final = Api(server.url, checker).get(N).json()
    assert final["version"] == ROUNDS + 1
    assert final["contract_number"] == winners[ROUNDS]  # the last winner's write is what is stored


def test_no_lost_update_in_read_modify_write(server: RegistryServer) -> None:
    checker = ContractChecker(raise_now=False)
    assert Api(server.url, checker).create(N, sample_input(1)).status_code == 201
    conflicts = [0] * THREADS

    def add_own_dga(index: int) -> None:
        api = Api(server.url, checker)
        for _ in range(200):  # bounded: 8 writers need at most 8 tries each
            current = api.get(N).json()
            body = sample_input(1, token=None)
            body["dga"] = [*current["dga"], {"name": f"DGA {index}", "employee_number": index + 1}]
            response = api.update(N, body, current["version"])
            if response.status_code == 200:
                return
            assert response.status_code == 412
            conflicts[index] += 1
        raise AssertionError("no success in 200 tries")

    run_threads(add_own_dga)

    assert checker.violations == []
    final = Api(server.url, checker).get(N).json()
    assert sorted(d["employee_number"] for d in final["dga"]) == list(range(1, THREADS + 1))
    assert final["version"] == THREADS + 1
