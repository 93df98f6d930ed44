"""What text and markdown plans say, in one place, in a payroll reviewer's words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from asrctl.checks import Check, Severity
from asrctl.plan.make import EmployerPlan, Plan

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


@dataclass(frozen=True)
class SharedFinding:
    """A warning worded identically on several employers (e.g. a call not Active for their account)."""

    check: Check
    employers: list[str]

    def where(self, limit: int = 5) -> str:
        names = ", ".join(self.employers[:limit])
        more = len(self.employers) - limit
        return f"on {plural(len(self.employers), 'employer')}: {names}" + (f" and {more} more" if more > 0 else "")


class View:
    """What a reader sees of a plan: warnings shared by several employers once, the rest per employer.

    The plan itself keeps every finding on every employer (the JSON is per employer); only the
    text and markdown renderings fold repeats, so a PR comment for a thousand employers of one
    account does not say the same sentence a thousand times.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    @cached_property
    def shared(self) -> list[SharedFinding]:
        seen: dict[tuple[str, Severity, str, str | None], list[str]] = {}
        for e in sorted(self.plan.employers, key=lambda e: e.id):
            for c in e.checks:
                if c.severity != "error":
                    seen.setdefault((c.id, c.severity, c.message, c.hint), []).append(e.id)
        return [
            SharedFinding(Check(id_, severity, message, hint), ids)
            for (id_, severity, message, hint), ids in seen.items()
            if len(ids) > 1
        ]

    @cached_property
    def _shared_keys(self) -> set[tuple[str, str, str | None]]:
        return {(f.check.id, f.check.message, f.check.hint) for f in self.shared}

    def checks(self, e: EmployerPlan) -> list[Check]:
        """The employer's own findings: errors always, warnings unless shared."""
        return [c for c in e.checks if c.severity == "error" or (c.id, c.message, c.hint) not in self._shared_keys]

    def shown(self, e: EmployerPlan) -> bool:
        """Employers with something to read get a section; the rest are listed as unchanged."""
        return e.action != "noop" or bool(self.checks(e)) or bool(notes(e))

    def reading_order(self) -> list[EmployerPlan]:
        return sorted((e for e in self.plan.employers if self.shown(e)), key=lambda e: (_ORDER[e.action], e.id))

    def unchanged(self) -> list[EmployerPlan]:
        return [e for e in self.plan.employers if not self.shown(e)]


def value(v: Any) -> str:
    """A field value as JSON (strings quoted, like terraform), so a trailing dot or space is visible."""
    return json.dumps(v, ensure_ascii=False)


def count_notes(plan: Plan) -> int:
    """Notes (nmbrs.optional ...) are shown but never counted as warnings; the JSON summary keeps its keys."""
    return sum(1 for c in plan.checks if c.severity == "note") + sum(
        1 for e in plan.employers for c in e.checks if c.severity == "note")


def summary_line(plan: Plan) -> str:
    s = plan.summary
    # Employer errors show as blocked; only findings about no single employer are counted apart.
    general_errors = sum(1 for c in plan.checks if c.severity == "error")
    findings = ([plural(general_errors, "error")] if general_errors else []) + [plural(s.warnings, "warning")]
    rejected = len(plan.rejected)
    if rejected:
        findings.insert(0, f"{rejected} rejected by a.s.r. (see the reason; correct the file)")
    notes = count_notes(plan)
    findings += [plural(notes, "note")] if notes else []
    if not plan.has_changes and not s.blocked:
        line = "No changes: the registry matches the employer files."
        return line if not (s.warnings or general_errors or rejected or notes) else f"{line} {', '.join(findings)}."
    line = f"Plan: {s.create} to create, {s.update} to change, {s.withdraw} to withdraw, {s.blocked} blocked"
    return f"{line}; {', '.join(findings)}."


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def targets_note(plan: Plan) -> str | None:
    """What a scoped plan (--changed-since, --target) covers, and what it leaves out."""
    if plan.changed_since is not None:
        if plan.targets is None:
            return f"Changes since {plan.changed_since} touch what every employer shares: all employers planned."
        if not plan.targets and not plan.unmanaged:
            return (f"No employer file or account changed since {plan.changed_since}: nothing to plan. "
                    "The nightly drift plan covers every employer.")
        return (
            f"Only what changed since {plan.changed_since}: {plural(len(plan.targets), 'employer')} "
            f"({', '.join(plan.targets[:10])}{' …' if len(plan.targets) > 10 else ''})"
            + (f" and the registrations of {plural(len(plan.unmanaged), 'deleted employer file')}"
               if plan.unmanaged else "")
            + ". Other employers were not asked about; the nightly drift plan covers them."
        )
    if plan.targets is None:
        return None
    return (
        f"Only {plural(len(plan.targets), 'targeted employer')} planned (--target {' '.join(plan.targets)}); "
        "registrations no employer file declares were not looked for."
    )
