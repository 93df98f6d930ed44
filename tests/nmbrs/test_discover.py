"""Read functions for `asrctl import`: the companies a login sees, within its tag or debtor, with DGA candidates."""

from __future__ import annotations

import pytest

from asrctl.errors import AsrctlError, ServiceError
from asrctl.nmbrs.discover import discover_companies
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World

from .conftest import ACCOUNTS, FAST, make_config, tokens_for


def discover(sim: NmbrsSimulator, world: World, account: str, **kwargs):  # type: ignore[no-untyped-def]
    config = kwargs.pop("config", None) or make_config()
    return discover_companies(config, account, tokens_for(world)[account], endpoint_url=sim.url, retry=FAST, **kwargs)


def test_overarching_login_lists_companies_of_tagged_debtors(sim: NmbrsSimulator, world: World) -> None:
    found = discover(sim, world, "kantoor")
    rows = [(c.debtor_number, c.name, c.frequency) for c in found.companies]
    assert rows == [
        ("1042", "Bakkerij De Vries B.V.", "monthly"),
        ("1042", "Bakkerij De Vries Utrecht B.V.", "four_weekly"),
        ("1077", "Dubbel B.V.", "monthly"),
        ("1077", "Jansen Holding B.V.", None),           # Year: not a payroll a.s.r. connects
        ("1077", "Jansen Transport B.V.", "four_weekly"),
        ("1099", "Dubbel B.V.", "monthly"),
    ]
    by_name = {(c.debtor_number, c.name): c for c in found.companies}
    transport = by_name[("1077", "Jansen Transport B.V.")]
    assert [(e.number, e.name) for e in transport.dga_candidates] == [(1, "H. Jansen"), (2, "M. Jansen")]
    assert transport.dgas_checked and transport.pay_period == "Week4"
    assert [e.name for e in by_name[("1042", "Bakkerij De Vries B.V.")].dga_candidates] == ["J. de Vries"]
    assert found.notes == [] and found.calls == sim.calls.total


def test_tag_from_config_limits_an_unfiltered_login(sim: NmbrsSimulator, world: World) -> None:
    accounts = {**ACCOUNTS, "alles": {**ACCOUNTS["alles"], "tag": "vip"}}
    found = discover(sim, world, "alles", config=make_config(accounts), with_dgas=False)
    assert {c.debtor_number for c in found.companies} == {"1077"}
    assert all(not c.dgas_checked for c in found.companies)


def test_login_with_only_asrs_list_lists_everything_it_sees_without_debtors(sim: NmbrsSimulator, world: World) -> None:
    found = discover(sim, world, "asr-only")
    assert len(found.companies) == 6 and all(c.debtor_number is None for c in found.companies)
    assert [n.id for n in found.notes] == ["nmbrs.unverified"]
    assert "may not list the debtors" in found.notes[0].message
    assert "Debtor Services > List_GetAll" in (found.notes[0].hint or "")
    assert all(c.dgas_checked for c in found.companies)  # per-employee SVW_GetCurrent


def test_a_filter_reads_only_the_companies_it_keeps(sim: NmbrsSimulator, world: World) -> None:
    whole = discover(sim, world, "kantoor")
    before = sim.calls.total
    found = discover(sim, world, "kantoor", keep=lambda name, debtor: debtor == "1099")
    assert [(c.debtor_number, c.name) for c in found.companies] == [("1099", "Dubbel B.V.")]
    assert sim.calls.total - before < whole.calls  # the others' employees were not read
    assert ("Dubbel B.V.", "1077") in found.left_out and len(found.left_out) == 5
    assert found.ambiguous == {"Dubbel B.V."}  # under two debtors, though only one was kept


def test_per_debtor_login(sim: NmbrsSimulator, world: World) -> None:
    found = discover(sim, world, "de-vries")
    assert [c.name for c in found.companies] == ["Bakkerij De Vries B.V.", "Bakkerij De Vries Utrecht B.V."]


def test_unusable_login_raises_a_service_error(sim: NmbrsSimulator, world: World) -> None:
    with pytest.raises(ServiceError) as raised:
        discover(sim, world, "left")
    assert "vertrokken@voorbeeld.nl" in raised.value.message and raised.value.hint
    with pytest.raises(AsrctlError):
        discover_companies(make_config(), "nobody", tokens_for(world)["kantoor"], endpoint_url=sim.url)
