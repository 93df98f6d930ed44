"""The benchmark office every plan benchmark measures: its world, its repo, its registry, its plan run.

World: ACCOUNTS overarching logins with exactly a.s.r.'s API list, DEBTORS debtors, one company per
employer with EMPLOYEES_PER_COMPANY employees. The simulators and the reference registry run in the
benchmark's process on loopback; `asrctl plan` runs as a child process against them over HTTP (so
its wall time and peak RSS are its own), with ASRCTL_ALLOW_HOSTS=127.0.0.1: the simulators are the
benchmark's own servers, not `sandbox:` URLs asrctl starts itself, so the host allow-list applies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ACCOUNTS = 3
DEBTORS = 40
EMPLOYEES_PER_COMPANY = 2
REGISTRY_TOKEN = "bench-registry-token-0123456789"
LOOPBACK = "127.0.0.1"


def payroll_tax_number(i: int) -> str:
    """The i-th 9-digit number passing the 11-test, as a loonheffingennummer."""
    base = 100_000_000 + i * 100
    while True:
        digits = [int(c) for c in str(base)]
        if (sum(d * (9 - k) for k, d in enumerate(digits[:8])) - digits[8]) % 11 == 0:
            return f"{base}L01"
        base += 1


def build(root: Path, n: int) -> tuple[Path, Path]:
    """Write the world file and the office repo (n employer files and the secrets; asrctl.yaml comes from
    write_config, once the servers' addresses are known)."""
    world = ["environment: bench", "logins:"]
    for a in range(ACCOUNTS):
        world += [
            f"  - username: api{a}@bench.example",
            f"    token: bench-token-{a}-0123456789",
            "    domain: bench",
            "    model: overarching",
            "    rights: asr-overarching",
        ]
    world.append("debtors:")
    for d in range(DEBTORS):
        world.append(f"  - {{id: {d + 1}, number: \"{1000 + d}\", name: Debtor {d}, tags: []}}")
    world.append("companies:")
    employers = root / "repo" / "employers"
    employers.mkdir(parents=True)
    for i in range(n):
        debtor = 1000 + i % DEBTORS
        world += [
            f"  - id: {10_000 + i}",
            f"    name: Company {i} B.V.",
            f"    debtor: \"{debtor}\"",
            "    loonaangifte_tijdvak: Month",
            "    employees:",
            "      - {number: 1, display_name: D. Director, svw: {ww: false, zw: false, wao_wia: false}}",
            *[f"      - {{number: {k + 2}, display_name: E. Employee {k}}}" for k in range(EMPLOYEES_PER_COMPANY - 1)],
        ]
        (employers / f"company-{i:05d}.yaml").write_text(
            f"contract_number: RW-{i:06d}\n"
            f"payroll_tax_number: {payroll_tax_number(i)}\n"
            f"nmbrs:\n  account: acc{i % ACCOUNTS}\n  debtor: \"{debtor}\"\n  company: Company {i} B.V.\n"
            "payroll:\n  frequency: monthly\n  thirteenth_month: false\n"
            "dga:\n  - name: D. Director\n    employee_number: 1\n",
            encoding="utf-8",
        )
    world_path = root / "world.yaml"
    world_path.write_text("\n".join(world) + "\n", encoding="utf-8")
    secrets = root / "repo" / "secrets"
    secrets.mkdir()
    for a in range(ACCOUNTS):
        (secrets / f"acc{a}").write_text(f"bench-token-{a}-0123456789\n", encoding="utf-8")
    (secrets / "registry").write_text(REGISTRY_TOKEN + "\n", encoding="utf-8")
    return world_path, root / "repo"


def write_config(repo: Path, nmbrs_url: str, registry_url: str, *, rest: list[str] | None = None,
                 account: list[str] | None = None) -> None:
    """asrctl.yaml: the servers' addresses and the accounts; `rest` adds lines under nmbrs (its rest: app),
    `account` adds lines to every account (api:, grant:)."""
    lines = [
        "organisation: {name: Bench Office B.V., contact_email: bench@bench.example}",
        "nmbrs:",
        f"  endpoint: '{nmbrs_url}'",
        *(rest or []),
        f"registry: {{url: '{registry_url}', token: {{file: secrets/registry}}}}",
        "accounts:",
    ]
    for a in range(ACCOUNTS):
        lines += [
            f"  acc{a}:",
            "    model: overarching",
            *(line.format(a=a) for line in account or []),
            f"    username: api{a}@bench.example",
            f"    token: {{file: secrets/acc{a}}}",
            "    domain: bench",
        ]
    (repo / "asrctl.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def registry(root: Path) -> Any:
    """The reference registry (read scope for the bench office), to use in a `with`."""
    from asrctl.sandbox.registry_server import RegistryServer, TokenGrant

    return RegistryServer(root / "r.sqlite", {REGISTRY_TOKEN: TokenGrant("bench", "read")})


def plan(repo: Path, out: Path, *extra: str, what: str) -> tuple[float, dict[str, Any]]:
    """Run `asrctl plan --format json --out OUT [extra]` as a child process: (wall seconds, the plan).
    Exits the benchmark, with plan's stderr, unless plan exits 0 or 2."""
    from asrctl.net.hosts import ALLOW_HOSTS_ENV

    env = {**os.environ, "NO_COLOR": "1", ALLOW_HOSTS_ENV: LOOPBACK}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "asrctl", "plan", "--format", "json", "--out", str(out), *extra],
                          cwd=repo, capture_output=True, text=True, check=False, env=env)
    wall = time.monotonic() - started
    if proc.returncode not in (0, 2):
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit(f"plan of {what} failed with exit {proc.returncode}")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return wall, data


def floor(calls: int, latency: float) -> float:
    """DESIGN.md "Performance": the least wall time `calls` Nmbrs calls can take with asrctl.yaml's defaults,
    max(calls / budget, calls / parallelism x latency); plan's wall time is to be within 1.2x of it plus 2 s."""
    from asrctl.declare.model import NmbrsSettings

    defaults = NmbrsSettings(endpoint="https://api.nmbrs.nl/soap/v3/")
    return max(calls / defaults.max_calls_per_second, calls / defaults.parallelism * latency)
