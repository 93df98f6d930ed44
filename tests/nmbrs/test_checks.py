"""Every nmbrs.* check, passing and failing: the real zeep client against the simulator over HTTP."""

from __future__ import annotations

import pytest

from asrctl.nmbrs.soap.calls import REPORT_BACKGROUND_RIGHT, REQUIRED_CALLS, RIGHTS_SCREEN
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

from .conftest import ACCOUNTS, FAST, Observe, employer, ids, make_config, only


def test_a_correct_employer_has_no_findings(observe: Observe) -> None:
    result = observe([employer("de-vries", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])])
    assert result.checks == {"de-vries": []}
    assert result.calls > 0


# --- nmbrs.auth / nmbrs.domain / nmbrs.api-rights -----------------------------------------------------


def test_auth_fails_for_a_user_who_left_and_nothing_else_is_tried(observe: Observe, sim: NmbrsSimulator) -> None:
    result = observe([employer("a", "left", "Bakkerij De Vries B.V.")])
    check = only(result.checks["a"], "nmbrs.auth")
    assert check.severity == "error"
    assert "vertrokken@voorbeeld.nl" in check.message and "not accepted" in check.message
    assert "Debtor Services > Environment_Get, fault 1001" in (check.hint or "")  # the call and code: hint only
    assert "env NMBRS_TOKEN_LEFT" in (check.hint or "") and "API-Token" in (check.hint or "")
    assert ids(result.checks["a"]) == ["nmbrs.auth"]
    assert sim.calls.total == 1  # Environment_Get only


def test_auth_fails_for_a_wrong_token(observe: Observe, world) -> None:  # type: ignore[no-untyped-def]
    from asrctl.secrets import Secret

    from .conftest import tokens_for

    tokens = tokens_for(world) | {"kantoor": Secret("tok-kantoor-wrong-value", "env NMBRS_TOKEN_KANTOOR")}
    result = observe([employer("a", "kantoor", "Bakkerij De Vries B.V.")], tokens=tokens)
    assert ids(result.checks["a"]) == ["nmbrs.auth"]


def test_missing_token_or_account_is_an_auth_error_not_a_crash(observe: Observe) -> None:
    result = observe(
        [employer("a", "kantoor", "Bakkerij De Vries B.V."), employer("b", "nobody", "Bakkerij De Vries B.V.")],
        tokens={},
    )
    assert ids(result.checks["a"]) == ["nmbrs.auth"] and "token" in result.checks["a"][0].message
    assert ids(result.checks["b"]) == ["nmbrs.auth"] and "'nobody'" in result.checks["b"][0].message


def test_wrong_domain_is_reported_and_the_other_checks_still_run(observe: Observe) -> None:
    accounts = {**ACCOUNTS, "kantoor": {**ACCOUNTS["kantoor"], "domain": "voorbeld"}}
    result = observe(
        [employer("a", "kantoor", "Bakkerij De Vries B.V.", frequency="four_weekly")], config=make_config(accounts)
    )
    domain = only(result.checks["a"], "nmbrs.domain")
    assert "'voorbeld'" in domain.message and "'voorbeeld' (voorbeeld.nmbrs.nl)" in domain.message
    assert "domain: voorbeeld" in (domain.hint or "")
    assert "nmbrs.frequency" in ids(result.checks["a"])  # sent the real subdomain, so Nmbrs kept answering


def test_missing_api_rights_are_listed_per_service_with_where_to_fix_them(observe: Observe) -> None:
    result = observe([employer("a", "missing", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])])
    check = only(result.checks["a"], "nmbrs.api-rights")
    assert check.severity == "error"
    assert check.message.startswith("2 API call(s) a.s.r.'s coupling needs are not Active")
    assert "Company Services > Run_GetList; Employee Services > SVW_GetCurrent" in (check.hint or "")
    assert RIGHTS_SCREEN["overarching"] in (check.hint or "") and "Active" in (check.hint or "")


def test_a_login_with_exactly_asrs_list_blocks_nothing(observe: Observe) -> None:
    employers = [
        employer("a", "asr-only", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("b", "asr-only", "Jansen Transport B.V.", frequency="four_weekly",
                 dga=[("H. Jansen", 1), ("M. Jansen", 2)], debtor="1077"),
        employer("c", "de-vries", "Bakkerij De Vries Utrecht B.V.", frequency="four_weekly"),
    ]
    result = observe(employers)
    for checks in result.checks.values():
        assert checks, "the optional calls that are off must be named"
        assert {c.severity for c in checks} == {"note"}  # not a warning: the login is as the manual says
        assert set(ids(checks)) == {"nmbrs.optional"}
    warning = result.checks["b"][0]
    assert "account 'asr-only' (asr-only@voorbeeld.nl) may not list the debtors" in warning.message
    assert "List_GetAll" not in warning.message and "Debtor Services > List_GetAll" in (warning.hint or "")
    # An account-wide gap reads the same on every employer of the account (with or without a declared
    # debtor), so a renderer can group it.
    assert result.checks["a"] == result.checks["b"] == [warning]


def test_rights_probe_sends_each_required_call_once(observe: Observe, sim: NmbrsSimulator) -> None:
    result = observe([employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])])
    assert result.checks["a"] == []
    for call in REQUIRED_CALLS["overarching"]:
        assert sim.calls.count(call) == 1, call  # the probes of List_GetAll/List_GetByCompany are the real lists
    # Probes never start work: no background report task was created.
    started = [e for e in sim.calls.entries if e.operation == f"ReportService.{REPORT_BACKGROUND_RIGHT}"]
    assert [e.outcome for e in started] == ["fault 2004"]


# --- nmbrs.debtor ------------------------------------------------------------------------------------


def test_declared_debtor_that_the_login_does_not_see(observe: Observe) -> None:
    result = observe([employer("a", "kantoor", "Verborgen B.V.", debtor="2001")])
    check = only(result.checks["a"], "nmbrs.debtor")
    assert "Debtor 2001" in check.message and "tag 'a.s.r.'" in check.message
    assert "nmbrs.company" in ids(result.checks["a"])


def test_debtor_without_the_tag_names_the_near_miss(observe: Observe) -> None:
    accounts = {**ACCOUNTS, "alles": {**ACCOUNTS["alles"], "tag": "a.s.r."}}
    result = observe([employer("a", "alles", "Verborgen B.V.")], config=make_config(accounts))
    check = only(result.checks["a"], "nmbrs.debtor")
    assert "does not carry the tag 'a.s.r.'" in check.message and "'asr'" in check.message
    assert "Tags" in (check.hint or "")


def test_tagged_debtor_passes(observe: Observe) -> None:
    result = observe([employer("a", "kantoor", "Jansen Holding B.V.", debtor="1077")])
    assert "nmbrs.debtor" not in ids(result.checks["a"])


def test_per_debtor_account_and_a_different_declared_debtor(observe: Observe) -> None:
    result = observe([employer("a", "de-vries", "Bakkerij De Vries B.V.", debtor="1077")])
    check = only(result.checks["a"], "nmbrs.debtor")
    assert "1077" in check.message and "1042" in check.message


# --- nmbrs.company / nmbrs.company-ambiguous -------------------------------------------------------------


def test_company_near_misses_say_how_they_differ(observe: Observe) -> None:
    result = observe([
        employer("case", "kantoor", "Bakkerij de Vries B.V."),
        employer("dots", "kantoor", "Bakkerij De Vries BV"),
        employer("none", "kantoor", "Garage Het Wiel B.V."),
    ])
    case = only(result.checks["case"], "nmbrs.company")
    assert "found 'Bakkerij De Vries B.V.' — differs in case" in case.message
    assert "capitals, spaces, dots and commas" in (case.hint or "")
    dots = only(result.checks["dots"], "nmbrs.company")
    assert "differs in punctuation: '.'" in dots.message
    none = only(result.checks["none"], "nmbrs.company")
    assert "No company named 'Garage Het Wiel B.V.'" in none.message and "found" not in none.message
    assert "tag 'a.s.r.'" in (none.hint or "")


def test_company_under_another_debtor(observe: Observe) -> None:
    result = observe([employer("a", "kantoor", "Jansen Transport B.V.", debtor="1042", frequency="four_weekly")])
    check = only(result.checks["a"], "nmbrs.company")
    assert "not under debtor 1042" in check.message and "debtor 1077" in check.message


def test_same_name_under_two_debtors_needs_a_debtor(observe: Observe) -> None:
    result = observe([
        employer("ambiguous", "kantoor", "Dubbel B.V."),
        employer("chosen", "kantoor", "Dubbel B.V.", debtor="1099"),
    ])
    check = only(result.checks["ambiguous"], "nmbrs.company-ambiguous")
    assert "under debtors 1077, 1099" in check.message and "nmbrs.debtor" in (check.hint or "")
    assert result.checks["chosen"] == []


def test_ambiguity_without_debtor_rights_is_still_an_error(observe: Observe) -> None:
    result = observe([employer("a", "asr-only", "Dubbel B.V.")])
    check = only(result.checks["a"], "nmbrs.company-ambiguous")
    assert "company numbers" in check.message


def test_ambiguity_with_a_declared_debtor_that_cannot_be_verified_only_warns(observe: Observe) -> None:
    result = observe([employer("a", "asr-only", "Dubbel B.V.", debtor="1099")])
    assert {c.severity for c in result.checks["a"]} == {"warning", "note"}  # the note: List_GetAll is off
    assert any("2 companies are named 'Dubbel B.V.'" in c.message for c in result.checks["a"])


# --- nmbrs.frequency ------------------------------------------------------------------------------------


def test_frequency(observe: Observe) -> None:
    result = observe([
        employer("ok", "kantoor", "Jansen Transport B.V.", frequency="four_weekly",
                 dga=[("H. Jansen", 1), ("M. Jansen", 2)]),
        employer("wrong", "kantoor", "Jansen Transport B.V.", frequency="monthly",
                 dga=[("H. Jansen", 1), ("M. Jansen", 2)]),
        employer("yearly", "kantoor", "Jansen Holding B.V.", frequency="monthly"),
    ])
    assert result.checks["ok"] == []
    wrong = only(result.checks["wrong"], "nmbrs.frequency")
    assert "payroll four-weekly for company" in wrong.message and "declares monthly" in wrong.message
    assert "Week4" not in wrong.message
    assert "payroll.frequency: four_weekly" in (wrong.hint or "") and "reports Week4" in (wrong.hint or "")
    yearly = only(result.checks["yearly"], "nmbrs.frequency")
    assert "payroll yearly for" in yearly.message and "only a monthly" in yearly.message
    assert "reports Year" in (yearly.hint or "")


# --- DGAs --------------------------------------------------------------------------------------------------


def test_dga_number_name_and_insurance(observe: Observe) -> None:
    result = observe([
        employer("missing", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 7)]),
        employer("renamed", "kantoor", "Bakkerij De Vries B.V.", dga=[("K. de Vries", 1)]),
        employer("reordered", "kantoor", "Bakkerij De Vries B.V.", dga=[("de Vries, J.", 1)]),
        employer("insured", "kantoor", "Jansen Transport B.V.", frequency="four_weekly",
                 dga=[("H. Jansen", 1), ("M. Jansen", 2), ("R. Smit", 3)]),
    ])
    missing = only(result.checks["missing"], "nmbrs.dga")
    assert "employee number 7" in missing.message and "'J. de Vries' as employee 1" in missing.message
    assert "dga[0].employee_number" in (missing.hint or "")
    # employee 1 is then undeclared and looks like a DGA
    assert "nmbrs.dga-undeclared" in ids(result.checks["missing"])
    renamed = only(result.checks["renamed"], "nmbrs.dga-name")
    assert renamed.severity == "warning" and "'J. de Vries' in Nmbrs" in renamed.message
    assert result.checks["reordered"] == []
    insured = only(result.checks["insured"], "nmbrs.dga-insured")
    assert insured.severity == "warning" and "'R. Smit'" in insured.message and "WW, ZW, WIA" in insured.message


def test_undeclared_dga_found_by_bulk_call_and_by_per_employee_scan(observe: Observe, sim: NmbrsSimulator) -> None:
    result = observe([
        employer("bulk", "kantoor", "Jansen Transport B.V.", frequency="four_weekly", dga=[("H. Jansen", 1)]),
        employer("scan", "asr-only", "Jansen Transport B.V.", frequency="four_weekly", dga=[("H. Jansen", 1)]),
    ])
    for employer_id in ("bulk", "scan"):
        check = only(result.checks[employer_id], "nmbrs.dga-undeclared")
        assert "2 'M. Jansen'" in check.message and "H. Jansen" not in check.message
        assert "Zonder Gegevens" not in check.message  # no SVW data: nothing to judge
    assert sim.calls.count("EmployeeService.SVW_GetAll_AllEmployeesByCompany", username="kantoor@voorbeeld.nl") == 1
    # a.s.r.'s list lacks the bulk call: one 1002, then one SVW_GetCurrent per employee
    assert sim.calls.count("EmployeeService.SVW_GetAll_AllEmployeesByCompany", username="asr-only@voorbeeld.nl") == 1
    assert sim.calls.count("EmployeeService.SVW_GetCurrent", username="asr-only@voorbeeld.nl") == 1 + 4


def test_company_too_large_to_scan_is_unverified_but_declared_dgas_are_checked(observe: Observe) -> None:
    config = make_config(max_employee_scan=2)
    result = observe(
        [employer("a", "asr-only", "Jansen Transport B.V.", frequency="four_weekly", dga=[("R. Smit", 3)])],
        config=config,
    )
    checks = result.checks["a"]
    assert "nmbrs.dga-undeclared" not in ids(checks)
    assert "nmbrs.dga-insured" in ids(checks)
    scan = [c for c in checks if "max_employee_scan (2)" in c.message]
    assert len(scan) == 1 and scan[0].id == "nmbrs.unverified"
    assert "all employees of a company at once" in scan[0].message
    assert "Employee Services > SVW_GetAll_AllEmployeesByCompany" in (scan[0].hint or "")


def test_employees_of_another_employee_type_are_not_listed(observe: Observe) -> None:
    # S. Stagiair (type 2 in the world) looks like a DGA but is not an ordinary employee.
    result = observe([employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])])
    assert result.checks["a"] == []


# --- nmbrs.unreachable, withdrawn, progress ---------------------------------------------------------------


def test_unreachable_is_per_employer_not_a_crash(observe: Observe, sim: NmbrsSimulator) -> None:
    # The optional bulk call falling over falls back to SVW_GetCurrent per employee; that failing too is unreachable.
    sim.inject("EmployeeService.SVW_GetAll_AllEmployeesByCompany", "http500", times=50)
    sim.inject("EmployeeService.SVW_GetCurrent", "http500", times=50)
    result = observe([
        employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("b", "kantoor", "Bakkerij De Vries Utrecht B.V.", frequency="four_weekly"),
        employer("c", "kantoor", "Jansen Holding B.V.", frequency="monthly"),  # no employees: no SVW call
    ])
    # (the rights probe of SVW_GetCurrent met the HTTP 500s too: an account-level unreachable on every employer)
    probe = "checking whether 1 call(s) a.s.r.'s coupling needs are Active"
    for employer_id in ("a", "b"):
        [check] = [c for c in result.checks[employer_id] if probe not in c.message]
        assert check.id == "nmbrs.unreachable" and check.severity == "error"
        assert "HTTP 500" in check.message and "insurance" in check.message
        assert "Employee Services > SVW_GetCurrent" in (check.hint or "")
    assert sim.calls.count("EmployeeService.SVW_GetAll_AllEmployeesByCompany") == 2 * FAST.max_attempts
    assert [c.id for c in result.checks["c"] if probe not in c.message] == ["nmbrs.frequency"]


def test_nmbrs_down_gives_unreachable_for_every_employer() -> None:
    import socket

    from asrctl.nmbrs.observe import observe_nmbrs
    from asrctl.secrets import Secret


    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = observe_nmbrs(
        make_config(), [employer("a", "kantoor", "X"), employer("b", "kantoor", "Y")],
        {"kantoor": Secret("tok-kantoor-7f3a9c1e5b")}, endpoint_url=f"http://127.0.0.1:{port}/soap/v3/", retry=FAST,
    )
    assert ids(result.checks["a"]) == ["nmbrs.unreachable"] == ids(result.checks["b"])
    assert result.calls == FAST.max_attempts  # one Environment_Get, retried, shared by both


def test_withdrawn_employers_are_not_checked_and_progress_counts_all(observe: Observe, sim: NmbrsSimulator) -> None:
    seen: list[tuple[int, int]] = []
    result = observe(
        [employer("gone", "left", "Nowhere B.V.", state="withdrawn"),
         employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.checks == {"gone": [], "a": []}
    assert sim.calls.count(username="vertrokken@voorbeeld.nl") == 0
    assert seen[-1] == (2, 2) and [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize(
    ("period", "declared", "expected"),
    [
        ("Month", "monthly", None),
        ("Week4", "four_weekly", None),
        ("Month", "four_weekly", ["payroll monthly for", "declares four-weekly", "payroll.frequency: monthly",
                                  "reports Month"]),
        ("Week4", "monthly", ["payroll four-weekly for", "declares monthly", "payroll.frequency: four_weekly",
                              "reports Week4"]),
        ("None", "monthly", ["payroll without a pay period for", "only a monthly or a four-weekly", "reports None"]),
        (None, "four_weekly", ["payroll without a pay period for", "only a monthly"]),  # element missing: None
        ("Month6", "monthly", ["payroll every six months for", "only a monthly", "reports Month6"]),
        ("Year", "four_weekly", ["payroll yearly for", "only a monthly", "reports Year"]),
    ],
)
def test_frequency_for_every_pay_period(period: str | None, declared: str, expected: list[str] | None) -> None:
    from asrctl.nmbrs.findings import frequency_check
    from asrctl.nmbrs.provider import Company
    from asrctl.nmbrs.soap.provider import pay_period

    company = Company(id=1, number=7, name="Bakkerij De Vries B.V.", pay_period=pay_period(period),
                      pay_period_label=period or "None")
    check = frequency_check(company, declared)
    if expected is None:
        assert check is None
        return
    assert check is not None and check.id == "nmbrs.frequency" and check.severity == "error"
    text = f"{check.message} {check.hint}"
    assert all(part in text for part in expected), text
    assert "'Bakkerij De Vries B.V.' (company number 7)" in check.message and "Loonaangifte tijdvak" in (check.hint or "")


# API-FACTS.md §6, literally (rights-list names).
_EMPLOYEE_14 = [
    "Address_GetListCurrent", "BankAccount_GetListCurrent", "Children_Get", "Contract_GetCurrentPeriod",
    "List_GetByCompany", "Partner_Get", "PersonalInfo_GetCurrent", "Salary_GetAll_AllEmployeesByCompany",
    "Schedule_GetCurrent", "Schedule_GetList", "SVW_GetCurrent", "WageComponentFixed_GetCurrent",
    "WageComponentVar_GetCurrent", "Employment_GetAll_AllEmployeesByCompany",
]
ASR_LISTS = {
    "overarching": (
        ["Company_GetCurrentPeriod", "List_GetAll", "Run_GetList"],
        _EMPLOYEE_14,
        ["Report_GetWageCodesByRunCompany_FilterByWageCode_Background", "Report_BackgroundTask_Result"],
    ),
    "per_debtor": (
        ["Company_GetCurrentPeriod", "List_GetAll", "Run_GetList",
         "Reports_GetWageCodesByRunCompany_FilterByWageCode", "Reports_GetWageCodesByRunCompany_v2"],
        _EMPLOYEE_14,
        [],
    ),
}


@pytest.mark.parametrize("model", ["overarching", "per_debtor"])
def test_required_calls_are_exactly_asrs_lists(model: str) -> None:
    company, employee, report = ASR_LISTS[model]
    expected = ([f"CompanyService.{c}" for c in company] + [f"EmployeeService.{c}" for c in employee]
                + [f"ReportService.{c}" for c in report])
    assert (len(company), len(employee), len(report)) == ((3, 14, 2) if model == "overarching" else (5, 14, 0))
    assert sorted(REQUIRED_CALLS[model]) == sorted(expected)  # type: ignore[index]
    assert len(set(REQUIRED_CALLS[model])) == len(REQUIRED_CALLS[model])  # type: ignore[index]


def test_remedies_for_a_master_company_login_name_the_debtor_screens(observe: Observe) -> None:
    result = observe([employer("c", "de-vries", "Bakkerij De Vries Utrecht B.V.", frequency="four_weekly")])
    [note] = result.checks["c"]
    assert note.id == "nmbrs.optional"
    assert "Gebruikersaccounts > User templates" in (note.hint or "") and "master company login" in (note.hint or "")
    assert "Instellingen > Gebruikers > Template Users" not in (note.hint or "")


def test_master_company_login_wording() -> None:
    from asrctl.nmbrs.findings import rights_missing
    from asrctl.nmbrs.soap.remedies import SoapRemedies

    check = rights_missing(SoapRemedies(), "de-vries", "api@devries.nl", "per_debtor", ["CompanyService.Run_GetList"])
    assert check.message.endswith(", a master company login.") and "an master" not in check.message
    assert "Gebruikersaccounts > User templates" in (check.hint or "")
    auth = SoapRemedies().new_token("api@devries.nl", "env X", "per_debtor")
    assert "Gebruikersaccounts > Klant Logins" in auth
