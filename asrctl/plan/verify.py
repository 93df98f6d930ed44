"""A plan file's actions must follow from the declarations and the observations it records.

The checksum of a plan file is computed from the file itself, so whoever can edit the file can
recompute it. What cannot be edited is the repository apply runs in: apply re-derives every
action from the current declarations and the observations the file records (the registry's
listing, the token fingerprints, the Nmbrs verdicts), with the same pure function plan used
(plan.make.derive), and refuses a file whose actions differ. So a hand-edited plan cannot submit
a blocked employer, withdraw an active one or send another body.

What this does not catch: observations forged consistently with the forged actions (a finding
removed, a registry version invented). The registry's If-Match refuses a write under a version
it does not hold (412, "stale plan"), and `apply --checksum` with the checksum the reviewers
saw refuses every write set they did not review.
"""

from __future__ import annotations

from asrctl.checks import CATALOGUE
from asrctl.declare.load import Repo
from asrctl.errors import ConfigError
from asrctl.i18n import _
from asrctl.plan.make import EmployerPlan, Plan, PlanFileError, derive, select_employers, summary_of

_HINT = _("nothing was written; a plan file must not be edited: run `asrctl plan --out FILE` again, review it, "
          "and apply that file")


def verify_derivation(plan: Plan, repo: Repo) -> None:
    """Refuse (PlanFileError, exit 1) a plan file whose actions do not follow from the declarations
    (`repo`, already known to be the ones the plan was made from) and its recorded observations."""
    differences = derivation_differences(plan, repo)
    if differences:
        first = differences[0]
        raise PlanFileError(
            _("the plan file does not follow from the declarations and the observations it records: {first} (and "
              "{more} more)", first=first, more=len(differences) - 1) if len(differences) > 1 else
            _("the plan file does not follow from the declarations and the observations it records: {first}",
              first=first),
            hint=_HINT,
        )


def derivation_differences(plan: Plan, repo: Repo) -> list[str]:
    """Each way the file's actions differ from the derived ones, naming the employer and the action."""
    observed = plan.observed
    if observed is None:
        return [_("it records no observations (written by an older asrctl)")]
    targets = set(plan.targets) if plan.targets is not None else None
    try:
        selected = select_employers(repo.employers, targets)
    except ConfigError:
        return [_("it plans employers that no file declares")]
    recorded = {e.id: e for e in plan.employers}
    out: list[str] = [_("employer '{id}' is declared but not in the plan file", id=e.id) for e in selected
           if e.id not in recorded]
    out += [_("employer '{id}' is in the plan file but not declared", id=i) for i in recorded if i not in
            {e.id for e in selected}]
    if out or len(recorded) != len(plan.employers):
        return out or [_("an employer appears twice in the plan file")]
    by_id = {e.id: e for e in selected}
    for e in plan.employers:
        out += _verdicts(e, withdrawing=by_id[e.id].employer.state == "withdrawn")
    candidates = set(observed.withdrawal_candidates) if observed.withdrawal_candidates is not None else None
    try:
        employers, unmanaged, _checks, held = derive(
            repo, {e.id: e.checks for e in plan.employers}, observed.registrations, observed.token_fingerprints,
            targets=targets, withdrawal_candidates=candidates,
        )
    except ValueError:
        return [*out, _("it records no token fingerprint for an account it plans")]
    for derived in employers:
        out += _employer_difference(recorded[derived.id], derived)
    in_file = {u.payroll_tax_number: u for u in plan.unmanaged}
    derived_unmanaged = {u.payroll_tax_number: u for u in unmanaged}
    for number, u in in_file.items():
        other = derived_unmanaged.get(number)
        if other is None:
            out.append(_("registration {number}: the plan file says {action} for it as an unmanaged registration; "
                         "the declarations and the observations the file records give no unmanaged registration "
                         "{number}", number=number, action=u.action))
        elif other != u:
            out.append(_("registration {number}: the plan file says {action}; the declarations and the observations "
                         "the file records give {derived}", number=number, action=u.action, derived=other.action))
    out += [_("registration {number}: the declarations and the observations the file records give an unmanaged "
              "registration the plan file leaves out", number=n) for n in derived_unmanaged if n not in in_file]
    if plan.registrations_held is not None and plan.registrations_held != held:
        out.append(_("it counts {counted} registrations held; its observations hold {held}",
                     counted=plan.registrations_held, held=held))
    if summary_of(employers, unmanaged, plan.checks) != plan.summary:
        out.append(_("its summary does not count its actions and findings"))
    return out


def _verdicts(e: EmployerPlan, *, withdrawing: bool) -> list[str]:
    """A finding keeps its severity: an error check recorded as a warning is only a withdrawal's."""
    out: list[str] = []
    errors = [c.id for c in e.checks if c.severity == "error"]
    if errors and e.action in ("create", "update"):
        out.append(_("employer '{id}': the plan file says {action}, but its findings include the error {check}; a "
                     "blocked employer is never submitted", id=e.id, action=e.action, check=errors[0]))
    if not withdrawing:
        relabelled = [c.id for c in e.checks if c.severity != "error" and c.id in CATALOGUE
                      and CATALOGUE[c.id].severity == "error"]
        if relabelled:
            out.append(_("employer '{id}': the plan file records {check} as a warning; that check's findings are "
                         "errors (it would be blocked, not {action})", id=e.id, check=relabelled[0], action=e.action))
    return out


def _employer_difference(recorded: EmployerPlan, derived: EmployerPlan) -> list[str]:
    if recorded == derived:
        return []
    if recorded.action != derived.action:
        return [_("employer '{id}': the plan file says {action}; the declarations and the observations the file "
                  "records give {derived}", id=recorded.id, action=recorded.action, derived=derived.action)]
    fields = [name for name in EmployerPlan.model_fields if getattr(recorded, name) != getattr(derived, name)]
    return [_("employer '{id}' ({action}): its {fields} in the plan file differ from what the declarations and the "
              "observations the file records give", id=recorded.id, action=recorded.action, fields=", ".join(fields))]
