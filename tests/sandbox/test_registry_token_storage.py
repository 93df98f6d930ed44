"""The reference registry never writes an Nmbrs token to its database (idempotency records included)."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.registry.client import RegistryClient
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import RegistryServer, TokenGrant
from asrctl.secrets import Secret

from support.registry import Api, sample_input

OFFICE = "office-token-for-storage-test"
NMBRS_TOKEN = "NMBRS-TOKEN-MUST-NOT-BE-STORED-42"
GRANTS = {OFFICE: TokenGrant("office", "write")}


def token_forms(token: str) -> Iterator[bytes]:
    """The token as it could sit in a file: plain, hex, or inside base64 at any of the 3 alignments."""
    raw = token.encode()
    yield raw
    yield raw.hex().encode()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw)
            yield encoded[4:-4]  # the groups made of token bytes only


def assert_no_token_in(directory: Path, token: str = NMBRS_TOKEN) -> None:
    for path in directory.iterdir():  # the database and its WAL / shm files
        content = path.read_bytes()
        for form in token_forms(token):
            assert form not in content, f"{path.name} holds the token ({form[:12]!r}...)"


def test_database_holds_fingerprints_not_tokens(tmp_path: Path) -> None:
    checker = ContractChecker()
    number = example_payroll_tax_number(7)
    body = sample_input(7, token=NMBRS_TOKEN)
    with (
        RegistryServer(tmp_path / "registry.sqlite", GRANTS) as server,
        RegistryClient(server.url, Secret(OFFICE, "test")) as client,
    ):
        client.session.hooks["response"].append(checker.hook)
        first = client.create(number, body, idempotency_key="k-create")
        again = client.create(number, body, idempotency_key="k-create")  # replayed, not a 412
        assert again.version == first.version and client.replays == 1
        changed = {**body, "nmbrs": {**body["nmbrs"], "token": NMBRS_TOKEN + "-other"}}
        client.update(number, changed, version=first.version, idempotency_key="k-update")
    assert checker.checked == 3
    assert_no_token_in(tmp_path)


def test_bodies_that_are_not_registrations_are_not_kept_either(tmp_path: Path) -> None:
    """A broken body, or a token where the contract has none, is answered 400/422 and remembered by digest only."""
    checker = ContractChecker(raise_now=False)
    number = example_payroll_tax_number(8)
    with RegistryServer(tmp_path / "registry.sqlite", GRANTS) as server:
        api = Api(server.url, checker)
        path = f"/registrations/{number}"
        broken = json.dumps(sample_input(8, token=NMBRS_TOKEN)).encode()[:-1]  # the closing brace lost
        assert api.call("PUT", path, OFFICE, raw=broken, if_none_match="*", key="k1").status_code == 400
        misplaced = {**sample_input(8, token=None), "token": NMBRS_TOKEN, "dga": [{"token": NMBRS_TOKEN}]}
        assert api.call("PUT", path, OFFICE, body=misplaced, if_none_match="*", key="k2").status_code == 422
        plain = api.call(
            "PUT", path, OFFICE, raw=json.dumps(sample_input(8, token=NMBRS_TOKEN)).encode(),
            content_type="text/plain", if_none_match="*", key="k3",
        )  # fmt: skip
        assert plain.status_code == 415
        with sqlite3.connect(server.store.path) as conn:
            assert conn.execute("SELECT count(*) FROM idempotency").fetchone()[0] == 3
        # the digests still tell the same body from another
        again = api.call("PUT", path, OFFICE, raw=broken, if_none_match="*", key="k1")
        assert again.status_code == 400 and again.headers["Idempotent-Replayed"] == "true"
        other = api.call("PUT", path, OFFICE, raw=broken + b" ", if_none_match="*", key="k1")
        assert other.status_code == 422
    assert checker.violations == []
    assert_no_token_in(tmp_path)


def test_records_of_the_old_schema_are_wiped(tmp_path: Path) -> None:
    """Schema 1 kept request bodies with the token: opening such a file forgets them, bytes included."""
    database = tmp_path / "registry.sqlite"
    with RegistryServer(database, GRANTS):
        pass
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO idempotency VALUES ('office:office', 'k', 'PUT', '/registrations/x', ?, 201,"
            " 'application/json', NULL, NULL, x'7B7D', 1.0)",
            ("json:" + json.dumps(sample_input(1, token=NMBRS_TOKEN)),),
        )
        conn.execute("PRAGMA user_version = 1")
    assert any(NMBRS_TOKEN.encode() in path.read_bytes() for path in tmp_path.iterdir())

    checker = ContractChecker()
    with RegistryServer(database, GRANTS) as server:
        assert Api(server.url, checker).list(OFFICE).status_code == 200
        with sqlite3.connect(database) as conn:
            assert conn.execute("SELECT count(*) FROM idempotency").fetchone()[0] == 0
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert_no_token_in(tmp_path)
