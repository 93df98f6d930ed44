"""The `asrctl` command: a click group whose subcommands load lazily.

Subcommands live in `asrctl/cli/<name>.py` (each a thin click command named
`command`) and are imported only when run, so `asrctl --version` and
`asrctl validate` never pay for zeep, lxml or requests. `main` is the single
top-level handler that maps errors to exit codes (DESIGN.md "Commands").
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from asrctl import __version__
from asrctl.cli.context import Settings
from asrctl.i18n import LANGUAGES, choose_language, set_language

__all__ = ["COMMANDS", "LazyGroup", "cli", "main"]

# command name -> module under asrctl.cli (with a click command called `command`)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "Write a new payroll office's repository: asrctl.yaml, employers/, schemas, workflows."),
    "validate": ("validate", "Check employer files and asrctl.yaml offline (schema, semantics, cross-file)."),
    "plan": ("plan", "Compare the declarations with Nmbrs and the a.s.r. registry; print the changes."),
    "login": ("login", "Give asrctl's Nmbrs REST app access for an account (OAuth consent, once)."),
    "apply": ("apply", "Carry out a plan: submit, change or withdraw registrations."),
    "status": ("status", "Show the onboarding status of every managed registration."),
    "import": ("import_", "Write employer files for what Nmbrs and the registry already hold."),
    "schema": ("schema", "Write (or --check) schemas/ from the models."),
    "sandbox": ("sandbox", "Run the Nmbrs simulator and the reference registry."),
    "github": ("github", "Post plans to pull requests and drift issues on GitHub."),
    "doctor": ("doctor", "Check that the workflows provide every secret asrctl.yaml names."),
    "explain": ("explain", "Explain a check id and how to fix it."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry[0]}")
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text without importing every subcommand module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="asrctl")
@click.option(
    "--config",
    "config_path",
    default="asrctl.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The office's asrctl.yaml.",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeatable).")
@click.option("--debug", is_flag=True, help="Debug logging on stderr (secrets are always redacted).")
@click.option("--no-color", is_flag=True, help="No colour, even on a terminal.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the messages: nl or en (else ASRCTL_LANG, asrctl.yaml's language:, the locale).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str, verbose: int, debug: bool, no_color: bool, lang: str | None) -> None:
    """asrctl: connect employers to the a.s.r. payroll coupling via Nmbrs, as code.

    Declare each employer (werkgever) in employers/<id>.yaml, review the plan in a
    pull request, apply after merge.
    """
    set_language(choose_language(lang, Path(config_path)))
    settings = Settings.create(config_path=config_path, verbose=verbose, debug=debug, no_color=no_color)
    settings.setup_logging()
    ctx.obj = settings


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI and map every outcome to DESIGN.md's exit codes."""
    from asrctl.cli.errors import run_guarded

    sys.exit(run_guarded(cli, argv))
