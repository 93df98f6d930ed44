"""A hostile or broken Nmbrs endpoint: a redirect, a slow or huge answer, a page that is no SOAP.

Every case is an error the user can act on (exit 1, the call named), never a traceback or exit 3,
and the token never goes to a host it was not sent to. The peer is a raw loopback server (fakes/hostile).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.errors import AsrctlError
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.provider import Login
from asrctl.nmbrs.soap.provider import SoapProvider
from asrctl.nmbrs.soap.transport import MAX_ANSWER_BYTES
from asrctl.secrets import Secret

from fakes.hostile import Hostile, Respond, Seen, always, answer, endless
from support.cli import run_cli
from support.repo import NMBRS_TOKEN, make_repo

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DEBTORS = "https://api.nmbrs.nl/soap/v3/DebtorService"
LOGIN = Login("kantoor", "api@testkantoor.nl", Secret(NMBRS_TOKEN, "test"), "testkantoor")
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=3.0)


def envelope(body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}"><soap:Body>{body}</soap:Body></soap:Envelope>'


def xml(status: int, text: str) -> bytes:
    return answer(status, text, content_type="text/xml; charset=utf-8")


ENVIRONMENT = xml(200, envelope(f'<Environment_GetResponse xmlns="{DEBTORS}"><Environment_GetResult>'
                                "<Domain>testkantoor.nmbrs.nl</Domain><SubDomain>testkantoor</SubDomain>"
                                "</Environment_GetResult></Environment_GetResponse>"))


def debtors(items: str) -> bytes:
    return xml(200, envelope(f'<List_GetAllResponse xmlns="{DEBTORS}"><List_GetAllResult>{items}'
                             "</List_GetAllResult></List_GetAllResponse>"))


BROKEN: dict[str, bytes] = {
    "doctype": xml(200, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "entity">]>' + envelope("<r>&e;</r>")[38:]),
    "empty-body": xml(200, f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body/></soap:Envelope>'),
    "html-200": answer(200, "<html><body><h1>Proxy sign-in</h1></body></html>", content_type="text/html"),
    "html-404": answer(404, "<html><body>Not Found</body></html>", content_type="text/html"),
    "text-200": answer(200, "OK", content_type="text/plain"),
    "bad-int": debtors("<Debtor><Id>twelve</Id><Number>100</Number><Name>Test Holding</Name></Debtor>"),
}


def by_action(rest: bytes) -> Respond:
    """Environment_Get answers properly (the login is fine); every other call gets `rest`."""
    return lambda seen: [ENVIRONMENT if "Environment_Get" in seen.headers.get("soapaction", "") else rest]


@pytest.fixture
def provider_at() -> Iterator[object]:
    made: list[SoapProvider] = []

    def make(url: str, timeout: float = 5.0) -> SoapProvider:
        provider = SoapProvider(url + "/soap/v3/", parallelism=2, timeout=timeout, retry=FAST)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_an_answer_that_is_no_usable_soap_is_an_error_without_a_traceback(
        kind: str, provider_at: object, capfd: pytest.CaptureFixture[str]) -> None:
    with Hostile(by_action(BROKEN[kind])) as peer:
        provider = provider_at(peer.url)  # type: ignore[operator]
        with pytest.raises(AsrctlError) as failed:
            provider.debtors(LOGIN)
    assert "Debtor Services > List_GetAll" in (failed.value.hint or "")  # the call: in the hint, not the message
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out, captured.err


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_and_the_envelope_goes_nowhere_else(status: int, provider_at: object) -> None:
    with Hostile(always(ENVIRONMENT), host="127.0.0.2") as other:
        moved = answer(status, "", headers={"Location": f"{other.url}/soap/v3/DebtorService.asmx"})
        with Hostile(always(moved)) as peer:
            provider = provider_at(peer.url)  # type: ignore[operator]
            with pytest.raises(AsrctlError) as refused:
                provider.environment(LOGIN)
            assert len(peer.seen) == 1  # not retried: a redirect will not go away
    assert other.seen == []
    text = str(refused.value)
    assert f"answered {status}, a redirect to 127.0.0.2" in text
    assert "Debtor Services > Environment_Get" in (refused.value.hint or "")
    assert NMBRS_TOKEN not in text


def test_a_trickled_answer_ends_at_the_deadline(provider_at: object) -> None:
    def slow(seen: Seen) -> Iterator[bytes]:
        head = ENVIRONMENT.index(b"\r\n\r\n") + 4
        yield ENVIRONMENT[:head]
        yield from (ENVIRONMENT[i:i + 1] for i in range(head, len(ENVIRONMENT)))

    with Hostile(slow, trickle=0.05) as peer:
        provider = provider_at(peer.url, timeout=0.5)  # type: ignore[operator]
        started = time.monotonic()
        with pytest.raises(AsrctlError) as late:
            provider.environment(LOGIN)
        elapsed = time.monotonic() - started
    assert elapsed < FAST.max_attempts * 0.5 + 1.5, elapsed
    assert "within nmbrs.timeout_seconds (0.5 s)" in str(late.value)


def test_a_huge_answer_is_cut_at_the_cap(provider_at: object) -> None:
    head = answer(200, b"", content_type="text/xml", length=False)
    with Hostile(endless(head)) as peer:
        provider = provider_at(peer.url)  # type: ignore[operator]
        with pytest.raises(AsrctlError) as large:
            provider.environment(LOGIN)
        assert len(peer.seen) == 1  # not retried: it would be as large again
    assert f"Nmbrs sent an answer over {MAX_ANSWER_BYTES // (1024 * 1024)} MiB: refused" in str(large.value)


# --- through plan: exit 1, a message, no traceback -------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_plan_against_a_broken_nmbrs_exits_1_with_a_message(kind: str, tmp_path: Path) -> None:
    with Hostile(by_action(BROKEN[kind])) as peer:
        root = make_repo(tmp_path / "repo")
        config = root / "asrctl.yaml"
        config.write_text(config.read_text().replace("sandbox:world.yaml", peer.url + "/soap/v3/"))
        result = run_cli(root, "plan", env={"ASRCTL_ALLOW_HOSTS": "127.0.0.1"})
    assert result.code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "nmbrs" in result.output.lower()
