"""The wire format, to the letter of API-FACTS.md §1-2 and §5: raw requests of the real client, as the
simulator received them, and responses written every way Nmbrs may write "no data"."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from asrctl.nmbrs.provider import Login
from asrctl.nmbrs.soap.calls import (
    REPORT_BACKGROUND_OPERATION,
    REPORT_BACKGROUND_PARAMS,
    REPORT_RESULT_OPERATION,
    REPORT_RESULT_PARAMS,
)
from asrctl.nmbrs.soap.provider import SoapProvider
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator, RawRequest
from asrctl.secrets import Secret

from .conftest import FAST, Observe, employer

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "https://api.nmbrs.nl/soap/v3/"
KANTOOR = Login("kantoor", "kantoor@voorbeeld.nl", Secret("tok-kantoor-7f3a9c1e5b"), "voorbeeld")

# API-FACTS.md §5: every operation asrctl sends, with its parameters in element order.
PARAMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("DebtorService", "Environment_Get"): (),
    ("DebtorService", "List_GetAll"): (),
    ("DebtorService", "Tags_Get"): ("DebtorId",),
    ("CompanyService", "List_GetAll"): (),
    ("CompanyService", "List_GetByDebtor"): ("DebtorId",),
    ("CompanyService", "Company_GetCurrentPeriod"): ("CompanyId",),
    ("CompanyService", "Run_GetList"): ("CompanyId", "Year"),
    ("CompanyService", "Reports_GetWageCodesByRunCompany_v2"): ("CompanyId", "RunId", "intYear"),
    ("CompanyService", "Reports_GetWageCodesByRunCompany_FilterByWageCode"): ("CompanyId", "RunId", "intYear", "WageCode"),
    ("EmployeeService", "List_GetByCompany"): ("CompanyId", "EmployeeType"),
    ("EmployeeService", "EmployeeType_GetList"): (),
    ("EmployeeService", "Address_GetListCurrent"): ("EmployeeId",),
    ("EmployeeService", "BankAccount_GetListCurrent"): ("EmployeeId",),
    ("EmployeeService", "Children_Get"): ("EmployeeId",),
    ("EmployeeService", "Contract_GetCurrentPeriod"): ("EmployeeId",),
    ("EmployeeService", "Partner_Get"): ("EmployeeId",),
    ("EmployeeService", "PersonalInfo_GetCurrent"): ("EmployeeId",),
    ("EmployeeService", "Salary_GetAll_AllEmployeesByCompany"): ("CompanyID",),  # capital D
    ("EmployeeService", "Schedule_GetCurrent"): ("EmployeeId",),
    ("EmployeeService", "Schedule_GetList"): ("EmployeeId", "Period", "Year"),
    ("EmployeeService", "SVW_GetCurrent"): ("EmployeeId",),
    ("EmployeeService", "SVW_GetAll_AllEmployeesByCompany"): ("CompanyID",),  # assumed, as its siblings
    ("EmployeeService", "WageComponentFixed_GetCurrent"): ("EmployeeId",),
    ("EmployeeService", "WageComponentVar_GetCurrent"): ("EmployeeId",),
    ("EmployeeService", "Employment_GetAll_AllEmployeesByCompany"): ("CompanyID",),  # capital D
    ("ReportService", REPORT_BACKGROUND_OPERATION): REPORT_BACKGROUND_PARAMS,
    ("ReportService", REPORT_RESULT_OPERATION): REPORT_RESULT_PARAMS,
}

# API-FACTS.md §7, the example request.
EXAMPLE = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:c="https://api.nmbrs.nl/soap/v3/CompanyService">
  <soap:Header>
    <c:AuthHeaderWithDomain>
      <c:Username>kantoor@voorbeeld.nl</c:Username>
      <c:Token>tok-kantoor-7f3a9c1e5b</c:Token>
      <c:Domain>voorbeeld</c:Domain>
    </c:AuthHeaderWithDomain>
  </soap:Header>
  <soap:Body>
    <c:Run_GetList>
      <c:CompanyId>2001</c:CompanyId>
      <c:Year>2025</c:Year>
    </c:Run_GetList>
  </soap:Body>
</soap:Envelope>"""


def shape(element: ET.Element) -> tuple[str, str, list[Any]]:
    """Tag (with namespace), text and children: what a server sees, whatever the prefixes."""
    return element.tag, (element.text or "").strip(), [shape(child) for child in element]


def service_and_operation(request: RawRequest) -> tuple[str, str]:
    """From the path and SOAPAction, checking they agree and the SOAPAction is quoted exactly."""
    service = request.path.removeprefix("/soap/v3/").removesuffix(".asmx")
    action = request.headers["SOAPAction"]
    assert action.startswith(f'"{NS}{service}/') and action.endswith('"'), (request.path, action)
    return service, action[1:-1].rsplit("/", 1)[1]


def test_one_request_has_exactly_the_envelope_of_the_example(sim: NmbrsSimulator) -> None:
    sim.capture = []
    with SoapProvider(sim.url, retry=FAST) as provider:
        provider._client.call(KANTOOR, "CompanyService.Run_GetList", {"CompanyId": 2001, "Year": 2025})
    [request] = sim.capture
    assert request.path == "/soap/v3/CompanyService.asmx"
    assert request.headers["SOAPAction"] == '"https://api.nmbrs.nl/soap/v3/CompanyService/Run_GetList"'
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert shape(ET.fromstring(request.body)) == shape(ET.fromstring(EXAMPLE.encode()))


def test_every_request_of_a_plan_is_soap11_qualified_complete_and_in_order(observe: Observe, sim: NmbrsSimulator) -> None:
    sim.capture = []
    observe([
        employer("a", "kantoor", "Jansen Transport B.V.", frequency="four_weekly", dga=[("H. Jansen", 1)]),
        employer("b", "kantoor", "Dubbel B.V.", debtor="1099"),
        employer("c", "de-vries", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        employer("d", "asr-only", "Bakkerij De Vries Utrecht B.V.", frequency="four_weekly"),
    ])
    seen: set[tuple[str, str]] = set()
    for request in sim.capture:
        service, operation = service_and_operation(request)
        ns = f"{{{NS}{service}}}"
        seen.add((service, operation))
        assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
        envelope = ET.fromstring(request.body)
        assert envelope.tag == f"{{{SOAP11}}}Envelope"
        header, body = list(envelope)
        assert header.tag == f"{{{SOAP11}}}Header" and body.tag == f"{{{SOAP11}}}Body"
        # AuthHeader for Environment_Get only, AuthHeaderWithDomain for the rest; always in the namespace
        # of the service called, with the SubDomain as Domain.
        [auth] = list(header)
        if (service, operation) == ("DebtorService", "Environment_Get"):
            assert [c.tag for c in auth] == [ns + "Username", ns + "Token"] and auth.tag == ns + "AuthHeader"
        else:
            assert auth.tag == ns + "AuthHeaderWithDomain"
            assert [c.tag for c in auth] == [ns + "Username", ns + "Token", ns + "Domain"]
            assert auth[2].text == "voorbeeld"
        # One body element named as the SOAPAction; every parameter sent, qualified, in the listed order.
        [call] = list(body)
        assert call.tag == ns + operation
        assert [c.tag for c in call] == [ns + p for p in PARAMS[(service, operation)]], (service, operation)
        assert all((c.text or "").strip() for c in call), (service, operation)
    assert seen == set(PARAMS)  # the plan exercised every operation asrctl knows


WORKLOAD = [
    ("a", "kantoor", "Bakkerij De Vries B.V.", "monthly", [("J. de Vries", 1)], None),
    ("b", "kantoor", "Jansen Transport B.V.", "four_weekly", [("H. Jansen", 1)], None),  # an employee without SVW
    ("c", "asr-only", "Jansen Transport B.V.", "four_weekly", [("H. Jansen", 1)], "1077"),  # per-employee SVW
    ("d", "kantoor", "Jansen Holding B.V.", "monthly", [], "1077"),  # no employees; Year
    ("e", "de-vries", "Bakkerij De Vries Utrecht B.V.", "four_weekly", [], None),
]


@pytest.mark.parametrize(("empty_lists", "no_data"), [("missing", "missing"), ("empty", "nil"), ("missing", "nil")])
def test_no_data_written_any_way_gives_the_same_findings(
    observe: Observe, sim: NmbrsSimulator, empty_lists: str, no_data: str
) -> None:
    employers = [employer(i, a, c, frequency=f, dga=d, debtor=debtor) for i, a, c, f, d, debtor in WORKLOAD]
    expected = observe(employers).checks
    assert any(expected.values())  # findings to compare, not just silence
    sim.empty_lists, sim.no_data = empty_lists, no_data  # type: ignore[assignment]
    assert observe(employers).checks == expected


def test_xsi_nil_and_missing_results_are_no_data(sim: NmbrsSimulator) -> None:
    with SoapProvider(sim.url, retry=FAST) as provider:
        sim.no_data = "nil"
        assert provider.insurance(KANTOOR, 30024) is None  # not "insured for nothing": no SVW data
        sim.no_data, sim.empty_lists = "missing", "missing"
        assert provider.employees(KANTOOR, 2004).employees == ()
