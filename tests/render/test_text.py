"""The terminal rendering of a plan: terraform-like lines a payroll employee can act on."""

from __future__ import annotations

from asrctl.render import render_plan
from asrctl.render.text import render_text

from support.plans import PTN, employer, plan_of, registration, sample_plan


def test_every_action_reads_like_terraform():
    text = render_text(sample_plan())
    lines = text.splitlines()
    for expected in [
        "+ nieuw-bedrijf: will be submitted to a.s.r. (new registration)",
        "~ garage-jansen: will be changed at a.s.r.",
        "~ terug: will be submitted to a.s.r. again (the registration is withdrawn)",
        "- weg: will be withdrawn (afgemeld) at a.s.r.",
        "! kapperij-knip: blocked: fix the findings below before merging (would be submitted to a.s.r.)",
        '    ~ payroll.frequency: "monthly" → "four_weekly"',
        "    ~ nmbrs.token: (sensitive: token changed)",
        '    + nmbrs.company_name: "Nieuw Bedrijf B.V."',
        "    + nmbrs.token: (sensitive)",
        "  ? 999999990L01 \"Vergeten B.V.\" (active): kept, see the warning above",
        "Plan: 1 to create, 2 to change, 1 to withdraw, 1 blocked; 2 warnings.",
    ]:
        assert expected in lines, expected
    assert "    ✗ nmbrs.company: no company named 'Kapperij Knip B.V.' under debtor 1042; found 'Kapperij Knip BV' — differs in dots" in lines
    assert "      hint: copy the company name from Nmbrs exactly (Bedrijven > Bedrijfsgegevens)" in lines
    assert "    ⚠ nmbrs.dga-name: DGA 1 is 'J. de Vries' here but 'Jan de Vries' in Nmbrs" in lines
    assert any("a.s.r. must set up the coupling again" in line for line in lines)
    assert lines[-1] == f"Checksum: {sample_plan().checksum}"


def test_blocked_findings_come_before_the_pending_changes_and_blocked_comes_first():
    lines = render_text(sample_plan()).splitlines()
    headers = [line for line in lines if line[:2] in ("+ ", "~ ", "- ", "! ", "= ")]
    assert headers[0].startswith("! kapperij-knip")
    start = lines.index(headers[0])
    assert lines[start + 2].startswith("    ✗ nmbrs.company")
    assert lines.index("    pending once the findings are fixed:", start) > start + 2


def test_unchanged_employers_are_counted_not_listed():
    emp = employer(PTN[0])
    text = render_text(plan_of({"stil": emp, "nieuw": employer(PTN[1], "Nieuw B.V.")}, [registration(emp)]))
    assert "1 employer unchanged." in text.splitlines()
    assert "stil" not in text


def test_no_changes():
    emp = employer(PTN[0])
    lines = render_text(plan_of({"stil": emp}, [registration(emp)])).splitlines()
    assert "No changes: the registry matches the employer files." in lines
    assert not any(line.startswith("Plan:") for line in lines)


def test_targets_are_mentioned():
    text = render_text(plan_of({"a": employer(PTN[0]), "b": employer(PTN[1], "B")}, targets={"a"}))
    assert "Only 1 targeted employer planned (--target a); registrations no employer file declares were not looked for." in text


def test_colour_only_when_asked():
    plan = sample_plan()
    assert "\x1b[" not in render_text(plan, color=False)
    coloured = render_plan(plan, "text", color=True)
    assert "\x1b[32m+ nieuw-bedrijf\x1b[0m" in coloured
    assert "\x1b[" in coloured and coloured != render_text(plan)


def test_a_warning_shared_by_several_employers_is_said_once():
    from asrctl.checks import Check
    from asrctl.render.markdown import render_markdown

    shared = Check("nmbrs.unverified", "warning", "DebtorService.List_GetAll is not Active for account 'kantoor'", "optional")
    own = Check("nmbrs.dga-name", "warning", "DGA 1 is 'P. Groen' here but 'Piet Groen' in Nmbrs", "use the Nmbrs name")
    employers = {f"bedrijf-{i}": employer(PTN[i], company=f"Bedrijf {i} B.V.") for i in range(3)}
    checks = {"bedrijf-0": [shared], "bedrijf-1": [shared, own], "bedrijf-2": [shared]}
    plan = plan_of(employers, checks=checks)
    text = render_text(plan)
    assert text.count(shared.message) == 1
    assert "(on 3 employers: bedrijf-0, bedrijf-1, bedrijf-2)" in text
    assert text.count(own.message) == 1  # a finding of one employer stays in its section
    assert render_markdown(plan).count(shared.message) == 1
    # The plan JSON keeps every finding on every employer.
    assert all(shared in e.checks for e in plan.employers)
