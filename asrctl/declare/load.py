"""Load the user's repo: files → models, or located problems (DESIGN.md "Validation").

Three layers per file, then one across files:
1. YAML (asrctl/yamlpos.py): size, UTF-8, symlink and alias guards; positions of every value.
2. The models: pydantic validates first (fast, in Rust); only a file it refuses goes through
   the JSON Schema (asrctl/schema_problems.py, jsonschema) to get every problem with its
   line:col in the user's words. The tidy schema is at least as strict as the models for
   data without nulls (a test holds them to that), so a file pydantic accepts and that holds
   no null is schema-valid, and a valid repo never pays for jsonschema.
3. Semantics (asrctl/semantics.py): 11-test, e-mail, account references, read from the plain
   data so they come in the same run as schema problems; then cross-file uniqueness.
Nothing here touches the network or resolves a secret.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from asrctl.declare.model import Config, Employer
from asrctl.declare.problems import Problem
from asrctl.declare.semantics import (
    AccountInfo,
    Declared,
    accounts_of,
    config_problems,
    cross_file_problems,
    employer_problems,
    stem_problem,
)
from asrctl.declare.yamlpos import EMPTY, YamlDoc, YamlIssue, decode, parse
from asrctl.errors import ConfigError
from asrctl.i18n import N_, Message, _
from asrctl.printable import printable

MAX_FILE_BYTES = 1024 * 1024
EMPLOYERS_DIR = "employers"


@dataclass(frozen=True)
class LoadedEmployer:
    id: str                 # the file stem, [a-z0-9-]
    path: str               # display path relative to the repo root, e.g. "employers/bakkerij.yaml"
    employer: Employer
    # dotted path ("payroll.frequency", "dga.0.name") -> (line, col), 1-based; for located plan messages
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Repo:
    root: Path                       # directory of asrctl.yaml
    config_path: str                 # display path of asrctl.yaml
    config: Config
    employers: list[LoadedEmployer]  # sorted by id
    inputs_digest: str               # "sha256:..." over asrctl.yaml and every employer file (path + bytes)
    # dotted path ("nmbrs.endpoint") -> (line, col) of the value in asrctl.yaml; for located messages
    config_positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def config_location(self, key: str) -> str:
        """"asrctl.yaml:8:13" for a key of asrctl.yaml (just the file when the position is unknown)."""
        line, col = self.config_positions.get(key, (0, 0))
        return f"{self.config_path}:{line}:{col}" if line else self.config_path


@dataclass(frozen=True)
class Validation:
    """The outcome of checking a repo: what `asrctl validate` prints."""

    repo: Repo | None       # None when any error was found
    problems: list[Problem]  # sorted by path, line, col
    files: int              # files checked, asrctl.yaml included

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")


def inputs_digest(files: Sequence[tuple[str, bytes]]) -> str:
    """sha256 over (repo-relative path, NUL, byte count, NUL, bytes) of each file, in the given order."""
    digest = hashlib.sha256()
    for rel, data in files:
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode("ascii") + b"\0")
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def _inside(path: str, directory: str) -> str | None:
    """path relative to directory (posix) when it lies inside it; plain strings, as pathlib is slow at 5,000 files."""
    prefix = directory if directory.endswith(os.sep) else directory + os.sep
    return path[len(prefix):].replace(os.sep, "/") if path.startswith(prefix) else None


@dataclass
class _File:
    path: str    # absolute, symlinks not resolved
    real: str    # with symlinks resolved
    rel: str     # relative to the repo root (posix), or `shown` when outside it
    shown: str   # as problems name it: relative to the working directory when inside it
    data: bytes | None = None

    @property
    def stem_and_suffix(self) -> tuple[str, str]:
        return os.path.splitext(os.path.basename(self.path))


class _Loader:
    def __init__(self, config_path: Path) -> None:
        self.cwd = os.path.abspath(os.getcwd())
        config = os.path.abspath(config_path)
        self.root = os.path.dirname(config)
        self.real_root = os.path.realpath(self.root)
        self.config = self.file(config)
        self.problems: list[Problem] = []

    def file(self, path: str, real: str | None = None) -> _File:
        # A file name that is not UTF-8 arrives with surrogate escapes: shown as \xe9, never printed raw.
        shown = printable(_inside(path, self.cwd) or path)
        rel = _inside(path, self.root) or shown
        return _File(path, real or os.path.realpath(path), rel, shown)

    def error(self, file: _File, message: str, hint: str | None, code: str, line: int = 0, col: int = 0) -> None:
        self.problems.append(Problem(file.shown, line, col, "error", message, hint, code))

    # --- discovery ---------------------------------------------------------------------------------
    def discover(self, directory: str, *, quiet: bool = False) -> list[_File]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return []
        real_dir = os.path.realpath(directory)
        found = []
        for entry in entries:
            if entry.name.startswith(".") or _is_dir(entry):
                continue
            real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_dir, entry.name)
            stem, suffix = os.path.splitext(entry.name)
            if suffix == ".yaml":
                found.append(self.file(entry.path, real))
            elif suffix.lower() in (".yaml", ".yml") and not quiet:  # .yml, .YAML, .Yml...: said, not skipped
                ignored = self.file(entry.path, real)
                self.problems.append(Problem(
                    ignored.shown, 0, 0, "warning", _("ignored: employer files end in .yaml (lowercase)"),
                    _("rename it to {name}.yaml", name=printable(stem)), "load.ignored-file"))
        return found

    def targets(self, paths: Sequence[Path] | None) -> tuple[list[_File], list[_File]]:
        """(employer files to check and report, other employer files of the repo for cross-file checks)."""
        default_dir = os.path.join(self.root, EMPLOYERS_DIR)
        if paths is None or all(os.path.abspath(p) == self.config.path for p in paths):
            # asrctl.yaml alone (e.g. from a pre-commit hook): its accounts concern every employer file
            return self.discover(default_dir), []
        chosen: dict[str, _File] = {}
        for given in paths:
            path = os.path.abspath(given)
            if path == self.config.path:
                continue  # always loaded
            if os.path.isdir(path):
                files = self.discover(default_dir if path == self.root else path)
            elif os.path.lexists(path):
                files = [self.file(path)]
            else:
                self.error(self.file(path), _("no such file or directory"), None, "load.not-found")
                files = []
            for item in files:
                chosen.setdefault(item.path, item)
        context = [f for f in self.discover(default_dir, quiet=True) if f.path not in chosen]
        return sorted(chosen.values(), key=lambda f: f.shown), context

    # --- reading ------------------------------------------------------------------------------------------
    def read(self, file: _File, *, report: bool = True) -> bytes | None:
        """The file's bytes, or None with a problem (when `report`) for every guard it fails."""
        def refuse(message: Message, hint: Message | None, code: str) -> None:
            if report:
                self.error(file, message, hint, code)

        if file.real != file.path and file.real != self.real_root and _inside(file.real, self.real_root) is None:
            refuse(_("symbolic link to a file outside the repository: refused"),
                   _("copy the file into the repository instead of linking to it"), "load.symlink")
            return None
        try:
            info = os.stat(file.path)
            if not stat.S_ISREG(info.st_mode):
                refuse(_("not a regular file"), None, "load.not-a-file")
                return None
            if info.st_size > MAX_FILE_BYTES:
                size = format(info.st_size / MAX_FILE_BYTES, ".1f")
                refuse(_("the file is {size} MiB; asrctl files are limited to 1 MiB", size=size),
                       _("an employer file is a few hundred bytes: is this the right file?"), "load.too-large")
                return None
            with open(file.path, "rb") as handle:
                # As much as stat said and one byte more, to see it grew: read(MAX_FILE_BYTES + 1) would
                # allocate 1 MiB per file, which costs more than reading a small file does.
                data = handle.read(min(info.st_size, MAX_FILE_BYTES) + 1)
                if len(data) > info.st_size:  # it grew since stat: read on, up to the limit
                    data += handle.read(MAX_FILE_BYTES + 1 - len(data))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                refuse(_("symbolic link loop: the link leads (through other links) back to itself"),
                       _("replace the link by the file it should point to, or remove it"), "load.symlink-loop")
            else:
                refuse(_("cannot read the file: {reason}", reason=exc.strerror or exc.__class__.__name__), None,
                       "load.unreadable")
            return None
        if len(data) > MAX_FILE_BYTES:  # grew since stat
            refuse(_("the file is over 1 MiB; asrctl files are limited to 1 MiB"), None, "load.too-large")
            return None
        return data

    def parse(self, file: _File, *, report: bool = True) -> YamlDoc | None:
        data = self.read(file, report=report)
        if data is None:
            return None
        file.data = data
        text, issue = decode(data)
        issues: list[YamlIssue] = [issue] if issue else []
        doc = None
        if text is not None:
            doc, issues = parse(text)
        if report:
            for i in issues:
                self.error(file, i.message, i.hint, i.code, i.line, i.col)
        return doc

    # --- models -----------------------------------------------------------------------------------------------
    def model(self, kind: Literal["config", "employer"], file: _File, doc: YamlDoc) -> BaseModel | None:
        """The file's model, or None with its schema problems."""
        cls: type[BaseModel] = Config if kind == "config" else Employer
        data = doc.data

        def needs() -> Message:  # only for a file that is no mapping: a valid one must not pay for it
            fields = ", ".join(n for n, f in cls.model_fields.items() if f.is_required())
            return (_("asrctl.yaml needs {fields}", fields=fields) if kind == "config" else
                    _("an employer file needs {fields}", fields=fields))

        if data is EMPTY or data is None:
            self.error(file, _("the file is empty"), needs(), "yaml.empty")
            return None
        if not isinstance(data, dict):
            line, col = doc.values.get("", (1, 1))
            holds = _("a list") if isinstance(data, list) else _("a single value")
            message = (_("the file holds {holds}; asrctl.yaml is a mapping of fields ('key: value' lines)", holds=holds)
                       if kind == "config" else
                       _("the file holds {holds}; an employer file is a mapping of fields ('key: value' lines)",
                         holds=holds))
            self.error(file, message, needs(), "yaml.not-a-mapping", line, col)
            return None
        refused: ValidationError | None = None
        if not doc.has_null:
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                refused = exc
        from asrctl.declare.schema_problems import model_problems, schema_problems  # only for invalid files

        name = "asrctl.schema.json" if kind == "config" else "employer.schema.json"
        problems = schema_problems(name, doc, file.shown)
        if not problems and refused is not None:
            problems = model_problems(refused, doc, file.shown)
        if not problems:  # cannot happen: the schema refuses every null; still, never pass silently
            problems = [Problem(file.shown, 1, 1, "error", _("the file does not match the model"), None,
                                "model.invalid")]
        self.problems.extend(problems)
        return None

    # --- the whole repo ----------------------------------------------------------------------------------
    def load(self, paths: Sequence[Path] | None) -> Validation:
        config_file = self.config
        config: Config | None = None
        accounts: dict[str, AccountInfo] | None = None
        config_positions: dict[str, tuple[int, int]] = {}
        missing = not os.path.lexists(config_file.path)
        if missing:
            self.error(config_file, _("{name} not found", name=os.path.basename(config_file.path)),
                       _("run asrctl in the directory that holds asrctl.yaml or pass --config PATH; a new repo "
                         "starts with an asrctl.yaml declaring organisation, nmbrs, registry and accounts "
                         "(see schemas/asrctl.schema.json)"), "load.config-missing")
        else:
            doc = self.parse(config_file)
            if doc is not None:
                result = self.model("config", config_file, doc)
                config = result if isinstance(result, Config) else None
                accounts = accounts_of(doc.data)
                config_positions = dict(doc.values)
                if isinstance(doc.data, dict):
                    self.problems.extend(config_problems(doc.data, config_file.shown, doc))

        targets, context = self.targets(paths)
        if paths is None and not targets and not missing and not os.path.isdir(os.path.join(self.root, EMPLOYERS_DIR)):
            self.problems.append(Problem(config_file.shown, 0, 0, "warning",
                                         _("no {dir}/ directory beside {config}", dir=EMPLOYERS_DIR,
                                           config=config_file.shown),
                                         _("declare each employer in {dir}/<id>.yaml", dir=EMPLOYERS_DIR),
                                         "load.no-employers"))
        loaded: list[LoadedEmployer] = []
        declared: list[Declared] = []
        for file in targets:
            employer_id, suffix = file.stem_and_suffix
            bad_name = stem_problem(employer_id, suffix, file.shown)
            if bad_name:
                self.problems.append(bad_name)
            doc = self.parse(file)
            if doc is None:
                continue
            employer = self.model("employer", file, doc)
            if isinstance(employer, Employer):
                loaded.append(LoadedEmployer(employer_id, file.rel, employer, doc.keys))
            if isinstance(doc.data, dict):
                self.problems.extend(employer_problems(doc.data, file.shown, doc, accounts))
                declared.append(Declared(employer_id, file.shown, doc, reported=True))
        for file in context:  # only for the cross-file checks: nothing of their own is reported
            doc = self.parse(file, report=False)
            if doc is not None and isinstance(doc.data, dict):
                declared.append(Declared(file.stem_and_suffix[0], file.shown, doc, reported=False))
        self.problems.extend(cross_file_problems(declared, accounts))

        problems = sorted(set(self.problems), key=_order)
        repo = None
        if config is not None and not any(p.severity == "error" for p in problems):
            inputs = [(config_file.rel, config_file.data or b"")]
            inputs += sorted((f.rel, f.data or b"") for f in targets)
            repo = Repo(Path(self.root), config_file.rel, config, sorted(loaded, key=lambda e: e.id), inputs_digest(inputs),
                        config_positions)
        return Validation(repo, problems, 1 + len(targets))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink loop: not a directory; reading it reports the loop
        return False


def _order(problem: Problem) -> tuple[str, int, int, bool, str]:
    return (problem.path, problem.line, problem.col, problem.severity != "error", problem.message)


def check_repo(config_path: Path, paths: Sequence[Path] | None = None) -> Validation:
    """Check asrctl.yaml and employer files (default: employers/*.yaml beside asrctl.yaml).

    `paths` (files or directories) limits which employer files are checked and reported; the
    repo's other employer files still take part in the cross-file checks, and asrctl.yaml is
    always loaded (employer files refer to its accounts).
    """
    return _Loader(config_path).load(paths)


def load_repo(config_path: Path, paths: Sequence[Path] | None = None) -> tuple[Repo | None, list[Problem]]:
    """Load asrctl.yaml and the employer files (default: employers/*.yaml beside it).

    Returns the repo (None when any error problem was found) and all problems of all files.
    """
    result = check_repo(config_path, paths)
    return result.repo, result.problems


def load_repo_or_raise(config_path: Path, paths: Sequence[Path] | None = None) -> Repo:
    """The repo for plan/apply; ConfigError (exit 1) naming the first problem when the declarations are invalid."""
    result = check_repo(config_path, paths)
    if result.repo is None:
        first = next(p for p in result.problems if p.severity == "error")
        count = result.errors
        raise ConfigError(
            N_("{n} problem in the declarations; run asrctl validate",
               "{n} problems in the declarations; run asrctl validate", count),
            hint=_("first: {location}: {message}", location=first.location(), message=first.message),
        )
    missing = next((p for p in result.problems if p.code == "load.no-employers"), None)
    if missing is not None:
        # validate only warns, but a plan without employers/ would call every registration of the
        # office unmanaged (and propose withdrawing them under allow_withdraw): a wrong --config or
        # working directory, most likely.
        raise ConfigError(_("{problem}: no employer is declared", problem=missing.message),
                          hint=_("pass --config PATH of the repo's asrctl.yaml; a repo with no employers yet "
                                 "has an empty employers/ directory"))
    return result.repo
