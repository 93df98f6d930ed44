"""The embedded default: start the simulators in-process for `sandbox:` URLs.

`nmbrs.endpoint: sandbox:<world file>` starts the Nmbrs SOAP simulator on that
world; `registry.url: sandbox:<sqlite file>` starts the reference registry on that
file (created on first use, then seeded from `sandbox/registry-seed.yaml` so the
demo plan shows an update and a registration held elsewhere). Both listen on
127.0.0.1 ephemeral ports; asrctl then talks to them over HTTP with its real clients.

Tokens: the office's registry token (from asrctl.yaml) gets write scope for the
sandbox office; an a.s.r.-side token is made up per start (used by
`asrctl sandbox advance`), as is the token of the "other office" the seed uses.
"""

from __future__ import annotations

import os
import secrets as _random
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from asrctl.errors import ConfigError
from asrctl.secrets import Secret

if TYPE_CHECKING:
    from asrctl.declare.load import Repo
    from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
    from asrctl.sandbox.registry_server import RegistryServer
    from asrctl.sandbox.rest_sim import RestSimulator

SANDBOX_PREFIX = "sandbox:"
OFFICE_TENANT = "sandbox-office"
OTHER_TENANT = "other-office"
SEED_FILE = "sandbox/registry-seed.yaml"
_SEED_HINT = "see the registrations in the demo repository's sandbox/registry-seed.yaml"
SANDBOX_ISSUER = "sandbox"  # the issuer of grants the embedded REST simulator made or accepted


def sandbox_path(url: str, root: Path, where: str | None = None) -> Path | None:
    """The file of a `sandbox:` URL, which must be inside the repository (symbolic links followed)."""
    if not url.startswith(SANDBOX_PREFIX):
        return None
    at = f"{where}: " if where else ""
    raw = url[len(SANDBOX_PREFIX):].strip()
    if not raw:
        raise ConfigError(f"{at}'{url}': a sandbox URL needs a file, e.g. sandbox:sandbox/world.yaml")
    path = Path(raw)
    path = path if path.is_absolute() else root / path
    real, home = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    if not real.is_relative_to(home):
        raise ConfigError(
            f"{at}'{url}': a sandbox file must be inside the repository ({home})",
            hint="name a file relative to the directory of asrctl.yaml, e.g. sandbox:sandbox/world.yaml",
        )
    return path


def _check_database_path(database: Path, repo: Repo) -> None:
    """A file where the sandbox registry's folder or database should be is the user's to move, not a bug."""
    where = repo.config_location("registry.url")
    existing = next((p for p in (database, *database.parents) if os.path.lexists(p)), None)
    if existing == database:
        if not database.is_file():
            raise ConfigError(f"{where}: registry.url names the sandbox registry database {database}, "
                              "which is not a file", hint="point registry.url at a file, e.g. "
                              "sandbox:.asrctl/registry.sqlite")
    elif existing is not None and not existing.is_dir():
        raise ConfigError(
            f"{where}: the sandbox registry lives in {database.parent}, but {existing} is a file, not a folder",
            hint=f"move or remove {existing} (asrctl creates that folder and the database in it), "
                 "or point registry.url at another file",
        )


class EmbeddedSandbox:
    def __init__(
        self,
        repo: Repo,
        office_token: Secret,
        *,
        nmbrs_port: int = 0,
        registry_port: int = 0,
        rest_port: int = 0,
        asr_token: Secret | None = None,
        other_token: Secret | None = None,
        rest_only: bool = False,
    ) -> None:
        """Ports 0 = ephemeral; `asrctl sandbox serve` passes fixed ports and chosen tokens."""
        config = repo.config
        self.nmbrs_port = nmbrs_port
        self.registry_port = registry_port
        self.rest_port = rest_port
        self.rest_only = rest_only
        self.repo = repo
        # rest_only: `asrctl login` against the sandbox needs only the REST simulator.
        self.world = None if rest_only else sandbox_path(config.nmbrs.endpoint, repo.root,
                                                         repo.config_location("nmbrs.endpoint"))
        self.database = None if rest_only else sandbox_path(config.registry.url, repo.root,
                                                            repo.config_location("registry.url"))
        rest = config.nmbrs.rest
        self.rest_world = (sandbox_path(rest.url, repo.root, repo.config_location("nmbrs.rest.url"))
                           if rest is not None else None)
        for key, world in (("nmbrs.endpoint", self.world), ("nmbrs.rest.url", self.rest_world)):
            if world is not None and not world.is_file():
                state = "which is not a file" if world.exists() else "which does not exist"
                raise ConfigError(
                    f"{repo.config_location(key)}: {key} names the sandbox world {world}, {state}",
                    hint="point it at a world file (see sandbox/world.yaml) or at the real Nmbrs address",
                )
        if self.database is not None:
            _check_database_path(self.database, repo)
        self.office_token = office_token
        # Made up per start: only this process knows them.
        self.asr_token = asr_token or Secret("sandbox-asr-" + _random.token_hex(12), "sandbox a.s.r. token")
        self.other_token = other_token or Secret(
            "sandbox-other-" + _random.token_hex(12), "sandbox other office token"
        )
        self.nmbrs: NmbrsSimulator | None = None
        self.registry: RegistryServer | None = None
        self.rest: RestSimulator | None = None

    @property
    def nmbrs_url(self) -> str | None:
        return self.nmbrs.url if self.nmbrs else None

    @property
    def registry_url(self) -> str | None:
        return self.registry.url if self.registry else None

    @property
    def rest_url(self) -> str | None:
        """The REST simulator's base URL: the API and the identity endpoints both."""
        return self.rest.url if self.rest else None

    def start(self) -> None:
        if self.world is not None:
            from asrctl.sandbox.nmbrs_sim import NmbrsSimulator

            self.nmbrs = NmbrsSimulator(self.world, port=self.nmbrs_port)
            self.nmbrs.start()
        if self.rest_world is not None:
            self._start_rest(self.rest_world)
        if self.database is not None:
            from asrctl.sandbox.registry_server import RegistryServer, TokenGrant

            try:
                self.database.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"{self.repo.config_location('registry.url')}: cannot create the folder of the sandbox registry "
                    f"{self.database.parent}: {exc.strerror or exc.__class__.__name__}",
                    hint="check the permissions of that folder, or point registry.url at another file",
                ) from None
            fresh = not self.database.exists()
            try:
                self.registry = RegistryServer(
                    self.database,
                    {
                        self.office_token.reveal(): TokenGrant(OFFICE_TENANT, "write"),
                        self.other_token.reveal(): TokenGrant(OTHER_TENANT, "write"),
                        self.asr_token.reveal(): TokenGrant("asr", "asr"),
                    },
                    port=self.registry_port,
                )
            except sqlite3.DatabaseError as exc:  # not SQLite, or damaged: the user's file, not our bug
                raise ConfigError(
                    f"{self.repo.config_location('registry.url')}: the sandbox registry database {self.database} "
                    f"cannot be used: {exc}",
                    hint="move that file away (asrctl then starts a new sandbox registry) or point registry.url "
                         "at another file",
                ) from None
            self.registry.start()
            if fresh:
                try:
                    self._seed()
                except ConfigError:  # a fixed seed file must find a fresh database next time
                    self.registry.stop()
                    self.registry = None
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{self.database}{suffix}").unlink(missing_ok=True)
                    raise

    def stop(self) -> None:
        if self.rest is not None:
            self.rest.stop()
        if self.registry is not None:
            self.registry.stop()
        if self.nmbrs is not None:
            self.nmbrs.stop()

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _start_rest(self, world: Path) -> None:
        """The REST simulator, knowing the office's app and the grants of the sandbox's REST accounts.

        A grant the sandbox made outlives this process in its file: its tokens are made known to the
        new simulator. An `api: rest` account without a grant file gets one as if its user had
        consented in a browser, so the demo needs no browser.
        """
        from asrctl.nmbrs.rest.constants import SCOPES_REQUESTED
        from asrctl.nmbrs.rest.grant import Consenter, GrantError, GrantStore, new_grant
        from asrctl.nmbrs.rest.oauth import TokenAnswer
        from asrctl.sandbox.rest_sim import RestApp, RestSimulator
        from asrctl.secrets import resolve

        config, root = self.repo.config, self.repo.root
        rest = config.nmbrs.rest
        assert rest is not None
        secret = resolve(rest.client_secret, base_dir=root, what="nmbrs.rest.client_secret")
        key = resolve(rest.subscription_key, base_dir=root, what="nmbrs.rest.subscription_key")
        app = RestApp(rest.client_id, secret.reveal(), (rest.redirect_uri,), (key.reveal(),))
        self.rest = simulator = RestSimulator(world, apps=[app], port=self.rest_port)
        simulator.start()
        for name, account in sorted(config.accounts.items()):
            if account.grant is None or simulator.world.login(account.username) is None:
                continue
            path = Path(account.grant.file)
            store = GrantStore(path if path.is_absolute() else root / path, name)
            if store.exists():
                try:
                    grant = store.load()
                except GrantError:
                    continue  # the run that reads it says what is wrong
                if grant.issuer == SANDBOX_ISSUER and grant.client_id == rest.client_id:
                    simulator.accept_grant(grant.refresh_token, grant.access_token, account.username,
                                           rest.client_id, grant.scope.split(), grant.access_expires_at)
            elif account.api == "rest" and not self.rest_only:  # `asrctl login` makes its own
                answer = TokenAnswer.model_validate(simulator.issue_grant(account.username, rest.client_id,
                                                                          SCOPES_REQUESTED))
                login = simulator.world.login(account.username)
                consenter = Consenter(name=login.name if login else None, email=account.username)
                with store.locked():
                    store.save(new_grant(name, rest.client_id, SANDBOX_ISSUER, answer, consenter))

    def _seed(self) -> None:
        """Put the seed registrations in, through the API as the offices and a.s.r. would."""
        seed_file = self.repo.root / SEED_FILE
        if not seed_file.is_file() or self.registry is None:
            return
        import yaml

        try:
            data: Any = yaml.safe_load(seed_file.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            raise ConfigError(f"{SEED_FILE} cannot be read as YAML", hint=_SEED_HINT) from None
        if not isinstance(data, dict) or not isinstance(data.get("registrations", []), list):
            raise ConfigError(f"{SEED_FILE} is not a registry seed (registrations: a list)", hint=_SEED_HINT)
        try:
            self._submit_seed(data.get("registrations", []))
        except (KeyError, TypeError, AttributeError, ValueError):
            # Not echoed: name the file, not its lines.
            raise ConfigError(f"{SEED_FILE}: a registration lacks a field or has one of the wrong kind",
                              hint=_SEED_HINT) from None

    def _submit_seed(self, registrations: list[Any]) -> None:
        from asrctl.registry.client import RegistryClient
        from asrctl.secrets import resolve

        assert self.registry is not None
        repo = self.repo
        clients = {
            "self": RegistryClient(self.registry.url, self.office_token),
            "other": RegistryClient(self.registry.url, self.other_token),
        }
        asr = RegistryClient(self.registry.url, self.asr_token)
        try:
            for number, item in enumerate(registrations):
                body = dict(item["body"])
                nmbrs = dict(body["nmbrs"])
                account = nmbrs.pop("token_of_account", None)
                if account is not None:
                    ref = repo.config.accounts[account].token
                    nmbrs["token"] = resolve(ref, base_dir=repo.root, what=f"account '{account}' token").reveal()
                body["nmbrs"] = nmbrs
                ptn = item["payroll_tax_number"]
                client = clients[item.get("office", "self")]
                reg = client.create(ptn, body, idempotency_key=f"seed-{number}-create")
                move = item.get("status")
                if move:
                    asr.set_status(
                        ptn,
                        status=move["status"],
                        version=reg.version,
                        status_detail=move.get("status_detail"),
                        first_exchange_date=move.get("first_exchange_date"),
                        idempotency_key=f"seed-{number}-status",
                    )
        finally:
            for client in (*clients.values(), asr):
                client.close()
