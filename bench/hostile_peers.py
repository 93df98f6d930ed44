"""Benchmark: what a hostile peer costs asrctl — a 150 MB answer, one byte a second (issue 14 "Size and time").

Each case runs in a fresh process against a loopback peer (tests/fakes/hostile.py) and prints the
wall time and the process's peak memory (ru_maxrss). Before the one network edge (asrctl/net/session)
a 150 MB registry answer cost 514 MB and a trickling peer held a call for 26 s with timeout_seconds 2.
Run: .venv/bin/python bench/hostile_peers.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from fakes.hostile import Hostile, answer, endless
from asrctl.errors import AsrctlError
from asrctl.net.retry import RetryPolicy
from asrctl.secrets import Secret
case, attempts = sys.argv[2], int(sys.argv[3])
policy = RetryPolicy(max_attempts=attempts)
huge = answer(200, b"", content_type="application/json",
              headers={"Content-Length": str(150 * 1024 * 1024)}, length=False)
chunked = answer(200, b"", content_type="application/json", length=False)
def trickle(seen):
    body = answer(200, json.dumps({"items": [], "next_page_token": None}), content_type="application/json")
    head = body.index(b"\r\n\r\n") + 4
    yield body[:head]
    for i in range(head, len(body)):
        yield body[i:i + 1]
respond, pace = {"huge": (endless(huge), 0.0), "unsized": (endless(chunked), 0.0), "trickle": (trickle, 1.0)}[case]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with Hostile(respond, trickle=pace) as peer:
    if sys.argv[4] == "registry":
        from asrctl.registry.client import RegistryClient
        client = RegistryClient(peer.url + "/v1", Secret("bench-token-0123456789"), timeout=2.0, policy=policy)
        call = client.list
    else:
        from asrctl.nmbrs.provider import Login
        from asrctl.nmbrs.soap.provider import SoapProvider
        provider = SoapProvider(peer.url + "/soap/v3/", timeout=2.0, retry=policy)
        login = Login("k", "u@x.nl", Secret("bench-token-0123456789"), "d")
        call = lambda: provider.environment(login)
    started = time.monotonic()
    try:
        call()
        outcome = "answered"
    except AsrctlError as exc:
        outcome = exc.message[:90]
    elapsed = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": round(elapsed, 2), "peak_mb": round(peak / 1024), "startup_mb": round(before / 1024),
                  "outcome": outcome}))
"""


def main() -> None:
    print(f"{'client':9} {'peer':34} {'tries':>5} {'seconds':>8} {'peak MB':>8}  outcome")
    cases = [("registry", "huge", 1, "150 MB answer (Content-Length)"), ("registry", "unsized", 1,
             "endless answer (no length)"), ("nmbrs", "unsized", 1, "endless answer (no length)"),
             ("registry", "trickle", 1, "1 byte/s, timeout_seconds 2"), ("registry", "trickle", 5,
             "1 byte/s, timeout_seconds 2"), ("nmbrs", "trickle", 1, "1 byte/s, timeout_seconds 2")]
    for client, case, attempts, label in cases:
        done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "tests"), case, str(attempts), client],
                              capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
        if done.returncode:
            print(f"{client:9} {label:34} failed: {done.stderr.strip()[-300:]}")
            continue
        row = json.loads(done.stdout)
        print(f"{client:9} {label:34} {attempts:>5} {row['seconds']:>8} {row['peak_mb']:>8}  {row['outcome']}")


if __name__ == "__main__":
    main()
