"""No API token in any log line, even with DEBUG on every logger (zeep, urllib3, requests, asrctl)."""

from __future__ import annotations

import logging
import sys

import pytest

from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World

from .conftest import Observe, employer, tokens_for
from support.clock import instant

LOGGERS = ["", "zeep", "zeep.transports", "zeep.wsdl", "zeep.xsd", "urllib3", "urllib3.connectionpool",
           "requests", "asrctl", "asrctl.nmbrs.soap.transport", "asrctl.sandbox.nmbrs_sim"]


def test_token_never_appears_in_debug_logs(
    observe: Observe, sim: NmbrsSimulator, world: World, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens = tokens_for(world)
    # A plain stderr handler without asrctl's redaction filter: the transport itself must not leak.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = {name: logging.getLogger(name).level for name in LOGGERS}
    try:
        for name in LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        caplog.set_level(logging.DEBUG)
        sim.inject("CompanyService.List_GetAll", "http500", times=1)        # retries logged
        sim.inject("EmployeeService.List_GetByCompany", "fault1006", times=1)
        result = observe([
            employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
            employer("b", "asr-only", "Jansen Transport B.V.", frequency="monthly"),
            employer("c", "missing", "Bakkerij de Vries B.V."),
            employer("d", "left", "Bakkerij De Vries B.V."),
        ], tokens=tokens)
    finally:
        root.removeHandler(handler)
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
    captured = capsys.readouterr()
    everything = "\n".join([caplog.text, captured.err, captured.out,
                            *(f"{c.message} {c.hint}" for cs in result.checks.values() for c in cs)])
    # The test means something only if the envelopes (which carry the token) were logged.
    assert "AuthHeaderWithDomain" in everything and "<" in everything
    assert "***" in everything
    assert everything.count("SOAPAction") >= len(REQUIRED_CALLS["overarching"])
    for name, secret in tokens.items():
        assert secret.reveal() not in everything, f"token of {name} leaked"


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every exception reachable from it, suppressed contexts included."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend(e for e in (current.__cause__, current.__context__, *current.args) if isinstance(e, BaseException))
    return seen


@pytest.mark.parametrize("failure", ["1001", "1002", "2004", "http500", "reset", "timeout", "refused"])
def test_errors_carry_no_token_and_no_foreign_exception(sim: NmbrsSimulator, failure: str) -> None:
    """requests' exceptions hold the request (envelope and token); zeep's hold response XML. None of them
    may ride along in what the provider raises, not even as a suppressed __context__."""
    import socket
    import traceback

    from asrctl.net.retry import RetryPolicy
    from asrctl.nmbrs.errors import NmbrsError
    from asrctl.nmbrs.provider import Login
    from asrctl.nmbrs.soap.provider import SoapProvider
    from asrctl.secrets import Secret

    token = "tok-kantoor-7f3a9c1e5b" if failure != "1001" else "tok-a-wrong-token-0000"
    login = Login("kantoor", "kantoor@voorbeeld.nl", Secret(token), "voorbeeld")
    url, timeout = sim.url, 5.0
    if failure in ("http500", "reset"):
        sim.inject("CompanyService.List_GetAll", failure, times=5)  # type: ignore[arg-type]
    if failure == "timeout":
        sim.latency, timeout = 0.3, 0.05
    if failure == "refused":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}/soap/v3/"
    policy = instant(RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=2.0))
    with SoapProvider(url, parallelism=2, timeout=timeout, retry=policy) as provider, \
            pytest.raises(NmbrsError) as raised:
        if failure == "1002":
            provider.companies_by_debtor(
                Login("asr", "asr-only@voorbeeld.nl", Secret("tok-asronly-2b8d4f6a0c"), "voorbeeld"), 101)
        elif failure == "2004":
            provider.employees(login, 2007)
        else:
            provider.companies(login)
    chain = _chain(raised.value)
    assert all(isinstance(e, NmbrsError) for e in chain), [type(e) for e in chain]
    text = "\n".join([*(f"{e!s} {e!r} {getattr(e, 'hint', '')}" for e in chain),
                      *traceback.format_exception(raised.value)])
    assert token not in text and "tok-asronly-2b8d4f6a0c" not in text


def test_a_token_too_short_for_redact_is_still_blanked_in_logged_envelopes(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    from asrctl.nmbrs.provider import Login
    from asrctl.nmbrs.soap.provider import SoapProvider
    from asrctl.sandbox.world import WorldLogin
    from asrctl.secrets import Secret

    short = "Qz7Wv"  # shorter than secrets.register() remembers
    copy = world.model_copy(deep=True)
    copy.logins.append(WorldLogin(username="kort@voorbeeld.nl", token=short, domain="voorbeeld", rights="all"))
    caplog.set_level(logging.DEBUG, logger="asrctl.nmbrs.soap.transport")
    with NmbrsSimulator(copy) as simulator, SoapProvider(simulator.url) as provider:
        provider.companies(Login("kort", "kort@voorbeeld.nl", Secret(short), "voorbeeld"))
    assert "Token>***</" in caplog.text and short not in caplog.text
