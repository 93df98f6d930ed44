"""`asrctl import --account NAME`: employer files for what Nmbrs and the registry already hold."""

from __future__ import annotations

from pathlib import Path

import click

from asrctl.cli.context import Settings


@click.command("import")
@click.option("--account", "account", required=True, metavar="NAME", help="The account (Nmbrs login) in asrctl.yaml.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write to (default: employers/ beside asrctl.yaml).")
@click.option("--force", is_flag=True,
              help="Update existing files (their comments and filled-in values are kept; each changed value is listed).")
@click.option("--company", "companies", multiple=True, metavar="NAME",
              help="Only this company (exactly as Nmbrs names it); repeatable.")
@click.option("--debtor", "debtors", multiple=True, metavar="NUMBER",
              help="Only companies under this Nmbrs debtor (debiteurnummer); repeatable.")
@click.pass_obj
def command(settings: Settings, account: str, out: Path | None, force: bool, companies: tuple[str, ...],
            debtors: tuple[str, ...]) -> int:
    """Write an employer file per company the login sees in Nmbrs (within its tag or debtor),
    taking contract, DGAs and payroll from the a.s.r. registry where the company is registered.

    What neither source can tell is written as TODO with a comment; validate names each TODO
    until it is filled in. Existing files are never overwritten without --force.
    """
    from asrctl.declare.config_only import load_config_repo
    from asrctl.declare.load import EMPLOYERS_DIR
    from asrctl.errors import ConfigError
    from asrctl.nmbrs.discover import discover_companies
    from asrctl.printable import printable
    from asrctl.run.importer import (
        Selection,
        build_drafts,
        inside,
        scan_declared,
        schema_reference,
        shown_path,
        write_drafts,
    )
    from asrctl.run.services import connect
    from asrctl.secrets import redact

    repo = load_config_repo(settings.config_path)  # employer files may still hold TODOs of an earlier import
    if account not in repo.config.accounts:
        raise ConfigError(f"asrctl.yaml has no account '{account}'",
                          hint=f"use one of: {', '.join(sorted(repo.config.accounts))}")
    employers_dir = repo.root / EMPLOYERS_DIR
    out_dir = out if out is not None else employers_dir
    selection = Selection(tuple(companies), tuple(d.strip() for d in debtors))
    with connect(repo, accounts={account}) as services:
        registrations = services.registry.list()
        discovery = discover_companies(repo.config, account, services.tokens[account],
                                       endpoint_url=services.nmbrs_url, keep=selection.keeps)
    for note in discovery.notes:
        click.echo(redact(f"warning: {note.id}: {note.message}"), err=True)
    drafts = build_drafts(repo.config, account, discovery, registrations, selection)
    selection.check(drafts, discovery)
    declared = scan_declared([employers_dir, out_dir])
    results = write_drafts(drafts, out_dir, account, declared, schema_ref=schema_reference(repo.root, out_dir),
                           force=force)
    for result in results:
        shown = shown_path(result.path)
        verb = "wrote" if result.outcome == "written" else "updated" if result.outcome == "updated" else "skipped"
        subject = shown if result.outcome in ("written", "updated", "exists") else repr(result.company)
        # Company names and values come from Nmbrs and the registry: one line each, escaped.
        click.echo(redact(printable(f"{verb} {subject}: {result.detail}")))
        for change in result.changes:
            click.echo(redact(printable(f"  ~ {change}")))
        for warning in result.warnings:
            click.echo(redact(printable(f"warning: {subject}: {warning}")), err=True)
    written = sum(1 for r in results if r.outcome in ("written", "updated"))
    todo = sum(1 for r in results if r.outcome in ("written", "updated") and "TODO:" in r.detail)
    skipped = len(results) - written
    line = f"{written} employer file{'s' if written != 1 else ''} written for account '{account}'"
    if skipped:
        line += f", {skipped} skipped"
    if todo:
        line += f"; {todo} with TODOs to fill in — then run `asrctl validate` and `asrctl plan`"
    click.echo(line + ".")
    if written and not inside(repo.root, out_dir):
        click.echo(f"The files are outside the repository; their schema line is the one employers/ needs: "
                   f"move them into {shown_path(employers_dir)}/ when they are right.")
    return 0
