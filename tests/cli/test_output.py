"""The progress line of long plans: on a terminal only, and only above 20 employers."""

from __future__ import annotations

import io
import sys

import pytest

from asrctl.cli.output import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("total", "terminal", "shown"), [(21, True, True), (20, True, False), (500, False, False)])
def test_progress_only_for_long_runs_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, total: int, terminal: bool, shown: bool
) -> None:
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    progress = Progress("Checking Nmbrs", total)
    for done in range(1, total + 1):
        progress(done, total)
    progress.close()
    assert (f"{total}/{total}" in err.getvalue()) is shown
    if shown:
        assert err.getvalue().endswith("\n")  # the next line starts clean
