"""Plan → registry writes (DESIGN.md "Apply").

The engine takes a Plan, the loaded repo (for the bodies) and a registry client, and
writes one employer at a time in plan order. Decisions the design leaves open, made here:

- Gates come before any write, in the order of `gate_plan_file` / `gate_tokens` /
  `gate_fresh_plan`, and are all-or-nothing: the checksum (`--checksum`), a stale plan file
  (inputs digest, token fingerprints), the safety rules of plan/safety.py (withdrawal
  permission, the change threshold) refuse the whole apply, so what runs is what was reviewed.
- Each write carries `idempotency_key(plan checksum, subject, action)`. A re-run of the same
  plan (after a crash, or a second apply racing the first) gets the registry's stored answer
  replayed (`Idempotent-Replayed: true`): that write counts as done, never as a second
  submission. A *different* plan writing the same registration gets 412 → "stale plan".
- One employer's failure does not stop the others. Failures about the registry as a whole
  (401, 403, unreachable after the client's retries) do: the remaining writes would fail the
  same way, so they are reported as not attempted.
- Blocked employers are reported as skipped; they make apply exit 1 (DESIGN.md: a failed check
  that blocks an employer is exit 1), after every other write was made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from asrctl.declare.load import Repo
from asrctl.declare.model import Policy
from asrctl.errors import AsrctlError, SafetyError, StalePlanError
from asrctl.i18n import _, localize
from asrctl.plan.desired import desired_digest, write_body
from asrctl.plan.make import EmployerPlan, Plan, UnmanagedRegistration, idempotency_key
from asrctl.plan.safety import refusals
from asrctl.plan.verify import verify_derivation
from asrctl.registry.errors import (
    Forbidden,
    PreconditionFailed,
    RegisteredElsewhere,
    RegistryUnreachable,
    Unauthorized,
)
from asrctl.registry.models import Registration
from asrctl.secrets import Secret, redact

STALE = _("stale plan: the registration changed since the plan was made; run plan again")
STALE_HINT = _("run `asrctl plan` again, review it, and apply the new plan (nothing was written for this employer)")

Outcome = Literal["created", "updated", "withdrawn", "skipped", "failed", "not_attempted"]
WriteAction = Literal["create", "update", "withdraw"]


class RegistryWriter(Protocol):
    """What apply needs of the registry client (asrctl.registry.client.RegistryClient)."""

    @property
    def replays(self) -> int: ...

    def create(self, payroll_tax_number: str, body: Mapping[str, Any], *, idempotency_key: str) -> Registration: ...

    def update(
        self, payroll_tax_number: str, body: Mapping[str, Any], *, version: int, idempotency_key: str
    ) -> Registration: ...

    def withdraw(self, payroll_tax_number: str, *, version: int, idempotency_key: str) -> Registration: ...


@dataclass(frozen=True)
class Write:
    """One registry write the plan asks for."""

    subject: str               # employer id, or the payroll_tax_number of an unmanaged registration
    payroll_tax_number: str
    action: WriteAction
    version: int | None        # If-Match; None on create (If-None-Match: *)
    employer: EmployerPlan | None = None        # None: an unmanaged registration
    unmanaged: UnmanagedRegistration | None = None


@dataclass(frozen=True)
class WriteResult:
    subject: str
    payroll_tax_number: str
    action: str                # create | update | withdraw | blocked
    outcome: Outcome
    message: str               # what happened, or why not
    hint: str | None = None
    replayed: bool = False     # an earlier run of this same plan had made this write already
    registration: Registration | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("created", "updated", "withdrawn")


@dataclass
class ApplyReport:
    checksum: str
    results: list[WriteResult] = field(default_factory=list)
    unchanged: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def write_failed(self) -> bool:
        """A write failed or was not attempted."""
        return any(r.outcome in ("failed", "not_attempted") for r in self.results)

    @property
    def failed(self) -> bool:
        """Exit 1: a write failed or was not attempted, or an employer was blocked (never submitted)."""
        return self.write_failed or self.count("skipped") > 0

    @property
    def replayed(self) -> int:
        return sum(1 for r in self.results if r.replayed)


# --- gates: refuse before any write -------------------------------------------------------------

_HEX64 = re.compile(r"[0-9a-f]{64}")


def normalise_checksum(value: str) -> str:
    """`sha256:<64 hex>` from what a user pastes: with or without the prefix, any case, spaces trimmed."""
    text = value.strip().lower()
    bare = text.removeprefix("sha256:")
    if not _HEX64.fullmatch(bare):
        raise SafetyError(
            _("--checksum {value} is not a plan checksum", value=repr(value.strip())),
            hint=_("pass the full checksum plan printed, e.g. --checksum sha256:3f2a… (64 hex digits)"),
        )
    return "sha256:" + bare


def verify_checksum(plan: Plan, expected: str | None) -> None:
    """Applied = reviewed: refuse unless the plan about to be carried out has the reviewed checksum."""
    if expected is None:
        return
    want = normalise_checksum(expected)
    if plan.checksum != want:
        raise SafetyError(
            _("the plan to apply has checksum {checksum}, not the reviewed {want}: it would write other "
              "registrations, other values or under other registry versions than reviewed",
              checksum=plan.checksum, want=want),
            hint=_("nothing was written; run `asrctl plan` again, review it, and apply with its checksum"),
        )


def writing_employers(plan: Plan) -> list[EmployerPlan]:
    return [e for e in plan.employers if e.action in ("create", "update", "withdraw")]


def accounts_to_resolve(plan: Plan) -> set[str]:
    """Accounts whose token apply needs: to send it, or to see it is still the one the plan used."""
    return {e.account for e in plan.employers if e.action in ("create", "update")}


def verify_inputs(plan: Plan, repo: Repo) -> None:
    """A plan file is only applied to the declarations and asrctl.yaml it was made from."""
    if repo.inputs_digest != plan.inputs_digest:
        raise StalePlanError(
            _("the declarations or asrctl.yaml changed since the plan was made; run plan again"),
            hint=_("run `asrctl plan --out FILE` on the current files, review it, and apply that plan"),
        )


def verify_tokens(plan: Plan, repo: Repo, fingerprints: Mapping[str, str]) -> None:
    """... and with the tokens it was made with: a rotated token must be reviewed (as a sensitive change)."""
    by_id = {e.id: e for e in repo.employers}
    moved: dict[str, list[str]] = {}
    for e in plan.employers:
        if e.action not in ("create", "update"):
            continue
        loaded = by_id.get(e.id)
        if loaded is None:  # cannot happen with an equal inputs digest; refuse all the same
            raise StalePlanError(_("employer {id} of the plan has no file any more; run plan again", id=e.id))
        fp = fingerprints.get(e.account)
        if fp is None or desired_digest(repo.config, loaded.employer, fp) != e.desired_digest:
            moved.setdefault(e.account, []).append(e.id)
    if moved:
        account, *others = sorted(moved)
        raise StalePlanError(
            _("the token of account '{account}' was changed since the plan was made, and so was that of {others}; "
              "run plan again", account=account, others=", ".join(repr(o) for o in others)) if others else
            _("the token of account '{account}' was changed since the plan was made; run plan again",
              account=account),
            hint=_("a token was rotated since plan ran: run `asrctl plan` again so the new token is reviewed"),
        )


def verify_current(plan: Plan, repo: Repo, fingerprints: Mapping[str, str]) -> None:
    """Both checks of a plan file: same inputs, same tokens."""
    verify_inputs(plan, repo)
    verify_tokens(plan, repo, fingerprints)


def check_safety(plan: Plan, policy: Policy, *, allow_withdraw: bool, force: bool) -> None:
    """Withdrawals of undeclared registrations need permission; many changes need --force (plan/safety.py)."""
    found = refusals(plan.employers, plan.unmanaged, policy, held=plan.registrations_held,
                     allow_withdraw=allow_withdraw, force=force)
    if found:
        first = found[0]
        raise SafetyError(first.message, hint=_("nothing was written; {hint}", hint=first.hint))


@dataclass(frozen=True)
class Permissions:
    """What the person running apply allows beyond the policy, and what was reviewed."""

    checksum: str | None = None
    allow_withdraw: bool = False
    force: bool = False


def gate_plan_file(plan: Plan, repo: Repo, permissions: Permissions) -> set[str]:
    """The gates of `apply PLANFILE` that need no network, in order; returns the accounts whose
    token must be resolved for `gate_tokens`. Each gate refuses the whole apply:
    1. the checksum is the reviewed one (what is reviewed is what is written);
    2. the plan was made from these declarations and asrctl.yaml (a stale plan file);
    2b. its actions follow from those declarations and the observations it records (a forged file);
    3. the safety rules (withdrawal permission, change threshold)."""
    verify_checksum(plan, permissions.checksum)
    verify_inputs(plan, repo)
    verify_derivation(plan, repo)
    check_safety(plan, repo.config.policy, allow_withdraw=permissions.allow_withdraw, force=permissions.force)
    return accounts_to_resolve(plan)


def gate_tokens(plan: Plan, repo: Repo, fingerprints: Mapping[str, str]) -> None:
    """4. the tokens resolve to the fingerprints the plan was made with (a rotated token is reviewed)."""
    verify_tokens(plan, repo, fingerprints)


def gate_fresh_plan(plan: Plan, repo: Repo, permissions: Permissions) -> bool:
    """The gates of apply without a plan file, after the fresh plan was shown: the checksum, then
    the safety rules. False when there is nothing to write (and nothing blocked to report)."""
    verify_checksum(plan, permissions.checksum)
    if not planned_writes(plan) and not plan.summary.blocked:
        return False
    check_safety(plan, repo.config.policy, allow_withdraw=permissions.allow_withdraw, force=permissions.force)
    return True


# --- the writes --------------------------------------------------------------------------------


def planned_writes(plan: Plan) -> list[Write]:
    """The writes in plan order: employers (by id), then unmanaged registrations to withdraw."""
    writes = [
        Write(e.id, e.payroll_tax_number, e.action, e.registry_version, employer=e)  # type: ignore[arg-type]
        for e in writing_employers(plan)
    ]
    writes += [
        Write(u.payroll_tax_number, u.payroll_tax_number, "withdraw", u.registry_version, unmanaged=u)
        for u in plan.unmanaged
        if u.action == "withdraw"
    ]
    return writes


def _blocked(plan: Plan) -> Iterator[WriteResult]:
    for e in plan.employers:
        if e.action != "blocked":
            continue
        errors = [c.id for c in e.checks if c.severity == "error"]
        yield WriteResult(
            e.id,
            e.payroll_tax_number,
            "blocked",
            "skipped",
            _("blocked by {ids}; not submitted", ids=", ".join(dict.fromkeys(errors))) if errors
            else _("blocked by a failed check; not submitted"),
        )


_DONE: dict[WriteAction, Outcome] = {"create": "created", "update": "updated", "withdraw": "withdrawn"}


def _failure(write: Write, exc: AsrctlError) -> WriteResult:
    message: str
    hint: str | None
    if isinstance(exc, PreconditionFailed):
        message, hint = STALE, STALE_HINT
    elif isinstance(exc, RegisteredElsewhere):
        message = _("this employer is already connected through another payroll office; contact a.s.r.")
        hint = _("a.s.r. can move the registration to this payroll office; until then it cannot be submitted here")
    else:
        message, hint = exc.message, exc.hint
    return WriteResult(
        write.subject, write.payroll_tax_number, write.action, "failed", redact(message),
        redact(hint) if hint else None,
    )


def _done(write: Write, registration: Registration, replayed: bool) -> WriteResult:
    status = _STATUS_WORD.get(registration.status) or registration.status
    if write.action == "update" and write.version is not None:
        text = _("version {before} → {after}, status {status}", before=write.version, after=registration.version,
                 status=status)
    else:
        text = _("version {version}, status {status}", version=registration.version, status=status)
    if replayed:
        text = _("{text}; already carried out for this plan: the registry replayed its answer, nothing was "
                 "submitted twice", text=text)
    return WriteResult(
        write.subject, write.payroll_tax_number, write.action, _DONE[write.action], text,
        replayed=replayed, registration=registration,
    )


def _stops_the_run(exc: AsrctlError) -> bool:
    """Errors about the registry as a whole: every further write would fail the same way."""
    return isinstance(exc, (Unauthorized, Forbidden, RegistryUnreachable))


# The registry's status value, as a word of the language (English: the value itself, as scripts read it).
_STATUS_WORD = {"submitted": _("submitted"), "in_setup": _("in_setup"), "active": _("active"),
                "rejected": _("rejected"), "withdrawn": _("withdrawn")}


def _not_attempted(write: Write, first: Write, exc: AsrctlError) -> WriteResult:
    """This write's own line: its own loonheffingennummer, and the cause without the first write's
    (the error's message names the registration it was about)."""
    again = _("run apply again once the registry is reachable (writes already done are not repeated)")
    if isinstance(exc, Unauthorized):
        cause, hint = _("the registry refused the registry token (401)"), exc.hint or again
    elif isinstance(exc, Forbidden):
        cause, hint = _("the registry token may not write (403)"), exc.hint or again
    else:
        cause, hint = _("the a.s.r. registry could not be reached"), again
    facts = {"number": write.payroll_tax_number, "cause": cause, "first": first.subject}
    message = {
        "create": _("not attempted (submit {number}): {cause} at the write of {first}, so apply stopped", **facts),
        "update": _("not attempted (change {number}): {cause} at the write of {first}, so apply stopped", **facts),
        "withdraw": _("not attempted (withdraw {number}): {cause} at the write of {first}, so apply stopped",
                      **facts),
    }[write.action]
    return WriteResult(write.subject, write.payroll_tax_number, write.action, "not_attempted", message, hint)


def apply_plan(
    plan: Plan,
    repo: Repo,
    registry: RegistryWriter,
    tokens: Mapping[str, Secret],
    *,
    on_result: Callable[[WriteResult], None] | None = None,
) -> ApplyReport:
    """Carry out the plan's writes, one at a time in plan order; call the gates first.

    tokens: account name → token, for every account of an employer whose write sends the
    token (EmployerPlan.needs_token). on_result is called after each write (the CLI prints
    as it goes, so an interrupted apply still shows what was done).
    """
    report = ApplyReport(plan.checksum, unchanged=sum(1 for e in plan.employers if e.action == "noop"))

    def record(result: WriteResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result)

    by_id = {e.id: e for e in repo.employers}
    stopped: tuple[Write, AsrctlError] | None = None
    for write in planned_writes(plan):
        if stopped is not None:
            record(_not_attempted(write, *stopped))
            continue
        key = idempotency_key(plan.checksum, write.subject, write.action)
        before = registry.replays  # writes go one at a time, so a change of the counter is this write's
        try:
            registration = _write(write, plan, repo, by_id, registry, tokens, key)
        except AsrctlError as exc:
            record(_failure(write, exc))
            if _stops_the_run(exc):
                stopped = (write, exc)
            continue
        record(_done(write, registration, registry.replays > before))
    for result in _blocked(plan):
        record(result)
    return report


def _write(
    write: Write,
    plan: Plan,
    repo: Repo,
    by_id: Mapping[str, Any],
    registry: RegistryWriter,
    tokens: Mapping[str, Secret],
    key: str,
) -> Registration:
    if write.action == "withdraw":
        if write.version is None:
            raise AsrctlError(_("the plan has no registry version for this withdrawal; run plan again"))
        return registry.withdraw(write.payroll_tax_number, version=write.version, idempotency_key=key)
    e = write.employer
    assert e is not None
    loaded = by_id.get(e.id)
    if loaded is None:
        raise StalePlanError(_("employer {id} has no file any more; run plan again", id=e.id))
    token: Secret | None = None
    if e.needs_token:
        token = tokens.get(e.account)
        if token is None:
            raise AsrctlError(_("the token of account '{account}' was not resolved; it is needed to submit",
                                account=e.account))
    body = write_body(repo.config, loaded.employer, token)
    if write.action == "create":
        return registry.create(write.payroll_tax_number, body, idempotency_key=key)
    if write.version is None:
        raise AsrctlError(_("the plan has no registry version for this change; run plan again"))
    return registry.update(write.payroll_tax_number, body, version=write.version, idempotency_key=key)


def summarise(report: ApplyReport) -> str:
    """One line: what happened, counted by outcome, in the active language (the CLI prints it at once)."""
    parts = [
        _("{n} created", n=report.count("created")),
        _("{n} updated", n=report.count("updated")),
        _("{n} withdrawn", n=report.count("withdrawn")),
    ]
    if report.count("skipped"):
        parts.append(_("{n} skipped (blocked)", n=report.count("skipped")))
    if report.count("failed"):
        parts.append(_("{n} failed", n=report.count("failed")))
    if report.count("not_attempted"):
        parts.append(_("{n} not attempted", n=report.count("not_attempted")))
    if report.unchanged:
        parts.append(_("{n} unchanged", n=report.unchanged))
    if report.write_failed:
        head = _("Apply finished with failures")
    elif report.count("skipped"):
        head = _("Apply finished; blocked employers were not submitted")
    else:
        head = _("Apply complete")
    return localize(_("{head}: {parts}.", head=head, parts=", ".join(localize(p) for p in parts)))
