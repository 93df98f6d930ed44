"""`asrctl import`: employer files for what one Nmbrs login and the a.s.r. registry already hold.

Sources, per field:
- registered companies (this office's registrations made with the login's username): every
  value from the registry — so plan afterwards shows no change for them; a withdrawn
  registration of a company Nmbrs still holds is written as `state: withdrawn`;
- companies not registered yet: the company name, debtor (only where the name is ambiguous)
  and frequency from Nmbrs, DGA candidates (employees not insured for WW, ZW and WIA) where
  Nmbrs lets us look; the rest is `TODO` with a comment (asrctl/todo.py): validate then names
  each TODO until someone fills it in.

Files are written with ruamel.yaml round-trip (comments kept). An existing file is never
overwritten without `force`; with it, the file is updated in place: its comments and any value
it has where import only knows TODO are kept, and every value that changes is reported (old →
new). A company already declared in another file is never written again; a new file that
nearly repeats one (a company name differing in case or a dot, the same name under another
login, a file name taken by another company) is written with a warning naming that file.
`Selection` (--company, --debtor) limits what is read and written; a filter that matches
nothing is an error with the near misses, before anything is written.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from asrctl.declare.model import Config
from asrctl.declare.todo import TODO, is_todo, todo_paths
from asrctl.errors import ConfigError
from asrctl.i18n import _
from asrctl.nmbrs.discover import DiscoveredCompany, Discovery
from asrctl.nmbrs.names import describe_difference, near_misses
from asrctl.plan.make import describe_status
from asrctl.printable import printable
from asrctl.registry.models import Registration

SCHEMA_FILE = "schemas/employer.schema.json"
_LEGAL_FORMS = {"b-v", "bv", "n-v", "nv", "v-o-f", "vof", "c-v", "cv"}
_COMMENT_COLUMN = 36
_UNREADABLE = (YAMLError, OSError, UnicodeDecodeError, ValueError)

Outcome = Literal["written", "updated", "exists", "declared", "elsewhere"]
EMPLOYERS_SCHEMA_REF = "../schemas/employer.schema.json"  # from employers/, where imported files belong


@dataclass
class Draft:
    """One employer file to write: values in file order, end-of-line comments by dotted key."""

    stem: str
    company: str
    values: dict[str, Any]
    comments: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    registration: Registration | None = None
    elsewhere: str | None = None  # registered by this office with another Nmbrs login: that account's to import

    @property
    def todos(self) -> list[str]:
        out: list[str] = []

        def walk(node: Any, path: str) -> None:
            if is_todo(node):
                out.append(path)
            elif isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{path}.{key}" if path else key)

        walk(self.values, "")
        return out

    @property
    def payroll_tax_number(self) -> str | None:
        number = self.values.get("payroll_tax_number")
        return None if is_todo(number) else number


@dataclass(frozen=True)
class Change:
    """A value --force changed in an existing file (dotted path, before, after)."""

    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_shown(self.before)} → {_shown(self.after)}"


def _shown(value: Any) -> str:
    """A value as it reads in YAML, on one line."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class FileResult:
    path: Path
    company: str
    outcome: Outcome
    detail: str
    changes: tuple[Change, ...] = ()  # updated: every value that differs from what the file held
    warnings: tuple[str, ...] = ()  # near misses of files already declared


@dataclass(frozen=True)
class Selection:
    """`--company` / `--debtor`: which companies import writes (each list: any of; both: and). Empty: all."""

    companies: tuple[str, ...] = ()
    debtors: tuple[str, ...] = ()

    def keeps(self, name: str, debtor: str | None) -> bool:
        if self.companies and name not in self.companies:
            return False
        return not self.debtors or (debtor is not None and debtor.strip() in self.debtors)

    def check(self, drafts: Sequence[Draft], discovery: Discovery) -> None:
        """ConfigError (nothing written) when a --company or --debtor matched nothing, with near misses."""
        chosen = {d.company for d in drafts}
        others = [name for name, _debtor in discovery.left_out]
        for name in self.companies:
            if name in chosen:
                continue
            if name in others:  # in scope, but not under the --debtor given
                debtor = next(d for n, d in discovery.left_out if n == name)
                raise ConfigError(_("--company '{name}' is under debtor {debtor}, not under --debtor {given}",
                                    name=printable(name), debtor=printable(debtor) if debtor else _("(unknown)"),
                                    given=printable(", ".join(self.debtors))),
                                  hint=_("drop --debtor or give the company's debtor"))
            misses = near_misses(name, [*others, *chosen])
            hint = (_("did you mean {names}", names=printable(" or ".join(f"'{n}' ({how})" for n, how in misses)))
                    if misses else _("give the name exactly as Nmbrs shows it (case, spaces, dots and commas count)"))
            raise ConfigError(_("--company '{name}': account '{account}' sees no company of that name in Nmbrs",
                                name=printable(name), account=discovery.account), hint=hint)
        seen = {d for _name, d in discovery.left_out} | {c.debtor_number for c in discovery.companies}
        for debtor in self.debtors:
            if debtor in seen:
                continue
            if seen == {None}:
                raise ConfigError(_("--debtor {debtor}: Nmbrs did not tell which debtor each company of account "
                                    "'{account}' is under", debtor=printable(debtor), account=discovery.account),
                                  hint=_("use --company NAME instead"))
            known = ", ".join(sorted(d for d in seen if d))
            raise ConfigError(_("--debtor {debtor}: account '{account}' sees no company under that debtor in Nmbrs",
                                debtor=printable(debtor), account=discovery.account),
                              hint=_("the debtors it sees: {debtors}", debtors=printable(known)) if known else
                              _("the debtors it sees: none"))


# --- names ---------------------------------------------------------------------------------------


def slug(name: str) -> str:
    """An employer id from a company name: ascii, lowercase, [a-z0-9-], legal form dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace(".", "-")).strip("-")
    parts = words.split("-") if words else []
    # Drop a trailing legal form ("B.V." → "b-v"), when something is left.
    text = "-".join(parts)
    for form in sorted(_LEGAL_FORMS, key=len, reverse=True):
        if text.endswith("-" + form) and len(text) > len(form) + 1:
            text = text[: -len(form) - 1]
            break
    return text.strip("-") or "employer"


# --- what is already declared ----------------------------------------------------------------------


@dataclass
class Declared:
    """Employer files already on disk: by loonheffingennummer and by (account, company)."""

    by_number: dict[str, Path] = field(default_factory=dict)
    by_company: dict[tuple[str, str], Path] = field(default_factory=dict)
    by_name: dict[str, Path] = field(default_factory=dict)  # company name, under any account
    stems: dict[Path, set[str]] = field(default_factory=dict)  # directory -> stems taken
    company_of: dict[Path, str] = field(default_factory=dict)  # file -> the company it declares

    def owner(self, draft: Draft, account: str) -> Path | None:
        number = draft.payroll_tax_number
        if number is not None and number in self.by_number:
            return self.by_number[number]
        found = self.by_company.get((account, draft.company))
        if found is None and draft.registration is None:
            # Not registered: the same company may be declared through another login of this office.
            found = self.by_name.get(draft.company)
        return found

    def near_misses(self, draft: Draft, stem: str, directory: Path) -> list[str]:
        """Why a new file for `draft` may declare an employer already declared (each a warning)."""
        out: list[str] = []
        for path, name in self.company_of.items():
            how = describe_difference(draft.company, name)
            if how is not None:
                out.append(_("{file} declares '{name}', nearly '{company}' ({how}): if both mean one company, keep "
                             "one file with the name exactly as Nmbrs shows it", file=shown_path(path), name=name,
                             company=draft.company, how=how))
            elif name == draft.company:  # the same name through another login of this office
                out.append(_("{file} declares '{name}' too, with another account: one employer is registered once; "
                             "keep one of the files", file=shown_path(path), name=name))
        if stem != draft.stem and draft.stem in self.stems.get(directory.resolve(), set()):  # not just this run's
            taken = directory.resolve() / f"{draft.stem}.yaml"
            other = self.company_of.get(taken)
            out.append(_("written as {stem}.yaml: {taken}.yaml is taken (it declares '{other}')", stem=stem,
                         taken=draft.stem, other=other) if other else
                       _("written as {stem}.yaml: {taken}.yaml is taken", stem=stem, taken=draft.stem))
        return out


def scan_declared(directories: Iterable[Path]) -> Declared:
    """Read what the employer files in `directories` declare; unreadable files only take their name."""
    reader = YAML(typ="safe", pure=True)
    found = Declared()
    for directory in dict.fromkeys(d.resolve() for d in directories):
        stems = found.stems.setdefault(directory, set())
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.yaml")):
            stems.add(path.stem)
            try:
                data = reader.load(path.read_text(encoding="utf-8"))
            except _UNREADABLE:  # a broken file is validate's to report; its name is still taken
                data = None
            if not isinstance(data, dict):
                continue
            number = data.get("payroll_tax_number")
            if isinstance(number, str) and not is_todo(number):
                found.by_number.setdefault(number, path)
            nmbrs = data.get("nmbrs")
            if isinstance(nmbrs, dict) and isinstance(nmbrs.get("account"), str) and isinstance(
                nmbrs.get("company"), str
            ):
                found.by_company.setdefault((nmbrs["account"], nmbrs["company"]), path)
                found.by_name.setdefault(nmbrs["company"], path)
                found.company_of[path] = nmbrs["company"]
    return found


# --- drafts ---------------------------------------------------------------------------------------


def build_drafts(
    config: Config, account_name: str, discovery: Discovery, registrations: Sequence[Registration],
    selection: Selection | None = None,
) -> list[Draft]:
    """One draft per company the login sees, plus registrations of this login Nmbrs no longer shows.

    With a selection, only the companies it keeps (discovery was limited by it too); a registration
    Nmbrs no longer shows has no debtor, so --debtor leaves it out.
    """
    selection = selection or Selection()
    account = config.accounts.get(account_name)
    if account is None:
        raise ConfigError(_("asrctl.yaml has no account '{account}'", account=account_name),
                          hint=_("use one of: {accounts}", accounts=", ".join(sorted(config.accounts))))
    username = account.username.casefold()
    mine = [r for r in registrations if r.nmbrs.username.casefold() == username]
    by_company: dict[str, list[Registration]] = {}
    for reg in mine:
        by_company.setdefault(reg.nmbrs.company_name, []).append(reg)
    others = {r.nmbrs.company_name: r for r in registrations
              if r.nmbrs.username.casefold() != username and r.status != "withdrawn"}
    account_of = {a.username.casefold(): name for name, a in config.accounts.items()}
    names = Counter(c.name for c in discovery.companies)

    drafts: list[Draft] = []
    seen: set[str] = set()
    for company in discovery.companies:
        if not company.name:
            continue
        regs = by_company.get(company.name, [])
        # Prefer a live registration over a withdrawn one when a name was registered twice.
        match = min(regs, key=lambda r: (r.status == "withdrawn", r.payroll_tax_number)) if regs else None
        if match is not None:
            seen.add(match.payroll_tax_number)
        if not selection.keeps(company.name, company.debtor_number):
            continue
        ambiguous = account.model == "overarching" and (names[company.name] > 1 or company.name in discovery.ambiguous)
        draft = _draft(account_name, company.name, company, match, ambiguous)
        other = others.get(company.name) if match is None else None
        if other is not None:
            owner = account_of.get(other.nmbrs.username.casefold())
            facts = {"number": other.payroll_tax_number, "login": other.nmbrs.username}
            draft.elsewhere = (
                _("registered ({number}) with Nmbrs login {login}; run `asrctl import --account {owner}`", owner=owner,
                  **facts) if owner else
                _("registered ({number}) with Nmbrs login {login}, which no account in asrctl.yaml uses", **facts))
        drafts.append(draft)
    for reg in sorted(mine, key=lambda r: r.payroll_tax_number):
        if reg.payroll_tax_number in seen or reg.status == "withdrawn":
            continue
        if not selection.keeps(reg.nmbrs.company_name, None):
            continue
        drafts.append(_draft(account_name, reg.nmbrs.company_name, None, reg, False))
    return drafts


def _draft(account_name: str, name: str, company: DiscoveredCompany | None, reg: Registration | None,
           ambiguous: bool) -> Draft:
    comments: dict[str, str] = {}
    nmbrs: dict[str, Any] = {"account": account_name}
    if ambiguous and company is not None:
        if company.debtor_number:
            nmbrs["debtor"] = company.debtor_number
            comments["nmbrs.debtor"] = "the company name exists under several debtors"
        else:
            nmbrs["debtor"] = TODO
            comments["nmbrs.debtor"] = "TODO: the name exists under several debtors; which one is it?"
    nmbrs["company"] = name
    comments["nmbrs.company"] = "literal Nmbrs company name"
    header: list[str] = []
    if company is not None:
        where = f"company {company.number}" + (f", debtor {company.debtor_number}" if company.debtor_number else "")
        header.append(f"Nmbrs: {where}")
    else:
        comments["nmbrs.company"] = "not among the companies this login sees in Nmbrs: check the name"

    if reg is not None:
        header.append("a.s.r. registry: " + describe_status(reg.status, reg.status_detail, reg.first_exchange_date))
        values: dict[str, Any] = {
            "contract_number": reg.contract_number,
            "payroll_tax_number": reg.payroll_tax_number,
            "nmbrs": nmbrs,
            "payroll": {"frequency": reg.payroll.frequency, "thirteenth_month": reg.payroll.thirteenth_month},
            "dga": [{"name": d.name, "employee_number": d.employee_number} for d in reg.dga],
            "state": "withdrawn" if reg.status == "withdrawn" else "active",
        }
        comments["contract_number"] = "raamwerkcontractnummer (from the a.s.r. registry)"
        comments["payroll_tax_number"] = "loonheffingennummer (from the a.s.r. registry)"
        if company is not None and company.frequency not in (None, reg.payroll.frequency):
            comments["payroll.frequency"] = f"Nmbrs says {company.frequency} ({company.pay_period}): check"
        if reg.status == "withdrawn":
            comments["state"] = "the registration is withdrawn (afgemeld) at a.s.r."
        return Draft(slug(name), name, values, comments, header, reg)

    header.append("a.s.r. registry: not registered")
    frequency: str = company.frequency if company is not None and company.frequency else TODO
    if frequency == TODO:
        period = company.pay_period if company is not None else None
        comments["payroll.frequency"] = (
            f"TODO: Nmbrs pays this company per {period}; a.s.r. connects monthly or four_weekly payrolls"
        )
    values = {
        "contract_number": TODO,
        "payroll_tax_number": TODO,
        "nmbrs": nmbrs,
        "payroll": {"frequency": frequency, "thirteenth_month": TODO},
        "dga": _dgas(company, comments),
        "state": "active",
    }
    comments["contract_number"] = "TODO: raamwerkcontractnummer of the employer's a.s.r. policy"
    comments["payroll_tax_number"] = "TODO: loonheffingennummer, e.g. 123456782L01 (Nmbrs does not list it)"
    comments["payroll.thirteenth_month"] = "TODO: true when a 13th month (dertiende maand) is paid"
    return Draft(slug(name), name, values, comments, header, None)


def _dgas(company: DiscoveredCompany | None, comments: dict[str, str]) -> Any:
    if company is None:
        return TODO
    candidates = [{"name": e.name or f"employee {e.number}", "employee_number": e.number}
                  for e in company.dga_candidates]
    if candidates:
        comments["dga"] = "from Nmbrs: not insured for WW, ZW and WIA — check that each is a DGA" + (
            "" if company.dgas_checked else "; not every employee could be looked at")
        return candidates
    if company.dgas_checked:
        comments["dga"] = "no employee in Nmbrs looks like a DGA (all are insured for WW, ZW or WIA)"
        return []
    comments["dga"] = "TODO: Nmbrs could not be asked about the employees' insurance"
    return TODO


# --- YAML -------------------------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def _commented(value: Any, comments: Mapping[str, str], path: str) -> Any:
    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            node[key] = _commented(item, comments, f"{path}.{key}" if path else key)
        for key in value:
            text = comments.get(f"{path}.{key}" if path else key)
            if text and (not isinstance(value[key], dict | list) or value[key] == []):
                node.yaml_add_eol_comment(printable(text), key, column=_COMMENT_COLUMN)
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_commented(item, comments, path) for item in value)
        if not value:
            seq.fa.set_flow_style()
        return seq
    return value


def render_draft(draft: Draft, schema_ref: str, account: str) -> str:
    """A new employer file: schema header, provenance, values with comments, block comments before lists."""
    document = _commented(draft.values, draft.comments, "")
    for key, value in draft.values.items():
        text = draft.comments.get(key)
        if text and isinstance(value, dict | list) and value != []:
            document.yaml_set_comment_before_after_key(key, before=printable(text), indent=0)
    # Comments carry Nmbrs's and the registry's text: one line each, escaped (a line break in a
    # comment would start a live key).
    lines = [f"yaml-language-server: $schema={printable(schema_ref)}",
             printable(f"Imported by `asrctl import --account {account}`. " + "; ".join(draft.header) + ".")]
    if draft.todos:
        lines.append("Fill in each TODO, then run `asrctl validate` and `asrctl plan`.")
    document.yaml_set_start_comment("\n".join(lines))
    out = StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def merge_draft(existing: str, draft: Draft) -> tuple[str, list[Change]]:
    """Update an existing file in place: comments stay, and so does any value import only knows as TODO.

    Returns the new text and every value that changed (a filled-in value is never changed unseen).
    """
    yaml = _yaml()
    document = yaml.load(existing)
    if not isinstance(document, CommentedMap):
        raise YAMLError("the file is not a mapping of fields")
    changes: list[Change] = []
    _merge(document, draft.values, draft.comments, "", changes)
    out = StringIO()
    yaml.dump(document, out)
    return out.getvalue(), changes


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _merge(target: CommentedMap, values: Mapping[str, Any], comments: Mapping[str, str], path: str,
           changes: list[Change]) -> None:
    for key, value in values.items():
        here = f"{path}.{key}" if path else key
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, CommentedMap):
            _merge(current, value, comments, here, changes)
        elif is_todo(value) and key in target and not is_todo(current):
            continue  # someone filled it in: keep their value
        elif key not in target or _plain(current) != value:
            changes.append(Change(here, _plain(current) if key in target else None, value))
            target[key] = _commented(value, comments, here)


# --- writing ----------------------------------------------------------------------------------------


def write_drafts(
    drafts: Sequence[Draft], out_dir: Path, account: str, declared: Declared, *, schema_ref: str, force: bool
) -> list[FileResult]:
    from asrctl.fsutil import write_atomic

    out_dir = out_dir.resolve()
    taken = declared.stems.setdefault(out_dir, set())
    chosen: set[str] = set()
    results: list[FileResult] = []
    for draft in drafts:
        if draft.elsewhere is not None:
            results.append(FileResult(out_dir, draft.company, "elsewhere", draft.elsewhere))
            continue
        owner = declared.owner(draft, account)
        if owner is not None and owner.parent.resolve() == out_dir and owner.stem not in chosen:
            path = owner  # this very employer's file: update it with --force, else leave it
            declared_as = declared.company_of.get(path)
            warnings: tuple[str, ...] = ()
            if declared_as not in (None, draft.company):
                warnings = (_("{file} declares '{declared}' with loonheffingennummer {number}, which a.s.r. has "
                              "registered for '{company}'", file=shown_path(path), declared=declared_as,
                              number=draft.payroll_tax_number, company=draft.company),)
            if not force:
                results.append(FileResult(path, draft.company, "exists",
                                          _("exists; use --force to update it (its comments and filled-in values "
                                            "are kept; each changed value is listed)"), warnings=warnings))
                continue
            try:
                text, changes = merge_draft(path.read_text(encoding="utf-8"), draft)
            except _UNREADABLE:  # unreadable YAML: do not guess, leave the user's file alone
                results.append(FileResult(path, draft.company, "exists",
                                          _("exists and is not readable YAML; fix or remove it, then import again")))
                continue
            write_atomic(path, text)
            chosen.add(path.stem)
            left = [".".join(str(p) for p in todo) for todo in todo_paths(YAML(typ="safe", pure=True).load(text))]
            results.append(FileResult(path, draft.company, "updated", _describe(draft, left), tuple(changes),
                                      warnings))
            continue
        if owner is not None:
            results.append(FileResult(owner, draft.company, "declared",
                                      _("already declared in {file}", file=shown_path(owner))))
            continue
        stem = draft.stem
        n = 2
        while stem in taken or stem in chosen:
            stem = f"{draft.stem}-{n}"
            n += 1
        chosen.add(stem)
        path = out_dir / f"{stem}.yaml"
        try:
            write_atomic(path, render_draft(draft, schema_ref, account), overwrite=False)
        except FileExistsError:  # appeared since the scan: never overwritten without --force
            results.append(FileResult(path, draft.company, "exists",
                                      _("exists; import again to take it into account")))
            continue
        results.append(FileResult(path, draft.company, "written", _describe(draft),
                                  warnings=tuple(declared.near_misses(draft, stem, out_dir))))
    return results


def _describe(draft: Draft, todos: list[str] | None = None) -> str:
    reg = draft.registration
    text = (_("registered: {status}", status=describe_status(reg.status, reg.status_detail, reg.first_exchange_date))
            if reg is not None else _("not registered"))
    todos = draft.todos if todos is None else todos
    if todos:  # `TODO:` in every language: it is the word the files carry
        return _("{text}; TODO: {fields}", text=text, fields=", ".join(todos))
    return text


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def inside(repo_root: Path, out_dir: Path) -> bool:
    return out_dir.resolve().is_relative_to(repo_root.resolve())


def schema_reference(repo_root: Path, out_dir: Path) -> str:
    """The schema line of a file written to out_dir: relative to the repo's schemas/ from where it lives.

    Inside the repository that is out_dir itself; a file written outside it (to look at first) is
    meant to move into employers/, so its line is the one employers/ needs.
    """
    if not inside(repo_root, out_dir):
        return EMPLOYERS_SCHEMA_REF
    return Path(os.path.relpath(repo_root.resolve() / SCHEMA_FILE, out_dir.resolve())).as_posix()
