"""The Nmbrs provider interface the checks depend on, and the plain payroll data it returns.

Nmbrs retires its SOAP API on 2027-03-01; a REST provider implements this same Protocol and
nothing above it changes. The Protocol speaks payroll: what asrctl can read (`Capability`),
debtors, tags, companies with a `PayPeriod`, employees, insurance settings. SOAP operation names,
fault numbers and Nmbrs screens live in the implementation; it supplies the words for what a
payroll office must do (`Remedies`).

Every method may raise the errors of `asrctl.nmbrs.errors`: NotPermitted (the login may not use
this capability), NoAccess (not this object), NmbrsAuthError, NmbrsSubscriptionError,
NmbrsUnavailable (after retries), OperationGone, NmbrsRequestError, NmbrsFault, Unreadable.
Implementations memoize per run: asking twice for the same thing costs one call.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, cast

from asrctl.checks import Check
from asrctl.declare.model import AccountModel
from asrctl.net.budget import CallBudget
from asrctl.net.retry import RetryPolicy
from asrctl.secrets import Secret


class Capability(StrEnum):
    """What asrctl reads from Nmbrs. An implementation maps each to its own call or scope."""

    ENVIRONMENT = "environment"                        # the login's environment (domain)
    LIST_COMPANIES = "list_companies"                  # every company the login sees, with its pay period
    LIST_DEBTORS = "list_debtors"
    DEBTOR_TAGS = "debtor_tags"
    COMPANIES_BY_DEBTOR = "companies_by_debtor"
    EMPLOYEE_TYPES = "employee_types"                  # which kinds of employee exist (payroll, applicant ...)
    EMPLOYEES = "employees"
    INSURANCE_BULK = "insurance_bulk"                  # every employee's insurance of a company at once
    INSURANCE_PER_EMPLOYEE = "insurance_per_employee"
    PAY_PERIOD = "pay_period"                          # a company's current pay period


class PayPeriod(StrEnum):
    """How often a company runs its payroll (Nmbrs: loonaangifte tijdvak)."""

    MONTHLY = "monthly"
    FOUR_WEEKLY = "four_weekly"
    WEEKLY = "weekly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    NONE = "none"
    OTHER = "other"      # a value asrctl does not know; the raw value is in Company.pay_period_label


@dataclass(frozen=True)
class Login:
    """One Nmbrs login as asrctl uses it. `domain` is what is sent as Domain (the environment's subdomain)."""

    account: str       # the account's name in asrctl.yaml (for messages)
    username: str
    token: Secret
    domain: str
    key: tuple[str, str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Memo key: never the token itself, so keys can be logged or shown in a debugger safely.
        object.__setattr__(self, "key", (self.username, self.token.fingerprint, self.domain))

    def with_domain(self, domain: str) -> Login:
        return Login(self.account, self.username, self.token, domain)


@dataclass(frozen=True)
class Environment:
    domain: str | None      # e.g. "voorbeeld.nmbrs.nl"
    subdomain: str | None   # e.g. "voorbeeld"

    @property
    def effective_subdomain(self) -> str | None:
        if self.subdomain:
            return self.subdomain
        if self.domain:
            return self.domain.split(".", 1)[0]
        return None


@dataclass(frozen=True)
class Debtor:
    id: int
    number: str | None
    name: str | None


@dataclass(frozen=True)
class Company:
    id: int
    number: int
    name: str | None
    pay_period: PayPeriod | None    # None: not in the company list; ask NmbrsProvider.pay_period
    pay_period_label: str = "None"  # as Nmbrs writes it (e.g. "Week4"), for messages a payroll employee can match


@dataclass(frozen=True)
class Employee:
    id: int
    number: int             # medewerkersnummer (employee number)
    name: str | None        # display name


@dataclass(frozen=True)
class Staff:
    """A company's employees on the payroll. `caveat`: why the list may miss some (said where it matters)."""

    employees: tuple[Employee, ...]
    caveat: str | None = None


@dataclass(frozen=True)
class Insurance:
    """An employee's current social insurance: insured for WW, ZW and WAO/WIA?"""

    ww: bool
    zw: bool
    wao_wia: bool

    @property
    def insured_for(self) -> list[str]:
        return [name for name, on in (("WW", self.ww), ("ZW", self.zw), ("WIA", self.wao_wia)) if on]

    @property
    def looks_like_dga(self) -> bool:
        return not (self.ww or self.zw or self.wao_wia)


class Remedies(Protocol):
    """What a payroll office must do in Nmbrs, in the words of the implementation's API and screens.

    Only hints name the implementation's calls or scopes; `not_enabled` goes into messages and does not.
    """

    def enable(self, what: str, model: AccountModel) -> str:
        """Hint: switch on an optional `what` (a capability's label) for the full check."""
        ...

    def not_enabled(self, what: str) -> str:
        """Why the login may not use `what`, in payroll words ("the call is not Active in its template")."""
        ...

    def grant_required(self, missing: Sequence[str], model: AccountModel) -> tuple[str, str]:
        """(headline, hint) for required grants that are missing (`nmbrs.api-rights`): the headline counts
        them ("2 API calls a.s.r.'s coupling needs are not Active"), the hint names each."""
        ...

    def new_token(self, username: str, token_source: str, model: AccountModel) -> str:
        """Hint for a login whose token Nmbrs refuses."""
        ...

    def login_filter(self, model: AccountModel) -> str:
        """Where the login's debtor filter (or a master login's scope) is set."""
        ...


class NmbrsProvider(Protocol):
    """What asrctl needs from Nmbrs."""

    @property
    def calls(self) -> int:
        """Requests sent to Nmbrs so far in this run (retries included)."""
        ...

    @property
    def remedies(self) -> Remedies: ...

    def label(self, capability: Capability) -> str:
        """How a payroll office finds this capability in Nmbrs (a call name, a scope)."""
        ...

    def required(self, model: AccountModel) -> tuple[str, ...]:
        """What a.s.r.'s coupling needs granted for a login of this model (labels, in the implementation's words)."""
        ...

    def probe(self, login: Login, required: str, *, company_id: int) -> bool:
        """Is `required` (one of `required(model)`) granted to this login? Reads only.

        `company_id` is a company the login sees (0 when none), reused where a real one helps.
        """
        ...

    def environment(self, login: Login) -> Environment: ...

    def debtors(self, login: Login) -> list[Debtor]: ...

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]: ...

    def companies(self, login: Login) -> list[Company]: ...

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]: ...

    def pay_period(self, login: Login, company_id: int) -> tuple[PayPeriod, str]:
        """A company's current pay period and how Nmbrs wrote it, for a company listed without one."""
        ...

    def account_findings(self, login: Login, model: AccountModel) -> list[Check]:
        """Account-level findings only this implementation has (REST: the consent and its scopes).

        A finding `nmbrs.auth` of severity error means nothing else can be read for the account.
        """
        ...

    def employees(self, login: Login, company_id: int) -> Staff:
        """The company's employees on the payroll (not applicants, not former or external staff)."""
        ...

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        """One employee's current insurance settings (None: Nmbrs has none)."""
        ...

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        """Current insurance settings of every employee of a company, by employee id (one bulk read)."""
        ...

    def close(self) -> None: ...


# api name -> "module:factory". Imported only when chosen: zeep, lxml and requests load only when
# Nmbrs is really asked, and nothing here imports an implementation (no cycle).
IMPLEMENTATIONS: dict[str, str] = {
    "soap": "asrctl.nmbrs.soap.provider:SoapProvider",
}


def open_provider(
    endpoint_url: str, *, parallelism: int, timeout: float, retry: RetryPolicy | None, api: str = "soap",
    budget: CallBudget | None = None,
) -> NmbrsProvider:
    """The provider of `api` (soap) for an http(s) base URL; `budget` paces its calls with the run's others.

    (REST needs the office's app and the grants as well: observe.py opens it around this one.)
    """
    module_name, _, factory = IMPLEMENTATIONS[api].partition(":")
    implementation = getattr(importlib.import_module(module_name), factory)
    return cast(NmbrsProvider, implementation(endpoint_url, parallelism=parallelism, timeout=timeout, retry=retry,
                                              budget=budget))
