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

from pydantic import ValidationError

from asrctl.declare.load import Repo
from asrctl.errors import ConfigError
from asrctl.net.hosts import NMBRS_HOSTS, REGISTRY_HOSTS, require_allowed_host
from asrctl.net.http import require_tls
from asrctl.registry.client import RegistryClient
from asrctl.sandbox.embedded import SANDBOX_PREFIX, EmbeddedSandbox
from asrctl.secrets import Secret, resolve


@dataclass
class Services:
    registry: RegistryClient
    nmbrs_url: str
    tokens: dict[str, Secret]          # account name -> Nmbrs API token
    registry_token: Secret
    sandbox: EmbeddedSandbox | None = None
    token_fingerprints: dict[str, str] = field(default_factory=dict)

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


@contextmanager
def connect(repo: Repo, *, accounts: set[str] | None = None) -> Iterator[Services]:
    """Resolve tokens and open the clients; start the embedded sandbox where the config says `sandbox:`."""
    config = repo.config
    require_allowed_hosts(repo)  # before any token is read
    registry_token = resolve(config.registry.token, base_dir=repo.root, what="registry token",
                             where=repo.config_location("registry.token"))
    tokens = resolve_tokens(repo, accounts)
    with ExitStack() as stack:
        sandbox: EmbeddedSandbox | None = None
        if config.nmbrs.endpoint.startswith(SANDBOX_PREFIX) or config.registry.url.startswith(SANDBOX_PREFIX):
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
        )


def with_endpoints_of(repo: Repo, other_config: Path) -> Repo:
    """`repo` with nmbrs.endpoint and registry.url taken from another asrctl.yaml (the base
    branch's): on a pull request that changes asrctl.yaml, the tokens still go only where the
    reviewed configuration sends them."""
    from asrctl.declare.model import Config
    from asrctl.declare.yamlpos import decode, parse

    try:
        text, _ = decode(other_config.read_bytes())
    except OSError as exc:
        raise ConfigError(f"--endpoints-from {other_config}: {exc.strerror or exc.__class__.__name__}") from None
    doc, _ = parse(text or "")
    try:
        base = Config.model_validate(doc.data if doc is not None else None)
    except ValidationError:
        raise ConfigError(
            f"--endpoints-from {other_config} is not a valid asrctl.yaml",
            hint="pass the base branch's asrctl.yaml, e.g. `git show origin/main:asrctl.yaml > base.yaml`",
        ) from None
    config = repo.config.model_copy(update={
        "nmbrs": repo.config.nmbrs.model_copy(update={"endpoint": base.nmbrs.endpoint}),
        "registry": repo.config.registry.model_copy(update={"url": base.registry.url}),
    })
    return replace(repo, config=config)
