"""What only REST has: the consent (nmbrs.auth), the scopes (nmbrs.scopes), SOAP's end, paging, Nmbrs's
throttling codes, and no per-employee calls — the real REST client against the simulator over loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asrctl.net.budget import unlimited
from asrctl.nmbrs.observe import RestSetup, observe_with
from asrctl.nmbrs.provider import open_provider
from asrctl.nmbrs.rest.constants import SCOPES_ASR, SCOPES_NEEDED, SOAP_END
from asrctl.nmbrs.rest.provider import RestProvider, SvwRecord, current_record
from asrctl.sandbox.world import World
from asrctl.secrets import Secret

from ..both import Both, rest_config
from ..conftest import FAST, employer, ids, only

GOOD = employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])


def test_missing_scopes_asrctl_needs_are_an_error_asrs_a_warning(both: Both) -> None:
    both.grant("kantoor", "kantoor@voorbeeld.nl", ["offline_access", "user.info.read", "company.info.read"])
    result = both.observe("rest", [GOOD])
    scopes = [c for c in result.checks["a"] if c.id == "nmbrs.scopes"]
    assert [c.severity for c in scopes] == ["error", "warning"]
    assert "employee.info.read" in (scopes[0].hint or "") and "developer portal" in (scopes[0].hint or "")
    assert "asrctl login kantoor" in (scopes[0].hint or "")
    assert "employee.bankaccount.read" in (scopes[1].hint or "") and "no REST list" in scopes[1].message
    assert not any(".read" in c.message for c in scopes)  # scopes: in hints only


def test_all_scopes_granted_gives_no_scope_finding(both: Both) -> None:
    result = both.observe("rest", [GOOD])
    assert "nmbrs.scopes" not in ids(result.checks["a"])
    assert set(SCOPES_NEEDED) - {"offline_access"} <= set(SCOPES_ASR) | set(SCOPES_NEEDED)


def test_a_spent_consent_says_run_asrctl_login(both: Both) -> None:
    store = both.grant("kantoor", "kantoor@voorbeeld.nl")
    grant = store.load()
    store.save(grant.model_copy(update={"access_expires_at": 0.0}))
    both.rest.refresh_token_active(grant.refresh_token)
    both.rest.revoke({"authorization": ""}, {})  # nothing: unauthenticated
    from asrctl.nmbrs.rest.oauth import IdentityClient

    IdentityClient(both.app, budget=unlimited()).revoke(Secret(grant.refresh_token, "t"))
    result = both.observe("rest", [GOOD])
    check = only(result.checks["a"], "nmbrs.auth")
    assert "invalid_grant" in check.message and "asrctl login kantoor" in (check.hint or "")
    assert ids(result.checks["a"]) == ["nmbrs.auth"]


def test_no_grant_file_says_run_asrctl_login(both: Both, tmp_path: Path) -> None:
    config = rest_config(grants=tmp_path / "none")
    from asrctl.nmbrs.rest.grant import GrantStore

    rest = RestSetup(both.app, {"kantoor": GrantStore(tmp_path / "none" / "kantoor.json", "kantoor")})
    result = both.observe("soap", [GOOD], config=config, rest=rest)
    check = only(result.checks["a"], "nmbrs.auth")
    assert "no Nmbrs consent yet" in check.message and "asrctl login kantoor" in (check.hint or "")


def test_a_rejected_access_token_is_refreshed_once(both: Both) -> None:
    both.grant("kantoor", "kantoor@voorbeeld.nl")
    both.rest.inject("getUserInfo", "401")
    result = both.observe("rest", [GOOD])
    assert result.checks["a"] == []
    assert both.rest.calls.count("token") == 1


def test_too_many_calls_waits_and_quota_is_not_retried(both: Both) -> None:
    both.rest.inject("getDebtors", "42908", times=2, retry_after=0.05)
    result = both.observe("rest", [GOOD])
    assert result.checks["a"] == []
    assert both.rest.calls.count("getDebtors") == 3
    both.rest.quota = both.rest.calls.total  # every further API call: 42909
    fresh = employer("b", "kantoor", "Jansen Transport B.V.", frequency="four_weekly")
    result = both.observe("rest", [fresh])
    check = only(result.checks["b"], "nmbrs.unreachable")
    assert "quota" in check.message and "does not retry" in (check.hint or "")
    assert [e.code for e in both.rest.calls.entries].count(42909) == 1


def test_rest_makes_no_per_employee_calls(both: Both) -> None:
    result = both.observe("rest", [
        employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("b", "kantoor", "Jansen Transport B.V.", frequency="four_weekly",
                 dga=[("H. Jansen", 1), ("M. Jansen", 2)]),
    ])
    assert ids(result.checks["b"]) == []
    operations = [e.operation for e in both.rest.calls.entries]
    per_company = {"getCurrentPeriod", "getEmployeesByCompany", "getSVWSettingsByCompany"}
    assert {op: operations.count(op) for op in per_company} == {op: 2 for op in per_company}
    assert operations.count("getUserInfo") == 1  # once per account


def test_soap_gone_is_a_note_and_the_rest_checks_still_run(both: Both, world: World, tmp_path: Path) -> None:
    config = rest_config(grants=tmp_path)
    grants = {"kantoor": both.grant("kantoor", "kantoor@voorbeeld.nl")}
    soap = open_provider(both.rest.url + "/soap/v3/", parallelism=2, timeout=5, retry=FAST)  # answers 404
    for today, why in ((dt.date(2026, 12, 1), "no longer answers"), (SOAP_END, "2027-03-01")):
        rest = RestProvider(both.app, grants, soap=soap, budget=unlimited(), parallelism=2, retry=FAST, today=today)
        try:
            result = observe_with(soap, config, [GOOD], {"kantoor": Secret("tok-kantoor-7f3a9c1e5b")},
                                  parallelism=2, rest_provider=rest)
        finally:
            rest.close()
        note = only(result.checks["a"], "nmbrs.unverified")
        assert why in note.message and "a.s.r." in (note.hint or "")
        assert ids(result.checks["a"]) == ["nmbrs.unverified"]
    soap.close()


def big_world(debtors: int, employees: int) -> World:
    data: dict[str, Any] = {
        "logins": [{"username": "groot@voorbeeld.nl", "token": "tok-groot-1234567", "rights": "all"}],
        "debtors": [{"id": 1000 + i, "number": str(5000 + i), "name": f"Debiteur {i}"} for i in range(debtors)],
        "companies": [{"id": 9001, "name": "Groot B.V.", "debtor": "5000", "loonaangifte_tijdvak": "Month",
                       "employees": [{"number": n, "display_name": f"W. Nummer{n}",
                                      **({"svw": {"ww": False, "zw": False, "wao_wia": False}} if n == 1 else {})}
                                     for n in range(1, employees + 1)]}],
    }
    return World.model_validate(data)


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Both]:
    with Both(big_world(debtors=230, employees=250), tmp_path) as served:
        yield served


def test_pages_to_the_end_at_100_a_page(big: Both) -> None:
    accounts = {"groot": {"model": "overarching", "username": "groot@voorbeeld.nl", "domain": "sandbox"}}
    config = rest_config(accounts, grants=big.tmp)
    tokens = {"groot": Secret("tok-groot-1234567", "t")}
    result = big.observe("rest", [employer("a", "groot", "Groot B.V.", dga=[("W. Nummer1", 1)])], config=config,
                         tokens=tokens)
    # the DGA (employee 1) is found and nobody else looks like one (the login has no tag: that warning only)
    assert [c.id for c in result.checks["a"]] in ([], ["nmbrs.untagged"])
    operations = [e.operation for e in big.rest.calls.entries]
    assert operations.count("getDebtors") == 3                    # 230 debtors
    assert operations.count("getEmployeesByCompany") == 3         # 250 employees
    assert operations.count("getSVWSettingsByCompany") == 3
    assert big.spec is not None and big.spec.problems == []


def test_the_current_svw_record_is_picked_by_period_then_creation() -> None:
    def rec(year: int, period: int, created: str, ww: bool) -> SvwRecord:
        return SvwRecord.model_validate({"WW": ww, "ZW": ww, "waoWia": ww, "period": {"year": year, "period": period},
                                         "createdAt": created})

    records = [rec(2027, 1, "2026-06-01T00:00:00Z", True), rec(2025, 1, "2025-01-05T00:00:00Z", True),
               rec(2025, 1, "2025-01-25T00:00:00Z", False), rec(2023, 1, "2023-01-01T00:00:00Z", True)]
    picked = current_record(records, (2026, 12))
    assert picked is not None and picked.WW is False
    assert current_record(records, (2022, 1)) is None
