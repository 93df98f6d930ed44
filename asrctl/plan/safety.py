"""The safety rules of apply, as pure functions of a plan: apply refuses by them (run/apply.py),
and plan predicts the refusal in the pull request (make_plan adds them as `apply.*` findings).

- A withdrawal needs permission. `state: withdrawn` in an employer file is the office's
  permission for that employer: the file was reviewed and merged. A registration no file
  declares is withdrawn only with policy.allow_withdraw (or `apply --allow-withdraw`).
- More than `max_change_fraction` of the registrations this office holds changed or withdrawn
  (and more than MIN_CHANGES_FOR_THRESHOLD) needs `apply --force`, by a person. Creates add and
  change nothing stored, so they are not counted — as octoDNS counts updates and deletes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from asrctl.declare.model import Policy
from asrctl.i18n import N_, _


class EmployerPlan(Protocol):
    """What the rules read of a planned employer (plan.make.EmployerPlan; not imported: no cycle)."""

    @property
    def action(self) -> str: ...
    @property
    def status(self) -> str | None: ...


class UnmanagedRegistration(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def payroll_tax_number(self) -> str: ...

__all__ = ["MIN_CHANGES_FOR_THRESHOLD", "Refusal", "changes_to_held", "held_registrations", "refusals"]

MIN_CHANGES_FOR_THRESHOLD = 5  # up to this many changes never need --force


@dataclass(frozen=True)
class Refusal:
    id: str        # apply.withdraw-not-permitted | apply.needs-force
    message: str
    hint: str


def held_registrations(employers: Sequence[EmployerPlan], unmanaged: Sequence[UnmanagedRegistration],
                       recorded: int | None) -> int:
    """Registrations of this office: the threshold's denominator. A scoped plan (--target,
    --changed-since) sees only part of them, so make_plan records the registry's whole count."""
    if recorded is not None:
        return recorded
    return sum(1 for e in employers if e.status is not None) + len(unmanaged)


def changes_to_held(employers: Sequence[EmployerPlan], unmanaged: Sequence[UnmanagedRegistration]) -> int:
    """Updates and withdrawals: the writes that change or remove what a.s.r. already holds."""
    return sum(1 for e in employers if e.action in ("update", "withdraw")) + sum(
        1 for u in unmanaged if u.action == "withdraw"
    )


def unpermitted_withdrawals(unmanaged: Sequence[UnmanagedRegistration], policy: Policy, allow_withdraw: bool) -> list[str]:
    if allow_withdraw or policy.allow_withdraw:
        return []
    return [u.payroll_tax_number for u in unmanaged if u.action == "withdraw"]


def refusals(
    employers: Sequence[EmployerPlan],
    unmanaged: Sequence[UnmanagedRegistration],
    policy: Policy,
    *,
    held: int | None,
    allow_withdraw: bool,
    force: bool,
) -> list[Refusal]:
    out: list[Refusal] = []
    gone = unpermitted_withdrawals(unmanaged, policy, allow_withdraw)
    if gone:
        shown = ", ".join(gone[:5])
        listed = _("{names} and {more} more", names=shown, more=len(gone) - 5) if len(gone) > 5 else shown
        out.append(Refusal(
            "apply.withdraw-not-permitted",
            N_("the plan withdraws (afmelden) {n} registration no employer file declares ({listed}); withdrawing "
               "those needs permission",
               "the plan withdraws (afmelden) {n} registrations no employer file declares ({listed}); withdrawing "
               "those needs permission", len(gone), listed=listed),
            _("if the withdrawal is intended, set policy.allow_withdraw: true in asrctl.yaml, or run apply with "
              "--allow-withdraw; to withdraw one employer, keep its file with `state: withdrawn`"),
        ))
    changes = changes_to_held(employers, unmanaged)
    total = held_registrations(employers, unmanaged, held)
    if not force and changes > MIN_CHANGES_FOR_THRESHOLD and changes > policy.max_change_fraction * total:
        share = format(changes / total, ".0%") if total else _("all")
        out.append(Refusal(
            "apply.needs-force",
            _("the plan changes or withdraws {changes} of the {total} registrations this office holds ({share}), "
              "more than policy.max_change_fraction ({limit})", changes=changes, total=total, share=share,
              limit=format(policy.max_change_fraction, ".0%")),
            _("review the plan; if so many changes are intended, a person runs apply with --force "
              "(in GitHub: the asrctl apply workflow by hand, with force)"),
        ))
    return out
