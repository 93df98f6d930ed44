"""Observe: ask Nmbrs and the registry what they hold, then diff into a Plan.

The one place where plan's inputs are gathered; `plan`, `apply` (without a plan
file) and the benchmarks call `run_plan`. Nmbrs checks and the registry listing run
side by side: they are independent and both wait on the network.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asrctl.checks import Check
from asrctl.declare.load import Repo
from asrctl.errors import ConfigError, ServiceError
from asrctl.i18n import _, localize
from asrctl.plan.make import Plan, Stats, make_plan, select_employers
from asrctl.registry.models import Registration
from asrctl.run.changes import Scope
from asrctl.run.services import Services


def run_plan(
    repo: Repo,
    services: Services,
    *,
    targets: set[str] | None = None,
    parallelism: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    scope: Scope | None = None,
) -> Plan:
    """Observe and diff. `scope` (`plan --changed-since`): plan only what the change touches —
    its employers (targets), the registrations of its deleted files — and record the ref."""
    from asrctl.nmbrs.observe import RestSetup, observe_nmbrs  # zeep/lxml only when Nmbrs is really asked

    started = time.monotonic()
    if scope is not None and not scope.everything:
        targets = set(scope.employers)
    chosen = select_employers(repo.employers, targets)
    registry_calls_before = services.registry.calls
    extra: dict[str, list[Check]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="registry") as pool:
        listing = pool.submit(services.registry.list)
        nmbrs = observe_nmbrs(
            repo.config,
            chosen,
            services.tokens,
            endpoint_url=services.nmbrs_url,
            parallelism=parallelism,
            progress=progress,
            rest=RestSetup(services.rest, services.grants) if services.rest is not None else None,
        )
        registrations: list[Registration]
        try:
            registrations = listing.result()
        except ServiceError as exc:
            # Without the registry every employer would look like a create: block them all instead.
            registrations = []
            finding = Check("registry.unreachable", "error",
                            _("the a.s.r. registry could not be read: {reason}", reason=exc.message),
                            exc.hint or _("try again later; check registry.url and the registry token"))
            extra = {e.id: [finding] for e in chosen}
    stats = Stats(
        nmbrs_calls=nmbrs.calls,
        registry_calls=services.registry.calls - registry_calls_before,
        seconds=round(time.monotonic() - started, 3),
    )
    # observe_nmbrs lists findings only; an employer it passed has none.
    nmbrs_checks = {e.id: nmbrs.checks.get(e.id, []) for e in chosen}
    return make_plan(
        repo,
        nmbrs_checks,
        registrations,
        services.token_fingerprints,
        targets=targets,
        extra_checks=extra,
        withdrawal_candidates=set(scope.withdrawal_candidates) if scope is not None else None,
        changed_since=scope.ref if scope is not None else None,
        created_at=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        stats=stats,
    )


def read_plan_file(path: str | Path) -> Plan:
    """THE plan reader (apply, `github comment|drift|verify-plan`): the file `plan --out` wrote,
    refused when it is not JSON, of another format_version, or edited since (its checksum)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(_("cannot read plan file {path}: {reason}", path=path,
                            reason=exc.strerror or exc.__class__.__name__),
                          hint=_("pass the file written by `asrctl plan --out FILE`")) from None
    return Plan.from_json(data, source=localize(_("plan file {path}", path=path)))
