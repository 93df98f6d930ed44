"""`plan --changed-since REF`: what a change touches, from `git diff REF` against the working tree.

The scope (DESIGN.md, issue 13): the employers whose files were added, changed or renamed; the
registrations of deleted files (withdrawal candidates); every employer of an account whose
`asrctl.yaml` entry changed; everything when `organisation`, `policy`, `nmbrs` or `registry`
changed (they are in every registration, or decide what is allowed). Git is asked here; the
decision (`scope_of`) is pure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from asrctl.declare.load import EMPLOYERS_DIR, Repo
from asrctl.declare.yamlpos import parse
from asrctl.errors import ConfigError
from asrctl.i18n import _

__all__ = ["FileChange", "Scope", "changed_scope", "git_changes", "scope_of"]

Kind = Literal["added", "modified", "deleted", "renamed"]
# Sections of asrctl.yaml that are part of every registration, or decide what apply may do.
_WHOLE_REPO_SECTIONS = ("organisation", "policy", "nmbrs", "registry")
_GIT_TIMEOUT = 60.0


@dataclass(frozen=True)
class FileChange:
    kind: Kind
    path: str                  # relative to the repo root; for a deleted file its old path
    old_path: str | None = None  # renamed: where it was


@dataclass(frozen=True)
class Scope:
    """What `plan --changed-since REF` plans."""

    ref: str
    everything: bool                     # a whole-repo section of asrctl.yaml changed
    reason: str | None = None
    employers: frozenset[str] = frozenset()            # employer ids to plan
    withdrawal_candidates: frozenset[str] = frozenset()  # payroll_tax_numbers of deleted files
    accounts: frozenset[str] = frozenset()             # accounts whose asrctl.yaml entry changed
    deleted: tuple[str, ...] = field(default=())       # deleted employer files, for the note


def _git(root: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=_GIT_TIMEOUT, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise ConfigError(_("--changed-since needs git, and git is not installed")) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(_("git {command} took longer than {seconds} s", command=args[0],
                            seconds=format(_GIT_TIMEOUT, ".0f"))) from None
    if proc.returncode != 0:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(first[0] if first else f"git {args[0]} failed")
    return proc.stdout


class _GitFailed(Exception):
    pass


def _verify_ref(root: Path, ref: str) -> None:
    if not ref or ref.startswith("-"):
        raise ConfigError(_("--changed-since {ref} is not a git ref", ref=repr(ref)),
                          hint=_("pass a branch, tag or commit, e.g. origin/main"))
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except _GitFailed:
        raise ConfigError(
            _("--changed-since {ref}: git knows no such commit here", ref=ref),
            hint=_("fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0), or pass another ref"),
        ) from None


def git_changes(root: Path, ref: str) -> list[FileChange]:
    """Files that differ between `ref` and the working tree (staged, unstaged and untracked), relative to root."""
    _verify_ref(root, ref)
    try:
        raw = _git(root, "diff", "--name-status", "-z", "-M", "--no-ext-diff", "--relative", ref, "--")
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    except _GitFailed as exc:
        raise ConfigError(_("--changed-since {ref}: {reason}", ref=ref, reason=str(exc))) from None
    fields = [f.decode("utf-8", "surrogateescape") for f in raw.split(b"\0") if f]
    out: list[FileChange] = []
    i = 0
    while i < len(fields):
        status = fields[i]
        if status[:1] in ("R", "C") and i + 2 < len(fields) + 1:
            old, new = fields[i + 1], fields[i + 2]
            out.append(FileChange("renamed", new, old) if status[0] == "R" else FileChange("added", new))
            i += 3
            continue
        path = fields[i + 1] if i + 1 < len(fields) else ""
        kind: Kind = {"A": "added", "D": "deleted"}.get(status[:1], "modified")  # type: ignore[assignment]
        out.append(FileChange(kind, path))
        i += 2
    out += [FileChange("added", f.decode("utf-8", "surrogateescape")) for f in untracked.split(b"\0") if f]
    return out


def _employer_id(path: str) -> str | None:
    head, _slash, name = path.replace("\\", "/").rpartition("/")
    if head != EMPLOYERS_DIR:
        return None
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and suffix.lower() in ("yaml", "yml") else None


def _data(text: str | None) -> Any:
    if text is None:
        return None
    doc, _problems = parse(text)
    return doc.data if doc is not None else None


def scope_of(
    repo: Repo,
    ref: str,
    changes: Sequence[FileChange],
    old_config: str | None,
    new_config: str | None,
    old_files: Mapping[str, str],
) -> Scope:
    """The scope of a change (pure). old_config/new_config: asrctl.yaml at `ref` and now (None: it
    did not exist); old_files: the text at `ref` of every deleted or renamed employer file."""
    now_ids = {e.id for e in repo.employers}
    config_name = _config_name(repo)
    employers: set[str] = set()
    deleted: list[str] = []
    candidates: set[str] = set()
    config_changed = False
    for change in changes:
        if change.path == config_name:
            config_changed = True
            continue
        employer_id = _employer_id(change.path)
        if change.kind == "deleted" or (change.kind == "renamed" and employer_id is None):
            old = change.old_path or change.path
            if _employer_id(old) is not None:
                deleted.append(old)
                data = _data(old_files.get(old))
                ptn = data.get("payroll_tax_number") if isinstance(data, dict) else None
                if isinstance(ptn, str):
                    candidates.add(ptn)
            continue
        if employer_id is not None and employer_id in now_ids:
            employers.add(employer_id)
    # A registration still declared by another file (the employer moved files) is no candidate.
    candidates -= {e.employer.payroll_tax_number for e in repo.employers}
    accounts: set[str] = set()
    if config_changed:
        before = _section({"c": _data(old_config)}, "c")
        after = _section({"c": _data(new_config)}, "c")
        for section in _WHOLE_REPO_SECTIONS:
            if before.get(section) != after.get(section):
                return Scope(ref, True, f"`{section}` in {config_name} changed: every employer is planned")
        old_accounts = _section(before, "accounts")
        new_accounts = _section(after, "accounts")
        accounts = {name for name in {*old_accounts, *new_accounts} if old_accounts.get(name) != new_accounts.get(name)}
        employers |= {e.id for e in repo.employers if e.employer.nmbrs.account in accounts}
    return Scope(ref, False, None, frozenset(employers), frozenset(candidates), frozenset(accounts), tuple(sorted(deleted)))


def changed_scope(repo: Repo, ref: str) -> Scope:
    """The scope of the change from `ref` to the working tree of `repo`."""
    changes = git_changes(repo.root, ref)

    def show(path: str) -> str | None:
        try:
            return _git(repo.root, "show", f"{ref}:./{path}").decode("utf-8", "replace")
        except _GitFailed:
            return None

    config_name = _config_name(repo)
    touched = any(c.path == config_name for c in changes)
    old_config = show(config_name) if touched else None
    current = repo.root / config_name
    new_config = current.read_text(encoding="utf-8") if touched and current.exists() else None
    old_files = {
        (c.old_path or c.path): text
        for c in changes
        if c.kind in ("deleted", "renamed")
        for text in [show(c.old_path or c.path)]
        if text is not None
    }
    return scope_of(repo, ref, changes, old_config, new_config, old_files)


def _config_name(repo: Repo) -> str:
    """asrctl.yaml's path relative to the repo root (where git diff --relative names files)."""
    return Path(repo.config_path).name


def _section(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}
