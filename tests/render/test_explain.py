"""`asrctl explain` and the operator guide's check reference: one text, every check id, both places."""

from __future__ import annotations

from pathlib import Path

from asrctl.checks import CATALOGUE
from asrctl.render.explain import DOC_BEGIN, DOC_END, EXPLANATIONS, render_markdown, splice_doc

from support.cli import run_cli

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operator-guide.md"
REGENERATE = "regenerate it: .venv/bin/python -m asrctl.render.explain docs/operator-guide.md"


def _explain(where: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(where, *args)
    return result.code, result.stdout, result.stderr


def test_every_check_id_has_an_explanation_and_no_text_is_orphaned() -> None:
    assert sorted(CATALOGUE) == sorted(EXPLANATIONS)
    for check_id, text in EXPLANATIONS.items():
        assert len(text.meaning) > 80 and len(text.fix) > 60, check_id


def test_every_check_id_is_documented_in_the_operator_guide() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for check_id in CATALOGUE:
        assert f"### `{check_id}`" in guide, f"{check_id} missing from docs/operator-guide.md; {REGENERATE}"
    assert splice_doc(guide) == guide, f"docs/operator-guide.md's check reference is out of date; {REGENERATE}"


def test_the_generated_reference_sits_between_its_markers() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    inner = guide[guide.index(DOC_BEGIN) + len(DOC_BEGIN): guide.index(DOC_END)]
    assert inner.strip() == render_markdown().strip()


def test_explain_lists_every_check_with_severity(tmp_path: Path) -> None:
    code, out, _ = _explain(tmp_path, "explain")
    assert code == 0
    for info in CATALOGUE.values():
        line = next(line for line in out.splitlines() if line.startswith(info.id + " "))
        assert info.severity in line and info.summary in line


def test_explain_one_check_says_what_it_means_and_how_to_fix_it(tmp_path: Path) -> None:
    code, out, _ = _explain(tmp_path, "explain", "nmbrs.api-rights")
    assert code == 0
    assert out.startswith("nmbrs.api-rights (error)")
    assert "What it means" in out and "How to fix" in out
    assert "Instellingen > Gebruikers > Template Users" in out and "API-icoon" in out


def test_explain_markdown_is_the_guide_entry(tmp_path: Path) -> None:
    code, out, _ = _explain(tmp_path, "explain", "--format", "markdown", "registry.unmanaged")
    assert code == 0 and out in GUIDE.read_text(encoding="utf-8")


def test_an_unknown_id_suggests_the_nearest(tmp_path: Path) -> None:
    code, _out, err = _explain(tmp_path, "explain", "nmbrs.compnay")
    assert code == 1
    assert "unknown check id 'nmbrs.compnay'" in err and "did you mean nmbrs.company" in err
    assert "Traceback" not in err
