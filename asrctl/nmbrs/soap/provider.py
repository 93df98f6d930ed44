"""The SOAP v3 implementation of NmbrsProvider: zeep results → plain data, memoized per run."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypeVar

from asrctl.checks import Check
from asrctl.declare.model import AccountModel
from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import NmbrsError, NmbrsFault, NmbrsUnknownFault, NotPermitted, Unreadable
from asrctl.nmbrs.memo import SingleFlight
from asrctl.nmbrs.provider import (
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
    COMPANY_PERIOD,
    DEBTOR_LIST,
    DEBTOR_TAGS,
    EMPLOYEE_LIST,
    EMPLOYEE_SVW,
    EMPLOYEE_SVW_BULK,
    EMPLOYEE_TYPE,
    EMPLOYEE_TYPE_LEARN_COMPANIES,
    EMPLOYEE_TYPE_SCAN,
    EMPLOYEE_TYPES,
    EMPLOYMENTS,
    ENVIRONMENT_GET,
    FORMER_TYPE,
    PAYROLL_TYPE,
    REPORT_BACKGROUND_PARAMS,
    REPORT_BACKGROUND_RIGHT,
    REPORT_RESULT_PARAMS,
    REPORT_RESULT_RIGHT,
    REQUIRED_CALLS,
    screen_name,
    split_call,
)
from asrctl.nmbrs.soap.client import SoapClient
from asrctl.nmbrs.soap.records import Record
from asrctl.nmbrs.soap.remedies import SoapRemedies

T = TypeVar("T")

NO_TASK = "00000000-0000-0000-0000-000000000000"
_YEAR_PERIOD_TYPE = _("year-period-type, as 2025-7-W4")


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


def _records(call: str, result: Any, item: str) -> list[Record]:
    """The records of a list result, read by element name (nil or empty items skipped)."""
    return [r for v in _items(result, item) if (r := Record.of(call, item, v)) is not None]


def _insurance(record: Record | None) -> Insurance | None:
    """WW/ZW/WIA of SVW settings; None when Nmbrs has none. Settings without a flag are Unreadable."""
    if record is None:
        return None
    ww, zw, wao_wia = (record.flag(name, required=True) for name in ("Ww", "Zw", "Wao_Wia"))
    return Insurance(ww=bool(ww), zw=bool(zw), wao_wia=bool(wao_wia))


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


# Company_GetCurrentPeriod answers "year-period-type" (API-FACTS.md §4): M, W4 (some clients write 4W), W1.
_CURRENT_PERIOD = re.compile(r"^\s*(\d{4})-0?(\d{1,2})-(\w+)\s*$")
PAY_PERIOD_OF_SUFFIX: dict[str, PayPeriod] = {
    "M": PayPeriod.MONTHLY, "W4": PayPeriod.FOUR_WEEKLY, "4W": PayPeriod.FOUR_WEEKLY,
    "W1": PayPeriod.WEEKLY, "1W": PayPeriod.WEEKLY, "W": PayPeriod.WEEKLY,
}


def current_pay_period(value: str | None) -> PayPeriod | None:
    """The pay period in a Company_GetCurrentPeriod answer ("2025-7-W4"); None when it is not in that form."""
    match = _CURRENT_PERIOD.match(value or "")
    if match is None:
        return None
    return PAY_PERIOD_OF_SUFFIX.get(match.group(3).upper(), PayPeriod.OTHER)


@dataclass(frozen=True)
class EmployeeType:
    id: int
    description: str | None


def pick_employee_type(types: Sequence[EmployeeType]) -> int | None:
    """The payroll EmployeeType by its description (payroll before employee; never a former one), or None."""
    for wanted in (PAYROLL_TYPE, EMPLOYEE_TYPE):
        for employee_type in types:
            description = employee_type.description or ""
            if re.search(wanted, description) and not re.search(FORMER_TYPE, description):
                return employee_type.id
    return None


def _employed_now(record: Record, today: str) -> bool:
    """An Employment that has started and not ended (dates compared as ISO text, day precision)."""
    start = (record.text("StartDate") or "")[:10]
    end = (record.text("EndDate") or "")[:10]
    return bool(start) and start <= today and (not end or end >= today)


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
    advice: str | None
    capability: Capability | None
    reason: str
    detail: str

    @classmethod
    def of(cls, error: NmbrsError) -> _Failed:
        return cls(type(error), error.message, error.call, error.code, error.advice, error.capability, error.reason,
                   error.detail)

    def error(self) -> NmbrsError:
        return self.kind(self.message, call=self.call, code=self.code, hint=self.advice, capability=self.capability,
                         reason=self.reason, detail=self.detail)


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
        budget: CallBudget | None = None,
    ) -> None:
        self._client = SoapClient(endpoint_url, parallelism=parallelism, timeout=timeout, retry=retry or RetryPolicy(),
                                  budget=budget)
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
                employee_type = self._payroll_type(login)[0] or EMPLOYEE_TYPE_SCAN[0]
                self._list_employees(login, company_id, employee_type)
            else:
                args = probe_arguments(call, year=self._year)
                self._cached(login, call, args, lambda _: None)
        except NotPermitted:
            return False
        except (NmbrsFault, NmbrsUnknownFault, Unreadable):
            return True  # Nmbrs looked at the arguments (or answered), so the rights check passed
        return True

    def environment(self, login: Login) -> Environment:
        def convert(result: Any) -> Environment:
            record = Record.of(ENVIRONMENT_GET, "Environment", result)
            if record is None:
                return Environment(None, None)
            return Environment(domain=record.text("Domain") or None, subdomain=record.text("SubDomain") or None)

        return self._cached(login, ENVIRONMENT_GET, {}, convert)

    def account_findings(self, login: Login, model: AccountModel) -> list[Check]:
        return []

    def debtors(self, login: Login) -> list[Debtor]:
        def convert(result: Any) -> list[Debtor]:
            return [Debtor(id=d.need_int("Id"), number=d.text("Number", required=True), name=d.text("Name"))
                    for d in _records(DEBTOR_LIST, result, "Debtor")]

        return self._cached(login, DEBTOR_LIST, {}, convert)

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]:
        def convert(result: Any) -> list[str]:
            return [str(t.text("Tag", required=True)) for t in _records(DEBTOR_TAGS, result, "DebtorTag")]

        return self._cached(login, DEBTOR_TAGS, {"DebtorId": debtor_id}, convert)

    def companies(self, login: Login) -> list[Company]:
        return self._cached(login, COMPANY_LIST, {}, lambda result: _companies(COMPANY_LIST, result))

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]:
        return self._cached(login, COMPANY_LIST_BY_DEBTOR, {"DebtorId": debtor_id},
                            lambda result: _companies(COMPANY_LIST_BY_DEBTOR, result))

    def pay_period(self, login: Login, company_id: int) -> tuple[PayPeriod, str]:
        def convert(result: Any) -> tuple[PayPeriod, str]:
            text = _text(result)
            period = current_pay_period(text)
            if period is None:
                raise Record(COMPANY_PERIOD, "period", ()).fail("period", str(text), _YEAR_PERIOD_TYPE)
            return period, str(text).strip()

        return self._cached(login, COMPANY_PERIOD, {"CompanyId": company_id}, convert)

    def employee_types(self, login: Login) -> list[EmployeeType]:
        def convert(result: Any) -> list[EmployeeType]:
            return [EmployeeType(id=t.need_int("Id"), description=t.text("Description"))
                    for t in _records(EMPLOYEE_TYPES, result, "EmployeeType")]

        return self._cached(login, EMPLOYEE_TYPES, {}, convert)

    def _payroll_type(self, login: Login) -> tuple[int | None, str]:
        """The EmployeeType id of the payroll employees (None when it cannot be told), and why not."""
        return self._memo.get(("payroll-type", login.key), lambda: self._find_payroll_type(login))

    def _find_payroll_type(self, login: Login) -> tuple[int | None, str]:
        try:
            types = self.employee_types(login)
        except NmbrsError as error:
            why = (_("the login may not read the employee types") if isinstance(error, NotPermitted)
                   else error.message)
        else:
            picked = pick_employee_type(types)
            if picked is not None:
                return picked, ""
            why = _("no employee type is described as payroll ({types})",
                    types=", ".join(repr(t.description) for t in types))
        try:
            learned = self._learn_payroll_type(login)
        except NmbrsError as error:
            return None, _("{why}, and learning it from the employments failed: {reason}", why=why,
                           reason=error.message)
        if learned is None:
            return None, _("{why}, and no company of this login has current employments to learn it from", why=why)
        return learned, ""

    def _learn_payroll_type(self, login: Login) -> int | None:
        """The EmployeeType id whose employees of a company are currently employed: one Employment read and one
        List_GetByCompany per candidate id, for the first companies that have current employees. Once per login."""
        today = datetime.date.today().isoformat()
        for company in self.companies(login)[:EMPLOYEE_TYPE_LEARN_COMPANIES]:
            employed = self._employed(login, company.id, today)
            if not employed:
                continue
            counts = {t: len(employed & {e.id for e in self._list_employees(login, company.id, t)})
                      for t in EMPLOYEE_TYPE_SCAN}
            best = max(counts, key=lambda t: counts[t])
            if counts[best]:
                return best
        return None

    def _employed(self, login: Login, company_id: int, today: str) -> set[int]:
        def convert(result: Any) -> set[int]:
            return {
                item.need_int("EmployeeId")
                for item in _records(EMPLOYMENTS, result, "EmployeeEmploymentItem")
                if any(_employed_now(r, today) for r in item.children("EmployeeEmployments", "Employment"))
            }

        return self._cached(login, EMPLOYMENTS, {"CompanyID": company_id}, convert)

    def _list_employees(self, login: Login, company_id: int, employee_type: int) -> tuple[Employee, ...]:
        def convert(result: Any) -> tuple[Employee, ...]:
            return tuple(Employee(id=e.need_int("Id"), number=e.need_int("Number"), name=e.text("DisplayName"))
                         for e in _records(EMPLOYEE_LIST, result, "Employee"))

        return self._cached(login, EMPLOYEE_LIST, {"CompanyId": company_id, "EmployeeType": employee_type}, convert)

    def employees(self, login: Login, company_id: int) -> Staff:
        employee_type, why = self._payroll_type(login)
        if employee_type is None:
            raise Unreadable(
                _("asrctl could not tell which employees are on the payroll: {why}", why=why),
                call=EMPLOYEE_LIST, capability=Capability.EMPLOYEES,
                detail=_("{call} needs the EmployeeType of the payroll; {types} names it, {employments} shows it",
                         call=screen_name(EMPLOYEE_LIST), types=screen_name(EMPLOYEE_TYPES),
                         employments=screen_name(EMPLOYMENTS)),
                hint=_("Set {call} to Active in the login's template, so asrctl can pick the payroll type by its "
                       "name.", call=screen_name(EMPLOYEE_TYPES)),
            )
        return Staff(self._list_employees(login, company_id, employee_type))

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        return self._cached(login, EMPLOYEE_SVW, {"EmployeeId": employee_id},
                            lambda result: _insurance(Record.of(EMPLOYEE_SVW, "SVWSettings", result)))

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        year = self._year

        def convert(result: Any) -> dict[int, Insurance]:
            current: dict[int, Insurance] = {}
            for item in _records(EMPLOYEE_SVW_BULK, result, "EmployeeSVWItem"):
                # The bulk call returns the history; the current record is the latest that has started.
                history = item.children("EmployeeSVWSettings", "EmployeeSVWSettings")
                started = [(r.whole("StartYear") or 0, r.whole("StartPeriod") or 0, r.text("CreateDate") or "",
                            r.whole("Id") or 0, n, r) for n, r in enumerate(history)]
                started = [s for s in started if s[0] <= year]
                if started:
                    insurance = _insurance(max(started, key=lambda s: s[:5])[5])
                    if insurance is not None:
                        current[item.need_int("EmployeeId")] = insurance
            return current

        return self._cached(login, EMPLOYEE_SVW_BULK, {"CompanyID": company_id}, convert)


def _companies(call: str, result: Any) -> list[Company]:
    companies = []
    for c in _records(call, result, "Company"):
        label = c.text("LoonaangifteTijdvak")
        companies.append(Company(
            id=c.need_int("ID"), number=c.need_int("Number"), name=c.text("Name"),
            # Not reported: the checks ask Company_GetCurrentPeriod (on a.s.r.'s list) instead.
            pay_period=pay_period(label) if label else None, pay_period_label=label or "",
        ))
    return companies
