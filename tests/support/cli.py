"""The one way tests run the `asrctl` command: argv in, through the real error handler
(asrctl.cli.errors.run_guarded), exit code and output back.

`run_cli(repo, ARGS)` runs it in this process (fast). `process=True` runs `python -m asrctl ARGS`
as a child process instead, for what only a process shows: its own logging, secrets registry,
crash report and exit code. Tests that must signal the process or give it a terminal start it
themselves with `child_env`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LOOPBACK_ALLOWED", "Run", "child_env", "run_cli"]

# The servers a test starts listen on 127.0.0.1; the operator's allowance for them (tests of the
# allow-list pass their own value, "" for none). `sandbox:` URLs need none.
LOOPBACK_ALLOWED = {"ASRCTL_ALLOW_HOSTS": "127.0.0.1"}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(repo: Path, *args: str, env: dict[str, str] | None = None, process: bool = False,
            timeout: float = 60, input: str | None = None) -> Run:
    """`asrctl ARGS` in `repo`, not on a terminal (stdin, stdout and stderr are captured)."""
    if process:
        return _in_a_process(repo, args, env, timeout, input)
    if input is not None:
        raise ValueError("input= needs process=True")
    from click.testing import CliRunner

    from asrctl.cli import cli
    from asrctl.cli.errors import run_guarded

    before = os.getcwd()
    runner = CliRunner()
    with runner.isolation(env={"NO_COLOR": "1", **LOOPBACK_ALLOWED, **(env or {})}) as streams:
        os.chdir(repo)
        try:
            code = run_guarded(cli, list(args))
        finally:
            os.chdir(before)
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return Run(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))


def _in_a_process(repo: Path, args: tuple[str, ...], env: dict[str, str] | None, timeout: float,
                  input: str | None) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "asrctl", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(repo, env),
        input=input if input is not None else "",
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def child_env(repo: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child `asrctl`: none of the caller's ASRCTL_* settings, crash reports in `repo`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASRCTL_", "NO_COLOR"))}
    env["ASRCTL_CRASH_DIR"] = str(repo)  # a crash report, if any, lands where the leak test looks
    env.update(LOOPBACK_ALLOWED)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env
