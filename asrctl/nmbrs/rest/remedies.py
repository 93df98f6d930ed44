"""What a payroll office does when a REST consent falls short: scopes to grant, `asrctl login` to re-consent.

The SOAP-side checks of the registered token (rights on a.s.r.'s list) keep SOAP's words. Scopes are
named only in hints.
"""

from __future__ import annotations

from collections.abc import Sequence

from asrctl.declare.model import AccountModel
from asrctl.i18n import _
from asrctl.nmbrs.provider import Remedies
from asrctl.nmbrs.rest.constants import DEVELOPER_PORTAL


def _is_scope(what: str) -> bool:
    return "." in what and " " not in what and not what[:1].isupper()  # "company.info.read", not "Service.Op"


class RestRemedies:
    def __init__(self, soap: Remedies | None) -> None:
        self.soap = soap

    def enable(self, what: str, model: AccountModel) -> str:
        if not _is_scope(what) and self.soap is not None:
            return self.soap.enable(what, model)
        return _("Optional: for the full check, allow the scope {scope} for the office's app in the Nmbrs developer "
                 "portal ({portal}) and run `asrctl login ACCOUNT` again. a.s.r.'s coupling does not need it from "
                 "asrctl.", scope=what, portal=DEVELOPER_PORTAL)

    def not_enabled(self, what: str) -> str:
        if not _is_scope(what) and self.soap is not None:
            return self.soap.not_enabled(what)
        return _("its Nmbrs consent does not allow it")

    def grant_required(self, missing: Sequence[str], model: AccountModel) -> tuple[str, str]:
        if self.soap is not None and not all(_is_scope(m) for m in missing):
            return self.soap.grant_required(missing, model)
        headline = _("{n} permission(s) asrctl needs are not in the Nmbrs consent", n=len(missing))
        return headline, _("Allow the scopes {scopes} for the app in the Nmbrs developer portal ({portal}), then "
                           "run `asrctl login ACCOUNT`.", scopes=", ".join(missing), portal=DEVELOPER_PORTAL)

    def new_token(self, username: str, token_source: str, model: AccountModel) -> str:
        if self.soap is not None:
            return self.soap.new_token(username, token_source, model)
        return _("Run `asrctl login ACCOUNT` and sign in as {username}.", username=username)

    def login_filter(self, model: AccountModel) -> str:
        if self.soap is not None:
            return self.soap.login_filter(model)
        return _("Instellingen > Gebruikers > Logins")
