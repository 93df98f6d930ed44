"""`asrctl schema [--check]`: write schemas/*.json from the models, or verify the committed ones."""

from __future__ import annotations

import click

from asrctl.cli.context import Settings

SCHEMAS_DIR = "schemas"


@click.command("schema")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file in schemas/ differs from the models.")
@click.pass_context
def command(ctx: click.Context, check: bool) -> None:
    """Write schemas/asrctl.schema.json and schemas/employer.schema.json beside asrctl.yaml.

    Editors use them (yaml-language-server) to complete fields and show their help.
    """
    from asrctl.declare.schema import SCHEMA_FILES, render
    from asrctl.fsutil import write_atomic

    settings: Settings = ctx.obj
    directory = settings.repo_root / SCHEMAS_DIR
    stale = []
    for name in SCHEMA_FILES:
        path = directory / name
        shown = f"{SCHEMAS_DIR}/{name}"
        text = render(name)
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current == text:
            click.echo(f"{shown} is up to date", err=True)
        elif check:
            stale.append(shown)
            click.echo(f"error: {shown} {'is missing' if current is None else 'differs from the models'}", err=True)
        else:
            write_atomic(path, text)  # an editor or CI reading it never sees half a schema
            click.echo(f"wrote {shown}", err=True)
    if stale:
        click.echo("  hint: run `asrctl schema` and commit schemas/", err=True)
        ctx.exit(1)
