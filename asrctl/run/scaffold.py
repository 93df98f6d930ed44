"""`asrctl init`: a new payroll office's repository, from the templates in asrctl/run/office/.

What is written (paths relative to the new repository):
- asrctl.yaml with production endpoints, `{env: …}` tokens and a comment per value saying what
  it is and where it is found in Nmbrs or on a.s.r.'s form;
- employers/voorbeeld.yaml.example (asrctl reads only *.yaml, so the example is never submitted);
- schemas/ exactly as `asrctl schema` writes them;
- .github/workflows/{plan,apply,drift}.yml: asrctl's own workflows (office/workflows/ holds
  copies that a test keeps equal to .github/workflows/), with an own setup action that
  installs the pinned release `asrctl==<this version>`, never code from the checkout;
- .pre-commit-config.yaml (asrctl's hook, same pin), CODEOWNERS, .gitignore, README.md.

Nothing is overwritten: when any of these files exists, init refuses and names them. The
files are checked with `asrctl validate`'s own loader before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from asrctl import __version__
from asrctl.declare.load import check_repo
from asrctl.declare.model import (
    ACCOUNT_NAME_PATTERN,
    DOMAIN_PATTERN,
    EMAIL_PATTERN,
    AccountModel,
    Config,
)
from asrctl.declare.schema import SCHEMA_FILES, render
from asrctl.errors import AsrctlError, ConfigError
from asrctl.fsutil import write_atomic
from asrctl.i18n import _

__all__ = [
    "DEFAULT_LANGUAGE",
    "OfficeAnswers",
    "check_account",
    "check_codeowner",
    "check_debtor",
    "check_domain",
    "check_email",
    "check_office",
    "check_tag",
    "existing_files",
    "office_files",
    "registry_url",
    "token_env",
    "write_office",
]

Model = AccountModel

# The language a new office's asrctl.yaml asks for. Written only once the config model has a
# `language` key (the Dutch catalogue, issue 15 §3); until then asrctl.yaml has no such line.
DEFAULT_LANGUAGE = "nl"

# asrctl's own workflows an office runs (ci.yml tests asrctl itself and is not copied).
WORKFLOWS = ("plan.yml", "apply.yml", "drift.yml")
# The secret the workflows pass for the template's one account; renamed after the office's account.
TEMPLATE_TOKEN_ENV = "NMBRS_TOKEN_KANTOOR"
EXAMPLE = "employers/voorbeeld.yaml.example"

# template file under office/ -> path in the new repository (no dot-names in package data)
_TEMPLATES: dict[str, str] = {
    "asrctl.yaml": "asrctl.yaml",
    "voorbeeld.yaml.example": EXAMPLE,
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "CODEOWNERS": "CODEOWNERS",
    "setup-asrctl.yml": ".github/actions/setup-asrctl/action.yml",
    **{f"workflows/{name}": f".github/workflows/{name}" for name in WORKFLOWS},
}
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
# What CODEOWNERS protects: the office's settings and how asrctl runs in CI.
_OWNED = ("/asrctl.yaml", "/.github/", "/.pre-commit-config.yaml", "/CODEOWNERS")


@dataclass(frozen=True)
class OfficeAnswers:
    """What init asks (or takes as options); each value already checked by the check_* below."""

    office: str
    contact_email: str
    domain: str
    model: Model
    username: str
    account: str = "kantoor"
    debtor: str | None = None  # per_debtor: the login's debtor number
    tag: str | None = None  # overarching: the debtor tag the login is limited to
    codeowners: tuple[str, ...] = field(default_factory=tuple)


# --- checking answers (one message each, used for options and prompts alike) --------------------------


def check_office(value: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > 200:
        raise ValueError(_("give the office's name (Bedrijfsnaam), at most 200 characters"))
    return text


def check_email(value: str) -> str:
    text = value.strip()
    if len(text) > 254 or not re.fullmatch(EMAIL_PATTERN, text):
        raise ValueError(_("'{text}' is not an e-mail address (name@example.nl)", text=text))
    return text


def check_domain(value: str) -> str:
    """The Nmbrs domain; a pasted address (https://voorbeeld.nmbrs.nl/...) is taken to its domain."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0]
    text = re.sub(r"\.nmbrs\.(nl|com)$", "", text)
    if not re.fullmatch(DOMAIN_PATTERN, text):
        raise ValueError(_("'{text}' is not an Nmbrs domain: write the part after https:// and before .nmbrs in "
                           "your Nmbrs address, e.g. voorbeeld for https://voorbeeld.nmbrs.nl", text=value.strip()))
    return text


def check_account(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(ACCOUNT_NAME_PATTERN, text):
        raise ValueError(_("'{text}' is not an account name: lowercase letters, digits, - and _, e.g. kantoor",
                           text=text))
    return text


def check_debtor(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[0-9A-Za-z-]{1,40}", text):
        raise ValueError(_("'{text}' is not a debtor number (debiteurnummer) as Nmbrs shows it, e.g. 1042", text=text))
    return text


def check_tag(value: str) -> str:
    text = value.strip()
    if len(text) > 100:
        raise ValueError(_("a debtor tag has at most 100 characters"))
    return text


def check_codeowner(value: str) -> str:
    text = value.strip()
    if not (re.fullmatch(r"@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?", text) or re.fullmatch(EMAIL_PATTERN, text)):
        raise ValueError(_("'{text}' is not a GitHub user (@name), team (@org/team) or e-mail address", text=text))
    return text


def token_env(account: str) -> str:
    """The environment variable (and GitHub secret) holding an account's Nmbrs token."""
    return "NMBRS_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", account.upper())


# --- the files -------------------------------------------------------------------------------------


def _template(name: str) -> str:
    return (resources.files("asrctl.run") / "office" / name).read_text(encoding="utf-8")


def registry_url() -> str:
    """The registry's URL as a.s.r.'s API contract (the copy bundled with asrctl) names it in `servers`."""
    contract = resources.files("asrctl.sandbox") / "data" / "asr-registry.openapi.yaml"
    try:
        servers = YAML(typ="safe", pure=True).load(contract.read_text(encoding="utf-8"))["servers"]
        url = servers[0]["url"]
    except (OSError, YAMLError, KeyError, IndexError, TypeError) as exc:  # a broken install, not user input
        raise AsrctlError("the a.s.r. API contract bundled with asrctl names no registry URL",
                          hint="reinstall asrctl") from exc
    if not isinstance(url, str) or not url.startswith("https://"):
        raise AsrctlError("the a.s.r. API contract bundled with asrctl names no https registry URL",
                          hint="reinstall asrctl")
    return url


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it reads back as the same string, else double-quoted."""
    try:
        plain_ok = YAML(typ="safe", pure=True).load(f"k: {value}\n") == {"k": value}
    except YAMLError:
        plain_ok = False
    return value if plain_ok and "#" not in value else json.dumps(value, ensure_ascii=False)


def _model_comment(model: Model) -> str:
    if model == "overarching":
        lines = ["overarching: one accountant login (Accountant login) with a template user of its own,",
                 "for every debtor (debiteur) with the tag below (manual: \"Overkoepelend account\").",
                 "per_debtor instead: the master company login (Master bedrijfslogin) of one debtor."]
    else:
        lines = ["per_debtor: the master company login (Master bedrijfslogin) of one debtor",
                 "(manual: \"Account per debiteur\"). overarching instead: one accountant login for",
                 "every debtor with a tag."]
    return "\n".join(f"    # {line}" for line in lines)


def _scope(answers: OfficeAnswers) -> str:
    if answers.model == "per_debtor":
        return ("    # The debtor number (debiteurnummer) this login belongs to, in quotes.\n"
                f"    debtor: {json.dumps(answers.debtor or '')}")
    comment = ("    # The debtor tag (Tag) that limits which debtors this login sees; a.s.r.'s manual advises\n"
               "    # an \"a.s.r.\" tag (Nmbrs: Instellingen > Gebruikers > Logins, the login's filter).")
    if answers.tag:
        return f"{comment}\n    tag: {_scalar(answers.tag)}"
    return (f"{comment}\n    # Without a tag the login, and so a.s.r., sees every debtor.\n"
            "    # tag: a.s.r.")


def _codeowners(owners: Sequence[str]) -> str:
    width = max(len(p) for p in _OWNED) + 2
    if owners:
        return "\n".join(f"{path.ljust(width)}{' '.join(owners)}" for path in _OWNED)
    lines = ["# TODO: name the owners (a GitHub user @name or team @org/team) and remove the '#':"]
    return "\n".join([*lines, *(f"# {path.ljust(width)}@your-org/asrctl-owners" for path in _OWNED)])


def _language_line() -> str:
    if "language" not in Config.model_fields:
        return ""
    return f"# The language of asrctl's messages: nl (Nederlands) or en (English).\nlanguage: {DEFAULT_LANGUAGE}\n"


def office_files(answers: OfficeAnswers) -> dict[str, str]:
    """Path in the new repository -> text, for every file init writes."""
    env = token_env(answers.account)
    values = {
        "VERSION": __version__,
        "OFFICE": _scalar(answers.office),
        "OFFICE_PLAIN": answers.office,
        "CONTACT_EMAIL": _scalar(answers.contact_email),
        "REGISTRY_URL": registry_url(),
        "ACCOUNT": _scalar(answers.account),
        "ACCOUNT_PLAIN": answers.account,
        "MODEL": answers.model,
        "MODEL_COMMENT": _model_comment(answers.model),
        "USERNAME": _scalar(answers.username),
        "TOKEN_ENV": env,
        "DOMAIN": answers.domain,
        "SCOPE": _scope(answers),
        "LANGUAGE": _language_line(),
        "OWNERS": _codeowners(answers.codeowners),
        "SECRETS": f"`{env}` (the Nmbrs API token of {answers.username})",
    }
    files: dict[str, str] = {}
    for template, target in _TEMPLATES.items():
        text = _template(template)
        if target.startswith(".github/workflows/"):
            text = text.replace(TEMPLATE_TOKEN_ENV, env)  # the workflows pass the office's account's token
        else:
            text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
        files[target] = text
    for name in SCHEMA_FILES:
        files[f"schemas/{name}"] = render(name)
    return files


def existing_files(root: Path, files: Sequence[str]) -> list[str]:
    """The files of `files` already present under root (any kind: file, folder, broken link)."""
    return [name for name in files if os.path.lexists(root / name)]


def _self_check(files: dict[str, str]) -> None:
    """Validate the new repository (as `asrctl validate` would, with the example copied in) before writing."""
    with tempfile.TemporaryDirectory(prefix="asrctl-init-") as scratch:
        root = Path(scratch)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        (root / "employers" / "voorbeeld.yaml").write_text(files[EXAMPLE], encoding="utf-8")
        problems = [p for p in check_repo(root / "asrctl.yaml").problems if p.severity == "error"]
    if problems:  # every answer was checked: this is a bug in the templates, not the user's input
        first = problems[0]
        raise AsrctlError(_("asrctl init would write a repository that does not validate: {where}: {problem}",
                            where=first.location(), problem=first.message),
                          hint=_("please report this as a bug in asrctl"))


def write_office(root: Path, answers: OfficeAnswers) -> list[str]:
    """Write the office repository under root; the paths written, in order. Never overwrites a file."""
    files = office_files(answers)
    present = existing_files(root, list(files))
    if present:
        shown = ", ".join(present[:5])
        listed = _("{names} and {more} more", names=shown, more=len(present) - 5) if len(present) > 5 else shown
        raise ConfigError(_("{root} already holds {files}: asrctl init writes a new repository and overwrites "
                            "nothing", root=root, files=listed),
                          hint=_("run asrctl init in an empty folder (or a fresh clone)"))
    _self_check(files)
    written: list[str] = []
    for name, text in files.items():
        try:
            write_atomic(root / name, text, overwrite=False)
        except FileExistsError:  # appeared since the check above
            raise ConfigError(_("{path} appeared while asrctl init was writing; nothing there was changed",
                                path=root / name),
                              hint=_("already written: {files}", files=", ".join(written)) if written else
                              _("nothing was written yet")) from None
        written.append(name)
    return written
