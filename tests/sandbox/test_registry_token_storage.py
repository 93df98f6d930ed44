"""The reference registry never writes an Nmbrs token to its database (idempotency records included)."""

from __future__ import annotations

from pathlib import Path

from asrctl.registry.client import RegistryClient
from asrctl.registry.models import example_payroll_tax_number
from asrctl.sandbox.registry_samples import sample_input
from asrctl.sandbox.registry_server import RegistryServer, TokenGrant
from asrctl.secrets import Secret

OFFICE = "office-token-for-storage-test"
NMBRS_TOKEN = "NMBRS-TOKEN-MUST-NOT-BE-STORED-42"


def test_database_holds_fingerprints_not_tokens(tmp_path: Path) -> None:
    database = tmp_path / "registry.sqlite"
    number = example_payroll_tax_number(7)
    body = sample_input(7, token=NMBRS_TOKEN)
    with RegistryServer(database, {OFFICE: TokenGrant("office", "write")}) as server, \
            RegistryClient(server.url, Secret(OFFICE, "test")) as client:
        first = client.create(number, body, idempotency_key="k-create")
        again = client.create(number, body, idempotency_key="k-create")  # replayed, not a 412
        assert again.version == first.version
        changed = {**body, "nmbrs": {**body["nmbrs"], "token": NMBRS_TOKEN + "-other"}}
        client.update(number, changed, version=first.version, idempotency_key="k-update")
    for path in tmp_path.iterdir():  # the database and its WAL / shm files
        assert NMBRS_TOKEN.encode() not in path.read_bytes(), path.name
