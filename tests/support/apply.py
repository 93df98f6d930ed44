"""Shared pieces of the apply tests: the reference registry in-process, real clients, small plans.

Employers are built as models (support/plans.py); the registry is the reference server on a
loopback port, spoken to with the real RegistryClient — nothing at the network boundary is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from asrctl.declare.model import Config, Employer
from asrctl.net.retry import RetryPolicy
from asrctl.plan.make import Plan
from asrctl.registry.client import RegistryClient
from asrctl.run.apply import ApplyReport, apply_plan
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import RegistryServer
from asrctl.secrets import Secret

from support.clock import instant
from support.plans import TOKENS, config, plan_of, repo
from support.registry import A_READ, A_WRITE, ASR, B_WRITE
from support.registry import TOKENS as GRANTS

__all__ = ["ASR", "FAST", "GRANTS", "NMBRS_TOKENS", "OFFICE", "OTHER", "READ", "client", "plan_against", "registry",
           "run", "state"]

# The registry's test tokens (support/registry.py), by their part in an apply.
OFFICE, OTHER, READ = A_WRITE, B_WRITE, A_READ  # this office's write token, another office's, this office's read
# Small waits so fault tests take milliseconds; Retry-After is honoured up to 1.5 s.
FAST = instant(RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, max_total=10.0, max_retry_after=1.5))  # backoff on a fake clock: no real waiting
NMBRS_TOKENS = {name: Secret(value, f"test {name}") for name, value in TOKENS.items()}


@contextmanager
def registry(tmp_path: Path, name: str = "registry.db") -> Iterator[RegistryServer]:
    """The reference registry, checking every answer it sends against the contract."""
    checker = ContractChecker(raise_now=False)
    with RegistryServer(tmp_path / name, GRANTS, checker=checker) as server:
        yield server
    assert checker.violations == []


def client(server: RegistryServer, token: str = OFFICE, **options: Any) -> RegistryClient:
    options.setdefault("policy", FAST)
    options.setdefault("timeout", 5.0)
    return RegistryClient(server.url, Secret(token, "test registry token"), **options)


def plan_against(
    reg: RegistryClient, employers: dict[str, Employer], cfg: Config | None = None, **kwargs: Any
) -> Plan:
    """plan's engine on the registry's current listing; no Nmbrs findings unless given."""
    return plan_of(employers, reg.list(), cfg=cfg or config(), **kwargs)


def run(plan: Plan, employers: dict[str, Employer], reg: RegistryClient, cfg: Config | None = None) -> ApplyReport:
    return apply_plan(plan, repo(employers, cfg or config()), reg, NMBRS_TOKENS)


def state(reg: RegistryClient) -> dict[str, tuple[Any, ...]]:
    """What a registry holds, without timestamps: comparable between two runs."""
    return {
        r.payroll_tax_number: (r.version, r.status, r.token_fingerprint, repr(r.comparable()))
        for r in reg.list()
    }
