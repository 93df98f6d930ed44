"""`asrctl validate` in Dutch: every line of the bad-input corpus's output is Dutch."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from support.cli import Run, run_cli
from support.dutch import assert_dutch
from support.validate import CORPUS, SHARED_CONFIG

CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
_PROBLEM = re.compile(r"(?P<location>.+?): (?P<severity>fout|waarschuwing): (?P<message>.+)\Z")


def asrctl(*args: str) -> Run:
    """`asrctl ARGS` in the current directory, through the one error handler."""
    return run_cli(Path.cwd(), *args)


def _repo(case: str, tmp_path: Path) -> Path:
    expected = json.loads((CORPUS / case / "expected.json").read_text())
    repo = tmp_path / case
    shutil.copytree(CORPUS / case, repo, ignore=shutil.ignore_patterns("expected.json"))
    if not (repo / "asrctl.yaml").exists() and not expected.get("no_config"):
        shutil.copy(SHARED_CONFIG, repo / "asrctl.yaml")
    return repo


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_is_reported_in_dutch(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_repo(case, tmp_path))
    monkeypatch.setenv("ASRCTL_LANG", "nl")
    run = asrctl("validate")
    assert run.code == 1
    lines = run.stdout.splitlines()
    assert lines, run.output
    for line in lines:
        if line.startswith("    "):
            assert line.startswith("    tip: "), line
            assert_dutch(line.strip(), case)
            continue
        found = _PROBLEM.match(line)
        assert found, f"{case}: not a located problem line: {line!r}"
        assert_dutch(found["message"], case)
    summary = run.stderr.strip().splitlines()[-1]
    assert_dutch(summary, case)


def test_json_stays_english_under_dutch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_repo("frequency-enum", tmp_path))
    dutch = json.loads(asrctl("--lang", "nl", "validate", "--format", "json").stdout)
    english = json.loads(asrctl("--lang", "en", "validate", "--format", "json").stdout)
    assert dutch == english and "must be one of" in dutch[0]["message"]


def test_github_annotations_follow_the_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_repo("frequency-enum", tmp_path))
    out = asrctl("--lang", "nl", "validate", "--format", "github").stdout
    assert "moet een van monthly, four_weekly zijn" in out and "%0Atip: " in out
