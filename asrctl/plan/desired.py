"""The desired registration of an employer: what asrctl.yaml + the employer file say a.s.r. should hold.

Two shapes of the same data:
- `desired_registration` — the comparable form (token only as fingerprint), in the shape of
  `Registration.comparable()`, so plan can diff it against the stored registration and
  digest it. It never holds a token.
- `write_body` — the contract's RegistrationInput that apply PUTs, with the resolved token
  only when one must be sent (create, or a changed fingerprint).

DGA order carries no meaning (a.s.r.'s form lists them), so both shapes sort DGAs by
employee number: reordering them in YAML is not a change, and the body is deterministic.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from asrctl.declare.model import Config, Employer
from asrctl.registry.models import Registration
from asrctl.secrets import Secret


def _dga(items: list[Any]) -> list[dict[str, Any]]:
    return sorted(
        ({"name": d.name, "employee_number": d.employee_number} for d in items),
        key=lambda d: (d["employee_number"], d["name"]),
    )


def _submitted(config: Config, employer: Employer) -> dict[str, Any]:
    """The form's fields without any token: shared by both shapes."""
    account = config.accounts[employer.nmbrs.account]
    return {
        "contract_number": employer.contract_number,
        "organisation": {"name": config.organisation.name, "contact_email": config.organisation.contact_email},
        "nmbrs": {
            "company_name": employer.nmbrs.company,
            "username": account.username,
            "domain": account.domain,
            "account_model": account.model,
        },
        "dga": _dga(employer.dga),
        "payroll": {"frequency": employer.payroll.frequency, "thirteenth_month": employer.payroll.thirteenth_month},
    }


def desired_registration(config: Config, employer: Employer, token_fingerprint: str) -> dict[str, Any]:
    """The registration this employer should have, token as fingerprint (same shape as `stored_registration`)."""
    desired = _submitted(config, employer)
    desired["nmbrs"]["token_fingerprint"] = token_fingerprint
    return desired


def stored_registration(registration: Registration) -> dict[str, Any]:
    """The stored registration in the comparable shape, DGAs in the same canonical order."""
    stored = registration.comparable()
    stored["dga"] = sorted(stored["dga"], key=lambda d: (d["employee_number"], d["name"]))
    return stored


def canonical_json(value: Any) -> str:
    """The one canonical JSON of asrctl digests: sorted keys, compact, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def desired_digest(config: Config, employer: Employer, token_fingerprint: str) -> str:
    """sha256 over the canonical desired registration; apply recomputes it to see nothing moved."""
    return digest(desired_registration(config, employer, token_fingerprint))


def write_body(config: Config, employer: Employer, token: Secret | None) -> dict[str, Any]:
    """The RegistrationInput to PUT. Pass the token on create or when its fingerprint changed;
    None leaves it out, which the registry reads as "keep the stored token"."""
    body = _submitted(config, employer)
    if token is not None:
        body["nmbrs"]["token"] = token.reveal()
    return body
