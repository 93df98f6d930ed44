"""What text and markdown plans say, in one place, in a payroll reviewer's words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from asrctl.checks import Check, Severity
from asrctl.i18n import N_, Message, _, localize
from asrctl.plan.make import EmployerPlan, Plan, describe_status

SYMBOL = {"create": "+", "update": "~", "withdraw": "-", "blocked": "!", "noop": "="}
SENSITIVE_CHANGED = _("(sensitive: token changed)")
SENSITIVE = _("(sensitive)")

# Reading order: what stops the merge first, then what will be sent, then findings only.
_ORDER = {"blocked": 0, "withdraw": 1, "update": 2, "create": 3, "noop": 4}

_WOULD = {
    "create": _("would be submitted to a.s.r."),
    "update": _("would be changed at a.s.r."),
    "withdraw": _("would be withdrawn"),
    "noop": _("no registry change pending"),
    "blocked": Message(""),
}


def headline(e: EmployerPlan) -> str:
    """What happens to this employer when the change is merged and applied."""
    if e.action == "create":
        return localize(_("will be submitted to a.s.r. (new registration)"))
    if e.action == "update":
        if e.resubmit:
            return localize(_("will be submitted to a.s.r. again (the registration is {status})",
                              status=status_word(e.status)))
        return localize(_("will be changed at a.s.r."))
    if e.action == "withdraw":
        return localize(_("will be withdrawn (afgemeld) at a.s.r."))
    if e.action == "blocked":
        return localize(_("blocked: fix the findings below before merging ({would})", would=_WOULD[e.intended_action]))
    return localize(_("no changes"))


def would(e: EmployerPlan) -> str:
    """What would happen to a blocked employer once its findings are fixed ("would be submitted to a.s.r.")."""
    return localize(_WOULD[e.intended_action])


def notes(e: EmployerPlan) -> list[str]:
    """Consequences a reviewer should know before approving."""
    out = []
    if e.restarts_onboarding:
        out.append(localize(_(
            "a.s.r. must set up the coupling again: the Nmbrs login, token, domain or company name changes, "
            "so the status goes back to submitted"
        )))
    if e.status == "rejected" and e.action == "noop":
        out.append(localize(_("a.s.r. rejected this registration; change the employer file to submit it again")))
    return out


@dataclass(frozen=True)
class SharedFinding:
    """A warning worded identically on several employers (e.g. a call not Active for their account)."""

    check: Check
    employers: list[str]

    def where(self, limit: int = 5) -> str:
        names = ", ".join(self.employers[:limit])
        more, count = len(self.employers) - limit, len(self.employers)
        if more > 0:
            return localize(N_("on {n} employer: {names} and {more} more", "on {n} employers: {names} and {more} more",
                               count, names=names, more=more))
        return localize(N_("on {n} employer: {names}", "on {n} employers: {names}", count, names=names))


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
    findings = ([N_("{n} error", "{n} errors", general_errors)] if general_errors else []) + [
        N_("{n} warning", "{n} warnings", s.warnings)]
    rejected = len(plan.rejected)
    if rejected:
        findings.insert(0, _("{n} rejected by a.s.r. (see the reason; correct the file)", n=rejected))
    notes = count_notes(plan)
    findings += [N_("{n} note", "{n} notes", notes)] if notes else []
    listed = ", ".join(localize(f) for f in findings)
    if not plan.has_changes and not s.blocked:
        if not (s.warnings or general_errors or rejected or notes):
            return localize(_("No changes: the registry matches the employer files."))
        return localize(_("No changes: the registry matches the employer files. {findings}.", findings=listed))
    return localize(_("Plan: {create} to create, {update} to change, {withdraw} to withdraw, {blocked} blocked; "
                      "{findings}.", create=s.create, update=s.update, withdraw=s.withdraw, blocked=s.blocked,
                      findings=listed))


def status_word(status: str | None) -> str:
    """An onboarding status in the active language's words (the JSON keeps the registry's value)."""
    return localize(describe_status(status)) if status else ""


def targets_note(plan: Plan) -> str | None:
    """What a scoped plan (--changed-since, --target) covers, and what it leaves out."""
    since, targets = plan.changed_since, plan.targets
    if since is not None:
        if targets is None:
            return localize(_("Changes since {ref} touch what every employer shares: all employers planned.",
                              ref=since))
        if not targets and not plan.unmanaged:
            return localize(_("No employer file or account changed since {ref}: nothing to plan. The nightly drift "
                              "plan covers every employer.", ref=since))
        shown = ", ".join(targets[:10]) + (" …" if len(targets) > 10 else "")
        employers = N_("{n} employer ({names})", "{n} employers ({names})", len(targets), names=shown)
        if plan.unmanaged:
            deleted = N_("{n} deleted employer file", "{n} deleted employer files", len(plan.unmanaged))
            return localize(_("Only what changed since {ref}: {employers} and the registrations of {deleted}. Other "
                              "employers were not asked about; the nightly drift plan covers them.",
                              ref=since, employers=employers, deleted=deleted))
        return localize(_("Only what changed since {ref}: {employers}. Other employers were not asked about; the "
                          "nightly drift plan covers them.", ref=since, employers=employers))
    if targets is None:
        return None
    return localize(N_(
        "Only {n} targeted employer planned (--target {targets}); registrations no employer file declares were "
        "not looked for.",
        "Only {n} targeted employers planned (--target {targets}); registrations no employer file declares were "
        "not looked for.", len(targets), targets=" ".join(targets)))
