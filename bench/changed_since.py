"""Benchmark: `asrctl plan --changed-since REF` of a one-file change in a 1,000-employer repo
(DESIGN.md "Performance"): only that employer's Nmbrs calls plus its account's, in seconds.

Same world as plan_scale.py (3 accounts, 40 debtors, latency 50 ms a call). The repo is a git
repository; one employer file is edited after the commit, then plan runs as a child process
with --changed-since HEAD. With --full, the whole plan runs too, for comparison.

    .venv/bin/python bench/changed_since.py [--employers 1000] [--latency 0.05] [--full]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from office import ACCOUNTS, build, plan, registry, write_config


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                        "GIT_COMMITTER_EMAIL": "b@b"})


def main() -> None:
    from asrctl.nmbrs.soap.calls import EMPLOYEE_TYPE_LEARN_COMPANIES, EMPLOYEE_TYPE_SCAN, REQUIRED_CALLS
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--full", action="store_true", help="also run the whole plan, for comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asrctl-bench-changed-") as tmp:
        root = Path(tmp)
        world, repo = build(root, args.employers)
        with NmbrsSimulator(world, latency=args.latency) as nmbrs, registry(root) as reg:
            write_config(repo, nmbrs.url, reg.url)
            (repo / ".gitignore").write_text("secrets/\n.asrctl/\n")
            _git(repo, "init", "-q")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "office")
            changed = repo / "employers" / "company-00007.yaml"
            changed.write_text(changed.read_text().replace("thirteenth_month: false", "thirteenth_month: true"))
            before = nmbrs.calls.total
            wall, scoped = plan(repo, root / "scoped.json", "--changed-since", "HEAD", what="--changed-since HEAD")
            calls = nmbrs.calls.total - before
            planned = len(scoped["employers"])
            required = len(REQUIRED_CALLS["overarching"])
            # The account's checks and, when EmployeeType_GetList is not on its list (a.s.r.'s is without it),
            # learning the payroll type once (#11: an Employment read and a list per candidate type, for at
            # most a few companies); then its debtor and the employer.
            learning = EMPLOYEE_TYPE_LEARN_COMPANIES * (1 + len(EMPLOYEE_TYPE_SCAN))
            bound = (3 + required) + learning + 2 + 2
            print(f"{'plan':<26} {'employers':>9} {'nmbrs calls':>11} {'bound':>6} {'wall s':>7}")
            print(f"{'--changed-since HEAD':<26} {planned:>9} {calls:>11} {bound:>6} {wall:>7.2f}", flush=True)
            ok = planned == 1 and calls <= bound and wall < 10
            if args.full:
                before = nmbrs.calls.total
                full_wall, full = plan(repo, root / "full.json", what="the whole repo")
                print(f"{'whole repo':<26} {len(full['employers']):>9} {nmbrs.calls.total - before:>11} "
                      f"{'':>6} {full_wall:>7.2f}")
    print(f"accounts in the repo: {ACCOUNTS}; target: one employer's calls plus its account's, a few seconds")
    print("verdict:", "ok" if ok else "OVER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
