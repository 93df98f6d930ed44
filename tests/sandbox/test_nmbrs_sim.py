"""The Nmbrs simulator over raw HTTP: SOAP details Nmbrs clients depend on, fault injection, the world file."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from asrctl.errors import ConfigError
from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import SERVED_CALLS, World, load_world

WORLD = Path(__file__).parent.parent / "data" / "worlds" / "small.yaml"
NS = "https://api.nmbrs.nl/soap/v3/"
KANTOOR = ("kantoor@voorbeeld.nl", "tok-kantoor-7f3a9c1e5b")
MISSING = ("missing@voorbeeld.nl", "tok-missing-4c6e8a0b2d")


@pytest.fixture(scope="module")
def sim() -> Iterator[NmbrsSimulator]:
    with NmbrsSimulator(WORLD) as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def _fresh_log(sim: NmbrsSimulator) -> None:
    sim.calls.clear()
    sim.latency = 0.0


def soap(
    sim: NmbrsSimulator,
    service: str,
    operation: str,
    params: str = "",
    *,
    login: tuple[str, str] = KANTOOR,
    domain: str | None = "voorbeeld",
    header: str = "AuthHeaderWithDomain",
    header_ns: str | None = None,
    action: str | None = None,
) -> requests.Response:
    ns = NS + service
    domain_xml = f"<h:Domain>{domain}</h:Domain>" if domain is not None else ""
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="{ns}" '
        f'xmlns:h="{header_ns or ns}"><soap:Header><h:{header}><h:Username>{login[0]}</h:Username>'
        f"<h:Token>{login[1]}</h:Token>{domain_xml}</h:{header}></soap:Header>"
        f"<soap:Body><c:{operation}>{params}</c:{operation}></soap:Body></soap:Envelope>"
    )
    return requests.post(
        f"{sim.url}{service}.asmx",
        data=envelope.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8",
                 "SOAPAction": f'"{action or ns + "/" + operation}"'},
        timeout=5,
    )


def faultstring(response: requests.Response) -> str:
    match = re.search(r"<faultstring>(.*?)</faultstring>", response.text)
    assert match, response.text
    return match.group(1)


def test_fault_is_http_500_with_the_nmbrs_faultstring(sim: NmbrsSimulator) -> None:
    response = soap(sim, "CompanyService", "Run_GetList", "<c:CompanyId>2001</c:CompanyId><c:Year>2025</c:Year>",
                    login=MISSING)
    assert response.status_code == 500 and response.headers["Content-Type"].startswith("text/xml")
    assert "<faultcode>soap:Server</faultcode>" in response.text
    assert faultstring(response) == "Server was unable to process request. ---&gt; 1002: Unauthorized access"


def test_rights_are_checked_before_the_arguments(sim: NmbrsSimulator) -> None:
    params = "<c:CompanyId>0</c:CompanyId><c:Year>2025</c:Year>"
    assert "1002:" in faultstring(soap(sim, "CompanyService", "Run_GetList", params, login=MISSING))
    assert "2004:" in faultstring(soap(sim, "CompanyService", "Run_GetList", params))


def test_routes_on_soapaction(sim: NmbrsSimulator) -> None:
    wrong = soap(sim, "CompanyService", "List_GetAll", action=NS + "CompanyService/No_Such_Call")
    assert wrong.status_code == 500 and "<faultcode>soap:Client</faultcode>" in wrong.text
    other_service = soap(sim, "CompanyService", "List_GetAll", action=NS + "EmployeeService/List_GetByCompany")
    assert "soap:Client" in other_service.text
    ok = soap(sim, "CompanyService", "List_GetAll")
    assert ok.status_code == 200 and "<List_GetAllResult><Company><ID>2001</ID>" in ok.text


def test_unqualified_parameters_are_not_seen(sim: NmbrsSimulator) -> None:
    qualified = soap(sim, "EmployeeService", "List_GetByCompany",
                     "<c:CompanyId>2001</c:CompanyId><c:EmployeeType>3</c:EmployeeType>")  # the world's payroll type
    assert qualified.status_code == 200 and "J. de Vries" in qualified.text
    unqualified = soap(sim, "EmployeeService", "List_GetByCompany",
                       "<CompanyId>2001</CompanyId><EmployeeType>3</EmployeeType>")
    assert "2004:" in faultstring(unqualified)  # a missing int is 0


def test_authentication(sim: NmbrsSimulator) -> None:
    assert soap(sim, "CompanyService", "List_GetAll").status_code == 200
    for response in (
        soap(sim, "CompanyService", "List_GetAll", domain="andere"),
        # Strict on purpose: asrctl must send the SubDomain (whether Nmbrs takes the full domain is unverified).
        soap(sim, "CompanyService", "List_GetAll", domain="voorbeeld.nmbrs.nl"),
        soap(sim, "CompanyService", "List_GetAll", domain=None),
        soap(sim, "CompanyService", "List_GetAll", header_ns=NS + "EmployeeService"),
        soap(sim, "CompanyService", "List_GetAll", login=(KANTOOR[0], "wrong-token")),
        soap(sim, "CompanyService", "List_GetAll", login=("vertrokken@voorbeeld.nl", "tok-left-0a2c4e6f8b")),
        soap(sim, "DebtorService", "Environment_Get"),  # wants AuthHeader, not AuthHeaderWithDomain
    ):
        assert "1001:" in faultstring(response)
    env = soap(sim, "DebtorService", "Environment_Get", header="AuthHeader", domain=None)
    assert "<SubDomain>voorbeeld</SubDomain>" in env.text and "<Domain>voorbeeld.nmbrs.nl</Domain>" in env.text


@pytest.mark.parametrize("kind", ["http500", "fault1006", "fault9999", "429", "reset"])
def test_injected_faults_hit_the_first_n_calls(sim: NmbrsSimulator, kind: str) -> None:
    sim.inject("CompanyService.List_GetAll", kind, times=2, retry_after=1)  # type: ignore[arg-type]
    for _ in range(2):
        if kind == "reset":
            with pytest.raises(requests.ConnectionError):
                soap(sim, "CompanyService", "List_GetAll")
            continue
        response = soap(sim, "CompanyService", "List_GetAll")
        if kind == "http500":
            assert response.status_code == 500 and response.headers["Content-Type"] == "text/html"
        elif kind == "429":
            assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        else:
            assert f"{kind[5:]}:" in faultstring(response)
    assert soap(sim, "CompanyService", "List_GetAll").status_code == 200
    assert sim.calls.count("CompanyService.List_GetAll") == 3
    assert [e.outcome for e in sim.calls.entries] == [kind, kind, "ok"]


def test_call_log_counts_by_operation_and_username(sim: NmbrsSimulator) -> None:
    soap(sim, "CompanyService", "List_GetAll")
    soap(sim, "CompanyService", "List_GetAll", login=MISSING)
    soap(sim, "DebtorService", "List_GetAll", login=MISSING)
    assert sim.calls.total == 3
    assert sim.calls.count("CompanyService.List_GetAll") == 2
    assert sim.calls.count(username=MISSING[0]) == 2
    assert sim.calls.count("DebtorService.List_GetAll", username=MISSING[0]) == 1
    assert sim.calls.entries[-1].outcome == "fault 1002"


def test_latency_is_added_to_each_call(sim: NmbrsSimulator) -> None:
    sim.latency = 0.2
    started = time.monotonic()
    soap(sim, "CompanyService", "List_GetAll")
    assert time.monotonic() - started >= 0.2


def test_inject_rejects_unknown_operations(sim: NmbrsSimulator) -> None:
    with pytest.raises(ValueError):
        sim.inject("CompanyService.No_Such_Call", "http500", 1)


def test_report_probe_with_company_0_starts_nothing(sim: NmbrsSimulator) -> None:
    from asrctl.nmbrs.soap.calls import REPORT_BACKGROUND_OPERATION, REPORT_BACKGROUND_PARAMS

    params = "".join(f"<c:{p}>0</c:{p}>" for p in REPORT_BACKGROUND_PARAMS)
    assert "2004:" in faultstring(soap(sim, "ReportService", REPORT_BACKGROUND_OPERATION, params))
    # ... whereas a real company starts a task: a probe that sent one would show as "ok" in the call log.
    real = "".join(f"<c:{p}>{v}</c:{p}>" for p, v in zip(REPORT_BACKGROUND_PARAMS, (2001, 1, 2025, 1), strict=True))
    started = soap(sim, "ReportService", REPORT_BACKGROUND_OPERATION, real)
    assert started.status_code == 200 and re.search(r"Result>[0-9a-f-]{36}<", started.text)
    assert [e.outcome for e in sim.calls.entries] == ["fault 2004", "ok"]


def test_a_body_element_other_than_the_soapaction_is_a_client_fault(sim: NmbrsSimulator) -> None:
    response = soap(sim, "CompanyService", "List_GetAll", action=NS + "CompanyService/Run_GetList")
    assert response.status_code == 500 and "<faultcode>soap:Client</faultcode>" in response.text


def test_no_subscription_is_1004(sim: NmbrsSimulator) -> None:
    login = ("verlopen@voorbeeld.nl", "tok-verlopen-6e8a0c2d4f")
    assert "1004:" in faultstring(soap(sim, "DebtorService", "Environment_Get", header="AuthHeader", login=login))


def test_results_without_data_can_be_written_every_way_nmbrs_may(sim: NmbrsSimulator) -> None:
    svw = "<c:EmployeeId>30024</c:EmployeeId>"  # an employee without SVW data
    runs = "<c:CompanyId>2001</c:CompanyId><c:Year>2025</c:Year>"  # no runs
    assert "SVW_GetCurrentResult" not in soap(sim, "EmployeeService", "SVW_GetCurrent", svw).text
    assert "<Run_GetListResult></Run_GetListResult>" in soap(sim, "CompanyService", "Run_GetList", runs).text
    sim.no_data, sim.empty_lists = "nil", "missing"
    try:
        assert '<SVW_GetCurrentResult xsi:nil="true" />' in soap(sim, "EmployeeService", "SVW_GetCurrent", svw).text
        assert "Run_GetListResult" not in soap(sim, "CompanyService", "Run_GetList", runs).text
    finally:
        sim.no_data, sim.empty_lists = "missing", "empty"


# --- the world file ---------------------------------------------------------------------------------------


def test_rights_shorthands_expand_to_exactly_asrs_lists() -> None:
    world = load_world(WORLD)
    by_user = {login.username: login for login in world.logins}
    assert by_user["asr-only@voorbeeld.nl"].active_calls() == set(REQUIRED_CALLS["overarching"])
    assert by_user["debiteur@devries.nl"].active_calls() == set(REQUIRED_CALLS["per_debtor"])
    assert by_user["missing@voorbeeld.nl"].active_calls() == set(REQUIRED_CALLS["overarching"]) - {
        "CompanyService.Run_GetList", "EmployeeService.SVW_GetCurrent"}
    assert by_user["kantoor@voorbeeld.nl"].active_calls() == set(SERVED_CALLS)


def test_ids_and_numbers_are_assigned_when_omitted() -> None:
    world = World.model_validate({
        "debtors": [{"number": "1", "name": "D"}],
        "companies": [{"name": "A", "debtor": "1", "employees": [{"name": "X"}, {"name": "Y", "number": 5}]},
                      {"name": "B", "debtor": "1"}],
    })
    assert [c.id for c in world.companies] == [2001, 2002] and [c.number for c in world.companies] == [1, 2]
    assert [(e.id, e.number) for e in world.companies[0].employees] == [(30001, 6), (30002, 5)]


def test_invalid_world_is_a_config_error_naming_the_problems(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(
        "logins:\n  - {username: a@b.nl, token: t, rights: [CompanyService.Nope]}\n"
        "debtors: []\ncompanies:\n  - {name: A, debtor: '9', colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_world(path)
    assert "colour" in raised.value.message
    path.write_text(
        "logins:\n  - {username: a@b.nl, token: t, rights: [CompanyService.Nope]}\n"
        "debtors: []\ncompanies:\n  - {name: A, debtor: '9'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_world(path)
    assert "unknown debtor '9'" in raised.value.message and "CompanyService.Nope" in raised.value.message


def test_runs_standalone_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "asrctl.sandbox.nmbrs_sim", str(WORLD)],
        stderr=subprocess.PIPE, text=True,
    ) as proc:
        _interrupt_standalone(proc)


def _interrupt_standalone(proc: subprocess.Popen[str]) -> None:
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        url = re.search(r"(http://\S+/soap/v3/)", line)
        assert url, line
        response = requests.post(
            url.group(1) + "CompanyService.asmx", data=b"<not-xml", timeout=5,
            headers={"SOAPAction": f'"{NS}CompanyService/List_GetAll"'},
        )
        assert response.status_code == 500 and "soap:Client" in response.text
        proc.send_signal(__import__("signal").SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_login_scopes() -> None:
    world = World.model_validate({
        "logins": [
            {"username": "tag@x.nl", "token": "t1", "tag": "a.s.r."},
            {"username": "all@x.nl", "token": "t2"},
            {"username": "one@x.nl", "token": "t3", "model": "per_debtor", "debtor": "2", "companies": [2003]},
        ],
        "debtors": [{"number": "1", "name": "A", "tags": ["a.s.r."]}, {"number": "2", "name": "B"}],
        "companies": [{"id": 2001, "name": "A1", "debtor": "1"}, {"id": 2002, "name": "B1", "debtor": "2"},
                      {"id": 2003, "name": "B2", "debtor": "2"}],
    })
    seen = {login.username: [c.name for c in world.visible_companies(login)] for login in world.logins}
    assert seen == {"tag@x.nl": ["A1"], "all@x.nl": ["A1", "B1", "B2"], "one@x.nl": ["B2"]}
