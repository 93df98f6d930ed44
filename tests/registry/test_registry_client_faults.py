"""The client against injected faults (429, 5xx, resets, latency, bad TLS): bounded retries, same end state."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from asrctl.net.retry import RetryPolicy
from asrctl.registry.client import RegistryClient
from asrctl.registry.errors import NotFound, RegistryUnreachable, ServerError, Unprocessable
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import ONE, STATUS, RegistryServer
from asrctl.secrets import Secret

from .conftest import FAST
from support.clock import FakeClock
from support.registry import ASR, TOKENS, sample_input, sample_number

MakeClient = Callable[..., RegistryClient]
NUMBERS = [sample_number(i) for i in range(4)]


def scenario(office: RegistryClient, asr: RegistryClient) -> list[dict[str, Any]]:
    """What apply and a.s.r. do in a typical run; returns the end state without timestamps."""
    for i, number in enumerate(NUMBERS):
        office.create(number, sample_input(i), idempotency_key=f"create-{i}")
    body = sample_input(1, token=None)
    body["payroll"]["frequency"] = "four_weekly"
    office.update(NUMBERS[1], body, version=1, idempotency_key="update-1")
    body = sample_input(2, token="a-new-nmbrs-token-02")
    body["nmbrs"]["username"] = "nieuw@kantoor-voorbeeld.nl"
    office.update(NUMBERS[2], body, version=1, idempotency_key="update-2")
    moved = asr.set_status(NUMBERS[0], status="in_setup", version=1, idempotency_key="status-0a")
    asr.set_status(
        NUMBERS[0],
        status="active",
        version=moved.version,
        first_exchange_date="2027-01-01",
        idempotency_key="status-0b",
    )
    office.withdraw(NUMBERS[3], version=1, idempotency_key="withdraw-3")
    return [r.model_dump(exclude={"created_at", "updated_at"}) for r in office.list()]


def test_same_end_state_with_and_without_faults(
    tmp_path: Path, make_client: MakeClient, checker: ContractChecker
) -> None:
    clean_office, clean_asr = make_client(), make_client(ASR)
    clean = scenario(clean_office, clean_asr)
    clean_calls = clean_office.calls + clean_asr.calls
    checked = checker.checked

    with RegistryServer(tmp_path / "faulty.db", TOKENS, checker=checker) as faulty:
        faults = faulty.faults
        faults.fail_next(1, 429, retry_after=0, method="PUT", path=ONE)
        faults.reset_next(1, method="PUT", path=ONE, after=True)  # carried out, answer lost
        faults.fail_next(1, 503, method="PUT", path=STATUS)
        faults.reset_next(1, method="PUT", path=STATUS, after=True)
        faults.reset_next(1, method="DELETE", after=True)
        faults.fail_next(1, 502, method="GET")
        faults.reset_next(1, method="GET")
        faults.fail_next(1, 504, method="GET")
        planned = faults.pending
        office, asr = make_client(url=faulty.url), make_client(ASR, url=faulty.url)
        with_faults = scenario(office, asr)

        assert with_faults == clean
        assert faults.pending == 0 and faults.injected == planned == 8
        # Bounded: exactly one extra request per injected fault.
        assert faulty.calls.total == office.calls + asr.calls == clean_calls + planned
        # The writes whose answers were lost came back as replays, not as second submissions.
        assert office.replays + asr.replays == 3
        # Every answer was contract-checked, those lost to a reset after handling included (the one
        # reset before handling has no answer).
        assert checker.checked - checked == faulty.calls.total - 1


def test_retry_after_is_honoured(server: RegistryServer, make_client: MakeClient) -> None:
    clock = FakeClock()
    client = make_client(policy=clock.policy(FAST))
    server.faults.fail_next(1, 429, retry_after=1)
    assert client.list() == []
    assert clock.waits == [1.0]
    assert client.calls == 2


def test_retry_after_on_503_is_honoured(server: RegistryServer, make_client: MakeClient) -> None:
    clock = FakeClock()
    client = make_client(policy=clock.policy(FAST))
    server.faults.fail_next(1, 503, retry_after=1, method="PUT")
    client.create(NUMBERS[0], sample_input(0), idempotency_key="c")
    assert clock.waits == [1.0]
    assert client.calls == 2


def test_retry_after_is_capped(server: RegistryServer, make_client: MakeClient) -> None:
    clock = FakeClock()
    client = make_client(policy=clock.policy(max_attempts=3, base_delay=0.01, max_retry_after=0.2))
    server.faults.fail_next(1, 429, retry_after=3600)
    client.list()
    assert clock.waits == [0.2]


def test_retries_are_bounded(server: RegistryServer, client: RegistryClient) -> None:
    server.faults.fail_next(50, 503)
    with pytest.raises(RegistryUnreachable) as caught:
        client.create(NUMBERS[0], sample_input(0), idempotency_key="c")
    assert caught.value.status == 503 and caught.value.attempts == FAST.max_attempts
    assert server.calls.total == client.calls == FAST.max_attempts
    assert "503" in str(caught.value)


def test_retries_are_bounded_in_total_time(server: RegistryServer, make_client: MakeClient) -> None:
    clock = FakeClock()
    client = make_client(policy=clock.policy(max_attempts=1000, base_delay=0.05, max_delay=0.1, max_total=0.5))
    server.faults.fail_next(1000, 502)
    with pytest.raises(RegistryUnreachable) as caught:
        client.list()
    assert sum(clock.waits) <= 0.5  # no wait that would pass max_total was begun
    assert sum(clock.waits) > 0.5 - 0.1  # and it did wait up to (nearly) the bound
    assert caught.value.status == 502 and client.calls == len(clock.waits) + 1


def test_500_and_client_errors_are_not_retried(server: RegistryServer, client: RegistryClient) -> None:
    server.faults.fail_next(1, 500)
    with pytest.raises(ServerError):
        client.list()
    assert client.calls == 1
    with pytest.raises(NotFound):
        client.update(NUMBERS[0], sample_input(0), version=1, idempotency_key="u")
    body = sample_input(0)
    body["payroll"]["frequency"] = "weekly"
    with pytest.raises(Unprocessable):
        client.create(NUMBERS[0], body, idempotency_key="c")
    assert client.calls == server.calls.total == 3


@pytest.mark.parametrize("operation", ["list", "create", "get"])
def test_timeouts_are_retried_then_reported(
    server: RegistryServer, make_client: MakeClient, operation: str
) -> None:
    client = make_client(timeout=0.1, policy=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    server.faults.set_latency(0.5)
    calls: dict[str, Callable[[], object]] = {
        "list": client.list,
        "create": lambda: client.create(NUMBERS[0], sample_input(0), idempotency_key="c"),
        "get": lambda: client.get(NUMBERS[0]),
    }
    started = time.monotonic()
    with pytest.raises(RegistryUnreachable) as caught:
        calls[operation]()
    assert "did not answer in time" in str(caught.value)
    assert client.calls == 3 and time.monotonic() - started < 3.0


def test_html_pages_of_a_gateway_become_plain_errors(server: RegistryServer) -> None:
    # Not contract-checked: these pages come from a (simulated) gateway in front of the registry.
    with RegistryClient(server.url, Secret("tok-office-a-write-0001", "test"), policy=FAST) as client:
        server.faults.fail_next(1, 500, html=True)
        with pytest.raises(ServerError) as failed:
            client.list()
        assert str(failed.value) == (
            "a.s.r. registry: Internal Server Error (500): "
            "the answer carried no problem details (Content-Type text/html)"
        )
        server.faults.fail_next(FAST.max_attempts, 502, html=True)
        with pytest.raises(RegistryUnreachable) as unreachable:
            client.list()
        assert "502 Bad Gateway" in str(unreachable.value) and "<" not in str(unreachable.value)
        server.faults.fail_next(1, 429, retry_after=0, html=True)
        assert client.list() == []  # an HTML 429 is retried like any other


def test_reset_before_a_write_is_retried(server: RegistryServer, client: RegistryClient) -> None:
    server.faults.reset_next(1, method="PUT")
    created = client.create(NUMBERS[0], sample_input(0), idempotency_key="c")
    assert created.version == 1 and client.calls == 2 and client.replays == 0


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[int]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_certificate_is_always_verified(self_signed_https: int) -> None:
    token = "tok-tls-test-000001"
    with RegistryClient(
        f"https://127.0.0.1:{self_signed_https}/v1", Secret(token, "test"), policy=FAST
    ) as client:
        with pytest.raises(RegistryUnreachable) as caught:
            client.list()
        assert "certificate" in str(caught.value) and token not in str(caught.value)
        assert client.calls == 1  # a certificate that does not verify is not retried
