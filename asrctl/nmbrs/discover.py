"""Read what one Nmbrs login holds, for `asrctl import`: its companies and the employees that look like DGAs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from asrctl.checks import Check
from asrctl.declare.model import Config
from asrctl.errors import ConfigError, ServiceError
from asrctl.i18n import _
from asrctl.net.retry import RetryPolicy
from asrctl.nmbrs import findings as found
from asrctl.nmbrs.account import AccountView
from asrctl.nmbrs.attempt import Failed, Kind, attempt
from asrctl.nmbrs.findings import FREQUENCY_OF_PERIOD
from asrctl.nmbrs.provider import Capability, Company, Debtor, Employee, NmbrsProvider, open_provider
from asrctl.secrets import Secret


@dataclass(frozen=True)
class DiscoveredCompany:
    id: int
    number: int
    name: str
    debtor_number: str | None       # None when the login may not list debtors
    debtor_name: str | None
    pay_period: str | None          # as Nmbrs writes it (SOAP: LoonaangifteTijdvak); None when not known
    frequency: Literal["monthly", "four_weekly"] | None  # None: a pay period a.s.r. cannot connect
    dga_candidates: tuple[Employee, ...]  # not insured for WW, ZW and WIA
    dgas_checked: bool              # False: the employees could not all be looked at (see notes)


@dataclass(frozen=True)
class Discovery:
    account: str
    companies: list[DiscoveredCompany]   # sorted by debtor number, then name
    notes: list[Check]                   # nmbrs.* findings about the login (unverified, api-rights ...)
    calls: int
    # Names that exist under several debtors in the login's scope (also when `keep` left some out).
    ambiguous: frozenset[str] = frozenset()
    # (name, debtor number) of the companies in scope that `keep` left out: for "did you mean".
    left_out: tuple[tuple[str, str | None], ...] = ()


# Which companies to read (name, debtor number or None when Nmbrs would not tell).
Keep = Callable[[str, str | None], bool]


def discover_companies(
    config: Config,
    account_name: str,
    token: Secret,
    *,
    endpoint_url: str,
    parallelism: int | None = None,
    retry: RetryPolicy | None = None,
    with_dgas: bool = True,
    keep: Keep | None = None,
) -> Discovery:
    """The companies `account_name` sees, within its tag (overarching) or debtor (per_debtor).

    `keep` limits which companies are read further (their employees, for DGAs); the others are
    only named in `left_out`.

    Raises ServiceError when the login cannot be used at all (token refused, Nmbrs unreachable).
    """
    workers = parallelism or config.nmbrs.parallelism
    provider = open_provider(endpoint_url, parallelism=workers, timeout=config.nmbrs.timeout_seconds, retry=retry)
    try:
        return discover_with(provider, config, account_name, token, parallelism=workers, with_dgas=with_dgas,
                             keep=keep)
    finally:
        provider.close()


def discover_with(
    provider: NmbrsProvider,
    config: Config,
    account_name: str,
    token: Secret,
    *,
    parallelism: int,
    with_dgas: bool = True,
    keep: Keep | None = None,
) -> Discovery:
    account = config.accounts.get(account_name)
    if account is None:
        raise ConfigError(
            _("asrctl.yaml has no account '{account}'", account=account_name),
            hint=_("Use one of: {accounts}", accounts=", ".join(sorted(config.accounts))),
        )
    with ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-call") as leaf, \
            ThreadPoolExecutor(parallelism, thread_name_prefix="nmbrs-company") as outer:
        view = AccountView(provider, account_name, account, token, leaf=leaf,
                           max_employee_scan=config.nmbrs.max_employee_scan)
        view.ready()
        errors = [c for c in view.checks if c.severity == "error" and c.id != "nmbrs.api-rights"]
        if view.fatal or errors:
            raise ServiceError(errors[0].message, hint=errors[0].hint)
        if view.companies is None:
            raise ServiceError(
                _("The companies of account '{account}' cannot be listed: the login may not {action} ({why}).",
                  account=account_name, action=found.ACTION_WORDS[Capability.LIST_COMPANIES],
                  why=view.remedies.not_enabled(provider.label(Capability.LIST_COMPANIES))),
                hint=next((c.hint for c in view.checks if c.id == "nmbrs.api-rights"), None),
            )
        notes = list(view.checks)
        placed = _in_scope(view, view.companies, notes)
        counts = Counter(company.name or "" for company, _ in placed)
        ambiguous = frozenset(name for name, n in counts.items() if n > 1 and name)
        left_out: list[tuple[str, str | None]] = []
        if keep is not None:
            chosen = []
            for company, debtor in placed:
                name, number = company.name or "", debtor.number if debtor else None
                if keep(name, number):
                    chosen.append((company, debtor))
                else:
                    left_out.append((name, number))
            placed = chosen
        # A company listed without its pay period: asked for those kept only.
        placed = [(_with_period(view, c, notes), d) for c, d in placed]
        futures = [
            (company, debtor, outer.submit(_dga_candidates, view, company, notes) if with_dgas else None)
            for company, debtor in placed
        ]
        result = []
        for company, debtor, future in futures:
            candidates, checked = future.result() if future is not None else ((), False)
            result.append(DiscoveredCompany(
                id=company.id,
                number=company.number,
                name=company.name or "",
                debtor_number=debtor.number if debtor else None,
                debtor_name=debtor.name if debtor else None,
                pay_period=company.pay_period_label if company.pay_period is not None else None,
                frequency=FREQUENCY_OF_PERIOD.get(company.pay_period) if company.pay_period else None,
                dga_candidates=tuple(candidates),
                dgas_checked=checked,
            ))
    result.sort(key=lambda c: (c.debtor_number or "", c.name, c.id))
    return Discovery(account=account_name, companies=result, notes=_unique(notes), calls=provider.calls,
                     ambiguous=ambiguous, left_out=tuple(left_out))


def _in_scope(view: AccountView, companies: list[Company], notes: list[Check]) -> list[tuple[Company, Debtor | None]]:
    """Companies with their debtor, limited to the account's debtor or tag where Nmbrs lets us tell."""
    account = view.account
    assert account is not None
    mapping = attempt(view.debtors_of_companies)
    if isinstance(mapping, Failed):
        if mapping.kind is not Kind.NOT_PERMITTED:
            raise mapping.error
        call = mapping.error.call
        notes.append(found.debtors_unread(action=found.ACTION_WORDS[mapping.error.capability],
                                          why=view.remedies.not_enabled(call), hint=view.enable_hint(call)))
        return [(c, None) for c in companies]
    wanted: set[int] | None = None
    if account.model == "per_debtor" and account.debtor:
        wanted = {d.id for d in view.debtors() if (d.number or "").strip() == account.debtor.strip()}
    elif account.model == "overarching" and account.tag:
        tag = account.tag
        tag_futures = [(d, view.leaf.submit(attempt, lambda d=d: view.debtor_tags(d))) for d in view.debtors()]
        tagged = [(d, future.result()) for d, future in tag_futures]
        failed = next((t for _, t in tagged if isinstance(t, Failed)), None)
        if failed is None:
            wanted = {d.id for d, tags in tagged if not isinstance(tags, Failed) and tag in tags}
        elif failed.kind is Kind.NOT_PERMITTED:
            call = failed.error.call
            notes.append(found.tags_unread(action=found.ACTION_WORDS[failed.error.capability],
                                           why=view.remedies.not_enabled(call), tag=tag, hint=view.enable_hint(call)))
        else:
            raise failed.error
    placed = []
    for company in companies:
        debtors = mapping.get(company.id, [])
        if wanted is not None:
            debtors = [d for d in debtors if d.id in wanted]
            if not debtors:
                continue
        placed.append((company, debtors[0] if debtors else None))
    return placed


def _dga_candidates(view: AccountView, company: Company, notes: list[Check]) -> tuple[list[Employee], bool]:
    def read() -> tuple[list[Employee], bool]:
        employees = view.employees(company).employees
        insurance = view.insurance(company, [e.id for e in employees], declared=())
        if insurance.note is not None:
            notes.append(insurance.note)
        candidates = [e for e in employees if (s := insurance.by_employee.get(e.id)) is not None and s.looks_like_dga]
        return candidates, insurance.complete

    got = attempt(read)
    if not isinstance(got, Failed):
        return got
    # Refused data, or a read not permitted (in a.s.r.'s list: nmbrs.api-rights is in the notes).
    if got.kind not in (Kind.NO_DATA, Kind.NOT_PERMITTED):
        notes.append(found.unreachable(got.error, _("reading the employees of '{company}'", company=company.name)))
    return [], False


def _with_period(view: AccountView, company: Company, notes: list[Check]) -> Company:
    got = attempt(lambda: view.with_pay_period(company))
    if not isinstance(got, Failed):
        return got
    notes.append(found.request_rejected(got.error, _("the pay period of '{company}'", company=company.name)))
    return company


def _unique(checks: list[Check]) -> list[Check]:
    return list(dict.fromkeys(checks))
