"""A plan file cannot be forged into a write: apply re-derives every action from the declarations and the
observations the file records, and refuses a file whose actions do not follow from them — also when the
forger recomputed the checksum. Each refusal is exit 1, a plain message naming the employer, no write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from asrctl.plan.make import Plan, plan_checksum

from support.cli import run_cli
from support.repo import PTN, held, make_repo


def _plan(repo: Path) -> dict[str, Any]:
    made = run_cli(repo, "plan", "--out", "plan.json")
    assert made.code in (0, 1, 2), made.output
    return json.loads((repo / "plan.json").read_text())  # type: ignore[no-any-return]


def _forge(repo: Path, data: dict[str, Any]) -> None:
    """Write the edited plan with a checksum that matches its content, as a forger would."""
    data["checksum"] = ""
    data["checksum"] = plan_checksum(Plan.model_validate(data))
    (repo / "plan.json").write_text(json.dumps(data))
    Plan.from_json((repo / "plan.json").read_bytes())  # the self-hash holds: only the derivation can tell


def _employer(data: dict[str, Any], employer_id: str) -> dict[str, Any]:
    return next(e for e in data["employers"] if e["id"] == employer_id)


def _refused(repo: Path, *args: str) -> str:
    done = run_cli(repo, "apply", "plan.json", "--auto-approve", *args)
    assert done.code == 1, done.output
    assert "Traceback" not in done.output and "internal error" not in done.output
    assert "does not follow from the declarations" in done.output, done.output
    return done.output


def test_a_blocked_employer_forged_into_a_create_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    data = _plan(repo)
    gamma = _employer(data, "gamma")
    assert gamma["action"] == "blocked" and gamma["checks"][0]["id"] == "nmbrs.frequency"
    gamma.update(action="create", status_after="submitted")
    data["summary"].update(create=data["summary"]["create"] + 1, blocked=0)
    _forge(repo, data)
    out = _refused(repo)
    assert "gamma" in out and "create" in out and "blocked" in out
    assert held(repo) == {}  # nothing was written, not even the honest creates


def test_a_blocked_employer_with_its_error_relabelled_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    data = _plan(repo)
    gamma = _employer(data, "gamma")
    gamma.update(action="create", status_after="submitted")
    gamma["checks"][0]["severity"] = "warning"  # the finding kept, its verdict changed
    _forge(repo, data)
    assert "gamma" in _refused(repo)
    assert held(repo) == {}


def test_a_forged_withdrawal_of_an_active_registration_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert run_cli(repo, "apply", "--auto-approve").code == 1  # alpha, beta, delta created; gamma blocked
    data = _plan(repo)
    alpha = _employer(data, "alpha")
    assert alpha["action"] == "noop"
    alpha.update(action="withdraw", intended_action="withdraw", status_after="withdrawn")
    data["summary"].update(withdraw=1, noop=data["summary"]["noop"] - 1)
    _forge(repo, data)
    out = _refused(repo, "--allow-withdraw")
    assert "alpha" in out and "withdraw" in out
    assert held(repo)[PTN["alpha"]].status == "submitted"


def test_a_forged_unmanaged_withdrawal_of_a_declared_employer_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert run_cli(repo, "apply", "--auto-approve").code == 1
    data = _plan(repo)
    stored = held(repo)[PTN["beta"]]
    data["unmanaged"].append({"payroll_tax_number": PTN["beta"], "status": "submitted", "status_detail": None,
                              "registry_version": stored.version, "company_name": "Beta B.V.",
                              "contract_number": "RW-2026-0001", "action": "withdraw"})
    _forge(repo, data)
    out = _refused(repo, "--allow-withdraw")
    assert PTN["beta"] in out
    assert held(repo)[PTN["beta"]].status == "submitted"


def test_a_forged_body_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    data = _plan(repo)
    alpha = _employer(data, "alpha")
    assert alpha["action"] == "create"
    change = next(c for c in alpha["changes"] if c["path"] == "nmbrs.company_name")
    change["after"] = "Andere B.V."
    alpha["desired_digest"] = "sha256:" + "0" * 64
    _forge(repo, data)
    out = _refused(repo)
    assert "alpha" in out
    assert held(repo) == {}


def test_a_forged_observation_does_not_turn_a_create_into_an_update(tmp_path: Path) -> None:
    """If-Match from a forged version: the derivation holds, the registry's 412 does not let it through."""
    repo = make_repo(tmp_path)
    data = _plan(repo)
    alpha = _employer(data, "alpha")
    alpha.update(action="update", intended_action="update", registry_version=7, status="active",
                 status_after="active")
    _forge(repo, data)
    assert "alpha" in _refused(repo)
    assert held(repo) == {}


def test_an_honest_plan_file_still_applies(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    _plan(repo)
    done = run_cli(repo, "apply", "plan.json", "--auto-approve")
    assert done.code == 1 and "3 created" in done.output, done.output  # gamma blocked: exit 1, as ever
    assert sorted(held(repo)) == sorted([PTN["alpha"], PTN["beta"], PTN["delta"]])


def test_a_plan_file_without_observations_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    data = _plan(repo)
    del data["observed"]
    _forge(repo, data)
    assert "records no observations" in _refused(repo)
    assert held(repo) == {}
