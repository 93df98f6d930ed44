"""Helpers for tests against a registry: fixed tokens, sample registrations, and raw HTTP whose every
response is contract-checked.

Raw HTTP (not RegistryClient) so tests can send what the client never would:
bad headers, other content types, broken bodies.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.sandbox.registry_app import TokenGrant
from asrctl.sandbox.registry_contract import ContractChecker

# Test tokens (not secrets): office-a write/read, office-b write, two a.s.r.-side tokens.
A_WRITE = "tok-office-a-write-0001"
A_READ = "tok-office-a-read-00001"
B_WRITE = "tok-office-b-write-0001"
ASR = "tok-asr-0000000000001"
KEYLANE = "tok-asr-keylane-00001"
TOKENS = {
    A_WRITE: TokenGrant("office-a", "write"),
    A_READ: TokenGrant("office-a", "read"),
    B_WRITE: TokenGrant("office-b", "write"),
    ASR: TokenGrant("asr", "asr"),
    KEYLANE: TokenGrant("keylane", "asr"),
}
UNSET: Any = object()


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


class Api:
    """Raw requests to a registry at `url` (ending in the base path)."""

    def __init__(self, url: str, checker: ContractChecker) -> None:
        self.url = url
        self.checker = checker
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.hooks["response"].append(checker.hook)

    def call(
        self,
        method: str,
        path: str,
        token: str | None = A_WRITE,
        *,
        body: Any = UNSET,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        key: str | None = None,
        if_match: str | int | None = None,
        if_none_match: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        sent: dict[str, str] = {}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not UNSET:
            data = json.dumps(body).encode()
        if data is not None and content_type is not None:
            sent["Content-Type"] = content_type
        if key is not None:
            sent["Idempotency-Key"] = key
        if if_match is not None:
            sent["If-Match"] = f'"{if_match}"' if isinstance(if_match, int) else if_match
        if if_none_match is not None:
            sent["If-None-Match"] = if_none_match
        sent.update(headers or {})
        return self.session.request(method, self.url + path, data=data, headers=sent, timeout=10)

    # conveniences ------------------------------------------------------------------------

    def create(
        self, number: str, body: Any, token: str = A_WRITE, key: str | None = None
    ) -> requests.Response:
        return self.call("PUT", f"/registrations/{number}", token, body=body, if_none_match="*", key=key)

    def update(
        self, number: str, body: Any, version: int, token: str = A_WRITE, key: str | None = None
    ) -> requests.Response:
        return self.call("PUT", f"/registrations/{number}", token, body=body, if_match=version, key=key)

    def withdraw(
        self, number: str, version: int, token: str = A_WRITE, key: str | None = None
    ) -> requests.Response:
        return self.call("DELETE", f"/registrations/{number}", token, if_match=version, key=key)

    def set_status(
        self, number: str, body: Any, version: int, token: str = ASR, key: str | None = None
    ) -> requests.Response:
        return self.call(
            "PUT", f"/registrations/{number}/status", token, body=body, if_match=version, key=key
        )

    def get(self, number: str, token: str = A_WRITE) -> requests.Response:
        return self.call("GET", f"/registrations/{number}", token)

    def list(self, token: str = A_WRITE, **params: Any) -> requests.Response:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.call("GET", "/registrations" + (f"?{query}" if query else ""), token)
