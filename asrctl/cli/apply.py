"""`asrctl apply [PLANFILE]`: carry out a plan — submit, change or withdraw registrations."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from asrctl.cli.context import Settings
from asrctl.i18n import _, localize

if TYPE_CHECKING:
    from asrctl.declare.load import Repo
    from asrctl.plan.make import Plan
    from asrctl.run.apply import Permissions, WriteResult
    from asrctl.run.services import Services

_SYMBOL = {"created": "+", "updated": "~", "withdrawn": "-", "skipped": "!", "failed": "✗", "not_attempted": "✗"}
_COLOUR = {"created": "green", "updated": "yellow", "withdrawn": "red", "skipped": "red", "failed": "red",
           "not_attempted": "red"}


@click.command("apply")
@click.argument("planfile", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Do not ask (CI). Without a plan file and off a terminal it is required.")
@click.option("--allow-withdraw", is_flag=True, help="Allow withdrawals (afmelden), also when policy.allow_withdraw is false.")
@click.option("--force", is_flag=True, help="Apply even above policy.max_change_fraction.")
@click.option("--checksum", metavar="SHA256", help="Apply only if the plan's checksum is this one (the reviewed plan's).")
@click.option("--target", "targets", multiple=True, metavar="ID", help="Without a plan file: only this employer (repeatable).")
@click.option("--parallelism", type=click.IntRange(1, 64), help="Without a plan file: Nmbrs calls in flight while planning.")
@click.pass_obj
def command(settings: Settings, planfile: Path | None, auto_approve: bool, allow_withdraw: bool, force: bool,
            checksum: str | None, targets: tuple[str, ...], parallelism: int | None) -> int:
    """Carry out a plan: submit, change or withdraw registrations at the a.s.r. registry.

    With PLANFILE (written by `asrctl plan --out`), exactly that plan is carried out, if the
    declarations, asrctl.yaml and the tokens are still those it was made from. Without one, a
    fresh plan is made, shown, and carried out after you confirm (or with --auto-approve).
    """
    from asrctl.declare.load import load_repo_or_raise
    from asrctl.run.apply import Permissions, normalise_checksum

    if checksum is not None:
        normalise_checksum(checksum)  # a malformed --checksum fails before any work
    if planfile is not None and (targets or parallelism):
        raise click.UsageError(localize(_("--target and --parallelism are for apply without a plan file; the plan "
                                          "file already says which employers it covers")))
    if planfile is None and not auto_approve and not _interactive():
        from asrctl.errors import SafetyError

        raise SafetyError(
            _("apply without a plan file asks for confirmation, but this is not a terminal"),
            hint=_("run it on a terminal, pass --auto-approve (CI), or apply a reviewed plan: "
                   "`asrctl plan --out plan.json` then `asrctl apply plan.json`"),
        )
    repo = load_repo_or_raise(settings.config_path)
    permissions = Permissions(checksum, allow_withdraw, force)
    if planfile is not None:
        return _apply_file(settings, repo, planfile, permissions)
    return _apply_fresh(settings, repo, permissions, targets=set(targets) if targets else None,
                        parallelism=parallelism, auto_approve=auto_approve)


# The answers to the confirmation, in either language; Enter alone is no.
YES = frozenset({"y", "yes", "j", "ja"})
NO = frozenset({"", "n", "no", "nee"})


def confirmed(question: str) -> bool:
    """Ask on the terminal until the answer is yes (`yes`/`y`/`ja`/`j`) or no (`no`/`n`/`nee`, Enter)."""
    prompt = localize(_("{question} [y/N]", question=question))
    while True:
        answer: str = click.prompt(prompt, default="", show_default=False, err=True)
        word = answer.strip().lower()
        if word in YES or word in NO:
            return word in YES
        click.echo(localize(_("Please answer yes or no (ja or nee).")), err=True)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _apply_file(settings: Settings, repo: Repo, path: Path, permissions: Permissions) -> int:
    from asrctl.run.apply import gate_plan_file, gate_tokens
    from asrctl.run.plan import read_plan_file
    from asrctl.run.services import connect

    plan = read_plan_file(path)
    accounts = gate_plan_file(plan, repo, permissions)
    with connect(repo, accounts=accounts) as services:
        gate_tokens(plan, repo, services.token_fingerprints)
        click.echo(localize(_("Applying plan {checksum} from {path}", checksum=plan.checksum, path=path)), err=True)
        return _carry_out(settings, repo, plan, services)


def _apply_fresh(settings: Settings, repo: Repo, permissions: Permissions, *, targets: set[str] | None,
                 parallelism: int | None, auto_approve: bool) -> int:
    from asrctl.cli.output import Progress
    from asrctl.plan.make import select_employers
    from asrctl.render import render_plan
    from asrctl.run.apply import gate_fresh_plan, planned_writes
    from asrctl.run.plan import run_plan
    from asrctl.run.services import accounts_in_use, connect
    from asrctl.secrets import redact

    selected = select_employers(repo.employers, targets)  # an unknown --target fails before any network
    progress = Progress(localize(_("Checking Nmbrs")), len(selected))
    with connect(repo, accounts=accounts_in_use(repo, targets)) as services:
        plan = run_plan(repo, services, targets=targets, parallelism=parallelism, progress=progress)
        progress.close()
        click.echo(redact(render_plan(plan, "text", color=_color(settings))), nl=False)
        if not gate_fresh_plan(plan, repo, permissions):
            click.echo(localize(_("Nothing to apply.")))
            return 0
        if planned_writes(plan) and not auto_approve and not confirmed(
            localize(_("Apply these changes to the a.s.r. registry? Only 'y' (or 'ja') applies"))
        ):
            click.echo(localize(_("Apply cancelled; nothing was written.")), err=True)
            return 1
        return _carry_out(settings, repo, plan, services)


def _carry_out(settings: Settings, repo: Repo, plan: Plan, services: Services) -> int:
    from asrctl.printable import printable
    from asrctl.run.apply import apply_plan, summarise
    from asrctl.secrets import redact

    color = _color(settings)
    done = 0

    def show(result: WriteResult) -> None:
        nonlocal done
        done += result.ok
        click.echo(redact(_line(result, color)))
        if result.hint and not result.ok:
            click.echo(redact("    " + localize(_("hint: {hint}", hint=printable(localize(result.hint))))))

    try:
        report = apply_plan(plan, repo, services.registry, services.tokens, on_result=show)
    except KeyboardInterrupt:
        click.echo(
            localize(_("interrupted after {done} write(s); run apply again to finish — with the same plan file, "
                       "writes already made are replayed, not repeated", done=done)),
            err=True,
        )
        raise
    line = summarise(report)
    click.echo(click.style(line, fg="red" if report.failed else "green", bold=True) if color else line)
    return 1 if report.failed else 0


def _line(result: WriteResult, color: bool) -> str:
    from asrctl.printable import printable

    result = replace(result, subject=printable(result.subject), message=printable(localize(result.message)))
    symbol = _SYMBOL[result.outcome]
    if color:
        symbol = click.style(symbol, fg=_COLOUR[result.outcome])
    if result.outcome == "failed":
        return f"{symbol} {result.subject}: " + localize(_("failed: {message}", message=result.message))
    if result.outcome == "not_attempted":
        return f"{symbol} {result.subject}: {result.message}"
    return f"{symbol} {result.subject}: " + localize(_("{outcome} ({detail})", outcome=_OUTCOME[result.outcome],
                                                       detail=result.message))


# The outcome words; in English the ones scripts grep for (`+ alpha: created (`).
_OUTCOME = {"created": _("created"), "updated": _("updated"), "withdrawn": _("withdrawn"), "skipped": _("skipped")}


def _color(settings: Settings) -> bool:
    return settings.color and sys.stdout.isatty()
