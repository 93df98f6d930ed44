"""The provider seam: every nmbrs.* check through an in-memory provider that knows no SOAP.

Messages and hints here come from the fake's Remedies and labels, so a SOAP word hard-coded in the
neutral layer (a call name, a fault number, a Nmbrs screen) would show up as a failed assertion.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from asrctl.checks import Check
from asrctl.nmbrs.errors import (
    NmbrsAuthError,
    NmbrsError,
    NmbrsRequestError,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
    NoAccess,
)
from asrctl.nmbrs.observe import observe_with
from asrctl.nmbrs.provider import Capability, Company, PayPeriod
from asrctl.secrets import Secret

from .conftest import employer, ids, make_config, only
from .fake import FakeProvider, bakery, not_granted

ACCOUNT = {"model": "overarching", "username": "api@kantoor.example", "domain": "voorbeeld", "tag": "a.s.r."}
SOAP_WORDS = re.compile(r"Service\.|fault \d|Template Users|Instellingen|Active")


def run(provider: FakeProvider, *employers: Any, account: dict[str, Any] | None = None) -> dict[str, list[Check]]:
    config = make_config({"kantoor": account or ACCOUNT})
    tokens = {"kantoor": Secret("fake-token-0123456789", "env NMBRS_TOKEN_KANTOOR")}
    result = observe_with(provider, config, list(employers) or [the_bakery()], tokens, parallelism=2)
    for checks in result.checks.values():
        for check in checks:
            assert not SOAP_WORDS.search(f"{check.message} {check.hint}"), check
    return result.checks


def the_bakery(**kwargs: Any) -> Any:
    return employer("bakkerij", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)], **kwargs)


def test_a_correct_employer_has_no_findings() -> None:
    provider = bakery()
    assert run(provider) == {"bakkerij": []}
    assert Capability.INSURANCE_PER_EMPLOYEE not in provider.reads  # the bulk read sufficed


@pytest.mark.parametrize("error", [
    NmbrsAuthError("token refused", call="x", reason="refused by the fake"),
    NmbrsSubscriptionError("no subscription", call="x", reason="no subscription in the fake"),
])
def test_a_refused_login_stops_the_account(error: NmbrsError) -> None:
    provider = bakery()
    provider.fail[Capability.ENVIRONMENT] = error
    checks = run(provider)["bakkerij"]
    check = only(checks, "nmbrs.auth")
    assert ids(checks) == ["nmbrs.auth"] and error.reason in check.message
    if isinstance(error, NmbrsAuthError):
        assert (check.hint or "").startswith("renew the token of api@kantoor.example in env NMBRS_TOKEN_KANTOOR")


def test_companies_unavailable_is_unreachable_for_the_account() -> None:
    provider = bakery()
    provider.fail[Capability.LIST_COMPANIES] = NmbrsUnavailable("no answer", call="x")
    assert ids(run(provider)["bakkerij"]) == ["nmbrs.unreachable"]


def test_missing_required_grants_in_the_providers_words() -> None:
    provider = bakery()
    provider.granted = {"read-companies"}
    check = only(run(provider)["bakkerij"], "nmbrs.api-rights")
    assert check.message.startswith("1 grant(s) missing for account 'kantoor'")
    assert check.hint == "grant read-employees"


def test_an_optional_read_not_permitted_is_named_once_with_its_remedy() -> None:
    provider = bakery()
    provider.fail[Capability.DEBTOR_TAGS] = not_granted()
    provider.fail[Capability.LIST_DEBTORS] = not_granted()
    checks = run(provider, the_bakery(debtor="1042"))["bakkerij"]
    assert ids(checks) == ["nmbrs.optional"]  # the tag check needs the debtor list first: one note
    assert checks[0].severity == "note"
    assert "account 'kantoor' (api@kantoor.example) may not list the debtors (it is not granted)" in checks[0].message
    assert checks[0].hint == "grant read:list_debtors (overarching)"


def test_an_overarching_login_without_a_tag_is_a_warning() -> None:
    account = {k: v for k, v in ACCOUNT.items() if k != "tag"}
    check = only(run(bakery(), account=account)["bakkerij"], "nmbrs.untagged")
    assert check.severity == "warning" and "every debtor" in check.message
    assert "the overarching login's scope" in (check.hint or "") and "accounts.kantoor.tag" in (check.hint or "")


def test_tag_missing_on_the_debtor_is_an_error() -> None:
    provider = bakery()
    provider.tags = {101: ["asr"]}
    check = only(run(provider)["bakkerij"], "nmbrs.debtor")
    assert "'asr' is close" in check.message


def test_no_access_to_the_companys_employees_names_the_login_scope() -> None:
    provider = bakery()
    provider.fail[Capability.EMPLOYEES] = NoAccess("no", call="x", reason="refused by the fake")
    check = only(run(provider)["bakkerij"], "nmbrs.company")
    assert "refused by the fake" in check.message and check.hint and "the overarching login's scope" in check.hint


def test_employees_not_permitted_is_left_to_the_rights_check() -> None:
    provider = bakery()
    provider.fail[Capability.EMPLOYEES] = not_granted()
    assert run(provider)["bakkerij"] == []


def test_bulk_insurance_not_permitted_falls_back_to_one_read_per_employee() -> None:
    provider = bakery()
    provider.fail[Capability.INSURANCE_BULK] = not_granted()
    checks = run(provider, employer("bakkerij", "kantoor", "Bakkerij De Vries B.V."))["bakkerij"]
    assert ids(checks) == ["nmbrs.dga-undeclared"] and "1 'J. de Vries'" in checks[0].message
    assert provider.reads.count(Capability.INSURANCE_PER_EMPLOYEE) == 2


def test_bulk_insurance_refused_data_falls_back_too() -> None:
    provider = bakery()
    provider.fail[Capability.INSURANCE_BULK] = NoAccess("no", call="x")
    checks = run(provider, employer("bakkerij", "kantoor", "Bakkerij De Vries B.V."))["bakkerij"]
    assert ids(checks) == ["nmbrs.dga-undeclared"]


def test_a_rejected_request_is_unverified_not_silence() -> None:
    provider = bakery()
    provider.fail[Capability.INSURANCE_PER_EMPLOYEE] = NmbrsRequestError("bad request", call="x")
    provider.fail[Capability.INSURANCE_BULK] = not_granted()
    checks = run(provider)["bakkerij"]
    assert "nmbrs.unverified" in ids(checks)


def test_pay_period_in_neutral_terms() -> None:
    provider = bakery()
    provider.companies_list[0].company = Company(2001, 1, "Bakkerij De Vries B.V.", PayPeriod.FOUR_WEEKLY,
                                                 "4 weeks")
    check = only(run(provider)["bakkerij"], "nmbrs.frequency")
    assert "payroll four-weekly for" in check.message and "payroll.frequency: four_weekly" in (check.hint or "")
    assert "reports 4 weeks" in (check.hint or "")
