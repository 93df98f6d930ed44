"""Semantic and cross-file checks: what a JSON Schema cannot say.

The 11-test of the loonheffingennummer, a stricter e-mail syntax, that a referenced account
exists and fits the employer, that no employer or company is declared twice across files.

The checks read the plain data (not the models) and look only at fields that already have the
schema's shape, so a file with a schema problem elsewhere still gets its semantic problems in
the same run, and no problem is reported twice (a malformed loonheffingennummer is the
schema's to report, a well-formed one failing the 11-test is ours).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from asrctl.declare.lhn import passes_eleven_test, well_formed
from asrctl.declare.model import (
    ACCOUNT_NAME_PATTERN,
    EMAIL_PATTERN,
    EMPLOYER_ID_PATTERN,
)
from asrctl.declare.problems import Problem, Severity
from asrctl.declare.todo import CODE as TODO_CODE
from asrctl.declare.todo import todo_paths, todo_problem
from asrctl.declare.yamlpos import YamlDoc
from asrctl.i18n import Message, _
from asrctl.printable import printable

# The WHATWG (HTML) definition of a valid e-mail address, plus: a dot in the domain and no
# empty parts in the local part. Deliverability is not checked (no network in validate).
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z"
)
_SCHEMA_EMAIL = re.compile(EMAIL_PATTERN)
_EMPLOYER_ID = re.compile(EMPLOYER_ID_PATTERN)
_ACCOUNT_NAME = re.compile(ACCOUNT_NAME_PATTERN)


def is_email(value: str) -> bool:
    return _EMAIL.match(value) is not None


def suggest_employer_id(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "employer"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _text(data: Any, *keys: str) -> str | None:
    """data[k1][k2]... when that is text, else None (absent or the schema's to report)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data if isinstance(data, str) else None


@dataclass(frozen=True)
class AccountInfo:
    """What employer checks need to know of an account; read from asrctl.yaml even when it is invalid."""

    name: str
    model: str | None
    debtor: str | None


def accounts_of(config_data: Any) -> dict[str, AccountInfo] | None:
    """The accounts declared in asrctl.yaml (best effort), or None when that is unknowable."""
    if not isinstance(config_data, dict) or not isinstance(config_data.get("accounts"), dict):
        return None
    return {
        name: AccountInfo(name, _text(raw, "model"), _text(raw, "debtor"))
        for name, raw in config_data["accounts"].items()
    }


class _Located:
    """Builds problems for one file at the positions of its document."""

    def __init__(self, shown: str, doc: YamlDoc) -> None:
        self.shown, self.doc = shown, doc
        self.problems: list[Problem] = []

    def add(self, path: str, message: Message, hint: Message | None, code: str, *, key: bool = False,
            severity: Severity = "error") -> None:
        table = self.doc.keys if key else self.doc.values
        line, col = table.get(path) or self.doc.keys.get(path) or (1, 1)
        self.problems.append(Problem(self.shown, line, col, severity, message, hint, code))


def _check_email(out: _Located, data: Any, path: str, what: str, hint: Message) -> None:
    value = _text(data, *path.split("."))
    if value is not None and _SCHEMA_EMAIL.match(value) and not is_email(value):
        out.add(path, _("{field} '{value}' is not a valid e-mail address", field=what, value=value), hint,
                "semantic.email")


def config_problems(data: Any, shown: str, doc: YamlDoc) -> list[Problem]:
    out = _Located(shown, doc)
    _check_email(out, data, "organisation.contact_email", "contact_email",
                 _("write it as name@example.nl (no spaces, no double dots)"))
    accounts = data.get("accounts") if isinstance(data, dict) else None
    for name, account in (accounts.items() if isinstance(accounts, dict) else ()):
        if not isinstance(account, dict):
            continue
        base = f"accounts.{name}"
        _check_email(out, data, f"{base}.username", "username",
                     _("the Nmbrs login is the e-mail address the user signs in with"))
        model = account.get("model")
        if model == "per_debtor" and "debtor" not in account:
            out.add(base, _("per_debtor account '{name}' needs a debtor", name=name),
                    _('add debtor: "1042" with the Nmbrs debtor number (debiteurnummer) of this master company '
                      "login, in quotes"), "semantic.per-debtor-without-debtor", key=True)
        if model == "per_debtor" and "tag" in account:
            out.add(f"{base}.tag", _("tag is only used by overarching accounts; account '{name}' is per_debtor",
                                     name=name),
                    _("remove the tag, or use model: overarching"), "semantic.tag-unused", severity="warning")
        if model == "overarching" and "debtor" in account:
            out.add(f"{base}.debtor", _("debtor is only used by per_debtor accounts; account '{name}' is overarching",
                                        name=name),
                    _("remove it here; declare nmbrs.debtor in the employer files that need it"),
                    "semantic.debtor-unused", severity="warning")
        _check_rest(out, data, name, account)
    return out.problems


def _check_rest(out: _Located, data: dict[str, Any], name: str, account: dict[str, Any]) -> None:
    """An `api: rest` account needs the office's REST app (nmbrs.rest) and a grant file to keep its consent."""
    base = f"accounts.{name}"
    if account.get("api") == "rest":
        nmbrs = data.get("nmbrs")
        if isinstance(nmbrs, dict) and "rest" not in nmbrs:
            out.add(f"{base}.api", _("account '{name}' reads Nmbrs over REST, but asrctl.yaml has no nmbrs.rest",
                                     name=name),
                    _("add nmbrs.rest with the client_id, client_secret and subscription_key of the office's app "
                      "in the Nmbrs developer portal (see docs/operator-guide.md)"), "semantic.rest-without-app")
        if "grant" not in account:
            out.add(base, _("REST account '{name}' needs a grant file to keep its consent", name=name),
                    _("add grant: {{file: .asrctl/grants/{name}.json}} and run `asrctl login {name}`", name=name),
                    "semantic.rest-without-grant", key=True)
    # A grant on a SOAP account is the first step of switching (`asrctl login` before `api: rest`): no warning.


def stem_problem(stem: str, suffix: str, shown: str) -> Problem | None:
    """The file name is the employer id: lowercase letters, digits and '-', ending in .yaml."""
    if suffix != ".yaml":
        return Problem(shown, 0, 0, "error", _("employer files end in .yaml, not '{suffix}'",
                                                 suffix=printable(suffix) or _("(none)")),
                       _("rename it to {name}.yaml", name=suggest_employer_id(stem)), "semantic.file-name")
    if not _EMPLOYER_ID.match(stem):
        return Problem(
            shown, 0, 0, "error",
            _("file name '{stem}.yaml' is not a valid employer id: use lowercase letters, digits and '-'",
              stem=printable(stem)),
            _("rename it to {name}.yaml (the file name is the employer's id in plans)",
              name=suggest_employer_id(stem)),
            "semantic.file-name",
        )
    return None


def employer_problems(data: Any, shown: str, doc: YamlDoc, accounts: Mapping[str, AccountInfo] | None
                      ) -> list[Problem]:
    out = _Located(shown, doc)
    for todo in todo_paths(data):  # placeholders `asrctl import` leaves: "<field> is still TODO: ..."
        out.add(*todo_problem(todo), TODO_CODE)
    number = _text(data, "payroll_tax_number")
    if number is not None and well_formed(number) and not passes_eleven_test(number[:9]):
        out.add("payroll_tax_number",
                _("loonheffingennummer {number} fails the 11-test: its first 9 digits are not a valid RSIN/BSN",
                  number=number),
                _("check for a typo or swapped digits; copy it from the Belastingdienst's letter or the "
                  "company's settings in Nmbrs"), "semantic.eleven-test")
    name = _text(data, "nmbrs", "account")
    if accounts is None or name is None or not _ACCOUNT_NAME.match(name):
        return out.problems
    account = accounts.get(name)
    debtor = _text(data, "nmbrs", "debtor")
    if account is None:
        close = did_you_mean(name, accounts)
        known = ", ".join(sorted(accounts)) or _("none")
        listed = _("accounts in asrctl.yaml: {names}", names=known)
        out.add("nmbrs.account", _("account '{name}' is not declared in asrctl.yaml", name=name),
                _("did you mean '{close}'? {more}", close=close, more=listed) if close else listed,
                "semantic.unknown-account")
    elif account.model == "per_debtor" and account.debtor and debtor not in (None, account.debtor):
        out.add("nmbrs.debtor",
                _("debtor '{debtor}' differs from debtor '{own}' of per_debtor account '{name}'",
                  debtor=debtor, own=account.debtor, name=name),
                _("a per_debtor login sees only its own debtor: remove debtor here, or use an account "
                  "that sees this debtor"), "semantic.debtor-mismatch")
    return out.problems


@dataclass(frozen=True)
class Declared:
    """One employer file that could be read, for the cross-file checks."""

    id: str
    shown: str
    doc: YamlDoc
    reported: bool  # problems of this file are reported (it was asked for, not only context)


def cross_file_problems(declared: list[Declared], accounts: Mapping[str, AccountInfo] | None) -> list[Problem]:
    """Unique ids, payroll_tax_numbers and (account, debtor, company) across files; each side reported."""
    problems: list[Problem] = []

    def report(groups: Mapping[Any, list[Declared]], path: str, what: Callable[[Any], Message], hint: Message,
               code: str) -> None:
        for key, group in groups.items():
            for item in group if len(group) > 1 else ():
                if not item.reported:
                    continue
                others = ", ".join(
                    f"{o.shown}:{o.doc.values.get(path, (0, 0))[0]}" if path else o.shown
                    for o in group if o is not item
                )
                line, col = item.doc.values.get(path, (0, 0)) if path else (0, 0)
                problems.append(
                    Problem(item.shown, line, col, "error", _("{what} is also declared in {others}", what=what(key),
                                                              others=others), hint, code)
                )

    by_id: dict[str, list[Declared]] = defaultdict(list)
    by_number: dict[str, list[Declared]] = defaultdict(list)
    by_company: dict[tuple[str, str | None, str], list[Declared]] = defaultdict(list)
    for item in declared:
        data = item.doc.data
        by_id[item.id].append(item)
        number = _text(data, "payroll_tax_number")
        if number is not None and well_formed(number):
            by_number[number].append(item)
        account, company = _text(data, "nmbrs", "account"), _text(data, "nmbrs", "company")
        if account is not None and company:
            info = (accounts or {}).get(account)
            implied = info.debtor if info and info.model == "per_debtor" else None
            by_company[(account, _text(data, "nmbrs", "debtor") or implied, company)].append(item)

    report(by_id, "", lambda key: _("employer id '{id}'", id=key),
           _("two files with the same name in different directories: rename one"), "semantic.duplicate-id")
    report(by_number, "payroll_tax_number", lambda key: _("loonheffingennummer {number}", number=key),
           _("one file per employer (loonheffingennummer): remove or merge the duplicate file"),
           "semantic.duplicate-payroll-tax-number")
    report(by_company, "nmbrs.company",
           lambda key: _("company '{company}' (account {account}, debtor {debtor})", company=key[2], account=key[0],
                         debtor=key[1]) if key[1] else
           _("company '{company}' (account {account})", company=key[2], account=key[0]),
           _("one employer file per Nmbrs company: remove the duplicate, or correct the company name or debtor"),
           "semantic.duplicate-company")
    return problems
