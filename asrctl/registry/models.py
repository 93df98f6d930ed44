"""Data of `contracts/asr-registry.openapi.yaml`, as the client reads and writes it.

Client-side models are tolerant (unknown members ignored) so a registry that
adds fields does not break asrctl; the reference server validates against the
contract's own schemas instead.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from asrctl.declare.model import AccountModel

Status = Literal["submitted", "in_setup", "active", "rejected", "withdrawn"]
# Idempotency-Key: 1..128 visible ASCII characters (contract conventions).
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,128}")


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


