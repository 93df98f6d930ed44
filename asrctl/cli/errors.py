"""The one top-level handler: errors → messages and exit codes, crash reports without secrets."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path

import click

from asrctl import __version__
from asrctl.errors import AsrctlError
from asrctl.i18n import _, language, localize
from asrctl.secrets import redact

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _echo_error(message: str, hint: str | None) -> None:
    """`error: ...` and `  hint: ...` in the active language (`fout: ...`, `  tip: ...` in Dutch)."""
    click.echo(redact(localize(_("error: {message}", message=localize(message)))), err=True)
    if hint:
        click.echo(redact("  " + localize(_("hint: {hint}", hint=localize(hint)))), err=True)


def _echo_usage_error(exc: click.ClickException) -> None:
    """click's usage error with asrctl's own words around it (click's own messages stay English)."""
    ctx = exc.ctx if isinstance(exc, click.UsageError) else None
    if ctx is not None:
        click.echo(ctx.get_usage() + "\n" + localize(_("Try '{command} --help' for help.", command=ctx.command_path))
                   + "\n", err=True)
    click.echo(localize(_("error: {message}", message=exc.format_message())), err=True)


def write_crash_report(exc: BaseException) -> Path | None:
    """A file to attach to a bug report: traceback and versions, secrets redacted."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"asrctl-crash-{stamp}-{os.getpid()}.txt"
    body = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = redact(
        f"asrctl {__version__} crash report\n"
        f"python {platform.python_version()} on {platform.platform()}\n"
        f"argv: {' '.join(sys.argv[1:])}\n\n{body}"
    )
    # The working directory may be read-only (a CI checkout, a mounted repo): then the temp dir.
    for directory in dict.fromkeys([os.environ.get("ASRCTL_CRASH_DIR") or ".", tempfile.gettempdir()]):
        path = Path(directory) / name
        try:
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        return path
    return None


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit flush raises nothing more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture stdout)
        pass


def run_guarded(cli: click.Group, argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="asrctl", standalone_mode=False)
    except AsrctlError as exc:
        _echo_error(exc.message, exc.hint)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo(localize(_("interrupted")), err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:  # bare `asrctl`: the help, not an error
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        return EXIT_OK
    except click.ClickException as exc:
        if language() == "en":
            exc.show()
        else:
            _echo_usage_error(exc)
        # A usage error is an error (1): click's own 2 would read as "changes" to `plan --detailed-exitcode`.
        return EXIT_ERROR
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo(localize(_("interrupted")), err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `asrctl plan | head`: the reader left; nothing to report
        _quiet_stdout()
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001  # a bug: one line, and a report without secrets
        report = write_crash_report(exc)
        name = exc.__class__.__name__
        click.echo(localize(_("internal error (a bug in asrctl): {name}; please attach {report} (secrets removed) to "
                              "the bug report", name=name, report=report) if report else
                            _("internal error (a bug in asrctl): {name}", name=name)), err=True)
        return EXIT_BUG
    return result if isinstance(result, int) else EXIT_OK
