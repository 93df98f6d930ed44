"""Write a GitHub Actions secret: the repository's (or an environment's) public key, a libsodium sealed box.

The REST grant of an account rotates on every refresh (REST-FACTS §10): a job that used it must
write the new grant back before the job ends, or the next job starts from a spent refresh token.
`asrctl github store-secret NAME --file PATH` does that with GitHub's secrets API
(GET .../secrets/public-key, PUT .../secrets/NAME with `encrypted_value` and `key_id`).
The token needs the right to write secrets (a GitHub App or fine-grained token with
"Secrets: write"; the workflow's own GITHUB_TOKEN cannot).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nacl.exceptions import CryptoError
from nacl.public import PublicKey, SealedBox

from asrctl.errors import ConfigError, ServiceError
from asrctl.github.client import GitHubClient
from asrctl.secrets import register

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_SECRET_BYTES = 48 * 1024  # GitHub's limit for one secret


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name) or name.upper().startswith("GITHUB_"):
        raise ConfigError(f"'{name}' is not a valid GitHub secret name",
                          hint="letters, digits and _; not starting with a digit or GITHUB_ (e.g. NMBRS_GRANT_KANTOOR)")
    return name.upper()


def read_value(path: Path) -> str:
    """The file's text, registered for redaction (whole, and each string inside when it is JSON)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc.__class__.__name__}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise ConfigError(f"{path} is over {MAX_SECRET_BYTES // 1024} KiB, more than a GitHub secret holds")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    register(text.strip())
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for value in parsed.values():
            if isinstance(value, str) and len(value) >= 16:
                register(value)
    return text


def seal(public_key: str, value: str) -> str:
    """libsodium's sealed box of `value` for GitHub's base64 public key, base64 (what GitHub's PUT takes)."""
    try:
        box = SealedBox(PublicKey(base64.b64decode(public_key, validate=True)))
        return base64.b64encode(box.encrypt(value.encode("utf-8"))).decode("ascii")
    except (ValueError, CryptoError, TypeError):
        raise ServiceError("GitHub's public key for secrets is not a 32-byte base64 key",
                           hint="check GITHUB_API_URL; re-run the workflow") from None


def store_secret(client: GitHubClient, name: str, value: str, *, environment: str | None = None) -> str:
    """Create or update a secret; "created" or "updated". Read-then-write, retried as a whole."""
    base = f"/environments/{quote(environment, safe='')}/secrets" if environment else "/actions/secrets"

    def operation() -> str:
        key = client._json("GET", f"{base}/public-key")  # the client's one JSON transport
        if not isinstance(key, dict) or not isinstance(key.get("key"), str) or not isinstance(key.get("key_id"), str):
            raise ServiceError(f"GitHub GET {base}/public-key: no key in the answer")
        response = client._send("PUT", client._url(f"{base}/{name}"),
                                body={"encrypted_value": seal(key["key"], value), "key_id": key["key_id"]})
        return "created" if response.status_code == 201 else "updated"

    return client.retrying(f"GitHub secret {name}", operation)
