"""`asrctl status` as text (aligned columns), markdown (one table) or JSON."""

from __future__ import annotations

from typing import Literal

import click

from asrctl.i18n import N_, Message, _, localize
from asrctl.printable import printable
from asrctl.run.status import StatusReport, StatusRow

StatusFormat = Literal["text", "json", "markdown"]
STATUS_FORMATS: tuple[StatusFormat, ...] = ("text", "json", "markdown")

_HEAD = (_("EMPLOYER"), _("BEDRIJFSNAAM IN NMBRS"), _("LOONHEFFINGENNUMMER"), _("STATUS"), _("FIRST EXCHANGE"),
         _("DETAIL"), _("NEXT"))
_MD_HEAD = (_("Employer"), _("Bedrijfsnaam in Nmbrs"), _("Loonheffingennummer"), _("Status"), _("First exchange"),
            _("Detail"), _("Next"))
_STATUS_COLUMN = 3
_COLOUR = {"active": "green", "rejected": "red", "submitted": "yellow", "in_setup": "yellow"}
# The registry's status in words (the JSON keeps its value; `summary` counts by it).
_STATUS_WORD = {"submitted": _("submitted"), "in_setup": _("in setup"), "active": _("active"),
                "rejected": _("rejected"), "withdrawn": _("withdrawn"), "not registered": _("not registered")}
_NEXT = {
    "submitted": _("a.s.r. reviews it; Keylane then contacts the office"),
    "in_setup": _("Keylane sets up the coupling; a.s.r. sets the first exchange date"),
    "active": _("nothing: the coupling runs"),
    "rejected": _("correct the file as the reason says and merge: apply submits it again"),
    "withdrawn": _("nothing; state: active in the file submits it again"),
}


def render_status(report: StatusReport, fmt: StatusFormat, *, color: bool = False) -> str:
    if fmt == "json":
        return report.to_json()
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "text":
        return _text(report, color=color)
    raise ValueError(f"unknown status format {fmt!r}")


def summary_line(report: StatusReport) -> str:
    """Declared employers by status; registrations no file declares on a line of their own."""
    managed = sum(1 for r in report.rows if r.managed)
    parts = [localize(_("{n} {status}", n=n, status=_word(word))) for word, n in report.summary.items()
             if word != "unmanaged"]
    declared = N_("{n} declared employer", "{n} declared employers", managed)
    line = localize(_("{declared}: {counts}.", declared=declared, counts=", ".join(parts)) if parts
                    else _("{declared}.", declared=declared))
    unmanaged = report.summary.get("unmanaged", 0)
    if unmanaged:
        line += "\n" + localize(N_(
            "{n} registration of this office no employer file declares (not counted above): `asrctl import "
            "--account NAME` writes files for them.",
            "{n} registrations of this office no employer file declares (not counted above): `asrctl import "
            "--account NAME` writes files for them.", unmanaged))
    return line


def _word(status: str) -> str:
    word = _STATUS_WORD.get(status)
    return localize(word) if word is not None else status.replace("_", " ")


def next_step(row: StatusRow) -> str:
    """What happens next for this registration, and who acts."""
    if not row.managed:
        return localize(_("not managed here: import it, or withdraw it"))
    if row.note:
        return localize(row.note)
    if row.status is None:
        return localize(_("nothing: the file says withdrawn") if row.declared_state == "withdrawn"
                        else _("merge and apply submit it to a.s.r."))
    step: Message | None = _NEXT.get(row.status)
    return localize(step) if step is not None else ""


def _cells(row: StatusRow) -> tuple[str, ...]:
    cells = (
        row.id if row.id is not None else localize(_("(unmanaged)")),
        row.company_name,
        row.payroll_tax_number,
        _word(row.status_word),
        row.first_exchange_date or "",
        row.status_detail or "",
        next_step(row),
    )
    return tuple(printable(cell) for cell in cells)  # the registry's words: never raw control characters


def _text(report: StatusReport, *, color: bool) -> str:
    if not report.rows:
        return localize(_("No employer files and no registrations of this office.")) + "\n"
    table = [_cells(r) for r in report.rows]
    head = tuple(localize(h) for h in _HEAD)
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(head[:-1])]

    def line(cells: tuple[str, ...], status_colour: str | None = None) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True)]
        if color and status_colour:
            padded[_STATUS_COLUMN] = click.style(padded[_STATUS_COLUMN], fg=status_colour)
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(head)]
    out += [line(cells, _COLOUR.get(row.status or "")) for cells, row in zip(table, report.rows, strict=True)]
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(report: StatusReport) -> str:
    out = ["### " + localize(_("Onboarding status at a.s.r.")), "", summary_line(report).replace("\n", "<br>\n"), ""]
    if report.rows:
        out.append("| " + " | ".join(localize(h) for h in _MD_HEAD) + " |")
        out.append("|---|---|---|---|---|---|---|")
        for row in report.rows:
            employer, company, number, status, first, detail, step = _cells(row)
            name = f"`{_md(employer)}`" if row.managed else "_" + localize(_("unmanaged")) + "_"
            out.append(f"| {name} | {_md(company)} | {number} | {_md(status)} | {first} | {_md(detail)} | "
                       f"{_md(step)} |")
    return "\n".join(out) + "\n"
