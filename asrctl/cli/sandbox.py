"""`asrctl sandbox serve|advance`: the embedded simulators standalone, and a.s.r.'s side of onboarding."""

from __future__ import annotations

import datetime as _dt
import os
import signal
import threading
import uuid
from types import FrameType
from typing import TYPE_CHECKING

import click

from asrctl.cli.context import Settings

if TYPE_CHECKING:
    from asrctl.declare.load import Repo
    from asrctl.sandbox.embedded import EmbeddedSandbox

ASR_TOKEN_ENV = "ASRCTL_SANDBOX_ASR_TOKEN"
OTHER_TOKEN_ENV = "ASRCTL_SANDBOX_OTHER_TOKEN"


@click.group("sandbox")
def command() -> None:
    """The Nmbrs simulator and the reference a.s.r. registry of the `sandbox:` URLs in asrctl.yaml."""


@command.command("serve")
@click.option("--nmbrs-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port of the Nmbrs simulator on 127.0.0.1 (0: any free port).")
@click.option("--registry-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port of the reference registry on 127.0.0.1 (0: any free port).")
@click.option("--rest-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port of the Nmbrs REST simulator on 127.0.0.1 (0: any free port).")
@click.pass_obj
def serve(settings: Settings, nmbrs_port: int, registry_port: int, rest_port: int) -> int:
    """Run the sandbox's Nmbrs simulator and reference registry until Ctrl-C.

    Serves the world file and the SQLite registry that asrctl.yaml's `sandbox:` URLs name, on
    loopback. Tokens are never printed: the office's registry token is the one asrctl.yaml
    refers to; the a.s.r.-side token is read from $ASRCTL_SANDBOX_ASR_TOKEN (made up when unset).
    """
    from asrctl.sandbox.embedded import EmbeddedSandbox
    from asrctl.secrets import Secret, resolve

    repo = _config_only(settings)
    _require_sandbox(repo.config.nmbrs.endpoint, repo.config.registry.url, "sandbox serve")
    office = resolve(repo.config.registry.token, base_dir=repo.root, what="registry token")
    tokens: dict[str, tuple[Secret | None, str]] = {}
    for env, what in ((ASR_TOKEN_ENV, "sandbox a.s.r. token"), (OTHER_TOKEN_ENV, "sandbox other office token")):
        value = os.environ.get(env, "").strip()
        tokens[env] = (Secret(value, f"env {env}"), f"${env}") if value else (
            None, f"made up for this run (set {env} to choose it)")

    stop = threading.Event()

    def terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, terminate)
    sandbox = EmbeddedSandbox(repo, office, nmbrs_port=nmbrs_port, registry_port=registry_port, rest_port=rest_port,
                              asr_token=tokens[ASR_TOKEN_ENV][0], other_token=tokens[OTHER_TOKEN_ENV][0])
    try:
        with sandbox:
            _announce(sandbox, office.source, tokens[ASR_TOKEN_ENV][1], tokens[OTHER_TOKEN_ENV][1])
            try:
                while not stop.wait(0.2):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("sandbox stopped")
    return 0


def _announce(sandbox: EmbeddedSandbox, office_source: str, asr: str, other: str) -> None:
    lines = []
    if sandbox.nmbrs_url:
        lines += [f"Nmbrs simulator: {sandbox.nmbrs_url}",
                  f"  world: {sandbox.world} (its logins and their tokens are in that file)"]
    if sandbox.rest_url:
        lines += [f"Nmbrs REST simulator (API and identity server): {sandbox.rest_url}",
                  f"  world: {sandbox.rest_world}; the app of nmbrs.rest is registered, its secrets in asrctl.yaml"]
    if sandbox.registry_url:
        lines += [f"a.s.r. registry: {sandbox.registry_url}",
                  f"  database: {sandbox.database}",
                  f"  token of this office (write): the one in {office_source}",
                  f"  a.s.r.-side token (asr): {asr}",
                  f"  token of another office (write): {other}"]
    lines.append("Stop with Ctrl-C.")
    for line in lines:
        click.echo(line)


@command.command("advance")
@click.argument("employer")
@click.option("--to", "to", required=True, type=click.Choice(["in_setup", "active", "rejected"]),
              help="The onboarding status a.s.r. sets.")
@click.option("--date", "date", metavar="YYYY-MM-DD", help="First exchange date (needed with --to active).")
@click.option("--detail", metavar="TEXT", help="Why (needed with --to rejected); optional note otherwise.")
@click.pass_obj
def advance(settings: Settings, employer: str, to: str, date: str | None, detail: str | None) -> int:
    """Move EMPLOYER's registration through onboarding, as a.s.r. would (sandbox registry only).

    EMPLOYER is an employer id (file stem) or a loonheffingennummer. Uses the sandbox
    registry's a.s.r.-side token, so `asrctl status` and `asrctl plan` then show the new status.
    """
    from asrctl.declare.load import load_repo_or_raise
    from asrctl.errors import ConfigError
    from asrctl.plan.make import describe_status
    from asrctl.registry.client import RegistryClient
    from asrctl.run.services import connect

    first_exchange = _date(date) if date is not None else None
    if to == "active" and first_exchange is None:
        raise click.UsageError("--to active needs --date YYYY-MM-DD: the first exchange date")
    if to == "rejected" and not (detail and detail.strip()):
        raise click.UsageError("--to rejected needs --detail TEXT: why a.s.r. rejects the registration")
    if to != "active" and first_exchange is not None:
        raise click.UsageError("--date is the first exchange date: only with --to active")
    repo = load_repo_or_raise(settings.config_path)
    _require_sandbox("", repo.config.registry.url, "sandbox advance")
    number = _payroll_tax_number(repo, employer)
    with connect(repo, accounts=set()) as services:
        sandbox = services.sandbox
        assert sandbox is not None and sandbox.registry_url is not None
        with RegistryClient(sandbox.registry_url, sandbox.asr_token) as asr:
            found = asr.get(number)
            if found is None:
                raise ConfigError(f"{employer}: the sandbox registry holds no registration {number}",
                                  hint="submit it first: `asrctl apply`")
            current, _ = found
            if current.status == "withdrawn":
                raise ConfigError(f"{employer}: registration {number} is withdrawn; a.s.r. does not onboard it",
                                  hint="set state: active in the employer file and apply, then advance it")
            moved = asr.set_status(
                number,
                status=to,
                version=current.version,
                status_detail=detail.strip() if detail else None,
                first_exchange_date=first_exchange,
                idempotency_key=f"sandbox-advance-{uuid.uuid4().hex}",
            )
    before = describe_status(current.status, current.status_detail, current.first_exchange_date)
    after = describe_status(moved.status, moved.status_detail, moved.first_exchange_date)
    click.echo(f"{employer} ({number}): {before} → {after} (version {current.version} → {moved.version})")
    return 0


def _config_only(settings: Settings) -> Repo:
    """asrctl.yaml alone: serving needs no employer file, so a half-written one does not stop it."""
    from asrctl.declare.config_only import load_config_repo

    return load_config_repo(settings.config_path)


def _require_sandbox(nmbrs: str, registry: str, what: str) -> None:
    from asrctl.errors import ConfigError
    from asrctl.sandbox.embedded import SANDBOX_PREFIX

    if what == "sandbox advance" and not registry.startswith(SANDBOX_PREFIX):
        raise ConfigError(
            "sandbox advance works on the sandbox registry only; registry.url is not a sandbox: URL",
            hint="on the real registry a.s.r. moves registrations through onboarding; see `asrctl status`",
        )
    if what == "sandbox serve" and not (nmbrs.startswith(SANDBOX_PREFIX) or registry.startswith(SANDBOX_PREFIX)):
        raise ConfigError(
            "asrctl.yaml names no sandbox: URL, so there is nothing to serve",
            hint="sandbox serve runs the simulators of nmbrs.endpoint: sandbox:<world> and "
            "registry.url: sandbox:<sqlite file>",
        )


def _payroll_tax_number(repo: Repo, employer: str) -> str:
    from asrctl.declare.lhn import is_payroll_tax_number
    from asrctl.errors import ConfigError

    for loaded in repo.employers:
        if loaded.id == employer:
            return loaded.employer.payroll_tax_number
    if is_payroll_tax_number(employer):
        return employer
    raise ConfigError(f"no employer file has the id '{employer}', and it is no loonheffingennummer",
                      hint="pass an employer id (its file name without .yaml) or a loonheffingennummer")


def _date(text: str) -> str:
    try:
        return _dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; write YYYY-MM-DD", param_hint="--date") from None
