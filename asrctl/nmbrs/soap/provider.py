"""The SOAP v3 implementation of NmbrsProvider: zeep results → plain data, memoized per run."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import NmbrsError, NmbrsFault, NmbrsUnknownFault, NotPermitted
from asrctl.nmbrs.memo import SingleFlight
from asrctl.nmbrs.provider import (
    AccountModel,
    Capability,
    Company,
    Debtor,
    Employee,
    Environment,
    Insurance,
    Login,
    PayPeriod,
    Staff,
)
from asrctl.nmbrs.soap.calls import (
    CALL_OF,
    COMPANY_LIST,
    COMPANY_LIST_BY_DEBTOR,
    DEBTOR_LIST,
    DEBTOR_TAGS,
    DEFAULT_EMPLOYEE_TYPE,
    EMPLOYEE_LIST,
    EMPLOYEE_SVW,
    EMPLOYEE_SVW_BULK,
    EMPLOYEE_TYPE_PREFERRED,
    EMPLOYEE_TYPES,
    ENVIRONMENT_GET,
    REPORT_BACKGROUND_PARAMS,
    REPORT_BACKGROUND_RIGHT,
    REPORT_RESULT_PARAMS,
    REPORT_RESULT_RIGHT,
    REQUIRED_CALLS,
    split_call,
)
from asrctl.nmbrs.soap.client import SoapClient
from asrctl.nmbrs.soap.remedies import SoapRemedies

T = TypeVar("T")

NO_TASK = "00000000-0000-0000-0000-000000000000"


def _present(value: Any) -> Any:
    """None for no data. zeep ignores xsi:nil on complex elements and gives an object whose fields are
    all None; that is no data too, not an object of empty fields."""
    fields = getattr(value, "__values__", None)
    if value is None or (fields is not None and all(v is None for v in fields.values())):
        return None
    return value


def _items(result: Any, item: str) -> list[Any]:
    """A list result: a missing, empty or nil result element is []; nil items are skipped.
    zeep may or may not unwrap the array."""
    if _present(result) is None:
        return []
    if not isinstance(result, list):
        value = getattr(result, item, None)
        result = value if isinstance(value, list) else [value]
    return [v for v in result if _present(v) is not None]


def _insurance(settings: Any) -> Insurance | None:
    """WW/ZW/WIA of SVW settings; None when Nmbrs has none or leaves a flag out (nothing to judge)."""
    flags = [getattr(settings, name, None) for name in ("Ww", "Zw", "Wao_Wia")]
    if _present(settings) is None or any(flag is None for flag in flags):
        return None
    ww, zw, wao_wia = (bool(flag) for flag in flags)
    return Insurance(ww=ww, zw=zw, wao_wia=wao_wia)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# LoonaangifteTijdvak (API-FACTS.md §4). A weekly company's value is unverified (SOAP-AUDIT F6):
# anything else is OTHER, reported with the raw value.
PAY_PERIOD_OF: dict[str, PayPeriod] = {
    "Month": PayPeriod.MONTHLY,
    "Week4": PayPeriod.FOUR_WEEKLY,
    "Week": PayPeriod.WEEKLY,
    "Month6": PayPeriod.HALF_YEARLY,
    "Year": PayPeriod.YEARLY,
    "None": PayPeriod.NONE,
}


def pay_period(value: str | None) -> PayPeriod:
    return PAY_PERIOD_OF.get(value or "None", PayPeriod.OTHER)


@dataclass(frozen=True)
class EmployeeType:
    id: int
    description: str | None


def pick_employee_type(types: Sequence[EmployeeType]) -> int:
    """The EmployeeType of ordinary employees: the one described as such, else the first listed."""
    for employee_type in types:
        if re.search(EMPLOYEE_TYPE_PREFERRED, employee_type.description or ""):
            return employee_type.id
    return types[0].id if types else DEFAULT_EMPLOYEE_TYPE


@dataclass(frozen=True)
class _Failed:
    """A remembered Nmbrs error, kept as data: a stored exception would keep its traceback's frames alive
    (thousands of them when, say, every company's bulk SVW call is not Active). The error raised from it
    is fresh, so no zeep or requests exception (requests' hold the envelope with the token) rides along
    as its __context__."""

    kind: type[NmbrsError]
    message: str
    call: str
    code: int | None
    hint: str | None
    capability: Capability | None
    reason: str

    @classmethod
    def of(cls, error: NmbrsError) -> _Failed:
        return cls(type(error), error.message, error.call, error.code, error.hint, error.capability, error.reason)

    def error(self) -> NmbrsError:
        return self.kind(self.message, call=self.call, code=self.code, hint=self.hint, capability=self.capability,
                         reason=self.reason)


def probe_arguments(call: str, *, year: int) -> dict[str, Any]:
    """Harmless arguments for a rights probe: ids 0 fail after the rights check, nothing is written.

    (List_GetAll and List_GetByCompany are probed by the real reads asrctl needs anyway.)
    """
    service, _ = split_call(call)
    if call == f"ReportService.{REPORT_BACKGROUND_RIGHT}":
        return dict(zip(REPORT_BACKGROUND_PARAMS, (0, 0, year, 0), strict=True))
    if call == f"ReportService.{REPORT_RESULT_RIGHT}":
        return {REPORT_RESULT_PARAMS[0]: NO_TASK}
    fixed: dict[str, dict[str, Any]] = {
        "CompanyService.Company_GetCurrentPeriod": {"CompanyId": 0},
        "CompanyService.Run_GetList": {"CompanyId": 0, "Year": year},
        "CompanyService.Reports_GetWageCodesByRunCompany_v2": {"CompanyId": 0, "RunId": 0, "intYear": year},
        "CompanyService.Reports_GetWageCodesByRunCompany_FilterByWageCode": {
            "CompanyId": 0, "RunId": 0, "intYear": year, "WageCode": 0,
        },
        "EmployeeService.Salary_GetAll_AllEmployeesByCompany": {"CompanyID": 0},
        "EmployeeService.Employment_GetAll_AllEmployeesByCompany": {"CompanyID": 0},
        "EmployeeService.Schedule_GetList": {"EmployeeId": 0, "Period": 1, "Year": year},
    }
    if call in fixed:
        return fixed[call]
    if service == "EmployeeService":
        return {"EmployeeId": 0}
    raise ValueError(f"no probe defined for {call}")


class SoapProvider:
    """NmbrsProvider over SOAP v3. Thread-safe; close() when the run is done."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        parallelism: int = 8,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._client = SoapClient(endpoint_url, parallelism=parallelism, timeout=timeout, retry=retry or RetryPolicy())
        self._memo = SingleFlight()
        self._year = datetime.date.today().year

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def calls(self) -> int:
        return self._client.calls

    @property
    def remedies(self) -> SoapRemedies:
        return SoapRemedies()

    def label(self, capability: Capability) -> str:
        return CALL_OF[capability]

    def close(self) -> None:
        self._client.close()

    def _cached(self, login: Login, call: str, args: Mapping[str, Any], convert: Callable[[Any], T]) -> T:
        key = (login.key, call, tuple(sorted(args.items())))

        def compute() -> T | _Failed:
            try:
                return convert(self._client.call(login, call, args))
            except NmbrsError as error:
                return _Failed.of(error)

        outcome = self._memo.get(key, compute)
        if isinstance(outcome, _Failed):
            raise outcome.error()
        return outcome

    # --- NmbrsProvider ---------------------------------------------------------------------------

    def required(self, model: AccountModel) -> tuple[str, ...]:
        return REQUIRED_CALLS[model]

    def probe(self, login: Login, required: str, *, company_id: int) -> bool:
        call = required
        try:
            if call == COMPANY_LIST:
                self.companies(login)
            elif call == EMPLOYEE_LIST:  # a real company when the login has one: its list is needed anyway
                self.employees(login, company_id)
            else:
                args = probe_arguments(call, year=self._year)
                self._cached(login, call, args, lambda _: None)
        except NotPermitted:
            return False
        except (NmbrsFault, NmbrsUnknownFault):
            return True  # Nmbrs looked at the arguments, so the rights check passed
        return True

    def environment(self, login: Login) -> Environment:
        def convert(result: Any) -> Environment:
            result = _present(result)
            return Environment(domain=_text(getattr(result, "Domain", None)),
                               subdomain=_text(getattr(result, "SubDomain", None)))

        return self._cached(login, ENVIRONMENT_GET, {}, convert)

    def debtors(self, login: Login) -> list[Debtor]:
        def convert(result: Any) -> list[Debtor]:
            return [Debtor(id=d.Id, number=_text(d.Number), name=_text(d.Name)) for d in _items(result, "Debtor")]

        return self._cached(login, DEBTOR_LIST, {}, convert)

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]:
        def convert(result: Any) -> list[str]:
            return [str(t.Tag) for t in _items(result, "DebtorTag") if t.Tag is not None]

        return self._cached(login, DEBTOR_TAGS, {"DebtorId": debtor_id}, convert)

    def companies(self, login: Login) -> list[Company]:
        return self._cached(login, COMPANY_LIST, {}, _companies)

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]:
        return self._cached(login, COMPANY_LIST_BY_DEBTOR, {"DebtorId": debtor_id}, _companies)

    def employee_types(self, login: Login) -> list[EmployeeType]:
        def convert(result: Any) -> list[EmployeeType]:
            return [EmployeeType(id=t.Id, description=_text(t.Description)) for t in _items(result, "EmployeeType")]

        return self._cached(login, EMPLOYEE_TYPES, {}, convert)

    def _payroll_type(self, login: Login) -> tuple[int, str | None]:
        """The EmployeeType to list, and a caveat when it had to be assumed."""
        try:
            return pick_employee_type(self.employee_types(login)), None
        except NmbrsError as error:
            why = f"{error.call} is not Active for this login" if isinstance(error, NotPermitted) else error.message
            # Not a warning on every employer: it only matters when a DGA number is not found.
            return DEFAULT_EMPLOYEE_TYPE, (
                f"employees of EmployeeType {DEFAULT_EMPLOYEE_TYPE} were listed because {why}; activate "
                f"{EMPLOYEE_TYPES} if DGAs are registered under another employee type"
            )

    def employees(self, login: Login, company_id: int) -> Staff:
        def convert(result: Any) -> tuple[Employee, ...]:
            return tuple(Employee(id=e.Id, number=e.Number, name=_text(e.DisplayName))
                         for e in _items(result, "Employee"))

        employee_type, caveat = self._payroll_type(login)
        args = {"CompanyId": company_id, "EmployeeType": employee_type}
        return Staff(self._cached(login, EMPLOYEE_LIST, args, convert), caveat)

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        return self._cached(login, EMPLOYEE_SVW, {"EmployeeId": employee_id}, _insurance)

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        year = self._year

        def convert(result: Any) -> dict[int, Insurance]:
            current: dict[int, Insurance] = {}
            for item in _items(result, "EmployeeSVWItem"):
                # The bulk call returns the history; the current record is the latest that has started.
                records = [
                    r for r in _items(getattr(item, "EmployeeSVWSettings", None), "EmployeeSVWSettings")
                    if (r.StartYear or 0) <= year
                ]
                if records:
                    latest = max(records, key=lambda r: (r.StartYear or 0, r.StartPeriod or 0, r.Id or 0))
                    insurance = _insurance(latest)
                    if insurance is not None:
                        current[item.EmployeeId] = insurance
            return current

        return self._cached(login, EMPLOYEE_SVW_BULK, {"CompanyID": company_id}, convert)


def _companies(result: Any) -> list[Company]:
    companies = []
    for c in _items(result, "Company"):
        label = _text(c.LoonaangifteTijdvak)
        companies.append(Company(id=c.ID, number=c.Number, name=_text(c.Name), pay_period=pay_period(label),
                                 pay_period_label=label or "None"))
    return companies
