"""Nmbrs as it really answers (issue 11): the real zeep client over loopback against v3-shaped, v2.1-shaped,
reordered and extra-element answers, answers lacking a field, operations that are gone, and payroll
EmployeeType ids that are not 1. The DGA checks fire in each case, or the plan says why they could not."""

from __future__ import annotations

from typing import Any

import pytest

from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World

from .conftest import FAST, Observe, employer, ids, make_config, only, tokens_for

# Jansen Transport: H. Jansen (declared DGA), M. Jansen (uninsured, undeclared), R. Smit (insured, declared).
JANSEN = [("H. Jansen", 1), ("R. Smit", 3)]


def dga_findings(observe: Observe, account: str) -> list[Any]:
    result = observe([employer("e", account, "Jansen Transport B.V.", frequency="four_weekly", dga=JANSEN)])
    return result.checks["e"]


@pytest.mark.parametrize("account", ["kantoor", "asr-only"])  # bulk SVW, and SVW_GetCurrent per employee
@pytest.mark.parametrize(("shape", "reorder", "extra"), [
    ("v3", False, False), ("v2.1", False, False), ("v3", True, False), ("v3", False, True), ("v2.1", True, True),
])
def test_dga_checks_fire_whatever_the_shape(
    observe: Observe, sim: NmbrsSimulator, account: str, shape: str, reorder: bool, extra: bool
) -> None:
    sim.shape, sim.reorder, sim.extra_elements = shape, reorder, extra  # type: ignore[assignment]
    checks = dga_findings(observe, account)
    undeclared = only(checks, "nmbrs.dga-undeclared")
    assert "2 'M. Jansen'" in undeclared.message and "H. Jansen" not in undeclared.message
    assert "'R. Smit'" in only(checks, "nmbrs.dga-insured").message
    assert "nmbrs.frequency" not in ids(checks)  # W4 company, declared four_weekly


@pytest.mark.parametrize("account", ["kantoor", "asr-only"])
def test_settings_without_the_flags_are_unverified_naming_call_and_field(
    observe: Observe, sim: NmbrsSimulator, account: str
) -> None:
    sim.drop = {"Ww"}
    checks = dga_findings(observe, account)
    assert "nmbrs.dga-undeclared" not in ids(checks) and "nmbrs.dga-insured" not in ids(checks)
    [note] = [c for c in checks if c.id == "nmbrs.unverified" and "insurance settings" in c.message]
    assert "Employee Services > SVW_GetCurrent, record SVWSettings without field Ww" in (note.hint or "")
    assert "SVW_GetCurrent" not in note.message
    if account == "kantoor":  # the bulk answer lacked Ww too: fell back to one call per employee
        assert sim.calls.count("EmployeeService.SVW_GetCurrent", username="kantoor@voorbeeld.nl") > 1


def test_a_value_of_the_wrong_type_is_unverified_not_false(observe: Observe, sim: NmbrsSimulator) -> None:
    original = sim._svw

    def dutch(employee: Any, *, bulk: bool) -> str:
        return original(employee, bulk=bulk).replace("<Ww>false</Ww>", "<Ww>nee</Ww>")

    sim._svw = dutch  # type: ignore[method-assign]
    checks = dga_findings(observe, "asr-only")
    assert "nmbrs.dga-undeclared" not in ids(checks)
    assert any("field Ww is 'nee', not true or false" in (c.hint or "") for c in checks if c.id == "nmbrs.unverified")


def test_company_without_pay_period_asks_the_current_period(observe: Observe, sim: NmbrsSimulator) -> None:
    sim.drop = {"LoonaangifteTijdvak"}
    result = observe([
        employer("ok", "asr-only", "Bakkerij De Vries Utrecht B.V.", frequency="four_weekly"),
        employer("wrong", "asr-only", "Bakkerij De Vries Utrecht B.V.", frequency="monthly"),
    ])
    assert "nmbrs.frequency" not in ids(result.checks["ok"])
    wrong = only(result.checks["wrong"], "nmbrs.frequency")
    assert "four-weekly" in wrong.message and "-W4)" in (wrong.hint or "")
    assert sim.calls.count("CompanyService.Company_GetCurrentPeriod") == 1 + 1  # the rights probe, and one read


def test_a_record_without_its_id_is_unverified_not_an_empty_list(observe: Observe, sim: NmbrsSimulator) -> None:
    sim.drop = {"ID"}  # Company records without ID
    checks = observe([employer("a", "asr-only", "Bakkerij De Vries B.V.")]).checks["a"]
    assert "nmbrs.company" not in ids(checks)  # not "no company named ..."
    assert any(c.id == "nmbrs.unverified" and "Company Services > List_GetAll, record Company without field ID"
               in (c.hint or "") for c in checks)


def test_an_operation_nmbrs_no_longer_offers_names_the_call_and_whom_to_ask(
    observe: Observe, sim: NmbrsSimulator
) -> None:
    sim.gone = {"CompanyService.Run_GetList"}
    checks = observe([employer("a", "asr-only", "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)])]).checks["a"]
    [gone] = [c for c in checks if "Company Services > Run_GetList" in (c.hint or "")]
    assert gone.id == "nmbrs.unverified" and "no longer offers" in gone.message
    assert "a.s.r." in (gone.hint or "") and "Keylane" in (gone.hint or "") and "bug" not in (gone.hint or "")


def test_bulk_svw_falling_over_falls_back_to_one_call_per_employee(observe: Observe, sim: NmbrsSimulator) -> None:
    sim.inject("EmployeeService.SVW_GetAll_AllEmployeesByCompany", "http500", times=50)
    checks = dga_findings(observe, "kantoor")
    assert "2 'M. Jansen'" in only(checks, "nmbrs.dga-undeclared").message
    assert sim.calls.count("EmployeeService.SVW_GetCurrent", username="kantoor@voorbeeld.nl") == 1 + 4


def permuted(world: World, payroll_id: int) -> World:
    """The world with Nmbrs's seven types, the payroll type at `payroll_id` (the others shifted around it)."""
    data = world.model_dump()
    kinds = [t for t in data["employee_types"] if t["employed"] != "current"]
    payroll = next(t for t in data["employee_types"] if t["employed"] == "current")
    order = kinds[: payroll_id - 1] + [payroll] + kinds[payroll_id - 1:]
    old_to_new = {t["id"]: i for i, t in enumerate(order, 1)}
    for i, t in enumerate(order, 1):
        t["id"] = i
    for company in data["companies"]:
        for e in company["employees"]:
            e["type"] = old_to_new[e["type"]]
    return World.model_validate(data)


@pytest.mark.parametrize("payroll_id", [1, 2, 3])
@pytest.mark.parametrize("account", ["asr-only", "kantoor"])  # exactly a.s.r.'s list; every call Active
def test_dga_verdicts_whatever_the_payroll_type_id(world: World, payroll_id: int, account: str) -> None:
    moved = permuted(world, payroll_id)
    with NmbrsSimulator(moved) as sim:
        from asrctl.nmbrs.observe import observe_nmbrs

        result = observe_nmbrs(make_config(), [
            employer("jansen", account, "Jansen Transport B.V.", frequency="four_weekly", dga=JANSEN),
            employer("bakker", account, "Bakkerij De Vries B.V.", dga=[("J. de Vries", 1)]),
        ], tokens_for(moved), endpoint_url=sim.url, retry=FAST)
        types_listed = {dict(e.params).get("EmployeeType") for e in sim.calls.entries
                        if e.operation == "EmployeeService.List_GetByCompany"}
    checks = result.checks["jansen"]
    assert "nmbrs.dga" not in ids(checks)  # H. Jansen and R. Smit found as employees
    assert "2 'M. Jansen'" in only(checks, "nmbrs.dga-undeclared").message
    # S. Stagiair (a new hire) is not on the payroll: no undeclared DGA at the bakery
    assert [c.id for c in result.checks["bakker"] if c.id.startswith("nmbrs.dga")] == []
    if account == "kantoor":
        assert types_listed == {str(payroll_id)}  # picked by description, nothing scanned


def test_payroll_type_that_cannot_be_told_says_so(world: World) -> None:
    data = world.model_dump()
    for t in data["employee_types"]:
        t["employed"] = "none"  # no current employments to learn from
    blind = World.model_validate(data)
    with NmbrsSimulator(blind) as sim:
        from asrctl.nmbrs.observe import observe_nmbrs

        result = observe_nmbrs(make_config(), [employer("a", "asr-only", "Jansen Transport B.V.",
                                                        frequency="four_weekly", dga=JANSEN)],
                               tokens_for(blind), endpoint_url=sim.url, retry=FAST)
    checks = result.checks["a"]
    assert not {"nmbrs.dga", "nmbrs.dga-undeclared", "nmbrs.dga-insured"} & set(ids(checks))
    [note] = [c for c in checks if "on the payroll" in c.message]
    assert note.id == "nmbrs.unverified" and "Employee Services > EmployeeType_GetList" in (note.hint or "")
