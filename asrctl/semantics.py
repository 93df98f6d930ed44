"""Semantic and cross-file checks of declarations that already passed the JSON Schema.

What a schema cannot say: the 11-test of the loonheffingennummer, a stricter e-mail syntax,
that a referenced account exists and fits the employer, and that no employer or company is
declared twice across files.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import EMPLOYER_ID_PATTERN, Config, Employer
from .problems import Problem
from .yamlpos import Position, YamlDoc

_ELEVEN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)

# The WHATWG (HTML) definition of a valid e-mail address, plus: a dot in the domain and no
# empty parts in the local part. Deliverability is not checked (no network in validate).
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z"
)
_EMPLOYER_ID = re.compile(EMPLOYER_ID_PATTERN)


def passes_eleven_test(nine_digits: str) -> bool:
    """9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 (the check of an RSIN or BSN)."""
    if len(nine_digits) != 9 or not nine_digits.isdigit():
        return False
    total = sum(weight * int(digit) for weight, digit in zip(_ELEVEN_WEIGHTS, nine_digits))
    return total % 11 == 0 and nine_digits != "000000000"


def is_email(value: str) -> bool:
    return _EMAIL.match(value) is not None


def suggest_employer_id(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "employer"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


@dataclass(frozen=True)
class AccountInfo:
    """What employer checks need to know of an account; read from asrctl.yaml even when it is invalid."""

    name: str
    model: str | None
    debtor: str | None
    position: Position


def accounts_of(config_data: Any, doc: YamlDoc | None) -> dict[str, AccountInfo] | None:
    """The accounts declared in asrctl.yaml (best effort), or None when that is unknowable."""
    if not isinstance(config_data, dict) or not isinstance(config_data.get("accounts"), dict):
        return None
    out: dict[str, AccountInfo] = {}
    for name, raw in config_data["accounts"].items():
        raw = raw if isinstance(raw, dict) else {}
        model = raw.get("model") if isinstance(raw.get("model"), str) else None
        debtor = raw.get("debtor") if isinstance(raw.get("debtor"), str) else None
        position = doc.keys.get(f"accounts.{name}", (0, 0)) if doc else (0, 0)
        out[name] = AccountInfo(name, model, debtor, position)
    return out


class _Located:
    """Builds problems for one file at the positions of its document."""

    def __init__(self, shown: str, doc: YamlDoc) -> None:
        self.shown, self.doc = shown, doc
        self.problems: list[Problem] = []

    def at(self, path: str, *, key: bool = False) -> Position:
        table = self.doc.keys if key else self.doc.values
        return table.get(path) or self.doc.keys.get(path) or (1, 1)

    def add(self, path: str, message: str, hint: str | None, code: str, *, key: bool = False,
            severity: str = "error") -> None:
        line, col = self.at(path, key=key)
        self.problems.append(
            Problem(self.shown, line, col, "warning" if severity == "warning" else "error", message, hint, code)
        )


def config_problems(config: Config, shown: str, doc: YamlDoc) -> list[Problem]:
    out = _Located(shown, doc)
    if not is_email(config.organisation.contact_email):
        out.add("organisation.contact_email", f"'{config.organisation.contact_email}' is not a valid e-mail address",
                "write it as name@example.nl (no spaces, no double dots)", "semantic.email")
    for name, account in config.accounts.items():
        base = f"accounts.{name}"
        if not is_email(account.username):
            out.add(f"{base}.username", f"username '{account.username}' is not a valid e-mail address",
                    "the Nmbrs login is the e-mail address the user signs in with", "semantic.email")
        if account.model == "per_debtor" and account.debtor is None:
            out.add(base, f"per_debtor account '{name}' needs a debtor",
                    'add debtor: "1042" with the Nmbrs debtor number (debiteurnummer) of this master company '
                    "login, in quotes", "semantic.per-debtor-without-debtor", key=True)
        if account.model == "per_debtor" and account.tag is not None:
            out.add(f"{base}.tag", f"tag is only used by overarching accounts; account '{name}' is per_debtor",
                    "remove the tag, or use model: overarching", "semantic.tag-unused", severity="warning")
        if account.model == "overarching" and account.debtor is not None:
            out.add(f"{base}.debtor", f"debtor is only used by per_debtor accounts; account '{name}' is overarching",
                    "remove it here; declare nmbrs.debtor in the employer files that need it",
                    "semantic.debtor-unused", severity="warning")
    return out.problems


def stem_problem(stem: str, suffix: str, shown: str) -> Problem | None:
    """The file name is the employer id: lowercase letters, digits and '-', ending in .yaml."""
    if suffix != ".yaml":
        return Problem(shown, 0, 0, "error", f"employer files end in .yaml, not '{suffix or '(none)'}'",
                       f"rename it to {suggest_employer_id(stem)}.yaml", "semantic.file-name")
    if not _EMPLOYER_ID.match(stem):
        return Problem(
            shown, 0, 0, "error",
            f"file name '{stem}.yaml' is not a valid employer id: use lowercase letters, digits and '-'",
            f"rename it to {suggest_employer_id(stem)}.yaml (the file name is the employer's id in plans)",
            "semantic.file-name",
        )
    return None


def employer_problems(
    employer: Employer, shown: str, doc: YamlDoc, accounts: Mapping[str, AccountInfo] | None
) -> list[Problem]:
    out = _Located(shown, doc)
    number = employer.payroll_tax_number
    if not passes_eleven_test(number[:9]):
        out.add("payroll_tax_number",
                f"loonheffingennummer {number} fails the 11-test: its first 9 digits are not a valid RSIN/BSN",
                "check for a typo or swapped digits; copy it from the Belastingdienst's letter or the "
                "company's settings in Nmbrs", "semantic.eleven-test")
    if accounts is not None:
        name = employer.nmbrs.account
        account = accounts.get(name)
        if account is None:
            close = did_you_mean(name, accounts)
            known = ", ".join(sorted(accounts)) or "none"
            out.add("nmbrs.account", f"account '{name}' is not declared in asrctl.yaml",
                    (f"did you mean '{close}'? " if close else "") + f"accounts in asrctl.yaml: {known}",
                    "semantic.unknown-account")
        elif account.model == "per_debtor" and account.debtor and employer.nmbrs.debtor not in (None, account.debtor):
            out.add("nmbrs.debtor",
                    f"debtor '{employer.nmbrs.debtor}' differs from debtor '{account.debtor}' of per_debtor "
                    f"account '{name}'",
                    "a per_debtor login sees only its own debtor: remove debtor here, or use an account "
                    "that sees this debtor", "semantic.debtor-mismatch")
    return out.problems


@dataclass(frozen=True)
class Declared:
    """One schema-valid employer file, for the cross-file checks."""

    id: str
    shown: str
    employer: Employer
    doc: YamlDoc
    reported: bool  # problems of this file are reported (it was asked for, not only context)


def _effective_debtor(employer: Employer, accounts: Mapping[str, AccountInfo] | None) -> str | None:
    if employer.nmbrs.debtor is not None:
        return employer.nmbrs.debtor
    account = (accounts or {}).get(employer.nmbrs.account)
    return account.debtor if account and account.model == "per_debtor" else None


def cross_file_problems(declared: list[Declared], accounts: Mapping[str, AccountInfo] | None) -> list[Problem]:
    """Unique ids, payroll_tax_numbers and (account, debtor, company) across files; both sides reported."""
    problems: list[Problem] = []

    def report(groups: Mapping[Any, list[Declared]], path: str, what: Callable[[Any], str], hint: str,
               code: str) -> None:
        for key, group in groups.items():
            if len(group) < 2:
                continue
            for item in group:
                if not item.reported:
                    continue
                others = ", ".join(
                    f"{o.shown}:{o.doc.values.get(path, (0, 0))[0]}" if path else o.shown
                    for o in group if o is not item
                )
                line, col = item.doc.values.get(path, (0, 0)) if path else (0, 0)
                problems.append(
                    Problem(item.shown, line, col, "error", f"{what(key)} is also declared in {others}", hint, code)
                )

    by_id: dict[str, list[Declared]] = defaultdict(list)
    by_number: dict[str, list[Declared]] = defaultdict(list)
    by_company: dict[tuple[str, str | None, str], list[Declared]] = defaultdict(list)
    for item in declared:
        by_id[item.id].append(item)
        by_number[item.employer.payroll_tax_number].append(item)
        nmbrs = item.employer.nmbrs
        by_company[(nmbrs.account, _effective_debtor(item.employer, accounts), nmbrs.company)].append(item)

    report(by_id, "", lambda key: f"employer id '{key}'",
           "two files with the same name in different directories: rename one", "semantic.duplicate-id")
    report(by_number, "payroll_tax_number", lambda key: f"loonheffingennummer {key}",
           "one file per employer (loonheffingennummer): remove or merge the duplicate file",
           "semantic.duplicate-payroll-tax-number")
    report(by_company, "nmbrs.company",
           lambda key: f"company '{key[2]}' (account {key[0]}" + (f", debtor {key[1]})" if key[1] else ")"),
           "one employer file per Nmbrs company: remove the duplicate, or correct the company name or debtor",
           "semantic.duplicate-company")
    return problems
