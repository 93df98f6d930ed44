"""`asrctl plan` end to end on a copy of the repo's own sandbox demo (README's main command).

The real zeep and registry clients talk over loopback HTTP to the simulators the embedded
default starts in-process. Golden files pin what a reviewer reads; set ASRCTL_UPDATE_GOLDEN=1
to rewrite them after an intended change (and read the diff).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
SANDBOX_TOKENS = [p.read_text().strip() for p in (ROOT / "sandbox" / "secrets").glob("*.token")]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    repo = tmp_path / "office"
    repo.mkdir()
    shutil.copy(ROOT / "asrctl.yaml", repo / "asrctl.yaml")
    for folder in ("employers", "sandbox", "schemas"):
        shutil.copytree(ROOT / folder, repo / folder)
    return repo


def normalise(text: str) -> str:
    text = re.sub(r'"(created_at|updated_at)": "[^"]+"', r'"\1": "<time>"', text)
    text = re.sub(r'"asrctl_version": "[^"]+"', '"asrctl_version": "<version>"', text)
    text = re.sub(r'"(nmbrs_calls|registry_calls|seconds)": [0-9.]+', r'"\1": 0', text)
    return text


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ASRCTL_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"golden file {path} missing: run with ASRCTL_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_demo_plan_text_markdown_json_golden(demo: Path) -> None:
    text = run_cli(demo, "--no-color", "plan", process=True)
    markdown = run_cli(demo, "plan", "--format", "markdown", process=True)
    as_json = run_cli(demo, "plan", "--format", "json", "--out", "plan.json", process=True)
    for run in (text, markdown, as_json):
        assert run.code == 1, run.output  # blocked employers make the PR go red
        assert "Traceback" not in run.output
    check_golden("sandbox-plan.txt", text.stdout)
    check_golden("sandbox-plan.md", markdown.stdout)
    check_golden("sandbox-plan.json", normalise(as_json.stdout))
    # The three formats describe one plan: same checksum everywhere.
    plan = json.loads(as_json.stdout)
    assert plan["checksum"] in text.stdout and plan["checksum"] in markdown.stdout
    assert f"Plan checksum: {plan['checksum']}" in as_json.stderr
    assert json.loads((demo / "plan.json").read_text()) == plan


def test_demo_plan_shows_every_kind_of_finding(demo: Path) -> None:
    plan = json.loads(run_cli(demo, "plan", "--format", "json", process=True).stdout)
    by_id = {e["id"]: e for e in plan["employers"]}
    actions = {e["action"] for e in plan["employers"]}
    assert {"create", "update", "blocked"} <= actions
    assert by_id["bakkerij-de-vries"]["action"] == "update"
    assert [c["path"] for c in by_id["bakkerij-de-vries"]["changes"]] == ["payroll.thirteenth_month"]
    ids = {c["id"] for e in plan["employers"] for c in e["checks"]}
    assert {"nmbrs.company", "nmbrs.api-rights", "nmbrs.frequency", "nmbrs.dga-name"} <= ids
    assert "differs in punctuation" in str(by_id["installatiebedrijf-jansen"]["checks"])
    assert plan["unmanaged"][0]["payroll_tax_number"] == "847002329L01"


def test_exit_codes_and_target(demo: Path) -> None:
    # A clean employer alone: changes → 2 with --detailed-exitcode, 0 without.
    assert run_cli(demo, "plan", "--target", "de-vries-banket", "--detailed-exitcode", process=True).code == 2
    only = run_cli(demo, "plan", "--target", "de-vries-banket", "--format", "json", process=True)
    assert only.code == 0
    assert [e["id"] for e in json.loads(only.stdout)["employers"]] == ["de-vries-banket"]
    # A blocked one: 1, also with --detailed-exitcode.
    assert run_cli(demo, "plan", "--target", "tandartspraktijk-smit", "--detailed-exitcode", process=True).code == 1
    # An unknown target: a plain error naming the closest id, no network needed.
    unknown = run_cli(demo, "plan", "--target", "de-vries-banker", process=True)
    assert unknown.code == 1 and "de-vries-banker" in unknown.stderr and "Traceback" not in unknown.output


def test_plan_output_and_file_hold_no_token(demo: Path) -> None:
    run = run_cli(demo, "--debug", "plan", "--format", "json", "--out", "plan.json", process=True)
    written = (demo / "plan.json").read_text()
    for token in SANDBOX_TOKENS:
        assert token not in run.output
        assert token not in written
    assert "sha256:" in written  # fingerprints only
