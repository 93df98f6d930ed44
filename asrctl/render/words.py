"""What text and markdown plans say, in one place, in a payroll reviewer's words."""

from __future__ import annotations

import json
from typing import Any

from ..plan import EmployerPlan, Plan

SYMBOL = {"create": "+", "update": "~", "withdraw": "-", "blocked": "!", "noop": "="}
SENSITIVE_CHANGED = "(sensitive: fingerprint changed)"
SENSITIVE = "(sensitive)"

# Reading order: what stops the merge first, then what will be sent, then findings only.
_ORDER = {"blocked": 0, "withdraw": 1, "update": 2, "create": 3, "noop": 4}

_WOULD = {
    "create": "would be submitted to a.s.r.",
    "update": "would be changed at a.s.r.",
    "withdraw": "would be withdrawn",
    "noop": "no registry change pending",
    "blocked": "",
}


def headline(e: EmployerPlan) -> str:
    """What happens to this employer when the change is merged and applied."""
    if e.action == "create":
        return "will be submitted to a.s.r. (new registration)"
    if e.action == "update":
        if e.resubmit:
            return f"will be submitted to a.s.r. again (the registration is {e.status})"
        return "will be changed at a.s.r."
    if e.action == "withdraw":
        return "will be withdrawn (afgemeld) at a.s.r."
    if e.action == "blocked":
        return f"blocked: fix the findings below before merging ({_WOULD[e.intended_action]})"
    return "no changes"


def notes(e: EmployerPlan) -> list[str]:
    """Consequences a reviewer should know before approving."""
    out = []
    if e.restarts_onboarding:
        out.append(
            "a.s.r. must set up the coupling again: the Nmbrs login, token, domain or company name changes, "
            "so the status goes back to submitted"
        )
    if e.status == "rejected" and e.action == "noop":
        out.append("a.s.r. rejected this registration; change the employer file to submit it again")
    return out


def shown(e: EmployerPlan) -> bool:
    """Employers with something to read get a section; the rest are listed as unchanged."""
    return e.action != "noop" or bool(e.checks) or bool(notes(e))


def reading_order(plan: Plan) -> list[EmployerPlan]:
    return sorted((e for e in plan.employers if shown(e)), key=lambda e: (_ORDER[e.action], e.id))


def unchanged(plan: Plan) -> list[EmployerPlan]:
    return [e for e in plan.employers if not shown(e)]


def value(v: Any) -> str:
    """A field value as JSON (strings quoted, like terraform), so a trailing dot or space is visible."""
    return json.dumps(v, ensure_ascii=False)


def summary_line(plan: Plan) -> str:
    s = plan.summary
    # Employer errors show as blocked; only findings about no single employer are counted apart.
    general_errors = sum(1 for c in plan.checks if c.severity == "error")
    findings = ([plural(general_errors, "error")] if general_errors else []) + [plural(s.warnings, "warning")]
    if not plan.has_changes and not s.blocked:
        line = "No changes: the registry matches the employer files."
        return line if not (s.warnings or general_errors) else f"{line} {', '.join(findings)}."
    line = f"Plan: {s.create} to create, {s.update} to change, {s.withdraw} to withdraw, {s.blocked} blocked"
    return f"{line}; {', '.join(findings)}."


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def targets_note(plan: Plan) -> str | None:
    if plan.targets is None:
        return None
    return (
        f"Only {plural(len(plan.targets), 'targeted employer')} planned (--target {' '.join(plan.targets)}); "
        "registrations no employer file declares were not looked for."
    )
