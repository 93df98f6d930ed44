"""Sample registrations for the reference registry: tests, the sandbox and benchmarks share them."""

from __future__ import annotations

from typing import Any

from ..registry.models import example_payroll_tax_number


def sample_number(n: int) -> str:
    """The n-th sample loonheffingennummer (valid: pattern and 11-test)."""
    return example_payroll_tax_number(n)


def sample_input(n: int = 0, *, token: str | None = "sample-nmbrs-api-token-0000") -> dict[str, Any]:
    """A valid RegistrationInput for employer n; `token=None` leaves nmbrs.token out (a change that keeps it)."""
    nmbrs: dict[str, Any] = {
        "company_name": f"Bakkerij De Korenschoof {n} B.V.",
        "username": "salaris@kantoor-voorbeeld.nl",
        "domain": "kantoor-voorbeeld",
        "account_model": "overarching",
    }
    if token is not None:
        nmbrs["token"] = token
    return {
        "contract_number": f"RC-{100000 + n}",
        "organisation": {
            "name": "Salariskantoor Voorbeeld B.V.",
            "contact_email": "aanmelding@kantoor-voorbeeld.nl",
        },
        "nmbrs": nmbrs,
        "dga": [],
        "payroll": {"frequency": "monthly", "thirteenth_month": False},
    }
