"""Benchmark: `asrctl plan --changed-since REF` of a one-file change in a 1,000-employer repo
(DESIGN.md "Performance"): only that employer's Nmbrs calls plus its account's, in seconds.

Same world as plan_scale.py (3 accounts, 40 debtors, latency 50 ms a call). The repo is a git
repository; one employer file is edited after the commit, then plan runs as a child process
with --changed-since HEAD. With --full, the whole plan runs too, for comparison.

    .venv/bin/python bench/changed_since.py [--employers 1000] [--latency 0.05] [--full]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_scale import ACCOUNTS, build, write_config


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
                        "GIT_COMMITTER_EMAIL": "b@b"})


def _plan(repo: Path, out: Path, *extra: str) -> tuple[float, dict[str, object]]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "asrctl", "plan", "--format", "json", "--out", str(out), *extra],
                          cwd=repo, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
    wall = time.monotonic() - started
    if proc.returncode not in (0, 2):
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit(f"plan {' '.join(extra)} failed with exit {proc.returncode}")
    data: dict[str, object] = json.loads(out.read_text())
    return wall, data


def main() -> None:
    from asrctl.nmbrs.soap.calls import REQUIRED_CALLS
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
    from asrctl.sandbox.registry_server import RegistryServer, TokenGrant

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--full", action="store_true", help="also run the whole plan, for comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asrctl-bench-changed-") as tmp:
        root = Path(tmp)
        world, repo = build(root, args.employers)
        tokens = {"bench-registry-token-0123456789": TokenGrant("bench", "read")}
        with NmbrsSimulator(world, latency=args.latency) as nmbrs, RegistryServer(root / "r.sqlite", tokens) as registry:
            write_config(repo, nmbrs.url, registry.url)
            (repo / ".gitignore").write_text("secrets/\n.asrctl/\n")
            _git(repo, "init", "-q")
            _git(repo, "add", "-A")
            _git(repo, "commit", "-q", "-m", "office")
            changed = repo / "employers" / "company-00007.yaml"
            changed.write_text(changed.read_text().replace("thirteenth_month: false", "thirteenth_month: true"))
            before = nmbrs.calls.total
            wall, plan = _plan(repo, root / "scoped.json", "--changed-since", "HEAD")
            calls = nmbrs.calls.total - before
            planned = len(plan["employers"])  # type: ignore[arg-type]
            required = len(REQUIRED_CALLS["overarching"])
            bound = (3 + required) + 2 + 2  # one account's checks, its debtor, the employer
            print(f"{'plan':<26} {'employers':>9} {'nmbrs calls':>11} {'bound':>6} {'wall s':>7}")
            print(f"{'--changed-since HEAD':<26} {planned:>9} {calls:>11} {bound:>6} {wall:>7.2f}", flush=True)
            ok = planned == 1 and calls <= bound and wall < 10
            if args.full:
                before = nmbrs.calls.total
                full_wall, full = _plan(repo, root / "full.json")
                print(f"{'whole repo':<26} {len(full['employers']):>9} {nmbrs.calls.total - before:>11} "  # type: ignore[arg-type]
                      f"{'':>6} {full_wall:>7.2f}")
    print(f"accounts in the repo: {ACCOUNTS}; target: one employer's calls plus its account's, a few seconds")
    print("verdict:", "ok" if ok else "OVER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
