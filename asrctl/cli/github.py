"""`asrctl github comment|drift|verify-plan`: the GitHub side of the GitOps workflows.

Thin: parse, read files, call asrctl.github.client, print one line. The workflows in
.github/workflows/ are the callers; every option has a default taken from the
environment GitHub Actions provides (GITHUB_TOKEN, GITHUB_REPOSITORY,
GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_RUN_ID).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from asrctl import __version__
from asrctl.errors import ConfigError, SafetyError
from asrctl.github import client as gh

AUTHOR_HELP = (
    "Only comments/issues by this login are ours (the workflow token posts as github-actions[bot]; "
    "set ASRCTL_GITHUB_AUTHOR when posting with another token, '' to accept any author)."
)


def _read_body(path: str) -> str:
    """The markdown to post, with every secret this process knows (GITHUB_TOKEN) removed: comments are public."""
    from asrctl.secrets import redact, register

    register(os.environ.get("GITHUB_TOKEN", "").strip())  # the client that registers it is made later
    if path == "-":
        return redact(sys.stdin.read())
    try:
        return redact(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""  # the step that should have written it failed; say so in the comment
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None


def _run_link(run: gh.RunContext) -> str:
    return f"[workflow run]({run.run_url})" if run.run_url else "workflow run"


def _author(value: str) -> str | None:
    return value or None


@click.group(name="github")
def command() -> None:
    """Post plans to pull requests and keep the drift issue, via the GitHub REST API.

    Needs GITHUB_TOKEN and GITHUB_REPOSITORY (set in GitHub Actions); GITHUB_API_URL
    for GitHub Enterprise Server.
    """


@command.command("comment")
@click.option("--pr", "pr", type=click.IntRange(min=1), help="Pull request number (default: from the event payload).")
@click.option("--body-file", required=True, help="Markdown to post, e.g. the output of `asrctl plan --format markdown`; - for stdin.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="The JSON plan (`plan --out`); its checksum is recorded in the comment for the apply after merge.",
)
@click.option("--marker", default=gh.PLAN_MARKER, show_default=True, help="Hidden marker that identifies the comment.")
@click.option("--head-sha", help="Commit the plan was made for (default: the pull request's head from the event).")
@click.option(
    "--artifact",
    default=gh.PLAN_ARTIFACT,
    show_default=True,
    help="Name of the workflow artifact with the full output (named in the footer and the truncation note).",
)
@click.option("--author", default=gh.DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def comment(
    pr: int | None, body_file: str, plan_file: str | None, marker: str, head_sha: str | None, artifact: str,
    author: str,
) -> None:
    """Create or update, in place, ONE comment on a pull request (found by its hidden marker).

    Bodies over GitHub's limit are cut with a note pointing at the plan artifact.
    """
    run = gh.RunContext.from_env()
    number = pr or run.pull_request_number()
    if number is None:
        raise ConfigError(
            f"no pull request number: this run's event is {run.event_name or 'unknown'}",
            hint="pass --pr N, or run the step in a pull_request workflow",
        )
    body = _read_body(body_file).strip()
    sha = head_sha or run.pull_request_head_sha()
    meta: dict[str, object] = {}
    footer: list[str] = []
    plan = gh.read_plan(plan_file) if plan_file and Path(plan_file).exists() else None
    if plan is not None:
        meta = gh.plan_meta(plan, sha)
        commit = f" for commit `{sha[:12]}`" if sha else ""
        footer.append(f"Plan checksum `{plan.checksum}`{commit}: after merge, apply carries out only this plan.")
    elif marker == gh.PLAN_MARKER:
        footer.append("No plan file was written, so there is nothing to apply from this run.")
    if not body and marker == gh.PLAN_MARKER:
        body = (
            "### asrctl plan did not finish\n\n"
            f"There is no plan to review. Read the log of the {_run_link(run)}; "
            "`asrctl validate` shows file problems as annotations on the changed lines."
        )
    elif not body:
        body = f"_No output: read the log of the {_run_link(run)}._"
    footer.append(f"Full output: the `{artifact}` artifact of the {_run_link(run)} · asrctl {__version__}")
    text = gh.compose(
        marker,
        body,
        meta=meta or None,
        footer="---\n<sub>" + "<br>".join(footer) + "</sub>",
        truncated_note=gh.artifact_note(run.run_url, artifact=artifact),
    )
    client = gh.GitHubClient.from_env()
    outcome = gh.sync_comment(client, number, text, marker=marker, author=_author(author))
    extra = f", {outcome.removed_duplicates} duplicate(s) removed" if outcome.removed_duplicates else ""
    click.echo(f"comment {outcome.action} on #{number}{extra}: {outcome.url or ''}".rstrip(": "))


DRIFT_TITLES = {
    2: "asrctl drift: Nmbrs or the a.s.r. registry no longer matches the employer files",
    1: "asrctl drift: the nightly plan found errors",
}
DRIFT_INTROS = {
    2: (
        "The nightly `asrctl plan` found changes: what Nmbrs or the a.s.r. registry holds differs "
        "from what the employer files declare. Read the plan below; correct the employer files (or "
        "Nmbrs) in a pull request — merging it applies the change."
    ),
    1: (
        "The nightly `asrctl plan` found errors: failing checks block employers (their coupling may "
        "have stopped — for example a revoked token, `nmbrs.auth`), or a service could not be "
        "reached. `asrctl explain ID` tells what a check id means and how to fix it."
    ),
}


@command.command("drift")
@click.option("--body-file", required=True, help="Markdown plan of the nightly run (`plan --format markdown`); - for stdin.")
@click.option(
    "--exit-code",
    "exit_code",
    type=int,
    required=True,
    help="Exit code of `asrctl plan --detailed-exitcode`: 0 clean (close the issue), 2 changes, 1 errors.",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="The JSON plan (`plan --out`): the issue shows its checksum, to apply exactly this plan by hand.",
)
@click.option("--title", help="Issue title (default: by exit code).")
@click.option("--label", default=gh.DRIFT_LABEL, show_default=True, help="Label of the drift issue.")
@click.option("--author", default=gh.DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def drift(body_file: str, exit_code: int, plan_file: str | None, title: str | None, label: str, author: str) -> None:
    """Open or update ONE drift issue on changes or errors; close it when the plan is clean."""
    run = gh.RunContext.from_env()
    client = gh.GitHubClient.from_env()
    drifted = exit_code != 0
    plan = gh.read_plan(plan_file) if plan_file and Path(plan_file).exists() else None
    plan_text = _read_body(body_file).strip()
    intro = DRIFT_INTROS.get(
        exit_code,
        f"The nightly `asrctl plan` did not finish (exit code {exit_code}). Read the log of the {_run_link(run)}.",
    )
    if not plan_text:
        plan_text = f"_No plan output: read the log of the {_run_link(run)}._"
    apply_hint = (
        f"Plan checksum `{plan.checksum}`. When the changes are right as they are (for example a rotated "
        "token), run the *asrctl apply* workflow by hand with this checksum.<br>"
        if plan is not None and exit_code == 2 else ""
    )
    body = gh.compose(
        gh.DRIFT_MARKER,
        f"{intro}\n\n{plan_text}",
        meta={"digest": gh.digest(plan_text), "exit_code": exit_code},
        footer=(
            f"---\n<sub>{apply_hint}Nightly plan of {gh.now_utc()} · {_run_link(run)} · asrctl {__version__}. "
            "This issue is kept up to date by `asrctl github drift` and closed when a nightly plan is clean."
            "</sub>"
        ),
        truncated_note=gh.artifact_note(run.run_url),
    )
    outcome = gh.sync_drift_issue(
        client,
        drifted=drifted,
        title=title or DRIFT_TITLES.get(exit_code, f"asrctl drift: the nightly plan failed (exit code {exit_code})"),
        body=body,
        resolved_comment=(
            f"The nightly plan of {gh.now_utc()} is clean: no changes, no failing checks "
            f"({_run_link(run)}). Closing."
        ),
        changed_comment=f"The drift changed in the nightly plan of {gh.now_utc()}; the description shows the new plan.",
        label=label,
        author=_author(author),
    )
    where = f" #{outcome.number}" if outcome.number else ""
    click.echo(f"drift issue{where}: {outcome.action}" + (f" ({outcome.url})" if outcome.url else ""))


@command.command("verify-plan")
@click.option(
    "--plan",
    "plan_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The JSON plan just made on the merged commit (`plan --out`).",
)
@click.option("--body-file", help="Its markdown (`plan --format markdown`), shown on the pull request when refused.")
@click.option("--sha", envvar="GITHUB_SHA", required=True, help="The merged commit (default: GITHUB_SHA).")
@click.option("--author", default=gh.DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def verify_plan(plan_file: str, body_file: str | None, sha: str, author: str) -> None:
    """Print the reviewed plan's checksum if the plan on main is that plan; refuse loudly otherwise.

    Finds the merged pull request of --sha and the checksum in its plan comment. On a
    mismatch (main moved on, Nmbrs or the registry changed, the last push was never
    planned) it comments the difference on the pull request and exits 1. Writes the
    step outputs `pr` and `checksum` to $GITHUB_OUTPUT.
    """
    run = gh.RunContext.from_env()
    # A missing plan file (plan on main failed) is still reported on the pull request.
    now = gh.read_plan(plan_file) if Path(plan_file).exists() else None
    client = gh.GitHubClient.from_env()
    pull = gh.merged_pull_request(client, sha)
    if pull is None:
        raise SafetyError(
            f"commit {sha[:12]} is not the merge of a pull request, so no plan was reviewed for it",
            hint=(
                "changes reach main through reviewed pull requests; to apply anyway, review the plan of this "
                "run and start the apply workflow by hand with its checksum"
            ),
        )
    reviewed = gh.reviewed_plan(client, pull, author=_author(author))
    gh.write_outputs({"pr": str(reviewed.pr)})
    problem: str | None = None
    if now is None:
        problem = f"the plan on {sha[:12]} did not finish (no {plan_file}), so there is nothing to compare or apply"
    elif reviewed.checksum is None:
        problem = f"pull request #{reviewed.pr} has no plan comment with a checksum (its last plan did not finish)"
    elif reviewed.planned_sha and reviewed.pr_head_sha and reviewed.planned_sha != reviewed.pr_head_sha:
        problem = (
            f"the plan on #{reviewed.pr} was made for commit {reviewed.planned_sha[:12]}, "
            f"but the pull request's last commit is {reviewed.pr_head_sha[:12]} (its plan never finished)"
        )
    elif reviewed.checksum != now.checksum:
        problem = (
            f"main has moved on: the plan reviewed on #{reviewed.pr} has checksum {reviewed.checksum}, "
            f"a plan on {sha[:12]} now has {now.checksum}"
        )
    if problem is None and now is not None:
        gh.write_outputs({"checksum": now.checksum})
        click.echo(f"plan on {sha[:12]} is the plan reviewed on #{reviewed.pr} ({now.checksum})", err=True)
        click.echo(now.checksum)
        return
    assert problem is not None
    plan_md = _read_body(body_file).strip() if body_file else ""
    if now is None:
        sections = (
            f"**What to do**: read the log of the {_run_link(run)}, correct the cause, then re-run the "
            "failed job (a reviewer of the `production` environment approves the run)."
        )
    else:
        differences = "\n".join(f"- {line}" for line in gh.describe_difference(reviewed.meta, now))
        sections = (
            f"**Differences from the reviewed plan**\n\n{differences}\n\n"
            "**What to do**: read the plan below. If it is right, start the *asrctl apply* workflow by hand "
            f"(Actions → asrctl apply → Run workflow) with checksum `{now.checksum}`; a reviewer of the "
            "`production` environment approves the run. Otherwise correct the files in a new pull request."
        )
    body = (
        "### asrctl apply refused: the plan on main is not the reviewed plan\n\n"
        f"Nothing was applied. {problem[0].upper() + problem[1:]}.\n\n{sections}"
        + (f"\n\n<details><summary>Plan on main now</summary>\n\n{plan_md}\n\n</details>" if plan_md else "")
    )
    text = gh.compose(
        gh.APPLY_MARKER,
        body,
        meta={"checksum": now.checksum if now else None, "sha": sha},
        footer=f"---\n<sub>{_run_link(run)} · asrctl {__version__}</sub>",
        truncated_note=gh.artifact_note(run.run_url, artifact=gh.APPLY_ARTIFACT),
    )
    outcome = gh.sync_comment(client, reviewed.pr, text, marker=gh.APPLY_MARKER, author=_author(author))
    raise SafetyError(
        f"apply refused: {problem}",
        hint=f"the reason is commented on #{reviewed.pr} ({outcome.url or 'see the pull request'})",
    )
