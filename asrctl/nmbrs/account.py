"""What one Nmbrs account (login) looks like this run: login, domain, rights, companies, debtors.

Done once per account, shared by all its employers: DESIGN.md "login, domain and rights once
per account; company lists once per account (or debtor); employees once per company".
Everything here depends only on the NmbrsProvider Protocol.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from asrctl.checks import Check
from asrctl.declare.model import Account
from asrctl.nmbrs import findings as found
from asrctl.nmbrs.constants import (
    COMPANY_LIST_BY_DEBTOR,
    DEBTOR_LIST,
    DEBTOR_TAGS,
    DEFAULT_EMPLOYEE_TYPE,
    EMPLOYEE_SVW_BULK,
    EMPLOYEE_TYPE_PREFERRED,
    EMPLOYEE_TYPES,
)
from asrctl.nmbrs.errors import (
    CallNotActive,
    NmbrsAuthError,
    NmbrsError,
    NmbrsFault,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
)
from asrctl.nmbrs.memo import SingleFlight
from asrctl.nmbrs.provider import Company, Debtor, Employee, EmployeeType, Insurance, Login, NmbrsProvider
from asrctl.secrets import Secret


@dataclass(frozen=True)
class InsuranceView:
    """Current SVW settings found for a company's employees."""

    by_employee: dict[int, Insurance]
    complete: bool              # every employee was looked at: undeclared DGAs can be judged
    note: Check | None = None   # why not complete, when a payroll employee can do something about it


def pick_employee_type(types: Sequence[EmployeeType]) -> int:
    """The EmployeeType of ordinary employees: the one described as such, else the first listed."""
    for employee_type in types:
        if re.search(EMPLOYEE_TYPE_PREFERRED, employee_type.description or ""):
            return employee_type.id
    return types[0].id if types else DEFAULT_EMPLOYEE_TYPE


class AccountView:
    """One account's shared observations. `ready()` first; the lookups after it are memoized and thread-safe.

    `leaf` runs single provider calls in parallel; tasks submitted to it never wait on other tasks,
    so callers in another pool may block on them without deadlock.
    """

    def __init__(
        self,
        provider: NmbrsProvider,
        name: str,
        account: Account | None,
        token: Secret | None,
        *,
        leaf: Executor,
        max_employee_scan: int,
    ) -> None:
        self.provider = provider
        self.name = name
        self.account = account
        self.token = token
        self.leaf = leaf
        self.max_employee_scan = max_employee_scan
        self._memo = SingleFlight()
        # filled in by ready()
        self.checks: list[Check] = []       # account-level findings, repeated on each employer
        self.fatal = False                  # nothing else can be checked for this account
        self.login: Login | None = None
        self.companies: list[Company] | None = None
        self.by_name: dict[str, list[Company]] = {}
        self.employee_type = DEFAULT_EMPLOYEE_TYPE
        self.employee_type_note: str | None = None

    # --- account level ---------------------------------------------------------------------------

    def ready(self) -> None:
        self._memo.get("ready", self._prepare)

    def _stop(self, check: Check) -> None:
        self.checks.append(check)
        self.fatal = True

    def _prepare(self) -> None:
        account, token = self.account, self.token
        if account is None:
            return self._stop(found.unknown_account(self.name))
        if token is None:
            return self._stop(found.no_token(self.name))
        login = Login(self.name, account.username, token, account.domain)
        try:
            environment = self.provider.environment(login)
        except NmbrsFault as error:  # the login was accepted, but no environment came back
            environment = None
            self.checks.append(found.request_rejected(error, f"the domain of account '{self.name}'"))
        except CallNotActive as error:
            environment = None
            self.checks.append(found.unverified(
                f"Could not read the Nmbrs environment of account '{self.name}', so its domain was not checked: "
                f"{found.not_active(error.call)}.", error.call))
        except NmbrsError as error:
            return self._account_failed(error, "checking the login")
        if environment is not None:
            subdomain = environment.effective_subdomain
            if subdomain is None:
                self.checks.append(found.unverified(
                    f"Nmbrs did not report the environment of account '{self.name}', so its domain was not checked."))
            else:
                if subdomain.casefold() != account.domain.casefold():
                    self.checks.append(found.domain_mismatch(self.name, account.domain, subdomain, environment.domain))
                # Send what Nmbrs reports, so the remaining checks run even when the declared domain is wrong.
                login = login.with_domain(subdomain)
        self.login = login

        companies_future = self.leaf.submit(self.provider.companies, login)
        types_future = self.leaf.submit(self.provider.employee_types, login)
        try:
            self.companies = companies_future.result()
        except CallNotActive:
            self.companies = None  # reported by the rights probe below
        except NmbrsError as error:
            self._account_failed(error, "listing the companies")
            if self.fatal:
                types_future.cancel()
                return None
        self._choose_employee_type(types_future)
        for company in self.companies or []:
            if company.name is not None:
                self.by_name.setdefault(company.name, []).append(company)
        self._probe_rights(login, account)
        return None

    def login_refused(self, error: NmbrsAuthError | NmbrsSubscriptionError) -> Check:
        """nmbrs.auth for a 1001 (token, user or domain) or a 1004 (no subscription)."""
        assert self.account is not None
        if isinstance(error, NmbrsSubscriptionError):
            return found.no_subscription(self.name, self.account.username)
        source = self.token.source if self.token is not None else "the token reference"
        return found.auth_failed(self.name, self.account.username, source, error)

    def optional_call_off(self, call: str) -> Check:
        """nmbrs.unverified for an optional call that answered 1002: worded per account and call (not per
        employer), so the same warning on many employers of the account is one text a renderer can group."""
        account = self.account
        assert account is not None
        tag = account.tag if account.model == "overarching" else None
        if call == DEBTOR_LIST:
            debtor = f"debtor {account.debtor}" if account.model == "per_debtor" else "the employer's debtor"
            carries = f" and carries the tag '{tag}'" if tag else ""
            skipped = (f"that {debtor} is visible to the login{carries} (companies were looked up among all "
                       "companies the login sees)")
        elif call == COMPANY_LIST_BY_DEBTOR:
            skipped = "which debtor holds the company (to confirm the employer's debtor" + (
                f" or the tag '{tag}')" if tag else ")")
        elif call == DEBTOR_TAGS:
            skipped = f"that the employer's debtor carries the tag '{tag}'"
        else:
            skipped = "the checks that need this call"
        return found.unverified(
            f"Not checked because {call} is not Active for account '{self.name}' ({account.username}): {skipped}.",
            call,
        )

    def _account_failed(self, error: NmbrsError, doing: str) -> None:
        assert self.account is not None
        if isinstance(error, (NmbrsAuthError, NmbrsSubscriptionError)):
            return self._stop(self.login_refused(error))
        if isinstance(error, NmbrsUnavailable):
            return self._stop(found.unreachable(error, f"{doing} of account '{self.name}'"))
        if isinstance(error, NmbrsFault):
            self.companies = []  # Nmbrs refused the data, not the call: the login sees nothing
            self.checks.append(found.request_rejected(error, f"the companies of account '{self.name}'"))
            return None
        return self._stop(found.unreachable(error, f"{doing} of account '{self.name}'"))

    def _choose_employee_type(self, future: Future[list[EmployeeType]]) -> None:
        try:
            self.employee_type = pick_employee_type(future.result())
        except NmbrsError as error:
            why = found.not_active(error.call) if isinstance(error, CallNotActive) else error.message
            # Not a warning on every employer: it only matters when a DGA number is not found.
            self.employee_type_note = (
                f"employees of EmployeeType {DEFAULT_EMPLOYEE_TYPE} were listed because {why}; activate "
                f"{EMPLOYEE_TYPES} if DGAs are registered under another employee type"
            )

    def _probe_rights(self, login: Login, account: Account) -> None:
        calls = self.provider.required_calls(account.model)
        company_id = self.companies[0].id if self.companies else 0
        futures = {
            call: self.leaf.submit(
                self.provider.probe, login, call, company_id=company_id, employee_type=self.employee_type
            )
            for call in calls
        }
        missing: list[str] = []
        unanswered: list[NmbrsError] = []
        for call, future in futures.items():
            try:
                if not future.result():
                    missing.append(call)
            except (NmbrsAuthError, NmbrsSubscriptionError) as error:
                if not self.fatal:
                    self._account_failed(error, "checking the API rights")
            except NmbrsUnavailable as error:
                unanswered.append(error)
            except NmbrsError as error:
                self.checks.append(found.request_rejected(error, f"whether {call} is Active"))
        if self.fatal:
            return
        if missing:
            self.checks.append(found.rights_missing(self.name, account.username, account.model, missing))
        if unanswered:
            calls_text = ", ".join(e.call for e in unanswered)
            verb = "is" if len(unanswered) == 1 else "are"
            self.checks.append(found.unreachable(unanswered[0], f"checking whether {calls_text} {verb} Active"))

    # --- debtors ---------------------------------------------------------------------------------

    def _logged_in(self) -> Login:
        assert self.login is not None, "ready() first"
        return self.login

    def debtors(self) -> list[Debtor]:
        return self.provider.debtors(self._logged_in())

    def debtor(self, number: str) -> Debtor | None:
        wanted = number.strip()
        return next((d for d in self.debtors() if (d.number or "").strip() == wanted), None)

    def debtor_tags(self, debtor: Debtor) -> list[str]:
        return self.provider.debtor_tags(self._logged_in(), debtor.id)

    def companies_of_debtor(self, debtor: Debtor) -> list[Company]:
        return self.provider.companies_by_debtor(self._logged_in(), debtor.id)

    def debtors_of_companies(self) -> dict[int, list[Debtor]]:
        """company id -> the debtor(s) it is listed under: one List_GetByDebtor per visible debtor."""
        return self._memo.get("debtor-map", self._map_debtors)

    def _map_debtors(self) -> dict[int, list[Debtor]]:
        debtors = self.debtors()
        futures = [(d, self.leaf.submit(self.companies_of_debtor, d)) for d in debtors]
        mapping: dict[int, list[Debtor]] = {}
        for debtor, future in futures:
            try:
                companies = future.result()
            except NmbrsFault:
                continue  # a debtor this login may not open holds none of its companies
            for company in companies:
                mapping.setdefault(company.id, []).append(debtor)
        return mapping

    # --- employees -------------------------------------------------------------------------------

    def employees(self, company: Company) -> list[Employee]:
        return self.provider.employees(self._logged_in(), company.id, self.employee_type)

    def insurance(self, company: Company, employees: Sequence[Employee], declared: Collection[int]) -> InsuranceView:
        """SVW settings: one bulk call where Active, else one call per employee up to max_employee_scan.

        Beyond that size only the declared DGAs (`declared`: employee ids) are looked up.
        Raises NmbrsUnavailable when Nmbrs does not answer.
        """
        login = self._logged_in()
        if not employees:
            return InsuranceView({}, complete=True)
        try:
            return InsuranceView(self.provider.insurance_by_company(login, company.id), complete=True)
        except CallNotActive:
            why = found.not_active(EMPLOYEE_SVW_BULK)  # optional: fall back to SVW_GetCurrent (a.s.r.'s list)
        except NmbrsFault as error:
            why = f"{EMPLOYEE_SVW_BULK} failed ({error.message})"
        note = None
        if len(employees) <= self.max_employee_scan:
            wanted = [e.id for e in employees]
        else:
            wanted = [e.id for e in employees if e.id in declared]
            note = found.unverified(
                f"Undeclared DGAs were not looked for: company '{company.name}' has {len(employees)} employees, "
                f"more than nmbrs.max_employee_scan ({self.max_employee_scan}) to read one at a time, and {why}.",
                EMPLOYEE_SVW_BULK,
            )
        futures = [(employee_id, self.leaf.submit(self.provider.insurance, login, employee_id)) for employee_id in wanted]
        result: dict[int, Insurance] = {}
        complete = note is None
        for employee_id, future in futures:
            try:
                insurance = future.result()
            except CallNotActive:
                complete = False  # SVW_GetCurrent itself is off: nmbrs.api-rights already says so
                continue
            except NmbrsFault:
                continue  # no access to this employee's settings: nothing to judge
            if insurance is not None:
                result[employee_id] = insurance
        return InsuranceView(result, complete=complete, note=note)
