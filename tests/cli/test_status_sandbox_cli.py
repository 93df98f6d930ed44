"""`asrctl status` and `asrctl sandbox serve|advance` on a small repo's embedded sandbox."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from support.cli import child_env, run_cli
from support.repo import NMBRS_TOKEN, PTN, REGISTRY_TOKEN, make_repo


def test_status_follows_onboarding_moved_by_sandbox_advance(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    before = run_cli(repo, "status", "--format", "json")
    assert before.code == 0, before.output
    assert {r["id"]: r["status"] for r in json.loads(before.stdout)["rows"]} == {
        "alpha": None, "beta": None, "delta": None, "gamma": None}
    run_cli(repo, "apply", "--auto-approve")

    moved = run_cli(repo, "sandbox", "advance", "alpha", "--to", "active", "--date", "2026-12-01")
    assert moved.code == 0, moved.output
    assert moved.stdout == f"alpha ({PTN['alpha']}): submitted → active since 2026-12-01 (version 1 → 2)\n"
    run_cli(repo, "sandbox", "advance", "beta", "--to", "in_setup")
    rejected = run_cli(repo, "sandbox", "advance", PTN["delta"], "--to", "rejected", "--detail",
                       "contract RW-2026-0001 unknown at a.s.r.")
    assert rejected.code == 0, rejected.output

    text = run_cli(repo, "status")
    rows = {line.split()[0]: line for line in text.stdout.splitlines()[1:5]}
    assert rows["alpha"].split()[:5] == ["alpha", "Alpha", "B.V.", PTN["alpha"], "active"]
    assert "2026-12-01" in rows["alpha"] and rows["alpha"].endswith("nothing: the coupling runs")
    assert rows["beta"].split()[3:6] == [PTN["beta"], "in", "setup"]
    assert "rejected" in rows["delta"].split() and "contract RW-2026-0001 unknown at a.s.r." in rows["delta"]
    assert rows["gamma"].split()[3:6] == [PTN["gamma"], "not", "registered"]
    assert text.stdout.splitlines()[-1] == "4 declared employers: 1 rejected, 1 in setup, 1 active, 1 not registered."
    markdown = run_cli(repo, "status", "--format", "markdown").stdout
    assert f"| `alpha` | Alpha B.V. | {PTN['alpha']} | active | 2026-12-01 |" in markdown

    # plan shows the onboarding status too, and a rejected registration is no change by itself.
    plan = json.loads(run_cli(repo, "plan", "--format", "json").stdout)
    by_id = {e["id"]: e for e in plan["employers"]}
    assert (by_id["alpha"]["status"], by_id["alpha"]["first_exchange_date"]) == ("active", "2026-12-01")
    assert (by_id["delta"]["action"], by_id["delta"]["status"]) == ("noop", "rejected")


def test_sandbox_advance_refuses_what_a_s_r_would_not_do(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    missing_date = run_cli(repo, "sandbox", "advance", "alpha", "--to", "active")
    assert missing_date.code == 1 and "--to active needs --date YYYY-MM-DD" in missing_date.stderr
    no_reason = run_cli(repo, "sandbox", "advance", "alpha", "--to", "rejected")
    assert no_reason.code == 1 and "--to rejected needs --detail TEXT" in no_reason.stderr
    bad_date = run_cli(repo, "sandbox", "advance", "alpha", "--to", "active", "--date", "1-12-2026")
    assert bad_date.code == 1 and "'1-12-2026' is not a date" in bad_date.stderr
    unknown = run_cli(repo, "sandbox", "advance", "omega", "--to", "in_setup")
    assert unknown.code == 1 and "no employer file has the id 'omega'" in unknown.stderr
    not_yet = run_cli(repo, "sandbox", "advance", "alpha", "--to", "in_setup")
    assert not_yet.code == 1 and f"the sandbox registry holds no registration {PTN['alpha']}" in not_yet.stderr


def test_sandbox_serve_runs_both_servers_until_interrupted(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "asrctl", "sandbox", "serve"], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(repo))
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        assert proc.stdout is not None
        while time.monotonic() < deadline and "Stop with Ctrl-C." not in lines:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        urls = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines if line.startswith(("Nmbrs", "a.s.r."))}
        registry_url, nmbrs_url = urls["a.s.r. registry"], urls["Nmbrs simulator"]
        assert registry_url.startswith("http://127.0.0.1:") and registry_url.endswith("/v1")
        assert "  a.s.r.-side token (asr): made up for this run (set ASRCTL_SANDBOX_ASR_TOKEN to choose it)" in lines
        assert f"  token of this office (write): the one in file {repo / 'secrets' / 'registry.token'}" in lines
        # The registry answers the office token from asrctl.yaml; the simulator answers SOAP.
        answer = requests.get(registry_url + "/registrations", headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
                              timeout=5)
        assert answer.status_code == 200 and answer.json()["items"] == []
        assert requests.get(registry_url + "/registrations", timeout=5).status_code == 401
        assert requests.get(nmbrs_url + "DebtorService.asmx?WSDL", timeout=5).status_code < 500
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().endswith("sandbox stopped")
    assert "Traceback" not in err
    for secret in (NMBRS_TOKEN, REGISTRY_TOKEN):
        assert secret not in "\n".join(lines) + out + err


def test_sandbox_serve_needs_sandbox_urls(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, registry_url="http://127.0.0.1:9/v1")
    config = repo / "asrctl.yaml"
    config.write_text(config.read_text().replace("sandbox:world.yaml", "https://api.nmbrs.nl/soap/v3/"))
    refused = run_cli(repo, "sandbox", "serve")
    assert refused.code == 1 and "asrctl.yaml names no sandbox: URL, so there is nothing to serve" in refused.stderr
    advance = run_cli(repo, "sandbox", "advance", "alpha", "--to", "in_setup")
    assert advance.code == 1 and "sandbox advance works on the sandbox registry only" in advance.stderr
