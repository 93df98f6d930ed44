"""The nmbrs.* checks of one employer, on top of its account's shared observations (AccountView)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Dga, Employer
from asrctl.i18n import _
from asrctl.nmbrs import findings as found
from asrctl.nmbrs.account import AccountView
from asrctl.nmbrs.attempt import Failed, Kind, attempt
from asrctl.nmbrs.errors import NmbrsError
from asrctl.nmbrs.names import near_misses, same_person
from asrctl.nmbrs.provider import Capability, Company, Debtor, Employee

T = TypeVar("T")


@dataclass
class _Findings:
    """Checks of one employer; an optional read that is not permitted gives one warning, worded per account."""

    view: AccountView
    checks: list[Check] = field(default_factory=list)
    # optional reads the login may not use, in order: capability -> its label
    calls_off: dict[Capability | None, str] = field(default_factory=dict)

    def add(self, check: Check | None) -> None:
        if check is not None:
            self.checks.append(check)

    def read(
        self,
        read: Callable[[], T],
        doing: str,
        *,
        no_data: Callable[[NmbrsError], Check | None] | None = None,
        required: bool = False,
    ) -> T | Failed:
        """`read()`, with a failure turned into its finding: a read the login may not use is noted once per
        account (or left to nmbrs.api-rights when `required`), refused data goes to `no_data` when given."""
        got = attempt(read)
        if isinstance(got, Failed):
            self.fail(got, doing, no_data=no_data, required=required)
        return got

    def fail(
        self,
        failed: Failed,
        doing: str,
        *,
        no_data: Callable[[NmbrsError], Check | None] | None = None,
        required: bool = False,
    ) -> None:
        error, kind = failed.error, failed.kind
        if kind is Kind.NOT_PERMITTED:
            if not required:
                self.calls_off.setdefault(error.capability, error.call)
        elif kind is Kind.REFUSED:
            self.add(self.view.login_refused(error))
        elif kind is Kind.UNAVAILABLE:
            self.add(found.unreachable(error, doing))
        elif kind is Kind.NO_DATA and no_data is not None:
            self.add(no_data(error))
        else:
            self.add(found.request_rejected(error, doing))

    def result(self) -> list[Check]:
        return self.checks + [self.view.optional_call_off(c, label) for c, label in self.calls_off.items()]


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
        _frequency(view, company, employer.payroll.frequency, findings)
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
        findings.add(found.debtor_conflict(account=view.name, own=own, declared=declared))
    number = _declared_debtor(view, employer)
    if number is None:
        return None
    debtor = findings.read(lambda: view.debtor(number), _("reading the debtors of account '{account}'",
                                                          account=view.name))
    if isinstance(debtor, Failed):
        return None
    if debtor is None:
        assert view.account is not None
        findings.add(found.debtor_not_visible(view.remedies, view.model, view.name, view.account.username, number,
                                              view.tag, len(view.debtors())))
    return debtor


def _company(view: AccountView, employer: Employer, debtor: Debtor | None, findings: _Findings) -> Company | None:
    """The one company with exactly the declared name (under the debtor, when there is one)."""
    assert view.companies is not None and view.account is not None
    name = employer.nmbrs.company
    exact = view.by_name.get(name, [])
    if debtor is not None:
        in_debtor = attempt(lambda: view.companies_of_debtor(debtor))
        if isinstance(in_debtor, Failed):
            findings.fail(in_debtor, _("listing the companies of debtor {number}", number=debtor.number),
                          no_data=lambda e: found.debtor_no_access(view.remedies, view.model, str(debtor.number), e))
            if in_debtor.kind is not Kind.NOT_PERMITTED:
                return None
        else:
            matches = [c for c in in_debtor if c.name == name]
            if len(matches) == 1:
                return matches[0]
            if matches:
                findings.add(found.company_same_name_in_debtor(name=name, debtor=debtor.number, count=len(matches)))
            elif exact:
                findings.add(found.company_elsewhere(name, str(debtor.number), _debtors_of(view, exact)))
            else:
                scope = _("under debtor {number} for account '{account}'", number=debtor.number, account=view.name)
                findings.add(found.company_missing(name, scope, near_misses(name, [c.name or "" for c in in_debtor])))
            return None
    if len(exact) == 1:
        return exact[0]
    if not exact:
        scope = _("among the {count} companies account '{account}' ({username}) can see",
                  count=len(view.companies), account=view.name, username=view.account.username)
        near = near_misses(name, [c.name or "" for c in view.companies])
        findings.add(found.company_missing(name, scope, near, view.tag))
        return None
    number = _declared_debtor(view, employer)
    if number is not None:
        # A debtor is declared but could not be used to choose: a warning, not a block.
        findings.add(found.company_undecided(count=len(exact), name=name, number=number))
        return None
    mapping = attempt(view.debtors_of_companies)
    # The ambiguity is an error either way; debtors only make it clearer.
    debtor_numbers = None if isinstance(mapping, Failed) else [
        str(d.number) for c in exact for d in mapping.get(c.id, [])
    ]
    findings.add(found.company_ambiguous(name, exact, debtor_numbers))
    return None


def _debtors_of(view: AccountView, companies: list[Company]) -> list[str]:
    mapping = attempt(view.debtors_of_companies)
    if isinstance(mapping, Failed):
        return []
    return [_("debtor {number}", number=d.number) for c in companies for d in mapping.get(c.id, [])]


def _tag(view: AccountView, company: Company, debtor: Debtor | None, findings: _Findings) -> None:
    """Overarching account with a tag: the company's debtor carries it."""
    tag = view.tag
    if tag is None:
        return
    if debtor is None:
        mapping = findings.read(view.debtors_of_companies, _("finding the debtor of company '{company}'",
                                                             company=company.name))
        if isinstance(mapping, Failed):
            return
        debtors = mapping.get(company.id, [])
        if not debtors:
            findings.add(found.debtor_unlisted(company=company.name, tag=tag))
            return
        debtor = debtors[0]
    tagged = debtor
    tags = findings.read(lambda: view.debtor_tags(tagged), _("reading the tags of debtor {number}",
                                                             number=tagged.number),
                         no_data=lambda e: found.debtor_no_access(view.remedies, view.model, str(tagged.number), e))
    if isinstance(tags, Failed):
        return
    if tag not in tags:
        close = near_misses(tag, tags, limit=1)
        findings.add(found.debtor_untagged(debtor, tag, tags, close[0][0] if close else None))


def _frequency(view: AccountView, company: Company, declared: str, findings: _Findings) -> None:
    doing = _("the pay period of company '{company}'", company=company.name)
    with_period = findings.read(lambda: view.with_pay_period(company), doing, required=True)
    if isinstance(with_period, Failed):
        if with_period.kind is Kind.NOT_PERMITTED:  # in a.s.r.'s list: nmbrs.api-rights names it; say what it costs
            error = with_period.error
            findings.add(found.period_not_permitted(company=company.name, action=found.ACTION_WORDS[error.capability],
                                                    why=view.remedies.not_enabled(error.call), hint=error.hint))
        return
    findings.add(found.frequency_check(with_period, declared))


def _dgas(view: AccountView, company: Company, declared: list[Dga], findings: _Findings) -> None:
    staff = findings.read(lambda: view.employees(company), _("listing the employees of company '{company}'",
                                                             company=company.name),
                          no_data=lambda e: found.company_no_access(view.remedies, view.model, company, e),
                          required=True)  # in a.s.r.'s list: nmbrs.api-rights reports it when not permitted
    if isinstance(staff, Failed):
        return
    employees = staff.employees
    by_number = {e.number: e for e in employees}
    dgas: list[tuple[Dga, Employee]] = []
    for index, dga in enumerate(declared):
        employee = by_number.get(dga.employee_number)
        if employee is None:
            namesakes = [e for e in employees if e.name and same_person(dga.name, e.name)]
            findings.add(found.dga_missing(index, dga.name, dga.employee_number, company, namesakes, staff.caveat))
            continue
        if employee.name and not same_person(dga.name, employee.name):
            findings.add(found.dga_name(index, dga.name, employee))
        dgas.append((dga, employee))
    declared_ids = {employee.id for _, employee in dgas}
    insurance = attempt(lambda: view.insurance(company, [e.id for e in employees], declared_ids))
    if isinstance(insurance, Failed):
        findings.fail(insurance, _("reading the insurance settings of company '{company}'", company=company.name))
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
