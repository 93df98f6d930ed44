"""Running `asrctl` in-process for validate/schema tests, the way a user would."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from asrctl.cli import cli

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "invalid"
SHARED_CONFIG = CORPUS / "_shared" / "asrctl.yaml"
SHARED_EMPLOYER = CORPUS / "_shared" / "employer.yaml"
REPO_ROOT = Path(__file__).parent.parent


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def asrctl(*args: str) -> Run:
    """`asrctl ARGS` in the current directory; an internal error (a bug) fails the test."""
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"asrctl {' '.join(args)} crashed") from result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def make_repo(root: Path, employers: dict[str, str] | None = None, config: str | None = None) -> Path:
    """A repo with the corpus's shared asrctl.yaml (or `config`) and the given employer files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "asrctl.yaml").write_text(config if config is not None else SHARED_CONFIG.read_text())
    for name, text in (employers or {}).items():
        path = root / "employers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def copy_example_repo(root: Path) -> Path:
    """The project's own asrctl.yaml, employers/ and schemas/ (the examples a payroll office starts from)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "asrctl.yaml", root / "asrctl.yaml")
    shutil.copytree(REPO_ROOT / "employers", root / "employers")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    return root
