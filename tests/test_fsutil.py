"""Atomic writes (asrctl.fsutil): whole files or none, modes kept, no overwrite by surprise."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from asrctl.errors import ConfigError
from asrctl.fsutil import write_atomic


def test_write_atomic_replaces_whole_keeps_mode_and_can_refuse_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "plan.json"
    write_atomic(target, "one")
    assert target.read_text() == "one" and stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o640)
    write_atomic(target, "two")
    assert target.read_text() == "two" and stat.S_IMODE(target.stat().st_mode) == 0o640
    with pytest.raises(FileExistsError):
        write_atomic(target, "three", overwrite=False)
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.json"]  # no temporary file left behind
    with pytest.raises(ConfigError, match="cannot write"):
        write_atomic(target / "below-a-file.json", "x")


@pytest.fixture
def no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system without hard links (some network and FUSE mounts): os.link fails with EPERM."""
    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", refuse)


@pytest.mark.usefixtures("no_hard_links")
def test_without_hard_links_a_new_file_is_still_written_and_an_old_one_still_kept(tmp_path: Path) -> None:
    target = tmp_path / "employers" / "bakkerij.yaml"
    write_atomic(target, "first\n", overwrite=False)
    assert target.read_text() == "first\n"
    with pytest.raises(FileExistsError):
        write_atomic(target, "second\n", overwrite=False)
    assert target.read_text() == "first\n"
    assert [p.name for p in target.parent.iterdir()] == ["bakkerij.yaml"]  # no temporary file left


def test_a_file_in_the_way_of_the_directory_is_a_plain_error(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a folder")
    with pytest.raises(ConfigError, match="a file is in the way of its directory"):
        write_atomic(tmp_path / "out" / "deeper" / "plan.json", "{}")
