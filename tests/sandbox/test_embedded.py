"""The embedded sandbox refuses a broken sandbox folder with a located message (exit 1), not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import run_cli
from support.repo import make_repo


def _registry_url_line(repo: Path) -> int:
    lines = (repo / "asrctl.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "sandbox:.asrctl/registry.sqlite" in line)


@pytest.mark.parametrize("command", [["plan"], ["status"]])
def test_a_file_where_the_sandbox_folder_goes_is_a_located_config_error(tmp_path: Path, command: list[str]) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".asrctl").write_text("notes, not a folder\n")
    result = run_cli(repo, *command)
    assert result.code == 1, result.output
    assert f"asrctl.yaml:{_registry_url_line(repo)}:" in result.stderr
    assert "is a file, not a folder" in result.stderr and "move or remove" in result.stderr
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert (repo / ".asrctl").read_text() == "notes, not a folder\n"  # nothing of the user's is lost
    assert not list(repo.glob("asrctl-crash-*"))


def test_a_database_that_is_not_sqlite_is_a_located_config_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".asrctl").mkdir()
    (repo / ".asrctl" / "registry.sqlite").write_bytes(b"this is no SQLite database, just text\n" * 4)
    result = run_cli(repo, "plan")
    assert result.code == 1, result.output
    assert "registry.sqlite" in result.stderr and "internal error" not in result.output


def test_a_folder_where_the_database_goes_is_a_located_config_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".asrctl" / "registry.sqlite").mkdir(parents=True)
    result = run_cli(repo, "plan")
    assert result.code == 1, result.output
    assert f"asrctl.yaml:{_registry_url_line(repo)}:" in result.stderr and "which is not a file" in result.stderr
