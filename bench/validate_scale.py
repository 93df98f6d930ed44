"""Benchmark: `asrctl validate` of 5,000 employer files, and `asrctl --version` (DESIGN.md "Performance").

Targets on a 2-core machine: validate under 3 s, --version under 0.3 s (wall time of the
whole process, best of several runs). Run: .venv/bin/python bench/validate_scale.py [--files N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def payroll_tax_numbers(count: int) -> list[str]:
    """Distinct loonheffingennummers that pass the 11-test."""
    out: list[str] = []
    prefix = 10_000_000
    while len(out) < count:
        digits = f"{prefix:08d}"
        check = sum(w * int(d) for w, d in zip(WEIGHTS, digits)) % 11
        if check < 10:
            out.append(f"{digits}{check}L01")
        prefix += 7
    return out


def write_repo(directory: Path, count: int) -> None:
    shutil.copy(ROOT / "asrctl.yaml", directory / "asrctl.yaml")
    employers = directory / "employers"
    employers.mkdir()
    accounts = ["kantoor", "bloem"]
    for i, number in enumerate(payroll_tax_numbers(count)):
        dga = (
            f"  - name: DGA {i}\n    employee_number: {i % 50 + 1}\n" if i % 3 == 0 else ""
        )
        (employers / f"werkgever-{i:05d}.yaml").write_text(
            "# yaml-language-server: $schema=../schemas/employer.schema.json\n"
            f"contract_number: RW-2025-{i:05d}\n"
            f"payroll_tax_number: {number}\n"
            "nmbrs:\n"
            f"  account: {accounts[i % 2]}\n"
            f'  debtor: "{2000 + i % 40}"\n'
            f"  company: Werkgever {i} B.V.\n"
            "payroll:\n"
            f"  frequency: {'monthly' if i % 2 else 'four_weekly'}\n"
            f"  thirteenth_month: {'true' if i % 4 else 'false'}\n"
            + ("dga:\n" + dga if dga else "dga: []\n"),
            encoding="utf-8",
        )


def best_of(runs: int, argv: list[str], cwd: Path) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, check=False, cwd=cwd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=5000)
    args = parser.parse_args()
    asrctl = str(Path(sys.executable).with_name("asrctl"))
    with tempfile.TemporaryDirectory(prefix="asrctl-bench-") as tmp:
        repo = Path(tmp)
        write_repo(repo, args.files)
        validate = best_of(3, [asrctl, "validate"], repo)
        version = best_of(5, [asrctl, "--version"], repo)
    rows = [
        (f"asrctl validate ({args.files} employer files), best of 3", validate, 3.0),
        ("asrctl --version, best of 5", version, 0.3),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'target':>7}  ok")
    for name, seconds, target in rows:
        print(f"{name:<{width}}  {seconds:8.3f}  {target:7.1f}  {'yes' if seconds < target else 'NO'}")


if __name__ == "__main__":
    main()
