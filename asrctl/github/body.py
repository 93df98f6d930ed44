"""What a comment or issue body is: the ONE marker, the ONE size budget, and splitting.

Every body asrctl posts starts with exactly one hidden marker line (`<!-- asrctl-plan -->`)
by which a later run finds it again; a plan too long for one comment continues in further
comments (`<!-- asrctl-plan part 2 -->`), each closing and reopening the `<details>` blocks,
code fences and tables cut at its end, as Atlantis does. Renderers never add a marker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asrctl.i18n import _, localize

__all__ = [
    "APPLY_ARTIFACT",
    "APPLY_MARKER",
    "BODY_LIMIT",
    "DRIFT_MARKER",
    "MAX_PARTS",
    "ONBOARDING_MARKER",
    "PLAN_ARTIFACT",
    "PLAN_MARKER",
    "artifact_note",
    "code",
    "compose",
    "compose_parts",
    "github_length",
    "has_marker",
    "marker_line",
    "meta_line",
    "part_number",
    "read_meta",
    "truncate",
]

# GitHub rejects a comment or issue body over 65,536 characters ("Body is too long").
# Counted here in UTF-16 code units, the strictest reading (an emoji counts twice).
BODY_LIMIT = 65_536
# A plan continues in at most this many comments; past that the last one points at the artifact.
MAX_PARTS = 6
PLAN_MARKER = "asrctl-plan"
APPLY_MARKER = "asrctl-apply"
DRIFT_MARKER = "asrctl-drift"
ONBOARDING_MARKER = "asrctl-onboarding"
PLAN_ARTIFACT = "asrctl-plan"  # artifact names the workflows upload under
APPLY_ARTIFACT = "asrctl-apply"

_META_RE = re.compile(r"<!-- asrctl-meta (\{.*?\}) -->")
_PART_RE = re.compile(r"<!-- ([a-z0-9-]+) part (\d+) -->")
_FENCE_RE = re.compile(r"^\s*(```+|~~~+)(.*)$")
_DETAILS_OPEN_RE = re.compile(r"<details\b[^>]*>(.*?)$", re.IGNORECASE)
_DETAILS_CLOSE_RE = re.compile(r"</details>", re.IGNORECASE)
_SUMMARY_RE = re.compile(r"<summary>(.*?)</summary>", re.IGNORECASE)
_TABLE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CLOSERS_RESERVE = 400  # room for closing and reopening blocks at a cut


def github_length(text: str) -> int:
    """Length as GitHub's body limit counts it (UTF-16 code units: never less than characters)."""
    return len(text.encode("utf-16-le")) // 2


def marker_line(marker: str, part: int = 1) -> str:
    """The hidden first line that identifies our comment or issue: `<!-- asrctl-plan -->`."""
    return f"<!-- {marker} -->" if part == 1 else f"<!-- {marker} part {part} -->"


def has_marker(body: object, marker: str) -> bool:
    """The body is the first (or only) part of our `marker` comment."""
    if not isinstance(body, str):
        return False
    text = body.lstrip()
    return text == marker_line(marker) or text.startswith(marker_line(marker) + "\n")


def part_number(body: object, marker: str) -> int | None:
    """1 for the first part of a `marker` comment, n for its continuation n, None when not ours."""
    if has_marker(body, marker):
        return 1
    if not isinstance(body, str):
        return None
    match = _PART_RE.match(body.lstrip())
    if match and match.group(1) == marker and int(match.group(2)) >= 2:
        return int(match.group(2))
    return None


def meta_line(meta: Mapping[str, Any]) -> str:
    """Hidden machine-readable data (checksum, commit) carried in a comment, as compact JSON."""
    text = json.dumps(dict(meta), separators=(",", ":"), sort_keys=True)
    return f"<!-- asrctl-meta {text.replace('--', '- -')} -->"  # "--" may not appear in an HTML comment


def read_meta(body: object) -> dict[str, Any]:
    match = _META_RE.search(body if isinstance(body, str) else "")
    if not match:
        return {}
    try:
        value = json.loads(match.group(1))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def code(text: str) -> str:
    """Inline code in a comment: `text` in backticks (asrctl's own values: ids, checksums, names of files)."""
    return f"`{text}`"


def artifact_note(run_url: str | None, *, artifact: str = PLAN_ARTIFACT) -> str:
    run = localize(_("[this workflow run]({url})", url=run_url) if run_url else _("the workflow run"))
    return "> " + localize(_("**Truncated**: the full text is longer than GitHub allows in comments or an issue. "
                             "Read all of it in the {artifact} artifact of {run}.", artifact=code(artifact), run=run))


# --- cutting text into parts ----------------------------------------------------------------------


@dataclass
class _Open:
    """The blocks open at a line: fences, <details> (with their summaries) and a table header."""

    fence: str | None = None
    details: list[str] = field(default_factory=list)
    table: tuple[str, str] | None = None
    previous: str = ""

    def see(self, line: str) -> None:
        fence = _FENCE_RE.match(line)
        if self.fence is not None:
            if fence and fence.group(1)[0] == self.fence.lstrip()[0] and not fence.group(2).strip():
                self.fence = None
            self.previous = line
            return
        if fence:
            self.fence = line.strip()
            self.table = None
            self.previous = line
            return
        for match in _DETAILS_OPEN_RE.finditer(line):
            summary = _SUMMARY_RE.search(match.group(1))
            self.details.append(summary.group(1) if summary else "")
        for _close in _DETAILS_CLOSE_RE.finditer(line):
            if self.details:
                self.details.pop()
        if _TABLE_RULE_RE.match(line) and self.previous.lstrip().startswith("|"):
            self.table = (self.previous, line)
        elif not line.lstrip().startswith("|"):
            self.table = None
        self.previous = line

    def closers(self) -> str:
        out = []
        if self.fence is not None:
            out.append("```" if self.fence.startswith("`") else "~~~")
        if self.details:
            out += ["", *(["</details>"] * len(self.details))]
        return "\n".join(out)

    def openers(self) -> str:
        out = []
        for summary in self.details:
            out += [f"<details open><summary>{summary} (continued)</summary>", ""]
        if self.fence is not None:
            out.append(self.fence)
        elif self.table is not None:
            out += list(self.table)
        return "\n".join(out)


def _cut_line(line: str, room: int) -> str:
    head = line[:room]
    while github_length(head) > room:  # astral characters count twice
        head = head[: len(head) - (github_length(head) - room)]
    return head


def _parts(text: str, budgets: list[int]) -> tuple[list[str], bool]:
    """Cut `text` at line ends into pieces of at most budgets[i]; (pieces, everything fitted)."""
    pieces: list[str] = []
    state = _Open()
    lines = text.split("\n")
    i = 0
    for index, budget in enumerate(budgets):
        last = index == len(budgets) - 1
        prefix = state.openers()
        current: list[str] = [prefix] if prefix else []
        used = github_length(prefix) + 1 if prefix else 0
        room = budget - _CLOSERS_RESERVE
        while i < len(lines):
            line = lines[i]
            cost = github_length(line) + 1
            if used + cost > room:
                if not current or (used == github_length(prefix) + 1 and prefix):
                    line = _cut_line(line, max(room - used - 1, 1))  # one line longer than a whole part
                    current.append(line)
                    state.see(line)
                    lines[i] = lines[i][len(line):]
                break
            current.append(line)
            state.see(line)
            used += cost
            i += 1
        closing = state.closers() if i < len(lines) else ""
        pieces.append("\n".join(current).rstrip() + ("\n" + closing if closing else ""))
        if i >= len(lines):
            return pieces, True
        if last:
            return pieces, False
    return pieces, i >= len(lines)


def truncate(text: str, budget: int, note: str) -> str:
    """`text` if it fits in `budget`; otherwise its head, cut at a line end with open blocks closed, plus `note`."""
    if github_length(text) <= budget:
        return text
    room = budget - github_length(note) - 2
    if room <= _CLOSERS_RESERVE:
        return _cut_line(note, budget)
    pieces, _ = _parts(text, [room])
    return pieces[0] + "\n\n" + note


def compose(marker: str, body: str, **options: Any) -> str:
    """One body (compose_parts with max_parts=1): marker + hidden meta + body, truncated with the
    note if needed, + footer. The marker, the meta and the footer always survive truncation: they
    carry the identity, the checksum and the link to the full output."""
    return compose_parts(marker, body, max_parts=1, **options)[0]


def compose_parts(
    marker: str,
    body: str,
    *,
    meta: Mapping[str, Any] | None = None,
    footer: str = "",
    truncated_note: str,
    limit: int = BODY_LIMIT,
    max_parts: int = MAX_PARTS,
) -> list[str]:
    """The body as one or more comments of at most `limit`: the first starts with the marker, the
    meta and the head of the body (the summary), the last ends with the footer. Past `max_parts`
    comments the last is cut with `truncated_note`."""
    head = marker_line(marker) + "\n" + (meta_line(meta) + "\n" if meta else "")
    tail = ("\n\n" + footer) if footer else ""
    continued = "_" + localize(_("(continued from the previous comment)")) + "_\n\n"
    text = body.strip("\n")
    first_room = limit - github_length(head) - github_length(tail)
    if first_room < _CLOSERS_RESERVE + 200:
        raise ValueError("marker, metadata and footer leave no room for the body")
    if github_length(text) <= first_room:
        return [head + text + tail]
    later = [limit - github_length(marker_line(marker, n)) - 1 - github_length(continued) - github_length(tail)
             for n in range(2, max_parts + 1)]
    budgets = [limit - github_length(head) - 60, *later]  # 60: "continued in the next comment"
    pieces, complete = _parts(text, budgets)
    if not complete:  # cut the last part short enough to hold the note
        budgets[len(pieces) - 1] -= github_length(truncated_note) + 2
        pieces, _complete = _parts(text, budgets[: len(pieces)])
        pieces[-1] += "\n\n" + truncated_note
    out = []
    for n, piece in enumerate(pieces, start=1):
        last = n == len(pieces)
        start = head if n == 1 else marker_line(marker, n) + "\n" + continued
        end = tail if last else "\n\n_" + localize(_("(continued in the next comment)")) + "_"
        out.append(start + piece + end)
    return out
