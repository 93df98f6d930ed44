"""`TODO` placeholders: what `asrctl import` could not learn, and how validate names them.

import writes `TODO` where neither Nmbrs nor the registry can tell a value (a company not yet
registered has no raamwerkcontractnummer anywhere). validate then reports each one as
"<field> is still TODO: <what to fill in>" (code `todo`) instead of a schema message about a
malformed value, so the payroll employee knows it is theirs to fill in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asrctl.i18n import Message, _

TODO = "TODO"
CODE = "todo"

# What to fill in, per field (dotted path without list indexes).
_WHAT: dict[str, Message] = {
    "contract_number": _("fill in the raamwerkcontractnummer from the a.s.r. policy"),
    "payroll_tax_number": _("fill in the loonheffingennummer (9 digits, L, 2 digits, e.g. 123456782L01) from the "
                            "Belastingdienst's letter or the company's details in Nmbrs"),
    "payroll.frequency": _("write monthly or four_weekly, as the company's Loonaangifte tijdvak in Nmbrs"),
    "payroll.thirteenth_month": _("write true when the employer pays a 13th month (dertiende maand), else false"),
    "dga": _("list each DGA (name and employee_number as in Nmbrs), or write dga: [] when there is none"),
    "nmbrs.company": _("write the company name exactly as Nmbrs shows it"),
    "nmbrs.debtor": _('write the Nmbrs debtor number in quotes, e.g. "1042", or remove the line'),
}


def is_todo(value: Any) -> bool:
    """`TODO`, or text starting with it (`TODO: ask the employer`)."""
    return isinstance(value, str) and value.strip()[:4] == TODO


def todo_paths(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The paths of every TODO value in a document (plain data), in document order."""
    if is_todo(data):
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from todo_paths(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from todo_paths(value, (*path, index))


def todo_problem(path: tuple[str | int, ...]) -> tuple[str, Message, Message]:
    """(dotted path for positions, message, hint) of one TODO value."""
    dotted = ".".join(str(p) for p in path)
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if shown else part)
    field = ".".join(p for p in path if isinstance(p, str))
    what = _WHAT.get(field) or _WHAT.get(field.split(".")[0]) or _("fill in the value")
    return dotted, _("{field} is still TODO: {what}", field=shown or _("the file"), what=what), _(
        "asrctl import left it for you: neither Nmbrs nor the a.s.r. registry knows it")
