"""The edge where declarations meet the outside: resolve tokens, reach (or start) the services.

`connect(repo)` yields a `Services` bundle: the registry client, the Nmbrs endpoint
URL and the resolved tokens. For `sandbox:` URLs it starts the Nmbrs simulator and
the reference registry in-process on loopback ephemeral ports first (DESIGN.md
"The embedded default"), so plan and apply use the same clients as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from asrctl.declare.load import Repo
from asrctl.errors import ConfigError
from asrctl.i18n import _
from asrctl.net.hosts import NMBRS_HOSTS, REGISTRY_HOSTS, require_allowed_host
from asrctl.net.http import require_tls
from asrctl.registry.client import RegistryClient
from asrctl.sandbox.embedded import SANDBOX_ISSUER, SANDBOX_PREFIX, EmbeddedSandbox
from asrctl.secrets import Secret, resolve

if TYPE_CHECKING:
    from asrctl.nmbrs.rest.grant import GrantStore
    from asrctl.nmbrs.rest.oauth import RestApp


@dataclass
class Services:
    registry: RegistryClient
    nmbrs_url: str
    tokens: dict[str, Secret]          # account name -> Nmbrs API token
    registry_token: Secret
    sandbox: EmbeddedSandbox | None = None
    token_fingerprints: dict[str, str] = field(default_factory=dict)
    rest: RestApp | None = None                                     # the office's REST app, when in use
    grants: dict[str, GrantStore] = field(default_factory=dict)     # api: rest account -> its grant file

    def __post_init__(self) -> None:
        self.token_fingerprints = {name: token.fingerprint for name, token in self.tokens.items()}


def resolve_tokens(repo: Repo, accounts: set[str] | None = None) -> dict[str, Secret]:
    """Resolve the Nmbrs token of every account in use (or the given ones); unset env → SecretError."""
    names = sorted(accounts if accounts is not None else repo.config.accounts)
    return {
        name: resolve(repo.config.accounts[name].token, base_dir=repo.root, what=f"account '{name}' token",
                      where=repo.config_location(f"accounts.{name}.token"))
        for name in names
    }


def accounts_in_use(repo: Repo, targets: set[str] | None = None) -> set[str]:
    return {e.employer.nmbrs.account for e in repo.employers if targets is None or e.id in targets}


def require_allowed_hosts(repo: Repo) -> None:
    """Tokens go only to their own service's hosts (or ASRCTL_ALLOW_HOSTS); `sandbox:` is asrctl's own."""
    config = repo.config
    if not config.nmbrs.endpoint.startswith(SANDBOX_PREFIX):
        require_allowed_host(config.nmbrs.endpoint, NMBRS_HOSTS, setting="nmbrs.endpoint", token="the Nmbrs tokens",
                             where=repo.config_location("nmbrs.endpoint"))
    if not config.registry.url.startswith(SANDBOX_PREFIX):
        require_allowed_host(config.registry.url, REGISTRY_HOSTS, setting="registry.url",
                             token="the registry token", where=repo.config_location("registry.url"))
    require_allowed_rest_hosts(repo)


def require_allowed_rest_hosts(repo: Repo) -> None:
    """The client secret, the consent's tokens and the person signing in go only to Nmbrs's REST hosts."""
    rest = repo.config.nmbrs.rest
    if rest is not None and not rest.url.startswith(SANDBOX_PREFIX):
        for setting, url in (("nmbrs.rest.url", rest.url), ("nmbrs.rest.identity_url", rest.identity_url)):
            require_allowed_host(url, NMBRS_HOSTS, setting=setting, token="the Nmbrs client secret and consent",
                                 where=repo.config_location(setting))


def uses_sandbox(repo: Repo) -> bool:
    config = repo.config
    urls = [config.nmbrs.endpoint, config.registry.url, *([config.nmbrs.rest.url] if config.nmbrs.rest else [])]
    return any(url.startswith(SANDBOX_PREFIX) for url in urls)


def grant_store(repo: Repo, account: str) -> GrantStore:
    """The grant file of an account (ConfigError when asrctl.yaml names none)."""
    from asrctl.nmbrs.rest.grant import GrantStore

    ref = repo.config.accounts[account].grant
    if ref is None:
        raise ConfigError(_("account '{account}' has no grant file in asrctl.yaml", account=account),
                          hint=_("add grant: {{file: .asrctl/grants/{account}.json}} under accounts.{account}",
                                 account=account))
    path = Path(ref.file).expanduser()
    return GrantStore(path if path.is_absolute() else repo.root / path, account)


def rest_app(repo: Repo, sandbox: EmbeddedSandbox | None) -> RestApp:
    """nmbrs.rest resolved: secrets read, the sandbox's address in place of a `sandbox:` URL."""
    from asrctl.nmbrs.rest.oauth import RestApp

    rest = repo.config.nmbrs.rest
    if rest is None:
        raise ConfigError(_("asrctl.yaml has no nmbrs.rest: the office's Nmbrs REST app is needed for api: rest"),
                          hint=_("add nmbrs.rest with client_id, client_secret and subscription_key "
                                 "(see docs/operator-guide.md)"))
    require_allowed_rest_hosts(repo)  # before a secret is read (asrctl login comes here without connect())
    simulated = sandbox.rest_url if sandbox is not None else None
    if rest.url.startswith(SANDBOX_PREFIX) and simulated is None:
        raise ConfigError(_("nmbrs.rest.url is a sandbox: URL, but the sandbox is not running"))
    return RestApp(
        api_url=simulated or rest.url,
        identity_url=simulated or rest.identity_url,
        client_id=rest.client_id,
        client_secret=resolve(rest.client_secret, base_dir=repo.root, what="nmbrs.rest.client_secret"),
        subscription_key=resolve(rest.subscription_key, base_dir=repo.root, what="nmbrs.rest.subscription_key"),
        redirect_uri=rest.redirect_uri,
    )


def issuer(repo: Repo, app: RestApp) -> str:
    """What a grant records as its issuer: the identity server, or the sandbox (whose port changes per run)."""
    rest = repo.config.nmbrs.rest
    return SANDBOX_ISSUER if rest is not None and rest.url.startswith(SANDBOX_PREFIX) else app.identity_url


@contextmanager
def connect(repo: Repo, *, accounts: set[str] | None = None) -> Iterator[Services]:
    """Resolve tokens and open the clients; start the embedded sandbox where the config says `sandbox:`."""
    config = repo.config
    require_allowed_hosts(repo)  # before any token is read
    registry_token = resolve(config.registry.token, base_dir=repo.root, what="registry token",
                             where=repo.config_location("registry.token"))
    tokens = resolve_tokens(repo, accounts)
    rest_accounts = sorted(name for name in (accounts if accounts is not None else config.accounts)
                           if name in config.accounts and config.accounts[name].api == "rest")
    with ExitStack() as stack:
        sandbox: EmbeddedSandbox | None = None
        if uses_sandbox(repo):
            sandbox = stack.enter_context(EmbeddedSandbox(repo, registry_token))
        nmbrs_url = sandbox.nmbrs_url if sandbox and sandbox.nmbrs_url else config.nmbrs.endpoint
        require_tls(nmbrs_url, "nmbrs.endpoint")
        registry_url = sandbox.registry_url if sandbox and sandbox.registry_url else config.registry.url
        client = stack.enter_context(
            RegistryClient(registry_url, registry_token, timeout=config.registry.timeout_seconds)
        )
        yield Services(
            registry=client,
            nmbrs_url=nmbrs_url,
            tokens=tokens,
            registry_token=registry_token,
            sandbox=sandbox,
            rest=rest_app(repo, sandbox) if rest_accounts else None,
            grants={name: grant_store(repo, name) for name in rest_accounts},
        )


def with_endpoints_of(repo: Repo, other_config: Path) -> Repo:
    """`repo` with nmbrs.endpoint and registry.url taken from another asrctl.yaml (the base
    branch's): on a pull request that changes asrctl.yaml, the tokens still go only where the
    reviewed configuration sends them."""
    from asrctl.declare.model import Config, NmbrsRest
    from asrctl.declare.yamlpos import decode, parse

    try:
        text, _encoding = decode(other_config.read_bytes())
    except OSError as exc:
        raise ConfigError(_("--endpoints-from {path}: {reason}", path=other_config,
                            reason=exc.strerror or exc.__class__.__name__)) from None
    doc, _problems = parse(text or "")
    try:
        base = Config.model_validate(doc.data if doc is not None else None)
    except ValidationError:
        raise ConfigError(
            _("--endpoints-from {path} is not a valid asrctl.yaml", path=other_config),
            hint=_("pass the base branch's asrctl.yaml, e.g. `git show origin/main:asrctl.yaml > base.yaml`"),
        ) from None
    nmbrs_update: dict[str, object] = {"endpoint": base.nmbrs.endpoint}
    rest = repo.config.nmbrs.rest
    if rest is not None:
        # The client secret and the consent's tokens go to these two: the reviewed ones, or Nmbrs's own.
        reviewed = base.nmbrs.rest
        urls = ({"url": reviewed.url, "identity_url": reviewed.identity_url} if reviewed is not None
                else {"url": NmbrsRest.model_fields["url"].default,
                      "identity_url": NmbrsRest.model_fields["identity_url"].default})
        nmbrs_update["rest"] = rest.model_copy(update=urls)
    config = repo.config.model_copy(update={
        "nmbrs": repo.config.nmbrs.model_copy(update=nmbrs_update),
        "registry": repo.config.registry.model_copy(update={"url": base.registry.url}),
    })
    return replace(repo, config=config)
