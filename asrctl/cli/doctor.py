"""`asrctl doctor`: do the workflows give asrctl every secret asrctl.yaml names?"""

from __future__ import annotations

from pathlib import Path

import click

from asrctl.cli.context import Settings


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
        raise ConfigError(f"no workflows in {directory}", hint="`asrctl init` writes them; or pass --workflows DIR")
    names = token_names(repo.config)
    accounts = account_token_names(repo.config)
    click.echo(f"asrctl.yaml reads {len(names)} secret{'s' if len(names) != 1 else ''} from the environment:")
    for name, what in sorted(names.items()):
        click.echo(f"  {name}: {what}")
    findings = check_workflows(repo.config, paths)
    for f in findings:
        how = ("add `asrctl github export-tokens` (with ASRCTL_SECRETS: ${{ toJSON(secrets) }}) before it"
               if f.name in accounts else f"give the step `env: {f.name}: ${{{{ secrets.… }}}}`")
        click.echo(f"✗ {f.workflow} job {f.job}: {f.name} ({f.what}) is not provided; {how}")
    if accounts:
        click.echo("Nmbrs tokens come from repository secrets named as above (Settings → Secrets and variables → "
                   f"Actions): {', '.join(sorted(accounts))}. GitHub does not show secrets to asrctl; check they exist.")
    if findings:
        click.echo(f"{len(findings)} missing secret{'s' if len(findings) != 1 else ''} in the workflows.")
        return 1
    click.echo("Every job that runs asrctl is given every secret asrctl.yaml names.")
    return 0
