"""The plan as ONE pull-request comment (GitHub-flavoured markdown).

A summary table first, then a section per employer with changes or findings, long
lists folded in <details>, unchanged employers in one folded list. Never longer than
`limit` characters: sections are dropped whole (never mid-table) and a note points
at the plan.json artifact.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from urllib.parse import quote

from asrctl.checks import Check
from asrctl.plan.make import Change, EmployerPlan, Plan, describe_status
from asrctl.render.words import (
    SENSITIVE,
    SENSITIVE_CHANGED,
    SYMBOL,
    View,
    headline,
    notes,
    plural,
    summary_line,
    targets_note,
    value,
)

LIMIT = 60_000
# Starts the plan's own footer: `asrctl github comment` puts its one footer in its place.
FOOTER_MARK = "<!-- asrctl-footer -->"
_FOLD_ROWS = 10  # tables longer than this are folded
_CELL_MAX = 500
_RESERVE = 800  # room kept for the truncation note and the footer
# `_` and `#` are left alone: GitHub ignores intraword `_`, and `#` only matters at a line start.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")


def strip_footer(markdown: str) -> str:
    """The plan without its footer (a comment brings its own)."""
    return markdown.split(FOOTER_MARK, 1)[0].rstrip()


def render_markdown(plan: Plan, *, limit: int | None = LIMIT, file_url: str | None = None) -> str:
    budget = (limit if limit is not None else 1 << 60) - _RESERVE
    parts: list[str] = [_header(plan)]
    used = len(parts[0])

    def add(block: str) -> bool:
        nonlocal used
        block = block.strip("\n")
        if used + len(block) + 2 > budget:
            return False
        parts.append(block)
        used += len(block) + 2
        return True

    hidden_employers = 0
    hidden_unmanaged = 0
    view = View(plan)
    general = list(plan.checks) + [
        Check(f.check.id, f.check.severity, f"{f.check.message} ({f.where()})", f.check.hint) for f in view.shared
    ]
    if general:
        add(_global_findings(general))  # small: a handful of account-wide findings
    if plan.unmanaged:
        block, hidden_unmanaged = _fit(
            lambda n: _unmanaged(plan, n), len(plan.unmanaged), budget - used - 1
        )
        if block:
            add(block)
    sections = view.reading_order()
    for i, e in enumerate(sections):
        if not add(_employer(e, view.checks(e), file_url)):
            hidden_employers += len(sections) - i
            break
    quiet = view.unchanged()
    if quiet:
        block, hidden = _fit(lambda n: _unchanged(quiet, n), len(quiet), budget - used - 1)
        hidden_employers += hidden
        if block:
            add(block)

    tail = []
    if hidden_employers or hidden_unmanaged:
        missing = []
        if hidden_employers:
            missing.append(f"{plural(hidden_employers, 'employer')} not shown")
        if hidden_unmanaged:
            missing.append(f"{plural(hidden_unmanaged, 'unmanaged registration')} not shown")
        tail.append(f"> **… truncated: {'; '.join(missing)}; see the plan.json artifact.**")
    tail.append(_footer(plan))
    return "\n\n".join(p.strip("\n") for p in parts + tail) + "\n"


# --- blocks ------------------------------------------------------------------------------------


def _header(plan: Plan) -> str:
    s = plan.summary
    lines = ["### asrctl plan", "", f"**{_esc(summary_line(plan))}**", ""]
    if s.blocked:
        lines += [
            (
                f"**⛔ {plural(s.blocked, 'employer')} blocked: fix the findings below before merging.** "
                "Nothing is sent to a.s.r. for a blocked employer."
            ),
            "",
        ]
    lines += [
        "| | When this is merged and applied | Employers |",
        "|:-:|---|--:|",
        f"| + | will be submitted to a.s.r. (new registration) | {s.create} |",
        f"| ~ | will be changed at a.s.r. | {s.update} |",
        f"| - | will be withdrawn (afgemeld) | {s.withdraw} |",
        f"| ! | blocked: fix the findings first | {s.blocked} |",
        f"| = | unchanged | {s.noop} |",
        "",
        f"Findings: {plural(s.errors, 'error')}, {plural(s.warnings, 'warning')}.",
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


def _global_findings(checks: Sequence[Check]) -> str:
    return "#### Findings\n\n" + _fold(_checks_table(checks), len(checks), "findings") + "\n"


def _file(path: str, file_url: str | None) -> str:
    """An employer file, linked at the commit planned when the URL is known."""
    code = f"<code>{_esc(path)}</code>"
    return f"[{code}]({file_url}{quote(path)})" if file_url else code


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
    findings = (
        _fold(_checks_table(checks), len(checks), "findings", open_up_to=_FOLD_ROWS) if checks else ""
    )
    if e.action == "blocked":
        if findings:
            lines.append(findings)
        if e.changes:
            lines.append(_fold(_changes_table(e), len(e.changes), "pending changes, sent once fixed", open_up_to=0))
    else:
        if e.changes:
            if e.action == "create":
                lines.append(_fold(_changes_table(e), len(e.changes), "fields to submit", open_up_to=0))
            else:
                lines.append(_fold(_changes_table(e), len(e.changes), "changes", open_up_to=_FOLD_ROWS))
        if findings:
            lines.append(findings)
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
        mark = "✗ error" if c.severity == "error" else "⚠ warning"
        rows.append(f"| {mark} | <code>{_esc(c.id)}</code> | {_esc(c.message)} | {_esc(c.hint or '')} |")
    return "\n".join(rows)


def _fold(table: str, count: int, what: str, *, open_up_to: int = _FOLD_ROWS) -> str:
    """A table as is when short, else inside <details> (blank lines keep GitHub rendering the table)."""
    if count <= open_up_to:
        return table + "\n"
    return f"<details><summary>{count} {what}</summary>\n\n{table}\n\n</details>\n"


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
