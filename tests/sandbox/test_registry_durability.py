"""kill -9 the standalone registry during a burst of writes: every acknowledged write survives."""

from __future__ import annotations

import io
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from asrctl.sandbox.registry_contract import ContractChecker

from support.registry import Api, sample_input, sample_number

TOKEN = "tok-durability-office-0001"
WRITERS = 4
ACKS_BEFORE_KILL = 60
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def standalone(db: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {**os.environ, "REGISTRY_TEST_TOKEN": TOKEN}
    command = [
        sys.executable, "-m", "asrctl.sandbox.registry_server",
        "--db", str(db), "--port", "0", "--grant", "REGISTRY_TEST_TOKEN=office-a:write",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=30)
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1"), first
        banner = [first] + [lines.get(timeout=5) for _ in range(3)]
        assert TOKEN not in "".join(banner) and "$REGISTRY_TEST_TOKEN" in "".join(banner)
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the clean way out (Ctrl-C does the same)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=10)  # the server is gone: its stdout is at its end
        stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    checker = ContractChecker(raise_now=False)
    acknowledged: dict[str, int] = {}  # number -> last version the server confirmed
    lock = threading.Lock()
    stop = threading.Event()

    with standalone(db) as (process, url):

        def writer(index: int) -> None:
            api = Api(url, checker)
            n = index
            while not stop.is_set() and n < 5000:
                number = sample_number(n)
                n += WRITERS
                try:
                    created = api.create(number, sample_input(n), token=TOKEN)
                    if created.status_code != 201:
                        return
                    with lock:
                        acknowledged[number] = 1
                    body = sample_input(n, token=None)
                    body["contract_number"] = f"RC-CHANGED-{n}"
                    changed = api.update(number, body, 1, token=TOKEN)
                    if changed.status_code != 200:
                        return
                    with lock:
                        acknowledged[number] = 2
                except requests.RequestException:
                    return  # the server is gone

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # mid-burst: the writers are still writing
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= ACKS_BEFORE_KILL
    survived = dict(acknowledged)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with standalone(db) as (_, url):
        api = Api(url, checker)
        stored: dict[str, dict[str, Any]] = {}
        params = "page_size=500"
        while True:
            page = api.call("GET", f"/registrations?{params}", TOKEN).json()
            stored.update({r["payroll_tax_number"]: r for r in page["items"]})
            if page.get("next_page_token") is None:
                break
            params = f"page_size=500&page_token={page['next_page_token']}"
        for number, version in survived.items():
            assert number in stored, f"acknowledged create of {number} lost"
            # >=: a write in flight at the kill may have committed without its answer arriving.
            assert stored[number]["version"] >= version, f"acknowledged change of {number} lost"
            if version == 2:
                assert stored[number]["contract_number"].startswith("RC-CHANGED-")
        # still writable after the crash
        assert api.create(sample_number(8000), sample_input(0), TOKEN).status_code == 201
    assert checker.violations == []


def test_standalone_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with standalone(tmp_path / "r.db") as (process, url):
        api = Api(url, ContractChecker())
        assert api.list(TOKEN).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and "Traceback" not in process.stderr.read()


def test_serve_registry_prints_url_and_labels_never_tokens(tmp_path: Path) -> None:
    from asrctl.sandbox.registry_server import TokenGrant, serve_registry

    out = io.StringIO()
    stop = threading.Event()
    tokens = {TOKEN: TokenGrant("office-a", "write")}
    thread = threading.Thread(
        target=serve_registry,
        args=(tmp_path / "r.db", tokens),
        kwargs={"labels": {TOKEN: "$ASR_REGISTRY_TOKEN (office-a, write)"}, "out": out, "stop": stop},
    )
    thread.start()
    deadline = time.monotonic() + 10
    while "stop with Ctrl-C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    url = out.getvalue().splitlines()[0].rsplit(" ", 1)[-1]
    assert Api(url, ContractChecker()).list(TOKEN).status_code == 200
    stop.set()
    thread.join(timeout=10)
    text = out.getvalue()
    assert "$ASR_REGISTRY_TOKEN (office-a, write)" in text and TOKEN not in text
    assert text.rstrip().endswith("a.s.r. registry stopped")
