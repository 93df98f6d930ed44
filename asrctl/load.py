"""Load the user's repo: files → models, or located problems (DESIGN.md "Validation").

(To be implemented: YAML layer, JSON Schema layer, semantic + cross-file layer.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .model import Config, Employer
from .problems import Problem


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


def load_repo(config_path: Path, paths: Sequence[Path] | None = None) -> tuple[Repo | None, list[Problem]]:
    """Load asrctl.yaml and the employer files (default: employers/*.yaml beside it).

    Returns the repo (None when any error problem was found) and all problems of all files.
    """
    raise NotImplementedError
