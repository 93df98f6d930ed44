"""Observe Nmbrs for a plan: every nmbrs.* finding per employer, with bounded parallelism.

Concurrency: employers run in one pool (`parallelism` workers); single Nmbrs calls that fan
out (rights probes, per-debtor lists, per-employee SVW) run in a second pool whose tasks never
wait on anything, so an employer waiting on them cannot deadlock. The SOAP transport caps the
calls actually in flight at `parallelism`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Config
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.account import AccountView
from asrctl.nmbrs.employer import observe_employer
from asrctl.nmbrs.provider import NmbrsProvider, open_provider
from asrctl.secrets import Secret


@dataclass
class NmbrsObservation:
    checks: dict[str, list[Check]]  # employer id -> all nmbrs.* findings (account-level ones repeated); passing checks not listed
    calls: int                      # Nmbrs calls made in this run (retries included)


def observe_nmbrs(
    config: Config,
    employers: Sequence[LoadedEmployer],
    tokens: Mapping[str, Secret],
    *,
    endpoint_url: str,
    parallelism: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    retry: RetryPolicy | None = None,
) -> NmbrsObservation:
    """Run all nmbrs.* checks for `employers` against the SOAP API at `endpoint_url` (http(s) base URL).

    `tokens` maps account name -> resolved token. Withdrawn employers are not checked (an empty
    list): Nmbrs may rightly no longer hold them. `progress(done, total)` is called per employer.
    Nmbrs failures become checks (nmbrs.unreachable ...), never exceptions.
    """
    workers = parallelism or config.nmbrs.parallelism
    provider = open_provider(endpoint_url, parallelism=workers, timeout=config.nmbrs.timeout_seconds, retry=retry)
    try:
        return observe_with(provider, config, employers, tokens, parallelism=workers, progress=progress)
    finally:
        provider.close()


def observe_with(
    provider: NmbrsProvider,
    config: Config,
    employers: Sequence[LoadedEmployer],
    tokens: Mapping[str, Secret],
    *,
    parallelism: int,
    progress: Callable[[int, int], None] | None = None,
) -> NmbrsObservation:
    """observe_nmbrs for any NmbrsProvider (SOAP today, REST later)."""
    results: dict[str, list[Check]] = {e.id: [] for e in employers}
    active = [e for e in employers if e.employer.state == "active"]
    total, done = len(employers), len(employers) - len(active)
    if progress is not None and done:
        progress(done, total)
    with ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-call") as leaf, \
            ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-employer") as outer:
        views = {
            name: AccountView(
                provider, name, config.accounts.get(name), tokens.get(name),
                leaf=leaf, max_employee_scan=config.nmbrs.max_employee_scan,
            )
            for name in sorted({e.employer.nmbrs.account for e in active})
        }
        futures = {outer.submit(observe_employer, views[e.employer.nmbrs.account], e): e for e in active}
        try:
            for future in as_completed(futures):
                results[futures[future].id] = future.result()
                done += 1
                if progress is not None:
                    progress(done, total)
        except BaseException:
            outer.shutdown(wait=False, cancel_futures=True)
            leaf.shutdown(wait=False, cancel_futures=True)
            raise
    return NmbrsObservation(checks=results, calls=provider.calls)
