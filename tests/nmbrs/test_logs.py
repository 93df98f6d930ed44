"""No API token in any log line, even with DEBUG on every logger (zeep, urllib3, requests, asrctl)."""

from __future__ import annotations

import logging
import sys

import pytest

from asrctl.nmbrs.constants import REQUIRED_CALLS
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World

from .conftest import Observe, employer, tokens_for

LOGGERS = ["", "zeep", "zeep.transports", "zeep.wsdl", "zeep.xsd", "urllib3", "urllib3.connectionpool",
           "requests", "asrctl", "asrctl.nmbrs.transport", "asrctl.sandbox.nmbrs_sim"]


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
