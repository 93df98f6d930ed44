"""Pure decisions of the GitHub flow: what a plan comment remembers, whether the plan on main is
the reviewed plan (and if not, which employers' writes differ and how), what the drift issue says.

No I/O here: cli/github.py reads the files and the GitHub API, and posts what these return.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asrctl.github.body import code
from asrctl.i18n import LANGUAGES, N_, _, localize
from asrctl.plan.make import Plan, write_fingerprints

__all__ = [
    "MAX_META_WRITES",
    "Announcement",
    "ReviewedPlan",
    "Verdict",
    "announcements",
    "describe_difference",
    "drift_intro",
    "drift_title",
    "first_error_line",
    "onboarding_body",
    "plan_footer",
    "plan_meta",
    "record_announced",
    "record_submitted",
    "refusal_body",
    "rejected_employers",
    "unfinished_plan_body",
    "verify",
]

MAX_META_WRITES = 300  # writes listed in a plan comment's hidden metadata


@dataclass(frozen=True)
class ReviewedPlan:
    """What the sticky plan comment of a pull request says was reviewed."""

    pr: int
    pr_url: str | None
    pr_head_sha: str | None
    checksum: str | None        # None: no plan comment found on the pull request
    planned_sha: str | None     # the head commit the commented plan was made for
    meta: dict[str, Any]


def plan_meta(plan: Plan, head_sha: str | None) -> dict[str, Any]:
    """What a plan comment remembers: checksum, commit, files digest and the writes (capped)."""
    writes = write_fingerprints(plan)
    meta: dict[str, Any] = {"checksum": plan.checksum, "inputs_digest": plan.inputs_digest}
    if head_sha:
        meta["head_sha"] = head_sha
    if len(writes) <= MAX_META_WRITES:
        meta["writes"] = writes
    else:
        meta["writes_omitted"] = len(writes)
    return meta


def _split(fingerprint: object) -> tuple[str, str, str]:
    parts = str(fingerprint).split(":")
    return (parts + ["", "", ""])[0], (parts + ["", ""])[1], (parts + ["", "", ""])[2]


def describe_difference(reviewed: Mapping[str, Any], now: Plan) -> list[str]:
    """Per employer, how the writes of the plan on main differ from the reviewed ones."""
    before = reviewed.get("writes")
    if not isinstance(before, dict):
        return [localize(_("the reviewed plan had too many writes to compare one by one; read the plan below"))]
    after = write_fingerprints(now)
    lines = []
    for subject in sorted(set(before) | set(after)):
        old, new = before.get(subject), after.get(subject)
        if old == new:
            continue
        if new is None:
            employer = now.employer(subject)
            who, was = f"`{subject}`", _split(old)[0]
            if employer is not None and employer.action == "blocked":
                ids = ", ".join(dict.fromkeys(c.id for c in employer.checks if c.severity == "error"))
                line = _("{subject}: reviewed {action}, now not written (now blocked by {ids})", subject=who,
                         action=was, ids=ids)
            elif employer is None:
                line = _("{subject}: reviewed {action}, now not written (not in the plan on main)", subject=who,
                         action=was)
            else:
                line = _("{subject}: reviewed {action}, now not written", subject=who, action=was)
            lines.append(localize(line))
            continue
        if old is None:
            lines.append(localize(_("{subject}: not written in the reviewed plan, now {action}",
                                    subject=code(subject), action=_split(new)[0])))
            continue
        (a_old, b_old, v_old), (a_new, b_new, v_new) = _split(old), _split(new)
        if a_old != a_new:
            line = _("{subject}: reviewed {before}, now {after}", subject=code(subject), before=a_old, after=a_new)
        elif b_old != b_new:
            line = _("{subject}: {action} with another registration body than reviewed (the employer file, "
                     "asrctl.yaml or the Nmbrs token changed)", subject=code(subject), action=a_new)
        else:
            line = _("{subject}: {action} under registry version {now}, reviewed under {before} (a.s.r. changed "
                     "this registration since the review)", subject=code(subject), action=a_new,
                     now=v_new.lstrip("v"), before=v_old.lstrip("v"))
        lines.append(localize(line))
    return lines or [localize(_("the writes are the same, but the checksums differ (a plan of another asrctl "
                                "version?)"))]


@dataclass(frozen=True)
class Verdict:
    """verify-plan's answer: `ok`, or the problem and what differs."""

    ok: bool
    problem: str | None = None
    differences: list[str] = field(default_factory=list)


def verify(reviewed: ReviewedPlan, now: Plan | None, sha: str, plan_file: str) -> Verdict:
    """Is the plan made on the merged commit the plan reviewed on the pull request?"""
    if now is None:
        return Verdict(False, localize(_("the plan on {sha} did not finish (no {file}), so there is nothing to "
                                         "compare or apply", sha=sha[:12], file=plan_file)))
    if reviewed.checksum is None:
        return Verdict(False, localize(_("pull request #{pr} has no plan comment with a checksum (its last plan did "
                                         "not finish)", pr=reviewed.pr)))
    if reviewed.planned_sha and reviewed.pr_head_sha and reviewed.planned_sha != reviewed.pr_head_sha:
        return Verdict(False, localize(_("the plan on #{pr} was made for commit {planned}, but the pull request's "
                                         "last commit is {head} (its plan never finished)", pr=reviewed.pr,
                                         planned=reviewed.planned_sha[:12], head=reviewed.pr_head_sha[:12])))
    if reviewed.checksum == now.checksum:
        return Verdict(True)
    files = reviewed.meta.get("inputs_digest")
    if isinstance(files, str) and files != now.inputs_digest:
        cause = _("main has moved on: the files on main are not those of the reviewed pull request (another "
                  "change was merged since), and the writes differ")
    else:
        cause = _("what Nmbrs or the a.s.r. registry report changed since the review, and with it the writes "
                  "(the files are those reviewed)")
    return Verdict(False, localize(_("{cause}: the plan reviewed on #{pr} has checksum {reviewed}, the plan on {sha} "
                                     "has {now}", cause=cause, pr=reviewed.pr, reviewed=reviewed.checksum,
                                     sha=sha[:12], now=now.checksum)),
                   describe_difference(reviewed.meta, now))


# --- the drift issue ----------------------------------------------------------------------------------

_DRIFT_TITLES = {
    2: _("asrctl drift: Nmbrs or the a.s.r. registry no longer matches the employer files"),
    1: _("asrctl drift: the nightly plan found errors"),
}
_DRIFT_INTROS = {
    2: _(
        "The nightly `asrctl plan` found changes: what Nmbrs or the a.s.r. registry holds differs "
        "from what the employer files declare. Read the plan below; correct the employer files (or "
        "Nmbrs) in a pull request — merging it applies the change."
    ),
    1: _(
        "The nightly `asrctl plan` found errors: failing checks block employers (their coupling may "
        "have stopped — for example a revoked token, `nmbrs.auth`), or a service could not be "
        "reached. `asrctl explain ID` tells what a check id means and how to fix it."
    ),
}


def drift_title(exit_code: int, plan: Plan | None) -> str:
    rejected = rejected_employers(plan)
    if exit_code == 2 and rejected and not (plan and plan.has_changes):
        return localize(N_("asrctl drift: a.s.r. rejected {n} registration", "asrctl drift: a.s.r. rejected {n} "
                           "registrations", len(rejected)))
    title = _DRIFT_TITLES.get(exit_code)
    return localize(title if title is not None else _("asrctl drift: the nightly plan failed (exit code {code})",
                                                      code=exit_code))


def drift_intro(exit_code: int, plan: Plan | None, run_link: str) -> str:
    known = _DRIFT_INTROS.get(exit_code)
    intro = localize(known if known is not None else _(
        "The nightly `asrctl plan` did not finish (exit code {code}). Read the log of the {run}.", code=exit_code,
        run=run_link))
    rejected = rejected_employers(plan)
    if rejected:
        lines = "\n".join(f"- `{e_id}`: {reason}" for e_id, reason in rejected)
        intro += "\n\n" + localize(_("**a.s.r. rejected these registrations** (the coupling will not start until "
                                     "the employer file is corrected and merged again):")) + f"\n\n{lines}"
    return intro


def rejected_employers(plan: Plan | None) -> list[tuple[str, str]]:
    if plan is None:
        return []
    return [(e.id, e.status_detail or localize(_("no reason given"))) for e in plan.employers if e.status == "rejected"]


# --- bodies ---------------------------------------------------------------------------------------------


# How a failed run's error line starts, in either language (the log is in the office's language).
_ERROR_STARTS = tuple(localize(text, lang).split("{")[0].strip() for lang in LANGUAGES
                      for text in (_("error: {message}"), _("internal error (a bug in asrctl): {name}")))


def first_error_line(log: str) -> str | None:
    """The cause of a plan that did not finish: its first `error:` line (else its last line)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(_ERROR_STARTS):
            return line
    return lines[-1] if lines else None


def unfinished_plan_body(log: str, run_link: str) -> str:
    cause = first_error_line(log)
    said = f"\n\n```\n{cause}\n```" if cause else ""
    return (
        "### " + localize(_("asrctl plan did not finish")) + "\n\n"
        + localize(_("There is no plan to review.")) + f"{said}\n\n"
        + localize(_("The full log is in the {run}; `asrctl validate` shows file problems as annotations on the "
                     "changed lines.", run=run_link))
    )


def plan_footer(plan: Plan | None, sha: str | None, artifact: str, run_link: str, version: str) -> str:
    lines = []
    if plan is not None:
        checksum = f"`{plan.checksum}`"
        lines.append(localize(
            _("Plan checksum {checksum} for commit {commit}: after merge, apply carries out only these writes.",
              checksum=checksum, commit=code(sha[:12])) if sha else
            _("Plan checksum {checksum}: after merge, apply carries out only these writes.", checksum=checksum)))
    else:
        lines.append(localize(_("No plan file was written, so there is nothing to apply from this run.")))
    lines.append(localize(_("Full output: the {artifact} artifact of the {run}", artifact=code(artifact),
                            run=run_link)) + f" · asrctl {version}")
    return "---\n<sub>" + "<br>".join(lines) + "</sub>"


def refusal_body(verdict: Verdict, now: Plan | None, plan_md: str, run_link: str) -> str:
    problem = verdict.problem or ""
    if now is None:
        sections = localize(_(
            "**What to do**: read the log of the {run}, correct the cause, then re-run the failed job (a reviewer "
            "of the `production` environment approves the run).", run=run_link))
    else:
        differences = "\n".join(f"- {line}" for line in verdict.differences)
        sections = (
            "**" + localize(_("Writes that differ from the reviewed plan")) + f"**\n\n{differences}\n\n"
            + localize(_("**What to do**: read the plan below. If it is right, start the *asrctl apply* workflow by "
                         "hand (Actions → asrctl apply → Run workflow) with checksum {checksum}; a reviewer of the "
                         "`production` environment approves the run. Otherwise correct the files in a new pull "
                         "request.", checksum=code(now.checksum)))
        )
    on_main = localize(_("Plan on main now"))
    return (
        "### " + localize(_("asrctl apply refused: the plan on main is not the reviewed plan")) + "\n\n"
        + localize(_("Nothing was applied. {problem}.", problem=problem[:1].upper() + problem[1:])) + f"\n\n{sections}"
        + (f"\n\n<details><summary>{on_main}</summary>\n\n{plan_md}\n\n</details>" if plan_md else "")
    )


# --- a.s.r.'s answer: announced once ------------------------------------------------------------------

# What the onboarding issue remembers per employer: the statuses already announced.
_SHORT = {"in_setup": "s", "active": "a"}


@dataclass(frozen=True)
class Announcement:
    employer: str
    status: str           # in_setup | active
    text: str             # one line, markdown
    pr: int | None        # the pull request that submitted it, when known


def announcements(plan: Plan, announced: Mapping[str, Any], prs: Mapping[str, Any]) -> list[Announcement]:
    """Employers whose registration went in_setup or active and was not announced so."""
    out = []
    for e in plan.employers:
        short = _SHORT.get(e.status or "")
        if short is None or short in str(announced.get(e.id, "")):
            continue
        who = f"**{e.id}**"
        if e.status == "active":
            text = localize(
                _("{employer} is live at a.s.r.: the coupling is active since {date} (first exchange date).",
                  employer=who, date=e.first_exchange_date) if e.first_exchange_date else
                _("{employer} is live at a.s.r.: the coupling is active.", employer=who))
        else:
            text = localize(
                _("{employer} is being set up by a.s.r. ({detail}): Keylane, a.s.r.'s technical partner, contacts "
                  "the office about the authorisations.", employer=who, detail=e.status_detail) if e.status_detail
                else _("{employer} is being set up by a.s.r.: Keylane, a.s.r.'s technical partner, contacts the "
                       "office about the authorisations.", employer=who))
        pr = prs.get(e.id)
        out.append(Announcement(e.id, e.status or "", text, pr if isinstance(pr, int) else None))
    return out


def record_announced(announced: Mapping[str, Any], made: list[Announcement]) -> dict[str, str]:
    out = {k: str(v) for k, v in announced.items()}
    for a in made:
        out[a.employer] = "".join(sorted(set(out.get(a.employer, "")) | {_SHORT[a.status]}))
    return out


def record_submitted(prs: Mapping[str, Any], plan: Plan, pr: int) -> dict[str, int]:
    """The pull request that (re)submitted each employer the plan writes as create or update."""
    out = {k: int(v) for k, v in prs.items() if isinstance(v, int)}
    for e in plan.employers:
        if e.action == "create" or e.resubmit or e.restarts_onboarding:
            out[e.id] = pr
    return out


def onboarding_body(announced: Mapping[str, str], log: list[str]) -> str:
    live = sum(1 for v in announced.values() if "a" in v)
    setup = sum(1 for v in announced.values() if "s" in v and "a" not in v)
    lines = [
        "### " + localize(_("asrctl onboarding: a.s.r.'s answers")),
        "",
        localize(N_("{n} employer live, {setup} in set-up at a.s.r. Each change of status is announced once: on the "
                    "pull request that submitted the employer, or as a comment here. Rejections are in the drift "
                    "issue.",
                    "{n} employers live, {setup} in set-up at a.s.r. Each change of status is announced once: on the "
                    "pull request that submitted the employer, or as a comment here. Rejections are in the drift "
                    "issue.", live, setup=setup)),
    ]
    if log:
        lines += ["", localize(_("Latest:")), "", *(f"- {line}" for line in log[-50:])]
    return "\n".join(lines)
