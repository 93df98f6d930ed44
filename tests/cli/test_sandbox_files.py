"""`sandbox:` files: inside the repository, and refused cleanly (no line of the file quoted) when they are not
what they should be."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import run_cli
from support.repo import make_repo

SECRETISH = "root:x:0:0:LEAKCHECK-passwd-line:/root:/bin/bash"


def _with(root: Path, *, world: str | None = None, registry: str | None = None) -> Path:
    config = root / "asrctl.yaml"
    text = config.read_text()
    if world is not None:
        text = text.replace("sandbox:world.yaml", world)
    if registry is not None:
        text = text.replace("sandbox:.asrctl/registry.sqlite", registry)
    config.write_text(text)
    return root


def _clean(output: str) -> None:
    assert "Traceback" not in output and "internal error" not in output
    assert "LEAKCHECK" not in output and "root:x" not in output and "/bin/bash" not in output


@pytest.mark.parametrize("key", ["world", "registry"])
@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink"])
def test_a_sandbox_file_outside_the_repository_is_refused(tmp_path: Path, key: str, where: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRETISH + "\n" + SECRETISH + "\n")
    root = make_repo(tmp_path / "repo")
    if where == "symlink":
        (root / "link.txt").symlink_to(outside)
    target = {"absolute": str(outside), "dotdot": "../outside.txt", "symlink": "link.txt"}[where]
    root = _with(root, **{key: f"sandbox:{target}"})
    result = run_cli(root, "plan")
    assert result.code == 1, result.output
    assert "inside the repository" in result.stderr
    _clean(result.output)
    assert outside.read_text().count("LEAKCHECK") == 2  # untouched


@pytest.mark.parametrize("content", [
    f"\t{SECRETISH}\n",                              # not YAML (a tab), and PyYAML would quote the line
    f"{SECRETISH}\n",                                # YAML, but a text, not a world
    f"logins: []\n'{SECRETISH}': 1\n",               # an unknown key that is a line of someone's file
    "logins:\n  - {username: u, token: t, domain: d, model: " + SECRETISH.replace(":", "-") + "}\n",
], ids=["not-yaml", "not-a-mapping", "unknown-key", "bad-value"])
def test_a_broken_world_file_is_an_error_that_quotes_none_of_it(tmp_path: Path, content: str) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "world.yaml").write_text(content)
    result = run_cli(root, "plan")
    assert result.code == 1, result.output
    assert "world.yaml" in result.stderr
    _clean(result.output)


@pytest.mark.parametrize("content", [SECRETISH.encode() * 100, b"SQLite format 3\x00" + b"\xff" * 5000],
                         ids=["text", "corrupt"])
def test_a_registry_file_that_is_no_sqlite_database_is_an_error(tmp_path: Path, content: bytes) -> None:
    root = make_repo(tmp_path / "repo")
    (root / ".asrctl").mkdir()
    (root / ".asrctl" / "registry.sqlite").write_bytes(content)
    for command in (("plan",), ("status",)):
        result = run_cli(root, *command)
        assert result.code == 1, result.output
        assert "registry.sqlite" in result.stderr and "not a sandbox registry database" in result.stderr
        _clean(result.output)


def test_a_broken_registry_seed_is_an_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "sandbox").mkdir()
    (root / "sandbox" / "registry-seed.yaml").write_text(f"registrations:\n  - {{body: '{SECRETISH}'}}\n")
    result = run_cli(root, "status")
    assert result.code == 1, result.output
    assert "registry-seed.yaml" in result.stderr
    _clean(result.output)
    assert not (root / ".asrctl" / "registry.sqlite").exists()  # seeded afresh once the seed is fixed
