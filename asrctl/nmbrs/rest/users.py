"""Who gave a consent: GET /api/user/info (REST-FACTS §5, nmbrs.auth)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from asrctl.i18n import _
from asrctl.net.budget import CallBudget
from asrctl.nmbrs.rest.client import RestClient, UnexpectedAnswer
from asrctl.nmbrs.rest.grant import Consenter
from asrctl.nmbrs.rest.oauth import RestApp
from asrctl.nmbrs.rest.tokens import FixedToken, TokenSource
from asrctl.secrets import Secret

USER_INFO = "getUserInfo"


class UserInfo(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    email: str | None = None
    language: str | None = None
    debtorId: str | None = None  # the API's field name
    userId: str | None = None


def user_info(client: RestClient, tokens: TokenSource) -> Consenter | None:
    """The consenting user, or None when Nmbrs answers without one."""
    body: Any = client.get(tokens, USER_INFO, "/api/user/info")
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise UnexpectedAnswer(_("Nmbrs answered without the list asrctl reads"), call=USER_INFO)
    if not rows or not isinstance(rows[0], dict):
        return None
    try:
        info = UserInfo.model_validate(rows[0])
    except ValidationError:
        return None
    return Consenter(name=info.name, email=info.email, user_id=info.userId, debtor_id=info.debtorId)


def who_consented(app: RestApp, access_token: str, *, budget: CallBudget, timeout: float) -> Consenter | None:
    client = RestClient(app, budget=budget, parallelism=1, timeout=timeout)
    try:
        return user_info(client, FixedToken("login", Secret(access_token, "new access token")))
    finally:
        client.close()
