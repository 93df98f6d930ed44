"""Benchmark: `asrctl plan` on 100, 1,000 and 5,000 employers (DESIGN.md "Performance").

World: 3 accounts (overarching logins with exactly a.s.r.'s API list), 40 debtors, one
company per employer with 2 employees; Nmbrs simulator latency 50 ms a call; default
parallelism. The simulators run in this process on loopback; `asrctl plan` runs as a
child process against them over HTTP, so its wall time and peak RSS are its own.

Prints per size: Nmbrs calls (and per employer), the call bound, wall time, the time bound
(calls / parallelism × latency × 1.5 + 2 s) and peak RSS of the plan process.

    .venv/bin/python bench/plan_scale.py [--sizes 100,1000,5000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNTS = 3
DEBTORS = 40
EMPLOYEES_PER_COMPANY = 2
PARALLELISM = 8


def payroll_tax_number(i: int) -> str:
    """The i-th 9-digit number passing the 11-test, as a loonheffingennummer."""
    base = 100_000_000 + i * 100
    while True:
        digits = [int(c) for c in str(base)]
        if (sum(d * (9 - k) for k, d in enumerate(digits[:8])) - digits[8]) % 11 == 0:
            return f"{base}L01"
        base += 1


def build(root: Path, n: int) -> tuple[Path, Path]:
    """Write the world file and the office repo (asrctl.yaml + n employer files)."""
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
    (secrets / "registry").write_text("bench-registry-token-0123456789\n", encoding="utf-8")
    return world_path, root / "repo"


def write_config(repo: Path, nmbrs_url: str, registry_url: str) -> None:
    lines = [
        "organisation: {name: Bench Office B.V., contact_email: bench@bench.example}",
        f"nmbrs: {{endpoint: '{nmbrs_url}'}}",
        f"registry: {{url: '{registry_url}', token: {{file: secrets/registry}}}}",
        "accounts:",
    ]
    for a in range(ACCOUNTS):
        lines += [
            f"  acc{a}:",
            "    model: overarching",
            f"    username: api{a}@bench.example",
            f"    token: {{file: secrets/acc{a}}}",
            "    domain: bench",
        ]
    (repo / "asrctl.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(n: int, latency: float) -> dict[str, float]:
    from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
    from asrctl.sandbox.registry_server import RegistryServer, TokenGrant

    with tempfile.TemporaryDirectory(prefix=f"asrctl-bench-{n}-") as tmp:
        root = Path(tmp)
        world, repo = build(root, n)
        tokens = {"bench-registry-token-0123456789": TokenGrant("bench", "read")}
        with NmbrsSimulator(world, latency=latency) as nmbrs, RegistryServer(root / "r.sqlite", tokens) as registry:
            write_config(repo, nmbrs.url, registry.url)
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-m", "asrctl", "plan", "--format", "json", "--out", str(root / "plan.json")],
                check=False, cwd=repo, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
            )
            wall = time.monotonic() - started
            if proc.returncode not in (0, 2):
                sys.stderr.write(proc.stderr[-2000:])
                raise SystemExit(f"plan of {n} employers failed with exit {proc.returncode}")
            calls = nmbrs.calls.total
            scanned = nmbrs.calls.count(operation="EmployeeService.SVW_GetCurrent")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    required = len(REQUIRED_CALLS["overarching"])
    bound_calls = ACCOUNTS * (3 + required) + 2 * DEBTORS + 2 * n + scanned
    bound_time = calls / PARALLELISM * latency * 1.5 + 2
    return {"n": n, "calls": calls, "bound_calls": bound_calls, "wall": wall, "bound_time": bound_time,
            "rss_mb": rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    print(f"{'employers':>9} {'nmbrs calls':>11} {'per employer':>12} {'call bound':>10} {'wall s':>8} "
          f"{'time bound s':>12} {'peak RSS MB':>11}  verdict")
    ok = True
    for n in (int(s) for s in args.sizes.split(",")):
        r = run(n, args.latency)
        good = r["calls"] <= r["bound_calls"] and r["wall"] <= r["bound_time"] and r["rss_mb"] < 300
        ok &= good
        print(f"{n:>9} {r['calls']:>11.0f} {r['calls'] / n:>12.2f} {r['bound_calls']:>10.0f} {r['wall']:>8.1f} "
              f"{r['bound_time']:>12.1f} {r['rss_mb']:>11.0f}  {'ok' if good else 'OVER'}", flush=True)
    print("peak RSS is the largest plan child so far (ru_maxrss of children); target < 300 MB")
    print("SOAP calls per employer with exactly a.s.r.'s list: List_GetByCompany and SVW_GetCurrent per employee; "
          "per account the rights probes, EmployeeType_GetList (1002) and learning the payroll type id "
          "(Employment_GetAll_AllEmployeesByCompany + List_GetByCompany per candidate id, once)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
