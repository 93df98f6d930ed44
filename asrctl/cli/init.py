"""`asrctl init [DIR]`: write a new payroll office's repository (asrctl/run/scaffold.py).

On a terminal it asks what it needs and was not given; otherwise every answer is an option,
and a missing one is a usage error (exit 1) that names it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast, get_args

import click

from asrctl.cli.context import Settings
from asrctl.declare.model import AccountModel
from asrctl.i18n import _, localize

MODELS: tuple[str, ...] = get_args(AccountModel)


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    """A click value_proc: the checked value, or click's re-ask with the check's message."""

    def proc(value: str) -> str:
        try:
            return check(value)
        except ValueError as exc:
            raise click.BadParameter(_said(exc)) from None

    return proc


def _option(value: str | None, name: str, check: Callable[[str], str]) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise click.BadParameter(_said(exc), param_hint=f"'--{name}'") from None


def _said(exc: ValueError) -> str:
    """A check's message in the active language (it raised a Message)."""
    return localize(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else str(exc)


class _Ask:
    """Each answer from its option, else (on a terminal) from a prompt, else a usage error naming the option."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def __call__(self, given: str | None, name: str, question: str, check: Callable[[str], str],
                 default: str | None = None, **prompt: Any) -> str:
        value = _option(given, name, check)
        if value is not None:
            return value
        if not self.interactive:
            raise click.UsageError(localize(_("missing option '--{name}' ({question}); asrctl init asks only on a "
                                              "terminal", name=name, question=localize(question).lower())))
        answer: str = click.prompt(localize(question), default=default, value_proc=_checked(check), **prompt)
        return answer


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--office", metavar="NAME", help="The payroll office's own name (Bedrijfsnaam on a.s.r.'s form).")
@click.option("--contact-email", metavar="ADDR", help="The office's contact e-mail address for a.s.r. and Keylane.")
@click.option("--domain", metavar="DOMAIN", help="The Nmbrs domain: voorbeeld for https://voorbeeld.nmbrs.nl.")
@click.option("--model", type=click.Choice(MODELS),
              help="overarching: one accountant login for many debtors (a.s.r.'s advice); "
                   "per_debtor: the master company login of one debtor.")
@click.option("--username", metavar="ADDR", help="The Nmbrs login (Gebruikersnaam Nmbrs) whose API token is used.")
@click.option("--debtor", metavar="NUMBER", help="per_debtor: the debtor number (debiteurnummer) of the login.")
@click.option("--tag", metavar="TAG", help="overarching: the debtor tag that limits the login (e.g. a.s.r.).")
@click.option("--account", metavar="NAME",
              help="Short name of the Nmbrs login in asrctl.yaml, which employer files refer to "
                   "(default: kantoor; per_debtor: debiteur-<number>).")
@click.option("--codeowner", "codeowners", multiple=True, metavar="@USER|@ORG/TEAM",
              help="Who must approve changes to asrctl.yaml and the workflows (repeatable).")
@click.pass_obj
def command(settings: Settings, directory: Path, office: str | None, contact_email: str | None,
            domain: str | None, model: str | None, username: str | None, debtor: str | None, tag: str | None,
            account: str | None, codeowners: tuple[str, ...]) -> int:
    """Write a new office repository in DIR (default: here): asrctl.yaml, employers/ with an example,
    schemas/, the GitHub workflows pinned to this asrctl release, pre-commit, CODEOWNERS, README.

    Overwrites nothing: refuses when any of these files exists.
    """
    from asrctl.run import scaffold

    ask = _Ask(_on_terminal())
    answers = scaffold.OfficeAnswers(
        office=ask(office, "office", _("Name of your payroll office (Bedrijfsnaam)"), scaffold.check_office),
        contact_email=ask(contact_email, "contact-email", _("Contact e-mail address for a.s.r."),
                          scaffold.check_email),
        domain=ask(domain, "domain", _("Nmbrs domain (the part before .nmbrs in your Nmbrs address)"),
                   scaffold.check_domain),
        model=cast(scaffold.Model, ask(model, "model", _("Nmbrs login: overarching (an accountant login, a.s.r.'s "
                                                         "advice) or per_debtor (the master company login of one "
                                                         "debtor)"),
                                       _choice, default="overarching")),
        username=ask(username, "username", _("Nmbrs login e-mail whose API token is used (Gebruikersnaam Nmbrs)"),
                     scaffold.check_email),
        account=_option(account, "account", scaffold.check_account) or "kantoor",
        codeowners=tuple(_option(c, "codeowner", scaffold.check_codeowner) or c for c in codeowners),
    )
    if answers.model == "per_debtor":
        number = ask(debtor, "debtor", _("Debtor number (debiteurnummer) of the login"), scaffold.check_debtor)
        answers = replace(answers, debtor=number, account=answers.account if account else f"debiteur-{number.lower()}")
    elif tag is not None or ask.interactive:
        answers = replace(answers, tag=ask(tag, "tag", _("Debtor tag that limits the login (empty: none)"),
                                           scaffold.check_tag, default="a.s.r.") or None)
    if not answers.codeowners and ask.interactive:
        owner: str = click.prompt(localize(_("GitHub user or team who approves changes to asrctl.yaml (empty: fill in "
                                             "later)")),
                                  default="", show_default=False,
                                  value_proc=_checked(lambda v: scaffold.check_codeowner(v) if v.strip() else ""))
        answers = replace(answers, codeowners=(owner,) if owner else ())

    written = scaffold.write_office(directory, answers)
    for name in written:
        click.echo(localize(_("wrote {file}", file=name)), err=True)
    shown = "." if directory.resolve() == Path.cwd().resolve() else str(directory)
    steps = [
        f"cd {shown} && git init -b main && git add . && git commit -m 'asrctl init'" if shown != "." else
        "git init -b main && git add . && git commit -m 'asrctl init'",
        localize(_("in GitHub add the secrets {token} and ASR_REGISTRY_TOKEN_READ, and ASR_REGISTRY_TOKEN_WRITE only "
                   "in the environment 'production' (README.md, 'Set up once'); `asrctl doctor` lists the secrets "
                   "the workflows need", token=scaffold.token_env(answers.account))),
        localize(_("declare employers: asrctl import --account {account}, or copy {example}", account=answers.account,
                   example=scaffold.EXAMPLE)),
    ]
    if not answers.codeowners:
        steps.insert(1, localize(_("name the owners in CODEOWNERS")))
    click.echo("\n" + localize(_("asrctl repository written for {office}. Next steps:", office=repr(answers.office))))
    for index, step in enumerate(steps, 1):
        click.echo(f"  {index}. {step}")
    return 0


def _on_terminal() -> bool:
    return sys.stdin.isatty()


def _choice(value: str) -> str:
    text = value.strip()
    if text not in MODELS:
        raise ValueError(_("'{text}' is not one of: {choices}", text=text, choices=", ".join(MODELS)))
    return text
