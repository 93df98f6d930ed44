"""Onboarding status: the employer files beside this office's registrations (`asrctl status`).

Only the registry is read (never Nmbrs): one row per employer file — "not registered" when
the registry holds nothing for its loonheffingennummer — and one per registration of this
office that no file declares (flagged unmanaged; withdrawn ones are history and left out,
as plan leaves them out).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from asrctl.declare.load import Repo
from asrctl.i18n import _
from asrctl.plan.make import describe_status
from asrctl.registry.models import Registration, Status

FORMAT_VERSION = 1
# How rows are ordered and counted: what needs attention first.
STATUS_ORDER: tuple[str, ...] = ("rejected", "submitted", "in_setup", "active", "withdrawn", "not registered")


class StatusRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None                      # employer id (file stem); None for an unmanaged registration
    file: str | None
    payroll_tax_number: str
    company_name: str
    managed: bool                       # an employer file declares it
    declared_state: Literal["active", "withdrawn"] | None  # what the file says; None when unmanaged
    status: Status | None               # None: not registered
    status_detail: str | None = None    # e.g. the rejection reason
    first_exchange_date: str | None = None
    updated_at: str | None = None       # the registration's last change
    version: int | None = None
    note: str | None = None             # where file and registry disagree

    @property
    def status_text(self) -> str:
        return describe_status(self.status, self.status_detail, self.first_exchange_date)

    @property
    def status_word(self) -> str:
        return self.status or "not registered"


class StatusReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: Literal[1] = 1
    rows: list[StatusRow]
    summary: dict[str, int]             # status word -> declared employers, in STATUS_ORDER; "unmanaged" apart

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


def _note(declared: str, registration: Registration | None) -> str | None:
    if registration is None:
        return None
    if declared == "withdrawn" and registration.status != "withdrawn":
        return _("the file says withdrawn: apply will withdraw it")
    if declared == "active" and registration.status == "withdrawn":
        return _("the file says active: apply will submit it again")
    return None


def build_status(repo: Repo, registrations: Sequence[Registration]) -> StatusReport:
    by_number = {r.payroll_tax_number: r for r in registrations}
    rows: list[StatusRow] = []
    declared: set[str] = set()
    for loaded in repo.employers:
        employer = loaded.employer
        number = employer.payroll_tax_number
        declared.add(number)
        reg = by_number.get(number)
        rows.append(
            StatusRow(
                id=loaded.id,
                file=loaded.path,
                payroll_tax_number=number,
                company_name=employer.nmbrs.company,
                managed=True,
                declared_state=employer.state,
                status=reg.status if reg else None,
                status_detail=reg.status_detail if reg else None,
                first_exchange_date=reg.first_exchange_date if reg else None,
                updated_at=reg.updated_at if reg else None,
                version=reg.version if reg else None,
                note=_note(employer.state, reg),
            )
        )
    for reg in sorted(registrations, key=lambda r: r.payroll_tax_number):
        if reg.payroll_tax_number in declared or reg.status == "withdrawn":
            continue
        rows.append(
            StatusRow(
                id=None,
                file=None,
                payroll_tax_number=reg.payroll_tax_number,
                company_name=reg.nmbrs.company_name,
                managed=False,
                declared_state=None,
                status=reg.status,
                status_detail=reg.status_detail,
                first_exchange_date=reg.first_exchange_date,
                updated_at=reg.updated_at,
                version=reg.version,
                note=_("no employer file declares it (asrctl import writes one)"),
            )
        )
    # The counts are of declared employers only; registrations no file declares are counted apart.
    counts = Counter(r.status_word for r in rows if r.managed)
    summary = {word: counts[word] for word in STATUS_ORDER if counts[word]}
    unmanaged = sum(1 for r in rows if not r.managed)
    if unmanaged:
        summary["unmanaged"] = unmanaged
    return StatusReport(rows=rows, summary=summary)
