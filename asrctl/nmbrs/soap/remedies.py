"""What a payroll office does in Nmbrs when a SOAP login falls short: screens and call names of a.s.r.'s manual.

Calls are named as the rights screen shows them ("Employee Services > Partner_Get"), and only in hints.
"""

from __future__ import annotations

from collections.abc import Sequence

from asrctl.declare.model import AccountModel
from asrctl.i18n import _
from asrctl.nmbrs.soap.calls import LOGINS_SCREEN, RIGHTS_SCREEN, SCREEN_SERVICES, TEMPLATE_OF, split_call


class SoapRemedies:
    """The Remedies of the SOAP provider."""

    def enable(self, what: str, model: AccountModel) -> str:
        service, operation = split_call(what)
        return _(
            "Optional: for the full check, set {service} > {operation} to Active in {screen} of {template}. "
            "a.s.r.'s coupling itself does not need it.", service=SCREEN_SERVICES.get(service, service),
            operation=operation, screen=RIGHTS_SCREEN[model], template=TEMPLATE_OF[model],
        )

    def not_enabled(self, what: str) -> str:
        return _("the call is not Active in its template")

    def grant_required(self, missing: Sequence[str], model: AccountModel) -> tuple[str, str]:
        by_service: dict[str, list[str]] = {}
        for call in missing:
            service, operation = split_call(call)
            by_service.setdefault(SCREEN_SERVICES.get(service, service), []).append(operation)
        listing = "; ".join(f"{service} > {', '.join(ops)}" for service, ops in by_service.items())
        headline = _("{n} API call(s) a.s.r.'s coupling needs are not Active", n=len(missing))
        return headline, _(
            "In Nmbrs open {screen} of {template}; under Webservices choose each service and set these calls to "
            "Active: {listing}. Then run plan again.", screen=RIGHTS_SCREEN[model], template=TEMPLATE_OF[model],
            listing=listing,
        )

    def new_token(self, username: str, token_source: str, model: AccountModel) -> str:
        return _(
            "Log in to Nmbrs as {username}, copy the API token (person icon top right > Gebruiker profiel > "
            "API-Token) into {source}, and check that the login is Actief under {screen}. "
            "A token of a colleague who left must be replaced by a login of the office.",
            username=username, source=token_source, screen=LOGINS_SCREEN[model],
        )

    def login_filter(self, model: AccountModel) -> str:
        return LOGINS_SCREEN[model]
