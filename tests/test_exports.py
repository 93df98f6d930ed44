"""`__all__` says what each package and public module offers (as httpx's tests/test_exports.py does).

Every package and each module others import from by name (PINNED) declares one, holding every
public name it defines itself (def, class, top-level assignment); wherever there is one, every
name in it exists.
"""

from __future__ import annotations

import ast
import importlib
import logging
import pkgutil
from pathlib import Path

import pytest

import asrctl

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(asrctl.__path__, "asrctl.") if not info.name.endswith("__main__")
)
PACKAGES = ["asrctl", *(name for name in MODULES if Path(importlib.util.find_spec(name).origin or "").name  # type: ignore[union-attr]
                       == "__init__.py")]
# Modules others import from by name: their exports are pinned too.
PINNED = ["asrctl.errors", "asrctl.secrets", "asrctl.checks", "asrctl.fsutil", "asrctl.net.http", "asrctl.net.retry",
          "asrctl.declare.lhn"]


def _defined(module_name: str) -> set[str]:
    """Public names a module binds at its top level itself (imports and TypeVars excluded)."""
    origin = importlib.util.find_spec(module_name).origin  # type: ignore[union-attr]
    tree = ast.parse(Path(origin or "").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "TypeVar":
                continue
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def test_the_walk_finds_the_tree() -> None:
    assert {"asrctl.declare", "asrctl.net", "asrctl.plan", "asrctl.cli"} <= set(PACKAGES)
    assert "asrctl.declare.lhn" in MODULES


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_declares_its_exports(name: str) -> None:
    assert isinstance(getattr(importlib.import_module(name), "__all__", None), list), f"{name} has no __all__"


@pytest.mark.parametrize("name", PINNED)
def test_pinned_modules_declare_their_exports(name: str) -> None:
    assert isinstance(getattr(importlib.import_module(name), "__all__", None), list), f"{name} has no __all__"


@pytest.mark.parametrize("name", MODULES + ["asrctl"])
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what the module does not have: {missing}"


@pytest.mark.parametrize("name", PACKAGES + PINNED)
def test_all_public_definitions_are_exported(name: str) -> None:
    module = importlib.import_module(name)
    loggers = {n for n, v in vars(module).items() if isinstance(v, logging.Logger)}
    unexported = sorted(_defined(name) - set(module.__all__) - loggers)
    assert not unexported, f"{name} defines public names not in __all__ (export them or make them _private): {unexported}"
