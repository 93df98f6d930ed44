"""The one marker, the one size budget and splitting (asrctl.github.body)."""

from __future__ import annotations

from asrctl.github import body as gb


def test_compose_leaves_a_fitting_body_alone_and_cuts_one_character_more() -> None:
    note = gb.artifact_note(None)
    head = gb.compose("m", "", footer="f", truncated_note=note)
    room = gb.BODY_LIMIT - gb.github_length(head)
    exact = "x" * room
    assert gb.compose("m", exact, footer="f", truncated_note=note).count("x") == room
    over = gb.compose("m", exact + "y", footer="f", truncated_note=note)
    assert "**Truncated**" in over and gb.github_length(over) <= gb.BODY_LIMIT


def test_the_marker_is_the_first_line_exactly_once() -> None:
    body = gb.compose(gb.PLAN_MARKER, "<!-- asrctl-plan -->\nquoted", truncated_note="cut")
    assert gb.has_marker(body, gb.PLAN_MARKER)
    assert gb.part_number(body, gb.PLAN_MARKER) == 1
    assert not gb.has_marker("text first\n" + gb.marker_line(gb.PLAN_MARKER), gb.PLAN_MARKER)
    assert not gb.has_marker(None, gb.PLAN_MARKER) and gb.part_number(7, gb.PLAN_MARKER) is None
    # A continuation is not the first part, and another marker's part is not ours.
    assert gb.part_number(gb.marker_line(gb.PLAN_MARKER, 3) + "\nx", gb.PLAN_MARKER) == 3
    assert gb.part_number(gb.marker_line(gb.APPLY_MARKER, 3) + "\nx", gb.PLAN_MARKER) is None
    assert not gb.has_marker(gb.marker_line(gb.PLAN_MARKER, 2) + "\nx", gb.PLAN_MARKER)


def test_meta_survives_odd_values_and_a_broken_meta_reads_as_none() -> None:
    meta = {"checksum": "sha256:ab", "note": "a -- b -->"}
    line = gb.meta_line(meta)
    assert "-->" not in line[:-3] and gb.read_meta("x\n" + line)["checksum"] == "sha256:ab"
    assert gb.read_meta("<!-- asrctl-meta {not json} -->") == {}
    assert gb.read_meta(None) == {}


def test_a_cut_fence_and_details_are_closed_and_reopened() -> None:
    lines = "\n".join(f"line {i:05d} " + "y" * 50 for i in range(3000))
    text = f"summary\n\n<details><summary>Log</summary>\n\n~~~text\n{lines}\n~~~\n\n</details>\n\nafter"
    parts = gb.compose_parts(gb.PLAN_MARKER, text, footer="FOOTER", truncated_note="cut")
    assert len(parts) >= 3
    for part in parts:
        assert part.count("~~~") % 2 == 0 and part.count("<details") == part.count("</details>")
        assert gb.github_length(part) <= gb.BODY_LIMIT
    assert "~~~text" in parts[1] and "Log (continued)" in parts[1]
    assert parts[-1].endswith("after\n\nFOOTER") and all("FOOTER" not in p for p in parts[:-1])


def test_one_line_longer_than_a_comment_is_cut_not_lost() -> None:
    parts = gb.compose_parts(gb.PLAN_MARKER, "head\n" + "z" * 100_000, truncated_note="cut")
    assert sum(p.count("z") for p in parts) == 100_000
    assert all(gb.github_length(p) <= gb.BODY_LIMIT for p in parts)
