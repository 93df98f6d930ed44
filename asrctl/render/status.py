"""`asrctl status` as text (aligned columns), markdown (one table) or JSON."""

from __future__ import annotations

from typing import Literal

import click

from asrctl.printable import printable
from asrctl.run.status import StatusReport, StatusRow

StatusFormat = Literal["text", "json", "markdown"]
STATUS_FORMATS: tuple[StatusFormat, ...] = ("text", "json", "markdown")

_HEAD = ("EMPLOYER", "LOONHEFFINGENNUMMER", "STATUS", "FIRST EXCHANGE", "LAST CHANGE", "DETAIL")
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
    managed = sum(1 for r in report.rows if r.managed)
    parts = [f"{n} {word.replace('_', ' ')}" for word, n in report.summary.items() if word != "unmanaged"]
    line = f"{managed} employer{'s' if managed != 1 else ''}"
    line += ": " + ", ".join(parts) if parts else ""
    unmanaged = report.summary.get("unmanaged", 0)
    if unmanaged:
        line += f"; {unmanaged} registration{'s' if unmanaged != 1 else ''} no employer file declares"
    return line + "."


def _cells(row: StatusRow) -> tuple[str, str, str, str, str, str]:
    detail = [d for d in (row.status_detail, row.note) if d]
    if not row.managed:
        detail.insert(0, row.company_name)
    cells = (
        row.id if row.id is not None else "(unmanaged)",
        row.payroll_tax_number,
        row.status_word.replace("_", " "),
        row.first_exchange_date or "",
        (row.updated_at or "")[:10],
        "; ".join(detail),
    )
    a, b, c, d, e, f = (printable(cell) for cell in cells)  # the registry's words: never raw control characters
    return a, b, c, d, e, f


def _text(report: StatusReport, *, color: bool) -> str:
    if not report.rows:
        return "No employer files and no registrations of this office.\n"
    table = [_cells(r) for r in report.rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(_HEAD[:-1])]

    def line(cells: tuple[str, ...], status_colour: str | None = None) -> str:
        padded = [c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True)]
        if color and status_colour:
            padded[2] = click.style(padded[2], fg=status_colour)
        return "  ".join([*padded, cells[-1]]).rstrip()

    out = [line(_HEAD)]
    out += [line(cells, _COLOUR.get(cells[2])) for cells in table]
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _markdown(report: StatusReport) -> str:
    out = ["### Onboarding status at a.s.r.", "", summary_line(report), ""]
    if report.rows:
        out.append("| Employer | Loonheffingennummer | Status | First exchange | Last change | Detail |")
        out.append("|---|---|---|---|---|---|")
        for row in report.rows:
            employer, number, status, first, changed, detail = _cells(row)
            name = f"`{_md(employer)}`" if row.managed else "_unmanaged_"
            out.append(f"| {name} | {number} | {_md(status)} | {first} | {changed} | {_md(detail)} |")
    return "\n".join(out) + "\n"
