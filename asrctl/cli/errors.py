"""The one top-level handler: errors → messages and exit codes, crash reports without secrets."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import traceback
from pathlib import Path

import click

from .. import __version__
from ..errors import AsrctlError
from ..secrets import redact

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _echo_error(message: str, hint: str | None) -> None:
    click.echo(redact(f"error: {message}"), err=True)
    if hint:
        click.echo(redact(f"  hint: {hint}"), err=True)


def write_crash_report(exc: BaseException) -> Path | None:
    """A file to attach to a bug report: traceback and versions, secrets redacted."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(os.environ.get("ASRCTL_CRASH_DIR", ".")) / f"asrctl-crash-{stamp}-{os.getpid()}.txt"
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = (
        f"asrctl {__version__} crash report\n"
        f"python {platform.python_version()} on {platform.platform()}\n"
        f"argv: {' '.join(sys.argv[1:])}\n\n{body}"
    )
    try:
        path.write_text(redact(text), encoding="utf-8")
    except OSError:
        return None
    return path


def run_guarded(cli: click.Group, argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="asrctl", standalone_mode=False)
    except AsrctlError as exc:
        _echo_error(exc.message, exc.hint)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line, and a report without secrets
        report = write_crash_report(exc)
        where = f"; details in {report}" if report else ""
        click.echo(f"internal error (a bug in asrctl): {exc.__class__.__name__}{where}", err=True)
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK
