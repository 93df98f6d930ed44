"""The markdown rendering: one PR comment a payroll-office reviewer can read, never over 60,000 characters."""

from __future__ import annotations

import re

from plan_samples import PTN, config, employer, plan_of, registration, sample_plan

from asrctl.checks import Check
from asrctl.registry.models import example_payroll_tax_number
from asrctl.render.markdown import LIMIT, render_markdown


def test_summary_table_first_then_sections():
    md = render_markdown(sample_plan())
    assert md.startswith("### asrctl plan\n")  # no marker: the GitHub comment adds the one marker
    first_section = md.index("\n#### ")
    head = md[:first_section]
    assert "**Plan: 1 to create, 2 to change, 1 to withdraw, 1 blocked; 2 warnings.**" in head
    assert "blocked: fix the findings below before merging." in head
    for row in [
        "| + | will be submitted to a.s.r. (new registration) | 1 |",
        "| ~ | will be changed at a.s.r. | 2 |",
        "| - | will be withdrawn (afgemeld) | 1 |",
        "| ! | blocked: fix the findings first | 1 |",
        "| = | unchanged | 1 |",
    ]:
        assert row in head.splitlines()


def test_employer_sections_show_changes_and_findings():
    plan = sample_plan()
    md = render_markdown(plan)
    assert "#### ! kapperij-knip: blocked: fix the findings below before merging" in md
    assert "| ✗ error | <code>nmbrs.company</code> |" in md
    assert '| <code>payroll.frequency</code> | <code>"monthly"</code> | <code>"four_weekly"</code> |' in md
    assert "| <code>nmbrs.token</code> | _(sensitive)_ | _(sensitive: fingerprint changed)_ |" in md
    assert "#### ~ terug: will be submitted to a.s.r. again (the registration is withdrawn)" in md
    # A new registration's full form is folded, the blocked one's pending form too.
    assert "<details><summary>12 fields to submit</summary>" in md
    assert "<details><summary>12 pending changes, sent once fixed</summary>" in md
    assert "| <code>999999990L01</code> | <code>Vergeten B.V.</code> | active | kept (see warning) |" in md
    assert f"<code>asrctl apply --checksum {plan.checksum}</code>" in md
    # Blocked before withdrawals before updates before creates.
    order = [md.index(f"#### {s}") for s in ("! kapperij-knip", "- weg", "~ garage-jansen", "+ nieuw-bedrijf", "= stil")]
    assert order == sorted(order)


def test_unchanged_employers_are_folded_into_one_list():
    emps = {f"stil-{i}": employer(PTN[i], f"Stil {i}") for i in range(3)}
    md = render_markdown(plan_of(emps, [registration(e) for e in emps.values()]))
    assert "<details><summary>3 employers unchanged</summary>" in md
    assert "<code>stil-0</code> (active since 2026-12-01)" in md
    assert "####" not in md
    assert "**No changes: the registry matches the employer files.**" in md


def test_odd_text_cannot_break_a_table():
    emp = employer(PTN[0], "A | B <script> *C*")
    odd = Check("nmbrs.company", "error", "found 'A|B'\nsecond line", "fix | it")
    md = render_markdown(plan_of({"odd": emp}, [], {"odd": [odd]}))
    row = next(line for line in md.splitlines() if "nmbrs.company</code>" in line)
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # 4 cells
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\*C\\*" in md


def _big_plan(n: int, *, every: str):
    cfg = config()
    emps, regs = {}, []
    for i in range(n):
        emp = employer(example_payroll_tax_number(i), f"Bedrijf {i} B.V.")
        emps[f"werkgever-{i:05d}"] = emp
        if every == "update":
            regs.append(registration(emp, cfg, payroll={"frequency": "four_weekly"}))
        elif every == "noop":
            regs.append(registration(emp, cfg))
    return plan_of(emps, regs, cfg=cfg)


def test_5000_changed_employers_stay_under_the_limit_and_say_truncated():
    plan = _big_plan(5000, every="update")
    md = render_markdown(plan)
    assert len(md) <= LIMIT
    shown = len(re.findall(r"^#### ~ werkgever-", md, flags=re.MULTILINE))
    note = re.search(r"… truncated: (\d+) employers not shown; see the plan\.json artifact", md)
    assert note and shown > 10 and shown + int(note.group(1)) == 5000
    # Sections are dropped whole: every opened <details> is closed, the last table row is complete.
    assert md.count("<details>") == md.count("</details>")
    before_note = md[: note.start()].rstrip().splitlines()
    assert not before_note[-1].startswith("|") or before_note[-1].endswith("|")
    assert plan.checksum in md


def test_5000_unchanged_employers_stay_under_the_limit():
    md = render_markdown(_big_plan(5000, every="noop"))
    assert len(md) <= LIMIT
    assert "<details><summary>5000 employers unchanged</summary>" in md
    note = re.search(r"… truncated: (\d+) employers not shown", md)
    listed = len(re.findall(r"<code>werkgever-\d+</code>", md))
    assert note and listed + int(note.group(1)) == 5000
    assert md.count("<details>") == md.count("</details>")


def test_a_small_limit_still_gives_header_and_footer():
    plan = sample_plan()
    md = render_markdown(plan, limit=3000)
    assert len(md) <= 3000
    assert "| ! | blocked: fix the findings first | 1 |" in md and plan.checksum in md
    assert "… truncated:" in md
