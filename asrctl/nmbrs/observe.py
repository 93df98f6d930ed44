"""Observe Nmbrs for a plan: every nmbrs.* finding per employer, with bounded parallelism.

Concurrency: employers run in one pool (`parallelism` workers); single Nmbrs calls that fan
out (rights probes, per-debtor lists, per-employee SVW) run in a second pool whose tasks never
wait on anything, so an employer waiting on them cannot deadlock. The SOAP transport caps the
calls actually in flight at `parallelism`; one CallBudget (nmbrs.max_calls_per_second) paces
SOAP and REST together.

Each account reads through the provider of its `api`: soap, or rest (which wraps the same SOAP
provider for the checks of the token a.s.r. receives).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Config
from asrctl.net.budget import CallBudget
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs.account import AccountView
from asrctl.nmbrs.employer import observe_employer
from asrctl.nmbrs.provider import NmbrsProvider, open_provider
from asrctl.secrets import Secret

if TYPE_CHECKING:
    from asrctl.nmbrs.rest.grant import GrantStore
    from asrctl.nmbrs.rest.oauth import RestApp


@dataclass(frozen=True)
class RestSetup:
    """What REST accounts need: the office's app (resolved) and each account's grant file."""

    app: RestApp
    grants: Mapping[str, GrantStore] = field(default_factory=dict)


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
    rest: RestSetup | None = None,
    budget: CallBudget | None = None,
) -> NmbrsObservation:
    """Run all nmbrs.* checks for `employers`: SOAP at `endpoint_url` (http(s) base URL), REST per `rest`.

    `tokens` maps account name -> resolved token. Withdrawn employers are not checked (an empty
    list): Nmbrs may rightly no longer hold them. `progress(done, total)` is called per employer.
    Nmbrs failures become checks (nmbrs.unreachable ...), never exceptions.
    """
    workers = parallelism or config.nmbrs.parallelism
    budget = budget or CallBudget(config.nmbrs.max_calls_per_second)
    timeout = config.nmbrs.timeout_seconds
    provider = open_provider(endpoint_url, parallelism=workers, timeout=timeout, retry=retry, budget=budget)
    rest_provider: NmbrsProvider | None = None
    try:
        if rest is not None and any(a.api == "rest" for a in config.accounts.values()):
            from asrctl.nmbrs.rest.provider import RestProvider

            rest_provider = RestProvider(rest.app, rest.grants, soap=provider, budget=budget, parallelism=workers,
                                         timeout=timeout, retry=retry)
        return observe_with(provider, config, employers, tokens, parallelism=workers, progress=progress,
                            rest_provider=rest_provider)
    finally:
        if rest_provider is not None:
            rest_provider.close()
        provider.close()


def observe_with(
    provider: NmbrsProvider,
    config: Config,
    employers: Sequence[LoadedEmployer],
    tokens: Mapping[str, Secret],
    *,
    parallelism: int,
    progress: Callable[[int, int], None] | None = None,
    rest_provider: NmbrsProvider | None = None,
) -> NmbrsObservation:
    """observe_nmbrs for any NmbrsProvider; accounts with `api: rest` use `rest_provider` when given."""
    results: dict[str, list[Check]] = {e.id: [] for e in employers}
    active = [e for e in employers if e.employer.state == "active"]
    total, done = len(employers), len(employers) - len(active)
    if progress is not None and done:
        progress(done, total)
    with ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-call") as leaf, \
            ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-employer") as outer:
        def provider_of(name: str) -> NmbrsProvider:
            account = config.accounts.get(name)
            return rest_provider if account is not None and account.api == "rest" and rest_provider else provider

        views = {
            name: AccountView(
                provider_of(name), name, config.accounts.get(name), tokens.get(name),
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
    calls = provider.calls + (rest_provider.calls if rest_provider is not None else 0)
    return NmbrsObservation(checks=results, calls=calls)
