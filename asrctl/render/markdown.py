"""The plan as a pull-request comment (GitHub-flavoured markdown), in the order a reviewer reads it.

1. The summary table (always first), the office's own details once, and what apply after merge
   will refuse. 2. Errors: findings about no single employer, then blocked employers — each
   "NOT submitted" with what to fix. 3. New registrations, one compact row each in a.s.r.'s form
   words. 4. Changes and withdrawals, a section each. 5. Warnings. 6. Registrations no file
   declares. 7. Unchanged employers, folded. One footer.

With a `limit`, whole blocks (or table rows) that do not fit are left out and a note says what
is missing; errors come before warnings, so they are the last thing to go. `asrctl github
comment` renders without a limit and continues the comment instead (asrctl.github.body).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from asrctl.checks import Check
from asrctl.i18n import N_, Message, _, localize
from asrctl.plan.make import Change, EmployerPlan, Plan, describe_status
from asrctl.render.words import (
    SENSITIVE,
    SENSITIVE_CHANGED,
    SYMBOL,
    View,
    count_notes,
    headline,
    notes,
    summary_line,
    targets_note,
    value,
    would,
)

LIMIT = 60_000  # `plan --format markdown`: a job summary or a comment someone pastes
# Starts the plan's own footer: `asrctl github comment` puts its one footer in its place.
FOOTER_MARK = "<!-- asrctl-footer -->"
_FOLD_ROWS = 10  # tables longer than this are folded
_CELL_MAX = 500
_RESERVE = 800  # room kept for the truncation note and the footer
# `_` and `#` are left alone: GitHub ignores intraword `_`, and `#` only matters at a line start.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
# The form's words for a value (a.s.r.'s manual), in either language: the Dutch is what the reviewer
# knows from the form, the value in the file is the English one.
_FREQUENCY = {"monthly": _("maandelijks"), "four_weekly": _("4-wekelijks")}
_YES, _NO, _NONE = _("ja"), _("nee"), _("geen")
# What the truncation note counts, by kind of block.
_HIDDEN: dict[str, Callable[[int], Message]] = {
    "apply refusals": lambda n: N_("{n} apply refusal", "{n} apply refusals", n),
    "errors": lambda n: N_("{n} error", "{n} errors", n),
    "blocked employers": lambda n: N_("{n} blocked employer", "{n} blocked employers", n),
    "new registrations": lambda n: N_("{n} new registration", "{n} new registrations", n),
    "employer sections": lambda n: N_("{n} employer section", "{n} employer sections", n),
    "warnings": lambda n: N_("{n} warning or note", "{n} warnings and notes", n),
    "unmanaged registrations": lambda n: N_("{n} unmanaged registration", "{n} unmanaged registrations", n),
    "unchanged employers": lambda n: N_("{n} unchanged employer", "{n} unchanged employers", n),
}


def strip_footer(markdown: str) -> str:
    """The plan without its footer (a comment brings its own)."""
    return markdown.split(FOOTER_MARK, 1)[0].rstrip()


@dataclass
class _Page:
    """Blocks in reading order within a budget; what did not fit is counted by kind."""

    budget: int
    parts: list[str] = field(default_factory=list)
    used: int = 0
    hidden: dict[str, int] = field(default_factory=dict)

    def room(self) -> int:
        return self.budget - self.used - 2

    def add(self, block: str, kind: str | None = None, count: int = 1) -> bool:
        block = block.strip("\n")
        if self.used + len(block) + 2 > self.budget:
            if kind:
                self.hide(kind, count)
            return False
        self.parts.append(block)
        self.used += len(block) + 2
        return True

    def hide(self, kind: str, count: int) -> None:
        if count:
            self.hidden[kind] = self.hidden.get(kind, 0) + count

    def fitted(self, build: Callable[[int], str], total: int, kind: str) -> None:
        """The largest head of a list (table rows) that fits; the rest counted as hidden."""
        block, hidden = _fit(build, total, self.room())
        if block:
            self.add(block)
        self.hide(kind, hidden)


def render_markdown(plan: Plan, *, limit: int | None = LIMIT, file_url: str | None = None) -> str:
    page = _Page((limit if limit is not None else 1 << 60) - _RESERVE)
    page.add(_header(plan))
    view = View(plan)
    shared = [Check(f.check.id, f.check.severity, f"{localize(f.check.message)} ({f.where()})", f.check.hint)
              for f in view.shared]
    refusals = [c for c in plan.checks if c.id.startswith("apply.")]
    general = [c for c in plan.checks if not c.id.startswith("apply.")]
    errors = [c for c in general if c.severity == "error"]
    warnings = [c for c in general if c.severity != "error"] + shared

    if refusals:
        page.add(_refusals(refusals), "apply refusals", len(refusals))
    if errors:
        page.fitted(lambda n: _findings(localize(_("Errors")), errors[:n], errors), len(errors), "errors")
    sections = view.reading_order()
    blocked = [e for e in sections if e.action == "blocked"]
    for e in blocked:
        page.add(_blocked(e, view.checks(e), file_url), "blocked employers")
    creates = [e for e in sections if e.action == "create"]
    if creates:
        page.add(_office(creates))
        page.fitted(lambda n: _creates(creates, n, file_url, view), len(creates), "new registrations")
    for e in sections:
        if e.action in ("update", "withdraw"):
            page.add(_employer(e, view.checks(e), file_url), "employer sections")
    if warnings:
        title = localize(_("Warnings and notes") if any(c.severity == "note" for c in warnings) else _("Warnings"))
        page.fitted(lambda n: _findings(title, warnings[:n], warnings), len(warnings), "warnings")
    for e in sections:
        if e.action == "noop":
            page.add(_employer(e, view.checks(e), file_url), "employer sections")
    if plan.unmanaged:
        page.fitted(lambda n: _unmanaged(plan, n), len(plan.unmanaged), "unmanaged registrations")
    quiet = view.unchanged()
    if quiet:
        page.fitted(lambda n: _unchanged(quiet, n), len(quiet), "unchanged employers")

    tail = []
    if page.hidden:
        missing = ", ".join(localize(_HIDDEN[kind](count)) for kind, count in page.hidden.items())
        tail.append("> **" + localize(_("… truncated: not shown here: {missing}. Read the plan.json artifact.",
                                        missing=missing)) + "**")
    tail.append(_footer(plan))
    return "\n\n".join(p.strip("\n") for p in page.parts + tail) + "\n"


# --- blocks ------------------------------------------------------------------------------------


def _header(plan: Plan) -> str:
    s = plan.summary
    lines = ["### asrctl plan", "", f"**{_esc(summary_line(plan))}**", ""]
    if s.blocked:
        blocked = N_("{n} employer NOT submitted: fix the findings below before merging.",
                     "{n} employers NOT submitted: fix the findings below before merging.", s.blocked)
        lines += [f"**⛔ {localize(blocked)}** " + localize(_("Nothing is sent to a.s.r. for a blocked employer.")), ""]
    rows = [
        ("+", _("will be submitted to a.s.r. (new registration)"), s.create),
        ("~", _("will be changed at a.s.r."), s.update),
        ("-", _("will be withdrawn (afgemeld)"), s.withdraw),
        ("!", _("blocked: NOT submitted, fix the findings first"), s.blocked),
        ("=", _("unchanged"), s.noop),
    ]
    lines += [
        "| | " + localize(_("When this is merged and applied")) + " | " + localize(_("Employers")) + " |",
        "|:-:|---|--:|",
        *(f"| {sym} | {localize(text)} | {count} |" for sym, text, count in rows),
        "",
        localize(_("Findings: {counts}.", counts=_counts(s.errors, s.warnings, count_notes(plan), all_=True))),
    ]
    note = targets_note(plan)
    if note:
        lines += ["", f"_{_esc(note)}_"]
    return "\n".join(lines) + "\n"


def _counts(errors: int, warnings: int, notes: int, *, all_: bool = False) -> str:
    """`1 error, 2 warnings, 1 note` in the active language; with `all_`, errors and warnings also at 0."""
    parts = [N_("{n} error", "{n} errors", errors)] if errors or all_ else []
    parts += [N_("{n} warning", "{n} warnings", warnings)] if warnings or all_ else []
    parts += [N_("{n} note", "{n} notes", notes)] if notes else []
    return ", ".join(localize(p) for p in parts)


def _counts_of(checks: Sequence[Check]) -> str:
    return _counts(sum(c.severity == "error" for c in checks), sum(c.severity == "warning" for c in checks),
                   sum(c.severity == "note" for c in checks))


def _footer(plan: Plan) -> str:
    text = localize(_("Plan checksum {checksum}: apply exactly what was reviewed with {command}",
                      checksum=_code(plan.checksum, escape=False),
                      command=_code("asrctl apply --checksum " + plan.checksum, escape=False)))
    return f"{FOOTER_MARK}\n---\n\n<sub>{text} · asrctl {_esc(plan.asrctl_version)}</sub>"


def _refusals(checks: Sequence[Check]) -> str:
    lines = ["#### ⚠ " + localize(_("Apply after merge will refuse this plan")), ""]
    lines += [f"- {_esc(_refusal_reason(c))}. {_esc(localize(c.hint) or '')}" for c in checks]
    return "\n".join(lines) + "\n"


def _refusal_reason(c: Check) -> str:
    """The refusal without its `apply after merge will refuse:` (the heading says so)."""
    if isinstance(c.message, Message) and "reason" in c.message.params:
        reason: str = c.message.params["reason"]
        return localize(reason)
    return localize(c.message.removeprefix("apply after merge will refuse: "))


def _findings(title: str, checks: Sequence[Check], every: Sequence[Check]) -> str:
    """The first `checks` of `every` as a table, folded under their count (`3 warnings, 1 note`)."""
    more = len(every) - len(checks)
    table = _checks_table(checks) + ("\n\n" + localize(_("… and {n} more.", n=more)) if more else "")
    return f"#### {title}\n\n" + _fold(table, len(every), _counts_of(every)) + "\n"


def _file(path: str, file_url: str | None) -> str:
    """An employer file, linked at the commit planned when the URL is known."""
    code = f"<code>{_esc(path)}</code>"
    return f"[{code}]({file_url}{quote(path)})" if file_url else code


def _blocked(e: EmployerPlan, checks: list[Check], file_url: str | None) -> str:
    company = _field(e, "nmbrs.company_name")
    facts = [_file(e.file, file_url), _number(e)]
    if company is not None:
        facts.append(localize(_("Bedrijfsnaam in Nmbrs {name}", name=_code(company))))
    facts += [localize(_("account {name}", name=_code(e.account))),
              localize(_("now: {status}", status=_esc(localize(e.status_text)))),
              _esc(localize(_("{would} once fixed", would=would(e))))]
    lines = [f"#### ! {_esc(e.id)}: " + localize(_("NOT submitted — fix first")), "", " · ".join(facts), ""]
    lines += [f"- **{_esc(c.id)}**: {_esc(localize(c.message))}"
              + (" — _" + localize(_("fix:")) + f"_ {_esc(localize(c.hint))}" if c.hint else "")
              for c in checks if c.severity == "error"]
    warnings = [c for c in checks if c.severity != "error"]
    if warnings:
        lines += ["", _fold(_checks_table(warnings), len(warnings), _counts_of(warnings), open_up_to=0)]
    return "\n".join(lines) + "\n"


def _number(e: EmployerPlan) -> str:
    return localize(_("loonheffingennummer {number}", number=_code(e.payroll_tax_number, escape=False)))


def _field(e: EmployerPlan, path: str) -> object:
    return next((c.after for c in e.changes if c.path == path), None)


def _office(creates: list[EmployerPlan]) -> str:
    """The office's own details and each Nmbrs login once: the same on every new registration."""
    first = creates[0]
    name, email = _field(first, "organisation.name"), _field(first, "organisation.contact_email")
    lines = [
        "#### + " + localize(_("New registrations (aanmeldingen)")),
        "",
        localize(_("Bedrijfsnaam (the office itself): {name} · e-mailadres: {email}",
                   name=_code(name), email=_code(email))),
    ]
    logins: dict[str, EmployerPlan] = {}
    for e in creates:
        logins.setdefault(e.account, e)
    for account, e in sorted(logins.items()):
        lines.append(localize(_(
            "Nmbrs login {account}: gebruikersnaam {username} · domein {domain} · API-token {token}",
            account=_code(account), username=_code(_field(e, "nmbrs.username")),
            domain=_code(_field(e, "nmbrs.domain")), token=_esc(localize(SENSITIVE)))))
    elsewhere = "<sub>" + localize(_(
        "a.s.r. refuses a new registration whose loonheffingennummer another payroll office holds (apply then "
        "reports `registry.registered-elsewhere`); this office's registry token cannot see other offices' "
        "registrations, so plan cannot tell in advance.")) + "</sub>"
    return lines[0] + "\n\n" + "<br>\n".join(lines[2:]) + "\n\n" + elsewhere + "\n"


def _dga(e: EmployerPlan) -> str:
    names = {c.path.split("]")[0]: c.after for c in e.changes if c.path.startswith("dga[") and c.path.endswith(".name")}
    numbers = {c.path.split("]")[0]: c.after for c in e.changes
               if c.path.startswith("dga[") and c.path.endswith(".employee_number")}
    if not names:
        return localize(_NONE)
    return "; ".join(localize(_("{name} (nr. {number})", name=_esc(str(names[k])), number=numbers.get(k)))
                     for k in sorted(names))


# The new-registration table's columns: the words of a.s.r.'s form (the same in both languages).
_CREATE_COLUMNS = (_("werkgever"), _("Bedrijfsnaam in Nmbrs"), _("loonheffingennummer"), _("raamwerkcontractnummer"),
                   _("verloning"), _("13e maand"), _("DGA"))


def _creates(creates: list[EmployerPlan], n: int, file_url: str | None, view: View) -> str:
    rows = ["| | " + " | ".join(localize(c) for c in _CREATE_COLUMNS) + " |", "|:-:|---|---|---|---|---|:-:|---|"]
    for e in creates[:n]:
        thirteenth = _field(e, "payroll.thirteenth_month")
        rows.append(
            f"| + | [{_esc(e.id)}]({file_url}{quote(e.file)}) |" if file_url else f"| + | {_esc(e.id)} |"
        )
        rows[-1] += (
            f" <code>{_esc(str(_field(e, 'nmbrs.company_name')))}</code> | <code>{e.payroll_tax_number}</code> | "
            f"<code>{_esc(str(_field(e, 'contract_number')))}</code> | "
            f"{_frequency(_field(e, 'payroll.frequency'))} | {localize(_YES if thirteenth else _NO)} | {_dga(e)} |"
        )
    more = len(creates) - n
    if more:
        rows += ["", localize(_("… and {n} more.", n=more))]
    table = "\n".join(rows)
    findings = [(e, view.checks(e)) for e in creates[:n] if view.checks(e)]
    extra = "".join(
        f"\n\n**{_esc(e.id)}**: " + "; ".join(f"⚠ {_esc(localize(c.message))}" for c in checks)
        for e, checks in findings
    )
    return table + extra + "\n"


def _frequency(value: object) -> str:
    word = _FREQUENCY.get(str(value))
    return localize(word) if word is not None else _esc(str(value))


def _employer(e: EmployerPlan, checks: list[Check], file_url: str | None = None) -> str:
    facts = [_file(e.file, file_url), _number(e),
             localize(_("account {name}", name=_code(e.account))),
             localize(_("now: {status}", status=_esc(localize(e.status_text))))]
    lines = [f"#### {SYMBOL[e.action]} {_esc(e.id)}: {_esc(headline(e))}", "", " · ".join(facts), ""]
    lines += [f"> {_esc(n)}\n" for n in notes(e)]
    if e.changes:
        lines.append(_fold(_changes_table(e), len(e.changes),
                           localize(N_("{n} change", "{n} changes", len(e.changes))), open_up_to=_FOLD_ROWS))
    if checks:
        lines.append(_fold(_checks_table(checks), len(checks), _counts_of(checks), open_up_to=_FOLD_ROWS))
    return "\n".join(lines) + "\n"


def _unmanaged(plan: Plan, n: int) -> str:
    head = (localize(_("Loonheffingennummer")), localize(_("Company")), localize(_("Status")),
            localize(_("What happens")))
    rows = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
    for u in plan.unmanaged[:n]:
        what = localize(_("will be withdrawn (policy.allow_withdraw)") if u.action == "withdraw"
                        else _("kept (see warning)"))
        rows.append(
            f"| <code>{u.payroll_tax_number}</code> | <code>{_esc(u.company_name)}</code> | "
            f"{_esc(localize(describe_status(u.status, u.status_detail)))} | {what} |"
        )
    more = len(plan.unmanaged) - n
    if more:
        rows += ["", localize(_("… and {n} more.", n=more))]
    intro = "#### " + localize(_("Registrations no employer file declares")) + "\n\n"
    count = len(plan.unmanaged)
    return intro + _fold("\n".join(rows), count, localize(N_("{n} registration", "{n} registrations", count))) + "\n"


def _unchanged(quiet: list[EmployerPlan], n: int) -> str:
    items = [f"<code>{_esc(e.id)}</code> ({_esc(localize(e.status_text))})" for e in quiet[:n]]
    more = len(quiet) - n
    body = ", ".join(items) + (", " + localize(_("… and {n} more", n=more)) if more else "")
    summary = localize(N_("{n} employer unchanged", "{n} employers unchanged", len(quiet)))
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>\n"


# --- tables ------------------------------------------------------------------------------------


def _changes_table(e: EmployerPlan) -> str:
    field_, now, after = localize(_("Field")), localize(_("Now at a.s.r.")), localize(_("After apply"))
    if e.intended_action == "create":
        rows = [f"| {field_} | " + localize(_("Value")) + " |", "|---|---|"]
        rows += [f"| <code>{_esc(c.path)}</code> | {_after(c)} |" for c in e.changes]
    else:
        rows = [f"| {field_} | {now} | {after} |", "|---|---|---|"]
        rows += [f"| <code>{_esc(c.path)}</code> | {_before(c)} | {_after(c)} |" for c in e.changes]
    return "\n".join(rows)


def _before(c: Change) -> str:
    if c.before is None:
        return ""
    return f"_{_esc(localize(SENSITIVE))}_" if c.sensitive else f"<code>{_esc(value(c.before))}</code>"


def _after(c: Change) -> str:
    if c.after is None:
        return ""
    if c.sensitive:
        return f"_{_esc(localize(SENSITIVE_CHANGED if c.before is not None else SENSITIVE))}_"
    return f"<code>{_esc(value(c.after))}</code>"


_MARK = {"error": _("✗ error"), "warning": _("⚠ warning"), "note": _("ℹ note")}


def _checks_table(checks: Sequence[Check]) -> str:
    head = (localize(_("Check")), localize(_("Finding")), localize(_("How to fix")))
    rows = ["| | " + " | ".join(head) + " |", "|---|---|---|---|"]
    for c in checks:
        mark = localize(_MARK.get(c.severity, _MARK["note"]))
        rows.append(f"| {mark} | <code>{_esc(c.id)}</code> | {_esc(localize(c.message))} | "
                    f"{_esc(localize(c.hint) or '')} |")
    return "\n".join(rows)


def _fold(table: str, count: int, label: str, *, open_up_to: int = _FOLD_ROWS) -> str:
    """A table as is when short, else inside <details> under `label` (`12 changes`, `3 warnings, 1 note`);
    blank lines keep GitHub rendering the table."""
    if count <= open_up_to:
        return table + "\n"
    return f"<details><summary>{label}</summary>\n\n{table}\n\n</details>\n"


def _fit(build: Callable[[int], str], total: int, room: int) -> tuple[str, int]:
    """The largest n ≤ total whose block build(n) fits in room (binary search); returns (block, hidden)."""
    if room <= 0:
        return "", total
    full = build(total)
    if len(full) <= room:
        return full, 0
    lo, hi, best = 0, total, ""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        block = build(mid)
        if len(block) <= room:
            lo, best = mid, block
        else:
            hi = mid - 1
    if lo == 0:
        return "", total
    return best, total - lo


def _code(text: object, *, escape: bool = True) -> str:
    """A value as inline code (escaped unless it is asrctl's own, e.g. a checksum)."""
    return f"<code>{_esc(str(text)) if escape else text}</code>"


def _esc(text: str) -> str:
    """Literal text in a table cell or heading: HTML-escaped, markdown specials and pipes backslashed.
    Spaces are kept as they are: in a company name every space counts."""
    text = str(text).replace("\r", " ").replace("\n", " ")  # a newline would end a table row
    if len(text) > _CELL_MAX:
        text = text[: _CELL_MAX - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
