"""The plan as JSON (DESIGN.md "Plan JSON", format_version 1): what `--format json` prints and `--out` writes."""

from __future__ import annotations

from asrctl.plan.make import Plan


def render_json(plan: Plan) -> str:
    return plan.to_json()
