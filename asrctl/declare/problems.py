"""Located problems in the user's files: `path:line:col: severity: message` (+ hint)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str          # as the user would type it (relative to the repo root when inside it)
    line: int          # 1-based; 0 when the problem is about the whole file
    col: int           # 1-based; 0 when unknown
    severity: Severity
    message: str
    hint: str | None = None
    code: str | None = None  # stable id for tooling, e.g. "schema.unknown-field"

    def location(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path
