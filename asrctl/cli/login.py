"""`asrctl login ACCOUNT`: give asrctl's Nmbrs REST app access for one account (once, in a browser)."""

from __future__ import annotations

import click

from asrctl.cli.context import Settings
from asrctl.i18n import _, localize


@click.command("login")
@click.argument("account")
@click.option("--no-browser", is_flag=True, help="Do not open a browser: print the address to open elsewhere.")
@click.option("--timeout", type=click.FloatRange(5, 900), default=300, show_default=True,
              help="Seconds to wait for the sign-in to come back.")
@click.pass_obj
def command(settings: Settings, account: str, no_browser: bool, timeout: float) -> int:
    """Sign in to Nmbrs for ACCOUNT and save the consent in its grant file (accounts.ACCOUNT.grant).

    Opens the Nmbrs sign-in page (or, with --no-browser, prints its address on a line of its own)
    and waits for Nmbrs to send the browser back to nmbrs.rest.redirect_uri on this machine.
    """
    import webbrowser

    from asrctl.declare.config_only import load_config_repo
    from asrctl.run.login import login

    repo = load_config_repo(settings.config_path)

    def show(url: str) -> None:
        click.echo(localize(_("Open this address in a browser and sign in with the Nmbrs login of account "
                              "'{account}':", account=account)), err=True)
        click.echo(url)  # on a line of its own (stdout), so a script or a person can copy it whole
        click.echo(localize(_("Waiting up to {seconds} seconds for Nmbrs to send the browser back ...",
                              seconds=format(timeout, "g"))), err=True)

    result = login(repo, account, show_url=show, open_browser=None if no_browser else webbrowser.open,
                   timeout=timeout)
    who = result.grant.consented_by
    person = (" ".join(part for part in (who.name, f"<{who.email}>" if who.email else None) if part)
              or localize(_("(unknown user)")))
    click.echo(localize(_("Consent given by {person} for account '{account}'; saved in {path}.", person=person,
                          account=account, path=result.path)))
    scopes = " ".join(sorted(result.grant.scopes))
    click.echo(localize(_("Granted scopes: {scopes}", scopes=scopes) if scopes else
                        _("Granted scopes: (none reported)")))
    if result.missing_needed:
        click.echo(localize(_("Missing scopes asrctl needs: {scopes} — allow them for the app in the Nmbrs developer "
                              "portal and run asrctl login again; plan reports nmbrs.scopes.",
                              scopes=", ".join(result.missing_needed))), err=True)
    if result.missing_asr:
        click.echo(localize(_("Not granted (a.s.r.'s SOAP list has their counterparts): {scopes}.",
                              scopes=", ".join(result.missing_asr))), err=True)
    return 1 if result.missing_needed else 0
