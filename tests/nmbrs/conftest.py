"""Fixtures: the Nmbrs simulator on a loopback port serving tests/data/worlds/small.yaml, and helpers
to build a config, employers and tokens and run the real observe (zeep over HTTP) against it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Config
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.observe import NmbrsObservation, observe_nmbrs
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.world import World, load_world
from asrctl.secrets import Secret

from support.clock import instant

WORLD = Path(__file__).parent.parent / "data" / "worlds" / "small.yaml"
# Small delays: retries in tests take milliseconds, not seconds.
FAST = instant(RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_total=5.0, max_retry_after=1.0))  # backoff on a fake clock: no real waiting

# account name -> (username, token, model, extra account fields)
ACCOUNTS: dict[str, dict[str, Any]] = {
    "kantoor": {"model": "overarching", "username": "kantoor@voorbeeld.nl", "domain": "voorbeeld", "tag": "a.s.r."},
    "asr-only": {"model": "overarching", "username": "asr-only@voorbeeld.nl", "domain": "voorbeeld", "tag": "a.s.r."},
    "de-vries": {"model": "per_debtor", "username": "debiteur@devries.nl", "domain": "voorbeeld", "debtor": "1042"},
    "missing": {"model": "overarching", "username": "missing@voorbeeld.nl", "domain": "voorbeeld", "tag": "a.s.r."},
    "left": {"model": "overarching", "username": "vertrokken@voorbeeld.nl", "domain": "voorbeeld"},
    "alles": {"model": "overarching", "username": "alles@voorbeeld.nl", "domain": "voorbeeld"},
    "expired": {"model": "overarching", "username": "verlopen@voorbeeld.nl", "domain": "voorbeeld"},
}


def tokens_for(world: World) -> dict[str, Secret]:
    by_user = {login.username: login.token for login in world.logins}
    return {
        name: Secret(by_user[spec["username"]], f"env NMBRS_TOKEN_{name.upper().replace('-', '_')}")
        for name, spec in ACCOUNTS.items()
        if spec["username"] in by_user
    }


def make_config(accounts: dict[str, dict[str, Any]] | None = None, **nmbrs: Any) -> Config:
    accounts = accounts or ACCOUNTS
    return Config.model_validate(
        {
            "organisation": {"name": "Salarisbureau Voorbeeld B.V.", "contact_email": "koppelingen@voorbeeld.nl"},
            "nmbrs": {"endpoint": "https://api.nmbrs.nl/soap/v3/", **nmbrs},
            "registry": {"url": "https://registry.example.invalid/v1", "token": {"env": "ASR_REGISTRY_TOKEN"}},
            "accounts": {
                name: {**spec, "token": {"env": f"NMBRS_TOKEN_{name.upper().replace('-', '_')}"}}
                for name, spec in accounts.items()
            },
        },
        strict=False,
    )


def employer(
    id: str,
    account: str,
    company: str,
    *,
    frequency: str = "monthly",
    dga: Sequence[tuple[str, int]] = (),
    debtor: str | None = None,
    state: str = "active",
) -> LoadedEmployer:
    from asrctl.declare.model import Employer

    nmbrs: dict[str, Any] = {"account": account, "company": company}
    if debtor is not None:
        nmbrs["debtor"] = debtor
    model = Employer.model_validate(
        {
            "contract_number": "RW-2024-00123",
            "payroll_tax_number": "123456782L01",
            "nmbrs": nmbrs,
            "payroll": {"frequency": frequency, "thirteenth_month": False},
            "dga": [{"name": n, "employee_number": k} for n, k in dga],
            "state": state,
        },
        strict=False,
    )
    return LoadedEmployer(id=id, path=f"employers/{id}.yaml", employer=model)


def ids(checks: Sequence[Check]) -> list[str]:
    return [c.id for c in checks]


def only(checks: Sequence[Check], check_id: str) -> Check:
    matching = [c for c in checks if c.id == check_id]
    assert len(matching) == 1, f"expected one {check_id}, got {checks}"
    return matching[0]


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(WORLD)


@pytest.fixture
def sim(world: World) -> Iterator[NmbrsSimulator]:
    with NmbrsSimulator(world) as simulator:
        yield simulator


Observe = Callable[..., NmbrsObservation]


@pytest.fixture
def observe(sim: NmbrsSimulator, world: World) -> Observe:
    """observe(employers, config=None, tokens=None, **kwargs) against the simulator."""

    def run(employers: Sequence[LoadedEmployer], config: Config | None = None,
            tokens: dict[str, Secret] | None = None, **kwargs: Any) -> NmbrsObservation:
        kwargs.setdefault("retry", FAST)
        return observe_nmbrs(
            config or make_config(), employers, tokens if tokens is not None else tokens_for(world),
            endpoint_url=sim.url, **kwargs,
        )

    return run


from .both import both  # noqa: F401  # the same world over SOAP and REST (needs the helpers above)
