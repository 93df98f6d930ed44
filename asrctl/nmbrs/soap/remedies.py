"""What a payroll office does in Nmbrs when a SOAP login falls short: screens and call names of a.s.r.'s manual."""

from __future__ import annotations

from collections.abc import Sequence

from asrctl.declare.model import AccountModel
from asrctl.nmbrs.soap.calls import LOGINS_SCREEN, RIGHTS_SCREEN, TEMPLATE_OF, split_call


class SoapRemedies:
    """The Remedies of the SOAP provider."""

    def enable(self, what: str, model: AccountModel) -> str:
        service, operation = split_call(what)
        return (
            f"Optional: for the full check, set {service} > {operation} to Active in {RIGHTS_SCREEN[model]} "
            f"of {TEMPLATE_OF[model]}. a.s.r.'s coupling itself does not need it."
        )

    def not_enabled(self, what: str, who: str = "this login") -> str:
        return f"{what} is not Active for {who}"

    def grant_required(self, missing: Sequence[str], model: AccountModel) -> tuple[str, str, str]:
        by_service: dict[str, list[str]] = {}
        for call in missing:
            service, operation = split_call(call)
            by_service.setdefault(service, []).append(operation)
        listing = "; ".join(f"{service}: {', '.join(ops)}" for service, ops in by_service.items())
        hint = (
            f"In Nmbrs open {RIGHTS_SCREEN[model]} of {TEMPLATE_OF[model]}; under Webservices choose "
            f"each service and set these calls to Active: {listing}. Then run plan again."
        )
        return f"{len(missing)} API call(s) a.s.r.'s coupling needs are not Active", listing, hint

    def new_token(self, username: str, token_source: str, model: AccountModel) -> str:
        return (
            f"Log in to Nmbrs as {username}, copy the API token (person icon top right > Gebruiker profiel > "
            f"API-Token) into {token_source}, and check that the login is Actief under {LOGINS_SCREEN[model]}. "
            "A token of a colleague who left must be replaced by a login of the office."
        )

    def login_filter(self, model: AccountModel) -> str:
        return LOGINS_SCREEN[model]
