"""Text from Nmbrs and the registry (company names, status reasons, messages) never reaches a terminal or a
PR comment with its control characters raw: text and markdown plans escape them (asrctl/printable.py)."""

from __future__ import annotations

import re

import pytest

from asrctl.checks import Check
from asrctl.printable import printable
from asrctl.render import render_plan

from support.plans import PTN, employer, plan_of, registration

_RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2028\u2029]")


def _hostile_plan():  # type: ignore[no-untyped-def]
    rejected = employer(PTN[0], "Bakkerij De Vries B.V.")
    stray = employer(PTN[1], "Garage Jansen")
    regs = [
        registration(rejected, status="rejected", status_detail="\x1b[2J\x1b]0;pwned\x07wrong\nname"),
        registration(stray, status="active", nmbrs={"company_name": "Evil\x1b[31m\r\nB.V.\u202e"}),
    ]
    found = Check("nmbrs.company", "error", "found 'Bakkerij\u200b De Vries B.V.\x00' — differs", "hint\x1b[8m")
    return plan_of({"bakkerij": rejected}, regs, {"bakkerij": [found]})


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_control_characters_from_peers_are_escaped(fmt: str) -> None:
    out = render_plan(_hostile_plan(), fmt)  # type: ignore[arg-type]
    assert not _RAW.search(out), repr(_RAW.search(out))
    if fmt == "markdown":  # markdown escapes the backslash and brackets: shown as in text once rendered
        out = out.replace("\\\\", "\\").replace("\\[", "[").replace("\\]", "]")
    assert "\\x1b[2J" in out and "\\0'" in out and "\\u200b" in out and "\\u202e" in out


def test_json_keeps_the_data_exactly() -> None:
    out = render_plan(_hostile_plan(), "json")
    assert "\\u001b[2J" in out  # JSON's own escape: a program reading it gets the real value


def test_printable() -> None:
    assert printable("Bakkerij De Vries B.V.") == "Bakkerij De Vries B.V."
    assert printable("Café\u00a0Ünal") == "Café\u00a0Ünal"  # letters and a no-break space are shown as they are
    assert printable("a\nb\r\tc\0") == "a\\nb\\r\\tc\\0"
    assert printable("\x1b[2J\u202e\u2028\U000e0041") == "\\x1b[2J\\u202e\\u2028\\U000e0041"
    assert printable("caf\udce9") == "caf\\xe9"  # a file name byte that was not UTF-8


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_status_escapes_the_registrys_words(fmt: str) -> None:
    from asrctl.render.status import render_status
    from asrctl.run.status import StatusReport, StatusRow

    row = StatusRow(id=None, file=None, payroll_tax_number=PTN[0], company_name="Evil\x1b[2J\nB.V.", managed=False,
                    declared_state=None, status="rejected", status_detail="wrong\x07\u202ename")
    out = render_status(StatusReport(rows=[row], summary={"unmanaged": 1}), fmt)  # type: ignore[arg-type]
    assert not _RAW.search(out), repr(_RAW.search(out))
    assert "x1b[2J" in out.replace("\\[", "[") and "u202e" in out
