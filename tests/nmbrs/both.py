"""The same world over SOAP and over REST: observe() against the SOAP simulator, or against the REST
simulator with a consent per account (grants issued by the simulator, as if each user had signed in).

REST accounts keep their SOAP token: the checks of the token a.s.r. receives still go to the SOAP
simulator, so a REST run uses both — as a real one does until SOAP ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

import pytest

from asrctl.declare.load import LoadedEmployer
from asrctl.declare.model import Config
from asrctl.nmbrs.observe import NmbrsObservation, RestSetup, observe_nmbrs
from asrctl.nmbrs.rest.constants import SCOPES_REQUESTED
from asrctl.nmbrs.rest.grant import Consenter, GrantStore, new_grant
from asrctl.nmbrs.rest.oauth import RestApp, TokenAnswer
from asrctl.sandbox.nmbrs_sim import NmbrsSimulator
from asrctl.sandbox.rest_sim import RestSimulator
from asrctl.sandbox.world import World
from asrctl.secrets import Secret

from .conftest import ACCOUNTS, FAST, make_config, tokens_for
from support.rest import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY, SpecChecker, app

REDIRECT = "http://127.0.0.1:8765/callback"


def rest_config(accounts: dict[str, dict[str, Any]] | None = None, grants: Path | None = None, **nmbrs: Any
                ) -> Config:
    """make_config with nmbrs.rest and every account on api: rest."""
    accounts = accounts or ACCOUNTS
    folder = grants or Path("grants")
    rest_accounts = {name: {**spec, "api": "rest", "grant": {"file": str(folder / f"{name}.json")}}
                     for name, spec in accounts.items()}
    rest = {"url": "https://api.nmbrsapp.com", "client_id": CLIENT_ID,
            "client_secret": {"env": "NMBRS_CLIENT_SECRET"}, "subscription_key": {"env": "NMBRS_SUBSCRIPTION_KEY"}}
    return make_config(rest_accounts, rest=rest, **nmbrs)


class Both:
    """One world served over SOAP and REST; `observe(api, employers, ...)` runs the real clients against it."""

    def __init__(self, world: World, tmp: Path) -> None:
        self.world = world
        self.tmp = tmp
        self.soap = NmbrsSimulator(world)
        self.rest = RestSimulator(world, apps=[app(REDIRECT)])
        self.spec: SpecChecker | None = None

    def __enter__(self) -> Self:
        self.soap.start()
        self.rest.start()
        self.spec = SpecChecker(self.rest)
        return self

    def __exit__(self, *exc: object) -> None:
        self.rest.stop()
        self.soap.stop()

    @property
    def app(self) -> RestApp:
        return RestApp(self.rest.url, self.rest.url, CLIENT_ID, Secret(CLIENT_SECRET, "test"),
                       Secret(SUBSCRIPTION_KEY, "test"), REDIRECT)

    def grant(self, account: str, username: str, scopes: Sequence[str] = SCOPES_REQUESTED) -> GrantStore:
        store = GrantStore(self.tmp / f"{account}.json", account)
        if self.world.login(username) is not None:
            answer = TokenAnswer.model_validate(self.rest.issue_grant(username, CLIENT_ID, scopes))
            store.save(new_grant(account, CLIENT_ID, self.rest.url, answer, Consenter(email=username)))
        return store

    def observe(self, api: str, employers: Sequence[LoadedEmployer], config: Config | None = None,
                tokens: dict[str, Secret] | None = None, **kwargs: Any) -> NmbrsObservation:
        kwargs.setdefault("retry", FAST)
        accounts = ACCOUNTS
        if api == "rest":
            config = config or rest_config(grants=self.tmp)
            grants = {name: self.grant(name, config.accounts[name].username) if not (self.tmp / f"{name}.json")
                      .exists() else GrantStore(self.tmp / f"{name}.json", name) for name in config.accounts}
            kwargs.setdefault("rest", RestSetup(self.app, grants))
        return observe_nmbrs(config or make_config(accounts), employers,
                             tokens if tokens is not None else tokens_for(self.world),
                             endpoint_url=self.soap.url, **kwargs)


@pytest.fixture
def both(world: World, tmp_path: Path) -> Iterator[Both]:
    with Both(world, tmp_path) as served:
        yield served
        assert served.spec is not None
        assert not served.spec.problems, served.spec.problems[:3]
