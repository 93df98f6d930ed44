"""The nmbrs.* findings in Dutch and in payroll words (issue 15 §3).

Driven from the code itself, not from a hand list: every wording in the `FINDINGS` tables and every
builder of nmbrs/findings.py and nmbrs/rest/findings.py reads differently in Dutch than in English;
no message names a SOAP operation, a service, a scope or an API value (those belong in hints, as the
Nmbrs screen calls them); and an unverified finding still names the call and the field, in Dutch too.
"""

from __future__ import annotations

import inspect
import re
import string
import typing
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import pytest

from asrctl.checks import Check
from asrctl.i18n import Message, localize
from asrctl.nmbrs import findings
from asrctl.nmbrs.errors import NmbrsError
from asrctl.nmbrs.findings import Finding
from asrctl.nmbrs.provider import Company, Debtor, Employee, Insurance, PayPeriod, Remedies
from asrctl.nmbrs.rest import findings as rest_findings
from asrctl.nmbrs.soap import calls
from asrctl.nmbrs.soap.faults import error_for_fault
from asrctl.nmbrs.soap.remedies import SoapRemedies
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

from .conftest import Observe, employer

MODULES: tuple[ModuleType, ...] = (findings, rest_findings)
WORDINGS: dict[str, Finding] = {f"{m.__name__}.{name}": f for m in MODULES for name, f in m.FINDINGS.items()}

# Every operation asrctl calls or a.s.r.'s lists name, from soap/calls.py: none may appear in a message.
_OPERATIONS = {
    calls.split_call(call)[1]
    for call in (*calls.CALL_OF.values(), *calls.REQUIRED_CALLS["overarching"], *calls.REQUIRED_CALLS["per_debtor"],
                 calls.EMPLOYMENTS)
} | {calls.REPORT_BACKGROUND_OPERATION, calls.REPORT_RESULT_OPERATION}
INTERNALS = re.compile("|".join([
    *(re.escape(op) for op in sorted(_OPERATIONS, key=len, reverse=True)),
    *(re.escape(service) for service in calls.SERVICES),
    *(re.escape(service) for service in calls.SCREEN_SERVICES.values()),
    r"\bWeek4\b", r"\bEmployeeType\b", r"\bSOAPAction\b", r"fingerprint", r"\bfault \d",
    r"\b[a-z]+\.[a-z]+\.read\b", r"\boffline_access\b",   # REST scopes
]))


def _fields(template: Message | None) -> set[str]:
    texts = [] if template is None else [template.msgid, template.plural or ""]
    return {f for text in texts for _lit, f, _spec, _conv in string.Formatter().parse(text) if f}


def _sample_params(finding: Finding) -> dict[str, Any]:
    return {name: 2 if name == "n" else f"<{name}>" for name in _fields(finding.message) | _fields(finding.hint)}


def _both(text: str | None) -> tuple[str | None, str | None]:
    return localize(text, "en"), localize(text, "nl")


@pytest.mark.parametrize("name", sorted(WORDINGS))
def test_every_wording_has_its_own_dutch_and_speaks_payroll(name: str) -> None:
    finding = WORDINGS[name]
    check = finding(**_sample_params(finding))
    en, nl = _both(check.message)
    assert en != nl, f"{name}: the message has no Dutch"
    assert not INTERNALS.search(finding.message.msgid + (finding.message.plural or "")), \
        f"{name}: an Nmbrs internal in the message (it belongs in the hint)"
    assert not INTERNALS.search(nl or ""), f"{name}: an Nmbrs internal in the Dutch message"
    if finding.hint is not None:
        hint_en, hint_nl = _both(check.hint)
        assert hint_en != hint_nl, f"{name}: the hint has no Dutch"


# --- every builder, called with one sample per parameter ---------------------------------------------------

_ERROR = error_for_fault("EmployeeService.List_GetByCompany",
                         "Server was unable to process request. ---> 2004: No access to this company",
                         client_fault=False)
_COMPANY = Company(id=1, number=7, name="Bakkerij De Vries B.V.", pay_period=PayPeriod.WEEKLY, pay_period_label="Week")
_EMPLOYEE = Employee(id=11, number=2, name="M. Groen")
# By type, else by parameter name: a new builder with a parameter of another kind fails here until it gets one.
_BY_TYPE: dict[Any, Any] = {
    Remedies: SoapRemedies(),
    NmbrsError: _ERROR,
    Company: _COMPANY,
    Debtor: Debtor(id=3, number="1042", name="De Vries Holding"),
    Employee: _EMPLOYEE,
    Insurance: Insurance(ww=True, zw=False, wao_wia=True),
    bool: True,
    int: 3,
    Sequence[Employee]: [_EMPLOYEE, Employee(id=12, number=5, name="H. Jansen")],
    Sequence[Company]: [_COMPANY, Company(id=2, number=8, name="Bakkerij De Vries B.V.", pay_period=None)],
    Sequence[tuple[str, str]]: [("Bakkerij de Vries B.V.", "differs in case")],
}
_BY_NAME: dict[str, Any] = {
    "model": "per_debtor", "account": "kantoor", "username": "api@kantoor.nl", "token_source": "env NMBRS_TOKEN",
    "declared": "monthly", "subdomain": "voorbeeld", "full": "voorbeeld.nmbrs.nl", "what": "the domain",
    "message": "the grant file is damaged", "hint": None, "number": "1042", "tag": "a.s.r.", "debtor": "1042",
    "near": "asr", "name": "Bakkerij De Vries B.V.", "scope": "among the companies", "account_debtor": "1077",
    "employee_type_note": "2 employees came without an employee number", "logins_screen": "Instellingen > Logins",
    "who": "api@kantoor.nl", "missing": ["CompanyService.Run_GetList", "EmployeeService.Partner_Get"],
    "tags": ["vip"], "where": ["debtor 1077"], "debtors": ["1042", "1077"],
}


def _builders() -> dict[str, Callable[..., Check | None]]:
    found = {}
    for module in MODULES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            mine = function.__module__ == module.__name__ and not name.startswith("_")
            if mine and typing.get_type_hints(function).get("return") in (Check, Check | None):
                found[f"{module.__name__}.{name}"] = function
    return found


BUILDERS = _builders()


def _call(function: Callable[..., Check | None]) -> Check | None:
    hints = typing.get_type_hints(function)
    args = {}
    for name in inspect.signature(function).parameters:
        kind = hints[name]
        if kind in _BY_TYPE:
            args[name] = _BY_TYPE[kind]
        else:
            assert name in _BY_NAME, f"{function.__name__}: no sample for parameter {name}: {kind}"
            args[name] = _BY_NAME[name]
    return function(**args)


def test_the_builders_are_found() -> None:
    assert len(BUILDERS) >= 20 and "asrctl.nmbrs.findings.frequency_check" in BUILDERS


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_builder_reads_dutch_and_names_nmbrs_internals_only_in_hints(name: str) -> None:
    check = _call(BUILDERS[name])
    assert check is not None
    en, nl = _both(check.message)
    assert en != nl, f"{name}: no Dutch: {en}"
    assert not INTERNALS.search(en or "") and not INTERNALS.search(nl or ""), f"{name}: {en} / {nl}"
    if check.hint is not None:
        hint_en, hint_nl = _both(check.hint)
        assert hint_en != hint_nl, f"{name}: the hint has no Dutch: {hint_en}"


def test_the_rights_check_names_the_calls_in_the_hint_as_the_rights_screen_does() -> None:
    check = findings.rights_missing(SoapRemedies(), "kantoor", "api@kantoor.nl", "overarching",
                                    ["CompanyService.Run_GetList", "EmployeeService.Partner_Get"])
    hint_nl = localize(check.hint, "nl") or ""
    assert "Company Services > Run_GetList; Employee Services > Partner_Get" in hint_nl
    assert "Instellingen > Gebruikers > Template Users > API-icoon" in hint_nl and "op Active" in hint_nl
    assert localize(check.message, "nl").startswith("2 API-call(s) die de koppeling met a.s.r. nodig heeft")


def test_the_pay_period_reads_in_the_words_of_the_loonaangifte_tijdvak() -> None:
    company = Company(id=1, number=7, name="Tandartspraktijk Smit", pay_period=PayPeriod.FOUR_WEEKLY,
                      pay_period_label="Week4")
    check = findings.frequency_check(company, "monthly")
    assert check is not None
    dutch = ("Nmbrs verloont bedrijf 'Tandartspraktijk Smit' (bedrijfsnummer 7) 4-wekelijks, maar het "
             "werkgeverbestand zegt maandelijks.")
    assert localize(check.message, "nl") == dutch
    assert localize(str(check.message), "nl") == dutch  # as read back from a plan file: English text only
    assert "Loonaangifte tijdvak" in (localize(check.hint, "nl") or "") and "Week4" in (check.hint or "")


# --- over the wire: what the simulator's answers become -----------------------------------------------------


def test_an_unverified_finding_names_the_call_and_the_field_in_its_hint_in_dutch_too(
    observe: Observe, sim: NmbrsSimulator
) -> None:
    sim.drop = {"Ww"}
    checks = observe([employer("a", "asr-only", "Jansen Transport B.V.", frequency="four_weekly",
                               dga=[("H. Jansen", 1)])]).checks["a"]
    [note] = [c for c in checks if c.id == "nmbrs.unverified"]
    assert not INTERNALS.search(note.message)
    hint_nl = localize(note.hint, "nl") or ""
    assert "Employee Services > SVW_GetCurrent" in hint_nl and "zonder veld Ww" in hint_nl
    assert localize(note.message, "nl").startswith("De verzekeringsinstellingen (SVW) van")


def test_no_finding_of_the_small_world_names_an_nmbrs_internal_outside_its_hint(
    observe: Observe, sim: NmbrsSimulator
) -> None:
    sim.gone = {"CompanyService.Run_GetList"}
    result = observe([
        employer("rights", "missing", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("optional", "asr-only", "Jansen Transport B.V.", frequency="four_weekly", debtor="1077"),
        employer("left", "left", "Bakkerij De Vries B.V."),
        employer("period", "kantoor", "Jansen Transport B.V.", frequency="monthly"),
        employer("master", "de-vries", "Bakkerij De Vries B.V.", debtor="1077"),
        employer("near", "kantoor", "Bakkerij de Vries B.V."),
        employer("hidden", "kantoor", "Verborgen B.V.", debtor="2001"),
        employer("twice", "kantoor", "Dubbel B.V."),
        employer("dga", "kantoor", "Jansen Transport B.V.", frequency="four_weekly", dga=[("H. Jansen", 9)]),
    ])
    checks = [c for found in result.checks.values() for c in found]
    assert {"nmbrs.api-rights", "nmbrs.optional", "nmbrs.auth", "nmbrs.frequency", "nmbrs.debtor",
            "nmbrs.company", "nmbrs.unverified"} <= {c.id for c in checks}
    for check in checks:
        en, nl = _both(check.message)
        assert not INTERNALS.search(en or ""), check
        assert en != nl, check
        assert check.hint is None or localize(check.hint, "nl") != check.hint, check
        # A plan file keeps the English text only; read back (the PR comment), it must translate the same.
        assert localize(str(check.message), "nl") == nl, check


@pytest.mark.parametrize("table", ["PERIOD_WORDS", "ACTION_WORDS", "SKIPPED_WORDS"])
def test_every_word_of_the_tables_has_dutch(table: str) -> None:
    for key, words in getattr(findings, table).items():
        params = {f: f"<{f}>" for f in _fields(words)}
        assert localize(Message(words.msgid, params), "nl") != Message(words.msgid, params), (table, key)
