"""build_status and its renderers: per employer file and unmanaged registration, in the office's words."""

from __future__ import annotations

import json

from asrctl.render.status import render_status
from asrctl.run.status import build_status

from support.plans import PTN, employer, registration, repo


def _report():
    files = {
        "actief": employer(PTN[0], "Actief B.V."),
        "afgewezen": employer(PTN[1], "Afgewezen B.V."),
        "nieuw": employer(PTN[2], "Nieuw B.V."),
        "weg": employer(PTN[3], "Weg B.V.", state="withdrawn"),
    }
    regs = [
        registration(files["actief"], status="active", first_exchange_date="2026-12-01"),
        registration(files["afgewezen"], status="rejected", status_detail="contract RW-2024-00123 is ended",
                     first_exchange_date=None),
        registration(files["weg"], status="in_setup", first_exchange_date=None),
        registration(employer("999999990L01", "Vergeten B.V."), status="submitted"),
        registration(employer("111222333L09", "Oud B.V."), status="withdrawn"),
    ]
    return build_status(repo(files), regs)


def test_rows_per_file_and_unmanaged_registration() -> None:
    report = _report()
    rows = {r.id or r.payroll_tax_number: r for r in report.rows}
    assert list(rows) == ["actief", "afgewezen", "nieuw", "weg", "999999990L01"]  # withdrawn history left out
    assert (rows["actief"].status, rows["actief"].first_exchange_date) == ("active", "2026-12-01")
    assert rows["actief"].status_text == "active since 2026-12-01"
    assert rows["afgewezen"].status_text == "rejected: contract RW-2024-00123 is ended"
    assert rows["nieuw"].status is None and rows["nieuw"].status_word == "not registered"
    assert rows["weg"].note == "the file says withdrawn: apply will withdraw it"
    assert not rows["999999990L01"].managed and rows["999999990L01"].company_name == "Vergeten B.V."
    # Only declared employers are counted by status; the unmanaged (submitted) one apart.
    assert report.summary == {"rejected": 1, "in_setup": 1, "active": 1, "not registered": 1, "unmanaged": 1}


def test_text_is_an_aligned_table_with_a_summary() -> None:
    text = render_status(_report(), "text")
    lines = text.splitlines()
    assert lines[0].split() == ["EMPLOYER", "BEDRIJFSNAAM", "IN", "NMBRS", "LOONHEFFINGENNUMMER", "STATUS", "FIRST",
                                "EXCHANGE", "DETAIL", "NEXT"]
    assert lines[1].split()[:6] == ["actief", "Actief", "B.V.", PTN[0], "active", "2026-12-01"]
    assert lines[1].endswith("nothing: the coupling runs")
    assert "contract RW-2024-00123 is ended" in lines[2] and lines[2].endswith("apply submits it again")
    assert lines[3].split()[:6] == ["nieuw", "Nieuw", "B.V.", PTN[2], "not", "registered"]
    assert lines[3].endswith("merge and apply submit it to a.s.r.")
    assert lines[4].endswith("the file says withdrawn: apply will withdraw it")
    assert lines[5].startswith("(unmanaged)") and "Vergeten B.V." in lines[5]
    # Columns line up: every status starts where the header's STATUS does.
    column = lines[0].index("STATUS")
    assert all(line[column - 2: column] == "  " and line[column] != " " for line in lines[1:6])
    assert lines[-2] == "4 declared employers: 1 rejected, 1 in setup, 1 active, 1 not registered."
    assert lines[-1].startswith("1 registration of this office no employer file declares (not counted above)")


def test_markdown_and_json() -> None:
    report = _report()
    markdown = render_status(report, "markdown")
    assert ("| `afgewezen` | Afgewezen B.V. | " + PTN[1] + " | rejected |  | contract RW-2024-00123 is ended | "
            "correct the file as the reason says and merge: apply submits it again |") in markdown
    assert "| _unmanaged_ | Vergeten B.V. | 999999990L01 | submitted |" in markdown
    data = json.loads(render_status(report, "json"))
    assert data["format_version"] == 1
    assert data["rows"][1] == {
        "id": "afgewezen", "file": "employers/afgewezen.yaml", "payroll_tax_number": PTN[1],
        "company_name": "Afgewezen B.V.", "managed": True, "declared_state": "active", "status": "rejected",
        "status_detail": "contract RW-2024-00123 is ended", "first_exchange_date": None,
        "updated_at": "2025-11-02T09:00:00Z", "version": 3, "note": None,
    }


def test_pipes_in_a_rejection_reason_do_not_break_the_markdown_table() -> None:
    files = {"x": employer(PTN[0])}
    report = build_status(repo(files), [registration(files["x"], status="rejected", status_detail="a | b",
                                                     first_exchange_date=None)])
    row = next(line for line in render_status(report, "markdown").splitlines() if line.startswith("| `x`"))
    assert "| a \\| b |" in row
