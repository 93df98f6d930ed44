"""`asrctl login ACCOUNT`: one person's consent for asrctl's REST app, kept in the account's grant file.

Authorization code with PKCE and state (REST-FACTS §2); the browser comes back to a one-shot
loopback listener on nmbrs.rest.redirect_uri. Then: exchange the code, ask Nmbrs who consented
(GET /api/user/info), save the grant (atomic, 0600, under its lock), and report the scopes
granted against what asrctl needs and what corresponds to a.s.r.'s SOAP list.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

from asrctl.declare.load import Repo
from asrctl.errors import ConfigError
from asrctl.net.budget import CallBudget
from asrctl.nmbrs.rest.constants import (
    LOGIN_TIMEOUT,
    SCOPES_ASR,
    SCOPES_NEEDED,
    SCOPES_REQUESTED,
    scope_granted,
)
from asrctl.nmbrs.rest.grant import Consenter, Grant, new_grant
from asrctl.nmbrs.rest.oauth import CallbackListener, IdentityClient, authorization
from asrctl.nmbrs.rest.users import who_consented
from asrctl.run.services import grant_store, issuer, rest_app, uses_sandbox
from asrctl.sandbox.embedded import EmbeddedSandbox
from asrctl.secrets import resolve


@dataclass(frozen=True)
class LoginResult:
    grant: Grant
    path: str
    missing_needed: tuple[str, ...]   # scopes asrctl's checks need that were not granted
    missing_asr: tuple[str, ...]      # scopes corresponding to a.s.r.'s SOAP list that were not granted


def login(
    repo: Repo,
    account: str,
    *,
    show_url: Callable[[str], None],
    open_browser: Callable[[str], bool] | None,
    timeout: float = LOGIN_TIMEOUT,
) -> LoginResult:
    """Run the consent for one account; `show_url` prints the authorize URL, `open_browser` may open it."""
    config = repo.config
    if account not in config.accounts:
        known = ", ".join(sorted(config.accounts))
        raise ConfigError(f"account '{account}' is not declared in asrctl.yaml", hint=f"accounts: {known}")
    store = grant_store(repo, account)
    with ExitStack() as stack:
        sandbox = None
        if uses_sandbox(repo) and config.nmbrs.rest is not None and config.nmbrs.rest.url.startswith("sandbox:"):
            registry_token = resolve(config.registry.token, base_dir=repo.root, what="registry token")
            sandbox = stack.enter_context(EmbeddedSandbox(repo, registry_token, rest_only=True))
        app = rest_app(repo, sandbox)
        budget = CallBudget(config.nmbrs.max_calls_per_second)
        identity = IdentityClient(app, budget=budget, timeout=config.nmbrs.timeout_seconds)
        stack.callback(identity.close)
        request = authorization(app, SCOPES_REQUESTED)
        listener = CallbackListener(app.redirect_uri, request.state)  # bound before anyone is sent there
        stack.callback(listener.close)
        show_url(request.url)
        if open_browser is not None:
            open_browser(request.url)
        code = listener.wait(timeout)
        answer = identity.exchange(code, request.verifier, account=account)
        consenter = who_consented(app, answer.access_token, budget=budget, timeout=config.nmbrs.timeout_seconds)
        if consenter is None:
            consenter = Consenter()
        grant = new_grant(account, app.client_id, issuer(repo, app), answer, consenter)
        with store.locked():
            store.save(grant)
    granted = grant.scopes
    return LoginResult(
        grant=grant,
        path=str(store.path),
        missing_needed=tuple(s for s in SCOPES_NEEDED if not scope_granted(s, granted)),
        missing_asr=tuple(s for s in SCOPES_ASR if not scope_granted(s, granted)),
    )
