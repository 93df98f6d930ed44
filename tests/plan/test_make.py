"""make_plan: desired (files + token fingerprints) vs observed (Nmbrs findings, registry) → Plan."""

from __future__ import annotations

import json
import re

import pytest

from asrctl.checks import Check
from asrctl.errors import AsrctlError, ConfigError
from asrctl.plan.make import (
    Plan,
    PlanFileError,
    Stats,
    describe_status,
    idempotency_key,
    make_plan,
    plan_checksum,
)

from support.plans import (
    COMPANY_ERROR,
    DGA_WARNING,
    FINGERPRINTS,
    PTN,
    TOKENS,
    config,
    employer,
    plan_of,
    registration,
    repo,
    sample_plan,
)

FREQ_ERROR = Check("nmbrs.frequency", "error", "Nmbrs pays this company four-weekly (Week4), the file says monthly")


def one(plan: Plan):
    (e,) = plan.employers
    return e


# --- actions -----------------------------------------------------------------------------------


def test_create_when_the_registry_holds_nothing():
    e = one(plan_of({"bakkerij": employer(PTN[0])}))
    assert (e.action, e.intended_action) == ("create", "create")
    assert e.registry_version is None and e.status is None and e.status_after == "submitted"
    assert e.status_text == "not registered"
    by_path = {c.path: c for c in e.changes}
    assert by_path["nmbrs.company_name"].after == "Bakkerij De Vries B.V."
    assert by_path["payroll.frequency"].after == "monthly"
    assert by_path["dga[0].employee_number"].after == 1
    assert all(c.before is None for c in e.changes)
    token = by_path["nmbrs.token"]
    assert token.sensitive and token.after == FINGERPRINTS["kantoor"]
    assert e.needs_token


def test_noop_when_the_registry_holds_what_the_file_says():
    emp = employer(PTN[0])
    plan = plan_of({"bakkerij": emp}, [registration(emp)])
    e = one(plan)
    assert (e.action, e.changes, e.registry_version) == ("noop", [], 3)
    assert e.status_text == "active since 2026-12-01"
    assert not plan.has_changes and not plan.failed
    assert plan.summary.noop == 1


def test_update_lists_field_level_changes():
    emp = employer(PTN[0], payroll={"frequency": "four_weekly", "thirteenth_month": True})
    stored = registration(emp, payroll={"frequency": "monthly"}, dga=[])
    e = one(plan_of({"bakkerij": emp}, [stored]))
    assert e.action == "update" and e.registry_version == 3
    assert [(c.path, c.before, c.after, c.sensitive) for c in e.changes] == [
        ("dga[0].name", None, "J. de Vries", False),
        ("dga[0].employee_number", None, 1, False),
        ("payroll.frequency", "monthly", "four_weekly", False),
    ]
    # DGA and payroll changes keep a running coupling running (contract "Status on PUT").
    assert e.status_after == "active" and not e.restarts_onboarding
    assert not e.needs_token


def test_a_changed_company_name_restarts_onboarding():
    emp = employer(PTN[0], "Bakkerij De Vries B.V.")
    e = one(plan_of({"bakkerij": emp}, [registration(emp, nmbrs={"company_name": "Bakkerij de Vries B.V."})]))
    assert [(c.path, c.before, c.after) for c in e.changes] == [
        ("nmbrs.company_name", "Bakkerij de Vries B.V.", "Bakkerij De Vries B.V.")
    ]
    assert e.status_after == "submitted" and e.restarts_onboarding


def test_a_new_token_is_a_sensitive_change_shown_by_fingerprint():
    emp = employer(PTN[0])
    plan = plan_of({"bakkerij": emp}, [registration(emp, token_fingerprint="sha256:00000000000000ff")])
    e = one(plan)
    assert e.action == "update"
    (change,) = e.changes
    assert (change.path, change.sensitive) == ("nmbrs.token", True)
    assert (change.before, change.after) == ("sha256:00000000000000ff", FINGERPRINTS["kantoor"])
    assert e.needs_token and e.status_after == "submitted"
    assert all(token not in plan.to_json() for token in TOKENS.values())


def test_reordered_dgas_are_no_change():
    dgas = [{"name": "A", "employee_number": 2}, {"name": "B", "employee_number": 7}]
    emp = employer(PTN[0], dga=dgas)
    stored = registration(emp, dga=list(reversed(dgas)))
    assert one(plan_of({"bakkerij": emp}, [stored])).action == "noop"


def test_a_withdrawn_registration_is_resubmitted_as_an_update():
    emp = employer(PTN[0])
    e = one(plan_of({"bakkerij": emp}, [registration(emp, status="withdrawn", version=5)]))
    # PUT with If-Match re-submits a withdrawn registration (contract), even with no field changed.
    assert (e.action, e.changes, e.registry_version) == ("update", [], 5)
    assert e.resubmit and e.status_after == "submitted"


def test_a_rejected_registration_stays_until_the_file_changes():
    emp = employer(PTN[0])
    rejected = registration(emp, status="rejected", status_detail="contract number unknown at a.s.r.")
    e = one(plan_of({"bakkerij": emp}, [rejected]))
    assert e.action == "noop" and e.status_text == "rejected: contract number unknown at a.s.r."
    fixed = employer(PTN[0], contract_number="RW-2024-00999")
    e = one(plan_of({"bakkerij": fixed}, [rejected]))
    assert e.action == "update" and e.resubmit and e.status_after == "submitted"


@pytest.mark.parametrize(
    ("stored_status", "expected"), [("active", "withdraw"), ("submitted", "withdraw"), ("withdrawn", "noop"), (None, "noop")]
)
def test_state_withdrawn(stored_status, expected):
    emp = employer(PTN[0], state="withdrawn")
    regs = [registration(emp, status=stored_status)] if stored_status else []
    e = one(plan_of({"bakkerij": emp}, regs))
    assert e.action == expected and e.changes == []
    if expected == "withdraw":
        assert e.status_after == "withdrawn" and e.registry_version == 3


def test_nmbrs_findings_never_block_a_withdrawal():
    emp = employer(PTN[0], state="withdrawn")
    plan = plan_of({"bakkerij": emp}, [registration(emp)], {"bakkerij": [COMPANY_ERROR]})
    e = one(plan)
    assert e.action == "withdraw"
    (check,) = e.checks
    assert (check.id, check.severity) == ("nmbrs.company", "warning")
    assert "does not block a withdrawal" in check.message
    assert plan.summary.errors == 0 and not plan.failed


# --- blocked -----------------------------------------------------------------------------------


def test_an_error_blocks_and_the_reviewer_still_sees_the_pending_changes():
    emp = employer(PTN[0], payroll={"frequency": "monthly", "thirteenth_month": False})
    stored = registration(emp, payroll={"thirteenth_month": True})
    plan = plan_of({"bakkerij": emp}, [stored], {"bakkerij": [DGA_WARNING, FREQ_ERROR]})
    e = one(plan)
    assert (e.action, e.intended_action) == ("blocked", "update")
    assert [(c.path, c.before, c.after) for c in e.changes] == [("payroll.thirteenth_month", True, False)]
    assert e.registry_version == 3 and e.status_after == "active"  # nothing is sent
    assert [c.id for c in e.checks] == ["nmbrs.frequency", "nmbrs.dga-name"]  # errors first
    assert plan.failed and plan.summary.blocked == 1 and plan.summary.update == 0
    assert (plan.summary.errors, plan.summary.warnings) == (1, 1)


def test_blocked_beats_noop_so_nightly_drift_goes_red():
    emp = employer(PTN[0])
    auth = Check("nmbrs.auth", "error", "Nmbrs refused the token of account kantoor (fault 1001)")
    e = one(plan_of({"bakkerij": emp}, [registration(emp)], {"bakkerij": [auth]}))
    assert (e.action, e.intended_action, e.changes) == ("blocked", "noop", [])


def test_warnings_alone_do_not_block():
    e = one(plan_of({"bakkerij": employer(PTN[0])}, [], {"bakkerij": [DGA_WARNING]}))
    assert e.action == "create" and e.checks == [DGA_WARNING]


def test_extra_checks_join_the_employer_and_can_block():
    elsewhere = Check("registry.registered-elsewhere", "error", "registered by another payroll office")
    r = repo({"bakkerij": employer(PTN[0])})
    plan = make_plan(
        r, {"bakkerij": []}, [], FINGERPRINTS, extra_checks={"bakkerij": [elsewhere]},
        created_at="t", stats=Stats(),
    )
    assert one(plan).action == "blocked" and one(plan).checks == [elsewhere]


def test_every_planned_employer_needs_its_nmbrs_findings():
    r = repo({"bakkerij": employer(PTN[0])})
    with pytest.raises(ValueError, match="bakkerij"):
        make_plan(r, {}, [], FINGERPRINTS, created_at="t", stats=Stats())


# --- unmanaged registrations -----------------------------------------------------------------------


def test_unmanaged_registration_is_a_warning_without_policy():
    declared = employer(PTN[0])
    stray = registration(employer(PTN[1], "Vergeten B.V."), version=4)
    gone = registration(employer(PTN[2], "Oud B.V."), status="withdrawn")
    plan = plan_of({"bakkerij": declared}, [registration(declared), stray, gone])
    (u,) = plan.unmanaged  # the withdrawn one is history, not drift
    assert (u.payroll_tax_number, u.action, u.registry_version, u.company_name) == (PTN[1], "none", 4, "Vergeten B.V.")
    (warning,) = plan.checks
    assert (warning.id, warning.severity) == ("registry.unmanaged", "warning")
    assert PTN[1] in warning.message and "allow_withdraw" in (warning.hint or "")
    assert plan.summary.warnings == 1 and plan.summary.withdraw == 0 and not plan.has_changes


def test_unmanaged_registration_is_withdrawn_when_policy_allows():
    cfg = config(allow_withdraw=True)
    declared = employer(PTN[0])
    stray = registration(employer(PTN[1], "Vergeten B.V."), cfg)
    plan = plan_of({"bakkerij": declared}, [registration(declared, cfg), stray], cfg=cfg)
    (u,) = plan.unmanaged
    assert u.action == "withdraw"
    assert plan.checks == [] and plan.summary.withdraw == 1 and plan.has_changes


# --- targets -------------------------------------------------------------------------------------


def test_targets_limit_the_plan_and_skip_unmanaged_detection():
    a, b = employer(PTN[0], "A B.V."), employer(PTN[1], "B B.V.")
    stray = registration(employer(PTN[2], "Vergeten B.V."))
    plan = plan_of({"a": a, "b": b}, [stray], targets={"b"})
    assert [e.id for e in plan.employers] == ["b"]
    assert plan.targets == ["b"] and not plan.unmanaged_checked
    assert plan.unmanaged == [] and plan.checks == []


def test_an_unknown_target_is_a_user_error():
    with pytest.raises(ConfigError, match="--target nope") as info:
        plan_of({"a": employer(PTN[0])}, targets={"nope"})
    assert isinstance(info.value, AsrctlError) and "file name" in (info.value.hint or "")


# --- checksum, keys, JSON -----------------------------------------------------------------------


def test_checksum_covers_the_writes_only():
    base = sample_plan()
    later = sample_plan(created_at="2027-06-30T23:59:59Z", stats=Stats(nmbrs_calls=99, registry_calls=3, seconds=12.5))
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", base.checksum)
    assert later.checksum == base.checksum == plan_checksum(base)
    assert plan_checksum(base.model_copy(update={"asrctl_version": "0.1.1"})) == base.checksum

    # Another body to send: another checksum.
    four = employer(PTN[0], payroll={"frequency": "four_weekly", "thirteenth_month": True})
    monthly = employer(PTN[0], payroll={"frequency": "monthly", "thirteenth_month": True})
    stored = registration(four, payroll={"thirteenth_month": False})
    assert plan_of({"x": four}, [stored]).checksum != plan_of({"x": monthly}, [stored]).checksum
    # The same write reached from another stored state is the same write: same checksum.
    assert plan_of({"x": four}, [registration(four, payroll={"frequency": "monthly"})]).checksum == \
        plan_of({"x": four}, [stored]).checksum
    # Statuses and findings of employers it does not write are not in it.
    quiet = employer(PTN[1], "Stil B.V.")
    a = plan_of({"x": four, "q": quiet}, [stored, registration(quiet)])
    b = plan_of({"x": four, "q": quiet}, [stored, registration(quiet, status="in_setup", version=9)],
                {"q": [DGA_WARNING]})
    assert a.checksum == b.checksum


def test_checksum_does_not_depend_on_the_order_findings_arrive_in():
    emp = employer(PTN[0])
    one_way = plan_of({"x": emp}, [], {"x": [DGA_WARNING, FREQ_ERROR]})
    other_way = plan_of({"x": emp}, [], {"x": [FREQ_ERROR, DGA_WARNING]})
    assert one_way.checksum == other_way.checksum


def test_checksum_changes_when_the_registration_written_moved_on():
    emp = employer(PTN[0])
    v3 = plan_of({"x": emp}, [registration(emp, version=3, payroll={"thirteenth_month": False})])
    v4 = plan_of({"x": emp}, [registration(emp, version=4, payroll={"thirteenth_month": False})])
    assert v3.checksum != v4.checksum  # the write's If-Match precondition differs


def test_json_round_trip():
    plan = sample_plan(stats=Stats(nmbrs_calls=12, registry_calls=1, seconds=0.75))
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert again.to_json() == plan.to_json()


def test_a_plan_file_edited_after_plan_is_refused():
    data = json.loads(sample_plan().to_json())
    blocked = next(e for e in data["employers"] if e["action"] == "blocked")
    blocked["action"] = "create"
    with pytest.raises(PlanFileError, match="changed after"):
        Plan.from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not an asrctl plan"),
        ('{"format_version": 2}', "format_version 2"),
        ('{"format_version": 1, "employers": []}', "not a valid asrctl plan"),
    ],
)
def test_a_broken_plan_file_is_a_clear_error(text, message):
    with pytest.raises(PlanFileError, match=message):
        Plan.from_json(text, source="plan.json")


def test_idempotency_key_is_stable_per_plan_employer_and_action():
    key = idempotency_key("sha256:" + "1" * 64, "bakkerij", "create")
    assert key == idempotency_key("sha256:" + "1" * 64, "bakkerij", "create")
    assert re.fullmatch(r"[\x21-\x7e]{1,128}", key)
    others = {
        idempotency_key("sha256:" + "2" * 64, "bakkerij", "create"),
        idempotency_key("sha256:" + "1" * 64, "garage", "create"),
        idempotency_key("sha256:" + "1" * 64, "bakkerij", "withdraw"),
    }
    assert key not in others and len(others) == 3


def test_summary_of_a_plan_with_every_action():
    plan = sample_plan()
    s = plan.summary
    assert (s.create, s.update, s.withdraw, s.noop, s.blocked) == (1, 2, 1, 1, 1)
    assert (s.errors, s.warnings) == (1, 2)  # company near miss; DGA name + unmanaged
    assert plan.has_changes and plan.failed
    actions = {e.id: e.action for e in plan.employers}
    assert actions == {
        "garage-jansen": "update",
        "kapperij-knip": "blocked",
        "nieuw-bedrijf": "create",
        "stil": "noop",
        "terug": "update",
        "weg": "withdraw",
    }
    assert [e.id for e in plan.employers] == sorted(actions)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((None,), "not registered"),
        (("submitted",), "submitted"),
        (("in_setup",), "in setup"),
        (("active", None, "2026-12-01"), "active since 2026-12-01"),
        (("rejected", "unknown contract"), "rejected: unknown contract"),
        (("withdrawn",), "withdrawn"),
    ],
)
def test_describe_status(args, text):
    assert describe_status(*args) == text
