"""The apply engine against the reference registry over loopback HTTP (real RegistryClient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.declare.model import Policy
from asrctl.errors import SafetyError, StalePlanError
from asrctl.plan.desired import write_body
from asrctl.plan.make import Stats, idempotency_key, make_plan
from asrctl.run.apply import (
    accounts_to_resolve,
    apply_plan,
    check_safety,
    normalise_checksum,
    planned_writes,
    summarise,
    verify_checksum,
    verify_current,
)
from asrctl.secrets import Secret

from support.apply import ASR, OTHER, READ, client, plan_against, registry, run
from support.plans import (
    COMPANY_ERROR,
    FINGERPRINTS,
    PTN,
    TOKENS,
    config,
    employer,
    plan_of,
    registration,
    repo,
)


def _employers() -> dict:
    return {
        "bakkerij": employer(PTN[0], "Bakkerij De Vries B.V."),
        "garage": employer(PTN[1], "Garage Jansen"),
        "kapper": employer(PTN[2], "Kapperij Knip B.V."),
    }


def test_creates_then_converges_and_a_rerun_replays(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg:
        plan = plan_against(reg, employers)
        assert plan.summary.create == 3
        report = run(plan, employers, reg)
        assert [(r.subject, r.outcome, r.replayed) for r in report.results] == [
            ("bakkerij", "created", False), ("garage", "created", False), ("kapper", "created", False)]
        assert not report.failed
        assert summarise(report) == "Apply complete: 3 created, 0 updated, 0 withdrawn."
        held = {r.payroll_tax_number: r for r in reg.list()}
        assert {n: (r.version, r.status) for n, r in held.items()} == {
            PTN[0]: (1, "submitted"), PTN[1]: (1, "submitted"), PTN[2]: (1, "submitted")}
        assert held[PTN[0]].token_fingerprint == FINGERPRINTS["kantoor"]

        # The same plan again (a re-run after a crash): every write is replayed, nothing submitted twice.
        writes_before = server.calls.get("PUT")
        again = run(plan, employers, reg)
        assert [(r.outcome, r.replayed) for r in again.results] == [("created", True)] * 3
        assert "already carried out for this plan" in again.results[0].message
        assert {r.payroll_tax_number: r.version for r in reg.list()} == {PTN[0]: 1, PTN[1]: 1, PTN[2]: 1}
        assert server.calls.get("PUT") == writes_before + 3

        # A fresh plan has nothing left to do.
        after = plan_against(reg, employers)
        assert not after.has_changes
        assert [e.action for e in after.employers] == ["noop"] * 3


def test_update_sends_if_match_and_no_token_unless_it_changed(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg:
        run(plan_against(reg, employers), employers, reg)
        sent: list[tuple[str, dict | None, dict]] = []
        reg.session.hooks["response"].append(
            lambda r, *a, **k: sent.append((r.request.method, json.loads(r.request.body) if r.request.body else None,
                                            dict(r.request.headers))))
        changed = dict(employers)
        changed["garage"] = employer(PTN[1], "Garage Jansen", payroll={"frequency": "four_weekly",
                                                                       "thirteenth_month": True})
        plan = plan_against(reg, changed)
        assert [e.action for e in plan.employers] == ["noop", "update", "noop"]
        report = run(plan, changed, reg)
        (result,) = report.results
        assert (result.subject, result.outcome) == ("garage", "updated")
        assert result.message.startswith("version 1 → 2")
        ((_method, body, headers),) = [s for s in sent if s[0] == "PUT"]
        assert headers["If-Match"] == '"1"'
        assert headers["Idempotency-Key"] == idempotency_key(plan.checksum, "garage", "update")
        assert body is not None and "token" not in body["nmbrs"]  # fingerprint unchanged: the stored token is kept
        assert body["payroll"]["frequency"] == "four_weekly"
        assert all(TOKENS["kantoor"] not in json.dumps(s[1]) for s in sent if s[1] is not None)


def test_a_new_token_is_sent_when_its_fingerprint_changed(tmp_path: Path) -> None:
    employers = {"bakkerij": employer(PTN[0])}
    with registry(tmp_path) as server, client(server) as reg:
        run(plan_against(reg, employers), employers, reg)
        rotated = "TOKEN-kantoor-rotated-000111222"
        fps = {**FINGERPRINTS, "kantoor": Secret(rotated).fingerprint}
        plan = make_plan(repo(employers), {"bakkerij": []}, reg.list(), fps, created_at="x", stats=Stats())
        (e,) = plan.employers
        assert e.action == "update" and e.needs_token
        report = apply_plan(plan, repo(employers), reg, {"kantoor": Secret(rotated)})
        assert report.results[0].outcome == "updated"
        (stored,) = reg.list()
        assert stored.token_fingerprint == fps["kantoor"]


def test_stale_plan_is_refused_by_the_registry_never_a_lost_update(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg, client(server, ASR) as asr:
        run(plan_against(reg, employers), employers, reg)
        changed = {k: employer(v.payroll_tax_number, v.nmbrs.company, contract_number="RW-2025-9") for k, v in
                   employers.items()}
        plan = plan_against(reg, changed)
        assert plan.summary.update == 3
        # a.s.r. moves one registration on between plan and apply: its version is no longer the plan's.
        asr.set_status(PTN[1], status="in_setup", version=1, idempotency_key="t-asr-1")
        report = run(plan, changed, reg)
        outcomes = {r.subject: (r.outcome, r.message) for r in report.results}
        assert outcomes["bakkerij"][0] == outcomes["kapper"][0] == "updated"
        assert outcomes["garage"] == (
            "failed", "stale plan: the registration changed since the plan was made; run plan again")
        assert report.failed and "1 failed" in summarise(report)
        held = {r.payroll_tax_number: r for r in reg.list()}
        assert (held[PTN[1]].version, held[PTN[1]].status, held[PTN[1]].contract_number) == (
            2, "in_setup", "RW-2024-00123")  # a.s.r.'s change survived; ours was not forced over it


def test_registered_elsewhere_fails_that_employer_only(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg, client(server, OTHER) as other:
        other.create(PTN[2], write_body(config(), employers["kapper"], Secret(TOKENS["kantoor"])),
                     idempotency_key="other-1")
        plan = plan_against(reg, employers)
        report = run(plan, employers, reg)
        by = {r.subject: r for r in report.results}
        assert by["kapper"].outcome == "failed"
        assert by["kapper"].message == "this employer is already connected through another payroll office; contact a.s.r."
        assert by["bakkerij"].outcome == by["garage"].outcome == "created"


def test_blocked_employers_are_never_submitted(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg:
        plan = plan_against(reg, employers, checks={"kapper": [COMPANY_ERROR]})
        report = run(plan, employers, reg)
        by = {r.subject: r for r in report.results}
        assert by["kapper"].outcome == "skipped"
        assert by["kapper"].message == "blocked by nmbrs.company; not submitted"
        assert PTN[2] not in {r.payroll_tax_number for r in reg.list()}
        assert report.failed and not report.write_failed
        assert summarise(report).startswith("Apply finished; blocked employers were not submitted: 2 created")


def test_withdrawals_of_state_withdrawn_and_unmanaged(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg:
        run(plan_against(reg, employers), employers, reg)
        later = {"bakkerij": employers["bakkerij"],
                 "garage": employer(PTN[1], "Garage Jansen", state="withdrawn")}  # kapper: no file any more
        cfg = config(allow_withdraw=True)
        plan = plan_against(reg, later, cfg)
        assert [(w.subject, w.action, w.version) for w in planned_writes(plan)] == [
            ("garage", "withdraw", 1), (PTN[2], "withdraw", 1)]
        check_safety(plan, cfg.policy, allow_withdraw=False, force=False)  # policy allows
        report = run(plan, later, reg, cfg)
        assert [(r.subject, r.outcome) for r in report.results] == [("garage", "withdrawn"), (PTN[2], "withdrawn")]
        held = {r.payroll_tax_number: (r.version, r.status) for r in reg.list()}
        assert held == {PTN[0]: (1, "submitted"), PTN[1]: (2, "withdrawn"), PTN[2]: (2, "withdrawn")}
        assert not plan_against(reg, later, cfg).has_changes


def test_a_read_token_stops_the_run_after_the_first_refusal(tmp_path: Path) -> None:
    employers = _employers()
    with registry(tmp_path) as server, client(server, READ) as reg:
        plan = plan_against(reg, employers)
        report = run(plan, employers, reg)
        assert [r.outcome for r in report.results] == ["failed", "not_attempted", "not_attempted"]
        assert "scope" in (report.results[0].hint or "")
        assert server.calls.get("PUT") == 1
        assert reg.list() == []


def test_not_attempted_lines_name_their_own_employer(tmp_path: Path) -> None:
    """After a run-stopping refusal, each not-attempted line is about its own employer, never the first's."""
    employers = _employers()
    with registry(tmp_path) as server, client(server) as reg:
        plan = plan_against(reg, employers)
        server.faults.fail_next(100, 503)  # an outage longer than the first write's retries
        report = run(plan, employers, reg)
        first, *rest = report.results
        assert first.outcome == "failed" and PTN[0] in first.message
        for result, own in zip(rest, (PTN[1], PTN[2]), strict=True):
            assert result.outcome == "not_attempted" and result.payroll_tax_number == own
            assert own in result.message, result.message
            assert PTN[0] not in result.message and "bakkerij" in result.message, result.message


# --- gates ---------------------------------------------------------------------------------------


def test_checksum_gate() -> None:
    plan = plan_of({"bakkerij": employer(PTN[0])})
    verify_checksum(plan, None)
    verify_checksum(plan, plan.checksum)
    verify_checksum(plan, plan.checksum.removeprefix("sha256:").upper() + "  ")
    with pytest.raises(SafetyError, match="not the reviewed sha256:0000"):
        verify_checksum(plan, "sha256:" + "0" * 64)
    with pytest.raises(SafetyError, match="is not a plan checksum"):
        normalise_checksum("sha256:abc")


def test_stale_plan_file_gate() -> None:
    employers = {"bakkerij": employer(PTN[0])}
    plan = plan_of(employers)
    assert accounts_to_resolve(plan) == {"kantoor"}
    verify_current(plan, repo(employers), FINGERPRINTS)
    with pytest.raises(StalePlanError, match="declarations or asrctl.yaml changed since the plan was made"):
        verify_current(plan, repo(employers, digest="sha256:" + "cd" * 32), FINGERPRINTS)
    with pytest.raises(StalePlanError, match="token of account 'kantoor' was changed since the plan was made"):
        verify_current(plan, repo(employers), {**FINGERPRINTS, "kantoor": "sha256:0123456789abcdef"})


def test_a_reviewed_state_withdrawn_is_permission_and_an_undeclared_withdrawal_needs_it() -> None:
    gone = employer(PTN[0], state="withdrawn")
    plan = plan_of({"weg": gone}, [registration(gone)])
    assert plan.summary.withdraw == 1
    check_safety(plan, Policy(), allow_withdraw=False, force=False)  # the file says so: permitted
    # A registration no file declares, planned for withdrawal under policy.allow_withdraw ...
    stray = employer(PTN[1], "Vergeten B.V.")
    undeclared = plan_of({}, [registration(stray)], cfg=config(allow_withdraw=True))
    assert [u.action for u in undeclared.unmanaged] == ["withdraw"]
    # ... is refused when that permission is gone.
    with pytest.raises(SafetyError, match=rf"withdraws \(afmelden\) 1 registration no employer file declares \({PTN[1]}\)") as info:
        check_safety(undeclared, Policy(), allow_withdraw=False, force=False)
    assert "--allow-withdraw" in (info.value.hint or "")
    check_safety(undeclared, Policy(), allow_withdraw=True, force=False)
    check_safety(undeclared, Policy(allow_withdraw=True), allow_withdraw=False, force=False)


def test_change_threshold_counts_updates_and_withdrawals_of_held_registrations() -> None:
    numbers = [example_payroll_tax_number(i) for i in range(20)]
    stored = {f"e{i:02d}": employer(n, f"Bedrijf {i}") for i, n in enumerate(numbers)}
    regs = [registration(e, payroll={"thirteenth_month": False}) if i < 6 else registration(e)
            for i, e in enumerate(stored.values())]
    plan = plan_of(stored, regs)
    assert plan.summary.update == 6  # 6 of 20 = 30%: not above the fraction
    check_safety(plan, Policy(max_change_fraction=0.3), allow_withdraw=False, force=False)
    with pytest.raises(SafetyError, match=r"changes or withdraws 6 of the 20 registrations this office holds \(30%\)"):
        check_safety(plan, Policy(max_change_fraction=0.25), allow_withdraw=False, force=False)
    check_safety(plan, Policy(max_change_fraction=0.25), allow_withdraw=False, force=True)
    # Five changes never need --force, whatever the fraction.
    few = plan_of(stored, [registration(e, payroll={"thirteenth_month": False}) if i < 5 else registration(e)
                           for i, e in enumerate(stored.values())])
    check_safety(few, Policy(max_change_fraction=0.01), allow_withdraw=False, force=False)
    # Creates do not count: a new office submits all its employers without --force.
    fresh = plan_of(stored, [])
    assert fresh.summary.create == 20
    check_safety(fresh, Policy(max_change_fraction=0.01), allow_withdraw=False, force=False)
