"""The markdown rendering: the PR comment a payroll-office reviewer reads, in the order they read it."""

from __future__ import annotations

import re

from asrctl.checks import Check
from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.render.markdown import FOOTER_MARK, LIMIT, render_markdown, strip_footer

BLOB = "https://github.example/voorbeeld/werkgevers/blob/1111111111111111111111111111111111111111/"

from support.plans import PTN, config, employer, plan_of, registration, sample_plan


def test_summary_table_first_then_sections():
    md = render_markdown(sample_plan())
    assert md.startswith("### asrctl plan\n")  # no marker: the GitHub comment adds the one marker
    first_section = md.index("\n#### ")
    head = md[:first_section]
    assert "**Plan: 1 to create, 2 to change, 1 to withdraw, 1 blocked; 2 warnings.**" in head
    assert "1 employer NOT submitted: fix the findings below before merging." in head
    for row in [
        "| + | will be submitted to a.s.r. (new registration) | 1 |",
        "| ~ | will be changed at a.s.r. | 2 |",
        "| - | will be withdrawn (afgemeld) | 1 |",
        "| ! | blocked: NOT submitted, fix the findings first | 1 |",
        "| = | unchanged | 1 |",
    ]:
        assert row in head.splitlines()


def test_a_new_registration_is_one_row_in_the_forms_words_with_the_office_once():
    md = render_markdown(sample_plan(), file_url=BLOB)
    assert ("| | werkgever | Bedrijfsnaam in Nmbrs | loonheffingennummer | raamwerkcontractnummer | verloning | "
            "13e maand | DGA |") in md
    assert (f"| + | [nieuw-bedrijf]({BLOB}employers/nieuw-bedrijf.yaml) | <code>Nieuw Bedrijf B.V.</code> | "
            "<code>123456782L01</code> | <code>RW-2024-00123</code> | maandelijks | ja | J. de Vries (nr. 1) |") in md
    # The office's own details and the Nmbrs login once, above the table — not per employer.
    assert md.count("Salarisbureau Voorbeeld B.V.") == 1
    assert "gebruikersnaam <code>api-asr@voorbeeld.nl</code> · domein <code>voorbeeld</code>" in md
    assert "registry.registered-elsewhere" in md  # the refusal plan cannot foresee is named
    assert "fields to submit" not in md


def test_a_blocked_employer_reads_not_submitted_and_what_to_fix():
    md = render_markdown(sample_plan(), file_url=BLOB)
    section = md[md.index("#### ! kapperij-knip"):].split("\n#### ", 1)[0]
    assert section.startswith("#### ! kapperij-knip: NOT submitted — fix first")
    assert f"[<code>employers/kapperij-knip.yaml</code>]({BLOB}employers/kapperij-knip.yaml)" in section
    assert "- **nmbrs.company**: no company named 'Kapperij Knip B.V.'" in section
    assert "_fix:_ copy the company name from Nmbrs exactly" in section


def test_employer_sections_show_changes_and_findings():
    plan = sample_plan()
    md = render_markdown(plan)
    assert '| <code>payroll.frequency</code> | <code>"monthly"</code> | <code>"four_weekly"</code> |' in md
    assert "| <code>nmbrs.token</code> | _(sensitive)_ | _(sensitive: token changed)_ |" in md
    assert "#### ~ terug: will be submitted to a.s.r. again (the registration is withdrawn)" in md
    assert "| <code>999999990L01</code> | <code>Vergeten B.V.</code> | active | kept (see warning) |" in md
    assert f"<code>asrctl apply --checksum {plan.checksum}</code>" in md
    # Blocked first, then new registrations, withdrawals, changes, then the quiet ones.
    order = [md.index(s) for s in ("#### ! kapperij-knip", "#### + New registrations", "#### - weg",
                                   "#### ~ garage-jansen", "#### Warnings", "#### = stil")]
    assert order == sorted(order)


def test_one_footer_that_a_comment_can_replace():
    md = render_markdown(sample_plan())
    assert md.count(FOOTER_MARK) == 1 and md.count("Plan checksum") == 1
    assert "Plan checksum" not in strip_footer(md) and strip_footer(md).startswith("### asrctl plan")


def test_predicted_refusals_come_right_after_the_summary():
    numbers = [example_payroll_tax_number(i) for i in range(10)]
    emps = {f"e{i}": employer(n, f"Bedrijf {i}") for i, n in enumerate(numbers)}
    regs = [registration(e, payroll={"thirteenth_month": False}) for e in emps.values()]
    md = render_markdown(plan_of(emps, regs))
    assert "#### ⚠ Apply after merge will refuse this plan" in md
    assert md.index("Apply after merge will refuse") < md.index("#### ~ e0")
    assert "changes or withdraws 10 of the 10 registrations" in md and "--force" in md


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
    line = next(line for line in md.splitlines() if "**nmbrs.company**" in line)
    assert "\n" not in line and "found 'A\\|B' second line" in line
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\*C\\*" in md


def _big_plan(n: int, *, every: str, unmanaged: int = 0, cfg_error: bool = False):
    cfg = config()
    emps, regs = {}, []
    for i in range(n):
        emp = employer(example_payroll_tax_number(i), f"Bedrijf {i} B.V.")
        emps[f"werkgever-{i:05d}"] = emp
        if every == "update":
            regs.append(registration(emp, cfg, payroll={"frequency": "four_weekly"}))
        elif every == "noop":
            regs.append(registration(emp, cfg))
    for j in range(unmanaged):
        regs.append(registration(employer(example_payroll_tax_number(50_000 + j), f"Los {j} B.V."), cfg))
    extra = {}
    if cfg_error:
        extra["global_checks"] = [Check("nmbrs.auth", "error", "account 'kantoor': Nmbrs refused the token (1001)",
                                        "the user left or the token was reset: put a new token in the secret")]
    return plan_of(emps, regs, cfg=cfg, **extra)


def test_5000_changed_employers_stay_under_the_limit_and_say_truncated():
    plan = _big_plan(5000, every="update")
    md = render_markdown(plan)
    assert len(md) <= LIMIT
    shown = len(re.findall(r"^#### ~ werkgever-", md, flags=re.MULTILINE))
    note = re.search(r"… truncated: not shown here: (\d+) employer sections", md)
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
    note = re.search(r"… truncated: not shown here: (\d+) unchanged employers", md)
    listed = len(re.findall(r"<code>werkgever-\d+</code>", md))
    assert note and listed + int(note.group(1)) == 5000
    assert md.count("<details>") == md.count("</details>")


def test_1000_unmanaged_registrations_never_push_out_an_account_error():
    md = render_markdown(_big_plan(3, every="update", unmanaged=1000, cfg_error=True), limit=20_000)
    assert len(md) <= 20_000
    errors, warnings = md.index("#### Errors"), md.index("#### Warnings")
    assert errors < md.index("#### ~ werkgever-00000") < warnings  # errors before warnings, always
    assert "Nmbrs refused the token (1001)" in md[errors:warnings]
    note = re.search(r"… truncated: not shown here: ([^.]*)\.", md)
    assert note, "a cut plan must say so"
    assert "warnings" in note.group(1) or "unmanaged registrations" in note.group(1)
    assert "errors" not in note.group(1)


def test_without_a_limit_nothing_is_left_out():
    md = render_markdown(_big_plan(3, every="update", unmanaged=1000, cfg_error=True), limit=None)
    assert "truncated" not in md and md.count("kept (see warning)") == 1000


def test_a_small_limit_still_gives_header_and_footer():
    plan = sample_plan()
    md = render_markdown(plan, limit=3000)
    assert len(md) <= 3000
    assert "| ! | blocked: NOT submitted, fix the findings first | 1 |" in md and plan.checksum in md
    assert "… truncated:" in md


def test_a_blocked_employers_folded_findings_are_counted_by_kind_in_both_languages():
    from asrctl.i18n import set_language

    emp = employer(PTN[0], "Bakkerij De Vries B.V.")
    checks = [Check("nmbrs.company", "error", "no such company", "copy the name"),
              Check("nmbrs.dga-name", "warning", "the DGA's name differs", None),
              Check("nmbrs.optional", "note", "an optional call is not Active", None)]
    plan = plan_of({"bakkerij": emp}, [], {"bakkerij": checks})
    assert "<details><summary>1 warning, 1 note</summary>" in render_markdown(plan)
    set_language("nl")  # tests/conftest.py sets English back
    md = render_markdown(plan)
    assert "<details><summary>1 waarschuwing, 1 opmerking</summary>" in md
    assert "| ⚠ waarschuwing | <code>nmbrs.dga-name</code> |" in md and "| ℹ opmerking |" in md
