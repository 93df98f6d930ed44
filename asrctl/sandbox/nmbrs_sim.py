"""Nmbrs SOAP v3 simulator: real SOAP 1.1 over HTTP on loopback, serving a world file.

Behaves like Nmbrs where asrctl depends on it, and is strict where a client mistake would go
unnoticed otherwise: routes on SOAPAction (unknown: soap:Client fault), wants the body element the
SOAPAction names (else soap:Client), reads only parameters qualified in the service namespace (a
missing int is 0), authenticates with AuthHeader (Environment_Get) or AuthHeaderWithDomain
(everything else) in the namespace of the called service (else 1001), accepts as Domain only the
environment's subdomain (whether Nmbrs takes the full domain is unverified; asrctl must send the
subdomain), checks the call is Active for the login *before* looking at the arguments (fault 1002),
then scopes data by tag or debtor (1003/2004/2009). Faults are HTTP 500 with faultstring
"Server was unable to process request. ---> NNNN: text".

For tests and benchmarks: a thread-safe call log (`calls`, with each call's parameters), the raw
requests when `capture` is a list, latency per call, fault injection on the first N calls of an
operation (http500, fault1006, reset, 429, fault9999), and how results without data are written
(`empty_lists`: an empty or a missing result element; `no_data`: a missing or an xsi:nil one).

Records are written in the v3 element set by default (`shape = "v2.1"` for the older one: SVW settings
differ, SOAP-AUDIT F1), and on request with their elements reversed (`reorder`) or with elements no
client knows, nested ones too (`extra_elements`), so clients are tested for reading by element name.

Standalone: ``python -m asrctl.sandbox.nmbrs_sim WORLD.yaml [--port N] [--latency S]``.
"""

from __future__ import annotations

import argparse
import logging
import socket
import struct
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

from asrctl.nmbrs.soap.calls import (
    ENVIRONMENT_GET,
    REPORT_BACKGROUND_OPERATION,
    REPORT_BACKGROUND_PARAMS,
    REPORT_RESULT_OPERATION,
    REPORT_RESULT_PARAMS,
    SERVICES,
    namespace,
    right_of,
    rights_name,
)
from asrctl.sandbox.loopback import Injections, Log, LoopbackServer, SimHandler, bound
from asrctl.sandbox.world import (
    SERVED_CALLS,
    Kind,
    LoginScopes,
    World,
    WorldCompany,
    WorldEmployee,
    WorldLogin,
    load_world,
)

log = logging.getLogger("asrctl.sandbox.nmbrs_sim")

# The fault Nmbrs answers for an id the login cannot see (API-FACTS: 2009 debtor, 2004 company, 1003 employee).
_HIDDEN: dict[Kind, int] = {"debtor": 2009, "company": 2004, "employee": 1003}

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
FaultKind = Literal["http500", "fault1006", "reset", "429", "fault9999", "fault2003", "gone"]
Shape = Literal["v3", "v2.1"]
EmptyListStyle = Literal["empty", "missing"]
NoDataStyle = Literal["missing", "nil"]
FAULT_TEXT = {
    1001: "Invalid authentication",
    1002: "Unauthorized access",
    1003: "Unauthorized access to the data",
    1004: "No valid subscription",
    1006: "Login security failure",
    2003: "Unauthorized employee",
    2004: "Unauthorized company",
    2009: "Unauthorized debtor",
    9999: "Unknown error",
}
_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{body}</soap:Body></soap:Envelope>'
)


@dataclass(frozen=True)
class RawRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class CallEntry:
    operation: str      # "Service.Operation" as the rights list names it
    username: str | None
    outcome: str        # "ok", "fault NNNN", "client fault", "http500", "reset", "429"
    params: tuple[tuple[str, str], ...] = ()  # the qualified parameters the simulator saw, in order
    at: float = 0.0     # time.monotonic() when the request arrived (budget tests read it)


class CallLog(Log[CallEntry]):
    """Every request the simulator received, in order. Thread-safe."""

    def count(self, operation: str | None = None, username: str | None = None) -> int:
        wanted = rights_name(operation) if operation else None
        return sum(
            1
            for e in self.entries
            if (wanted is None or e.operation == wanted) and (username is None or e.username == username)
        )


class SimFault(Exception):
    def __init__(self, code: int | None, text: str | None = None, *, client: bool = False) -> None:
        super().__init__(text)
        self.code = code
        self.text = text or FAULT_TEXT.get(code or 0, "Error")
        self.client = client

    def envelope(self) -> str:
        if self.client:
            faultcode, faultstring = "soap:Client", self.text
        else:
            faultcode, faultstring = "soap:Server", f"Server was unable to process request. ---> {self.code}: {self.text}"
        return _ENVELOPE.format(
            body=f"<soap:Fault><faultcode>{faultcode}</faultcode>"
            f"<faultstring>{escape(faultstring)}</faultstring><detail /></soap:Fault>"
        )


def _el(tag: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _nested(tag: str, inner: str) -> str:
    return f"<{tag}>{inner}</{tag}>"


def _items(tag: str, rows: list[str]) -> str:
    return "".join(f"<{tag}>{row}</{tag}>" for row in rows)


class _Request:
    """One parsed SOAP call."""

    def __init__(self, service: str, operation: str, body: bytes) -> None:
        self.service = service
        self.operation = operation
        self.call = right_of(service, operation)
        ns = namespace(service)
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise SimFault(None, "Server was unable to read request.", client=True) from None
        header = root.find(f"{{{SOAP_ENV}}}Header")
        wanted = "AuthHeader" if self.call == ENVIRONMENT_GET else "AuthHeaderWithDomain"
        auth = header.find(f"{{{ns}}}{wanted}") if header is not None else None
        self.username = _child(auth, ns, "Username")
        self.token = _child(auth, ns, "Token")
        self.domain = _child(auth, ns, "Domain")
        payload = root.find(f"{{{SOAP_ENV}}}Body/{{{ns}}}{operation}")
        if payload is None:
            raise SimFault(
                None,
                f"Server was unable to read request. ---> The body holds no {operation} "
                f"element in namespace {ns}.",
                client=True,
            )
        # Unqualified children are not seen, like ASMX (elementFormDefault=qualified).
        self.params = {
            child.tag.split("}", 1)[1]: (child.text or "")
            for child in payload
            if child.tag.startswith(f"{{{ns}}}")
        }

    def int(self, name: str) -> int:
        raw = self.params.get(name, "").strip()
        if not raw:
            return 0  # ASMX turns a missing int into 0
        try:
            return int(raw)
        except ValueError:
            raise SimFault(None, f"Server was unable to read request. ---> Input string was not in a correct format ({name}).",
                           client=True) from None

    def text(self, name: str) -> str:
        return self.params.get(name, "")


def _child(parent: ET.Element | None, ns: str, name: str) -> str | None:
    if parent is None:
        return None
    node = parent.find(f"{{{ns}}}{name}")
    return None if node is None else (node.text or "")


class NmbrsSimulator(LoopbackServer):
    """In-process Nmbrs on loopback. `with NmbrsSimulator(world) as sim: ... sim.url ...`

    The world is read when a login first calls; do not change it while the simulator runs.
    """

    def __init__(self, world: World | Path | str, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        self.world = world if isinstance(world, World) else load_world(world)
        self.host = host
        self.port = port
        self.latency = latency
        self.calls = CallLog()
        self.capture: list[RawRequest] | None = None  # a list: every request is appended, as received
        self.empty_lists: EmptyListStyle = "empty"
        self.no_data: NoDataStyle = "missing"
        self.shape: Shape = "v3"
        self.reorder = False         # write every record's elements in reverse order
        self.extra_elements = False  # add elements (nested ones too) that no client knows
        self.gone: set[str] = set()  # calls answered as Nmbrs answers an operation it no longer offers
        self.drop: set[str] = set()  # element names left out of every record (an answer lacking a field)
        self._inject_lock = threading.Lock()
        self.injections: Injections[tuple[FaultKind, float | None]] = Injections()
        self._tasks: dict[str, str] = {}
        self.scopes: LoginScopes[int] = LoginScopes(self.world, lambda kind, world_id: world_id,
                                                    lambda kind: SimFault(_HIDDEN[kind]))
        self._handlers = self._build_handlers()

    # --- lifecycle ---------------------------------------------------------------------------------

    thread_name = "nmbrs-sim"

    @property
    def url(self) -> str:
        return f"{self.base_url}/soap/v3/"

    def handler_class(self) -> type[_Handler]:
        return bound(_Handler, self)

    # --- fault injection ---------------------------------------------------------------------------

    def inject(self, operation: str, kind: FaultKind, times: int = 1, *, retry_after: float | None = None) -> None:
        """Fail the next `times` calls of "Service.Operation" with `kind` (429 may carry Retry-After)."""
        call = rights_name(operation)
        if call not in SERVED_CALLS:
            raise ValueError(f"unknown operation {operation!r}")
        if kind not in ("http500", "fault1006", "reset", "429", "fault9999", "fault2003", "gone"):
            raise ValueError(f"unknown fault kind {kind!r}")
        self.injections.add(call, (kind, retry_after), times)

    # --- the service -------------------------------------------------------------------------------

    def _authenticate(self, req: _Request) -> WorldLogin:
        login = self.world.login(req.username)
        if login is None or not login.active or req.token != login.token:
            raise SimFault(1001)
        if req.call != ENVIRONMENT_GET and req.domain != login.domain:
            raise SimFault(1001)
        if not login.subscription:
            raise SimFault(1004)
        if req.call != ENVIRONMENT_GET and req.call not in login.active_calls():
            raise SimFault(1002)  # before any argument is looked at, like Nmbrs
        return login

    def handle(self, req: _Request) -> str:
        """The response envelope for an authenticated, authorised call (raises SimFault)."""
        login = self._authenticate(req)
        result = self._handlers[req.call](req, login)
        op, ns = req.operation, namespace(req.service)
        if result is None:  # no data
            inner = f'<{op}Result xsi:nil="true" />' if self.no_data == "nil" else ""
        elif result == "" and self.empty_lists == "missing":
            inner = ""
        else:
            inner = f"<{op}Result>{result}</{op}Result>"
        return _ENVELOPE.format(body=f'<{op}Response xmlns="{ns}">{inner}</{op}Response>')

    def _record(self, fields: list[str]) -> str:
        """One record's elements, as the simulator is set to write them (order, unknown elements)."""
        fields = [f for f in fields if not any(f.startswith((f"<{name}>", f"<{name} ")) for name in self.drop)]
        if self.extra_elements:
            fields = [_nested("Unbekannt", _el("Tief", 1) + _el("Id", 999999)), *fields, _el("Nieuw", "x")]
        if self.reorder:
            fields = fields[::-1]
        return "".join(fields)

    def _svw(self, employee: WorldEmployee, *, bulk: bool) -> str:
        s = employee.svw
        assert s is not None
        flags = [_el("Wao_Wia", s.wao_wia), _el("Ww", s.ww), _el("Zw", s.zw)]
        if self.shape == "v2.1":
            if bulk:
                return self._record([_el("Id", employee.id), _el("CreateDate", "2020-01-01T00:00:00"),
                                     _el("StartYear", 2020), _el("StartPeriod", 1), *flags])
            return self._record([_el("Id", employee.id), _el("InvloedVerzekeringsplicht", ""), _el("PremieKorting", 0),
                                 _el("PremieKortingVerhoging", False), _el("CodeCao", 0), *flags,
                                 _el("CodeIabZvw", 0), _el("CodeZvw", "K"), _el("RisicoGroep", 0), _el("Sector", 0)])
        # v3 (SOAP-AUDIT F1: the SDK's SVW class and BrynQ's SVWSettings)
        return self._record([
            _el("Id", employee.id), _el("CreateDate", "2020-01-01T00:00:00"), _el("StartYear", 2020),
            _el("StartPeriod", 1), _el("InfluenceObligedInsuranced", "Geen invloed"), *flags,
            _el("IncomeRelatedContributionZvw", True), _el("CodeZvw", "K"), _el("EmploymentType", 1),
            _el("PhaseClassification", 2), _el("EmploymentSequenceTaxId", 1),
            _nested("CAO", _el("CAOId", 1) + _el("CAOCode", 9999) + _el("CAODescription", "Geen CAO")),
            _nested("RiskGroup", _el("RiskGroupId", 1) + _el("RiskGroupCode", 0) + _el("RiskGroupDescription", "-")),
            _nested("Sector", _el("SectorId", 1) + _el("SectorCode", 44) + _el("SectorDescription", "Detailhandel")),
            _nested("WageCostBenefit", _el("Code", 0)),
        ])

    def _build_handlers(self) -> dict[str, Callable[[_Request, WorldLogin], str | None]]:
        world = self.world
        rec = self._record

        def environment(req: _Request, login: WorldLogin) -> str:
            return rec([_el("Domain", f"{login.domain}.nmbrs.nl"), _el("SubDomain", login.domain)])

        def debtors(req: _Request, login: WorldLogin) -> str:
            return _items("Debtor", [rec([_el("Id", d.id), _el("Number", d.number), _el("Name", d.name)])
                                     for d in self.scopes.of(login).debtors])

        def tags(req: _Request, login: WorldLogin) -> str:
            debtor = self.scopes.debtor(login, req.int("DebtorId"))
            return _items("DebtorTag", [rec([_el("Number", i + 1), _el("HexColor", "#2E7D32"), _el("Tag", t)])
                                        for i, t in enumerate(debtor.tags)])

        def company_rows(companies: list[WorldCompany]) -> str:
            return _items("Company", [
                rec([_el("ID", c.id), _el("Number", c.number), _el("Name", c.name), _el("PhoneNumber", "010-1234567"),
                     _el("LoonaangifteTijdvak", c.loonaangifte_tijdvak), _el("KvkNr", "12345678")])
                for c in companies
            ])

        def companies(req: _Request, login: WorldLogin) -> str:
            return company_rows(self.scopes.of(login).companies)

        def companies_by_debtor(req: _Request, login: WorldLogin) -> str:
            number = self.scopes.debtor(login, req.int("DebtorId")).number
            return company_rows([c for c in self.scopes.of(login).companies if c.debtor == number])

        def current_period(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int("CompanyId"))
            today = date.today()
            if company.loonaangifte_tijdvak == "Week4":
                # Nmbrs's enumerations page writes W4 (some clients show 4W; asrctl reads both)
                return escape(f"{today.year}-{min(13, (today.timetuple().tm_yday - 1) // 28 + 1)}-W4")
            return escape(f"{today.year}-{today.month}-M")

        def runs(req: _Request, login: WorldLogin) -> str:
            self.scopes.company(login, req.int("CompanyId"))
            return ""

        def company_report(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int("CompanyId"))
            return escape(f'<Report CompanyId="{company.id}" RunId="{req.int("RunId")}" />')

        def employee_list(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int("CompanyId"))
            wanted = req.int("EmployeeType")
            return _items("Employee", [rec([_el("Id", e.id), _el("Number", e.number), _el("DisplayName", e.display_name)])
                                       for e in company.employees if e.type == wanted])

        def employee_types(req: _Request, login: WorldLogin) -> str:
            return _items("EmployeeType", [rec([_el("Id", t.id), _el("Description", t.description)])
                                           for t in world.employee_types])

        def svw(req: _Request, login: WorldLogin) -> str | None:
            employee = self.scopes.employee(login, req.int("EmployeeId"))
            return None if employee.svw is None else self._svw(employee, bulk=False)

        def svw_bulk(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int("CompanyID"))
            rows = []
            for e in company.employees:
                record = "" if e.svw is None else _nested("EmployeeSVWSettings", self._svw(e, bulk=True))
                rows.append(rec([_el("EmployeeId", e.id), _nested("EmployeeSVWSettings", record)]))
            return _items("EmployeeSVWItem", rows)

        def employments(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int("CompanyID"))
            this_year = date.today().year
            rows = []
            for e in company.employees:
                employed = world.employed(e)
                spans: dict[str, list[tuple[str, str | None]]] = {
                    "current": [(f"{this_year - 3}-01-01", None)],
                    "ended": [(f"{this_year - 5}-01-01", f"{this_year - 2}-12-31")],
                }
                records = "".join(
                    _nested("Employment", rec([_el("EmploymentId", (e.id or 0) * 10), _el("StartDate", f"{start}T00:00:00"),
                                               _el("EndDate", f"{end}T00:00:00") if end else
                                               '<EndDate xsi:nil="true" />']))
                    for start, end in spans.get(employed, [])
                )
                rows.append(rec([_el("EmployeeId", e.id), _nested("EmployeeEmployments", records)]))
            return _items("EmployeeEmploymentItem", rows)

        def per_company_items(item: str) -> Callable[[_Request, WorldLogin], str]:
            def handler(req: _Request, login: WorldLogin) -> str:
                company = self.scopes.company(login, req.int("CompanyID"))
                return _items(item, [_el("EmployeeId", e.id) for e in company.employees])
            return handler

        def personal_info(req: _Request, login: WorldLogin) -> str:
            e = self.scopes.employee(login, req.int("EmployeeId"))
            return _el("Id", e.id) + _el("Number", e.number) + _el("DisplayName", e.display_name) + _el("IdentificationType", 0)

        def per_employee(kind: Literal["empty", "none", "item"]) -> Callable[[_Request, WorldLogin], str | None]:
            def handler(req: _Request, login: WorldLogin) -> str | None:
                e = self.scopes.employee(login, req.int("EmployeeId"))
                return {"empty": "", "none": None, "item": _el("EmployeeId", e.id)}[kind]
            return handler

        def report_background(req: _Request, login: WorldLogin) -> str:
            company = self.scopes.company(login, req.int(REPORT_BACKGROUND_PARAMS[0]))
            task = str(uuid.uuid4())
            with self._inject_lock:
                self._tasks[task] = f'<Report CompanyId="{company.id}" />'
            return task

        def report_result(req: _Request, login: WorldLogin) -> str:
            task = req.text(REPORT_RESULT_PARAMS[0])
            with self._inject_lock:
                content = self._tasks.get(task)
            status = "Success" if content is not None else "Unknown"
            return _el("TaskId", task) + _el("Status", status) + _el("Content", content)

        handlers: dict[str, Callable[[_Request, WorldLogin], str | None]] = {
            "DebtorService.Environment_Get": environment,
            "DebtorService.List_GetAll": debtors,
            "DebtorService.Tags_Get": tags,
            "CompanyService.List_GetAll": companies,
            "CompanyService.List_GetByDebtor": companies_by_debtor,
            "CompanyService.Company_GetCurrentPeriod": current_period,
            "CompanyService.Run_GetList": runs,
            "CompanyService.Reports_GetWageCodesByRunCompany_v2": company_report,
            "CompanyService.Reports_GetWageCodesByRunCompany_FilterByWageCode": company_report,
            "EmployeeService.List_GetByCompany": employee_list,
            "EmployeeService.EmployeeType_GetList": employee_types,
            "EmployeeService.SVW_GetCurrent": svw,
            "EmployeeService.SVW_GetAll_AllEmployeesByCompany": svw_bulk,
            "EmployeeService.Salary_GetAll_AllEmployeesByCompany": per_company_items("EmployeeSalaryItem"),
            "EmployeeService.Employment_GetAll_AllEmployeesByCompany": employments,
            "EmployeeService.PersonalInfo_GetCurrent": personal_info,
            "EmployeeService.Address_GetListCurrent": per_employee("empty"),
            "EmployeeService.BankAccount_GetListCurrent": per_employee("empty"),
            "EmployeeService.Children_Get": per_employee("item"),
            "EmployeeService.Contract_GetCurrentPeriod": per_employee("item"),
            "EmployeeService.Partner_Get": per_employee("none"),
            "EmployeeService.Schedule_GetCurrent": per_employee("none"),
            "EmployeeService.Schedule_GetList": per_employee("empty"),
            "EmployeeService.WageComponentFixed_GetCurrent": per_employee("empty"),
            "EmployeeService.WageComponentVar_GetCurrent": per_employee("empty"),
            right_of("ReportService", REPORT_BACKGROUND_OPERATION): report_background,
            right_of("ReportService", REPORT_RESULT_OPERATION): report_result,
        }
        assert set(handlers) == set(SERVED_CALLS), set(handlers) ^ set(SERVED_CALLS)
        return handlers


class _Handler(SimHandler):
    sim: NmbrsSimulator
    server_version = "NmbrsSimulator"
    content_type = "text/xml; charset=utf-8"

    def do_GET(self) -> None:
        self._send(404, "<html><body>Not found: asrctl's simulator serves no WSDL</body></html>", "text/html")

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.sim.capture is not None:
            self.sim.capture.append(RawRequest(self.path, dict(self.headers.items()), body))
        prefix = "/soap/v3/"
        path = self.path.split("?", 1)[0]
        service = path[len(prefix):-len(".asmx")] if path.startswith(prefix) and path.endswith(".asmx") else ""
        if service not in SERVICES:
            self._send(404, "<html><body>The resource cannot be found.</body></html>", "text/html")
            return
        action = (self.headers.get("SOAPAction") or "").strip().strip('"')
        operation = action.rsplit("/", 1)[-1] if action.startswith(namespace(service) + "/") else ""
        call = right_of(service, operation) if operation else ""
        if call not in SERVED_CALLS or not call.startswith(service + ".") or call in self.sim.gone:
            fault = SimFault(None, f"Server did not recognize the value of HTTP Header SOAPAction: {action}.", client=True)
            self.sim.calls.add(CallEntry(f"{service}.{operation or '?'}", None, "client fault", at=arrived))
            self._send(500, fault.envelope())
            return
        try:
            req = _Request(service, operation, body)
        except SimFault as fault:
            self.sim.calls.add(CallEntry(call, None, "client fault", at=arrived))
            self._send(500, fault.envelope())
            return
        if self.sim.latency > 0:
            time.sleep(self.sim.latency)
        params = tuple(req.params.items())
        injected = self.sim.injections.take(call)
        if injected is not None:
            kind, retry_after = injected
            self.sim.calls.add(CallEntry(call, req.username, kind, params, at=arrived))
            self._inject(kind, retry_after)
            return
        try:
            envelope = self.sim.handle(req)
        except SimFault as fault:
            outcome = "client fault" if fault.client else f"fault {fault.code}"
            self.sim.calls.add(CallEntry(call, req.username, outcome, params, at=arrived))
            self._send(500, fault.envelope())
            return
        self.sim.calls.add(CallEntry(call, req.username, "ok", params, at=arrived))
        self._send(200, envelope)

    def _inject(self, kind: FaultKind, retry_after: float | None) -> None:
        if kind == "reset":
            # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif kind == "http500":
            self._send(500, "<html><body><h1>500 - Internal server error.</h1></body></html>", "text/html")
        elif kind == "gone":
            self._send(500, SimFault(None, "Server did not recognize the value of HTTP Header SOAPAction.",
                                     client=True).envelope())
        elif kind in ("fault1006", "fault9999", "fault2003"):
            self._send(500, SimFault(int(kind[5:])).envelope())
        else:
            headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
            self._send(429, "<html><body>Too many requests</body></html>", "text/html", headers)


def main(argv: list[str] | None = None) -> int:
    """Just the simulator, until Ctrl-C (`asrctl sandbox serve` runs it with the registry, from asrctl.yaml)."""
    parser = argparse.ArgumentParser(prog="python -m asrctl.sandbox.nmbrs_sim", description="Run the Nmbrs simulator.")
    parser.add_argument("world", type=Path, help="world YAML file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: an ephemeral port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each call")
    args = parser.parse_args(argv)
    with NmbrsSimulator(args.world, host=args.host, port=args.port, latency=args.latency) as simulator:
        print(f"Nmbrs simulator at {simulator.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
