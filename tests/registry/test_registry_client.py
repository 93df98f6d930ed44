"""RegistryClient against the reference registry over loopback HTTP: operations and typed errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from asrctl.errors import AsrctlError, ConfigError, ServiceError
from asrctl.registry.client import RegistryClient
from asrctl.registry.errors import (
    Forbidden,
    PreconditionFailed,
    RegisteredElsewhere,
    RegistryUnreachable,
    Unauthorized,
    Unprocessable,
)
from asrctl.sandbox.registry_server import RegistryServer
from asrctl.secrets import Secret, fingerprint

from support.registry import A_READ, ASR, B_WRITE, sample_input, sample_number

N1, N2 = sample_number(1), sample_number(2)
MakeClient = Callable[..., RegistryClient]


def test_create_get_update_withdraw_round_trip(client: RegistryClient) -> None:
    created = client.create(N1, sample_input(1, token="nmbrs-token-one-0001"), idempotency_key="c-1")
    assert (created.version, created.status) == (1, "submitted")
    assert created.token_fingerprint == fingerprint("nmbrs-token-one-0001")

    found = client.get(N1)
    assert found is not None
    registration, etag = found
    assert registration == created and etag == '"1"'

    change = sample_input(1, token=None)  # no token: the stored one is kept
    change["payroll"]["thirteenth_month"] = True
    updated = client.update(N1, change, version=1, idempotency_key="u-1")
    assert updated.version == 2 and updated.payroll.thirteenth_month is True
    assert updated.token_fingerprint == created.token_fingerprint

    withdrawn = client.withdraw(N1, version=2, idempotency_key="w-1")
    assert (withdrawn.version, withdrawn.status) == (3, "withdrawn")
    assert client.get(N2) is None


def test_list_follows_every_page_oldest_first(make_client: MakeClient) -> None:
    client = make_client(page_size=2)
    numbers = [sample_number(i) for i in range(5)]
    for i, number in enumerate(numbers):
        client.create(number, sample_input(i), idempotency_key=f"c-{i}")
    calls = client.calls
    listed = client.list()
    assert [r.payroll_tax_number for r in listed] == numbers
    assert client.calls - calls == 3  # pages of 2, 2, 1
    client.withdraw(numbers[3], version=1, idempotency_key="w")
    assert [r.payroll_tax_number for r in client.list(status="withdrawn")] == [numbers[3]]


def test_asr_side_sets_status_and_office_sees_it(make_client: MakeClient) -> None:
    office, asr = make_client(), make_client(ASR)
    office.create(N1, sample_input(1), idempotency_key="c")
    moved = asr.set_status(
        N1, status="active", version=1, first_exchange_date="2026-12-01", idempotency_key="s"
    )
    assert (moved.status, moved.first_exchange_date, moved.version) == ("active", "2026-12-01", 2)
    found = office.get(N1)
    assert found is not None and found[0].status == "active"
    assert [r.payroll_tax_number for r in asr.list()] == [N1]


def test_every_write_carries_its_key_precondition_and_json(make_client: MakeClient) -> None:
    office, asr = make_client(), make_client(ASR)
    sent: list[tuple[str, str, dict[str, str]]] = []
    for client in (office, asr):
        client.session.hooks["response"].append(
            lambda r, *a, **k: sent.append((r.request.method, r.request.path_url, dict(r.request.headers)))
        )
    office.create(N1, sample_input(1), idempotency_key="key-create")
    office.update(N1, {**sample_input(1), "contract_number": "RC-2"}, version=1, idempotency_key="key-update")
    asr.set_status(N1, status="in_setup", version=2, idempotency_key="key-status")
    office.withdraw(N1, version=3, idempotency_key="key-withdraw")
    office.list()
    writes = [(method, headers) for method, _, headers in sent if method != "GET"]
    assert [h["Idempotency-Key"] for _, h in writes] == [
        "key-create",
        "key-update",
        "key-status",
        "key-withdraw",
    ]
    assert [h.get("If-None-Match") or h.get("If-Match") for _, h in writes] == ["*", '"1"', '"2"', '"3"']
    assert all(h["Content-Type"] == "application/json" for m, h in writes if m == "PUT")
    assert all(h["Authorization"].startswith("Bearer tok-") for _, _, h in sent)
    assert [path for method, path, _ in sent if method == "GET"] == ["/v1/registrations?page_size=500"]


def test_stale_version_is_precondition_failed_with_plan_hint(client: RegistryClient) -> None:
    client.create(N1, sample_input(1), idempotency_key="c")
    client.update(N1, {**sample_input(1), "contract_number": "RC-2"}, version=1, idempotency_key="u1")
    with pytest.raises(PreconditionFailed) as caught:
        client.update(N1, {**sample_input(1), "contract_number": "RC-3"}, version=1, idempotency_key="u2")
    assert caught.value.status == 412
    assert "plan again" in (caught.value.hint or "")
    found = client.get(N1)
    assert found is not None and found[0].contract_number == "RC-2"  # nothing changed


def test_number_held_by_another_office_is_a_plain_message(make_client: MakeClient) -> None:
    make_client(B_WRITE).create(N1, sample_input(1), idempotency_key="b")
    client = make_client()
    with pytest.raises(RegisteredElsewhere) as caught:
        client.create(N1, sample_input(1), idempotency_key="a")
    assert str(caught.value) == (
        "this employer is already connected through another payroll office; contact a.s.r."
    )
    assert caught.value.payroll_tax_number == N1
    assert client.get(N1) is None  # the other office's registration does not exist for us


def test_validation_errors_carry_pointers(client: RegistryClient) -> None:
    body = sample_input(1)
    del body["nmbrs"]["token"]
    body["organisation"]["contact_email"] = "not an address"
    with pytest.raises(Unprocessable) as caught:
        client.create(N1, body, idempotency_key="c")
    pointers = [p for p, _ in caught.value.errors]
    assert pointers == ["/nmbrs/token", "/organisation/contact_email"]
    assert "/nmbrs/token: is required" in str(caught.value)


def test_read_scope_cannot_write(make_client: MakeClient) -> None:
    with pytest.raises(Forbidden) as caught:
        make_client(A_READ).create(N1, sample_input(1), idempotency_key="c")
    assert caught.value.status == 403 and "scope" in (caught.value.hint or "")


def test_no_token_in_any_error(make_client: MakeClient, server: RegistryServer) -> None:
    token = "tok-recognisable-SECRET-4711"
    client = make_client(token)
    with pytest.raises(Unauthorized) as caught:
        client.list()
    texts = [
        str(caught.value),
        caught.value.hint or "",
        repr(caught.value),
        repr(client),
        str(caught.value.args),
    ]
    refused = make_client(token, url="http://127.0.0.1:9/v1")  # port 9 (discard): nothing listens
    with pytest.raises(RegistryUnreachable) as unreachable:
        refused.get(N1)
    chain = _chain(unreachable.value)
    # requests exceptions hold the request and its Authorization header: none may be reachable.
    assert not [e for e in chain if type(e).__module__.split(".")[0] in ("requests", "urllib3")]
    texts += [str(e) for e in chain] + [repr(e) for e in chain]
    assert "refused" in str(unreachable.value)
    assert all(token not in text for text in texts)


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [e for e in (current.__cause__, current.__context__, getattr(current, "error", None)) if e]
    return seen


def test_url_must_be_https_except_loopback() -> None:
    token = Secret("tok-x-000001", "test")
    with pytest.raises(ConfigError):
        RegistryClient("http://registry.example.invalid/v1", token)
    with pytest.raises(ConfigError):
        RegistryClient("https://user:pw@registry.example.invalid/v1", token)
    with RegistryClient("https://registry.example.invalid/v1", token) as remote:
        assert remote.session.verify is True and remote.session.trust_env is True
    with RegistryClient("http://localhost:1/v1", token) as local:
        assert local.session.trust_env is False  # no proxy for the sandbox


def test_bad_arguments_are_programming_errors(client: RegistryClient) -> None:
    with pytest.raises(ValueError):
        client.create(N1, sample_input(1), idempotency_key="has space")
    with pytest.raises(ValueError):
        client.update(N1, sample_input(1), version=0, idempotency_key="k")
    assert client.calls == 0


def test_errors_are_asrctl_errors() -> None:
    for cls in (RegisteredElsewhere, PreconditionFailed, Unprocessable, Forbidden, Unauthorized):
        assert issubclass(cls, ServiceError)
    assert issubclass(RegistryUnreachable, AsrctlError)
