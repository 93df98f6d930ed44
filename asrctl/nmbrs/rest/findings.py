"""The findings only a REST account has: its consent (nmbrs.auth), its scopes (nmbrs.scopes), SOAP's end."""

from __future__ import annotations

from collections.abc import Sequence

from asrctl.checks import Check
from asrctl.nmbrs.rest.constants import DEVELOPER_PORTAL, SOAP_END


def _whose(account: str, who: str | None) -> str:
    return f"account '{account}'" + (f" (given by {who})" if who else "")


def consent_failed(account: str, message: str, hint: str | None) -> Check:
    return Check(
        "nmbrs.auth",
        "error",
        f"asrctl cannot read Nmbrs over REST for account '{account}': {message}.",
        hint=hint or f"Run `asrctl login {account}` (once, in a browser) to give asrctl's app access again.",
    )


def scopes_missing(account: str, who: str | None, missing: Sequence[str]) -> Check:
    return Check(
        "nmbrs.scopes",
        "error",
        f"The Nmbrs consent of {_whose(account, who)} lacks scope(s) asrctl's checks need: {', '.join(missing)}.",
        hint=(f"Allow these scopes for the office's app in the Nmbrs developer portal ({DEVELOPER_PORTAL}), then "
              f"run `asrctl login {account}` and approve them."),
    )


def scopes_asr_missing(account: str, who: str | None, missing: Sequence[str]) -> Check:
    return Check(
        "nmbrs.scopes",
        "warning",
        f"The Nmbrs consent of {_whose(account, who)} lacks the REST counterparts of calls on a.s.r.'s SOAP "
        f"rights list: {', '.join(missing)}. a.s.r. has published no REST list yet, so this is a warning.",
        hint=(f"If a.s.r.'s coupling will read these, allow them for the app in the developer portal and run "
              f"`asrctl login {account}` again; ask a.s.r. which scopes its REST coupling needs."),
    )


def scopes_unknown(account: str) -> Check:
    return Check(
        "nmbrs.unverified",
        "warning",
        f"Nmbrs did not say which scopes the consent of account '{account}' grants (no scope in its token "
        "answer), so nmbrs.scopes was not checked.",
        hint=f"Run `asrctl login {account}` again; it shows the scopes Nmbrs grants.",
    )


def soap_retired(account: str, by_date: bool) -> Check:
    why = f"from {SOAP_END.isoformat()} Nmbrs offers no SOAP API" if by_date else "Nmbrs's SOAP API answers 404/410"
    return Check(
        "nmbrs.unverified",
        "warning",
        f"Not checked because {why}: that a.s.r. can use the username, API token and domain of account "
        f"'{account}' (its login, domain and API rights were checked over SOAP while SOAP answered).",
        hint="Confirm with a.s.r. that its intake accepts this account for the coupling over Nmbrs REST.",
    )
