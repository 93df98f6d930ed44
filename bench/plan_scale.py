"""Benchmark: `asrctl plan` on 100, 1,000 and 5,000 employers (DESIGN.md "Performance").

The office of bench/office.py (3 accounts with exactly a.s.r.'s API list, 40 debtors, one
company per employer with 2 employees); Nmbrs simulator latency 50 ms a call; default
parallelism; `asrctl plan` as a child process over loopback HTTP.

Prints per size: Nmbrs calls (and per employer), the call bound, wall time, the time bound
(1.2 × max(calls / budget, calls / parallelism × latency) + 2 s, DESIGN.md; the budget is the
default 50 calls a second) and peak RSS of the plan process.

    .venv/bin/python bench/plan_scale.py [--sizes 100,1000,5000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from office import ACCOUNTS, DEBTORS, build, floor, plan, registry, write_config


def run(n: int, latency: float) -> dict[str, float]:
    from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

    with tempfile.TemporaryDirectory(prefix=f"asrctl-bench-{n}-") as tmp:
        root = Path(tmp)
        world, repo = build(root, n)
        with NmbrsSimulator(world, latency=latency) as nmbrs, registry(root) as reg:
            write_config(repo, nmbrs.url, reg.url)
            wall, _ = plan(repo, root / "plan.json", what=f"{n} employers")
            calls = nmbrs.calls.total
            scanned = nmbrs.calls.count(operation="EmployeeService.SVW_GetCurrent")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    required = len(REQUIRED_CALLS["overarching"])
    bound_calls = ACCOUNTS * (3 + required) + 2 * DEBTORS + 2 * n + scanned
    bound_time = 1.2 * floor(calls, latency) + 2
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
