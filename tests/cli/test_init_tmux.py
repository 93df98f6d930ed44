"""`asrctl init` on a real terminal: typed into a tmux pane as a payroll employee would, then validated there.

test_init.py drives init over a bare pseudo-terminal; this runs it in tmux (a terminal emulator with a
screen of 120×40), answering each prompt as it appears on the screen, so what the employee sees is what
is tested: the questions, a wrong answer asked again, the defaults taken with Enter, and a clean
`asrctl validate` in the repository init wrote. Skipped only where tmux is not installed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from support.cli import child_env

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

# (the prompt on the screen's last line, what the employee types); "" is Enter alone (the default).
# capture-pane drops a line's trailing spaces: a prompt ends in ":".
DIALOGUE = [
    (r"Name of your payroll office.*:$", "Salarisbureau Voorbeeld B.V."),
    (r"Contact e-mail address.*:$", "koppelingen bij voorbeeld.nl"),  # wrong: asked again
    (r"Contact e-mail address.*:$", "koppelingen@voorbeeld.nl"),
    (r"Nmbrs domain.*:$", "https://voorbeeld.nmbrs.nl/"),  # pasted from the address bar
    (r"per_debtor.*\[overarching\]:$", ""),
    (r"Nmbrs login e-mail.*:$", "api-asr@voorbeeld.nl"),
    (r"Debtor tag.*\[a\.s\.r\.\]:$", ""),
    (r"GitHub user or team.*:$", "@voorbeeld/asrctl-beheer"),
]


class Pane:
    """One tmux server of our own (its own socket, no user config) with one 120×40 window."""

    def __init__(self, name: str) -> None:
        self.base = [str(TMUX), "-L", name, "-f", os.devnull]

    def tmux(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=10, check=True).stdout

    def start(self, cwd: Path, script: Path) -> None:
        self.tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "init", "-c", str(cwd), f"sh {script}")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "init")  # -J: wrapped lines joined

    def type(self, text: str) -> None:
        if text:
            self.tmux("send-keys", "-t", "init", "-l", text)  # -l: literally, not as key names
        self.tmux("send-keys", "-t", "init", "Enter")

    def stop(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=10, check=False)


@pytest.fixture
def pane() -> Iterator[Pane]:
    pane = Pane(f"asrctl-test-{os.getpid()}-{time.monotonic_ns()}")
    try:
        yield pane
    finally:
        pane.stop()


def _session_script(tmp_path: Path) -> Path:
    """What runs in the pane: init, then validate in what it wrote, each exit code on the screen."""
    env = child_env(tmp_path, {"ASRCTL_LANG": "en"})  # the prompts' English, whatever the locale
    exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items() if key.isidentifier())
    asrctl = shlex.join([sys.executable, "-m", "asrctl"])
    script = tmp_path / "session.sh"
    script.write_text(
        f"{exports}"
        f"{asrctl} init office; echo \"[init exited $?]\"\n"
        # the office's own language (init writes language: nl), as its staff will run it
        f"cd office && env -u ASRCTL_LANG {asrctl} validate; echo \"[validate exited $?]\"\n"
        "exec sleep 600\n"  # keep the pane (and its screen) until the test is done with it
    )
    return script


def _last_line(screen: str) -> str:
    return screen.rstrip().rsplit("\n", 1)[-1]


def test_init_answered_in_a_tmux_terminal_then_validate_there_is_clean(tmp_path: Path, pane: Pane) -> None:
    pane.start(tmp_path, _session_script(tmp_path))
    pending = list(DIALOGUE)
    answered = 0  # the screen's length at the last answer: a prompt counts only when the screen grew since
    screen = ""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "[validate exited" not in screen:
        time.sleep(0.1)
        screen = pane.screen().rstrip()
        if pending and len(screen) > answered and re.search(pending[0][0], _last_line(screen)):
            pane.type(pending.pop(0)[1])
            answered = len(screen)
    assert not pending, f"never asked {pending[0][0]!r}; the screen:\n{screen}"
    assert "[validate exited" in screen, f"init or validate did not finish in time; the screen:\n{screen}"
    assert "[init exited 0]" in screen, screen
    assert "is not an e-mail address" in screen  # the wrong answer was explained and asked again
    assert screen.count("Contact e-mail address") >= 2
    assert "[validate exited 0]" in screen and "geen problemen" in screen, screen
    assert "Traceback" not in screen
    office = tmp_path / "office"
    config = YAML(typ="safe", pure=True).load((office / "asrctl.yaml").read_text(encoding="utf-8"))
    assert config["organisation"] == {"name": "Salarisbureau Voorbeeld B.V.", "contact_email": "koppelingen@voorbeeld.nl"}
    assert config["accounts"]["kantoor"] == {"model": "overarching", "username": "api-asr@voorbeeld.nl",
                                             "token": {"env": "NMBRS_TOKEN_KANTOOR"}, "domain": "voorbeeld",
                                             "tag": "a.s.r."}
    assert "@voorbeeld/asrctl-beheer" in (office / "CODEOWNERS").read_text(encoding="utf-8")
    assert (office / "schemas" / "employer.schema.json").is_file()
