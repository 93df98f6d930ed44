"""`asrctl explain [ID]`: list the check ids, or explain one and how to fix it."""

from __future__ import annotations

import difflib

import click

from asrctl.checks import CATALOGUE
from asrctl.errors import AsrctlError
from asrctl.i18n import _, localize
from asrctl.render.explain import render_markdown, render_markdown_entry, render_text, severity


@click.command(name="explain")
@click.argument("check_id", required=False, metavar="[ID]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: as in docs/operator-guide.md.",
)
def command(check_id: str | None, fmt: str) -> None:
    """Explain a check id (e.g. nmbrs.company) and how to fix it; without ID, list them all."""
    if check_id is None:
        if fmt == "markdown":
            click.echo(render_markdown(), nl=False)
            return
        width = max(len(i) for i in CATALOGUE)
        words = max(len(severity(i)) for i in CATALOGUE.values())
        for info in CATALOGUE.values():
            click.echo(f"{info.id:<{width}}  {severity(info):<{words}}  {localize(info.summary)}")
        click.echo("\n" + localize(_("`asrctl explain ID` tells what a check means and how to fix it.")))
        return
    found = CATALOGUE.get(check_id.strip())
    if found is None:
        close = difflib.get_close_matches(check_id, CATALOGUE, n=3, cutoff=0.5)
        listed = _("`asrctl explain` lists all check ids")
        alternatives = " " + localize(_("or")) + " "
        raise AsrctlError(
            _("unknown check id {id}", id=repr(check_id)),
            hint=_("did you mean {close}? {listed}", close=alternatives.join(close), listed=listed) if close else listed,
        )
    click.echo(render_markdown_entry(found) if fmt == "markdown" else render_text(found), nl=False)
