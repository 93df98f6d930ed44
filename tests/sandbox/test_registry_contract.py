"""The packaged contract is the shared one, and the response checker catches what it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asrctl.sandbox.registry_contract import CONTRACT_PATH, ContractChecker, ContractViolation

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "contracts" / "asr-registry.openapi.yaml"


def test_packaged_contract_equals_the_shared_one() -> None:
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is not present on this machine")
    assert CONTRACT_PATH.read_bytes() == SHARED.read_bytes(), (
        "copy the shared contract into asrctl/sandbox/data/"
    )


REGISTRATION = {
    "payroll_tax_number": "123456782L01",
    "contract_number": "RC-1",
    "organisation": {"name": "Kantoor", "contact_email": "a@kantoor.nl"},
    "nmbrs": {
        "company_name": "C",
        "username": "u@kantoor.nl",
        "domain": "kantoor",
        "account_model": "overarching",
    },
    "dga": [],
    "payroll": {"frequency": "monthly", "thirteenth_month": False},
    "version": 2,
    "status": "active",
    "status_detail": None,
    "first_exchange_date": "2026-12-01",
    "token_fingerprint": "sha256:0123456789abcdef",
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-02T00:00:00Z",
}
URL = "http://127.0.0.1:1/v1/registrations/123456782L01"
JSON = {"Content-Type": "application/json", "ETag": '"2"'}


def check(
    status: int, body: object, headers: dict[str, str] = JSON, method: str = "GET", url: str = URL
) -> list[str]:
    checker = ContractChecker(raise_now=False)
    checker.check(method, url, status, headers, json.dumps(body).encode())
    return checker.violations


def test_a_conforming_registration_passes() -> None:
    assert check(200, REGISTRATION) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"first_exchange_date": "2026-13-01"}, "is not a 'date'"),
        ({"updated_at": "yesterday"}, "is not a 'date-time'"),
        ({"nmbrs": {**REGISTRATION["nmbrs"], "token": "t"}}, "write-only"),  # type: ignore[dict-item]
        ({"version": 3}, "ETag"),
        ({"status_detail": 5}, "status_detail"),
        ({"extra": 1}, "Additional properties"),
    ],
)
def test_violations_are_caught(change: dict[str, object], expected: str) -> None:
    violations = check(200, {**REGISTRATION, **change})
    assert any(expected in v for v in violations), violations


def test_statuses_and_media_types() -> None:
    problem = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "none"}
    problem_json = {"Content-Type": "application/problem+json"}
    assert check(404, problem, problem_json) == []
    limited = {**problem_json, "Retry-After": "1"}
    assert check(429, {**problem, "status": 429}, limited) == []  # any operation may answer 429
    assert any("expected 'application/problem+json'" in v for v in check(404, problem))
    assert any("not documented" in v for v in check(409, {**problem, "status": 409}, problem_json))
    assert any("differs" in v for v in check(404, {**problem, "status": 400}, problem_json))
    with pytest.raises(ContractViolation):
        ContractChecker().check("GET", URL, 200, JSON, b"not json")


def test_rate_limiting_needs_retry_after_in_seconds() -> None:
    problem_json = {"Content-Type": "application/problem+json"}
    limited = {"type": "about:blank", "title": "Too Many Requests", "status": 429, "detail": "slow down"}
    assert any("without Retry-After" in v for v in check(429, limited, problem_json))
    assert check(429, limited, {**problem_json, "Retry-After": "2"}) == []
    later = "Wed, 21 Oct 2026 07:28:00 GMT"
    assert any(
        "not a number of seconds" in v for v in check(429, limited, {**problem_json, "Retry-After": later})
    )
    unavailable = {**limited, "title": "Service Unavailable", "status": 503}
    assert check(503, unavailable, problem_json) == []  # 503 may carry it, need not
    assert check(503, unavailable, {**problem_json, "Retry-After": "5"}) == []
