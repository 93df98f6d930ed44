"""The SOAP provider over HTTP: retries, no retries, fault mapping, memoization, timeouts, the bundled WSDL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import (
    NmbrsAuthError,
    NmbrsFault,
    NmbrsRequestError,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
    NmbrsUnknownFault,
    NoAccess,
    NotPermitted,
    OperationGone,
)
from asrctl.nmbrs.provider import Login
from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
from asrctl.nmbrs.soap.faults import error_for_fault, fault_code
from asrctl.nmbrs.soap.provider import SoapProvider
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.secrets import Secret

from .conftest import FAST, Observe, employer
from support.clock import FakeClock, instant

KANTOOR = Login("kantoor", "kantoor@voorbeeld.nl", Secret("tok-kantoor-7f3a9c1e5b"), "voorbeeld")
ASR_ONLY = Login("asr-only", "asr-only@voorbeeld.nl", Secret("tok-asronly-2b8d4f6a0c"), "voorbeeld")
COMPANIES = "CompanyService.List_GetAll"


@pytest.fixture
def provider(sim: NmbrsSimulator) -> Iterator[SoapProvider]:
    with SoapProvider(sim.url, parallelism=4, timeout=5.0, retry=FAST) as p:
        yield p


@pytest.mark.parametrize("kind", ["fault1006", "http500", "reset", "429"])
def test_transient_failures_are_retried(provider: SoapProvider, sim: NmbrsSimulator, kind: str) -> None:
    sim.inject(COMPANIES, kind, times=2)  # type: ignore[arg-type]
    companies = provider.companies(KANTOOR)
    assert [c.name for c in companies][:1] == ["Bakkerij De Vries B.V."]
    assert sim.calls.count(COMPANIES) == 3
    assert provider.calls == 3


def test_retry_after_of_a_429_is_honoured(sim: NmbrsSimulator) -> None:
    clock = FakeClock()
    sim.inject(COMPANIES, "429", times=1, retry_after=0.3)
    with SoapProvider(sim.url, parallelism=4, timeout=5.0, retry=clock.policy(FAST)) as provider:
        provider.companies(KANTOOR)
    assert clock.waits == [0.3]


def test_retries_are_bounded(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    sim.inject(COMPANIES, "http500", times=100)
    with pytest.raises(NmbrsUnavailable) as raised:
        provider.companies(KANTOOR)
    assert sim.calls.count(COMPANIES) == FAST.max_attempts
    assert "HTTP 500" in raised.value.message and raised.value.hint


def test_unknown_error_9999_is_retried_once(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    sim.inject(COMPANIES, "fault9999", times=1)
    assert provider.companies(KANTOOR)
    assert sim.calls.count(COMPANIES) == 2


def test_unknown_error_9999_twice_is_reported(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    sim.inject(COMPANIES, "fault9999", times=5)
    with pytest.raises(NmbrsUnknownFault):
        provider.companies(KANTOOR)
    assert sim.calls.count(COMPANIES) == 2


def test_1002_is_not_retried_and_not_sent_again(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    with pytest.raises(NotPermitted) as raised:
        provider.debtor_tags(ASR_ONLY, 101)
    assert raised.value.call == "DebtorService.Tags_Get" and raised.value.code == 1002
    with pytest.raises(NotPermitted):
        provider.debtor_tags(ASR_ONLY, 102)  # other arguments: the call is known to be off
    assert sim.calls.count("DebtorService.Tags_Get") == 1


def test_1001_is_not_retried(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    wrong = Login("kantoor", "kantoor@voorbeeld.nl", Secret("tok-not-the-token"), "voorbeeld")
    with pytest.raises(NmbrsAuthError):
        provider.companies(wrong)
    assert sim.calls.total == 1


def test_domain_not_of_the_users_environment_is_1001(provider: SoapProvider) -> None:
    with pytest.raises(NmbrsAuthError):
        provider.companies(KANTOOR.with_domain("andere"))
    assert provider.environment(KANTOOR.with_domain("andere")).subdomain == "voorbeeld"  # AuthHeader has no domain


def test_data_faults_are_typed_and_not_retried(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    with pytest.raises(NoAccess) as raised:
        provider.employees(KANTOOR, 2007)  # company of an untagged debtor
    assert raised.value.code == 2004
    with pytest.raises(NoAccess) as raised:
        provider.insurance(KANTOOR, 999999)
    assert raised.value.code == 1003
    with pytest.raises(NoAccess) as raised:
        provider.debtor_tags(KANTOOR, 104)  # debtor without the login's tag
    assert raised.value.code == 2009
    # not retried (the provider also looked up the employee types once)
    assert sim.calls.total - sim.calls.count("EmployeeService.EmployeeType_GetList") == 3


@pytest.mark.parametrize(
    ("faultstring", "client_fault", "kind"),
    [
        ("Server was unable to process request. ---> 1001: Invalid authentication", False, NmbrsAuthError),
        # matched on the code, never on the text after it
        ("Server was unable to process request. ---> 1002: Invalid authentication", False, NotPermitted),
        ("Server was unable to process request. --->1003: Unauthorized access to the data", False, NoAccess),
        ("Server was unable to process request. ---> 1004: No valid subscription", False, NmbrsSubscriptionError),
        ("Server was unable to process request. ---> 1006: Login security failure", False, NmbrsUnavailable),
        ("Server was unable to process request. ---> 2003: Unauthorized access", False, NoAccess),  # an employee
        ("Server was unable to process request. ---> 2004: Unauthorized company", False, NoAccess),
        ("Server was unable to process request. ---> 2042: This username belongs to multiple environments", False,
         NmbrsAuthError),
        ("Server was unable to process request. ---> 2043: Invalid Domain", False, NmbrsAuthError),
        ("Server was unable to process request. ---> 2009: Unauthorized debtor", False, NoAccess),
        ("Server was unable to process request. ---> 9999: Unknown error", False, NmbrsUnknownFault),
        ("Server was unable to process request. ---> 3001: Something else", False, NmbrsFault),
        ("Server was unable to process request. ---> Object reference not set", False, NmbrsUnknownFault),
        ("Server did not recognize the value of HTTP Header SOAPAction: x.", True, OperationGone),
        ("Server was unable to read request. ---> There is an error in XML document (1, 2).", True, NmbrsRequestError),
    ],
)
def test_faults_map_to_typed_errors_by_code(faultstring: str, client_fault: bool, kind: type) -> None:
    error = error_for_fault("CompanyService.Run_GetList", faultstring, client_fault=client_fault)
    assert type(error) is kind
    assert error.call == "CompanyService.Run_GetList" and error.code == fault_code(faultstring)


def test_no_subscription_stops_the_account_with_a_clear_message(observe: Observe, sim: NmbrsSimulator) -> None:
    result = observe([employer("a", "expired", "Bakkerij De Vries B.V."), employer("b", "expired", "Dubbel B.V.")])
    check = result.checks["a"][0]
    assert [c.id for c in result.checks["a"]] == ["nmbrs.auth"] and result.checks["b"] == result.checks["a"]
    assert "no valid subscription" in check.message and "fault 1004" in (check.hint or "")
    assert "verlopen@voorbeeld.nl" in check.message and "Nmbrs support" in (check.hint or "")
    assert sim.calls.total == 1  # not retried, nothing else tried


def test_results_are_memoized_per_login_and_arguments(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    for _ in range(3):
        provider.companies(KANTOOR)
        provider.employees(KANTOOR, 2001)
    provider.employees(KANTOOR, 2002)
    provider.companies(ASR_ONLY)
    assert sim.calls.count(COMPANIES, username="kantoor@voorbeeld.nl") == 1
    assert sim.calls.count("EmployeeService.List_GetByCompany") == 2
    assert sim.calls.count(COMPANIES, username="asr-only@voorbeeld.nl") == 1


def test_concurrent_requests_for_the_same_key_share_one_call(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sim.latency = 0.1
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: provider.companies(KANTOOR), range(8)))
    assert all(r == results[0] for r in results)
    assert sim.calls.count(COMPANIES) == 1


def test_read_timeout_counts_as_transient(sim: NmbrsSimulator) -> None:
    sim.latency = 0.5
    policy = instant(RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=2.0))
    with SoapProvider(sim.url, parallelism=2, timeout=0.1, retry=policy) as provider:
        with pytest.raises(NmbrsUnavailable) as raised:
            provider.companies(KANTOOR)
        assert provider.calls == 2  # the simulator logs a call only when it answers, so count on our side
    assert "timeout" in raised.value.message


def test_probe_decides_on_1002_only(provider: SoapProvider) -> None:
    missing = Login("missing", "missing@voorbeeld.nl", Secret("tok-missing-4c6e8a0b2d"), "voorbeeld")
    results = {
        call: provider.probe(missing, call, company_id=2001)
        for call in REQUIRED_CALLS["overarching"]
    }
    assert sorted(call for call, active in results.items() if not active) == [
        "CompanyService.Run_GetList", "EmployeeService.SVW_GetCurrent",
    ]


def test_wsdl_is_never_fetched_over_the_network(provider: SoapProvider) -> None:
    transport = provider._client.transport
    with pytest.raises(RuntimeError):
        transport.load("https://api.nmbrs.nl/soap/v3/CompanyService.asmx?WSDL")


def test_fault_code_parsing() -> None:
    assert fault_code("Server was unable to process request. ---> 1002: Unauthorized access") == 1002
    assert fault_code("Server was unable to process request. --->2004: Unauthorized company") == 2004
    assert fault_code("Server did not recognize the value of HTTP Header SOAPAction: x.") is None


# --- through observe: memoization and recovery ---------------------------------------------------------------


def test_ten_employers_on_one_account_share_login_rights_and_lists(observe: Observe, sim: NmbrsSimulator) -> None:
    companies = [
        ("Bakkerij De Vries B.V.", "monthly", [("J. de Vries", 1)]),
        ("Bakkerij De Vries Utrecht B.V.", "four_weekly", []),
        ("Jansen Transport B.V.", "four_weekly", [("H. Jansen", 1), ("M. Jansen", 2)]),
        ("Jansen Holding B.V.", "monthly", []),
        ("Dubbel B.V.", "monthly", []),
    ]
    employers = [
        employer(f"e{i}", "kantoor", name, frequency=freq, dga=dga, debtor="1099" if name == "Dubbel B.V." else None)
        for i in range(10)
        for name, freq, dga in [companies[i % 5]]
    ]
    result = observe(employers)
    assert sim.calls.count("DebtorService.Environment_Get") == 1
    for call in REQUIRED_CALLS["overarching"]:
        if call != "EmployeeService.List_GetByCompany":
            assert sim.calls.count(call) == 1, call  # one rights probe per call for the account
    # employees once per company: 5 companies, and the rights probe reused the first one's list
    assert sim.calls.count("EmployeeService.List_GetByCompany") == 5
    assert sim.calls.count("EmployeeService.SVW_GetAll_AllEmployeesByCompany") == 3  # companies with employees
    assert sim.calls.count("DebtorService.List_GetAll") == 1
    assert result.calls == sim.calls.total
    frequency = [c for c in result.checks["e3"] if c.id == "nmbrs.frequency"]
    assert frequency and frequency == [c for c in result.checks["e8"] if c.id == "nmbrs.frequency"]


def test_observe_gives_the_fault_free_result_when_retries_suffice(observe: Observe, sim: NmbrsSimulator) -> None:
    employers = [
        employer("a", "kantoor", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("b", "kantoor", "Jansen Transport B.V.", frequency="monthly", dga=[("H. Jansen", 1)]),
    ]
    clean = observe(employers)
    sim.calls.clear()
    sim.inject("DebtorService.Environment_Get", "reset", times=1)
    sim.inject("CompanyService.List_GetAll", "fault1006", times=2)
    sim.inject("EmployeeService.List_GetByCompany", "http500", times=2)
    sim.inject("EmployeeService.SVW_GetAll_AllEmployeesByCompany", "429", times=1)
    faulty = observe(employers)
    assert faulty.checks == clean.checks
    assert faulty.calls == clean.calls + 6


def test_one_table_of_fault_codes() -> None:
    from asrctl.nmbrs.soap.faults import FAULTS

    assert sorted(FAULTS) == [1001, 1002, 1003, 1004, 1006, 2003, 2004, 2009, 2042, 2043, 9999]
    assert all(f.meaning for f in FAULTS.values())


def test_an_employee_the_login_may_not_see_reads_as_no_access(provider: SoapProvider, sim: NmbrsSimulator) -> None:
    sim.inject("EmployeeService.SVW_GetCurrent", "fault2003")  # type: ignore[arg-type]
    with pytest.raises(NoAccess) as raised:
        provider.insurance(KANTOOR, 30021)
    assert raised.value.code == 2003 and raised.value.reason == "no access to this employee"
    assert "Employee Services > SVW_GetCurrent, fault 2003" in (raised.value.hint or "")
