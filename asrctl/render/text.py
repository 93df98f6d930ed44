"""The plan as terminal text, terraform-like: `+ create`, `~ update`, `- withdraw`, `! blocked`."""

from __future__ import annotations

import click

from asrctl.checks import Check
from asrctl.i18n import N_, _, localize
from asrctl.plan.make import Change, EmployerPlan, Plan
from asrctl.render import words

_ACTION_COLOUR = {"create": "green", "update": "yellow", "withdraw": "red", "blocked": "red", "noop": None}
_INDENT = "    "


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, fg: str | None = None, *, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold or None) if self.color and (fg or bold) else text


def render_text(plan: Plan, *, color: bool = False) -> str:
    """ANSI colour only when `color` says so (the caller knows whether stdout is a TTY)."""
    style = _Style(color)
    view = words.View(plan)
    out: list[str] = []
    if plan.checks or view.shared:
        out.append(style(localize(_("Findings")), bold=True))
        for check in plan.checks:
            out.extend(_check(check, style, "  "))
        for shared in view.shared:
            out.extend(_check(shared.check, style, "  ", where=shared.where()))
        out.append("")

    for e in view.reading_order():
        out.extend(_employer(e, view.checks(e), style))
        out.append("")

    if plan.unmanaged:
        out.append(style(localize(_("Registrations no employer file declares")), bold=True))
        for u in plan.unmanaged:
            what = localize(_("will be withdrawn (policy.allow_withdraw)") if u.action == "withdraw"
                            else _("kept, see the warning above"))
            sym = style("-", "red") if u.action == "withdraw" else "?"
            out.append(f"  {sym} {u.payroll_tax_number} {words.value(u.company_name)} "
                       f"({words.status_word(u.status)}): {what}")
        out.append("")

    quiet = view.unchanged()
    if quiet:
        listed = plan.summary.noop - len(quiet)  # unchanged ones with findings are listed above
        out.append(localize(N_("{n} more employer unchanged.", "{n} more employers unchanged.", len(quiet)) if listed
                            else N_("{n} employer unchanged.", "{n} employers unchanged.", len(quiet))))
    note = words.targets_note(plan)
    if note:
        out.append(note)
    line = words.summary_line(plan)
    out.append(style(line, "red" if plan.failed else None, bold=True))
    out.append(localize(_("Checksum: {checksum}", checksum=plan.checksum)))
    return "\n".join(out) + "\n"


def _employer(e: EmployerPlan, checks: list[Check], style: _Style) -> list[str]:
    fg = _ACTION_COLOUR[e.action]
    head = style(f"{words.SYMBOL[e.action]} {e.id}", fg, bold=e.action == "blocked")
    where = localize(_("{file} · {number} · account {account} · {status}", file=e.file, number=e.payroll_tax_number,
                       account=e.account, status=e.status_text))
    lines = [f"{head}: {words.headline(e)}", _INDENT + where]
    if e.action == "blocked":
        # What blocks comes first; the pending changes are context.
        for check in checks:
            lines.extend(_check(check, style, _INDENT))
        if e.changes:
            lines.append(_INDENT + localize(_("pending once the findings are fixed:")))
            lines.extend(_change(c, style, _INDENT + "  ") for c in e.changes)
        return lines
    lines.extend(_change(c, style, _INDENT) for c in e.changes)
    lines.extend(_INDENT + localize(_("note: {note}", note=n)) for n in words.notes(e))
    for check in checks:
        lines.extend(_check(check, style, _INDENT))
    return lines


def _change(c: Change, style: _Style, indent: str) -> str:
    if c.before is None:
        sym, text = "+", localize(words.SENSITIVE) if c.sensitive else words.value(c.after)
    elif c.after is None:
        sym, text = "-", localize(words.SENSITIVE) if c.sensitive else words.value(c.before)
    else:
        sym, text = "~", (localize(words.SENSITIVE_CHANGED) if c.sensitive
                          else f"{words.value(c.before)} → {words.value(c.after)}")
    colour = {"+": "green", "-": "red", "~": "yellow"}[sym]
    return f"{indent}{style(sym, colour)} {c.path}: {text}"


def _check(check: Check, style: _Style, indent: str, *, where: str | None = None) -> list[str]:
    mark = {"error": style("✗", "red"), "warning": style("⚠", "yellow")}.get(check.severity, style("ℹ", "cyan"))
    lines = [f"{indent}{mark} {check.id}: {localize(check.message)}"]
    if where:
        lines.append(f"{indent}  ({where})")
    if check.hint:
        lines.append(f"{indent}  " + localize(_("hint: {hint}", hint=localize(check.hint))))
    return lines
