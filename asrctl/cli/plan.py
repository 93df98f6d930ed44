"""`asrctl plan`: observe Nmbrs and the registry, print the checks and changes."""

from __future__ import annotations

from pathlib import Path

import click

from asrctl.cli.context import Settings
from asrctl.cli.errors import EXIT_CHANGES
from asrctl.i18n import _, localize


@click.command("plan")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON plan (no secrets) here.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes (0 none, 1 error).")
@click.option("--target", "targets", multiple=True, metavar="ID", help="Only this employer (repeatable).")
@click.option("--changed-since", "changed_since", metavar="REF",
              help="Only what differs from git REF: changed, added, renamed and deleted employer files, and the "
              "employers of accounts whose asrctl.yaml entry changed (all of them when organisation or policy did).")
@click.option("--endpoints-from", "endpoints_from", type=click.Path(dir_okay=False, path_type=Path),
              help="Take nmbrs.endpoint and registry.url from this asrctl.yaml (in CI: the base branch's, so a "
              "pull request cannot send the tokens elsewhere).")
@click.option("--parallelism", type=click.IntRange(1, 64), help="Nmbrs calls in flight (default: nmbrs.parallelism).")
@click.pass_obj
def command(settings: Settings, out: Path | None, fmt: str, detailed_exitcode: bool,
            targets: tuple[str, ...], changed_since: str | None, endpoints_from: Path | None,
            parallelism: int | None) -> int:
    """Compare the employer files with Nmbrs and the a.s.r. registry (read-only)."""
    from asrctl.cli.output import Progress
    from asrctl.declare.load import load_repo_or_raise
    from asrctl.fsutil import write_atomic
    from asrctl.plan.make import select_employers
    from asrctl.render import render_plan
    from asrctl.run.changes import changed_scope
    from asrctl.run.plan import run_plan
    from asrctl.run.services import accounts_in_use, connect, with_endpoints_of
    from asrctl.secrets import redact

    if changed_since and targets:
        raise click.UsageError(localize(_("--changed-since and --target both choose employers; pass one of them")))
    repo = load_repo_or_raise(settings.config_path)
    if endpoints_from is not None:
        repo = with_endpoints_of(repo, endpoints_from)
    scope = changed_scope(repo, changed_since) if changed_since else None
    chosen = set(targets) if targets else None
    if scope is not None and not scope.everything:
        chosen = set(scope.employers)
    selected = select_employers(repo.employers, chosen)  # unknown --target fails here, before any network
    progress = Progress(localize(_("Checking Nmbrs")), len(selected))
    with connect(repo, accounts=accounts_in_use(repo, chosen)) as services:
        plan = run_plan(repo, services, targets=chosen, parallelism=parallelism, progress=progress, scope=scope)
    progress.close()
    if out is not None:
        write_atomic(out, redact(plan.to_json()) + "\n")
    click.echo(redact(render_plan(plan, fmt, color=settings.color and fmt == "text")), nl=False)  # type: ignore[arg-type]
    if fmt != "text":  # the text rendering ends with the checksum already
        click.echo(localize(_("Plan checksum: {checksum}", checksum=plan.checksum)), err=True)
    if plan.failed:
        return 1
    if detailed_exitcode and plan.drifted:  # a rejection by a.s.r. is drift too
        return EXIT_CHANGES
    return 0

