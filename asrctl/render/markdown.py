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
from asrctl.plan.make import Change, EmployerPlan, Plan, describe_status
from asrctl.render.words import (
    SENSITIVE,
    SENSITIVE_CHANGED,
    SYMBOL,
    View,
    count_notes,
    headline,
    notes,
    plural,
    summary_line,
    targets_note,
    value,
)

LIMIT = 60_000  # `plan --format markdown`: a job summary or a comment someone pastes
# Starts the plan's own footer: `asrctl github comment` puts its one footer in its place.
FOOTER_MARK = "<!-- asrctl-footer -->"
_FOLD_ROWS = 10  # tables longer than this are folded
_CELL_MAX = 500
_RESERVE = 800  # room kept for the truncation note and the footer
# `_` and `#` are left alone: GitHub ignores intraword `_`, and `#` only matters at a line start.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")
_FREQUENCY = {"monthly": "maandelijks", "four_weekly": "4-wekelijks"}


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
    shared = [Check(f.check.id, f.check.severity, f"{f.check.message} ({f.where()})", f.check.hint)
              for f in view.shared]
    refusals = [c for c in plan.checks if c.id.startswith("apply.")]
    general = [c for c in plan.checks if not c.id.startswith("apply.")]
    errors = [c for c in general if c.severity == "error"]
    warnings = [c for c in general if c.severity != "error"] + shared

    if refusals:
        page.add(_refusals(refusals), "apply refusals", len(refusals))
    if errors:
        page.fitted(lambda n: _findings("Errors", errors[:n], len(errors)), len(errors), "errors")
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
        page.fitted(lambda n: _findings("Warnings", warnings[:n], len(warnings)), len(warnings), "warnings")
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
        missing = ", ".join(f"{count} {kind}" for kind, count in page.hidden.items())
        tail.append(f"> **… truncated: not shown here: {missing}. Read the plan.json artifact.**")
    tail.append(_footer(plan))
    return "\n\n".join(p.strip("\n") for p in page.parts + tail) + "\n"


# --- blocks ------------------------------------------------------------------------------------


def _header(plan: Plan) -> str:
    s = plan.summary
    lines = ["### asrctl plan", "", f"**{_esc(summary_line(plan))}**", ""]
    if s.blocked:
        lines += [
            (f"**⛔ {plural(s.blocked, 'employer')} NOT submitted: fix the findings below before merging.** "
             "Nothing is sent to a.s.r. for a blocked employer."),
            "",
        ]
    lines += [
        "| | When this is merged and applied | Employers |",
        "|:-:|---|--:|",
        f"| + | will be submitted to a.s.r. (new registration) | {s.create} |",
        f"| ~ | will be changed at a.s.r. | {s.update} |",
        f"| - | will be withdrawn (afgemeld) | {s.withdraw} |",
        f"| ! | blocked: NOT submitted, fix the findings first | {s.blocked} |",
        f"| = | unchanged | {s.noop} |",
        "",
        f"Findings: {plural(s.errors, 'error')}, {plural(s.warnings, 'warning')}"
        + (f", {plural(n, 'note')}." if (n := count_notes(plan)) else "."),
    ]
    note = targets_note(plan)
    if note:
        lines += ["", f"_{_esc(note)}_"]
    return "\n".join(lines) + "\n"


def _footer(plan: Plan) -> str:
    return (
        f"{FOOTER_MARK}\n---\n\n"
        f"<sub>Plan checksum <code>{plan.checksum}</code>: apply exactly what was reviewed with "
        f"<code>asrctl apply --checksum {plan.checksum}</code> · asrctl {_esc(plan.asrctl_version)}</sub>"
    )


def _refusals(checks: Sequence[Check]) -> str:
    lines = ["#### ⚠ Apply after merge will refuse this plan", ""]
    lines += [f"- {_esc(c.message.removeprefix('apply after merge will refuse: '))}. {_esc(c.hint or '')}"
              for c in checks]
    return "\n".join(lines) + "\n"


def _findings(title: str, checks: Sequence[Check], total: int) -> str:
    more = total - len(checks)
    table = _checks_table(checks) + (f"\n\n… and {more} more." if more else "")
    return f"#### {title}\n\n" + _fold(table, total, title.lower()) + "\n"


def _file(path: str, file_url: str | None) -> str:
    """An employer file, linked at the commit planned when the URL is known."""
    code = f"<code>{_esc(path)}</code>"
    return f"[{code}]({file_url}{quote(path)})" if file_url else code


def _blocked(e: EmployerPlan, checks: list[Check], file_url: str | None) -> str:
    company = _field(e, "nmbrs.company_name")
    lines = [
        f"#### ! {_esc(e.id)}: NOT submitted — fix first",
        "",
        (f"{_file(e.file, file_url)} · loonheffingennummer <code>{e.payroll_tax_number}</code> · "
         + (f"Bedrijfsnaam in Nmbrs <code>{_esc(str(company))}</code> · " if company is not None else "")
         + f"account <code>{_esc(e.account)}</code> · now: {_esc(e.status_text)} · "
         f"{_esc(headline(e).split('(', 1)[-1].rstrip(')'))} once fixed"),
        "",
    ]
    lines += [f"- **{_esc(c.id)}**: {_esc(c.message)}" + (f" — _fix:_ {_esc(c.hint)}" if c.hint else "")
              for c in checks if c.severity == "error"]
    warnings = [c for c in checks if c.severity != "error"]
    if warnings:
        lines += ["", _fold(_checks_table(warnings), len(warnings), "warnings", open_up_to=0)]
    return "\n".join(lines) + "\n"


def _field(e: EmployerPlan, path: str) -> object:
    return next((c.after for c in e.changes if c.path == path), None)


def _office(creates: list[EmployerPlan]) -> str:
    """The office's own details and each Nmbrs login once: the same on every new registration."""
    first = creates[0]
    name, email = _field(first, "organisation.name"), _field(first, "organisation.contact_email")
    lines = [
        "#### + New registrations (aanmeldingen)",
        "",
        (f"Bedrijfsnaam (the office itself): <code>{_esc(str(name))}</code> · "
         f"e-mailadres: <code>{_esc(str(email))}</code>"),
    ]
    logins: dict[str, EmployerPlan] = {}
    for e in creates:
        logins.setdefault(e.account, e)
    for account, e in sorted(logins.items()):
        lines.append(
            f"Nmbrs login <code>{_esc(account)}</code>: gebruikersnaam <code>{_esc(str(_field(e, 'nmbrs.username')))}"
            f"</code> · domein <code>{_esc(str(_field(e, 'nmbrs.domain')))}</code> · API-token {_esc(SENSITIVE)}"
        )
    elsewhere = ("<sub>a.s.r. refuses a new registration whose loonheffingennummer another payroll office holds "
                 "(apply then reports `registry.registered-elsewhere`); this office's registry token cannot see "
                 "other offices' registrations, so plan cannot tell in advance.</sub>")
    return lines[0] + "\n\n" + "<br>\n".join(lines[2:]) + "\n\n" + elsewhere + "\n"


def _dga(e: EmployerPlan) -> str:
    names = {c.path.split("]")[0]: c.after for c in e.changes if c.path.startswith("dga[") and c.path.endswith(".name")}
    numbers = {c.path.split("]")[0]: c.after for c in e.changes
               if c.path.startswith("dga[") and c.path.endswith(".employee_number")}
    if not names:
        return "geen"
    return "; ".join(f"{_esc(str(names[k]))} (nr. {numbers.get(k)})" for k in sorted(names))


def _creates(creates: list[EmployerPlan], n: int, file_url: str | None, view: View) -> str:
    rows = [
        ("| | werkgever | Bedrijfsnaam in Nmbrs | loonheffingennummer | raamwerkcontractnummer | verloning | "
         "13e maand | DGA |"),
        "|:-:|---|---|---|---|---|:-:|---|",
    ]
    for e in creates[:n]:
        thirteenth = _field(e, "payroll.thirteenth_month")
        rows.append(
            f"| + | [{_esc(e.id)}]({file_url}{quote(e.file)}) |" if file_url else f"| + | {_esc(e.id)} |"
        )
        rows[-1] += (
            f" <code>{_esc(str(_field(e, 'nmbrs.company_name')))}</code> | <code>{e.payroll_tax_number}</code> | "
            f"<code>{_esc(str(_field(e, 'contract_number')))}</code> | "
            f"{_FREQUENCY.get(str(_field(e, 'payroll.frequency')), _esc(str(_field(e, 'payroll.frequency'))))} | "
            f"{'ja' if thirteenth else 'nee'} | {_dga(e)} |"
        )
    more = len(creates) - n
    if more:
        rows += ["", f"… and {more} more."]
    table = "\n".join(rows)
    findings = [(e, view.checks(e)) for e in creates[:n] if view.checks(e)]
    extra = "".join(
        f"\n\n**{_esc(e.id)}**: " + "; ".join(f"⚠ {_esc(c.message)}" for c in checks) for e, checks in findings
    )
    return table + extra + "\n"


def _employer(e: EmployerPlan, checks: list[Check], file_url: str | None = None) -> str:
    lines = [
        f"#### {SYMBOL[e.action]} {_esc(e.id)}: {_esc(headline(e))}",
        "",
        (
            f"{_file(e.file, file_url)} · loonheffingennummer <code>{e.payroll_tax_number}</code> · "
            f"account <code>{_esc(e.account)}</code> · now: {_esc(e.status_text)}"
        ),
        "",
    ]
    lines += [f"> {_esc(n)}\n" for n in notes(e)]
    if e.changes:
        lines.append(_fold(_changes_table(e), len(e.changes), "changes", open_up_to=_FOLD_ROWS))
    if checks:
        lines.append(_fold(_checks_table(checks), len(checks), "findings", open_up_to=_FOLD_ROWS))
    return "\n".join(lines) + "\n"


def _unmanaged(plan: Plan, n: int) -> str:
    rows = ["| Loonheffingennummer | Company | Status | What happens |", "|---|---|---|---|"]
    for u in plan.unmanaged[:n]:
        what = "will be withdrawn (policy.allow_withdraw)" if u.action == "withdraw" else "kept (see warning)"
        rows.append(
            f"| <code>{u.payroll_tax_number}</code> | <code>{_esc(u.company_name)}</code> | "
            f"{_esc(describe_status(u.status, u.status_detail))} | {what} |"
        )
    more = len(plan.unmanaged) - n
    if more:
        rows += ["", f"… and {more} more."]
    intro = "#### Registrations no employer file declares\n\n"
    return intro + _fold("\n".join(rows), len(plan.unmanaged), "registrations") + "\n"


def _unchanged(quiet: list[EmployerPlan], n: int) -> str:
    items = [f"<code>{_esc(e.id)}</code> ({_esc(e.status_text)})" for e in quiet[:n]]
    more = len(quiet) - n
    body = ", ".join(items) + (f", … and {more} more" if more else "")
    return f"<details><summary>{plural(len(quiet), 'employer')} unchanged</summary>\n\n{body}\n\n</details>\n"


# --- tables ------------------------------------------------------------------------------------


def _changes_table(e: EmployerPlan) -> str:
    if e.intended_action == "create":
        rows = ["| Field | Value |", "|---|---|"]
        rows += [f"| <code>{_esc(c.path)}</code> | {_after(c)} |" for c in e.changes]
    else:
        rows = ["| Field | Now at a.s.r. | After apply |", "|---|---|---|"]
        rows += [f"| <code>{_esc(c.path)}</code> | {_before(c)} | {_after(c)} |" for c in e.changes]
    return "\n".join(rows)


def _before(c: Change) -> str:
    if c.before is None:
        return ""
    return f"_{_esc(SENSITIVE)}_" if c.sensitive else f"<code>{_esc(value(c.before))}</code>"


def _after(c: Change) -> str:
    if c.after is None:
        return ""
    if c.sensitive:
        return f"_{_esc(SENSITIVE_CHANGED if c.before is not None else SENSITIVE)}_"
    return f"<code>{_esc(value(c.after))}</code>"


def _checks_table(checks: Sequence[Check]) -> str:
    rows = ["| | Check | Finding | How to fix |", "|---|---|---|---|"]
    for c in checks:
        mark = {"error": "✗ error", "warning": "⚠ warning"}.get(c.severity, "ℹ note")
        rows.append(f"| {mark} | <code>{_esc(c.id)}</code> | {_esc(c.message)} | {_esc(c.hint or '')} |")
    return "\n".join(rows)


def _fold(table: str, count: int, what: str, *, open_up_to: int = _FOLD_ROWS) -> str:
    """A table as is when short, else inside <details> (blank lines keep GitHub rendering the table)."""
    if count <= open_up_to:
        return table + "\n"
    return f"<details><summary>{plural(count, what.removesuffix('s'))}</summary>\n\n{table}\n\n</details>\n"


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


def _esc(text: str) -> str:
    """Literal text in a table cell or heading: HTML-escaped, markdown specials and pipes backslashed.
    Spaces are kept as they are: in a company name every space counts."""
    text = str(text).replace("\r", " ").replace("\n", " ")  # a newline would end a table row
    if len(text) > _CELL_MAX:
        text = text[: _CELL_MAX - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
