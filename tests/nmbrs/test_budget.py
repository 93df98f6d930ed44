"""The call budget of DESIGN.md "Performance" on a generated world:
calls <= accounts × (3 + required calls) + 2 × debtors + 2 × employers + employees scanned for DGAs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from asrctl.nmbrs.observe import observe_nmbrs
from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World
from asrctl.secrets import Secret

from .conftest import FAST, employer, ids, make_config

EMPLOYERS = 60
DEBTORS = 9  # three per account


def build() -> tuple[World, dict[str, dict[str, Any]], list[Any]]:
    """Three accounts, each with its own tagged debtors: one with every call Active and no declared
    debtors (debtors found by List_GetByDebtor), one with exactly a.s.r.'s list (per-employee SVW scan),
    one with every call Active and declared debtors."""
    logins, accounts, debtors, companies, employers = [], {}, [], [], []
    rights = ["all", "asr-overarching", "all"]
    for a in range(3):
        tag = f"office-{a}"
        logins.append({"username": f"api{a}@bench.example", "token": f"budget-token-{a}-0123456789",
                       "domain": "bench", "rights": rights[a], "tag": tag})
        accounts[f"acc{a}"] = {"model": "overarching", "username": f"api{a}@bench.example",
                               "domain": "bench", "tag": tag}
        for d in range(DEBTORS // 3):
            debtors.append({"id": 100 + a * 10 + d, "number": f"{a}{d:03d}", "name": f"Debtor {a}-{d}", "tags": [tag]})
    for i in range(EMPLOYERS):
        a = i % 3
        debtor = f"{a}{(i // 3) % (DEBTORS // 3):03d}"
        companies.append({
            "id": 5000 + i, "name": f"Company {i} B.V.", "debtor": debtor, "loonaangifte_tijdvak": "Month",
            "employees": [
                {"number": 1, "display_name": "D. Director", "svw": {"ww": False, "zw": False, "wao_wia": False}},
                {"number": 2, "display_name": "E. Employee"},
                {"number": 3, "display_name": "F. Employee"},
            ],
        })
        employers.append(employer(f"company-{i:03d}", f"acc{a}", f"Company {i} B.V.", dga=[("D. Director", 1)],
                                  debtor=debtor if a == 2 else None))
    world = World.model_validate({"environment": "bench", "logins": logins, "debtors": debtors, "companies": companies})
    return world, accounts, employers


def test_plan_stays_within_the_call_budget() -> None:
    world, accounts, employers = build()
    tokens = {f"acc{a}": Secret(f"budget-token-{a}-0123456789") for a in range(3)}
    with NmbrsSimulator(world) as sim:
        result = observe_nmbrs(make_config(accounts), employers, tokens, endpoint_url=sim.url, retry=FAST)
        scanned = sim.calls.count("EmployeeService.SVW_GetCurrent") - 3  # minus one rights probe per account
        required = len(REQUIRED_CALLS["overarching"])
        bound = 3 * (3 + required) + 2 * DEBTORS + 2 * EMPLOYERS + scanned
        assert result.calls == sim.calls.total
        # Memoization, directly: no (login, operation, arguments) was sent twice.
        sent = Counter((e.username, e.operation, e.params) for e in sim.calls.entries)
        assert [key for key, n in sent.items() if n > 1] == []
        assert sim.calls.total <= bound, f"{sim.calls.total} calls, bound {bound}"
        assert scanned == 3 * EMPLOYERS // 3  # only the a.s.r.-list account scans, 3 employees a company
        assert sim.calls.count("DebtorService.Tags_Get") <= DEBTORS * 2 // 3
    # Meaningful: the checks ran fully and found nothing wrong.
    for employer_id, checks in result.checks.items():
        account = int(employer_id.split("-")[1]) % 3
        assert ids(checks) == (["nmbrs.optional"] if account == 1 else []), (employer_id, checks)
