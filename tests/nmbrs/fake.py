"""An in-memory NmbrsProvider: the seam's contract without SOAP, with any read made to fail on request.

It knows nothing of SOAP (no call names, no fault numbers): if the neutral layer leaned on those,
the tests using this fake would show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from asrctl.checks import Check
from asrctl.nmbrs.errors import NmbrsError, NotPermitted
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


class FakeRemedies:
    def enable(self, what: str, model: AccountModel) -> str:
        return f"grant {what} ({model})"

    def not_enabled(self, what: str) -> str:
        return "it is not granted"

    def grant_required(self, missing: Sequence[str], model: AccountModel) -> tuple[str, str]:
        return f"{len(missing)} grant(s) missing", f"grant {', '.join(missing)}"

    def new_token(self, username: str, token_source: str, model: AccountModel) -> str:
        return f"renew the token of {username} in {token_source}"

    def login_filter(self, model: AccountModel) -> str:
        return f"the {model} login's scope"


@dataclass
class FakeCompany:
    company: Company
    debtor: Debtor
    employees: list[tuple[Employee, Insurance | None]] = field(default_factory=list)


@dataclass
class FakeProvider:
    """Data by plain fields; `fail[capability] = error` makes every read of it raise that error."""

    subdomain: str = "voorbeeld"
    companies_list: list[FakeCompany] = field(default_factory=list)
    tags: dict[int, list[str]] = field(default_factory=dict)
    granted: set[str] = field(default_factory=lambda: {"read-companies", "read-employees"})
    fail: dict[Capability, NmbrsError] = field(default_factory=dict)
    reads: list[Capability] = field(default_factory=list)
    extra_findings: list[Check] = field(default_factory=list)  # what account_findings() answers

    @property
    def calls(self) -> int:
        return len(self.reads)

    @property
    def remedies(self) -> FakeRemedies:
        return FakeRemedies()

    def label(self, capability: Capability) -> str:
        return f"read:{capability.value}"

    def required(self, model: AccountModel) -> tuple[str, ...]:
        return ("read-companies", "read-employees")

    def _read(self, capability: Capability) -> None:
        self.reads.append(capability)
        error = self.fail.get(capability)
        if error is not None:
            raise type(error)(error.message, call=self.label(capability), capability=capability,
                              reason=error.reason, hint=error.hint)

    def probe(self, login: Login, required: str, *, company_id: int) -> bool:
        return required in self.granted

    def environment(self, login: Login) -> Environment:
        self._read(Capability.ENVIRONMENT)
        return Environment(f"{self.subdomain}.example", self.subdomain)

    def account_findings(self, login: Login, model: AccountModel) -> list[Check]:
        return list(self.extra_findings)

    def debtors(self, login: Login) -> list[Debtor]:
        self._read(Capability.LIST_DEBTORS)
        return list({c.debtor.id: c.debtor for c in self.companies_list}.values())

    def debtor_tags(self, login: Login, debtor_id: int) -> list[str]:
        self._read(Capability.DEBTOR_TAGS)
        return self.tags.get(debtor_id, [])

    def companies(self, login: Login) -> list[Company]:
        self._read(Capability.LIST_COMPANIES)
        return [c.company for c in self.companies_list]

    def companies_by_debtor(self, login: Login, debtor_id: int) -> list[Company]:
        self._read(Capability.COMPANIES_BY_DEBTOR)
        return [c.company for c in self.companies_list if c.debtor.id == debtor_id]

    def _company(self, company_id: int) -> FakeCompany:
        return next(c for c in self.companies_list if c.company.id == company_id)

    def employees(self, login: Login, company_id: int) -> Staff:
        self._read(Capability.EMPLOYEES)
        return Staff(tuple(e for e, _ in self._company(company_id).employees))

    def insurance(self, login: Login, employee_id: int) -> Insurance | None:
        self._read(Capability.INSURANCE_PER_EMPLOYEE)
        return next(i for c in self.companies_list for e, i in c.employees if e.id == employee_id)

    def insurance_by_company(self, login: Login, company_id: int) -> dict[int, Insurance]:
        self._read(Capability.INSURANCE_BULK)
        return {e.id: i for e, i in self._company(company_id).employees if i is not None}

    def close(self) -> None:
        pass


def not_granted(what: str = "it") -> NotPermitted:
    return NotPermitted(f"{what} is not granted", call=what)


DGA = Insurance(ww=False, zw=False, wao_wia=False)
INSURED = Insurance(ww=True, zw=True, wao_wia=True)


def bakery() -> FakeProvider:
    """One debtor with one monthly company: a DGA (employee 1) and an insured employee (2)."""
    debtor = Debtor(101, "1042", "Bakkerij De Vries Holding")
    company = Company(2001, 1, "Bakkerij De Vries B.V.", PayPeriod.MONTHLY, "monthly")
    staff = [(Employee(1, 1, "J. de Vries"), DGA), (Employee(2, 2, "A. Bakker"), INSURED)]
    return FakeProvider(companies_list=[FakeCompany(company, debtor, staff)], tags={101: ["a.s.r."]})
