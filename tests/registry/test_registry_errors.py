"""Problem documents become typed errors with readable, token-free messages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from asrctl.registry.client import RegistryClient, parse_retry_after
from asrctl.registry.errors import (
    REGISTERED_ELSEWHERE,
    BadRequest,
    IdempotencyKeyReused,
    PreconditionFailed,
    PreconditionRequired,
    RegisteredElsewhere,
    RegistryProblem,
    ServerError,
    Unprocessable,
    problem_from_response,
)
from asrctl.sandbox.registry_server import RegistryServer
from asrctl.secrets import Secret

from support.registry import sample_input, sample_number


def problem(status: int, **fields: object) -> bytes:
    return json.dumps(
        {"type": "about:blank", "title": "T", "status": status, "detail": "D", **fields}
    ).encode()


@pytest.mark.parametrize(
    ("status", "type_", "cls"),
    [
        (400, "about:blank", BadRequest),
        (409, REGISTERED_ELSEWHERE, RegisteredElsewhere),
        (412, "about:blank", PreconditionFailed),
        (422, "about:blank", Unprocessable),
        (422, "https://registry.example.invalid/problems/idempotency-key-reused", IdempotencyKeyReused),
        (428, "about:blank", PreconditionRequired),
        (500, "about:blank", ServerError),
        (418, "about:blank", RegistryProblem),
    ],
)
def test_status_and_type_choose_the_class(status: int, type_: str, cls: type[RegistryProblem]) -> None:
    error = problem_from_response(status, "R", "application/problem+json", problem(status, type=type_))
    assert type(error) is cls and error.status == status


def test_message_holds_title_detail_and_pointers() -> None:
    body = problem(422, title="Invalid", detail="the registration is not valid",
                   errors=[{"pointer": "/nmbrs/token", "message": "is required"}, {"pointer": "", "message": "x"}])  # fmt: skip
    error = problem_from_response(
        422, "Unprocessable Entity", "application/problem+json; charset=utf-8", body
    )
    assert str(error) == (
        "a.s.r. registry: Invalid (422): the registration is not valid; /nmbrs/token: is required; (body): x"
    )
    assert error.errors == [("/nmbrs/token", "is required"), ("", "x")]


def test_a_body_that_is_no_problem_is_not_echoed() -> None:
    error = problem_from_response(502, "Bad Gateway", "text/html", b"<html>proxy page with secrets</html>")
    assert "proxy page" not in str(error) and "Bad Gateway" in str(error)


def test_a_token_echoed_by_the_registry_is_redacted() -> None:
    token = Secret("tok-echoed-by-registry-123", "test")
    body = problem(
        400, detail=f"bad token {token.reveal()}", errors=[{"pointer": "/x", "message": token.reveal()}]
    )
    error = problem_from_response(400, "Bad Request", "application/problem+json", body)
    assert token.reveal() not in str(error) and token.reveal() not in repr(error.errors)


def test_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = parse_retry_after(format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True))
    assert later is not None and 25 <= later <= 31
    assert parse_retry_after(format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)) == 0.0


def test_debug_logs_never_hold_a_token(
    caplog: pytest.LogCaptureFixture, server: RegistryServer, make_client: Callable[..., RegistryClient]
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "tok-office-a-write-0001"  # the office-a write token of the test server
    nmbrs_token = "nmbrs-token-in-a-body-4242"
    client = make_client(token)
    server.faults.fail_next(1, 503)
    server.faults.reset_next(1)
    number = sample_number(1)
    client.create(number, sample_input(1, token=nmbrs_token), idempotency_key="c")
    client.get(number)
    client.list()
    assert caplog.text  # urllib3 and the retry loop did log
    assert token not in caplog.text and nmbrs_token not in caplog.text
