"""Benchmark: `asrctl plan` of 1,000 employers over SOAP and over REST, side by side (issue 12, DESIGN.md).

The office of bench/office.py, as plan_scale.py measures it (3 overarching accounts with exactly a.s.r.'s SOAP list, 40 debtors,
one company per employer with 2 employees), served by the SOAP and the REST simulator in this process
with the same latency per call. `asrctl plan` runs as a child process over loopback HTTP: once with
every account on `api: soap`, once on `api: rest` (consents issued by the simulator beforehand; the
SOAP side still checks the token a.s.r. receives). Default budget (50 calls a second) and parallelism.

Prints per API and latency: Nmbrs calls (SOAP / REST), per-employee calls, wall time, and the floor
max(calls / budget, calls / parallelism × latency).

    .venv/bin/python bench/soap_vs_rest.py [--employers 1000] [--latencies 0.05,0.2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from office import ACCOUNTS, build, floor, plan, registry, write_config  # the same office as plan_scale.py

CLIENT_ID = "bench-app"
CLIENT_SECRET = "bench-client-secret-0123456789"
SUBSCRIPTION_KEY = "bench-subscription-key-0123456789"
REDIRECT = "http://127.0.0.1:8765/callback"
PER_EMPLOYEE_SOAP = {"EmployeeService.SVW_GetCurrent"}


def write_rest_config(repo: Path, api: str, soap_url: str, rest_url: str, registry_url: str) -> None:
    rest = ["  rest:", f"    url: '{rest_url}'", f"    identity_url: '{rest_url}'", f"    client_id: {CLIENT_ID}",
            "    client_secret: {file: secrets/client-secret}", "    subscription_key: {file: secrets/subscription-key}"]
    write_config(repo, soap_url, registry_url, rest=rest,
                 account=[f"    api: {api}", "    grant: {{file: grants/acc{a}.json}}"])
    (repo / "secrets" / "client-secret").write_text(CLIENT_SECRET + "\n", encoding="utf-8")
    (repo / "secrets" / "subscription-key").write_text(SUBSCRIPTION_KEY + "\n", encoding="utf-8")


def run(n: int, api: str, latency: float) -> dict[str, float]:
    from asrctl.nmbrs.rest.constants import SCOPES_REQUESTED
    from asrctl.nmbrs.rest.grant import Consenter, GrantStore, new_grant
    from asrctl.nmbrs.rest.oauth import TokenAnswer
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
    from asrctl.sandbox.rest_sim import RestApp, RestSimulator

    with tempfile.TemporaryDirectory(prefix=f"asrctl-bench-{api}-") as tmp:
        root = Path(tmp)
        world, repo = build(root, n)
        app = RestApp(CLIENT_ID, CLIENT_SECRET, (REDIRECT,), (SUBSCRIPTION_KEY,))
        with NmbrsSimulator(world, latency=latency) as soap, \
                RestSimulator(soap.world, apps=[app], latency=latency) as rest, registry(root) as reg:
            write_rest_config(repo, api, soap.url, rest.url, reg.url)
            for a in range(ACCOUNTS):
                answer = TokenAnswer.model_validate(rest.issue_grant(f"api{a}@bench.example", CLIENT_ID,
                                                                     SCOPES_REQUESTED))
                GrantStore(repo / "grants" / f"acc{a}.json", f"acc{a}").save(
                    new_grant(f"acc{a}", CLIENT_ID, rest.url, answer, Consenter()))
            wall, planned = plan(repo, root / "plan.json", what=f"{n} employers over {api}")
            soap_calls, rest_calls = soap.calls.total, rest.calls.total
            per_employee = sum(soap.calls.count(operation=op) for op in PER_EMPLOYEE_SOAP)
    calls = soap_calls + rest_calls
    return {"soap": soap_calls, "rest": rest_calls, "per_employee": per_employee, "wall": wall,
            "floor": floor(calls, latency),
            "reported": planned["stats"]["nmbrs_calls"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=1000)
    parser.add_argument("--latencies", default="0.05,0.2")
    args = parser.parse_args()
    print(f"{args.employers} employers, {ACCOUNTS} accounts; budget 50 calls/s, default parallelism")
    print(f"{'api':>4} {'latency':>7} {'SOAP calls':>10} {'REST calls':>10} {'SOAP per-employee':>17} {'wall s':>7} "
          f"{'floor s':>7} {'wall/floor':>10}")
    for latency in (float(x) for x in args.latencies.split(",")):
        for api in ("soap", "rest"):
            r = run(args.employers, api, latency)
            print(f"{api:>4} {latency * 1000:>5.0f}ms {r['soap']:>10.0f} {r['rest']:>10.0f} {r['per_employee']:>17.0f} "
                  f"{r['wall']:>7.1f} {r['floor']:>7.1f} {r['wall'] / r['floor']:>10.2f}", flush=True)
    print("REST reads per company (pay period, employees, SVW history, 100 a page); SOAP with a.s.r.'s list "
          "reads SVW one employee at a time. Both pay the SOAP-side checks of the token a.s.r. receives.")


if __name__ == "__main__":
    main()
