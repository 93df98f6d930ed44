"""Atomic file writes: a crash never leaves half a file, and nothing is overwritten by surprise."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from asrctl.errors import ConfigError

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str, *, overwrite: bool = True, mode: int | None = None) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file.

    `mode` (e.g. 0o600 for a file holding a secret) is set before the file appears under its name;
    without it an updated file keeps its permissions and a new one is 0644.

    `overwrite=False`: FileExistsError if `path` exists, also when it appeared a moment ago
    (the temporary file is hard-linked into place, which never replaces a file). Any other
    failure is a ConfigError naming the path (exit 1), not a crash.
    """
    try:
        _write_atomic(path, text, overwrite, mode)
    except _Exists:
        raise FileExistsError(path) from None
    except (FileExistsError, NotADirectoryError):  # a file where a folder of the path must be
        raise ConfigError(f"cannot write {path}: a file is in the way of its directory") from None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc.__class__.__name__}",
                          hint="check that the directory exists and is writable") from None


def _write_atomic(path: Path, text: str, overwrite: bool, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o777  # an updated file keeps its permissions
        except OSError:
            mode = 0o644  # a new one: readable like any file in the repo (mkstemp's own is 0600)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise _Exists(path) from None
            except OSError:  # no hard links on this file system (some network or FUSE mounts)
                if os.path.lexists(path):
                    raise _Exists(path) from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Exists(FileExistsError):
    """The target of a no-overwrite write exists."""
