"""Desired vs observed → Plan (pure: no I/O, no network, no clock).

The plan is one data object (DESIGN.md "Plan JSON", format_version 1) that every
renderer and apply read. Decisions the design leaves open, made here:

- A stored registration that is `withdrawn` while the file says `state: active` is an
  `update`: the contract re-submits a withdrawn registration on any PUT with If-Match,
  so apply writes exactly as for an update. `status_after` ("submitted") tells the
  reviewer it is a re-submission, and renderers say so.
- `status_after` predicts the onboarding status after apply from the contract's rules:
  an in_setup/active registration whose Nmbrs login, token, domain or company name
  changes goes back to `submitted` (a.s.r. must set the coupling up again).
- Nmbrs findings never block a withdrawal: an employer whose file says
  `state: withdrawn` has its `nmbrs.*` errors reported as warnings (the company may be
  gone from Nmbrs — that is often why it is withdrawn).
- Registrations no file declares that are already `withdrawn` are history, not drift:
  they are not listed as unmanaged.
- The checksum covers exactly the write set (DESIGN.md "Applied = reviewed"): per write, the
  subject, the action, the registration body (with token fingerprints, as desired_digest) and
  the precondition it writes under (If-Match version or If-None-Match), and whether the token
  is sent. Nothing else: not the statuses of employers it does not write, not findings, not
  timestamps or versions of asrctl. An unrelated a.s.r. status change between review and merge
  leaves it as it was; a changed body or a moved registration does not.
- Checks are sorted (errors first, then id, message) so the observer's parallel
  completion order never changes the plan file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from deepdiff import DeepDiff
from deepdiff.helper import notpresent
from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from asrctl import __version__
from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer, Repo
from asrctl.errors import AsrctlError, ConfigError
from asrctl.i18n import _
from asrctl.plan.desired import desired_registration, digest, stored_registration
from asrctl.plan.safety import refusals
from asrctl.registry.models import Registration, Status

FORMAT_VERSION = 1
Action = Literal["create", "update", "withdraw", "noop", "blocked"]
CHANGING_ACTIONS: tuple[Action, ...] = ("create", "update", "withdraw")

# Paths whose change sends an in_setup/active registration back to `submitted` (contract, "Status on PUT").
_ONBOARDING_PATHS = frozenset({"nmbrs.username", "nmbrs.token", "nmbrs.domain", "nmbrs.company_name"})
_TOKEN_PATH = "nmbrs.token_fingerprint"  # the comparable's name; shown to people as nmbrs.token


class PlanFileError(AsrctlError):
    """A plan file cannot be used: not JSON, another format, or edited after plan wrote it."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Frozen):
    """One field that differs. For the token, before/after are fingerprints — never a token."""

    path: str  # "payroll.frequency", "dga[0].name", "nmbrs.token"
    before: JsonValue = None  # None on create
    after: JsonValue = None
    sensitive: bool = False


class EmployerPlan(_Frozen):
    id: str
    file: str
    account: str
    action: Action
    intended_action: Action  # what would happen without the blocking findings (== action otherwise)
    payroll_tax_number: str
    registry_version: int | None  # apply: If-Match "<version>"; None → If-None-Match: *
    desired_digest: str
    status: Status | None  # stored onboarding status; None = not registered
    status_detail: str | None = None
    first_exchange_date: str | None = None
    status_after: Status | None  # predicted status once this action is applied
    changes: list[Change]
    checks: list[Check]

    @property
    def needs_token(self) -> bool:
        """apply sends the token on create and when its fingerprint changed; otherwise the stored one is kept."""
        return self.action == "create" or any(c.sensitive for c in self.changes)

    @property
    def resubmit(self) -> bool:
        """An update that puts a withdrawn or rejected registration back to a.s.r."""
        return self.action == "update" and self.status in ("withdrawn", "rejected")

    @property
    def restarts_onboarding(self) -> bool:
        """An update that makes a.s.r. set up a running (or in-setup) coupling again."""
        return self.action == "update" and self.status in ("in_setup", "active") and self.status_after == "submitted"

    @property
    def status_text(self) -> str:
        return describe_status(self.status, self.status_detail, self.first_exchange_date)


class UnmanagedRegistration(_Frozen):
    """A registration of this office in the registry that no employer file declares."""

    payroll_tax_number: str
    status: Status
    status_detail: str | None = None
    registry_version: int
    company_name: str
    contract_number: str
    action: Literal["withdraw", "none"]


class Summary(_Frozen):
    create: int = 0
    update: int = 0
    withdraw: int = 0
    noop: int = 0
    blocked: int = 0
    errors: int = 0
    warnings: int = 0


class Stats(_Frozen):
    nmbrs_calls: int = 0
    registry_calls: int = 0
    seconds: float = 0.0


class Observed(_Frozen):
    """What plan saw, kept in the plan file so apply can re-derive every action from it (plan/verify.py):
    the registry's listing (tokens only as fingerprints), the accounts' token fingerprints and, with
    --changed-since, the loonheffingennummers of deleted employer files. The Nmbrs verdicts are the
    employers' `checks`."""

    registrations: list[Registration]
    token_fingerprints: dict[str, str]
    withdrawal_candidates: list[str] | None = None


class Plan(_Frozen):
    format_version: Literal[1] = 1
    asrctl_version: str
    created_at: str
    inputs_digest: str
    checksum: str
    targets: list[str] | None = None  # None = every employer file; then unmanaged registrations were looked for
    changed_since: str | None = None  # --changed-since REF: targets are what changed since REF
    registrations_held: int | None = None  # this office's registrations (not withdrawn): the threshold's base
    summary: Summary
    employers: list[EmployerPlan]
    unmanaged: list[UnmanagedRegistration]
    checks: list[Check]  # findings about no single employer: accounts, unmanaged registrations
    stats: Stats
    observed: Observed | None = None  # None only in files of an older asrctl: apply refuses those

    @property
    def has_changes(self) -> bool:
        s = self.summary
        return s.create + s.update + s.withdraw > 0

    @property
    def rejected(self) -> list[EmployerPlan]:
        """Declared employers whose registration a.s.r. rejected: drift, until the file is corrected."""
        return [e for e in self.employers if e.status == "rejected" and e.action == "noop"]

    @property
    def drifted(self) -> bool:
        """What `--detailed-exitcode` reports as 2: changes to make, or a rejection to act on."""
        return self.has_changes or bool(self.rejected)

    @property
    def failed(self) -> bool:
        """An employer is blocked or some finding is an error: plan exits 1 and the PR goes red."""
        return self.summary.blocked > 0 or self.summary.errors > 0

    @property
    def unmanaged_checked(self) -> bool:
        return self.targets is None

    def employer(self, employer_id: str) -> EmployerPlan | None:
        return next((e for e in self.employers if e.id == employer_id), None)

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=indent, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "plan file") -> Plan:
        """Read a plan file; refuses another format_version and a plan edited after plan wrote it."""
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise PlanFileError(_("{source} is not JSON", source=source), hint=_PASS_PLAN_FILE) from None
        if not isinstance(data, dict):
            raise PlanFileError(_("{source} is not an asrctl plan", source=source), hint=_PASS_PLAN_FILE)
        if data.get("format_version") != FORMAT_VERSION:
            raise PlanFileError(
                _("{source} has format_version {found}; this asrctl reads {wanted}", source=source,
                  found=repr(data.get("format_version")), wanted=FORMAT_VERSION),
                hint=_("run `asrctl plan --out FILE` again with this version of asrctl"),
            )
        try:
            plan = cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PlanFileError(
                _("{source} is not a valid asrctl plan ({where}: {problem})", source=source, where=where,
                  problem=first["msg"]),
                hint=_("pass the file written by `asrctl plan --out FILE`, unedited"),
            ) from None
        if plan_checksum(plan) != plan.checksum:
            raise PlanFileError(
                _("{source} was changed after `asrctl plan` wrote it (its checksum does not match its content)",
                  source=source),
                hint=_("run `asrctl plan --out FILE` again; a plan file must not be edited"),
            )
        return plan


_PASS_PLAN_FILE = _("pass the file written by `asrctl plan --out FILE`")


# --- checksums and keys --------------------------------------------------------------------

def write_set(plan: Plan) -> list[dict[str, JsonValue]]:
    """What apply would send, one entry per write in plan order (the checksum's only input)."""
    entries: list[dict[str, JsonValue]] = [
        {
            "subject": e.id,
            "payroll_tax_number": e.payroll_tax_number,
            "action": e.action,
            "body": e.desired_digest if e.action != "withdraw" else None,
            "sends_token": e.needs_token,
            "if_match": e.registry_version,
        }
        for e in plan.employers
        if e.action in CHANGING_ACTIONS
    ]
    entries += [
        {
            "subject": u.payroll_tax_number,
            "payroll_tax_number": u.payroll_tax_number,
            "action": "withdraw",
            "body": None,
            "sends_token": False,
            "if_match": u.registry_version,
        }
        for u in plan.unmanaged
        if u.action == "withdraw"
    ]
    return entries


def write_fingerprints(plan: Plan) -> dict[str, str]:
    """Per write subject, "action:body:precondition" in short: enough to say which writes of two plans
    differ and how (another action, another body, another registry version)."""
    out = {}
    for entry in write_set(plan):
        body = str(entry["body"] or "").removeprefix("sha256:")[:12] or "-"
        version = entry["if_match"]
        out[str(entry["subject"])] = f"{entry['action']}:{body}:{'v' + str(version) if version is not None else 'new'}"
    return out


def plan_checksum(plan: Plan) -> str:
    """sha256 of the plan's write set (`write_set`), and of nothing else."""
    return digest(write_set(plan))


def idempotency_key(plan_checksum: str, subject: str, action: str) -> str:
    """The Idempotency-Key of one write: same plan + same employer (or unmanaged payroll_tax_number)
    + same action → same key, so a retry or a re-run after a crash is replayed, never submitted twice.
    At most 64 visible ASCII characters (the contract allows 1..128)."""
    material = f"{plan_checksum}\n{subject}\n{action}".encode()
    return f"asrctl-{action[:8]}-{hashlib.sha256(material).hexdigest()[:48]}"


def describe_status(status: str | None, detail: str | None = None, first_exchange_date: str | None = None) -> str:
    """The onboarding status in plain words: "active since 2026-12-01", "rejected: WHY", ..."""
    if status is None:
        return _("not registered")
    if status == "active":
        return _("active since {date}", date=first_exchange_date) if first_exchange_date else _("active")
    if status == "rejected":
        return _("rejected: {reason}", reason=detail) if detail else _("rejected")
    if status == "in_setup":
        return _("in setup: {detail}", detail=detail) if detail else _("in setup")
    return _STATUS_WORDS.get(status) or status


_STATUS_WORDS = {"submitted": _("submitted"), "withdrawn": _("withdrawn")}


# --- the engine ----------------------------------------------------------------------------


def make_plan(
    repo: Repo,
    nmbrs_checks: Mapping[str, Sequence[Check]],
    registrations: Sequence[Registration],
    token_fingerprints: Mapping[str, str],
    *,
    targets: set[str] | None = None,
    extra_checks: Mapping[str, Sequence[Check]] | None = None,
    global_checks: Sequence[Check] = (),
    withdrawal_candidates: set[str] | None = None,
    changed_since: str | None = None,
    created_at: str,
    stats: Stats,
) -> Plan:
    """Turn what the files declare and what Nmbrs and the registry report into a Plan.

    nmbrs_checks: per employer id, the Nmbrs findings; every planned employer must have an
      entry ([] = all checks passed) — a missing one is a bug in the caller, not a clean bill.
    registrations: this office's registrations (all of them; withdrawn ones included).
    token_fingerprints: account name → asrctl.secrets.fingerprint(token) of every account used.
    targets: employer ids to plan (--target); unknown ids are a ConfigError. With targets,
      registrations no file declares are not looked for (the plan's `targets` says so).
    extra_checks: further per-employer findings (e.g. registry.registered-elsewhere).
    global_checks: findings about no single employer (e.g. about an account).
    withdrawal_candidates: with targets, the payroll_tax_numbers of employer files deleted since
      `changed_since`: their registrations are planned as unmanaged ones (withdrawn or a warning).
    Predicted refusals of apply (plan/safety.py, as apply after merge runs: no --force, no
    --allow-withdraw) are added as `apply.*` warnings.
    """
    selected = select_employers(repo.employers, targets)
    extra = extra_checks or {}
    findings = {e.id: [*nmbrs_checks.get(e.id, ()), *extra.get(e.id, ())] for e in selected if e.id in nmbrs_checks}
    employers, unmanaged, unmanaged_checks, held = derive(
        repo, findings, registrations, token_fingerprints, targets=targets,
        withdrawal_candidates=withdrawal_candidates,
    )
    predicted = [
        Check(r.id, "warning", _("apply after merge will refuse: {reason}", reason=r.message), r.hint)
        for r in refusals(employers, unmanaged, repo.config.policy, held=held, allow_withdraw=False, force=False)
    ]
    global_sorted = _sorted_checks([*global_checks, *unmanaged_checks, *predicted])

    plan = Plan(
        asrctl_version=__version__,
        created_at=created_at,
        inputs_digest=repo.inputs_digest,
        checksum="",
        targets=sorted(targets) if targets is not None else None,
        changed_since=changed_since,
        registrations_held=held,
        summary=summary_of(employers, unmanaged, global_sorted),
        employers=employers,
        unmanaged=unmanaged,
        checks=global_sorted,
        stats=stats,
        observed=Observed(
            registrations=sorted(registrations, key=lambda r: r.payroll_tax_number),
            token_fingerprints=dict(sorted(token_fingerprints.items())),
            withdrawal_candidates=sorted(withdrawal_candidates) if withdrawal_candidates is not None else None,
        ),
    )
    return plan.model_copy(update={"checksum": plan_checksum(plan)})


def derive(
    repo: Repo,
    findings: Mapping[str, Sequence[Check]],
    registrations: Sequence[Registration],
    token_fingerprints: Mapping[str, str],
    *,
    targets: set[str] | None,
    withdrawal_candidates: set[str] | None = None,
) -> tuple[list[EmployerPlan], list[UnmanagedRegistration], list[Check], int]:
    """The actions that follow from the declarations and the observations: the employers' plans, the
    unmanaged registrations (and their warnings) and the registrations held. make_plan and apply's check
    of a plan file (plan/verify.py) both call this one function."""
    selected = select_employers(repo.employers, targets)
    missing = [e.id for e in selected if e.id not in findings]
    if missing:
        raise ValueError(f"no Nmbrs findings for employers {missing[:5]} (pass [] when all checks passed)")
    unresolved = sorted({e.employer.nmbrs.account for e in selected} - set(token_fingerprints))
    if unresolved:
        raise ValueError(f"no token fingerprint for accounts {unresolved}")
    stored_by_number = {r.payroll_tax_number: r for r in registrations}
    employers = [
        _plan_employer(
            repo,
            loaded,
            list(findings[loaded.id]),
            stored_by_number.get(loaded.employer.payroll_tax_number),
            token_fingerprints[loaded.employer.nmbrs.account],
        )
        for loaded in selected
    ]
    if targets is None:
        unmanaged, unmanaged_checks = _unmanaged(repo, registrations)
    elif withdrawal_candidates:
        unmanaged, unmanaged_checks = _unmanaged(
            repo, [r for r in registrations if r.payroll_tax_number in withdrawal_candidates], deleted=True
        )
    else:
        unmanaged, unmanaged_checks = [], []
    held = sum(1 for r in registrations if r.status != "withdrawn")
    return employers, unmanaged, unmanaged_checks, held


def select_employers(employers: Sequence[LoadedEmployer], targets: set[str] | None) -> list[LoadedEmployer]:
    ordered = sorted(employers, key=lambda e: e.id)
    if targets is None:
        return ordered
    unknown = sorted(targets - {e.id for e in ordered})
    if unknown:
        raise ConfigError(
            _("--target {id}: no employer file has this id (nor {others})", id=unknown[0], others=", ".join(unknown[1:]))
            if unknown[1:] else _("--target {id}: no employer file has this id", id=unknown[0]),
            hint=_("an employer's id is its file name without .yaml, e.g. employers/bakkerij-de-vries.yaml → "
                   "bakkerij-de-vries"),
        )
    return [e for e in ordered if e.id in targets]


def _unmanaged(
    repo: Repo, registrations: Sequence[Registration], *, deleted: bool = False
) -> tuple[list[UnmanagedRegistration], list[Check]]:
    """Registrations of this office no file declares: withdrawn with policy.allow_withdraw, else a warning.
    `deleted`: these are the registrations of employer files deleted in the change under review."""
    unmanaged: list[UnmanagedRegistration] = []
    found: list[Check] = []
    declared = {e.employer.payroll_tax_number for e in repo.employers}
    allow = repo.config.policy.allow_withdraw
    for reg in sorted(registrations, key=lambda r: r.payroll_tax_number):
        if reg.payroll_tax_number in declared or reg.status == "withdrawn":
            continue
        unmanaged.append(
            UnmanagedRegistration(
                payroll_tax_number=reg.payroll_tax_number,
                status=reg.status,
                status_detail=reg.status_detail,
                registry_version=reg.version,
                company_name=reg.nmbrs.company_name,
                contract_number=reg.contract_number,
                action="withdraw" if allow else "none",
            )
        )
        if not allow:
            facts = {"number": reg.payroll_tax_number, "company": reg.nmbrs.company_name,
                     "status": describe_status(reg.status, reg.status_detail, reg.first_exchange_date)}
            found.append(
                Check(
                    "registry.unmanaged",
                    "warning",
                    _("registration {number} ({company}, {status}) is in the registry but its employer file is "
                      "deleted; apply leaves it as it is", **facts) if deleted else
                    _("registration {number} ({company}, {status}) is in the registry but no employer file "
                      "declares it; apply leaves it as it is", **facts),
                    hint=_("to withdraw (afmelden) it, keep the employer file with `state: withdrawn` (that is the "
                           "office's permission), or set policy.allow_withdraw: true in asrctl.yaml; otherwise add "
                           "an employer file for it (`asrctl import --account NAME` writes one)"),
                )
            )
    return unmanaged, found


def _plan_employer(
    repo: Repo, loaded: LoadedEmployer, checks: list[Check], stored: Registration | None, fingerprint: str
) -> EmployerPlan:
    employer = loaded.employer
    desired = desired_registration(repo.config, employer, fingerprint)
    withdrawing = employer.state == "withdrawn"
    if withdrawing:
        checks = [_not_blocking_withdrawal(c) for c in checks]
    checks = _sorted_checks(checks)

    changes: list[Change] = []
    if withdrawing:
        intended: Action = "withdraw" if stored is not None and stored.status != "withdrawn" else "noop"
    elif stored is None:
        intended = "create"
        changes = [_change(path, None, value) for path, value in _leaves(desired)]
    else:
        changes = _diff(stored_registration(stored), desired)
        intended = "update" if changes or stored.status == "withdrawn" else "noop"

    blocked = any(c.severity == "error" for c in checks)
    action: Action = "blocked" if blocked else intended
    current = stored.status if stored is not None else None
    return EmployerPlan(
        id=loaded.id,
        file=loaded.path,
        account=employer.nmbrs.account,
        action=action,
        intended_action=intended,
        payroll_tax_number=employer.payroll_tax_number,
        registry_version=stored.version if stored is not None else None,
        desired_digest=digest(desired),
        status=current,
        status_detail=stored.status_detail if stored is not None else None,
        first_exchange_date=stored.first_exchange_date if stored is not None else None,
        status_after=_status_after(action, current, changes),
        changes=changes,
        checks=checks,
    )


def _status_after(action: Action, current: Status | None, changes: list[Change]) -> Status | None:
    """The contract's "Status on PUT" and withdrawal rules, applied ahead of time."""
    if action == "create":
        return "submitted"
    if action == "withdraw":
        return "withdrawn"
    if action == "update":
        if current in ("withdrawn", "rejected"):
            return "submitted"
        if any(c.path in _ONBOARDING_PATHS for c in changes):
            return "submitted"
    return current


def _not_blocking_withdrawal(check: Check) -> Check:
    if check.severity != "error" or not check.id.startswith("nmbrs."):
        return check
    return Check(check.id, "warning", _("{message} (does not block a withdrawal)", message=check.message), check.hint)


def _sorted_checks(checks: Sequence[Check]) -> list[Check]:
    return sorted(checks, key=lambda c: (c.severity != "error", c.id, c.message, c.hint or ""))


def summary_of(employers: list[EmployerPlan], unmanaged: list[UnmanagedRegistration], checks: list[Check]) -> Summary:
    counts = {action: 0 for action in ("create", "update", "withdraw", "noop", "blocked")}
    for e in employers:
        counts[e.action] += 1
    counts["withdraw"] += sum(1 for u in unmanaged if u.action == "withdraw")
    every = [c for e in employers for c in e.checks] + checks
    return Summary(
        **counts,
        errors=sum(1 for c in every if c.severity == "error"),
        warnings=sum(1 for c in every if c.severity == "warning"),
    )


# --- field-level differences -----------------------------------------------------------------


def _path(keys: Sequence[Any]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _leaves(value: Any, keys: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(path, leaf) of every scalar; an empty list or dict is a leaf itself (e.g. `dga: []`)."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves(v, (*keys, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, (*keys, i))
    else:
        yield _path(keys), value


def _change(path: str, before: Any, after: Any) -> Change:
    if path == _TOKEN_PATH:
        return Change(path="nmbrs.token", before=before, after=after, sensitive=True)
    return Change(path=path, before=before, after=after)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Field-level changes, leaf by leaf, in the form's order (contract, office, Nmbrs, DGA, payroll)."""
    if before == after:  # the common case: skip deepdiff
        return []
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    # deepdiff per differing section (nmbrs, dga, ...): a whole-registration DeepDiff costs ~1 ms,
    # which 5,000 changed employers would feel.
    for section in [*after, *(k for k in before if k not in after)]:
        b, a = before.get(section, notpresent), after.get(section, notpresent)
        if b == a:
            continue
        if not (isinstance(b, (dict, list)) and type(a) is type(b)):
            if b is not notpresent:
                old.update(_leaves(b, (section,)))
            if a is not notpresent:
                new.update(_leaves(a, (section,)))
            continue
        for levels in DeepDiff(b, a, view="tree").values():
            for level in levels:
                keys = (section, *level.path(output_format="list"))
                if level.t1 is not notpresent:
                    old.update(_leaves(level.t1, keys))
                if level.t2 is not notpresent:
                    new.update(_leaves(level.t2, keys))
    order: dict[str, int] = {}
    for path, _value in [*_leaves(after), *_leaves(before)]:
        order.setdefault(path, len(order))
    paths = sorted(set(old) | set(new), key=lambda p: (order.get(p, len(order)), p))
    return [_change(p, old.get(p), new.get(p)) for p in paths]

