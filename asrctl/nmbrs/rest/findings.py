"""The findings only a REST account has: its consent (nmbrs.auth), its scopes (nmbrs.scopes), SOAP's end.

Wordings are `Finding`s like those of nmbrs/findings.py; scopes are named in hints only.
"""

from __future__ import annotations

from collections.abc import Sequence

from asrctl.checks import Check
from asrctl.i18n import Message, _
from asrctl.nmbrs.findings import Finding
from asrctl.nmbrs.rest.constants import DEVELOPER_PORTAL, SOAP_END

consent_refused = Finding(
    "nmbrs.auth", "error",
    _("asrctl cannot read Nmbrs over REST for account '{account}': {reason}."),
    _("Run `asrctl login {account}` (once, in a browser) to give asrctl's app access again."),
)
scopes_lacking = Finding(
    "nmbrs.scopes", "error",
    _("The Nmbrs consent of {whose} does not allow everything asrctl's checks read in Nmbrs."),
    _("Allow these scopes for the office's app in the Nmbrs developer portal ({portal}), then run `asrctl login "
      "{account}` and approve them: {scopes}."),
)
scopes_asr_lacking = Finding(
    "nmbrs.scopes", "warning",
    _("The Nmbrs consent of {whose} does not allow everything a.s.r.'s coupling reads over SOAP. a.s.r. has "
      "published no REST list yet, so this is a warning."),
    _("The scopes that correspond to a.s.r.'s SOAP rights list: {scopes}. If a.s.r.'s coupling will read these, "
      "allow them for the app in the developer portal and run `asrctl login {account}` again; ask a.s.r. which "
      "scopes its REST coupling needs."),
)
scopes_unreported = Finding(
    "nmbrs.unverified", "warning",
    _("Nmbrs did not say what the consent of account '{account}' allows, so nmbrs.scopes was not checked."),
    _("Nmbrs's token answer holds no scope. Run `asrctl login {account}` again; it shows the scopes Nmbrs grants."),
)
soap_ended = Finding(
    "nmbrs.unverified", "warning",
    _("Not checked because Nmbrs offers no SOAP API from {date}: that a.s.r. can use the username, API token and "
      "domain of account '{account}' (its login, domain and API rights were checked over SOAP while SOAP "
      "answered)."),
    _("Confirm with a.s.r. that its intake accepts this account for the coupling over Nmbrs REST."),
)
soap_gone = Finding(
    "nmbrs.unverified", "warning",
    _("Not checked because Nmbrs's SOAP API no longer answers: that a.s.r. can use the username, API token and "
      "domain of account '{account}' (its login, domain and API rights were checked over SOAP while SOAP "
      "answered)."),
    _("Nmbrs's SOAP API answers 404 or 410. Confirm with a.s.r. that its intake accepts this account for the "
      "coupling over Nmbrs REST."),
)


def _whose(account: str, who: str | None) -> Message:
    if who:
        return _("account '{account}' (given by {who})", account=account, who=who)
    return _("account '{account}'", account=account)


def consent_failed(account: str, message: str, hint: str | None) -> Check:
    return consent_refused(account=account, reason=message, hint=hint)


def scopes_missing(account: str, who: str | None, missing: Sequence[str]) -> Check:
    return scopes_lacking(whose=_whose(account, who), account=account, scopes=", ".join(missing),
                          portal=DEVELOPER_PORTAL)


def scopes_asr_missing(account: str, who: str | None, missing: Sequence[str]) -> Check:
    return scopes_asr_lacking(whose=_whose(account, who), account=account, scopes=", ".join(missing))


def scopes_unknown(account: str) -> Check:
    return scopes_unreported(account=account)


def soap_retired(account: str, by_date: bool) -> Check:
    if by_date:
        return soap_ended(account=account, date=SOAP_END.isoformat())
    return soap_gone(account=account)


FINDINGS: dict[str, Finding] = {name: value for name, value in globals().items() if isinstance(value, Finding)}
