"""The secrets convention of the workflows, and `asrctl doctor`'s check of it.

Convention: the token of every Nmbrs account is a repository secret with the name its
`token: {env: NAME}` gives in asrctl.yaml (e.g. NMBRS_TOKEN_KANTOOR). Each job hands all
secrets to one step, `asrctl github export-tokens`, which exports exactly those names for the
later steps — so adding an account means adding a secret, not editing three workflows. The
registry token is mapped by hand (ASR_REGISTRY_TOKEN from the _READ or _WRITE secret): its scope
differs per job and the write one lives only in the production environment.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asrctl.declare.model import Config
from asrctl.errors import ConfigError
from asrctl.i18n import _

__all__ = ["EXPORT_STEP", "Finding", "account_token_names", "check_workflows", "export_lines", "token_names"]

EXPORT_STEP = "asrctl github export-tokens"
SECRETS_JSON = "ASRCTL_SECRETS"  # env of the export step: ${{ toJSON(secrets) }}
_ASRCTL_RUN = re.compile(r"\basrctl\s+(plan|apply|status|import)\b")


def _env_name(ref: object) -> str | None:
    name = getattr(ref, "env", None)
    return name if isinstance(name, str) else None


def account_token_names(config: Config) -> dict[str, str]:
    """env name → account, for every account whose token is `{env: NAME}`."""
    out = {}
    for account_name, account in config.accounts.items():
        name = _env_name(account.token)
        if name:
            out[name] = account_name
    return out


def rest_secret_names(config: Config) -> dict[str, str]:
    """env name → what, for the `{env: NAME}`s of nmbrs.rest when an account reads Nmbrs over REST."""
    rest = config.nmbrs.rest
    if rest is None or not any(a.api == "rest" for a in config.accounts.values()):
        return {}
    out: dict[str, str] = {}
    for field_name, what in (("client_secret", _("client secret of nmbrs.rest")),
                             ("subscription_key", _("subscription key of nmbrs.rest"))):
        name = _env_name(getattr(rest, field_name))
        if name:
            out[name] = what
    return out


GRANT_SECRET_PREFIX = "NMBRS_GRANT_"  # the secret holding the grant file of an api: rest account


def grant_secret_name(account: str) -> str:
    return GRANT_SECRET_PREFIX + re.sub(r"[^A-Z0-9]+", "_", account.upper()).strip("_")


def grant_files(config: Config, secrets: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """grant file path (as in asrctl.yaml) → its content from the NMBRS_GRANT_<ACCOUNT> secret, and the
    secret names missing, for every api: rest account with a grant file."""
    files: dict[str, str] = {}
    missing = []
    for name, account in sorted(config.accounts.items()):
        if account.api != "rest" or account.grant is None:
            continue
        value = secrets.get(grant_secret_name(name))
        if isinstance(value, str) and value:
            files[account.grant.file] = value
        else:
            missing.append(grant_secret_name(name))
    return files, missing


def token_names(config: Config) -> dict[str, str]:
    """Every `{env: NAME}` of asrctl.yaml → what it is for."""
    out: dict[str, str] = {name: _("token of account '{account}'", account=account)
                           for name, account in account_token_names(config).items()}
    out |= rest_secret_names(config)
    registry = _env_name(config.registry.token)
    if registry:
        out[registry] = _("registry token")
    return out


def export_lines(config: Config, secrets: Mapping[str, Any]) -> tuple[str, list[str]]:
    """$GITHUB_ENV text exporting each account token found in `secrets`, and the names missing."""
    text: list[str] = []
    missing = []
    for name in sorted({*account_token_names(config), *rest_secret_names(config)}):
        value = secrets.get(name)
        if not isinstance(value, str) or not value:
            missing.append(name)
            continue
        delimiter = f"ASRCTL_{uuid.uuid4().hex}"  # a value cannot end the heredoc early
        text += [f"{name}<<{delimiter}", value, delimiter]
    return ("\n".join(text) + "\n" if text else ""), missing


@dataclass(frozen=True)
class Finding:
    workflow: str
    job: str
    name: str
    what: str


@dataclass
class JobEnv:
    provided: set[str] = field(default_factory=set)
    exports: bool = False
    runs_asrctl: bool = False


def _env_keys(node: object) -> set[str]:
    return {str(k) for k in node} if isinstance(node, dict) else set()


def _jobs(path: Path) -> dict[str, JobEnv]:
    from asrctl.declare.yamlpos import decode, parse

    text, _ = decode(path.read_bytes())
    doc, _ = parse(text or "")
    data = doc.data if doc is not None else None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a GitHub workflow (no mapping at the top)")
    top = _env_keys(data.get("env"))
    out: dict[str, JobEnv] = {}
    jobs = data.get("jobs")
    for job_id, job in (jobs.items() if isinstance(jobs, dict) else []):
        if not isinstance(job, dict):
            continue
        env = JobEnv(top | _env_keys(job.get("env")))
        steps = job.get("steps")
        for step in steps if isinstance(steps, list) else []:
            if not isinstance(step, dict):
                continue
            run = str(step.get("run") or "")
            if EXPORT_STEP in run:
                env.exports = True
            if _ASRCTL_RUN.search(run):
                env.runs_asrctl = True
                env.provided |= _env_keys(step.get("env"))
        out[str(job_id)] = env
    return out


def check_workflows(config: Config, workflows: list[Path]) -> list[Finding]:
    """Per job that runs asrctl plan/apply/status/import: the `{env: …}` names it does not provide."""
    names = token_names(config)
    accounts = {**account_token_names(config), **rest_secret_names(config)}
    found = []
    for path in workflows:
        for job_id, job in _jobs(path).items():
            if not job.runs_asrctl:
                continue
            for name, what in sorted(names.items()):
                if name in job.provided or (job.exports and name in accounts):
                    continue
                found.append(Finding(path.name, job_id, name, what))
    return found


def read_secrets_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        raise ConfigError(f"{SECRETS_JSON} is not JSON", hint=f"set `{SECRETS_JSON}: ${{{{ toJSON(secrets) }}}}`") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{SECRETS_JSON} is not a JSON object", hint=f"set `{SECRETS_JSON}: ${{{{ toJSON(secrets) }}}}`")
    return value
