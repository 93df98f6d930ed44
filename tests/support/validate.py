"""Repos for validate and schema tests: the invalid-file corpus's shared files, the project's examples."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "invalid"
SHARED_CONFIG = CORPUS / "_shared" / "asrctl.yaml"
SHARED_EMPLOYER = CORPUS / "_shared" / "employer.yaml"
REPO_ROOT = Path(__file__).resolve().parents[2]


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


def set_at(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `doc` with the value at `path` (keys and list indexes) replaced."""
    mutated = copy.deepcopy(doc)
    parent = mutated
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return mutated
