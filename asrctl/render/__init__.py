"""Renderers: a Plan as text, markdown or JSON (validate's problems are rendered by render/validate.py).

Modules are imported on use so `asrctl validate` never pays for the plan renderers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from asrctl.plan.make import Plan

PlanFormat = Literal["text", "markdown", "json"]
PLAN_FORMATS: tuple[PlanFormat, ...] = ("text", "markdown", "json")


def render_plan(plan: Plan, fmt: PlanFormat, *, color: bool = False) -> str:
    """The plan in one of PLAN_FORMATS; `color` (ANSI) applies to text only."""
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
