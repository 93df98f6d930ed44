"""Data of `contracts/asr-registry.openapi.yaml`, as the client reads and writes it.

Client-side models are tolerant (unknown members ignored) so a registry that
adds fields does not break asrctl; the reference server validates against the
contract's own schemas instead.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["submitted", "in_setup", "active", "rejected", "withdrawn"]
# Idempotency-Key: 1..128 visible ASCII characters (contract conventions).
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")
AccountModel = Literal["overarching", "per_debtor"]


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RegOrganisation(_Tolerant):
    name: str
    contact_email: str


class RegNmbrs(_Tolerant):
    company_name: str
    username: str
    domain: str
    account_model: AccountModel


class RegDga(_Tolerant):
    name: str
    employee_number: int


class RegPayroll(_Tolerant):
    frequency: Literal["monthly", "four_weekly"]
    thirteenth_month: bool


class Registration(_Tolerant):
    """A registration (aanmelding) as the registry stores it; the token only as fingerprint."""

    payroll_tax_number: str
    contract_number: str
    organisation: RegOrganisation
    nmbrs: RegNmbrs
    dga: list[RegDga]
    payroll: RegPayroll
    # The contract's versions start at 1; 0, a negative or a non-integer would reach If-Match in apply.
    version: int = Field(ge=1, strict=True)
    status: Status
    status_detail: str | None = None
    first_exchange_date: str | None = None
    token_fingerprint: str
    created_at: str
    updated_at: str

    def comparable(self) -> dict[str, Any]:
        """The submitted part plus the token fingerprint: what a desired registration is compared with."""
        return {
            "contract_number": self.contract_number,
            "organisation": self.organisation.model_dump(),
            "nmbrs": {**self.nmbrs.model_dump(), "token_fingerprint": self.token_fingerprint},
            "dga": [d.model_dump() for d in self.dga],
            "payroll": self.payroll.model_dump(),
        }


# --- loonheffingennummer ---------------------------------------------------------------

_ELEVEN_TEST_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def passes_eleven_test(nine_digits: str) -> bool:
    """The 11-test of an RSIN/BSN: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11."""
    if len(nine_digits) != 9 or not nine_digits.isascii() or not nine_digits.isdigit():
        return False
    return sum(w * int(d) for w, d in zip(_ELEVEN_TEST_WEIGHTS, nine_digits, strict=True)) % 11 == 0


def payroll_tax_number_ok(value: str) -> bool:
    """A loonheffingennummer as the contract wants it: 9 digits passing the 11-test, L, 2 digits."""
    return (
        len(value) == 12
        and value[9] == "L"
        and value[10:].isascii()
        and value[10:].isdigit()
        and passes_eleven_test(value[:9])
    )


def example_payroll_tax_number(n: int, sub: int = 1) -> str:
    """The n-th (0 <= n < 9,000,000) valid loonheffingennummer of a fixed series: for tests and samples."""
    if not 0 <= n < 9_000_000 or not 0 <= sub <= 99:
        raise ValueError("n must be in 0..8,999,999 and sub in 0..99")
    seven = f"{1_000_000 + n:07d}"
    partial = sum(w * int(d) for w, d in zip(_ELEVEN_TEST_WEIGHTS, seven, strict=False))
    # Choose the eighth digit so that the check digit (ninth) is a single digit.
    for eighth in range(10):
        check = (partial + 2 * eighth) % 11
        if check < 10:
            return f"{seven}{eighth}{check}L{sub:02d}"
    raise AssertionError("unreachable: two consecutive eighth digits give different check digits")
