"""The workflows a payroll office copies: valid for GitHub, least privilege, secrets where they belong.

Schema checks run check-jsonschema's vendored schemas with every proxy pointed at a dead
port, so they prove the check works offline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from check_jsonschema.catalog import SCHEMA_CATALOG
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
ACTIONS = sorted((REPO / ".github" / "actions").glob("*/action.y*ml"))
HOOKS = REPO / ".pre-commit-hooks.yaml"
OFFLINE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "no_proxy": ""}

# pre-commit's manifest format (.pre-commit-hooks.yaml), for when check-jsonschema has no builtin for it.
PRE_COMMIT_HOOKS_SCHEMA = """{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "array", "minItems": 1,
  "items": {
    "type": "object",
    "required": ["id", "name", "entry", "language"],
    "additionalProperties": false,
    "properties": {
      "id": {"type": "string", "minLength": 1}, "name": {"type": "string"}, "entry": {"type": "string"},
      "language": {"enum": ["conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang",
                            "haskell", "julia", "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust",
                            "script", "swift", "system", "unsupported", "unsupported_script"]},
      "alias": {"type": "string"}, "files": {"type": "string"}, "exclude": {"type": "string"},
      "types": {"type": "array", "items": {"type": "string"}},
      "types_or": {"type": "array", "items": {"type": "string"}},
      "exclude_types": {"type": "array", "items": {"type": "string"}},
      "additional_dependencies": {"type": "array", "items": {"type": "string"}},
      "args": {"type": "array", "items": {"type": "string"}},
      "always_run": {"type": "boolean"}, "fail_fast": {"type": "boolean"},
      "pass_filenames": {"type": "boolean"}, "description": {"type": "string"},
      "language_version": {"type": "string"}, "log_file": {"type": "string"},
      "minimum_pre_commit_version": {"type": "string"}, "require_serial": {"type": "boolean"},
      "stages": {"type": "array", "items": {"type": "string"}}, "verbose": {"type": "boolean"}
    }
  }
}"""


def check_jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, **OFFLINE}, check=False,
    )


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))  # YAML 1.2: `on` stays a key


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(wf.name, name, job) for wf in WORKFLOWS for name, job in load(wf)["jobs"].items()]


def steps_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def test_the_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"plan.yml", "apply.yml", "drift.yml", "ci.yml", "release.yml"}


def test_workflows_pass_githubs_workflow_schema_offline() -> None:
    result = check_jsonschema("--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr
    actions = check_jsonschema("--builtin-schema", "vendor.github-actions", *map(str, ACTIONS))
    assert actions.returncode == 0, actions.stdout + actions.stderr
    timeouts = check_jsonschema("--builtin-schema", "custom.github-workflows-require-timeout", *map(str, WORKFLOWS))
    assert timeouts.returncode == 0, timeouts.stdout + timeouts.stderr


def test_the_schema_check_does_fail_on_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on:\n  pull_request:\njobs:\n  plan:\n    steps:\n      - run: asrctl plan\n")  # no runs-on
    result = check_jsonschema("--builtin-schema", "vendor.github-workflows", str(broken))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'runs-on' is a required property" in result.stdout


def test_pre_commit_hooks_file_is_valid(tmp_path: Path) -> None:
    if "pre-commit-hooks" in SCHEMA_CATALOG:
        result = check_jsonschema("--builtin-schema", "vendor.pre-commit-hooks", str(HOOKS))
    else:  # this check-jsonschema has none: use pre-commit's manifest format as above
        schema = tmp_path / "pre-commit-hooks.schema.json"
        schema.write_text(PRE_COMMIT_HOOKS_SCHEMA)
        result = check_jsonschema("--schemafile", str(schema), str(HOOKS))
    assert result.returncode == 0, result.stdout + result.stderr
    [hook] = [h for h in load(HOOKS) if h["id"] == "asrctl-validate"]
    assert hook["entry"] == "asrctl validate" and hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for path in ["asrctl.yaml", "employers/bakkerij-de-vries.yaml", "employers/garage.yml"]:
        assert files.search(path), path
    for path in ["docs/asrctl.yaml", "employers/notes.md", "schemas/employer.schema.json", "asrctl.yaml.bak"]:
        assert not files.search(path), path


def test_every_job_asks_only_for_named_permissions() -> None:
    for wf in WORKFLOWS:
        assert load(wf).get("permissions") == {}, f"{wf.name}: top-level permissions must be {{}}"
    for wf, name, job in jobs():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict) and permissions, f"{wf}:{name} needs its own permissions"
        assert set(permissions.values()) <= {"read", "write", "none"}
        writes = {k for k, v in permissions.items() if v == "write"}
        if (wf, name) == ("release.yml", "publish"):  # trusted publishing: the OIDC token, in environment pypi
            assert permissions == {"id-token": "write"} and job["environment"]["name"] == "pypi"
            continue
        assert writes <= {"pull-requests", "issues"}, f"{wf}:{name} writes {writes}"


def test_secrets_only_through_env_and_the_write_token_only_in_production() -> None:
    for wf, name, job in jobs():
        for step in steps_of(job):
            for key in ("run", "with"):
                assert "secrets." not in str(step.get(key, "")), f"{wf}:{name}: secret outside env in {step}"
            # Expressions in scripts invite injection; values reach scripts through env.
            assert "${{" not in str(step.get("run", "")), f"{wf}:{name}: expression inside run: {step['run']}"
        text = str(job)
        if "ASR_REGISTRY_TOKEN_WRITE" in text:
            assert job.get("environment") == "production", f"{wf}:{name} holds the write token"
    plan_text = (REPO / ".github" / "workflows" / "plan.yml").read_text()
    assert "ASR_REGISTRY_TOKEN_READ" in plan_text and "ASR_REGISTRY_TOKEN_WRITE" not in plan_text
    assert "ASR_REGISTRY_TOKEN_WRITE" in (REPO / ".github" / "workflows" / "apply.yml").read_text()


def test_every_checkout_leaves_no_git_credentials() -> None:
    for wf, name, job in jobs():
        for step in steps_of(job):
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert (step.get("with") or {}).get("persist-credentials") is False, f"{wf}:{name}"


def test_pull_request_workflow_validates_plans_comments_and_keeps_the_plan() -> None:
    wf = load(REPO / ".github" / "workflows" / "plan.yml")
    assert "pull_request" in wf["on"]
    runs = "\n".join(str(s.get("run", "")) for _, _, job in [("", "", j) for j in wf["jobs"].values()]
                     for s in steps_of(job))
    assert "asrctl validate --format github" in runs
    assert re.search(r"asrctl plan --format markdown --out plan\.json --detailed-exitcode", runs)
    assert "asrctl github comment --plan plan.json --log-file plan.err" in runs
    uploads = [s for j in wf["jobs"].values() for s in steps_of(j) if "upload-artifact" in str(s.get("uses"))]
    assert uploads and "plan.json" in uploads[0]["with"]["path"] and uploads[0]["with"]["name"] == "asrctl-plan"
    fail = [s for s in steps_of(wf["jobs"]["plan"]) if "exit 1" in str(s.get("run", ""))]
    assert fail and "'2'" in fail[0]["if"], "the job must fail on plan exit 1 but not on 2 (changes)"


def test_the_pull_request_plan_covers_what_it_changes_with_the_base_branchs_endpoints() -> None:
    job = load(REPO / ".github" / "workflows" / "plan.yml")["jobs"]["plan"]
    checkout = next(s for s in steps_of(job) if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be there for git diff
    plan = next(s for s in steps_of(job) if "asrctl plan" in str(s.get("run", "")))
    assert '--changed-since "$BASE_SHA"' in plan["run"] and plan["env"]["BASE_SHA"].strip() == (
        "${{ github.event.pull_request.base.sha }}")
    base = next(s for s in steps_of(job) if "git show" in str(s.get("run", "")))
    assert '"$BASE_SHA:asrctl.yaml"' in base["run"] and '--endpoints-from "$RUNNER_TEMP/base-asrctl.yaml"' in plan["run"]
    runs = [str(s.get("run", "")) for s in steps_of(job)]
    assert runs.index(base["run"]) < runs.index(plan["run"])


def test_every_job_that_plans_or_applies_gets_the_nmbrs_tokens_in_one_step() -> None:
    for wf, name, job in jobs():
        runs = [str(s.get("run", "")) for s in steps_of(job)]
        uses_tokens = [i for i, r in enumerate(runs) if re.search(r"asrctl (plan|apply)\b", r)]
        if not uses_tokens:
            continue
        export = [i for i, r in enumerate(runs) if "asrctl github export-tokens" in r]
        assert export and export[0] < uses_tokens[0], f"{wf}:{name}"
        step = steps_of(job)[export[0]]
        assert step["env"] == {"ASRCTL_SECRETS": "${{ toJSON(secrets) }}"}, f"{wf}:{name}"
        assert "NMBRS_TOKEN" not in str(job), f"{wf}:{name}: account tokens come from the convention"


def test_apply_waits_for_approval_after_the_plan_is_visible() -> None:
    wf = load(REPO / ".github" / "workflows" / "apply.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    plan, apply = wf["jobs"]["plan"], wf["jobs"]["apply"]
    # 1. plan and verify: read token, no environment, the summary and the artifact.
    assert "environment" not in plan and "ASR_REGISTRY_TOKEN_WRITE" not in str(plan)
    plan_runs = [str(s.get("run", "")) for s in steps_of(plan)]
    planned = next(i for i, r in enumerate(plan_runs) if "asrctl plan" in r)
    verify = next(i for i, r in enumerate(plan_runs) if "asrctl github verify-plan" in r)
    assert planned < verify and "GITHUB_STEP_SUMMARY" in plan_runs[planned]
    assert '--changed-since "$BEFORE"' in plan_runs[planned]
    assert "steps.reviewed.outputs.checksum" in plan["outputs"]["checksum"]
    upload = next(s for s in steps_of(plan) if "upload-artifact" in str(s.get("uses")))
    # 2. apply: needs the plan, in production, write token, the uploaded plan and its checksum.
    assert apply["needs"] == "plan" and "needs.plan.outputs.checksum" in apply["if"]
    assert apply["environment"] == "production"
    assert apply["concurrency"]["cancel-in-progress"] is False and apply["concurrency"]["group"]
    download = next(s for s in steps_of(apply) if "download-artifact" in str(s.get("uses")))
    assert download["with"]["name"] == upload["with"]["name"]
    step = next(s for s in steps_of(apply) if "asrctl apply" in str(s.get("run", "")))
    assert '--checksum "$CHECKSUM"' in step["run"] and "--auto-approve" in step["run"] and "plan.json" in step["run"]
    assert step["env"]["CHECKSUM"] == "${{ needs.plan.outputs.checksum }}"
    assert step["env"]["ASR_REGISTRY_TOKEN"] == "${{ secrets.ASR_REGISTRY_TOKEN_WRITE }}"
    assert not any("asrctl plan" in str(s.get("run", "")) for s in steps_of(apply))  # applies the artifact only


def test_nightly_drift_reports_through_the_drift_issue() -> None:
    wf = load(REPO / ".github" / "workflows" / "drift.yml")
    assert wf["on"]["schedule"][0]["cron"]
    runs = "\n".join(str(s.get("run", "")) for s in steps_of(wf["jobs"]["drift"]))
    assert "--detailed-exitcode" in runs and 'asrctl github drift --body-file plan.md --plan plan.json --exit-code "$EXITCODE"' in runs
    assert "asrctl github announce --plan plan.json" in runs


def test_ci_runs_the_readme_test_command() -> None:
    wf = load(REPO / ".github" / "workflows" / "ci.yml")
    assert any(str(s.get("run", "")).strip() == "make test" for j in wf["jobs"].values() for s in steps_of(j))


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.name)
def test_every_script_is_valid_bash(path: Path) -> None:
    data = load(path)
    job_list = list(data["jobs"].values()) if "jobs" in data else [{"steps": data["runs"]["steps"]}]
    for job in job_list:
        for step in steps_of(job):
            if "run" in step:
                result = subprocess.run(
                    ["bash", "-n"], input=step["run"], capture_output=True, text=True, timeout=10, check=False
                )
                assert result.returncode == 0, f"{path.name}: {result.stderr}\n{step['run']}"
