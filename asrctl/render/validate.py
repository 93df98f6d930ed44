"""`asrctl validate` output: located problems as text, GitHub workflow commands or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

from asrctl.declare.problems import Problem
from asrctl.i18n import N_, _, localize

ValidateFormat = Literal["text", "github", "json"]
VALIDATE_FORMATS: tuple[ValidateFormat, ...] = ("text", "github", "json")

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m"}
_RESET = "\x1b[0m"
SEVERITY = {"error": _("error"), "warning": _("warning")}


def render_text(problems: Sequence[Problem], *, color: bool = False) -> str:
    """`path:line:col: error: message`, then an indented `hint: ...` line where there is one (in the
    active language: `fout`, `tip` in Dutch)."""
    lines = []
    for p in problems:
        word = localize(SEVERITY[p.severity])
        severity = f"{_COLORS[p.severity]}{word}{_RESET}" if color else word
        lines.append(f"{p.location()}: {severity}: {localize(p.message)}")
        if p.hint:
            lines.append("    " + localize(_("hint: {hint}", hint=p.hint)))
    return "".join(line + "\n" for line in lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(problems: Sequence[Problem]) -> str:
    """Workflow commands (`::error file=,line=,col=::message`): annotations on the pull request's files."""
    out = []
    for p in problems:
        props = [f"file={_escape_property(p.path)}"]
        if p.line:
            props += [f"line={p.line}", f"col={p.col or 1}"]
        props.append(f"title={_escape_property('asrctl validate' + (f' ({p.code})' if p.code else ''))}")
        message = localize(p.message) + ("\n" + localize(_("hint: {hint}", hint=p.hint)) if p.hint else "")
        out.append(f"::{p.severity} {','.join(props)}::{_escape_data(message)}\n")
    return "".join(out)


def render_json(problems: Sequence[Problem]) -> str:
    """A JSON list of {path, line, col, severity, message, hint, code}: English whatever the language."""
    return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False) + "\n"


def render_problems(problems: Sequence[Problem], fmt: ValidateFormat, *, color: bool = False) -> str:
    if fmt == "github":
        return render_github(problems)
    if fmt == "json":
        return render_json(problems)
    return render_text(problems, color=color)


def summary(problems: Sequence[Problem], files: int) -> str:
    """`3 files checked: 1 error, 2 warnings`, in the active language."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    checked = N_("{n} file checked", "{n} files checked", files)
    if not problems:
        return localize(_("{checked}: no problems", checked=checked))
    counts = [N_("{n} error", "{n} errors", errors)] if errors else []
    counts += [N_("{n} warning", "{n} warnings", warnings)] if warnings else []
    return localize(_("{checked}: {counts}", checked=checked, counts=", ".join(localize(c) for c in counts)))
