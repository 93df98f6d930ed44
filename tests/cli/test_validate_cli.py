"""`asrctl validate`: the bad-input corpus, output formats, exit codes, PATHS, and what it imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.cli import run_cli
from support.validate import CORPUS, REPO_ROOT, SHARED_CONFIG, SHARED_EMPLOYER, copy_example_repo, make_repo

CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
EMPLOYER = SHARED_EMPLOYER.read_text()


def _matches(problem: dict[str, Any], want: dict[str, Any]) -> bool:
    return (
        problem["path"] == want["path"]
        and problem["line"] == want["line"]
        and problem["severity"] == "error"
        and want["message"] in problem["message"]
        and want.get("hint", "") in (problem["hint"] or "")
    )


def _assert_reports(repo: Path, monkeypatch: pytest.MonkeyPatch, expected: list[dict[str, Any]],
                     not_in_output: tuple[str, ...] = ()) -> None:
    """Exit 1, each expected problem located in JSON and in text, no traceback, no echoed secret."""
    monkeypatch.chdir(repo)
    as_json = run_cli(Path.cwd(), "validate", "--format", "json")
    as_text = run_cli(Path.cwd(), "validate")
    assert as_json.code == 1 and as_text.code == 1, as_text.output
    problems = json.loads(as_json.stdout)
    for want in expected:
        assert any(_matches(p, want) for p in problems), f"{want} not in {json.dumps(problems, indent=1)}"
        location = f"{want['path']}:{want['line']}:" if want["line"] else f"{want['path']}: error:"
        assert any(line.startswith(location) and want["message"] in line for line in as_text.stdout.splitlines())
    for run in (as_json, as_text):
        assert "Traceback" not in run.output
        for secret in not_in_output:
            assert secret not in run.output


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_is_reported_at_its_line(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.loads((CORPUS / case / "expected.json").read_text())
    repo = tmp_path / case
    shutil.copytree(CORPUS / case, repo, ignore=shutil.ignore_patterns("expected.json"))
    if not (repo / "asrctl.yaml").exists() and not expected.get("no_config"):
        shutil.copy(SHARED_CONFIG, repo / "asrctl.yaml")
    _assert_reports(repo, monkeypatch, expected["problems"], tuple(expected.get("not_in_output", ())))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


# --- cases git cannot hold as-is: generated ----------------------------------------------------------


def test_non_utf8_bytes_are_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    text = EMPLOYER.replace("Bakkerij De Vries B.V.", "Café De Vries B.V.")
    (repo / "employers").mkdir()
    (repo / "employers" / "cafe.yaml").write_bytes(text.encode("cp1252"))
    _assert_reports(repo, monkeypatch, [{"path": "employers/cafe.yaml", "line": 6, "message": "not UTF-8",
                                         "hint": "save the file as UTF-8"}])


def test_utf8_bom_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    (repo / "employers").mkdir()
    (repo / "employers" / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + EMPLOYER.encode())
    monkeypatch.chdir(repo)
    assert run_cli(Path.cwd(), "validate").code == 0


def test_file_over_one_mib_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"big.yaml": EMPLOYER + "# padding\n" * 110_000})
    assert (repo / "employers" / "big.yaml").stat().st_size > 1024 * 1024
    _assert_reports(repo, monkeypatch, [{"path": "employers/big.yaml", "line": 0, "message": "limited to 1 MiB"}])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_out_of_the_repo_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere" / "secret.yaml"
    outside.parent.mkdir()
    outside.write_text(EMPLOYER)
    repo = make_repo(tmp_path / "repo", {"ok.yaml": EMPLOYER})
    (repo / "employers" / "linked.yaml").symlink_to(outside)
    (repo / "employers" / "inside.yaml").symlink_to(repo / "employers" / "ok.yaml")  # stays inside: fine
    _assert_reports(repo, monkeypatch, [{"path": "employers/linked.yaml", "line": 0,
                                         "message": "symbolic link to a file outside the repository"}])
    output = run_cli(Path.cwd(), "validate").stdout
    assert "inside.yaml: error: symbolic link" not in output


def test_control_character_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"ctrl.yaml": EMPLOYER.replace("J. de Vries", "J. de\x08 Vries")})
    _assert_reports(repo, monkeypatch, [{"path": "employers/ctrl.yaml", "line": 11, "message": "control character"}])


# --- the examples, formats, exit codes ---------------------------------------------------------------------


def test_the_projects_own_examples_are_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(copy_example_repo(tmp_path))
    run = run_cli(Path.cwd(), "validate")
    assert run.code == 0, run.output
    assert run.stdout == ""
    assert "8 files checked: no problems" in run.stderr


def test_examples_cover_both_models_dga_and_frequencies() -> None:
    import yaml

    config = yaml.safe_load((REPO_ROOT / "asrctl.yaml").read_text())
    models = {name: a["model"] for name, a in config["accounts"].items()}
    employers = [yaml.safe_load(p.read_text()) for p in sorted((REPO_ROOT / "employers").glob("*.yaml"))]
    assert len(employers) >= 6
    assert {models[e["nmbrs"]["account"]] for e in employers} == {"overarching", "per_debtor"}
    assert {bool(e["dga"]) for e in employers} == {True, False}
    assert {e["payroll"]["frequency"] for e in employers} == {"monthly", "four_weekly"}
    for path in [REPO_ROOT / "asrctl.yaml", *(REPO_ROOT / "employers").glob("*.yaml")]:
        assert path.read_text().startswith("# yaml-language-server: $schema=")


def test_all_problems_of_all_files_in_one_run_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {
        "b.yaml": EMPLOYER.replace("monthly", "weekly").replace("123456782L01", "814573204L01"),
        "a.yaml": EMPLOYER.replace("employee_number: 1", "employee_number: 0").replace("kantoor", "kantor"),
    })
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate", "--format", "json")
    problems = json.loads(run.stdout)
    located = [(p["path"], p["line"]) for p in problems]
    # schema and semantic problems of a file together, sorted by path and line:
    assert located == [("employers/a.yaml", 4), ("employers/a.yaml", 12), ("employers/b.yaml", 8)]
    assert [p["code"] for p in problems] == ["semantic.unknown-account", "schema.range", "schema.enum"]
    assert run.code == 1


def test_text_output_has_location_severity_and_indented_hint(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("thirteenth_month", "thirteenth_mont")})
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate")
    lines = run.stdout.splitlines()
    index = lines.index("employers/bakkerij.yaml:9:3: error: unknown field 'thirteenth_mont' in payroll")
    assert lines[index + 1] == "    hint: did you mean 'thirteenth_month'?"
    assert "2 errors" in run.stderr


def test_github_format_annotates_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("monthly", "weekly")})
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate", "--format", "github")
    assert run.code == 1
    assert run.stdout == (
        "::error file=employers/bakkerij.yaml,line=8,col=14,title=asrctl validate (schema.enum)::"
        "payroll.frequency must be one of monthly, four_weekly, not the text 'weekly'"
        "%0Ahint: did you mean 'four_weekly'?\n"
    )


def test_json_format_is_a_list_of_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("123456782L01", "123456789L01")})
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate", "--format", "json")
    assert json.loads(run.stdout) == [{
        "path": "employers/bakkerij.yaml", "line": 2, "col": 21, "severity": "error",
        "message": "loonheffingennummer 123456789L01 fails the 11-test: its first 9 digits are not a valid RSIN/BSN",
        "hint": "check for a typo or swapped digits; copy it from the Belastingdienst's letter or the company's "
                "settings in Nmbrs",
        "code": "semantic.eleven-test",
    }]
    assert run.stderr == ""


def test_warnings_alone_exit_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = SHARED_CONFIG.read_text().replace('    debtor: "1042"\n', '    debtor: "1042"\n    tag: a.s.r.\n')
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER}, config=config)
    (repo / "employers" / "old.yml").write_text(EMPLOYER)
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate")
    assert run.code == 0, run.output
    assert "asrctl.yaml:22:10: warning: tag is only used by overarching accounts" in run.stdout
    assert "employers/old.yml: warning: ignored: employer files end in .yaml" in run.stdout


# --- PATHS and --config ----------------------------------------------------------------------------------


def test_paths_limit_the_report_but_not_the_cross_file_checks(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    other = EMPLOYER.replace("Bakkerij De Vries B.V.", "Bakkerij Jansen B.V.")
    broken = EMPLOYER.replace("monthly", "weekly").replace("123456782L01", "814573204L01")
    repo = make_repo(tmp_path, {"existing.yaml": EMPLOYER, "new.yaml": other, "broken.yaml": broken})
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate", "--format", "json", "employers/new.yaml")
    problems = json.loads(run.stdout)
    assert [(p["path"], p["line"], p["code"]) for p in problems] == [
        ("employers/new.yaml", 2, "semantic.duplicate-payroll-tax-number")
    ]
    assert "employers/existing.yaml:2" in problems[0]["message"]


def test_paths_may_be_directories_and_missing_paths_are_reported(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER})
    extra = repo / "import"
    extra.mkdir()
    (extra / "jansen.yaml").write_text(EMPLOYER.replace("Bakkerij De Vries", "Jansen").replace(
        "123456782L01", "814573204L01"))
    monkeypatch.chdir(repo)
    assert run_cli(Path.cwd(), "validate", "import").code == 0
    assert run_cli(Path.cwd(), "validate", ".").code == 0  # the repo root: its employers/
    run = run_cli(Path.cwd(), "validate", "employers/nope.yaml")
    assert run.code == 1
    assert "employers/nope.yaml: error: no such file or directory" in run.stdout


def test_asrctl_yaml_alone_checks_every_employer_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("kantoor", "kantor")})
    monkeypatch.chdir(repo)
    run = run_cli(Path.cwd(), "validate", "asrctl.yaml")  # as a pre-commit hook passes it when only asrctl.yaml changed
    assert run.code == 1
    assert "employers/bakkerij.yaml:4:12: error: account 'kantor' is not declared in asrctl.yaml" in run.stdout


def test_config_option_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {"bakkerij.yaml": EMPLOYER.replace("monthly", "weekly")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = run_cli(Path.cwd(), "--config", str(repo / "asrctl.yaml"), "validate")
    assert run.code == 1
    assert f"{repo / 'employers' / 'bakkerij.yaml'}:8:14: error: payroll.frequency" in run.stdout


# --- what validate imports ---------------------------------------------------------------------------------

_PROBE = """
import sys
from asrctl.cli import cli
from asrctl.cli.errors import run_guarded
code = run_guarded(cli, ["--config", sys.argv[1], "validate"])
print(code, sorted({m.split(".")[0] for m in sys.modules} & {"zeep", "lxml", "requests", "jsonschema"}))
"""


@pytest.mark.parametrize("valid", [True, False])
def test_validate_never_imports_zeep_lxml_or_requests(valid: bool, tmp_path: Path) -> None:
    employer = EMPLOYER if valid else EMPLOYER.replace("monthly", "weekly")
    repo = make_repo(tmp_path, {"bakkerij.yaml": employer})
    done = subprocess.run([sys.executable, "-c", _PROBE, str(repo / "asrctl.yaml")], capture_output=True,
                          text=True, timeout=60, check=False)
    code, modules = done.stdout.splitlines()[-1].split(" ", 1)
    if valid:  # a valid repo does not even pay for jsonschema
        assert (code, modules) == ("0", "[]"), done.stdout + done.stderr
    else:
        assert (code, modules) == ("1", "['jsonschema']"), done.stdout + done.stderr
