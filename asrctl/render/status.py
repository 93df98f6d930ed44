"""`asrctl status` as text (aligned columns), markdown (one table) or JSON."""

from __future__ import annotations

from typing import Literal

import click

from asrctl.printable import printable
from asrctl.run.status import StatusReport, StatusRow

StatusFormat = Literal["text", "json", "markdown"]
STATUS_FORMATS: tuple[StatusFormat, ...] = ("text", "json", "markdown")

_HEAD = ("EMPLOYER", "BEDRIJFSNAAM IN NMBRS", "LOONHEFFINGENNUMMER", "STATUS", "FIRST EXCHANGE", "DETAIL", "NEXT")
_STATUS_COLUMN = 3
_COLOUR = {"active": "green", "rejected": "red", "submitted": "yellow", "in setup": "yellow", "not registered": None,
           "withdrawn": None}


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
    parts = [f"{n} {word.replace('_', ' ')}" for word, n in report.summary.items() if word != "unmanaged"]
    line = f"{managed} declared employer{'s' if managed != 1 else ''}"
    line += (": " + ", ".join(parts) if parts else "") + "."
    unmanaged = report.summary.get("unmanaged", 0)
    if unmanaged:
        line += (f"\n{unmanaged} registration{'s' if unmanaged != 1 else ''} of this office no employer file "
                 "declares (not counted above): `asrctl import --account NAME` writes files for them.")
    return line


def next_step(row: StatusRow) -> str:
    """What happens next for this registration, and who acts."""
    if not row.managed:
        return "not managed here: import it, or withdraw it"
    if row.note:
        return row.note
    if row.status is None:
        return ("nothing: the file says withdrawn" if row.declared_state == "withdrawn"
                else "merge and apply submit it to a.s.r.")
    return {
        "submitted": "a.s.r. reviews it; Keylane then contacts the office",
        "in_setup": "Keylane sets up the coupling; a.s.r. sets the first exchange date",
        "active": "nothing: the coupling runs",
        "rejected": "correct the file as the reason says and merge: apply submits it again",
        "withdrawn": "nothing; state: active in the file submits it again",
    }.get(row.status, "")


def _cells(row: StatusRow) -> tuple[str, ...]:
    cells = (
        row.id if row.id is not None else "(unmanaged)",
        row.company_name,
        row.payroll_tax_number,
        row.status_word.replace("_", " "),
        row.first_exchange_date or "",
        row.status_detail or "",
        next_step(row),
    )
    return tuple(printable(cell) for cell in cells)  # the registry's words: never raw control characters


def _text(report: StatusReport, *, color: bool) -> str:
    if not report.rows:
        return "No employer files and no registrations of this office.\n"
    table = [_cells(r) for r in report.rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(_HEAD[:-1])]

    def line(cells: tuple[str, ...], status_colour: str | None = None) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True)]
        if color and status_colour:
            padded[_STATUS_COLUMN] = click.style(padded[_STATUS_COLUMN], fg=status_colour)
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(_HEAD)]
    out += [line(cells, _COLOUR.get(cells[_STATUS_COLUMN])) for cells in table]
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(report: StatusReport) -> str:
    out = ["### Onboarding status at a.s.r.", "", summary_line(report).replace("\n", "<br>\n"), ""]
    if report.rows:
        out.append("| Employer | Bedrijfsnaam in Nmbrs | Loonheffingennummer | Status | First exchange | Detail | Next |")
        out.append("|---|---|---|---|---|---|---|")
        for row in report.rows:
            employer, company, number, status, first, detail, step = _cells(row)
            name = f"`{_md(employer)}`" if row.managed else "_unmanaged_"
            out.append(f"| {name} | {_md(company)} | {number} | {_md(status)} | {first} | {_md(detail)} | "
                       f"{_md(step)} |")
    return "\n".join(out) + "\n"
