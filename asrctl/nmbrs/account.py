"""What one Nmbrs account (login) looks like this run: login, domain, rights, companies, debtors.

Done once per account, shared by all its employers: DESIGN.md "login, domain and rights once
per account; company lists once per account (or debtor); employees once per company".
Everything here depends only on the NmbrsProvider Protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from asrctl.checks import Check
from asrctl.declare.model import Account, AccountModel
from asrctl.i18n import _
from asrctl.nmbrs import findings as found
from asrctl.nmbrs.attempt import Failed, Kind, attempt
from asrctl.nmbrs.errors import NmbrsError, NmbrsSubscriptionError
from asrctl.nmbrs.memo import SingleFlight
from asrctl.nmbrs.provider import Capability, Company, Debtor, Insurance, Login, NmbrsProvider, Staff
from asrctl.secrets import Secret


@dataclass(frozen=True)
class InsuranceView:
    """Current insurance settings found for a company's employees."""

    by_employee: dict[int, Insurance]
    complete: bool              # every employee was looked at: undeclared DGAs can be judged
    note: Check | None = None   # why not complete, when a payroll employee can do something about it


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
        self.remedies = provider.remedies
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

    @property
    def model(self) -> AccountModel:
        assert self.account is not None
        return self.account.model

    @property
    def tag(self) -> str | None:
        """The tag an overarching login is filtered on (a per-debtor login has none)."""
        assert self.account is not None
        return self.account.tag if self.account.model == "overarching" else None

    # --- account level ---------------------------------------------------------------------------

    def ready(self) -> None:
        self._memo.get("ready", self._prepare)

    def _stop(self, check: Check) -> None:
        self.checks.append(check)
        self.fatal = True

    def _prepare(self) -> None:
        account, token = self.account, self.token
        if account is None:
            return self._stop(found.unknown_account(account=self.name))
        if token is None:
            return self._stop(found.no_token(account=self.name))
        login = Login(self.name, account.username, token, account.domain)
        environment = attempt(lambda: self.provider.environment(login))
        if isinstance(environment, Failed):
            error = environment.error
            if environment.kind is Kind.NO_DATA:  # the login was accepted, but no environment came back
                self.checks.append(found.request_rejected(error, _("the domain of account '{account}'",
                                                                   account=self.name)))
            elif environment.kind is Kind.NOT_PERMITTED:
                self.checks.append(found.environment_not_permitted(
                    account=self.name, action=found.ACTION_WORDS[error.capability],
                    why=self.remedies.not_enabled(error.call), hint=self.enable_hint(error.call)))
            else:
                return self._account_failed(error, _("checking the login"))
        else:
            subdomain = environment.effective_subdomain
            if subdomain is None:
                self.checks.append(found.environment_unreported(account=self.name))
            else:
                if subdomain.casefold() != account.domain.casefold():
                    self.checks.append(found.domain_mismatch(self.name, account.domain, subdomain, environment.domain))
                # Send what Nmbrs reports, so the remaining checks run even when the declared domain is wrong.
                login = login.with_domain(subdomain)
        self.login = login
        if account.model == "overarching" and not account.tag:
            self.checks.append(found.untagged(self.name, account.username, self.remedies.login_filter(account.model)))
        extra = attempt(lambda: self.provider.account_findings(login, account.model))
        if isinstance(extra, Failed):
            return self._account_failed(extra.error, _("checking the Nmbrs consent"))
        self.checks.extend(extra)
        if any(c.id == "nmbrs.auth" and c.severity == "error" for c in extra):
            self.fatal = True  # REST: without a consent nothing can be read
            return None

        companies = self.leaf.submit(attempt, lambda: self.provider.companies(login)).result()
        if isinstance(companies, Failed):
            if companies.kind is not Kind.NOT_PERMITTED:  # not permitted: reported by the rights probe below
                self._account_failed(companies.error, _("listing the companies"))
                if self.fatal:
                    return None
        else:
            self.companies = companies
        for company in self.companies or []:
            if company.name is not None:
                self.by_name.setdefault(company.name, []).append(company)
        self._probe_rights(login, account)
        return None

    def enable_hint(self, what: str) -> str:
        return self.remedies.enable(what, self.model)

    def login_refused(self, error: NmbrsError) -> Check:
        """nmbrs.auth for a refused login (token, user or domain) or an environment without subscription."""
        assert self.account is not None
        if isinstance(error, NmbrsSubscriptionError):
            return found.no_subscription(self.name, self.account.username, error)
        source = self.token.source if self.token is not None else _("the token reference")
        return found.auth_failed(self.remedies, self.model, self.name, self.account.username, source, error)

    def optional_call_off(self, capability: Capability | None, label: str) -> Check:
        """nmbrs.optional for an optional read the login may not use (a login set up exactly by a.s.r.'s manual):
        a note, worded per account and read (not per employer), so renderers show it once per account."""
        account = self.account
        assert account is not None
        tag = self.tag
        if capability is Capability.LIST_DEBTORS:
            own = account.model == "per_debtor"
            skipped = "own-debtor-visible" if own else "debtor-visible-tagged" if tag else "debtor-visible"
        elif capability is Capability.COMPANIES_BY_DEBTOR:
            skipped = "debtor-of-company-tagged" if tag else "debtor-of-company"
        elif capability is Capability.DEBTOR_TAGS:
            skipped = "tag"
        else:
            skipped = "other"
        return found.read_not_permitted(
            login=_("account '{account}' ({username})", account=self.name, username=account.username),
            action=found.ACTION_WORDS[capability], why=self.remedies.not_enabled(label),
            skipped=found.fill(found.SKIPPED_WORDS[skipped], number=account.debtor, tag=tag),
            hint=self.enable_hint(label))

    def _account_failed(self, error: NmbrsError, doing: str) -> None:
        kind = Failed(error).kind
        if kind is Kind.REFUSED:
            return self._stop(self.login_refused(error))
        if kind is Kind.NO_DATA:
            self.companies = []  # Nmbrs refused the data, not the call: the login sees nothing
        if kind in (Kind.NO_DATA, Kind.UNREADABLE, Kind.GONE):
            # answered, but not readably: nothing per employer can be checked
            self.checks.append(found.request_rejected(error, _("the companies of account '{account}'",
                                                               account=self.name)))
            return None
        return self._stop(found.unreachable(error, _("{doing} of account '{account}'", doing=doing,
                                                     account=self.name)))

    def _probe_rights(self, login: Login, account: Account) -> None:
        required = self.provider.required(account.model)
        company_id = self.companies[0].id if self.companies else 0
        futures = {
            name: self.leaf.submit(attempt, lambda name=name: self.provider.probe(login, name, company_id=company_id))
            for name in required
        }
        missing: list[str] = []
        unanswered: list[NmbrsError] = []
        for name, future in futures.items():
            granted = future.result()
            if not isinstance(granted, Failed):
                if not granted:
                    missing.append(name)
            elif granted.kind is Kind.REFUSED:
                if not self.fatal:
                    self._account_failed(granted.error, _("checking the API rights"))
            elif granted.kind is Kind.UNAVAILABLE:
                unanswered.append(granted.error)
            else:
                self.checks.append(found.request_rejected(granted.error, _("whether a call a.s.r.'s coupling "
                                                                           "needs is Active")))
        if self.fatal:
            return
        if missing:
            self.checks.append(found.rights_missing(self.remedies, self.name, account.username, account.model, missing))
        if unanswered:
            self.checks.append(found.unreachable(unanswered[0], _(
                "checking whether {n} call(s) a.s.r.'s coupling needs are Active", n=len(unanswered))))

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
        """company id -> the debtor(s) it is listed under: one companies-by-debtor read per visible debtor."""
        return self._memo.get("debtor-map", self._map_debtors)

    def _map_debtors(self) -> dict[int, list[Debtor]]:
        debtors = self.debtors()
        futures = [(d, self.leaf.submit(attempt, lambda d=d: self.companies_of_debtor(d))) for d in debtors]
        mapping: dict[int, list[Debtor]] = {}
        for debtor, future in futures:
            companies = future.result()
            if isinstance(companies, Failed):
                if companies.kind is Kind.NO_DATA:
                    continue  # a debtor this login may not open holds none of its companies
                raise companies.error
            for company in companies:
                mapping.setdefault(company.id, []).append(debtor)
        return mapping

    def with_pay_period(self, company: Company) -> Company:
        """The company with its pay period, asked separately when the company list did not give it."""
        if company.pay_period is not None:
            return company
        period, label = self.provider.pay_period(self._logged_in(), company.id)
        return dataclasses.replace(company, pay_period=period, pay_period_label=label)

    # --- employees -------------------------------------------------------------------------------

    def employees(self, company: Company) -> Staff:
        return self.provider.employees(self._logged_in(), company.id)

    def insurance(self, company: Company, employees: Sequence[int], declared: Collection[int]) -> InsuranceView:
        """Insurance settings: one bulk read where permitted, else one read per employee up to max_employee_scan.

        `employees` and `declared` are employee ids; beyond max_employee_scan only the declared DGAs are
        looked up. Raises NmbrsError when Nmbrs does not answer.
        """
        login = self._logged_in()
        if not employees:
            return InsuranceView({}, complete=True)
        bulk_label = self.provider.label(Capability.INSURANCE_BULK)
        bulk = attempt(lambda: self.provider.insurance_by_company(login, company.id))
        if not isinstance(bulk, Failed):
            return InsuranceView(bulk, complete=True)
        if bulk.kind is Kind.REFUSED:
            raise bulk.error
        # Optional, and outside a.s.r.'s list: whatever went wrong, read one employee at a time instead.
        action = found.ACTION_WORDS[Capability.INSURANCE_BULK]
        if bulk.kind is Kind.NOT_PERMITTED:
            why = _("the login may not {action} ({why})", action=action, why=self.remedies.not_enabled(bulk_label))
        else:
            why = _("Nmbrs would not {action} ({reason})", action=action, reason=bulk.error.reason)
        note = None
        if len(employees) <= self.max_employee_scan:
            wanted = list(employees)
        else:
            wanted = [e for e in employees if e in declared]
            note = found.dgas_not_scanned(company=company.name, count=len(employees), limit=self.max_employee_scan,
                                          why=why, hint=self.enable_hint(bulk_label))
        futures = [
            (e, self.leaf.submit(attempt, lambda e=e: self.provider.insurance(login, e))) for e in wanted
        ]
        result: dict[int, Insurance] = {}
        complete = note is None
        unreadable: list[NmbrsError] = []
        for employee_id, future in futures:
            insurance = future.result()
            if isinstance(insurance, Failed):
                if insurance.kind is Kind.NOT_PERMITTED:
                    complete = False  # the per-employee read is in a.s.r.'s list: nmbrs.api-rights says so
                elif insurance.kind is Kind.UNREADABLE:
                    unreadable.append(insurance.error)
                elif insurance.kind is not Kind.NO_DATA:
                    raise insurance.error
                continue  # no access to this employee's settings: nothing to judge
            if insurance is not None:
                result[employee_id] = insurance
        if unreadable:
            # Could not read is not "no settings": say so, and judge no undeclared DGAs on a partial view.
            complete = False
            note = found.insurance_unreadable(n=len(unreadable), company=company.name,
                                              reason=unreadable[0].message, hint=unreadable[0].hint)
        return InsuranceView(result, complete=complete, note=note)
