"""Apply under faults, crashes and races, and the secret-leak sweep — bounded, loopback only.

- Faults (429 with Retry-After, 502/503, resets before and after the registry carried a write out)
  end in the same registry state as a fault-free run.
- Crash consistency: `asrctl apply` is killed with SIGKILL while its (k+1)-th write is in flight
  (the registry still carries it out: the answer is what gets lost), then apply runs again.
- Two applies at once: on the same plan the second replays (never a second submission); on two
  different plans of the same registry state one wins per registration, the other reports a stale plan.
- Secret leak: every command with --debug and recognisable tokens; the tokens appear in no output
  and in no file asrctl writes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.registry.client import RegistryClient
from asrctl.run.apply import apply_plan
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import ONE, RegistryServer
from asrctl.secrets import Secret

from support.apply import FAST, GRANTS, NMBRS_TOKENS, OFFICE, client, plan_against, registry, run, state
from support.cli import child_env, run_cli
from support.plans import PTN as SAMPLE_PTN
from support.plans import config, employer, repo
from support.repo import NMBRS_TOKEN, PTN, REGISTRY_TOKEN, SECRETS, make_repo, write_employer

# --- faults, in-process: the engine and the real client against the reference server -------------------


def _scenario() -> tuple[dict, dict]:
    """(files at first apply, files at the apply under test): 4 creates, 1 update, 1 withdrawal."""
    kept = employer(SAMPLE_PTN[4], "Blijft B.V.")
    leaving = employer(SAMPLE_PTN[5], "Vertrekt B.V.")
    first = {"blijft": kept, "vertrekt": leaving}
    second = {
        "a-nieuw": employer(SAMPLE_PTN[0], "A Nieuw B.V."),
        "b-nieuw": employer(SAMPLE_PTN[1], "B Nieuw B.V."),
        "c-nieuw": employer(SAMPLE_PTN[2], "C Nieuw B.V."),
        "d-nieuw": employer(SAMPLE_PTN[3], "D Nieuw B.V."),
        "blijft": employer(SAMPLE_PTN[4], "Blijft B.V.", payroll={"frequency": "four_weekly", "thirteenth_month": True}),
        "vertrekt": employer(SAMPLE_PTN[5], "Vertrekt B.V.", state="withdrawn"),
    }
    return first, second


def _run_scenario(server: RegistryServer, faults: bool) -> tuple[dict, list]:
    first, second = _scenario()
    cfg = config(allow_withdraw=True)
    with client(server) as reg:
        run(plan_against(reg, first, cfg), first, reg, cfg)
        plan = plan_against(reg, second, cfg)
        assert plan.summary.create == 4 and plan.summary.update == 1 and plan.summary.withdraw == 1
        if faults:
            put = ONE
            server.faults.fail_next(1, 429, retry_after=1, method="PUT", path=put)
            server.faults.fail_next(2, 503, method="PUT", path=put)
            server.faults.reset_next(1, method="PUT", path=put)                # lost before the registry saw it
            server.faults.reset_next(1, method="PUT", path=put, after=True)    # carried out, answer lost
            server.faults.fail_next(1, 502, method="DELETE", path=put)
            server.faults.reset_next(1, method="DELETE", path=put, after=True)
        report = run(plan, second, reg, cfg)
        if faults:
            assert server.faults.pending == 0  # every injected fault was met
            assert reg.replays >= 2  # the two writes whose answers were lost were replayed, not repeated
        return state(reg), report.results


def test_faults_end_in_the_fault_free_state(tmp_path: Path) -> None:
    with registry(tmp_path, "clean.db") as clean:
        expected, _ = _run_scenario(clean, faults=False)
    started = time.monotonic()
    with registry(tmp_path, "faulty.db") as faulty:
        got, results = _run_scenario(faulty, faults=True)
    assert time.monotonic() - started < 20
    assert {r.subject: r.outcome for r in results} == {
        "a-nieuw": "created", "b-nieuw": "created", "c-nieuw": "created", "d-nieuw": "created",
        "blijft": "updated", "vertrekt": "withdrawn"}
    assert got == expected
    versions = {n: v[0] for n, v in got.items()}
    assert versions == {SAMPLE_PTN[0]: 1, SAMPLE_PTN[1]: 1, SAMPLE_PTN[2]: 1, SAMPLE_PTN[3]: 1, SAMPLE_PTN[4]: 2,
                        SAMPLE_PTN[5]: 2}


def test_an_outage_beyond_the_retries_fails_clearly_and_a_rerun_finishes(tmp_path: Path) -> None:
    first, second = _scenario()
    cfg = config(allow_withdraw=True)
    with registry(tmp_path) as server, client(server) as reg:
        run(plan_against(reg, first, cfg), first, reg, cfg)
        plan = plan_against(reg, second, cfg)
        # The registry answers 503 to everything for a while: more than one write's retries.
        server.faults.fail_next(FAST.max_attempts + 2, 503)
        report = apply_plan(plan, repo(second, cfg), reg, NMBRS_TOKENS)
        outcomes = [r.outcome for r in report.results]
        assert outcomes[0] == "failed" and set(outcomes[1:]) <= {"not_attempted", "created", "updated", "withdrawn"}
        assert "answered 503" in report.results[0].message and report.write_failed
        assert outcomes.count("not_attempted") >= 1
        # Once the registry is back, the same plan finishes; what was done is not done again.
        again = apply_plan(plan, repo(second, cfg), reg, NMBRS_TOKENS)
        assert not again.write_failed
        assert {r.payroll_tax_number: (r.version, r.status) for r in reg.list()} == {
            SAMPLE_PTN[0]: (1, "submitted"), SAMPLE_PTN[1]: (1, "submitted"), SAMPLE_PTN[2]: (1, "submitted"),
            SAMPLE_PTN[3]: (1, "submitted"), SAMPLE_PTN[4]: (2, "submitted"), SAMPLE_PTN[5]: (2, "withdrawn")}
        assert not plan_against(reg, second, cfg).has_changes


# --- a registry of the test's own, and repos pointing at it -----------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[RegistryServer]:
    grants = {**GRANTS, REGISTRY_TOKEN: GRANTS[OFFICE]}  # the repo's registry token acts for the same office
    checker = ContractChecker(raise_now=False)
    with RegistryServer(tmp_path / "registry.db", grants, checker=checker) as server:
        yield server
    assert checker.violations == []


def _writes(server: RegistryServer) -> int:
    return server.calls.get("PUT", ONE) + server.calls.get("DELETE", ONE)


def _office_repo(root: Path, server: RegistryServer) -> Path:
    """Registered first: epsilon and zeta. Then: alpha, beta, delta new; gamma blocked; epsilon changed; zeta
    withdrawn — five writes in plan order: alpha, beta, delta, epsilon, zeta."""
    repo_dir = make_repo(root, registry_url=server.url, allow_withdraw=True,
                         employers={"epsilon": ("Epsilon B.V.", "monthly", "[]"), "zeta": ("Zeta B.V.", "monthly", "[]")})
    seeded = run_cli(repo_dir, "apply", "--auto-approve")
    assert seeded.code == 0, seeded.output
    for name, (company, frequency) in {"alpha": ("Alpha B.V.", "monthly"), "beta": ("Beta B.V.", "four_weekly"),
                                       "gamma": ("Gamma B.V.", "monthly"), "delta": ("Delta B.V.", "monthly")}.items():
        write_employer(repo_dir, name, company, frequency)
    write_employer(repo_dir, "epsilon", "Epsilon B.V.", "monthly", contract="RW-2026-0077")
    write_employer(repo_dir, "zeta", "Zeta B.V.", "monthly", state="withdrawn")
    return repo_dir


EXPECTED = {"alpha": (1, "submitted"), "beta": (1, "submitted"), "delta": (1, "submitted"),
            "epsilon": (2, "submitted"), "zeta": (2, "withdrawn")}


def _held(server: RegistryServer) -> dict[str, tuple[int, str, str]]:
    by_number = {v: k for k, v in PTN.items()}
    with RegistryClient(server.url, Secret(OFFICE, "test"), policy=FAST) as reg:
        return {by_number[r.payroll_tax_number]: (r.version, r.status, r.contract_number) for r in reg.list()}


@pytest.mark.parametrize(("k", "rerun"), [
    (0, "plan-file"), (1, "fresh"), (3, "plan-file"), (4, "fresh"),
])
def test_apply_killed_after_k_writes_then_run_again(tmp_path: Path, live: RegistryServer, k: int, rerun: str) -> None:
    repo_dir = _office_repo(tmp_path / "office", live)
    made = run_cli(repo_dir, "plan", "--out", "plan.json")
    assert json.loads((repo_dir / "plan.json").read_text())["summary"]["create"] == 3, made.output
    base = _writes(live)
    live.faults.set_latency(0.25)  # each request waits: the kill lands while write k+1 is in flight
    proc = subprocess.Popen([sys.executable, "-m", "asrctl", "apply", "plan.json"], cwd=repo_dir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(repo_dir))
    deadline = time.monotonic() + 30
    while _writes(live) - base < k + 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _writes(live) - base == k + 1, "the kill did not land while write k+1 was in flight"
    # The registry usually still carries out the orphaned write (its answer is what is lost); had the
    # kill cut the request short, it would not. Both are crashes apply must recover from.
    deadline = time.monotonic() + 5
    while len(done := _done(live)) < k + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    live.faults.set_latency(0)
    assert len(done) in (k, k + 1)

    if rerun == "plan-file":
        again = run_cli(repo_dir, "apply", "plan.json")
        assert again.stdout.count("the registry replayed its answer") == len(done), again.output
    else:
        again = run_cli(repo_dir, "apply", "--auto-approve")
        assert "replayed" not in again.stdout  # a fresh plan simply has fewer changes
        writes = re.findall(r"^[+~-] \S+: (?:created|updated|withdrawn) \(", again.stdout, flags=re.MULTILINE)
        assert len(writes) == 5 - len(done), again.output
    assert "! gamma: skipped" in again.stdout
    # Desired state, each registration at the version exactly one submission gives.
    held = _held(live)
    assert {name: v[:2] for name, v in held.items()} == EXPECTED
    assert held["epsilon"][2] == "RW-2026-0077"
    final = json.loads(run_cli(repo_dir, "plan", "--format", "json").stdout)
    assert {e["id"] for e in final["employers"] if e["action"] != "noop"} == {"gamma"}


def test_ctrl_c_stops_apply_with_130_and_the_same_plan_finishes_it(tmp_path: Path, live: RegistryServer) -> None:
    repo_dir = _office_repo(tmp_path / "office", live)
    run_cli(repo_dir, "plan", "--out", "plan.json")
    base = _writes(live)
    live.faults.set_latency(0.25)
    proc = _spawn(repo_dir, "apply", "plan.json")
    deadline = time.monotonic() + 30
    while _writes(live) - base < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    live.faults.set_latency(0)
    assert proc.returncode == 130, err
    assert "+ alpha: created (version 1, status submitted)" in out  # what was done is shown before stopping
    assert "interrupted after 1 write(s); run apply again to finish" in err
    assert err.rstrip().endswith("interrupted") and "Traceback" not in err
    deadline = time.monotonic() + 5  # beta was in flight: the registry may still carry it out
    while len(done := _done(live)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    again = run_cli(repo_dir, "apply", "plan.json")
    assert again.stdout.count("the registry replayed its answer") == len(done), again.output
    assert {name: v[:2] for name, v in _held(live).items()} == EXPECTED


def _done(server: RegistryServer) -> set[str]:
    return {name for name, v in _held(server).items() if v[:2] == EXPECTED[name]}


def _spawn(repo_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "asrctl", *args], cwd=repo_dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(repo_dir))


def test_two_applies_of_the_same_plan_at_once_submit_each_write_once(tmp_path: Path, live: RegistryServer) -> None:
    repo_dir = _office_repo(tmp_path / "office", live)
    run_cli(repo_dir, "plan", "--out", "plan.json")
    base = _writes(live)
    live.faults.set_latency(0.15)
    procs = [_spawn(repo_dir, "apply", "plan.json") for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    live.faults.set_latency(0)
    stdout = outs[0][0] + outs[1][0]
    for name in ("alpha", "beta", "delta", "epsilon", "zeta"):
        mine = [line for line in stdout.splitlines() if line.startswith(("+ ", "~ ", "- ")) and f" {name}: " in line]
        assert len(mine) == 2, stdout
        assert sum("replayed its answer" in line for line in mine) == 1, mine  # one carried it out, one replayed
    assert "stale plan" not in stdout
    assert [p.returncode for p in procs] == [1, 1]  # gamma is blocked in both
    assert _writes(live) - base == 10
    assert {name: v[:2] for name, v in _held(live).items()} == EXPECTED


def test_two_different_plans_at_once_no_lost_update(tmp_path: Path, live: RegistryServer) -> None:
    first = _office_repo(tmp_path / "a", live)
    assert run_cli(first, "apply", "--auto-approve", "--allow-withdraw").code == 1  # gamma blocked
    other = make_repo(tmp_path / "b", registry_url=live.url, allow_withdraw=True, employers={})
    for repo_dir, contract in ((first, "RW-PLAN-A"), (other, "RW-PLAN-B")):
        for name, (company, frequency) in {"alpha": ("Alpha B.V.", "monthly"), "beta": ("Beta B.V.", "four_weekly"),
                                           "delta": ("Delta B.V.", "monthly")}.items():
            write_employer(repo_dir, name, company, frequency, contract=contract)
        write_employer(repo_dir, "epsilon", "Epsilon B.V.", "monthly", contract="RW-2026-0077")  # as registered
        write_employer(repo_dir, "zeta", "Zeta B.V.", "monthly", state="withdrawn")
        (repo_dir / "employers" / "gamma.yaml").unlink(missing_ok=True)
        made = run_cli(repo_dir, "plan", "--out", "plan.json")
        assert json.loads((repo_dir / "plan.json").read_text())["summary"]["update"] == 3, made.output
    live.faults.set_latency(0.15)
    procs = [_spawn(first, "apply", "plan.json"), _spawn(other, "apply", "plan.json")]
    outs = [p.communicate(timeout=60) for p in procs]
    live.faults.set_latency(0)
    held = _held(live)
    for name in ("alpha", "beta", "delta"):
        results = [next(line for line in out.splitlines() if f" {name}: " in line) for out, _ in outs]
        won = [r for r in results if r.startswith(f"~ {name}: updated (version 1 → 2")]
        lost = [r for r in results if r == f"✗ {name}: failed: stale plan: the registration changed since the plan "
                                            "was made; run plan again"]
        assert len(won) == 1 and len(lost) == 1, results
        winner = "RW-PLAN-A" if results[0] in won else "RW-PLAN-B"
        assert held[name][:3] == (2, "submitted", winner)  # the loser's write did not overwrite the winner's
    for proc, (out, _) in zip(procs, outs, strict=True):
        assert proc.returncode == (1 if "failed" in out else 0)


# --- secrets -----------------------------------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        # The token files and the simulated Nmbrs world hold the tokens by design. The sandbox
        # registry's database is searched too: it stores fingerprints only.
        if rel.startswith("secrets/") or rel == "world.yaml":
            continue
        yield path


def test_no_token_in_any_output_log_or_file(tmp_path: Path) -> None:
    repo_dir = make_repo(tmp_path)
    runs = [
        run_cli(repo_dir, "--debug", "plan", "--out", "plan.json", "--format", "markdown", process=True),
        run_cli(repo_dir, "--debug", "apply", "--auto-approve", process=True),
        run_cli(repo_dir, "--debug", "-v", "status", "--format", "json", process=True),
        run_cli(repo_dir, "--debug", "sandbox", "advance", "alpha", "--to", "active", "--date", "2026-12-01", process=True),
        run_cli(repo_dir, "--debug", "import", "--account", "kantoor", "--out", "imported", process=True),
    ]
    write_employer(repo_dir, "beta", "Beta B.V.", "four_weekly", contract="RW-2026-0002")
    # A token rotated in Nmbrs and in the secret file: plan shows the change (as fingerprints), apply sends it.
    (repo_dir / "secrets" / "nmbrs.token").write_text(NMBRS_TOKEN + "-rotated\n")
    world = repo_dir / "world.yaml"
    world.write_text(world.read_text().replace(NMBRS_TOKEN, NMBRS_TOKEN + "-rotated"))
    runs.append(run_cli(repo_dir, "--debug", "plan", "--out", "plan2.json", process=True))
    runs.append(run_cli(repo_dir, "--debug", "apply", "plan2.json", process=True))
    runs.append(run_cli(repo_dir, "--debug", "plan", "--format", "json", process=True))
    assert [r.code for r in runs] == [1, 1, 0, 0, 0, 1, 1, 1], [r.output[-400:] for r in runs]
    assert "DEBUG" in runs[1].stderr  # --debug really logged (transport included)
    assert "sensitive" in runs[5].stdout  # the rotated token shows as a fingerprint change only
    secrets = (*SECRETS, NMBRS_TOKEN + "-rotated")
    for i, run_ in enumerate(runs):
        for secret in secrets:
            assert secret not in run_.output, f"run {i} printed a token"
        assert "Traceback" not in run_.output
    checked = list(_files(repo_dir))
    assert {"plan.json", "plan2.json"} <= {p.name for p in checked}
    assert any(p.parent.name == "imported" for p in checked)
    for path in checked:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{path} holds a token"
    assert not list(repo_dir.glob("asrctl-crash-*.txt"))
    # The fingerprints are there instead — the way reviewers see a token change.
    plan = json.loads((repo_dir / "plan2.json").read_text())
    assert any(c["sensitive"] for e in plan["employers"] for c in e["changes"])
    assert re.search(r"sha256:[0-9a-f]{16}", (repo_dir / "plan2.json").read_text())
