"""The Nmbrs provider interface plan and import code depend on, and the plain data it returns.

Nmbrs retires its SOAP API on 2027-03-01; a REST provider implements this same Protocol and
nothing above it changes. Every method may raise the errors of `asrctl.nmbrs.errors`:
CallNotActive (the login may not use this call), NoAccess (not this object), NmbrsAuthError,
NmbrsSubscriptionError, NmbrsUnavailable (after retries), NmbrsRequestError, NmbrsFault.
Implementations memoize per run: asking twice for the same thing costs one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.constants import AccountModel
from asrctl.secrets import Secret


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
    pay_period: str | None  # LoonaangifteTijdvak: None, Month, Week4, Month6, Year


@dataclass(frozen=True)
class EmployeeType:
    id: int
    description: str | None


@dataclass(frozen=True)
class Employee:
    id: int
    number: int
    name: str | None        # DisplayName


@dataclass(frozen=True)
class Insurance:
    """An employee's current social insurance (SVW): insured for WW, ZW and WAO/WIA?"""

    ww: bool
    zw: bool
    wao_wia: bool

    @property
    def insured_for(self) -> list[str]:
        return [name for name, on in (("WW", self.ww), ("ZW", self.zw), ("WIA", self.wao_wia)) if on]

    @property
    def looks_like_dga(self) -> bool:
        return not (self.ww or self.zw or self.wao_wia)


class NmbrsProvider(Protocol):
    """What asrctl needs from Nmbrs. Call names in errors and `required_calls` are "Service.Operation"."""

    @property
    def calls(self) -> int:
        """Requests sent to Nmbrs so far in this run (retries included)."""
        ...

    def required_calls(self, model: AccountModel) -> tuple[str, ...]:
        """The calls a.s.r.'s coupling needs Active for a login of this model."""
        ...

    def probe(self, login: Login, call: str, *, company_id: int, employee_type: int) -> bool:
        """Is `call` Active for this login? Reads only; arguments chosen to fail after the rights check.

        `company_id` is a company the login sees (0 when none), reused where a real one helps.
        """
        ...

    def environment(self, login: Login) -> Environment: ...

    def debtors(self, login: Login) -> list[Debtor]: ...

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]: ...

    def companies(self, login: Login) -> list[Company]: ...

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]: ...

    def employee_types(self, login: Login) -> list[EmployeeType]: ...

    def employees(self, login: Login, company_id: int, employee_type: int) -> list[Employee]: ...

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        """One employee's current SVW settings (None: Nmbrs has none)."""
        ...

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        """Current SVW settings of every employee of a company, by employee id (one bulk call)."""
        ...

    def close(self) -> None: ...


def open_provider(endpoint_url: str, *, parallelism: int, timeout: float, retry: RetryPolicy | None) -> NmbrsProvider:
    """The provider for an http(s) base URL: SOAP v3 today, the one place a REST provider would be chosen."""
    from asrctl.nmbrs.soap.provider import (
        SoapProvider,  # zeep, lxml and requests load only when Nmbrs is really asked
    )

    return SoapProvider(endpoint_url, parallelism=parallelism, timeout=timeout, retry=retry)
