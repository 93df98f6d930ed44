"""The grant store: one JSON file per REST account, rewritten atomically (0600) on every rotation.

Refresh tokens are single use (REST-FACTS §2, RSDK; UNVERIFIED officially): the new one must be on
disk before the access token that came with it is used, and two processes must never refresh the
same grant at once (the loser would get invalid_grant, and a consent is lost if nothing was saved).
`GrantStore.locked()` takes an exclusive lock on a sidecar file (`<grant>.lock`) for the whole
read-refresh-write. Across CI jobs (other machines) that lock does not hold: the workflows must keep
jobs that refresh the same grant apart (docs/operator-guide.md, "From SOAP to REST" step 5).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from asrctl.errors import AsrctlError
from asrctl.fsutil import write_atomic
from asrctl.i18n import _
from asrctl.nmbrs.rest.constants import ACCESS_TOKEN_MARGIN, DEFAULT_EXPIRES_IN
from asrctl.nmbrs.rest.oauth import TokenAnswer
from asrctl.secrets import Secret, register

GRANT_FORMAT = 1
MAX_GRANT_BYTES = 64 * 1024
LOCK_TIMEOUT = 120.0  # seconds to wait for another asrctl refreshing the same grant


class GrantError(AsrctlError):
    """The grant file is missing, unreadable, or belongs to another app: log in again."""


class Consenter(BaseModel):
    """Who gave the consent (GET /api/user/info), for `asrctl login`'s message and nmbrs.auth."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    email: str | None = None
    user_id: str | None = None
    debtor_id: str | None = None


class Grant(BaseModel):
    """The grant file. Tokens are plain strings here; `Secret`s are made of them when used."""

    model_config = ConfigDict(extra="ignore")
    format: int = GRANT_FORMAT
    account: str
    client_id: str
    issuer: str                              # the identity server (or "sandbox") that issued it
    refresh_token: str
    access_token: str | None = None
    access_expires_at: float | None = None   # Unix time
    scope: str = ""                          # granted scopes, space-separated (the token answer's)
    consented_by: Consenter = Field(default_factory=Consenter)
    consented_at: str | None = None
    refreshed_at: str | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    def access_usable(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return bool(self.access_token) and (self.access_expires_at or 0) - ACCESS_TOKEN_MARGIN > now

    def rotated(self, answer: TokenAnswer, *, now: float | None = None) -> Grant:
        """This grant after a token answer: the new refresh token (or the old, if none came), the new access."""
        now = time.time() if now is None else now
        return self.model_copy(update={
            "refresh_token": answer.refresh_token or self.refresh_token,
            "access_token": answer.access_token,
            "access_expires_at": now + (answer.expires_in or DEFAULT_EXPIRES_IN),
            "scope": answer.scope if answer.scope is not None else self.scope,
            "refreshed_at": _stamp(now),
        })

    def secrets(self) -> None:
        """Register the tokens for redaction (done whenever a grant is read or made)."""
        for value in (self.refresh_token, self.access_token):
            if value:
                register(value)


def new_grant(account: str, client_id: str, issuer: str, answer: TokenAnswer, consenter: Consenter) -> Grant:
    if not answer.refresh_token:
        raise GrantError(
            _("Nmbrs gave no refresh token, so asrctl could not run again without a browser"),
            hint=_("The consent must include the scope offline_access; check the app's allowed scopes in the portal."),
        )
    now = time.time()
    grant = Grant(account=account, client_id=client_id, issuer=issuer, refresh_token=answer.refresh_token,
                  consented_by=consenter, consented_at=_stamp(now)).rotated(answer, now=now)
    grant.secrets()
    return grant


def _stamp(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class GrantStore:
    """One account's grant file."""

    def __init__(self, path: Path, account: str) -> None:
        self.path = path
        self.account = account
        self.lock_path = path.with_name(path.name + ".lock")

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> Grant:
        account, path = self.account, self.path
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_GRANT_BYTES + 1)
        except FileNotFoundError:
            raise GrantError(_("account '{account}' has no Nmbrs consent yet: {path} does not exist",
                               account=account, path=path),
                             hint=_("Run `asrctl login {account}` (once, in a browser) to give asrctl access.",
                                    account=account)) from None
        except OSError as exc:
            raise GrantError(_("cannot read the grant file {path}: {reason}", path=path,
                               reason=exc.strerror or str(exc)),
                             hint=_("Check the path in accounts.*.grant and the file's permissions.")) from None
        try:
            if len(data) > MAX_GRANT_BYTES:
                raise ValueError("too large")
            grant = Grant.model_validate(json.loads(data.decode("utf-8")))
        except (ValueError, UnicodeDecodeError, ValidationError):
            raise GrantError(_("the grant file {path} is not an asrctl grant (damaged or another file)", path=path),
                             hint=_("Run `asrctl login {account}` to write a new one.", account=account)) from None
        grant.secrets()
        if grant.format != GRANT_FORMAT:
            raise GrantError(_("the grant file {path} has format {format}; this asrctl reads {supported}", path=path,
                               format=grant.format, supported=GRANT_FORMAT),
                             hint=_("Run `asrctl login {account}`, or use the asrctl version that wrote it.",
                                    account=account))
        if grant.account != self.account:
            raise GrantError(_("the grant file {path} belongs to account '{owner}', not '{account}'", path=path,
                               owner=grant.account, account=account),
                             hint=_("Give each account its own grant file in asrctl.yaml, then run `asrctl login "
                                    "{account}`.", account=account))
        return grant

    def save(self, grant: Grant) -> None:
        write_atomic(self.path, grant.model_dump_json(indent=2) + "\n", mode=0o600)

    @contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """Exclusive across processes (flock on the sidecar file), bounded wait."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        seconds = f"{timeout:g}"
                        raise GrantError(
                            _("another asrctl has held the grant of account '{account}' for {seconds} s",
                              account=self.account, seconds=seconds),
                            hint=_("Wait for it to finish (in CI: one concurrency group per account)."),
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def refresh_secret(grant: Grant) -> Secret:
    return Secret(grant.refresh_token, f"grant of account '{grant.account}'")
