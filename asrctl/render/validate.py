"""`asrctl validate` output: located problems as text, GitHub workflow commands or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Literal

from asrctl.declare.problems import Problem

ValidateFormat = Literal["text", "github", "json"]
VALIDATE_FORMATS: tuple[ValidateFormat, ...] = ("text", "github", "json")

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m"}
_RESET = "\x1b[0m"


def render_text(problems: Sequence[Problem], *, color: bool = False) -> str:
    """`path:line:col: error: message`, then an indented `hint: ...` line where there is one."""
    lines = []
    for p in problems:
        severity = f"{_COLORS[p.severity]}{p.severity}{_RESET}" if color else p.severity
        lines.append(f"{p.location()}: {severity}: {p.message}")
        if p.hint:
            lines.append(f"    hint: {p.hint}")
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
        message = p.message + (f"\nhint: {p.hint}" if p.hint else "")
        out.append(f"::{p.severity} {','.join(props)}::{_escape_data(message)}\n")
    return "".join(out)


def render_json(problems: Sequence[Problem]) -> str:
    """A JSON list of {path, line, col, severity, message, hint, code}."""
    return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False) + "\n"


def render_problems(problems: Sequence[Problem], fmt: ValidateFormat, *, color: bool = False) -> str:
    if fmt == "github":
        return render_github(problems)
    if fmt == "json":
        return render_json(problems)
    return render_text(problems, color=color)


def summary(problems: Sequence[Problem], files: int) -> str:
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not problems:
        return f"{checked}: no problems"
    counts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
    return f"{checked}: {', '.join(counts)}"
