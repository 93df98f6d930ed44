"""`asrctl validate` on odd files: huge numbers, symlink loops, odd file names and suffixes, blank and
control-character text. Each gets a located error (or a warning), exit 1, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.cli import run_cli
from support.validate import SHARED_EMPLOYER, make_repo

EMPLOYER = SHARED_EMPLOYER.read_text()


def _problems(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.chdir(repo)
    as_json = run_cli(Path.cwd(), "validate", "--format", "json")
    as_text = run_cli(Path.cwd(), "validate")
    assert as_json.code == as_text.code
    assert "Traceback" not in as_json.output + as_text.output
    return as_json.code, json.loads(as_json.stdout), as_text.stdout


def _one(problems: list[dict[str, Any]], path: str) -> dict[str, Any]:
    mine = [p for p in problems if p["path"] == path]
    assert len(mine) == 1, problems
    return mine[0]


# --- numbers -----------------------------------------------------------------------------------------


def test_an_integer_of_4400_digits_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"big.yaml": EMPLOYER.replace("employee_number: 1", "employee_number: 1" + "0" * 4400)})
    code, problems, _ = _problems(repo, monkeypatch)
    found = _one(problems, "employers/big.yaml")
    assert code == 1 and found["line"] == 12 and found["col"] == 22, found
    assert "4,401 digits" in found["message"] and found["hint"]


def test_a_4000_digit_hex_integer_fails_validate_not_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"hex.yaml": EMPLOYER.replace("employee_number: 1", "employee_number: 0x" + "f" * 4000)})
    code, problems, _ = _problems(repo, monkeypatch)
    found = _one(problems, "employers/hex.yaml")
    assert code == 1 and found["line"] == 12 and "4,000 digits" in found["message"], found
    from support.cli import run_cli

    planned = run_cli(repo, "plan")
    assert planned.code == 1 and "run asrctl validate" in planned.output and "internal error" not in planned.output


@pytest.mark.parametrize(("value", "ok"), [("2147483647", True), ("2147483648", False), ("99999999999999999999", False)])
def test_employee_number_is_at_most_what_nmbrs_stores(value: str, ok: bool, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"n.yaml": EMPLOYER.replace("employee_number: 1", f"employee_number: {value}")})
    code, problems, _ = _problems(repo, monkeypatch)
    if ok:
        assert code == 0 and problems == []
        return
    found = _one(problems, "employers/n.yaml")
    assert code == 1 and found["line"] == 12 and "at most 2147483647" in found["message"], found


# --- files and names -------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_loop_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"ok.yaml": EMPLOYER})
    (repo / "employers" / "loop.yaml").symlink_to("loop.yaml")
    (repo / "employers" / "ping.yaml").symlink_to("pong.yaml")
    (repo / "employers" / "pong.yaml").symlink_to("ping.yaml")
    code, problems, text = _problems(repo, monkeypatch)
    assert code == 1
    for name in ("loop", "ping", "pong"):
        found = _one(problems, f"employers/{name}.yaml")
        assert "symbolic link loop" in found["message"] and found["hint"], found
    assert "employers/loop.yaml: error: symbolic link loop" in text


def test_a_file_name_that_is_not_utf8_is_reported_with_escapes_under_a_strict_locale(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"ok.yaml": EMPLOYER})
    with open(os.path.join(os.fsencode(repo / "employers"), b"caf\xe9.yaml"), "w") as handle:
        handle.write(EMPLOYER.replace("123456782L01", "111222333L01").replace("Bakkerij", "Cafe"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "PYTHONUTF8")}
    env.update(LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8:strict")
    for fmt in ("text", "json", "github"):
        done = subprocess.run([sys.executable, "-m", "asrctl", "validate", "--format", fmt], cwd=repo, env=env,
                              capture_output=True, timeout=60, check=False)
        out = done.stdout.decode("utf-8") + done.stderr.decode("utf-8")  # strict: the output is UTF-8
        assert done.returncode == 1, out
        assert "Traceback" not in out and "internal error" not in out, out
        if fmt == "json":
            out = "".join(p["path"] + p["message"] for p in json.loads(done.stdout))
        assert "employers/caf\\xe9.yaml" in out and "'caf\\xe9.yaml'" in out, out


@pytest.mark.parametrize("name", ["Upper.YAML", "mixed.Yaml", "short.YML", "other.yml"])
def test_every_case_of_yaml_and_yml_is_named_not_skipped_silently(name: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, {"ok.yaml": EMPLOYER, name: EMPLOYER.replace("123456782L01", "111222333L01")})
    code, problems, _ = _problems(repo, monkeypatch)
    found = _one(problems, f"employers/{name}")
    assert code == 0 and found["severity"] == "warning", found
    assert "ignored" in found["message"] and found["hint"] == f"rename it to {name.rsplit('.', 1)[0]}.yaml", found
    named = run_cli(Path.cwd(), "validate", f"employers/{name}")  # named on the command line: the same rule, as an error
    assert named.code == 1 and "employer files end in .yaml" in named.output


# --- blank text and control characters ------------------------------------------------------------------------


@pytest.mark.parametrize(("field_line", "replacement", "line", "words"), [
    ("  company: Bakkerij De Vries B.V.", '  company: "   "', 6, "blank"),
    ("  company: Bakkerij De Vries B.V.", '  company: "\\x1b[2J"', 6, "control character U+001B"),
    ("  - name: J. de Vries", '  - name: "\\0"', 11, "control character U+0000"),
    ("contract_number: RW-2024-00123", 'contract_number: "RW-2024\\u0085"', 1, "control character U+0085"),
    ("  debtor: \"2001\"", '  debtor: "2001\\n"', 5, "control character U+000A"),
    ("  account: kantoor", '  account: "kantoor\\n"', 4, "account"),
    ("payroll_tax_number: 123456782L01", 'payroll_tax_number: "123456782L01\\n"', 2, "loonheffingennummer"),
])
def test_blank_and_control_characters_in_text_are_located_errors(
    field_line: str, replacement: str, line: int, words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert field_line in EMPLOYER
    repo = make_repo(tmp_path, {"odd.yaml": EMPLOYER.replace(field_line, replacement)})
    code, problems, text = _problems(repo, monkeypatch)
    assert code == 1 and all(p["line"] == line and p["hint"] for p in problems), problems
    assert any(words in p["message"] for p in problems), problems
    assert "\x1b" not in text and "\0" not in text


@pytest.mark.parametrize("replacement", ['  name: "  "', '  name: "Kantoor\\x07"', '  name: "\\u202eB.V."'])
def test_config_text_fields_too(replacement: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from support.validate import SHARED_CONFIG

    config = SHARED_CONFIG.read_text().replace("  name: Salarisbureau Test B.V.", replacement)
    repo = make_repo(tmp_path, {"ok.yaml": EMPLOYER}, config=config)
    code, problems, text = _problems(repo, monkeypatch)
    found = _one(problems, "asrctl.yaml")
    assert code == 1 and found["line"] == 2 and found["hint"], found
    assert "\x07" not in text and "\u202e" not in text
