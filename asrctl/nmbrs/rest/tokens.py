"""Access tokens of one REST account: reuse while valid, refresh under the grant lock, save before use."""

from __future__ import annotations

import threading
from typing import Protocol

from asrctl.i18n import _
from asrctl.nmbrs.errors import NmbrsAuthError
from asrctl.nmbrs.rest.grant import Grant, GrantError, GrantStore, refresh_secret
from asrctl.nmbrs.rest.oauth import IdentityClient
from asrctl.secrets import Secret


class TokenSource(Protocol):
    """What the REST client needs of an account's tokens."""

    @property
    def account(self) -> str: ...

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes (empty: unknown)."""
        ...

    def token(self, *, rejected: Secret | None = None) -> Secret: ...


class FixedToken:
    """One access token that cannot be refreshed: `asrctl login`'s first call, before the grant is saved."""

    def __init__(self, account: str, token: Secret) -> None:
        self.account = account
        self.scopes: frozenset[str] = frozenset()
        self._token = token

    def token(self, *, rejected: Secret | None = None) -> Secret:
        if rejected is not None:
            raise NmbrsAuthError(_("Nmbrs refused the access token it has just issued"), call="getUserInfo",
                                 hint=_("Check nmbrs.rest.subscription_key (the product's primary key)."))
        return self._token


class AccessTokens:
    """Thread-safe per account; across processes the grant file's lock serialises refreshes.

    `token()` gives a usable access token; `token(rejected=t)` after the API answered 401 for `t`:
    another process may have refreshed meanwhile (the file then holds a newer token), else refresh.
    """

    def __init__(self, store: GrantStore, identity: IdentityClient) -> None:
        self.store = store
        self.identity = identity
        self._lock = threading.Lock()
        self._grant: Grant | None = None
        self.refreshes = 0

    @property
    def account(self) -> str:
        return self.store.account

    @property
    def scopes(self) -> frozenset[str]:
        return self.grant.scopes

    @property
    def grant(self) -> Grant:
        """The grant as last read or written (after a token() call)."""
        if self._grant is None:
            self._grant = self.store.load()
        return self._grant

    def token(self, *, rejected: Secret | None = None) -> Secret:
        with self._lock:
            held = self._grant
            if held is not None and held.access_usable() and not _same(held, rejected):
                return _access(held)
            with self.store.locked():
                grant = self.store.load()  # another process may have rotated it since we last looked
                if grant.client_id != self.identity.app.client_id:
                    raise GrantError(
                        _("the grant of account '{account}' was given to app {app}, not to nmbrs.rest.client_id "
                          "{client_id}", account=self.account, app=grant.client_id,
                          client_id=self.identity.app.client_id),
                        hint=_("Run `asrctl login {account}` for the configured app.", account=self.account),
                    )
                if not grant.access_usable() or _same(grant, rejected):
                    answer = self.identity.refresh(refresh_secret(grant), account=self.account)
                    grant = grant.rotated(answer)
                    self.store.save(grant)  # the new refresh token is on disk before anything uses the answer
                    self.refreshes += 1
                self._grant = grant
            return _access(grant)


def _same(grant: Grant, token: Secret | None) -> bool:
    return token is not None and grant.access_token == token.reveal()


def _access(grant: Grant) -> Secret:
    assert grant.access_token is not None
    return Secret(grant.access_token, f"access token of account '{grant.account}'")
