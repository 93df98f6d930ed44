"""The nmbrs.* checks of one employer, on top of its account's shared observations (AccountView)."""

from __future__ import annotations

from dataclasses import dataclass, field

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Dga, Employer
from asrctl.nmbrs import findings as found
from asrctl.nmbrs.account import AccountView
from asrctl.nmbrs.errors import (
    CallNotActive,
    NmbrsAuthError,
    NmbrsError,
    NmbrsFault,
    NmbrsSubscriptionError,
    NmbrsUnavailable,
)
from asrctl.nmbrs.names import near_misses, same_person
from asrctl.nmbrs.provider import Company, Debtor, Employee


@dataclass
class _Findings:
    """Checks of one employer; an optional call that is off gives one warning, worded per account."""

    view: AccountView
    checks: list[Check] = field(default_factory=list)
    calls_off: dict[str, None] = field(default_factory=dict)  # optional calls that answered 1002, in order

    def add(self, check: Check | None) -> None:
        if check is not None:
            self.checks.append(check)

    def not_verified(self, error: CallNotActive) -> None:
        self.calls_off[error.call] = None

    def failed(self, error: NmbrsError, doing: str) -> None:
        """An error that is not about a missing right: the login refused, unreachable, or a refused request."""
        if isinstance(error, (NmbrsAuthError, NmbrsSubscriptionError)):
            self.add(self.view.login_refused(error))
        elif isinstance(error, NmbrsUnavailable):
            self.add(found.unreachable(error, doing))
        else:
            self.add(found.request_rejected(error, doing))

    def result(self) -> list[Check]:
        return self.checks + [self.view.optional_call_off(call) for call in self.calls_off]


def observe_employer(view: AccountView, loaded: LoadedEmployer) -> list[Check]:
    """All nmbrs.* findings for one employer (account-level ones included); passing checks are not listed."""
    view.ready()
    findings = _Findings(view, checks=list(view.checks))
    if view.fatal or view.companies is None:
        return findings.result()
    employer = loaded.employer
    debtor = _debtor(view, employer, findings)
    company = _company(view, employer, debtor, findings)
    if company is not None:
        _tag(view, company, debtor, findings)
        findings.add(found.frequency_check(company, employer.payroll.frequency))
        _dgas(view, company, employer.dga, findings)
    return findings.result()


def _own_debtor(view: AccountView) -> str | None:
    """The debtor a per-debtor account (master company login) belongs to."""
    assert view.account is not None
    return view.account.debtor if view.account.model == "per_debtor" else None


def _declared_debtor(view: AccountView, employer: Employer) -> str | None:
    """The employer's debtor number, else the per-debtor account's."""
    return employer.nmbrs.debtor or _own_debtor(view)


def _debtor(view: AccountView, employer: Employer, findings: _Findings) -> Debtor | None:
    """The declared debtor (or the per-debtor account's), when it can be verified as visible."""
    declared, own = employer.nmbrs.debtor, _own_debtor(view)
    if declared and own and declared.strip() != own.strip():
        findings.add(found.debtor_conflict(view.name, own, declared))
    number = _declared_debtor(view, employer)
    if number is None:
        return None
    try:
        debtor = view.debtor(number)
    except CallNotActive as error:
        findings.not_verified(error)
        return None
    except NmbrsError as error:
        findings.failed(error, f"reading the debtors of account '{view.name}'")
        return None
    if debtor is None:
        assert view.account is not None
        tag = view.account.tag if view.account.model == "overarching" else None
        findings.add(found.debtor_not_visible(view.name, view.account.username, number, tag, len(view.debtors())))
    return debtor


def _company(view: AccountView, employer: Employer, debtor: Debtor | None, findings: _Findings) -> Company | None:
    """The one company with exactly the declared name (under the debtor, when there is one)."""
    assert view.companies is not None and view.account is not None
    name = employer.nmbrs.company
    exact = view.by_name.get(name, [])
    if debtor is not None:
        try:
            in_debtor: list[Company] | None = view.companies_of_debtor(debtor)
        except CallNotActive as error:
            findings.not_verified(error)
            in_debtor = None
        except NmbrsFault as error:
            findings.add(found.debtor_no_access(str(debtor.number), error))
            return None
        except NmbrsError as error:
            findings.failed(error, f"listing the companies of debtor {debtor.number}")
            return None
        if in_debtor is not None:
            matches = [c for c in in_debtor if c.name == name]
            if len(matches) == 1:
                return matches[0]
            if matches:
                findings.add(found.company_same_name_in_debtor(name, str(debtor.number), len(matches)))
            elif exact:
                findings.add(found.company_elsewhere(name, str(debtor.number), _debtors_of(view, exact)))
            else:
                scope = f"under debtor {debtor.number} for account '{view.name}'"
                findings.add(found.company_missing(name, scope, near_misses(name, [c.name or "" for c in in_debtor])))
            return None
    if len(exact) == 1:
        return exact[0]
    if not exact:
        scope = f"among the {len(view.companies)} companies account '{view.name}' ({view.account.username}) can see"
        tag = view.account.tag if view.account.model == "overarching" else None
        near = near_misses(name, [c.name or "" for c in view.companies])
        findings.add(found.company_missing(name, scope, near, tag))
        return None
    number = _declared_debtor(view, employer)
    if number is not None:
        # A debtor is declared but could not be used to choose: a warning, not a block.
        findings.add(found.unverified(
            f"{len(exact)} companies are named '{name}'; asrctl could not tell which one is under debtor "
            f"{number}, so the pay period and DGAs were not checked."))
        return None
    debtor_numbers: list[str] | None
    try:
        mapping = view.debtors_of_companies()
        debtor_numbers = [str(d.number) for c in exact for d in mapping.get(c.id, [])]
    except NmbrsError:
        debtor_numbers = None  # the ambiguity is an error either way; debtors only make it clearer
    findings.add(found.company_ambiguous(name, exact, debtor_numbers))
    return None


def _debtors_of(view: AccountView, companies: list[Company]) -> list[str]:
    try:
        mapping = view.debtors_of_companies()
    except NmbrsError:
        return []
    return [f"debtor {d.number}" for c in companies for d in mapping.get(c.id, [])]


def _tag(view: AccountView, company: Company, debtor: Debtor | None, findings: _Findings) -> None:
    """Overarching account with a tag: the company's debtor carries it."""
    account = view.account
    assert account is not None
    tag = account.tag if account.model == "overarching" else None
    if tag is None:
        return
    what = f"that the debtor of company '{company.name}' carries the tag '{tag}'"
    if debtor is None:
        try:
            debtors = view.debtors_of_companies().get(company.id, [])
        except CallNotActive as error:
            findings.not_verified(error)
            return
        except NmbrsError as error:
            findings.failed(error, f"finding the debtor of company '{company.name}'")
            return
        if not debtors:
            findings.add(found.unverified(f"Could not check {what}: Nmbrs lists it under no debtor this login sees."))
            return
        debtor = debtors[0]
    try:
        tags = view.debtor_tags(debtor)
    except CallNotActive as error:
        findings.not_verified(error)
        return
    except NmbrsFault as error:
        findings.add(found.debtor_no_access(str(debtor.number), error))
        return
    except NmbrsError as error:
        findings.failed(error, f"reading the tags of debtor {debtor.number}")
        return
    if tag not in tags:
        close = near_misses(tag, tags, limit=1)
        findings.add(found.debtor_untagged(debtor, tag, tags, close[0][0] if close else None))


def _dgas(view: AccountView, company: Company, declared: list[Dga], findings: _Findings) -> None:
    try:
        employees = view.employees(company)
    except CallNotActive:
        return  # List_GetByCompany is in a.s.r.'s list: nmbrs.api-rights already reports it
    except NmbrsFault as error:
        findings.add(found.company_no_access(company, error))
        return
    except NmbrsError as error:
        findings.failed(error, f"listing the employees of company '{company.name}'")
        return
    by_number = {e.number: e for e in employees}
    dgas: list[tuple[Dga, Employee]] = []
    for index, dga in enumerate(declared):
        employee = by_number.get(dga.employee_number)
        if employee is None:
            namesakes = [e for e in employees if e.name and same_person(dga.name, e.name)]
            findings.add(found.dga_missing(index, dga.name, dga.employee_number, company, namesakes,
                                           view.employee_type_note))
            continue
        if employee.name and not same_person(dga.name, employee.name):
            findings.add(found.dga_name(index, dga.name, employee))
        dgas.append((dga, employee))
    declared_ids = {employee.id for _, employee in dgas}
    try:
        insurance = view.insurance(company, employees, declared_ids)
    except NmbrsError as error:
        findings.failed(error, f"reading the insurance settings of company '{company.name}'")
        return
    for dga, employee in dgas:
        settings = insurance.by_employee.get(employee.id)
        if settings is not None and settings.insured_for:
            findings.add(found.dga_insured(dga.name, employee, settings))
    findings.add(insurance.note)
    if insurance.complete:
        undeclared = [
            e for e in employees
            if e.id not in declared_ids and (s := insurance.by_employee.get(e.id)) is not None and s.looks_like_dga
        ]
        if undeclared:
            findings.add(found.dga_undeclared(undeclared))
