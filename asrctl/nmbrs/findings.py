"""The nmbrs.* findings, worded for a payroll employee, each with where to fix it (in Nmbrs or the YAML).

Only wordings and builders live here: which finding applies is decided in account.py / employer.py.
Each wording is one `Finding` (id, severity, message and hint templates), filled per case with
`finding(name=...)`; the builders below hold only the choice between wordings. Messages speak
payroll; Nmbrs's call names, scopes and API values ("Week4") appear only in hints (issue 15).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from asrctl.checks import Check, Severity
from asrctl.declare.model import AccountModel
from asrctl.i18n import Message, _, join
from asrctl.nmbrs.errors import NmbrsError, with_detail
from asrctl.nmbrs.provider import Capability, Company, Debtor, Employee, Insurance, PayPeriod, Remedies


@dataclass(frozen=True)
class Finding:
    """One wording of an nmbrs.* finding; calling it with the template's parameters gives the Check."""

    id: str
    severity: Severity
    message: Message            # a template: `_()` of the literal, placeholders filled by __call__
    hint: Message | None = None

    def __call__(self, *, hint: str | None = None, **params: Any) -> Check:
        """The check, `params` filled in; `hint` replaces the template's hint (one the caller words)."""
        return Check(self.id, self.severity, fill(self.message, **params),
                     hint=hint if hint is not None or self.hint is None else fill(self.hint, **params))


def fill(template: Message, /, **params: Any) -> Message:
    """A template (`_()` of a literal with placeholders) filled with `params`. No plurals (N_): a plan file
    keeps the English text only, and i18n translates it back by pattern, which knows no plural forms."""
    return Message(template.msgid, params)


# The pay periods a.s.r.'s coupling connects, as the employer file's payroll.frequency names them.
FREQUENCY_OF_PERIOD: dict[PayPeriod, Literal["monthly", "four_weekly"]] = {
    PayPeriod.MONTHLY: "monthly", PayPeriod.FOUR_WEEKLY: "four_weekly",
}
# How Nmbrs runs a payroll, in the words of its Loonaangifte tijdvak.
PERIOD_WORDS: dict[PayPeriod, Message] = {
    PayPeriod.MONTHLY: _("monthly"),
    PayPeriod.FOUR_WEEKLY: _("four-weekly"),
    PayPeriod.WEEKLY: _("weekly"),
    PayPeriod.HALF_YEARLY: _("every six months"),
    PayPeriod.YEARLY: _("yearly"),
    PayPeriod.NONE: _("without a pay period"),
    PayPeriod.OTHER: _("with a pay period asrctl does not know"),
}
_FREQUENCY_WORDS = {"monthly": PERIOD_WORDS[PayPeriod.MONTHLY], "four_weekly": PERIOD_WORDS[PayPeriod.FOUR_WEEKLY]}

# What a login may not do when a read is not permitted: "account 'x' may not {action}".
ACTION_WORDS: dict[Capability | None, Message] = {
    Capability.ENVIRONMENT: _("read its Nmbrs environment"),
    Capability.LIST_COMPANIES: _("list the companies"),
    Capability.LIST_DEBTORS: _("list the debtors"),
    Capability.DEBTOR_TAGS: _("read the tags of a debtor"),
    Capability.COMPANIES_BY_DEBTOR: _("list the companies of a debtor"),
    Capability.EMPLOYEE_TYPES: _("read the employee types"),
    Capability.EMPLOYEES: _("list the employees of a company"),
    Capability.INSURANCE_BULK: _("read the insurance settings of all employees of a company at once"),
    Capability.INSURANCE_PER_EMPLOYEE: _("read the insurance settings of an employee"),
    Capability.PAY_PERIOD: _("read the pay period of a company"),
    None: _("use this read"),
}


def _login(account: str, username: str) -> Message:
    return _("account '{account}' ({username})", account=account, username=username)


def _quote(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _company_ref(company: Company) -> Message:
    return _("'{name}' (company number {number})", name=company.name, number=company.number)


def _debtor_ref(debtor: Debtor) -> Message:
    if debtor.name:
        return _("debtor {number} '{name}'", number=debtor.number, name=debtor.name)
    return _("debtor {number}", number=debtor.number)


# --- account level -------------------------------------------------------------------------------

auth_refused = Finding(
    "nmbrs.auth", "error",
    _("Nmbrs does not accept the username or API token of {login}: {reason}. The token was reset, or the user "
      "was deactivated, deleted or has left."),
)
no_token = Finding(
    "nmbrs.auth", "error",
    _("No API token was available for account '{account}', so Nmbrs could not be checked."),
    _("Set the token reference of accounts.{account}.token in asrctl.yaml ({{env: NAME}} or {{file: PATH}})."),
)
unknown_account = Finding(
    "nmbrs.auth", "error",
    _("The employer refers to account '{account}', which asrctl.yaml does not define."),
    _("Use one of the names under accounts: in asrctl.yaml for nmbrs.account."),
)
_SUBSCRIPTION_HINT = _("Contact Nmbrs support about the subscription of this environment.")
subscription_missing = Finding(
    "nmbrs.auth", "error", _("Nmbrs reports no valid subscription for the environment of {login}: {reason}."),
    _SUBSCRIPTION_HINT,
)
domain_differs = Finding(
    "nmbrs.domain", "error",
    _("Account '{account}' declares domain '{declared}', but its login belongs to Nmbrs environment {where}. "
      "a.s.r. would use the wrong domain for the coupling."),
    _("Set accounts.{account}.domain: {subdomain} in asrctl.yaml (the part after https:// and before .nmbrs in "
      "the address bar when you are logged in to Nmbrs)."),
)
rights_not_active = Finding("nmbrs.api-rights", "error", _("{headline} for {login}, {kind}."))
unreachable_while = Finding(
    "nmbrs.unreachable", "error",
    _("Nmbrs did not answer while {what}: {reason}"),
    _("Try again later; if it keeps failing, check nmbrs.endpoint in asrctl.yaml and the network."),
)
could_not_check = Finding("nmbrs.unverified", "warning", _("Could not check {what}: {reason}"))
untagged_login = Finding(
    "nmbrs.untagged", "warning",
    _("Account '{account}' ({username}) is an accountant login without a debtor tag: through it a.s.r. sees "
      "every debtor of the office, not only the employers connected to the coupling."),
    _("a.s.r.'s manual advises a tag: in Nmbrs create a tag such as 'a.s.r.', add it to the debtors of the "
      "employers to connect (Debiteur > Tags), choose it as the login's filter under {screen}, and set "
      "accounts.{account}.tag in asrctl.yaml."),
)
read_not_permitted = Finding(
    "nmbrs.optional", "note",
    _("Not checked because {login} may not {action} ({why}): {skipped}."),
)
environment_not_permitted = Finding(
    "nmbrs.unverified", "warning",
    _("The domain of account '{account}' was not checked: the login may not {action} ({why})."),
)
environment_unreported = Finding(
    "nmbrs.unverified", "warning",
    _("Nmbrs did not report the environment of account '{account}', so its domain was not checked."),
    _("Run the plan with --debug to see Nmbrs's answer, and report it to the asrctl maintainers."),
)

# The checks an optional read serves, for read_not_permitted's {skipped}.
SKIPPED_WORDS = {
    "own-debtor-visible": _("that debtor {number} is visible to the login (companies were looked up among all "
                            "companies the login sees)"),
    "debtor-visible": _("that the employer's debtor is visible to the login (companies were looked up among all "
                        "companies the login sees)"),
    "debtor-visible-tagged": _("that the employer's debtor is visible to the login and carries the tag '{tag}' "
                               "(companies were looked up among all companies the login sees)"),
    "debtor-of-company": _("which debtor holds the company (to confirm the employer's debtor)"),
    "debtor-of-company-tagged": _("which debtor holds the company (to confirm the employer's debtor or the tag "
                                  "'{tag}')"),
    "tag": _("that the employer's debtor carries the tag '{tag}'"),
    "other": _("the checks that need this read"),
}


def auth_failed(remedies: Remedies, model: AccountModel, account: str, username: str, token_source: str,
                error: NmbrsError) -> Check:
    return auth_refused(login=_login(account, username), reason=error.reason,
                        hint=with_detail(remedies.new_token(username, token_source, model), error.detail))


def no_subscription(account: str, username: str, error: NmbrsError) -> Check:
    return subscription_missing(login=_login(account, username), reason=error.reason,
                                hint=with_detail(_SUBSCRIPTION_HINT, error.detail))


def domain_mismatch(account: str, declared: str, subdomain: str, full: str | None) -> Check:
    where = f"'{subdomain}' ({full})" if full else f"'{subdomain}'"
    return domain_differs(account=account, declared=declared, where=where, subdomain=subdomain)


def rights_missing(remedies: Remedies, account: str, username: str, model: AccountModel,
                   missing: Sequence[str]) -> Check:
    """nmbrs.api-rights: the message counts the calls, the hint names them as the rights screen does."""
    kind = _("a master company login") if model == "per_debtor" else _("an accountant login")
    headline, hint = remedies.grant_required(missing, model)
    return rights_not_active(headline=headline, login=_login(account, username), kind=kind, hint=hint)


def unreachable(error: NmbrsError, what: str) -> Check:
    return unreachable_while(what=what, reason=error.message, hint=error.hint)


def request_rejected(error: NmbrsError, what: str) -> Check:
    """nmbrs.unverified: a read failed; the hint (the error's) names the call and the field."""
    return could_not_check(what=what, reason=error.message, hint=error.hint)


def untagged(account: str, username: str, logins_screen: str) -> Check:
    return untagged_login(account=account, username=username, screen=logins_screen)


# asrctl import: what the login would not let it read.
debtors_unread = Finding(
    "nmbrs.unverified", "warning",
    _("The debtors of the companies were not read, because the login may not {action} ({why}): every company the "
      "login sees is listed, without its debtor number."),
)
tags_unread = Finding(
    "nmbrs.unverified", "warning",
    _("Debtor tags were not read, because the login may not {action} ({why}): companies of debtors without the tag "
      "'{tag}' may be listed too."),
)


# --- debtor ----------------------------------------------------------------------------------------

debtor_unseen = Finding(
    "nmbrs.debtor", "error",
    _("Debtor {number} is not among the {n} debtor(s) that {login} can see."),
    _("Check the debtor number (Nmbrs: Debiteuren) in the employer file's nmbrs.debtor, and that the login's "
      "filter under {screen} includes this debtor."),
)
debtor_unseen_tagged = Finding(
    "nmbrs.debtor", "error",
    _("Debtor {number} is not among the {n} debtor(s) with tag '{tag}' that {login} can see."),
    _("Check the debtor number (Nmbrs: Debiteuren) in the employer file's nmbrs.debtor, and that the login's "
      "filter under {screen} includes this debtor (the debtor needs the tag '{tag}')."),
)
debtor_conflict = Finding(
    "nmbrs.debtor", "error",
    _("The employer declares debtor {declared}, but account '{account}' is the master company login of debtor "
      "{own}."),
    _("Use an account of debtor {declared}, or correct nmbrs.debtor in the employer file."),
)
debtor_without_tag = Finding(
    "nmbrs.debtor", "error",
    _("The {debtor} does not carry the tag '{tag}' ({has}), so the a.s.r. login's tag filter does not include it."),
    _("In Nmbrs add the tag '{tag}' to the debtor (Debiteur > Tags), or correct accounts.*.tag in asrctl.yaml."),
)
_DEBTOR_FILTER = _("Check the login's debtor filter under {screen}.")
debtor_refused = Finding("nmbrs.debtor", "error", _("The login may not read debtor {debtor} ({reason})."),
                         _DEBTOR_FILTER)
debtor_unlisted = Finding(
    "nmbrs.unverified", "warning",
    _("Could not check that the debtor of company '{company}' carries the tag '{tag}': Nmbrs lists the company "
      "under no debtor this login sees."),
)


def debtor_not_visible(remedies: Remedies, model: AccountModel, account: str, username: str, number: str,
                       tag: str | None, visible: int) -> Check:
    finding = debtor_unseen_tagged if tag else debtor_unseen
    return finding(number=number, n=visible, tag=tag, login=_login(account, username),
                   screen=remedies.login_filter(model))


def debtor_untagged(debtor: Debtor, tag: str, tags: Sequence[str], near: str | None) -> Check:
    has = _("its tags: {tags}", tags=_quote(tags)) if tags else _("it has no tags")
    if near:
        has = _("{has}; '{near}' is close but not the same", has=has, near=near)
    return debtor_without_tag(debtor=_debtor_ref(debtor), tag=tag, has=has)


def debtor_no_access(remedies: Remedies, model: AccountModel, debtor: str, error: NmbrsError) -> Check:
    screen = remedies.login_filter(model)
    return debtor_refused(debtor=debtor, reason=error.reason, hint=with_detail(fill(_DEBTOR_FILTER, screen=screen),
                                                                              error.detail))


# --- company ---------------------------------------------------------------------------------------

_EXACT_HINT = _("Copy the company name exactly as Nmbrs shows it into nmbrs.company: a.s.r. matches it letter for "
                "letter (capitals, spaces, dots and commas count).")

company_near = Finding("nmbrs.company", "error", _("No company is named exactly '{name}' {scope}: {found}."),
                       _EXACT_HINT)
company_none = Finding("nmbrs.company", "error", _("No company named '{name}' {scope}."), _EXACT_HINT)
company_none_tagged = Finding(
    "nmbrs.company", "error", _("No company named '{name}' {scope}."),
    _("Copy the company name exactly as Nmbrs shows it into nmbrs.company: a.s.r. matches it letter for letter "
      "(capitals, spaces, dots and commas count). If the company does exist in Nmbrs, its debtor may lack the tag "
      "'{tag}' this login is filtered on."),
)
company_under_other = Finding(
    "nmbrs.company", "error",
    _("Company '{name}' exists, but not under debtor {debtor} (it is under {where})."),
    _("Correct nmbrs.debtor in the employer file, or move the company to the right debtor in Nmbrs."),
)
company_not_under = Finding(
    "nmbrs.company", "error",
    _("Company '{name}' exists, but not under debtor {debtor}."),
    _("Correct nmbrs.debtor in the employer file, or move the company to the right debtor in Nmbrs."),
)
company_in_debtors = Finding(
    "nmbrs.company-ambiguous", "error",
    _("{count} companies are named '{name}' under debtors {debtors}; asrctl cannot tell which one this employer is."),
    _('Declare which one with nmbrs.debtor (the debtor number, quoted: "1042") in the employer file.'),
)
company_twice = Finding(
    "nmbrs.company-ambiguous", "error",
    _("{count} companies are named '{name}' (company numbers {numbers}); asrctl cannot tell which one this "
      "employer is."),
    _('Declare the debtor with nmbrs.debtor: "<number>" in the employer file; if the companies are under the same '
      "debtor, rename one in Nmbrs: a.s.r. tells companies apart only by name."),
)
company_same_name_in_debtor = Finding(
    "nmbrs.company-ambiguous", "error",
    _("{count} companies under debtor {debtor} are named '{name}'."),
    _("Rename one of them in Nmbrs: a.s.r. tells companies apart only by name."),
)
_COMPANY_FILTER = _("Check the login's debtor filter and company rights under {screen}.")
company_refused = Finding("nmbrs.company", "error",
                          _("The login sees company {company} but may not read its employees ({reason})."),
                          _COMPANY_FILTER)
company_undecided = Finding(
    "nmbrs.unverified", "warning",
    _("{count} companies are named '{name}'; asrctl could not tell which one is under debtor {number}, so the pay "
      "period and DGAs were not checked."),
)


def company_missing(name: str, scope: str, near: Sequence[tuple[str, str]], tag: str | None = None) -> Check:
    if near:
        found = join([_("found '{other}' — {how}", other=other, how=how) for other, how in near], "; ")
        return company_near(name=name, scope=scope, found=found)
    return (company_none_tagged if tag else company_none)(name=name, scope=scope, tag=tag)


def company_elsewhere(name: str, debtor: str, where: Sequence[str]) -> Check:
    if where:
        return company_under_other(name=name, debtor=debtor, where=join(where))
    return company_not_under(name=name, debtor=debtor)


def company_ambiguous(name: str, companies: Sequence[Company], debtors: Sequence[str] | None) -> Check:
    if debtors is not None and len(set(debtors)) > 1:
        return company_in_debtors(count=len(companies), name=name, debtors=", ".join(sorted(set(debtors))))
    return company_twice(count=len(companies), name=name, numbers=", ".join(str(c.number) for c in companies))


def company_no_access(remedies: Remedies, model: AccountModel, company: Company, error: NmbrsError) -> Check:
    screen = remedies.login_filter(model)
    return company_refused(company=_company_ref(company), reason=error.reason,
                           hint=with_detail(fill(_COMPANY_FILTER, screen=screen), error.detail))


# --- frequency -------------------------------------------------------------------------------------

period_unsupported = Finding(
    "nmbrs.frequency", "error",
    _("Nmbrs runs the payroll {period} for company {company}; a.s.r.'s coupling connects only a monthly or a "
      "four-weekly payroll."),
    _("Check the company's Loonaangifte tijdvak in Nmbrs (the API reports {label}); only a monthly or four-weekly "
      "payroll can be connected."),
)
period_differs = Finding(
    "nmbrs.frequency", "error",
    _("Nmbrs runs the payroll {period} for company {company}, but the employer file declares {declared}."),
    _("Set payroll.frequency: {actual} in the employer file, or correct the company's Loonaangifte tijdvak in "
      "Nmbrs (the API reports {label})."),
)
period_not_permitted = Finding(
    "nmbrs.unverified", "warning",
    _("Could not check the pay period of company '{company}': Nmbrs listed the company without one, and the login "
      "may not {action} ({why})."),
)


def frequency_check(company: Company, declared: str) -> Check | None:
    """nmbrs.frequency for a company whose pay period is known."""
    assert company.pay_period is not None, "ask the pay period first"
    actual = FREQUENCY_OF_PERIOD.get(company.pay_period)
    if actual == declared:
        return None
    facts = {"company": _company_ref(company), "period": PERIOD_WORDS[company.pay_period],
             "label": company.pay_period_label}
    if actual is None:
        return period_unsupported(**facts)
    return period_differs(**facts, declared=_FREQUENCY_WORDS.get(declared, declared), actual=actual)


# --- DGAs ------------------------------------------------------------------------------------------

dga_not_found = Finding(
    "nmbrs.dga", "error",
    _("DGA '{name}' has employee number {number} (medewerkersnummer), but company {company} has no employee with "
      "that number.{also}"),
    _("Check the medewerkersnummer in Nmbrs (Werknemers) and correct dga[{index}].employee_number."),
)
dga_not_found_caveat = Finding(
    "nmbrs.dga", "error",
    _("DGA '{name}' has employee number {number} (medewerkersnummer), but company {company} has no employee with "
      "that number ({caveat}).{also}"),
    _("Check the medewerkersnummer in Nmbrs (Werknemers) and correct dga[{index}].employee_number."),
)
dga_name_differs = Finding(
    "nmbrs.dga-name", "warning",
    _("Employee {number} is '{actual}' in Nmbrs, but the employer file names this DGA '{name}'."),
    _("Write the name as Nmbrs shows it in dga[{index}].name, or check the employee number (medewerkersnummer)."),
)
dga_insured_for = Finding(
    "nmbrs.dga-insured", "warning",
    _("DGA '{name}' (employee {number}) is insured for {insured} in Nmbrs; a DGA usually is not."),
    _("Check the employee's social insurance settings (SVW / Verzekeringen) in Nmbrs, or whether this person is a "
      "DGA."),
)
dga_lookalikes = Finding(
    "nmbrs.dga-undeclared", "warning",
    _("{n} employee(s) not insured for WW, ZW and WIA, as a DGA typically is, but not declared as DGA: {shown}."),
    _("If they are DGAs, add each under dga: (name and employee_number); if not, check their insurance settings in "
      "Nmbrs."),
)
dgas_not_scanned = Finding(
    "nmbrs.unverified", "warning",
    _("Undeclared DGAs were not looked for: company '{company}' has {count} employees, more than "
      "nmbrs.max_employee_scan ({limit}) to read one at a time, and {why}."),
)
insurance_unreadable = Finding(
    "nmbrs.unverified", "warning",
    _("The insurance settings of {n} employee(s) of company '{company}' could not be read, so DGAs were not judged "
      "on them: {reason}."),
)


def dga_missing(index: int, name: str, number: int, company: Company, same_name: Sequence[Employee],
                employee_type_note: str | None) -> Check:
    also = ""
    if same_name:
        listed = join([_("'{name}' as employee {number}", name=e.name, number=e.number) for e in same_name])
        also = _(" Nmbrs has {listed}.", listed=listed)
    finding = dga_not_found_caveat if employee_type_note else dga_not_found
    return finding(index=index, name=name, number=number, company=_company_ref(company), caveat=employee_type_note,
                   also=also)


def dga_name(index: int, name: str, employee: Employee) -> Check:
    return dga_name_differs(index=index, name=name, number=employee.number, actual=employee.name)


def dga_insured(name: str, employee: Employee, insurance: Insurance) -> Check:
    return dga_insured_for(name=name, number=employee.number, insured=", ".join(insurance.insured_for))


def dga_undeclared(employees: Sequence[Employee]) -> Check:
    shown: str = ", ".join(f"{e.number} '{e.name}'" for e in employees[:10])
    if len(employees) > 10:
        shown = _("{names} and {more} more", names=shown, more=len(employees) - 10)
    return dga_lookalikes(n=len(employees), shown=shown)


# Every wording above, for the tests that pin each has Dutch and speaks payroll.
FINDINGS: dict[str, Finding] = {name: value for name, value in globals().items() if isinstance(value, Finding)}
