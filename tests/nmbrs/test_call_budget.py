"""One call budget for the whole run: SOAP and REST together, all threads, never more than
nmbrs.max_calls_per_second calls arriving in any one-second window (read from the simulators' call logs)."""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

import pytest

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.net.budget import CallBudget

from .both import Both
from support.cli import run_cli
from support.rest import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY


def busiest_window(times: list[float], seconds: float = 1.0) -> int:
    times = sorted(times)
    return max((bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)


def test_the_window_counts_correctly() -> None:
    assert busiest_window([0.0, 0.5, 0.99, 1.0, 1.5]) == 3
    assert busiest_window([0.0, 0.7, 0.9]) == 3 and busiest_window([0.0, 0.7, 0.9], 0.75) == 2
    assert busiest_window([]) == 0


# The budget limits when calls *start*; the simulators log when they *arrive*. A call delayed by up to
# SLACK (a loaded machine's scheduling) may land in the same arrival window as one started a full second
# later, so arrivals are counted in windows of 1 - SLACK: exact for any delay up to SLACK, and still far
# below what 16 unthrottled threads would show.
SLACK = 0.25


CONFIG = """\
organisation: {{name: Salarisbureau Voorbeeld B.V., contact_email: koppelingen@voorbeeld.nl}}
nmbrs:
  endpoint: {soap}
  max_calls_per_second: {budget}
  parallelism: 16
  rest:
    url: {rest}
    identity_url: {rest}
    client_id: {client_id}
    client_secret: {{file: client-secret}}
    subscription_key: {{file: subscription-key}}
registry: {{url: "sandbox:registry.sqlite", token: {{file: registry.token}}}}
accounts:
  kantoor: {{model: overarching, api: rest, grant: {{file: kantoor.json}}, username: kantoor@voorbeeld.nl,
            token: {{file: kantoor.token}}, domain: voorbeeld, tag: a.s.r.}}
  alles: {{model: overarching, username: alles@voorbeeld.nl, token: {{file: alles.token}}, domain: voorbeeld}}
"""
COMPANIES = [("Bakkerij De Vries B.V.", "monthly", None), ("Jansen Transport B.V.", "four_weekly", None),
             ("Bakkerij De Vries Utrecht B.V.", "four_weekly", None), ("Dubbel B.V.", "monthly", "1077")]


def test_soap_and_rest_share_one_budget_across_threads(both: Both, tmp_path: Path) -> None:
    """`asrctl plan` in its own process (as in production, the simulators' clocks are not slowed by the
    client's threads): a REST and a SOAP account, parallelism 16, a budget of 10 calls a second."""
    budget = 10
    root = tmp_path / "repo"
    (root / "employers").mkdir(parents=True)
    (root / "asrctl.yaml").write_text(CONFIG.format(soap=both.soap.url, rest=both.rest.url, budget=budget,
                                                    client_id=CLIENT_ID))
    for name, value in (("client-secret", CLIENT_SECRET), ("subscription-key", SUBSCRIPTION_KEY),
                        ("registry.token", "budget-registry-token-123"), ("kantoor.token", "tok-kantoor-7f3a9c1e5b"),
                        ("alles.token", "tok-alles-5d7f9b1c3e")):
        (root / name).write_text(value + "\n")
    (root / "kantoor.json").write_bytes(both.grant("kantoor", "kantoor@voorbeeld.nl").path.read_bytes())
    numbers = iter(example_payroll_tax_number(700 + i) for i in range(2 * len(COMPANIES)))
    for account in ("kantoor", "alles"):
        for i, (company, frequency, debtor) in enumerate(COMPANIES):
            (root / "employers" / f"{account}-{i}.yaml").write_text(
                f"contract_number: RW-{i}\npayroll_tax_number: {next(numbers)}\n"
                f"nmbrs: {{account: {account}, company: {company}" + (f", debtor: '{debtor}'" if debtor else "")
                + f"}}\npayroll: {{frequency: {frequency}, thirteenth_month: false}}\ndga: []\n")
    run = run_cli(root, "plan", "--format", "json", process=True, timeout=120)
    assert run.code in (0, 1, 2) and '"employers"' in run.stdout and '"nmbrs.auth"' not in run.stdout, run.output[-2000:]
    soap = [e.at for e in both.soap.calls.entries]
    rest = [e.at for e in both.rest.calls.entries]
    assert soap and rest and len(soap) + len(rest) > 3 * budget, run.output[-1500:]  # enough to hit it
    assert busiest_window(soap + rest, 1.0 - SLACK) <= budget


def test_a_budget_never_lets_more_than_its_limit_start_in_a_window() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budget = CallBudget(5, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(12):
        budget.acquire()
        starts.append(now[0])
    assert busiest_window(starts) <= 5 and starts[5] >= 1.0 and starts[10] >= 2.0
    with pytest.raises(ValueError):
        CallBudget(0.5)
