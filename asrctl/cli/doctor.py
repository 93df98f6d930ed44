"""`asrctl doctor`: do the workflows give asrctl every secret asrctl.yaml names?"""

from __future__ import annotations

from pathlib import Path

import click

from asrctl.cli.context import Settings
from asrctl.i18n import N_, _, localize


@click.command("doctor")
@click.option("--workflows", "workflows_dir", default=".github/workflows", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The workflows to check (beside asrctl.yaml).")
@click.pass_obj
def command(settings: Settings, workflows_dir: Path) -> int:
    """Compare the `{env: NAME}` secrets of asrctl.yaml with what the workflows provide; say what is missing."""
    from asrctl.declare.config_only import load_config_repo
    from asrctl.errors import ConfigError
    from asrctl.github.secrets import account_token_names, check_workflows, token_names

    repo = load_config_repo(settings.config_path)
    directory = workflows_dir if workflows_dir.is_absolute() else repo.root / workflows_dir
    paths = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    if not paths:
        raise ConfigError(_("no workflows in {folder}", folder=directory),
                          hint=_("`asrctl init` writes them; or pass --workflows DIR"))
    names = token_names(repo.config)
    accounts = account_token_names(repo.config)
    click.echo(localize(N_("asrctl.yaml reads {n} secret from the environment:",
                           "asrctl.yaml reads {n} secrets from the environment:", len(names))))
    for name, what in sorted(names.items()):
        click.echo(f"  {name}: {localize(what)}")
    findings = check_workflows(repo.config, paths)
    for f in findings:
        how = (_("add `asrctl github export-tokens` (with ASRCTL_SECRETS: ${{{{ toJSON(secrets) }}}}) before it")
               if f.name in accounts else _("give the step `env: {name}: ${{{{ secrets.… }}}}`", name=f.name))
        click.echo("✗ " + localize(_("{workflow} job {job}: {name} ({what}) is not provided; {how}", workflow=f.workflow,
                                     job=f.job, name=f.name, what=f.what, how=how)))
    if accounts:
        click.echo(localize(_("Nmbrs tokens come from repository secrets named as above (Settings → Secrets and "
                              "variables → Actions): {names}. GitHub does not show secrets to asrctl; check they "
                              "exist.", names=", ".join(sorted(accounts)))))
    if findings:
        click.echo(localize(N_("{n} missing secret in the workflows.", "{n} missing secrets in the workflows.",
                               len(findings))))
        return 1
    click.echo(localize(_("Every job that runs asrctl is given every secret asrctl.yaml names.")))
    return 0
