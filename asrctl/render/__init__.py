"""Renderers: a Plan as text, markdown or JSON (validate's problems are rendered by render/validate.py).

Modules are imported on use so `asrctl validate` never pays for the plan renderers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from asrctl.checks import Check
    from asrctl.plan.make import Plan


__all__ = ["PLAN_FORMATS", "PlanFormat", "printable_plan", "render_plan"]
PlanFormat = Literal["text", "markdown", "json"]
PLAN_FORMATS: tuple[PlanFormat, ...] = ("text", "markdown", "json")


def render_plan(plan: Plan, fmt: PlanFormat, *, color: bool = False) -> str:
    """The plan in one of PLAN_FORMATS; `color` (ANSI) applies to text only.

    Text and markdown are for people: every string of the plan (company names, Nmbrs's and the
    registry's words) is passed through `printable` first, so no control character reaches a
    terminal or a PR comment raw. JSON keeps the data exactly (JSON escapes it).
    """
    if fmt in ("text", "markdown"):
        plan = printable_plan(plan)
    if fmt == "text":
        from asrctl.render.text import render_text

        return render_text(plan, color=color)
    if fmt == "markdown":
        from asrctl.render.markdown import render_markdown

        return render_markdown(plan)
    if fmt == "json":
        from asrctl.render.json import render_json

        return render_json(plan)
    raise ValueError(f"unknown plan format {fmt!r}")


def printable_plan(plan: Plan) -> Plan:
    """The plan with `asrctl.printable.printable` applied to every string in it."""
    from asrctl.plan.make import Plan
    from asrctl.printable import printable

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return printable(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    clean = Plan.model_validate(walk(plan.model_dump()))
    # Findings keep their Message (translated at render time); what they quote is escaped all the same.
    employers = [mine.model_copy(update={"checks": [_printable_check(c) for c in theirs.checks]})
                 for mine, theirs in zip(clean.employers, plan.employers, strict=True)]
    return clean.model_copy(update={"employers": employers, "checks": [_printable_check(c) for c in plan.checks]})


def _printable_check(check: Check) -> Check:
    return replace(check, message=_printable_text(check.message),
                   hint=_printable_text(check.hint) if check.hint is not None else None)


def _printable_text(text: str) -> str:
    """`printable` of a text; of a Message, of each text it quotes (its own words are the catalogue's)."""
    from asrctl.i18n import Message
    from asrctl.printable import printable

    if isinstance(text, Message):
        params = {k: _printable_text(v) if isinstance(v, str) else v for k, v in text.params.items()}
        return Message(text.msgid, params, plural=text.plural, n=text.n)
    return printable(text)
