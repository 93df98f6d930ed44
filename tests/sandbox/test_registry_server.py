"""The reference registry follows every convention of the contract; every response is contract-checked."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import ONE, RegistryServer
from asrctl.secrets import fingerprint

from support.registry import (
    A_READ,
    A_WRITE,
    ASR,
    B_WRITE,
    KEYLANE,
    TOKENS,
    Api,
    sample_input,
    sample_number,
)

N1, N2 = sample_number(1), sample_number(2)
PROBLEMS = "https://registry.example.invalid/problems/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RegistryServer]:
    with RegistryServer(tmp_path / "registry.db", TOKENS) as srv:
        yield srv


@pytest.fixture
def api(server: RegistryServer) -> Iterator[Api]:
    checker = ContractChecker(raise_now=False)
    api = Api(server.url, checker)
    yield api
    assert checker.violations == []
    assert checker.checked > 0


def created(api: Api, number: str = N1, n: int = 1, token: str = A_WRITE) -> dict[str, Any]:
    response = api.create(number, sample_input(n), token)
    assert response.status_code == 201, response.text
    return dict(response.json())


def pointers(response: requests.Response) -> list[str]:
    return [e["pointer"] for e in response.json().get("errors", [])]


# --- authentication and scopes ---------------------------------------------------------------

OPERATIONS = [
    ("GET", "/registrations"),
    ("GET", f"/registrations/{N1}"),
    ("PUT", f"/registrations/{N1}"),
    ("DELETE", f"/registrations/{N1}"),
    ("PUT", f"/registrations/{N1}/status"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("token", [None, "tok-unknown-000001"])
def test_missing_or_unknown_token_is_401_everywhere(
    api: Api, method: str, path: str, token: str | None
) -> None:
    response = api.call(method, path, token, body={}, if_match='"1"')
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_scopes(api: Api) -> None:
    created(api)
    body = sample_input(1)
    # read scope: GET only
    assert api.get(N1, A_READ).status_code == 200
    assert api.update(N1, body, 1, A_READ).status_code == 403
    assert api.withdraw(N1, 1, A_READ).status_code == 403
    assert api.create(N2, body, A_READ).status_code == 403
    # asr tokens: every office's registrations, /status, but no PUT/DELETE of a registration
    assert api.get(N1, ASR).status_code == 200
    assert api.update(N1, body, 1, ASR).status_code == 403
    assert api.withdraw(N1, 1, ASR).status_code == 403
    # office tokens may not use /status, whatever their scope
    for token in (A_WRITE, A_READ, B_WRITE):
        assert api.set_status(N1, {"status": "in_setup"}, 1, token).status_code == 403
    assert api.get(N1).json()["version"] == 1


def test_another_offices_registration_does_not_exist(api: Api) -> None:
    created(api, token=B_WRITE)
    assert api.get(N1).status_code == 404
    assert api.update(N1, sample_input(1), 1).status_code == 404
    assert api.withdraw(N1, 1).status_code == 404
    assert api.list().json()["items"] == []
    conflict = api.create(N1, sample_input(1))
    assert conflict.status_code == 409
    assert conflict.json()["type"] == PROBLEMS + "registered-elsewhere"
    # a withdrawn registration still belongs to its office
    assert api.withdraw(N1, 1, B_WRITE).status_code == 200
    assert api.create(N1, sample_input(1)).status_code == 409
    assert api.get(N1, B_WRITE).json()["status"] == "withdrawn"


def test_asr_lists_every_office(api: Api) -> None:
    created(api, N1, 1, A_WRITE)
    created(api, N2, 2, B_WRITE)
    assert [r["payroll_tax_number"] for r in api.list(ASR).json()["items"]] == [N1, N2]
    assert [r["payroll_tax_number"] for r in api.list(B_WRITE).json()["items"]] == [N2]


# --- 400: path and headers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["123456781L01", "12345678L01", "123456782X01", "123456782L1", "１２３456782L01"]
)
@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PUT", ""), ("DELETE", ""), ("PUT", "/status")])
def test_bad_path_number_is_400(api: Api, number: str, method: str, suffix: str) -> None:
    token = ASR if suffix else A_WRITE
    response = api.call(
        method, f"/registrations/{number}{suffix}", token, body=sample_input(1), if_match='"1"'
    )
    assert response.status_code == 400


@pytest.mark.parametrize("if_match", ["*", 'W/"1"', "1", '"1", "2"', '"abc"', '""'])
def test_if_match_only_in_strong_version_form(api: Api, if_match: str) -> None:
    created(api)
    assert api.update(N1, sample_input(1), if_match).status_code == 400  # type: ignore[arg-type]
    assert api.withdraw(N1, if_match).status_code == 400  # type: ignore[arg-type]
    assert api.set_status(N1, {"status": "in_setup"}, if_match).status_code == 400  # type: ignore[arg-type]
    assert api.get(N1).json()["version"] == 1


@pytest.mark.parametrize("if_none_match", ['"1"', "W/*", "**"])
def test_if_none_match_only_star(api: Api, if_none_match: str) -> None:
    response = api.call("PUT", f"/registrations/{N1}", body=sample_input(1), if_none_match=if_none_match)
    assert response.status_code == 400


def test_both_preconditions_is_400(api: Api) -> None:
    response = api.call(
        "PUT", f"/registrations/{N1}", body=sample_input(1), if_none_match="*", if_match='"1"'
    )
    assert response.status_code == 400


def remembered_keys(server: RegistryServer) -> list[str]:
    with sqlite3.connect(server.store.path) as conn:
        return [key for (key,) in conn.execute("SELECT key FROM idempotency ORDER BY key")]


@pytest.mark.parametrize("key", ["x" * 129, "has space", "ümlaut", ""])
def test_malformed_idempotency_key_is_400_and_not_remembered(
    api: Api, server: RegistryServer, key: str
) -> None:
    headers = {"Idempotency-Key": key}
    for _ in range(2):
        response = api.call(
            "PUT", f"/registrations/{N1}", body=sample_input(1), if_none_match="*", headers=headers
        )
        assert response.status_code == 400 and "Idempotent-Replayed" not in response.headers
    assert api.get(N1).status_code == 404
    assert remembered_keys(server) == []


def test_idempotency_key_given_twice_is_400_and_not_remembered(api: Api, server: RegistryServer) -> None:
    # requests folds headers of one name together: send the two raw with http.client.
    url = urlsplit(f"{server.url}/registrations/{N1}")
    body = json.dumps(sample_input(1)).encode()
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.putrequest("PUT", url.path)
        for name, value in [
            ("Authorization", f"Bearer {A_WRITE}"), ("Content-Type", "application/json"),
            ("If-None-Match", "*"), ("Idempotency-Key", "k"), ("Idempotency-Key", "k2"),
            ("Content-Length", str(len(body))),
        ]:  # fmt: skip
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        api.checker.check("PUT", url.geturl(), response.status, response.headers, response.read())
    finally:
        conn.close()
    assert response.status == 400 and remembered_keys(server) == []
    assert api.create(N1, sample_input(1), key="k").status_code == 201


def test_idempotency_key_of_128_visible_characters_is_fine(api: Api) -> None:
    key = "".join(chr(33 + i % 94) for i in range(128))
    assert api.create(N1, sample_input(1), key=key).status_code == 201
    assert api.create(N1, sample_input(1), key=key).headers["Idempotent-Replayed"] == "true"


# --- 428, 415, 400 body, 422 -------------------------------------------------------------------


def test_writes_without_precondition_are_428(api: Api) -> None:
    created(api)
    assert api.call("PUT", f"/registrations/{N1}", body=sample_input(1)).status_code == 428
    assert api.call("DELETE", f"/registrations/{N1}").status_code == 428
    assert api.call("PUT", f"/registrations/{N1}/status", ASR, body={"status": "in_setup"}).status_code == 428
    assert api.get(N1).json()["version"] == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/json; charset=latin-1", None]
)
def test_other_content_type_is_415(api: Api, content_type: str | None) -> None:
    raw = json.dumps(sample_input(1)).encode()
    response = api.call("PUT", f"/registrations/{N1}", raw=raw, content_type=content_type, if_none_match="*")
    assert response.status_code == 415


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b'{"a": NaN}', b"\xff\xfe{}", b"\xef\xbb\xbf{}"])
def test_body_that_is_not_json_is_400(api: Api, raw: bytes) -> None:
    response = api.call("PUT", f"/registrations/{N1}", raw=raw, if_none_match="*")
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [40, 5000, 100_000])
def test_deeply_nested_json_is_400_not_a_crash(api: Api, server: RegistryServer, depth: int) -> None:
    raw = b'{"a":' * depth + b"1" + b"}" * depth
    response = api.call("PUT", f"/registrations/{N1}", raw=raw, if_none_match="*", key=f"deep-{depth}")
    assert response.status_code == 400
    again = api.call("PUT", f"/registrations/{N1}", raw=raw, if_none_match="*", key=f"deep-{depth}")
    assert again.status_code == 400 and again.headers["Idempotent-Replayed"] == "true"


def test_json_charset_utf8_is_accepted(api: Api) -> None:
    raw = json.dumps(sample_input(1)).encode()
    ct = "application/json; charset=UTF-8"
    assert (
        api.call("PUT", f"/registrations/{N1}", raw=raw, content_type=ct, if_none_match="*").status_code
        == 201
    )


def test_validation_pointers(api: Api) -> None:
    body = sample_input(1)
    del body["nmbrs"]["token"]
    del body["organisation"]["contact_email"]
    body["nmbrs"]["domain"] = "Has Capitals"
    body["dga"] = [{"name": "", "employee_number": 0, "bsn": "x"}]
    body["payroll"]["thirteenth_month"] = "yes"
    body["extra"] = 1
    response = api.create(N1, body)
    assert response.status_code == 422
    assert pointers(response) == [
        "/dga/0/bsn",
        "/dga/0/employee_number",
        "/dga/0/name",
        "/extra",
        "/nmbrs/domain",
        "/nmbrs/token",
        "/organisation/contact_email",
        "/payroll/thirteenth_month",
    ]


@pytest.mark.parametrize("body", [[], "text", 3, None])
def test_body_that_is_no_object_points_at_the_body(api: Api, body: Any) -> None:
    response = api.create(N1, body)
    assert response.status_code == 422 and pointers(response) == [""]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("organisation", "contact_email"), "no-at-sign.nl"),
        (("organisation", "contact_email"), "a@b.nl\n"),
        (("nmbrs", "username"), "two@@ats.nl"),
        (("nmbrs", "domain"), "kantoor\n"),
        (("nmbrs", "domain"), "-leading-dash"),
        (("contract_number", None), "x" * 41),
    ],
)
def test_formats_and_patterns_are_enforced(api: Api, where: tuple[str, str | None], value: str) -> None:
    body = sample_input(1)
    if where[1] is None:
        body[where[0]] = value
    else:
        body[where[0]][where[1]] = value
    response = api.create(N1, body)
    assert response.status_code == 422
    assert pointers(response) == ["/" + "/".join(p for p in where if p)]


def test_problems_never_echo_the_token(api: Api) -> None:
    token = "SECRET-nmbrs-token-" + "z" * 300  # too long: a validation error at /nmbrs/token
    body = sample_input(1, token=token)
    response = api.create(N1, body)
    assert response.status_code == 422 and pointers(response) == ["/nmbrs/token"]
    assert "SECRET" not in response.text


def test_token_is_write_only(api: Api) -> None:
    registration = created(api)
    assert "token" not in registration["nmbrs"]
    assert registration["token_fingerprint"] == fingerprint(sample_input(1)["nmbrs"]["token"])
    assert "sample-nmbrs-api-token" not in api.get(N1).text
    assert "sample-nmbrs-api-token" not in api.list().text


def test_invalid_status_change_is_422(api: Api) -> None:
    created(api)
    cases = [
        ({"status": "active"}, ["/first_exchange_date"]),
        ({"status": "active", "first_exchange_date": "2026-02-30"}, ["/first_exchange_date"]),
        ({"status": "active", "first_exchange_date": "2026-2-3"}, ["/first_exchange_date"]),
        ({"status": "in_setup", "first_exchange_date": "1 december"}, ["/first_exchange_date"]),
        ({"status": "rejected"}, ["/status_detail"]),
        ({"status": "rejected", "status_detail": "   "}, ["/status_detail"]),
        ({"status": "paused"}, ["/status"]),
        ({}, ["/status"]),
        ({"status": "in_setup", "note": "x"}, ["/note"]),
    ]
    for body, expected in cases:
        response = api.set_status(N1, body, 1)
        assert response.status_code == 422, body
        assert pointers(response) == expected, body
    assert api.get(N1).json()["version"] == 1


# --- order of evaluation ------------------------------------------------------------------------


def test_order_of_evaluation(api: Api) -> None:
    created(api)
    bad_body = {"contract_number": ""}
    bad_path = "/registrations/123456781L01"
    # 401 before 403
    assert api.call("PUT", f"/registrations/{N1}", "nope", body=bad_body).status_code == 401
    # 403 before 400
    assert api.call("PUT", bad_path, A_READ, body=bad_body, if_match="*").status_code == 403
    # 400 (path) before 428
    assert api.call("PUT", bad_path, body=bad_body).status_code == 400
    # 400 (header) before 428... there is no precondition to be malformed without one; If-Match * is 400
    assert api.call("PUT", f"/registrations/{N1}", body=bad_body, if_match="*").status_code == 400
    # 428 before 415/400/422
    assert api.call("PUT", f"/registrations/{N1}", raw=b"x", content_type="text/plain").status_code == 428
    assert api.call("PUT", f"/registrations/{N1}", body=bad_body).status_code == 428
    # 415 before 422
    raw = json.dumps(bad_body).encode()
    assert (
        api.call("PUT", f"/registrations/{N1}", raw=raw, content_type="text/plain", if_match=1).status_code
        == 415
    )
    # 422 before 404/409/412
    assert api.update(N2, bad_body, 1).status_code == 422  # N2 does not exist
    assert api.update(N1, bad_body, 7).status_code == 422  # wrong version
    created(api, N2, 2, B_WRITE)
    assert api.create(N2, bad_body).status_code == 422  # held by another office


def test_scope_is_judged_before_preconditions(api: Api, server: RegistryServer) -> None:
    created(api)
    one, status = f"/registrations/{N1}", f"/registrations/{N1}/status"
    # Without If-Match / If-None-Match these would be 428 for a token that may write: 403 comes first.
    assert api.call("PUT", one, A_READ, body=sample_input(1), key="r").status_code == 403
    assert api.call("DELETE", one, A_READ, key="r").status_code == 403
    assert api.call("PUT", one, ASR, body=sample_input(1), key="r").status_code == 403
    assert api.call("DELETE", one, ASR, key="r").status_code == 403
    assert api.call("PUT", status, A_WRITE, body={"status": "active"}, key="r").status_code == 403
    assert api.call("PUT", status, A_READ, raw=b"x", content_type="text/plain").status_code == 403
    assert remembered_keys(server) == []  # 403 is never remembered


def test_replay_comes_before_header_checks_and_428(api: Api) -> None:
    first = api.create(N1, sample_input(1), key="k")
    assert first.status_code == 201
    one = f"/registrations/{N1}"
    for preconditions in ({}, {"if_match": "*"}, {"if_match": '"9"'}, {"if_none_match": "W/x"}):
        again = api.call("PUT", one, body=sample_input(1), key="k", **preconditions)  # type: ignore[arg-type]
        assert again.status_code == 201 and again.content == first.content, preconditions
        assert again.headers["Idempotent-Replayed"] == "true"
    assert api.get(N1).json()["version"] == 1


# --- create, change, withdraw -----------------------------------------------------------------


def test_create_answers_the_stored_registration(api: Api) -> None:
    response = api.create(N1, sample_input(1))
    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/v1/registrations/{N1}")
    body = response.json()
    assert (
        body["status"] == "submitted"
        and body["status_detail"] is None
        and body["first_exchange_date"] is None
    )
    assert body["created_at"] == body["updated_at"]
    again = api.get(N1)
    assert again.json() == body and again.headers["ETag"] == '"1"'


def test_create_of_an_existing_registration_is_412(api: Api) -> None:
    created(api)
    assert api.create(N1, sample_input(1)).status_code == 412
    api.withdraw(N1, 1)
    assert api.create(N1, sample_input(1)).status_code == 412  # still this office's: re-submit with If-Match


def test_stale_version_is_412_and_changes_nothing(api: Api) -> None:
    created(api)
    changed = sample_input(1)
    changed["contract_number"] = "RC-NEW"
    assert api.update(N1, changed, 2).status_code == 412
    assert api.withdraw(N1, 2).status_code == 412
    assert api.get(N1).json()["contract_number"] == "RC-100001"


def test_equal_put_changes_nothing(api: Api) -> None:
    first = created(api)
    same = api.update(N1, sample_input(1), 1)
    assert same.status_code == 200 and same.json() == first
    without_token = api.update(N1, sample_input(1, token=None), 1)  # absent = keep: still equal
    assert without_token.json() == first
    new_token = api.update(N1, sample_input(1, token="another-token-000002"), 1)
    assert new_token.json()["version"] == 2
    assert new_token.json()["token_fingerprint"] == fingerprint("another-token-000002")


@pytest.mark.parametrize("status", ["in_setup", "active", "rejected"])
def test_equal_put_keeps_version_and_status(api: Api, status: str) -> None:
    created(api)
    version = _move(api, status, 1)
    before = api.get(N1).json()
    for body in (sample_input(1), sample_input(1, token=None)):
        same = api.update(N1, body, version)
        assert same.status_code == 200 and same.json() == before
        assert same.headers["ETag"] == f'"{version}"'


def test_token_fingerprint_is_sha256_prefix_of_the_utf8_token(api: Api) -> None:
    # Known values, not asrctl's own fingerprint(): a wrong shared function would pass a self-comparison.
    assert (
        api.create(N1, sample_input(1, token="abc")).json()["token_fingerprint"] == "sha256:ba7816bf8f01cfea"
    )
    response = api.create(N2, sample_input(2, token="tökén-€"))
    assert response.json()["token_fingerprint"] == "sha256:b426cb0f71d08458"
    assert fingerprint("tökén-€") == "sha256:b426cb0f71d08458"  # the client and plan compute the same


def test_key_order_and_integer_floats_do_not_count_as_changes(api: Api) -> None:
    body = sample_input(1)
    body["dga"] = [{"name": "J. de Vries", "employee_number": 7}]
    api.create(N1, body)
    reordered = json.loads(json.dumps(body, sort_keys=True))
    reordered["dga"][0]["employee_number"] = 7.0
    response = api.update(N1, reordered, 1)
    assert response.json()["version"] == 1
    assert response.json()["dga"] == [{"name": "J. de Vries", "employee_number": 7}]


def _move(api: Api, status: str, version: int) -> int:
    body: dict[str, Any] = {"status": status}
    if status == "active":
        body["first_exchange_date"] = "2026-12-01"
    if status in ("rejected", "in_setup", "active"):
        body["status_detail"] = "checked by Keylane"
    response = api.set_status(N1, body, version)
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


@pytest.mark.parametrize(
    ("status", "change", "expected"),
    [
        ("active", ("contract_number", None, "RC-9"), "active"),
        ("active", ("payroll", "frequency", "four_weekly"), "active"),
        ("active", ("organisation", "name", "Ander Kantoor"), "active"),
        ("in_setup", ("nmbrs", "account_model", "per_debtor"), "in_setup"),
        ("in_setup", ("dga", None, [{"name": "A", "employee_number": 1}]), "in_setup"),
        ("active", ("nmbrs", "username", "ander@kantoor.nl"), "submitted"),
        ("active", ("nmbrs", "token", "a-different-token-9"), "submitted"),
        ("in_setup", ("nmbrs", "domain", "ander-kantoor"), "submitted"),
        ("in_setup", ("nmbrs", "company_name", "Bakkerij B.V."), "submitted"),
        ("rejected", ("payroll", "thirteenth_month", True), "submitted"),
        ("submitted", ("payroll", "thirteenth_month", True), "submitted"),
    ],
)
def test_status_rules_on_put(
    api: Api, status: str, change: tuple[str, str | None, Any], expected: str
) -> None:
    created(api)
    version = _move(api, status, 1) if status != "submitted" else 1
    body = sample_input(1, token=None)
    where, member, value = change
    if member is None:
        body[where] = value
    else:
        body[where][member] = value
    response = api.update(N1, body, version)
    assert response.status_code == 200
    result = response.json()
    assert result["version"] == version + 1
    assert result["status"] == expected
    if expected == "submitted":
        assert result["status_detail"] is None and result["first_exchange_date"] is None
    elif status == "active":
        assert (
            result["first_exchange_date"] == "2026-12-01" and result["status_detail"] == "checked by Keylane"
        )


def test_withdraw_is_soft_and_idempotent_in_effect(api: Api) -> None:
    created(api)
    version = _move(api, "active", 1)
    first = api.withdraw(N1, version)
    assert first.status_code == 200
    withdrawn = first.json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["version"] == version + 1
    assert withdrawn["status_detail"] is None and withdrawn["first_exchange_date"] is None
    again = api.withdraw(N1, version + 1)
    assert again.status_code == 200 and again.json() == withdrawn
    # any PUT re-submits, even an equal one
    resubmitted = api.update(N1, sample_input(1, token=None), version + 1)
    assert resubmitted.json()["status"] == "submitted" and resubmitted.json()["version"] == version + 2


@pytest.mark.parametrize("target", ["submitted", "withdrawn"])
def test_status_submitted_or_withdrawn_clears_detail_and_date(api: Api, target: str) -> None:
    created(api)
    version = _move(api, "active", 1)
    body = {"status": target, "status_detail": "kept?", "first_exchange_date": "2026-12-01"}
    moved = api.set_status(N1, body, version)
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["version"]) == (target, version + 1)
    assert moved.json()["status_detail"] is None and moved.json()["first_exchange_date"] is None


def test_status_changes_bump_the_version(api: Api) -> None:
    created(api)
    version = _move(api, "in_setup", 1)
    assert version == 2
    same = api.set_status(N1, {"status": "in_setup", "status_detail": "checked by Keylane"}, 2)
    assert same.json()["version"] == 2  # nothing changed
    back = api.set_status(N1, {"status": "submitted", "status_detail": "ignored"}, 2)
    assert back.json()["version"] == 3 and back.json()["status_detail"] is None
    assert api.set_status(N2, {"status": "in_setup"}, 1).status_code == 404
    assert api.set_status(N1, {"status": "in_setup"}, 1).status_code == 412
    assert api.get(N1).json()["version"] == 3


# --- idempotency -----------------------------------------------------------------------------


def test_replay_returns_the_first_answer_and_changes_nothing(api: Api) -> None:
    first = api.create(N1, sample_input(1), key="create-1")
    assert "Idempotent-Replayed" not in first.headers
    replay = api.create(N1, sample_input(1), key="create-1")  # a replayed create is not a 412
    assert replay.status_code == 201 and replay.content == first.content
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.headers["ETag"] == '"1"'

    change = sample_input(1)
    change["contract_number"] = "RC-2"
    assert api.update(N1, change, 1, key="change-1").json()["version"] == 2
    # the same change again, key and all: the first answer, no version 3 and no 412
    again = api.update(N1, change, 1, key="change-1")
    assert again.status_code == 200 and again.json()["version"] == 2
    assert api.get(N1).json()["version"] == 2


def test_body_is_compared_as_json(api: Api) -> None:
    body = sample_input(1)
    api.call("PUT", f"/registrations/{N1}", raw=json.dumps(body).encode(), if_none_match="*", key="k")
    spaced = json.dumps(body, indent=4, sort_keys=True).encode()
    replay = api.call("PUT", f"/registrations/{N1}", raw=spaced, if_none_match="*", key="k")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"


def test_same_key_for_another_request_is_422(api: Api) -> None:
    api.create(N1, sample_input(1), key="k")
    other_body = sample_input(1)
    other_body["contract_number"] = "RC-X"
    response = api.create(N1, other_body, key="k")
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEMS + "idempotency-key-reused"
    assert api.create(N2, sample_input(1), key="k").status_code == 422  # other path
    assert api.withdraw(N1, 1, key="k").status_code == 422  # other method
    assert api.get(N1).json()["version"] == 1


def test_error_answers_below_500_are_replayed(api: Api) -> None:
    created(api)
    stale = api.withdraw(N1, 5, key="w")
    assert stale.status_code == 412
    # Same key, method, path and (empty) body: the first answer comes back, though If-Match is right now.
    replay = api.withdraw(N1, 1, key="w")
    assert replay.status_code == 412 and replay.content == stale.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert api.get(N1).json()["status"] == "submitted"


def _cut_short(server: RegistryServer, head: bytes, body: bytes) -> None:
    """Send a write whose body never arrives whole (the client is killed mid-send), and wait until the
    registry has dealt with it: stop() lets the request in progress finish."""
    url = urlsplit(f"{server.url}/registrations/{N1}")
    with socket.create_connection((url.hostname or "", url.port or 0), timeout=10) as conn:
        conn.sendall(f"PUT {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n".encode() + head + b"\r\n" + body)
        deadline = time.monotonic() + 10
        while server.calls.get("PUT", ONE) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # the registry reads the request ...
    server.stop()  # ... and the close ends its body: stop() waits for the request in progress


def _headers(*extra: str) -> bytes:
    lines = [f"Authorization: Bearer {A_WRITE}", "Content-Type: application/json", "If-None-Match: *",
             "Idempotency-Key: cut-short", *extra]
    return "".join(line + "\r\n" for line in lines).encode()


@pytest.mark.parametrize("sent", [0, 1, 40])
def test_a_body_cut_short_is_no_request_and_its_key_stays_free(tmp_path: Path, sent: int) -> None:
    """RFC 9112 §6.3: a message closed before Content-Length octets arrived is incomplete; the registry
    must not answer it (nobody is there) nor remember an answer under its Idempotency-Key, or the
    client's re-run with the whole body meets 422 where its first write was due."""
    body = json.dumps(sample_input(1)).encode()
    with RegistryServer(tmp_path / "registry.db", TOKENS) as first:
        _cut_short(first, _headers(f"Content-Length: {len(body)}"), body[:sent])
    assert remembered_keys(first) == []
    with RegistryServer(tmp_path / "registry.db", TOKENS) as again:
        api = Api(again.url, ContractChecker(raise_now=False))
        whole = api.create(N1, sample_input(1), key="cut-short")
        assert whole.status_code == 201 and "Idempotent-Replayed" not in whole.headers, whole.text


def test_a_chunked_body_cut_short_is_no_request_either(tmp_path: Path) -> None:
    body = json.dumps(sample_input(1)).encode()
    chunk = f"{len(body):x}\r\n".encode() + body[:20]  # a chunk announced whole, sent in part
    with RegistryServer(tmp_path / "registry.db", TOKENS) as first:
        _cut_short(first, _headers("Transfer-Encoding: chunked"), chunk)
    assert remembered_keys(first) == []
    with RegistryServer(tmp_path / "registry.db", TOKENS) as again:
        whole = Api(again.url, ContractChecker(raise_now=False)).create(N1, sample_input(1), key="cut-short")
        assert whole.status_code == 201 and "Idempotent-Replayed" not in whole.headers, whole.text


def test_401_403_and_5xx_are_not_remembered(api: Api, server: RegistryServer) -> None:
    assert api.create(N1, sample_input(1), "nope", key="k").status_code == 401
    assert api.create(N1, sample_input(1), A_READ, key="k").status_code == 403
    server.faults.fail_next(1, 503)
    assert api.create(N1, sample_input(1), key="k").status_code == 503
    first = api.create(N1, sample_input(1), key="k")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers


def test_a_failure_inside_the_registry_is_500_and_not_remembered(
    api: Api, server: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(server.app, "_create", broken)
    failed = api.create(N1, sample_input(1), key="k")
    assert failed.status_code == 500 and "disk on fire" not in failed.text
    assert remembered_keys(server) == []
    monkeypatch.undo()
    first = api.create(N1, sample_input(1), key="k")  # evaluated anew, not a replay of the 500
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers


def test_keys_are_per_tenant_and_asr_tokens_share_one(api: Api) -> None:
    created(api, N1, 1)
    created(api, N2, 2, B_WRITE)
    assert api.withdraw(N1, 1, key="same").status_code == 200
    assert "Idempotent-Replayed" not in api.withdraw(N2, 1, B_WRITE, key="same").headers  # other tenant
    body = {"status": "in_setup"}
    assert api.set_status(N1, body, 2, ASR, key="s").status_code == 200
    replay = api.set_status(N1, body, 2, KEYLANE, key="s")  # another asr token, same tenant
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_keys_are_kept_24_hours(tmp_path: Path) -> None:
    now = [1_800_000_000.0]
    checker = ContractChecker()
    with RegistryServer(tmp_path / "r.db", TOKENS, clock=lambda: now[0]) as server:
        api = Api(server.url, checker)
        assert api.create(N1, sample_input(1), key="k").status_code == 201
        now[0] += 24 * 3600 - 1
        assert api.create(N1, sample_input(1), key="k").headers["Idempotent-Replayed"] == "true"
        now[0] += 2
        assert api.create(N1, sample_input(1), key="k").status_code == 412  # forgotten: evaluated anew


# --- pagination and other paths --------------------------------------------------------------


def test_pagination_oldest_first(api: Api) -> None:
    numbers = [sample_number(i) for i in range(7)]
    for i, number in enumerate(numbers):
        created(api, number, i)
    api.withdraw(numbers[2], 1)
    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 3}
    pages = 0
    while True:
        page = api.list(**params).json()
        pages += 1
        seen += [r["payroll_tax_number"] for r in page["items"]]
        if page.get("next_page_token") is None:
            break
        params["page_token"] = page["next_page_token"]
    assert seen == numbers and pages == 3
    assert len(api.list().json()["items"]) == 7  # default page size 100
    withdrawn = api.list(status="withdrawn").json()
    assert [r["payroll_tax_number"] for r in withdrawn["items"]] == [numbers[2]]
    assert withdrawn["next_page_token"] is None


def list_all(api: Api, page_size: int, **params: Any) -> tuple[list[str], int]:
    """Every page of a listing: (numbers in order, pages)."""
    numbers: list[str] = []
    pages = 0
    while True:
        page = api.list(page_size=page_size, **params).json()
        pages += 1
        numbers += [r["payroll_tax_number"] for r in page["items"]]
        if page["next_page_token"] is None:
            return numbers, pages
        params["page_token"] = page["next_page_token"]


def test_last_page_has_null_next_page_token(api: Api) -> None:
    assert api.list().json() == {"items": [], "next_page_token": None}
    numbers = [sample_number(i) for i in range(6)]
    for i, number in enumerate(numbers):
        created(api, number, i)
    assert list_all(api, 3) == (numbers, 2)  # an exact multiple: no empty third page
    assert list_all(api, 500) == (numbers, 1)
    assert list_all(api, 1) == (numbers, 6)


def test_pages_are_stable_under_concurrent_inserts(api: Api) -> None:
    first_five = [sample_number(i) for i in range(5)]
    for i, number in enumerate(first_five):
        created(api, number, i)
    page = api.list(page_size=2).json()
    seen = [r["payroll_tax_number"] for r in page["items"]]
    later = [sample_number(i) for i in range(5, 8)]
    for i, number in enumerate(later, start=5):  # other writers insert while we page
        created(api, number, i)
    api.withdraw(first_five[0], 1)  # and change what we have already seen
    rest, _ = list_all(api, 2, page_token=page["next_page_token"])
    assert seen + rest == first_five + later  # nothing skipped, nothing twice, still oldest first


@pytest.mark.parametrize(
    "query",
    ["page_size=0", "page_size=501", "page_size=abc", "page_size=1&page_size=2", "status=paused",
     "page_token=garbage", "page_token=eyJhIjoxfQ", "page_token=", "status=", "status=Active",
     "page_size=-1", "page_size=1.5"],
)  # fmt: skip
def test_bad_list_query_is_400(api: Api, query: str) -> None:
    assert api.call("GET", f"/registrations?{query}").status_code == 400


def test_page_token_belongs_to_its_query(api: Api) -> None:
    for i in range(3):
        created(api, sample_number(i), i)
    token = api.list(page_size=1).json()["next_page_token"]
    assert api.list(page_size=1, page_token=token).status_code == 200
    assert api.list(page_size=1, page_token=token, status="submitted").status_code == 400


def test_unknown_paths_and_methods(api: Api) -> None:
    assert api.call("GET", "/nothing-here").status_code == 404
    response = api.call("POST", "/registrations", body={})
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert api.call("GET", f"/registrations/{N1}/status").status_code == 405


def test_encoded_slash_is_part_of_the_number(api: Api) -> None:
    created(api)
    assert api.call("GET", f"/registrations/{N1}%2Fstatus").status_code == 400
    encoded = "".join(f"%{ord(c):02X}" for c in N1)  # every character percent-encoded: the same number
    assert api.call("GET", f"/registrations/{encoded}").status_code == 200


def test_stop_ends_kept_alive_connections(tmp_path: Path) -> None:
    server = RegistryServer(tmp_path / "r.db", TOKENS)
    server.start()
    api = Api(server.url, ContractChecker())
    assert api.list().status_code == 200  # the session keeps this connection open
    server.stop()
    with pytest.raises(requests.ConnectionError):
        api.list()
