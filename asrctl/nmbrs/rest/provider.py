"""The REST implementation of NmbrsProvider: Nmbrs's public REST API, with the office's consent per account.

Endpoint per check (REST-FACTS §5): debtors and tags per account, companies per account (per debtor
when /api/companies refuses a multi-debtor consent), and per referenced company its pay period,
its employees and the SVW history of all of them — pageSize 100, to the last page, no per-employee
calls. REST ids are uuids; the Protocol's ids are ints, so each uuid gets a run-local int here.

The token a.s.r. receives is still the SOAP API token of the registration form: while SOAP answers,
the login, its domain and a.s.r.'s rights list are checked over SOAP by the SOAP provider this one
wraps (`environment`, `required`, `probe`). From 2027-03-01, or once SOAP answers 404/410, those
become a note that a.s.r.'s intake must be confirmed. `account_findings` adds, per account, the REST
consent itself (refresh + GET /api/user/info: nmbrs.auth) and the granted scopes (nmbrs.scopes).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from asrctl.checks import Check
from asrctl.declare.model import AccountModel
from asrctl.errors import AsrctlError
from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.errors import (
    UNREADABLE,
    UNREADABLE_HINT,
    NmbrsAuthError,
    NmbrsError,
    NmbrsRequestError,
    OperationGone,
    Unreadable,
)
from asrctl.nmbrs.memo import SingleFlight
from asrctl.nmbrs.provider import (
    Capability,
    Company,
    Debtor,
    Employee,
    Environment,
    Insurance,
    Login,
    NmbrsProvider,
    PayPeriod,
    Remedies,
    Staff,
)
from asrctl.nmbrs.rest import findings as rest_found
from asrctl.nmbrs.rest.client import MultiDebtorConsent, RestClient
from asrctl.nmbrs.rest.constants import (
    EMPLOYEE_TYPES,
    OPERATION_SCOPES,
    PERIOD_TYPES,
    SCOPES_ASR,
    SCOPES_NEEDED,
    SOAP_END,
    scope_granted,
)
from asrctl.nmbrs.rest.grant import GrantStore
from asrctl.nmbrs.rest.oauth import IdentityClient, RestApp
from asrctl.nmbrs.rest.remedies import RestRemedies
from asrctl.nmbrs.rest.tokens import AccessTokens
from asrctl.nmbrs.rest.users import user_info

T = TypeVar("T")

# Capability -> the REST operation that reads it (labels are their scopes: what an office grants).
OPERATION_OF: dict[Capability, str] = {
    Capability.LIST_COMPANIES: "getCompanies",
    Capability.LIST_DEBTORS: "getDebtors",
    Capability.DEBTOR_TAGS: "getTagsByDebtor",
    Capability.COMPANIES_BY_DEBTOR: "getCompaniesByDebtor",
    Capability.EMPLOYEES: "getEmployeesByCompany",
    Capability.EMPLOYEE_TYPES: "getEmployeesByCompany",
    Capability.INSURANCE_BULK: "getSVWSettingsByCompany",
    Capability.INSURANCE_PER_EMPLOYEE: "getSVWSettingsByCompany",
    Capability.PAY_PERIOD: "getCurrentPeriod",
    Capability.ENVIRONMENT: "getUserInfo",
}
PAY_PERIOD_OF: dict[str, PayPeriod] = {
    key: PayPeriod(value) for key, value in PERIOD_TYPES.items()
}
UNREAD_PERIOD = "not read yet"  # Company.pay_period_label until pay_period() is asked


# --- the answers' shapes: tolerant of added fields, of missing ones where a check can do without ------


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DebtorRow(_Row):
    debtorId: str  # the API's names
    number: str | None = None
    name: str | None = None


class CompanyRow(_Row):
    companyId: str
    number: str | int | None = None
    name: str | None = None
    debtorId: str | None = None


class TagRow(_Row):
    tagNumber: str | int | None = None
    description: str | None = None


class PeriodOf(_Row):
    year: int | None = None
    period: int | None = None


class CompanyPeriodRow(_Row):
    periodType: str | None = None
    period: PeriodOf | None = None
    displayPeriod: str | None = None


class BasicInfo(_Row):
    employeeNumber: int | None = None
    firstName: str | None = None
    firstNameInFull: str | None = None
    prefix: str | None = None
    initials: str | None = None
    lastName: str | None = None
    employeeType: str | None = None


class EmployeeRow(_Row):
    employeeId: str
    employeeBasicInfo: BasicInfo | None = None


class SvwRecord(_Row):
    WW: bool | None = None
    ZW: bool | None = None
    waoWia: bool | None = None
    period: PeriodOf | None = None
    createdAt: str | None = None


class SvwRow(_Row):
    employeeId: str
    employeeSVWSettings: list[SvwRecord] | None = None


def _rows(model: type[T], data: Sequence[Any], operation: str) -> list[T]:
    """The rows that have what asrctl reads; a page where none does is Unreadable (loud, never "nothing")."""
    rows: list[T] = []
    for item in data:
        try:
            rows.append(model.model_validate(item))  # type: ignore[attr-defined]
        except ValidationError:
            continue
    if data and not rows:
        raise Unreadable(_("Nmbrs answered {n} row(s) without the fields this check reads", n=len(data)),
                         call=operation, detail=_("{operation}, fields {fields}", operation=operation,
                                                  fields=", ".join(model.model_fields)),  # type: ignore[attr-defined]
                         hint=UNREADABLE_HINT)
    return rows


def display_name(info: BasicInfo) -> str | None:
    """REST has no display name (REST-FACTS §5): first name (or initials), prefix, last name."""
    first = info.firstName or info.initials
    parts = [p.strip() for p in (first, info.prefix, info.lastName) if p and p.strip()]
    return " ".join(parts) or None


def current_record(records: Sequence[SvwRecord], now: tuple[int, int]) -> SvwRecord | None:
    """The SVW record in force: the latest (period.year, period.period, createdAt) not after `now` (*derived*,
    REST-FACTS §12 q8: period is taken as the record's start period)."""
    started = [r for r in records if r.period is not None and r.period.year is not None
               and (r.period.year, r.period.period or 0) <= now]
    if not started:
        return None
    return max(started, key=lambda r: (r.period.year or 0, r.period.period or 0, r.createdAt or "")  # type: ignore[union-attr]
               )


class RestProvider:
    """NmbrsProvider over the REST API. Thread-safe; close() when the run is done."""

    def __init__(
        self,
        app: RestApp,
        grants: Mapping[str, GrantStore],
        *,
        soap: NmbrsProvider | None,
        budget: CallBudget,
        parallelism: int = 8,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.app = app
        self.soap = soap
        self.budget = budget
        self.today = today or dt.date.today()
        self.soap_gone = self.today >= SOAP_END or soap is None
        self.client = RestClient(app, budget=budget, parallelism=parallelism, timeout=timeout, retry=retry)
        self.identity = IdentityClient(app, budget=budget, timeout=timeout, retry=retry)
        self._tokens = {name: AccessTokens(store, self.identity) for name, store in grants.items()}
        self._memo = SingleFlight()
        self._ids: dict[str, int] = {}
        self._uuids: dict[int, str] = {}
        self._company_of: dict[int, int] = {}  # employee id -> company id (for the per-employee SVW read)
        self._ids_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max(1, parallelism), thread_name_prefix="nmbrs-rest")
        self._remedies = RestRemedies(soap.remedies if soap is not None else None)

    # --- bookkeeping -----------------------------------------------------------------------------

    @property
    def calls(self) -> int:
        """REST and identity requests (the wrapped SOAP provider counts its own)."""
        return self.client.calls + self.identity.calls

    @property
    def remedies(self) -> Remedies:
        return self._remedies

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()
        self.identity.close()

    def _id(self, uuid: str) -> int:
        with self._ids_lock:
            number = self._ids.get(uuid)
            if number is None:
                number = self._ids[uuid] = len(self._ids) + 1
                self._uuids[number] = uuid
            return number

    def _uuid(self, number: int, operation: str) -> str:
        with self._ids_lock:
            uuid = self._uuids.get(number)
        if uuid is None:
            raise NmbrsRequestError(_("id {number} was not read from Nmbrs in this run", number=number), call=operation)
        return uuid

    def tokens(self, login: Login) -> AccessTokens:
        tokens = self._tokens.get(login.account)
        if tokens is None:
            raise NmbrsAuthError(_("account '{account}' has no grant file configured", account=login.account),
                                 call="grant", detail="",
                                 hint=_("Add accounts.{account}.grant and run `asrctl login {account}`.",
                                        account=login.account))
        return tokens

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        return self._memo.get(key, compute)

    def _pages(self, login: Login, operation: str, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        key = (login.account, operation, path, tuple(sorted((params or {}).items())))
        return self._cached(key, lambda: self.client.pages(self.tokens(login), operation, path, params))

    # --- labels and the SOAP-side checks of the registered token ---------------------------------

    def label(self, capability: Capability) -> str:
        operation = OPERATION_OF.get(capability)
        return OPERATION_SCOPES[operation][0] if operation else capability.value

    def required(self, model: AccountModel) -> tuple[str, ...]:
        if self.soap_gone or self.soap is None:
            return ()
        return self.soap.required(model)

    def probe(self, login: Login, required: str, *, company_id: int) -> bool:
        assert self.soap is not None
        # A REST company id means nothing over SOAP: probe with none (the probe reads only either way).
        return self.soap.probe(login, required, company_id=0)

    def environment(self, login: Login) -> Environment:
        """The SOAP environment of the registered token, while SOAP answers; after that, the declared domain."""
        if not self.soap_gone and self.soap is not None:
            try:
                return self.soap.environment(login)
            except (OperationGone, NmbrsRequestError) as error:
                if not _gone(error):
                    raise
                self.soap_gone = True
        return Environment(domain=None, subdomain=login.domain)

    def account_findings(self, login: Login, model: AccountModel, tag: str | None = None) -> list[Check]:
        """The REST consent of the account (nmbrs.auth), its scopes (nmbrs.scopes), and the SOAP note."""
        checks: list[Check] = []
        if self.soap_gone:
            checks.append(rest_found.soap_retired(login.account, self.today >= SOAP_END))
        try:
            tokens = self.tokens(login)
            tokens.token()
        except NmbrsAuthError as error:
            return [*checks, rest_found.consent_failed(login.account, error.message, error.hint)]
        except AsrctlError as error:  # the grant file: missing, damaged, another app's
            return [*checks, rest_found.consent_failed(login.account, error.message, error.hint)]
        try:
            consenter = self._cached((login.account, "user"), lambda: user_info(self.client, tokens))
        except NmbrsAuthError as error:
            return [*checks, rest_found.consent_failed(login.account, error.message, error.hint)]
        except NmbrsError:
            consenter = None  # who consented is for messages only; the scope check still runs
        granted = tokens.scopes
        if not granted:
            checks.append(rest_found.scopes_unknown(login.account))
            return checks
        needed = [s for s in SCOPES_NEEDED if not scope_granted(s, granted)]
        asr = [s for s in SCOPES_ASR if not scope_granted(s, granted) and s not in needed]
        who = consenter.email if consenter is not None and consenter.email else None
        if needed:
            checks.append(rest_found.scopes_missing(login.account, who, needed))
        if asr:
            checks.append(rest_found.scopes_asr_missing(login.account, who, asr))
        return checks

    # --- debtors and companies ---------------------------------------------------------------------

    def debtors(self, login: Login) -> list[Debtor]:
        rows = _rows(DebtorRow, self._pages(login, "getDebtors", "/api/debtors"), "getDebtors")
        return [Debtor(id=self._id(r.debtorId), number=r.number, name=r.name) for r in rows]

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]:
        uuid = self._uuid(debtor_id, "getTagsByDebtor")
        rows = _rows(TagRow, self._pages(login, "getTagsByDebtor", f"/api/debtors/{uuid}/tags"), "getTagsByDebtor")
        return [r.description for r in rows if r.description is not None]

    def companies(self, login: Login) -> list[Company]:
        try:
            data = self._pages(login, "getCompanies", "/api/companies")
        except MultiDebtorConsent:
            # The consent spans several debtors (REST-FACTS §7, RSDK): the same list, debtor by debtor.
            debtors = self.debtors(login)
            futures = [self._pool.submit(self.companies_by_debtor, login, d.id) for d in debtors]
            return [company for future in futures for company in future.result()]
        return self._companies(data, "getCompanies")

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]:
        uuid = self._uuid(debtor_id, "getCompaniesByDebtor")
        data = self._pages(login, "getCompaniesByDebtor", f"/api/debtors/{uuid}/companies")
        return self._companies(data, "getCompaniesByDebtor")

    def _companies(self, data: Sequence[Any], operation: str) -> list[Company]:
        companies = []
        for row in _rows(CompanyRow, data, operation):
            number = row.number
            digits = str(number) if number is not None else ""
            companies.append(Company(id=self._id(row.companyId), number=int(digits) if digits.isdigit() else 0,
                                     name=row.name, pay_period=None, pay_period_label=UNREAD_PERIOD))
        return companies

    def pay_period(self, login: Login, company_id: int) -> tuple[PayPeriod, str]:
        """The company's current pay period (GET /api/companies/{id}/period: one call per referenced company)."""
        kind, label, _ = self._period(login, company_id)
        return kind, label

    def _period(self, login: Login, company_id: int) -> tuple[PayPeriod, str, tuple[int, int] | None]:
        uuid = self._uuid(company_id, "getCurrentPeriod")
        data = self._pages(login, "getCurrentPeriod", f"/api/companies/{uuid}/period")
        rows = _rows(CompanyPeriodRow, data, "getCurrentPeriod")
        row = rows[0] if rows else None
        if row is None or not row.periodType:
            raise Unreadable(UNREADABLE, call="getCurrentPeriod", detail=_("{operation}, field {field}",
                                                                         operation="getCurrentPeriod",
                                                                         field="periodType"), hint=UNREADABLE_HINT)
        now = (row.period.year, row.period.period or 0) if row.period and row.period.year else None
        return PAY_PERIOD_OF.get(row.periodType, PayPeriod.OTHER), row.periodType, now

    # --- employees ---------------------------------------------------------------------------------

    def employees(self, login: Login, company_id: int) -> Staff:
        uuid = self._uuid(company_id, "getEmployeesByCompany")
        data = self._pages(login, "getEmployeesByCompany", f"/api/companies/{uuid}/employees",
                           {"employeeType": EMPLOYEE_TYPES})
        employees, unnumbered = [], 0
        for row in _rows(EmployeeRow, data, "getEmployeesByCompany"):
            info = row.employeeBasicInfo
            if info is None or info.employeeNumber is None:
                unnumbered += 1
                continue
            employee = Employee(id=self._id(row.employeeId), number=info.employeeNumber, name=display_name(info))
            with self._ids_lock:
                self._company_of[employee.id] = company_id
            employees.append(employee)
        caveat = (_("{n} employee(s) came without an employee number", n=unnumbered) if unnumbered else None)
        return Staff(tuple(employees), caveat)

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        uuid = self._uuid(company_id, "getSVWSettingsByCompany")
        data = self._pages(login, "getSVWSettingsByCompany", f"/api/companies/{uuid}/employees/svwsettings")
        return self._current(login, company_id, _rows(SvwRow, data, "getSVWSettingsByCompany"))

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        """One employee's: the company's SVW history filtered by employeeId (only when the bulk read failed)."""
        operation = "getSVWSettingsByCompany"
        with self._ids_lock:
            company_id = self._company_of.get(employee_id)
        if company_id is None:
            raise NmbrsRequestError(_("employee {id} was not listed in this run", id=employee_id), call=operation)
        uuid = self._uuid(company_id, operation)
        data = self._pages(login, operation, f"/api/companies/{uuid}/employees/svwsettings",
                           {"employeeId": self._uuid(employee_id, operation)})
        return self._current(login, company_id, _rows(SvwRow, data, operation)).get(employee_id)

    def _current(self, login: Login, company_id: int, rows: Sequence[SvwRow]) -> dict[int, Insurance]:
        try:
            now = self._period(login, company_id)[2]
        except NmbrsError:
            now = None
        if now is None:
            now = (self.today.year, 53)  # no current period: whatever has started this year
        result: dict[int, Insurance] = {}
        records = 0
        for row in rows:
            history = row.employeeSVWSettings or []
            records += len(history)
            record = current_record(history, now)
            if record is None or record.WW is None or record.ZW is None or record.waoWia is None:
                continue
            result[self._id(row.employeeId)] = Insurance(ww=record.WW, zw=record.ZW, wao_wia=record.waoWia)
        if records and not result:
            raise Unreadable(UNREADABLE, call="getSVWSettingsByCompany",
                             detail=_("{operation}, no record with fields {fields}", operation="getSVWSettingsByCompany",
                                      fields="WW, ZW, waoWia, period"), hint=UNREADABLE_HINT)
        return result


def _gone(error: NmbrsError) -> bool:
    """SOAP switched off: the endpoint answers 404 or 410, or the operation is no longer offered."""
    return isinstance(error, OperationGone) or "HTTP 404" in error.message or "HTTP 410" in error.message
