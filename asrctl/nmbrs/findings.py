"""The nmbrs.* findings, worded for a payroll employee, each with where to fix it (in Nmbrs or the YAML).

Only builders live here: which finding applies is decided in account.py / employer.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from asrctl.checks import Check
from asrctl.declare.model import AccountModel
from asrctl.nmbrs.errors import NmbrsError
from asrctl.nmbrs.provider import Company, Debtor, Employee, Insurance, PayPeriod, Remedies

# The pay periods a.s.r.'s coupling connects, as the employer file's payroll.frequency names them.
FREQUENCY_OF_PERIOD: dict[PayPeriod, Literal["monthly", "four_weekly"]] = {
    PayPeriod.MONTHLY: "monthly", PayPeriod.FOUR_WEEKLY: "four_weekly",
}
_PERIOD_WORDS = {
    PayPeriod.MONTHLY: "monthly",
    PayPeriod.FOUR_WEEKLY: "four-weekly",
    PayPeriod.WEEKLY: "weekly",
    PayPeriod.HALF_YEARLY: "every six months",
    PayPeriod.YEARLY: "yearly",
    PayPeriod.NONE: "no pay period",
    PayPeriod.OTHER: "an unknown pay period",
}
_FREQUENCY_WORDS = {"monthly": "monthly", "four_weekly": "four-weekly"}


def _login(account: str, username: str) -> str:
    return f"account '{account}' ({username})"


def _quote(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _company_ref(company: Company) -> str:
    return f"'{company.name}' (company number {company.number})"


def _debtor_ref(debtor: Debtor) -> str:
    return f"debtor {debtor.number} '{debtor.name}'" if debtor.name else f"debtor {debtor.number}"


# --- account level -------------------------------------------------------------------------------


def auth_failed(remedies: Remedies, model: AccountModel, account: str, username: str, token_source: str,
                error: NmbrsError) -> Check:
    return Check(
        "nmbrs.auth",
        "error",
        f"Nmbrs does not accept the username or API token of {_login(account, username)} "
        f"({error.reason}): the token was reset, or the user was deactivated, deleted or has left.",
        hint=remedies.new_token(username, token_source, model),
    )


def no_token(account: str) -> Check:
    return Check(
        "nmbrs.auth",
        "error",
        f"No API token was available for account '{account}', so Nmbrs could not be checked.",
        hint=f"Set the token reference of accounts.{account}.token in asrctl.yaml ({{env: NAME}} or {{file: PATH}}).",
    )


def unknown_account(account: str) -> Check:
    return Check(
        "nmbrs.auth",
        "error",
        f"The employer refers to account '{account}', which asrctl.yaml does not define.",
        hint="Use one of the names under accounts: in asrctl.yaml for nmbrs.account.",
    )


def no_subscription(account: str, username: str, error: NmbrsError) -> Check:
    return Check(
        "nmbrs.auth",
        "error",
        f"Nmbrs reports no valid subscription for the environment of {_login(account, username)} ({error.reason}).",
        hint="Contact Nmbrs support about the subscription of this environment.",
    )


def domain_mismatch(account: str, declared: str, subdomain: str, full: str | None) -> Check:
    where = f"'{subdomain}' ({full})" if full else f"'{subdomain}'"
    return Check(
        "nmbrs.domain",
        "error",
        f"Account '{account}' declares domain '{declared}', but its login belongs to Nmbrs environment {where}. "
        "a.s.r. would use the wrong domain for the coupling.",
        hint=(
            f"Set accounts.{account}.domain: {subdomain} in asrctl.yaml (the part after https:// and before "
            ".nmbrs in the address bar when you are logged in to Nmbrs)."
        ),
    )


def rights_missing(remedies: Remedies, account: str, username: str, model: AccountModel,
                   missing: Sequence[str]) -> Check:
    kind = "a master company login" if model == "per_debtor" else "an accountant login"
    headline, listing, hint = remedies.grant_required(missing, model)
    return Check("nmbrs.api-rights", "error", f"{headline} for {_login(account, username)}, {kind}: {listing}.",
                 hint=hint)


def unreachable(error: NmbrsError, what: str) -> Check:
    return Check(
        "nmbrs.unreachable",
        "error",
        f"Nmbrs did not answer while {what}: {error.message}",
        hint=error.hint
        or "Try again later; if it keeps failing, check nmbrs.endpoint in asrctl.yaml and the network.",
    )


def unverified(message: str, *, hint: str | None = None) -> Check:
    return Check("nmbrs.unverified", "warning", message, hint=hint)


def optional(message: str, hint: str) -> Check:
    """A check a login set up exactly by a.s.r.'s manual cannot make: a note, not a warning."""
    return Check("nmbrs.optional", "note", message, hint=hint)


def untagged(account: str, username: str, logins_screen: str) -> Check:
    return Check(
        "nmbrs.untagged",
        "warning",
        f"{_login(account, username).capitalize()} is an accountant login without a debtor tag: through it "
        "a.s.r. sees every debtor of the office, not only the employers connected to the coupling.",
        hint=(
            "a.s.r.'s manual advises a tag: in Nmbrs create a tag such as 'a.s.r.', add it to the debtors of the "
            f"employers to connect (Debiteur > Tags), choose it as the login's filter under {logins_screen}, and "
            f"set accounts.{account}.tag in asrctl.yaml."
        ),
    )


def request_rejected(error: NmbrsError, what: str) -> Check:
    return unverified(f"Could not check {what}: {error.message}", hint=error.hint)


# --- debtor ----------------------------------------------------------------------------------------


def debtor_not_visible(remedies: Remedies, model: AccountModel, account: str, username: str, number: str,
                       tag: str | None, visible: int) -> Check:
    scope = f" with tag '{tag}'" if tag else ""
    return Check(
        "nmbrs.debtor",
        "error",
        f"Debtor {number} is not among the {visible} debtor(s){scope} that {_login(account, username)} can see.",
        hint=(
            "Check the debtor number (Nmbrs: Debiteuren) in the employer file's nmbrs.debtor, and that the "
            f"login's filter under {remedies.login_filter(model)} includes this debtor"
            + (f" (the debtor needs the tag '{tag}')." if tag else ".")
        ),
    )


def debtor_conflict(account: str, account_debtor: str, declared: str) -> Check:
    return Check(
        "nmbrs.debtor",
        "error",
        f"The employer declares debtor {declared}, but account '{account}' is the master company login "
        f"of debtor {account_debtor}.",
        hint=f"Use an account of debtor {declared}, or correct nmbrs.debtor in the employer file.",
    )


def debtor_untagged(debtor: Debtor, tag: str, tags: Sequence[str], near: str | None) -> Check:
    has = f"its tags: {_quote(tags)}" if tags else "it has no tags"
    close = f"; '{near}' is close but not the same" if near else ""
    return Check(
        "nmbrs.debtor",
        "error",
        f"{_debtor_ref(debtor).capitalize()} does not carry the tag '{tag}' ({has}{close}), so the "
        "a.s.r. login's tag filter does not include it.",
        hint=f"In Nmbrs add the tag '{tag}' to the debtor (Debiteur > Tags), or correct accounts.*.tag in asrctl.yaml.",
    )


def debtor_no_access(remedies: Remedies, model: AccountModel, debtor: str, error: NmbrsError) -> Check:
    return Check(
        "nmbrs.debtor",
        "error",
        f"The login may not read debtor {debtor} ({error.reason}).",
        hint=f"Check the login's debtor filter under {remedies.login_filter(model)}.",
    )


# --- company ---------------------------------------------------------------------------------------

_EXACT_HINT = (
    "Copy the company name exactly as Nmbrs shows it into nmbrs.company: a.s.r. matches it letter for "
    "letter (capitals, spaces, dots and commas count)."
)


def company_missing(name: str, scope: str, near: Sequence[tuple[str, str]], tag: str | None = None) -> Check:
    if near:
        found = "; ".join(f"found '{other}' — {how}" for other, how in near)
        message = f"No company is named exactly '{name}' {scope}: {found}."
    else:
        message = f"No company named '{name}' {scope}."
    hint = _EXACT_HINT
    if tag and not near:
        hint += f" If the company does exist in Nmbrs, its debtor may lack the tag '{tag}' this login is filtered on."
    return Check("nmbrs.company", "error", message, hint=hint)


def company_elsewhere(name: str, debtor: str, where: Sequence[str]) -> Check:
    located = f" (it is under {', '.join(where)})" if where else ""
    return Check(
        "nmbrs.company",
        "error",
        f"Company '{name}' exists, but not under debtor {debtor}{located}.",
        hint="Correct nmbrs.debtor in the employer file, or move the company to the right debtor in Nmbrs.",
    )


def company_ambiguous(name: str, companies: Sequence[Company], debtors: Sequence[str] | None) -> Check:
    if debtors is not None and len(set(debtors)) > 1:
        where = f"under debtors {', '.join(sorted(set(debtors)))}"
        hint = 'Declare which one with nmbrs.debtor (the debtor number, quoted: "1042") in the employer file.'
    else:
        numbers = ", ".join(str(c.number) for c in companies)
        where = f"(company numbers {numbers})"
        hint = (
            'Declare the debtor with nmbrs.debtor: "<number>" in the employer file; if the companies are under '
            "the same debtor, rename one in Nmbrs: a.s.r. tells companies apart only by name."
        )
    return Check(
        "nmbrs.company-ambiguous",
        "error",
        f"{len(companies)} companies are named '{name}' {where}; asrctl cannot tell which one this employer is.",
        hint=hint,
    )


def company_same_name_in_debtor(name: str, debtor: str, count: int) -> Check:
    return Check(
        "nmbrs.company-ambiguous",
        "error",
        f"{count} companies under debtor {debtor} are named '{name}'.",
        hint="Rename one of them in Nmbrs: a.s.r. tells companies apart only by name.",
    )


def company_no_access(remedies: Remedies, model: AccountModel, company: Company, error: NmbrsError) -> Check:
    return Check(
        "nmbrs.company",
        "error",
        f"The login sees company {_company_ref(company)} but may not read its employees ({error.reason}).",
        hint=f"Check the login's debtor filter and company rights under {remedies.login_filter(model)}.",
    )


# --- frequency -------------------------------------------------------------------------------------


def _period(company: Company) -> str:
    assert company.pay_period is not None
    return f"{_PERIOD_WORDS[company.pay_period]} ({company.pay_period_label})"


def frequency_check(company: Company, declared: str) -> Check | None:
    """nmbrs.frequency for a company whose pay period is known."""
    assert company.pay_period is not None, "ask the pay period first"
    actual = FREQUENCY_OF_PERIOD.get(company.pay_period)
    if actual == declared:
        return None
    if actual is None:
        return Check(
            "nmbrs.frequency",
            "error",
            f"Company {_company_ref(company)} has pay period {_period(company)} in Nmbrs; "
            "a.s.r.'s coupling supports only monthly (Month) and four-weekly (Week4) payrolls.",
            hint="Check the company's Loonaangifte tijdvak in Nmbrs; only a monthly or four-weekly payroll can be connected.",
        )
    return Check(
        "nmbrs.frequency",
        "error",
        f"Nmbrs runs the payroll of {_company_ref(company)} {_period(company)}, but the employer file "
        f"declares {_FREQUENCY_WORDS.get(declared, declared)}.",
        hint=f"Set payroll.frequency: {actual} in the employer file, or correct the company's Loonaangifte tijdvak in Nmbrs.",
    )


# --- DGAs ------------------------------------------------------------------------------------------


def dga_missing(index: int, name: str, number: int, company: Company, same_name: Sequence[Employee],
                employee_type_note: str | None) -> Check:
    also = ""
    if same_name:
        also = " Nmbrs has " + ", ".join(f"'{e.name}' as employee {e.number}" for e in same_name) + "."
    note = f" ({employee_type_note})" if employee_type_note else ""
    return Check(
        "nmbrs.dga",
        "error",
        f"DGA '{name}' has employee number {number} (medewerkersnummer), but company {_company_ref(company)} "
        f"has no employee with that number{note}.{also}",
        hint=f"Check the medewerkersnummer in Nmbrs (Werknemers) and correct dga[{index}].employee_number.",
    )


def dga_name(index: int, name: str, employee: Employee) -> Check:
    return Check(
        "nmbrs.dga-name",
        "warning",
        f"Employee {employee.number} is '{employee.name}' in Nmbrs, but the employer file names this DGA '{name}'.",
        hint=f"Write the name as Nmbrs shows it in dga[{index}].name, or check the employee number (medewerkersnummer).",
    )


def dga_insured(name: str, employee: Employee, insurance: Insurance) -> Check:
    return Check(
        "nmbrs.dga-insured",
        "warning",
        f"DGA '{name}' (employee {employee.number}) is insured for {', '.join(insurance.insured_for)} in Nmbrs; "
        "a DGA usually is not.",
        hint="Check the employee's social insurance settings (SVW / Verzekeringen) in Nmbrs, or whether this person is a DGA.",
    )


def dga_undeclared(employees: Sequence[Employee]) -> Check:
    shown = ", ".join(f"{e.number} '{e.name}'" for e in employees[:10])
    more = f" and {len(employees) - 10} more" if len(employees) > 10 else ""
    return Check(
        "nmbrs.dga-undeclared",
        "warning",
        f"{len(employees)} employee(s) are not insured for WW, ZW and WIA, as a DGA typically is, but are not "
        f"declared as DGA: {shown}{more}.",
        hint="If they are DGAs, add each under dga: (name and employee_number); if not, check their insurance settings in Nmbrs.",
    )
