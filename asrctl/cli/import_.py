"""`asrctl import --account NAME`: employer files for what Nmbrs and the registry already hold."""

from __future__ import annotations

from pathlib import Path

import click

from asrctl.cli.context import Settings
from asrctl.i18n import N_, _, localize

_VERB = {"written": _("wrote"), "updated": _("updated"), "skipped": _("skipped")}


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
        raise ConfigError(_("asrctl.yaml has no account '{account}'", account=account),
                          hint=_("use one of: {accounts}", accounts=", ".join(sorted(repo.config.accounts))))
    employers_dir = repo.root / EMPLOYERS_DIR
    out_dir = out if out is not None else employers_dir
    selection = Selection(tuple(companies), tuple(d.strip() for d in debtors))
    with connect(repo, accounts={account}) as services:
        registrations = services.registry.list()
        discovery = discover_companies(repo.config, account, services.tokens[account],
                                       endpoint_url=services.nmbrs_url, keep=selection.keeps)
    for note in discovery.notes:
        click.echo(redact(localize(_("warning: {id}: {message}", id=note.id, message=note.message))), err=True)
    drafts = build_drafts(repo.config, account, discovery, registrations, selection)
    selection.check(drafts, discovery)
    declared = scan_declared([employers_dir, out_dir])
    results = write_drafts(drafts, out_dir, account, declared, schema_ref=schema_reference(repo.root, out_dir),
                           force=force)
    for result in results:
        shown = shown_path(result.path)
        verb = _VERB.get(result.outcome, _VERB["skipped"])
        subject = shown if result.outcome in ("written", "updated", "exists") else repr(result.company)
        # Company names and values come from Nmbrs and the registry: one line each, escaped.
        click.echo(redact(printable(localize(_("{verb} {subject}: {detail}", verb=verb, subject=subject,
                                               detail=result.detail)))))
        for change in result.changes:
            click.echo(redact(printable(f"  ~ {change}")))
        for warning in result.warnings:
            click.echo(redact(printable(localize(_("warning: {id}: {message}", id=subject, message=warning)))),
                       err=True)
    written = sum(1 for r in results if r.outcome in ("written", "updated"))
    todo = sum(1 for r in results if r.outcome in ("written", "updated") and "TODO:" in r.detail)
    skipped = len(results) - written
    parts = [N_("{n} employer file written for account '{account}'", "{n} employer files written for account "
                "'{account}'", written, account=account)]
    if skipped:
        parts.append(_(", {n} skipped", n=skipped))
    if todo:
        parts.append(_("; {n} with TODOs to fill in — then run `asrctl validate` and `asrctl plan`", n=todo))
    click.echo("".join(localize(p) for p in parts) + ".")
    if written and not inside(repo.root, out_dir):
        click.echo(localize(_("The files are outside the repository; their schema line is the one employers/ needs: "
                              "move them into {folder}/ when they are right.", folder=shown_path(employers_dir))))
    return 0
