"""`asrctl github comment|drift|verify-plan|store-secret`: the GitHub side of the GitOps workflows.

Thin: parse, read files, call asrctl.github (body, sync, flows), print one line. The workflows
in .github/workflows/ are the callers; every option has a default taken from the environment
GitHub Actions provides (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_SHA,
GITHUB_RUN_ID).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from asrctl import __version__
from asrctl.cli.context import Settings
from asrctl.errors import ConfigError, SafetyError
from asrctl.github import body as gb
from asrctl.github.client import DEFAULT_BOT
from asrctl.i18n import _, localize

if TYPE_CHECKING:
    from asrctl.plan.make import Plan

AUTHOR_HELP = (
    "Only comments/issues by this login are ours (the workflow token posts as github-actions[bot]; "
    "set ASRCTL_GITHUB_AUTHOR when posting with another token, '' to accept any author)."
)


def _read_text(path: str | None) -> str:
    """A file to post, with every secret this process knows (GITHUB_TOKEN) removed: comments are public."""
    from asrctl.secrets import redact, register

    if not path:
        return ""
    register(os.environ.get("GITHUB_TOKEN", "").strip())  # the client that registers it is made later
    if path == "-":
        return redact(sys.stdin.read())
    try:
        return redact(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""  # the step that should have written it failed; say so in the comment
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None


def _plan_or_none(path: str | None) -> Plan | None:
    """The plan file, or None when the plan step wrote none (it did not finish)."""
    from asrctl.run.plan import read_plan_file

    return read_plan_file(path) if path and Path(path).exists() else None


def _author(value: str) -> str | None:
    return value or None


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.group(name="github")
def command() -> None:
    """Post plans to pull requests and keep the drift issue, via the GitHub REST API.

    Needs GITHUB_TOKEN and GITHUB_REPOSITORY (set in GitHub Actions); GITHUB_API_URL
    for GitHub Enterprise Server.
    """


@command.command("comment")
@click.option("--pr", "pr", type=click.IntRange(min=1), help="Pull request number (default: from the event payload).")
@click.option("--body-file", help="Markdown to post; - for stdin. Without it, the --plan is rendered "
              "(employer files linked at the head commit).")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="The JSON plan (`plan --out`): rendered as the comment, its checksum recorded for the apply after merge.",
)
@click.option("--log-file", type=click.Path(dir_okay=False),
              help="stderr of the plan step: when no plan was written, the comment quotes its first error line.")
@click.option("--marker", default=gb.PLAN_MARKER, show_default=True, help="Hidden marker that identifies the comment.")
@click.option("--head-sha", help="Commit the plan was made for (default: the pull request's head from the event).")
@click.option(
    "--artifact",
    default=gb.PLAN_ARTIFACT,
    show_default=True,
    help="Name of the workflow artifact with the full output (named in the footer and the truncation note).",
)
@click.option("--author", default=DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def comment(
    pr: int | None, body_file: str | None, plan_file: str | None, log_file: str | None, marker: str,
    head_sha: str | None, artifact: str, author: str,
) -> None:
    """Create or update, in place, ONE comment on a pull request (found by its hidden marker).

    A plan too long for one comment continues in further comments; past the cap the last one
    points at the plan artifact.
    """
    from asrctl.github.actions import RunContext
    from asrctl.github.client import GitHubClient
    from asrctl.github.flows import plan_footer, plan_meta, unfinished_plan_body
    from asrctl.github.sync import sync_comments
    from asrctl.render import printable_plan
    from asrctl.render.markdown import render_markdown, strip_footer

    run = RunContext.from_env()
    number = pr or run.pull_request_number()
    if number is None:
        raise ConfigError(
            _("no pull request number: this run's event is {event}", event=run.event_name or "unknown"),
            hint=_("pass --pr N, or run the step in a pull_request workflow"),
        )
    sha = head_sha or run.pull_request_head_sha()
    plan = _plan_or_none(plan_file)
    if plan is not None and not body_file:
        text = render_markdown(printable_plan(plan), limit=None, file_url=run.blob_url(sha))
    else:
        text = _read_text(body_file).strip()
    text = strip_footer(text)
    if not text and marker == gb.PLAN_MARKER:
        text = unfinished_plan_body(_read_text(log_file), run.run_link)
    elif not text:
        text = "_" + localize(_("No output: read the log of the {run}.", run=run.run_link)) + "_"
    footer = plan_footer(plan, sha, artifact, run.run_link, __version__) if marker == gb.PLAN_MARKER else (
        "---\n<sub>" + localize(_("Full output: the {artifact} artifact of the {run}", artifact=gb.code(artifact),
                                   run=run.run_link)) + f" · asrctl {__version__}</sub>"
    )
    parts = gb.compose_parts(
        marker, text, meta=plan_meta(plan, sha) if plan is not None else None, footer=footer,
        truncated_note=gb.artifact_note(run.run_url, artifact=artifact),
    )
    outcome = sync_comments(GitHubClient.from_env(), number, parts, marker=marker, author=_author(author))
    extra = f", {outcome.removed_duplicates} duplicate(s) removed" if outcome.removed_duplicates else ""
    split = f" in {outcome.parts} comments" if outcome.parts > 1 else ""
    click.echo(f"comment {outcome.action}{split} on #{number}{extra}: {outcome.url or ''}".rstrip(": "))


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
    help="The JSON plan (`plan --out`): the issue shows its checksum and a.s.r.'s rejections.",
)
@click.option("--title", help="Issue title (default: by exit code).")
@click.option("--label", default="asrctl-drift", show_default=True, help="Label of the drift issue.")
@click.option("--author", default=DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def drift(body_file: str, exit_code: int, plan_file: str | None, title: str | None, label: str, author: str) -> None:
    """Open or update ONE drift issue on changes, errors or rejections; close it when the plan is clean."""
    from asrctl.github.actions import RunContext
    from asrctl.github.client import GitHubClient
    from asrctl.github.flows import drift_intro, drift_title
    from asrctl.github.sync import sync_drift_issue
    from asrctl.render.markdown import strip_footer

    run = RunContext.from_env()
    client = GitHubClient.from_env()
    plan = _plan_or_none(plan_file)
    plan_text = (strip_footer(_read_text(body_file).strip())
                 or "_" + localize(_("No plan output: read the log of the {run}.", run=run.run_link)) + "_")
    apply_hint = localize(_(
        "Plan checksum {checksum}. When the changes are right as they are (for example a rotated token), run the "
        "*asrctl apply* workflow by hand with this checksum.", checksum=gb.code(plan.checksum))) + "<br>" if (
        plan is not None and plan.has_changes) else ""
    nightly = localize(_("Nightly plan of {when}", when=_now()))
    body = gb.compose(
        gb.DRIFT_MARKER,
        f"{drift_intro(exit_code, plan, run.run_link)}\n\n{plan_text}",
        meta={"digest": "sha256:" + hashlib.sha256(plan_text.encode()).hexdigest()[:16], "exit_code": exit_code},
        footer=(
            f"---\n<sub>{apply_hint}{nightly} · {run.run_link} · asrctl {__version__}. "
            + localize(_("This issue is kept up to date by `asrctl github drift` and closed when a nightly plan is "
                         "clean.")) + "</sub>"
        ),
        truncated_note=gb.artifact_note(run.run_url),
    )
    outcome = sync_drift_issue(
        client,
        drifted=exit_code != 0,
        title=title or drift_title(exit_code, plan),
        body=body,
        resolved_comment=localize(_(
            "The nightly plan of {when} is clean: no changes, no failing checks, no rejections ({run}). Closing.",
            when=_now(), run=run.run_link)),
        changed_comment=localize(_("The drift changed in the nightly plan of {when}; the description shows the new "
                                   "plan.", when=_now())),
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
@click.option("--author", default=DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def verify_plan(plan_file: str, body_file: str | None, sha: str, author: str) -> None:
    """Print the reviewed checksum if the plan on main writes what was reviewed; refuse loudly otherwise.

    Finds the merged pull request of --sha and the checksum in its plan comment. On a mismatch
    it comments which employers' writes differ (and why) on the pull request and exits 1.
    Writes the step outputs `pr` and `checksum` to $GITHUB_OUTPUT.
    """
    from asrctl.github.actions import RunContext, write_outputs
    from asrctl.github.client import GitHubClient
    from asrctl.github.flows import refusal_body, verify
    from asrctl.github.sync import merged_pull_request, reviewed_plan, sync_comment
    from asrctl.render.markdown import strip_footer

    run = RunContext.from_env()
    now = _plan_or_none(plan_file)  # a missing plan file (plan on main failed) is still reported
    client = GitHubClient.from_env()
    pull = merged_pull_request(client, sha)
    if pull is None:
        raise SafetyError(
            _("commit {sha} is not the merge of a pull request, so no plan was reviewed for it", sha=sha[:12]),
            hint=_("changes reach main through reviewed pull requests; to apply anyway, review the plan of this "
                   "run and start the apply workflow by hand with its checksum"),
        )
    reviewed = reviewed_plan(client, pull, author=_author(author))
    write_outputs({"pr": str(reviewed.pr)})
    verdict = verify(reviewed, now, sha, plan_file)
    if verdict.ok and now is not None:
        write_outputs({"checksum": now.checksum})
        click.echo(f"plan on {sha[:12]} writes what was reviewed on #{reviewed.pr} ({now.checksum})", err=True)
        click.echo(now.checksum)
        return
    text = gb.compose(
        gb.APPLY_MARKER,
        refusal_body(verdict, now, strip_footer(_read_text(body_file).strip()), run.run_link),
        meta={"checksum": now.checksum if now else None, "sha": sha},
        footer=f"---\n<sub>{run.run_link} · asrctl {__version__}</sub>",
        truncated_note=gb.artifact_note(run.run_url, artifact=gb.APPLY_ARTIFACT),
    )
    outcome = sync_comment(client, reviewed.pr, text, marker=gb.APPLY_MARKER, author=_author(author))
    raise SafetyError(
        _("apply refused: {problem}", problem=verdict.problem),
        hint=_("the reason is commented on #{pr} ({url})", pr=reviewed.pr, url=outcome.url) if outcome.url else
        _("the reason is commented on #{pr}", pr=reviewed.pr),
    )


@command.command("export-tokens")
@click.pass_obj
def export_tokens(settings: Settings) -> None:
    """Export the Nmbrs token of every account from the repository secret of the same name.

    The workflows' one step for all accounts: ASRCTL_SECRETS=${{ toJSON(secrets) }} in, each
    `token: {env: NAME}` of asrctl.yaml out to $GITHUB_ENV for the later steps. Names without a
    secret are warned about (plan then says which account lacks its token).
    """
    from asrctl.declare.config_only import load_config_repo
    from asrctl.github.secrets import SECRETS_JSON, export_lines, read_secrets_json

    config = load_config_repo(settings.config_path).config
    secrets = read_secrets_json(os.environ.get(SECRETS_JSON, ""))
    text, missing = export_lines(config, secrets)
    target = os.environ.get("GITHUB_ENV")
    if not target:
        raise ConfigError("GITHUB_ENV is not set: export-tokens runs as a step of a GitHub Actions job",
                          hint="elsewhere set the token variables yourself")
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write GITHUB_ENV={target}: {exc.__class__.__name__}") from None
    from asrctl.fsutil import write_atomic
    from asrctl.github.secrets import grant_files

    grants, no_grant = grant_files(config, secrets)
    root = settings.repo_root
    for file, value in grants.items():  # the REST consents, where asrctl.yaml expects them (0600)
        path = Path(file) if Path(file).is_absolute() else root / file
        write_atomic(path, value, mode=0o600)
    for name in (*missing, *no_grant):
        click.echo(f"::warning title=asrctl: no secret {name}::asrctl.yaml reads a token from {name}; add a "
                   f"repository secret {name} (Settings → Secrets and variables → Actions)")
    found = len(config.accounts) - len(missing)
    click.echo(f"exported {found} Nmbrs token{'s' if found != 1 else ''}"
               + (f"; missing: {', '.join(missing)}" if missing else ""), err=True)


@command.command("announce")
@click.option("--plan", "plan_file", required=True, type=click.Path(dir_okay=False),
              help="A JSON plan (`plan --out`): the statuses a.s.r. reports.")
@click.option("--submitted-by", type=click.IntRange(min=1), metavar="PR",
              help="After apply: remember that this pull request submitted the plan's new registrations.")
@click.option("--label", default="asrctl-onboarding", show_default=True, help="Label of the onboarding issue.")
@click.option("--author", default=DEFAULT_BOT, envvar="ASRCTL_GITHUB_AUTHOR", show_default=True, help=AUTHOR_HELP)
def announce(plan_file: str, submitted_by: int | None, label: str, author: str) -> None:
    """Announce once each registration a.s.r. set up (in_setup) or put live (active).

    On the pull request that submitted the employer when known, else as a comment on the ONE
    onboarding issue, which also keeps what was announced (no local state, no repeats).
    """
    from asrctl.github.actions import RunContext
    from asrctl.github.client import GitHubClient
    from asrctl.github.sync import announce_once

    plan = _plan_or_none(plan_file)
    if plan is None:
        raise ConfigError(f"no plan file {plan_file}", hint="run `asrctl plan --out plan.json` first")
    run = RunContext.from_env()
    result = announce_once(GitHubClient.from_env(), plan, submitted_by=submitted_by, label=label,
                           author=_author(author), run_link=run.run_link)
    click.echo(f"onboarding issue #{result.number}: {result.action}" if result.number else
               f"onboarding: {result.action}")


@command.command("store-secret")
@click.argument("name")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file whose content becomes the secret, e.g. a rotated grant (.asrctl/grants/kantoor.json).")
@click.option("--environment", help="Store it as a secret of this deployment environment, not of the repository.")
def store_secret(name: str, path: Path, environment: str | None) -> None:
    """Write FILE into the GitHub Actions secret NAME (sealed with the repository's or environment's key).

    Needs GITHUB_TOKEN with the right to write secrets (a GitHub App or fine-grained token with
    "Secrets: write"), and GITHUB_REPOSITORY.
    """
    from asrctl.github.client import GitHubClient
    from asrctl.github.sealed import check_name, read_value
    from asrctl.github.sealed import store_secret as store

    secret_name = check_name(name)
    value = read_value(path)
    client = GitHubClient.from_env()
    try:
        outcome = store(client, secret_name, value, environment=environment)
    finally:
        client.session.close()
    where = f"environment '{environment}'" if environment else "the repository"
    click.echo(f"{outcome} secret {secret_name} of {where} from {path}")
