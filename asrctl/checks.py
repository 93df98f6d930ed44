"""Check results and the catalogue of check ids (stable: users grep for them, `explain` prints them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from asrctl.i18n import _

__all__ = ["CATALOGUE", "Check", "CheckInfo", "Severity"]

Severity = Literal["error", "warning", "note"]  # a note is neither counted as a warning nor blocks


@dataclass(frozen=True)
class Check:
    """One finding about one employer (or account). Severity error blocks the employer."""

    id: str
    severity: Severity
    message: str
    hint: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "severity": self.severity, "message": self.message, "hint": self.hint}


@dataclass(frozen=True)
class CheckInfo:
    id: str
    severity: Severity
    summary: str


# Severity here is the default; the message and hint of a finding carry the specifics.
CATALOGUE: dict[str, CheckInfo] = {
    info.id: info
    for info in [
        CheckInfo("nmbrs.auth", "error", _("The account's username/token are accepted by Nmbrs (fault 1001: token reset, user deleted or left).")),
        CheckInfo("nmbrs.domain", "error", _("The declared domain equals the Nmbrs environment's subdomain (DebtorService.Environment_Get).")),
        CheckInfo("nmbrs.api-rights", "error", _("Every API call a.s.r.'s coupling needs is Active for this login's template (fault 1002).")),
        CheckInfo("nmbrs.debtor", "error", _("The debtor is visible to the login and carries the configured tag.")),
        CheckInfo("nmbrs.company", "error", _("A company with exactly the declared name exists (under the debtor); near misses are named.")),
        CheckInfo("nmbrs.company-ambiguous", "error", _("The exact company name exists under several debtors and no debtor is declared.")),
        CheckInfo("nmbrs.frequency", "error", _("The declared payroll frequency matches the company's LoonaangifteTijdvak (Month/Week4).")),
        CheckInfo("nmbrs.dga", "error", _("Each declared DGA's employee number exists in the company.")),
        CheckInfo("nmbrs.dga-name", "warning", _("A declared DGA's name differs from the employee's name in Nmbrs.")),
        CheckInfo("nmbrs.dga-insured", "warning", _("A declared DGA is insured for WW/ZW/WIA (unusual for a DGA).")),
        CheckInfo("nmbrs.dga-undeclared", "warning", _("An employee looks like a DGA (not insured for WW, ZW and WIA) but is not declared.")),
        CheckInfo("nmbrs.scopes", "error", _("REST accounts: the consent grants the scopes asrctl needs (error) and the counterparts of a.s.r.'s SOAP list (warning).")),
        CheckInfo("nmbrs.unreachable", "error", _("Nmbrs did not answer after retries.")),
        CheckInfo("nmbrs.unverified", "warning", _("A check could not run or could not read what it needs; says which check and why (the call and field).")),
        CheckInfo("nmbrs.optional", "note", _("An optional extra call a login set up exactly by a.s.r.'s manual lacks: once per account, not a warning; names the call to activate.")),
        CheckInfo("nmbrs.untagged", "warning", _("An overarching login without a debtor tag: a.s.r. sees every debtor (the manual advises an a.s.r. tag).")),
        CheckInfo("registry.unmanaged", "warning", _("The registry holds a registration of this office that no employer file declares.")),
        CheckInfo("registry.registered-elsewhere", "error", _("apply: the loonheffingennummer is registered by another payroll office (409); contact a.s.r.")),
        CheckInfo("registry.unreachable", "error", _("The a.s.r. registry did not answer after retries.")),
        CheckInfo("apply.needs-force", "warning", _("Apply after merge will refuse: more changes than policy.max_change_fraction; a person applies with --force.")),
        CheckInfo("apply.withdraw-not-permitted", "warning", _("Apply will refuse: it withdraws registrations no employer file declares, without permission.")),
    ]
}
