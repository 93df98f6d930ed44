"""`asrctl validate [PATHS]`: YAML, schema, semantic and cross-file checks, offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from asrctl.cli.context import Settings
from asrctl.render.validate import VALIDATE_FORMATS, ValidateFormat, render_problems, summary


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(VALIDATE_FORMATS),
    default="text",
    show_default=True,
    help="text for people, github for annotations in a workflow, json for tools.",
)
@click.pass_context
def command(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Check asrctl.yaml and employer files (default: employers/*.yaml beside asrctl.yaml).

    PATHS may be employer files or directories. Reports every problem of every file as
    path:line:col; exit 1 when there is an error (warnings alone exit 0). No network.
    """
    from asrctl.declare.load import check_repo  # pydantic and the models: not needed for --help

    settings: Settings = ctx.obj
    result = check_repo(settings.config_path, list(paths) or None)
    color = settings.color and sys.stdout.isatty()
    click.echo(render_problems(result.problems, cast(ValidateFormat, fmt), color=color), nl=False)
    if fmt != "json":
        click.echo(summary(result.problems, result.files), err=True)
    ctx.exit(1 if result.errors else 0)
