"""`asrctl status`: the onboarding status of every managed registration (reads the registry only)."""

from __future__ import annotations

import sys

import click

from asrctl.cli.context import Settings


@click.command("status")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.pass_obj
def command(settings: Settings, fmt: str) -> int:
    """Show, per employer file, its registration at a.s.r.: status, first exchange date, rejection reason.

    Registrations of this office that no employer file declares are listed too. Reads the
    registry only (a token of scope read is enough); Nmbrs is not asked.
    """
    from asrctl.declare.load import load_repo_or_raise
    from asrctl.render.status import render_status
    from asrctl.run.services import connect
    from asrctl.run.status import build_status
    from asrctl.secrets import redact

    repo = load_repo_or_raise(settings.config_path)
    with connect(repo, accounts=set()) as services:  # no Nmbrs token is needed
        registrations = services.registry.list()
    report = build_status(repo, registrations)
    color = settings.color and sys.stdout.isatty() and fmt == "text"
    click.echo(redact(render_status(report, fmt, color=color)), nl=False)  # type: ignore[arg-type]
    return 0
