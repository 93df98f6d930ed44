"""Facts of the Nmbrs REST API asrctl depends on, one constant each (sources: REST-FACTS.md).

Where REST-FACTS marks a fact UNVERIFIED the constant says so; if Nmbrs behaves otherwise this is
the line to change, and the code around it fails loudly (an `nmbrs.unverified` naming the call and
the field, or an error naming the code) rather than quietly.
"""

from __future__ import annotations

import datetime
from typing import Final

# --- hosts and paths (§1) ----------------------------------------------------------------------
API_URL: Final = "https://api.nmbrsapp.com"
IDENTITY_URL: Final = "https://identityservice.nmbrs.com"
AUTHORIZE_PATH: Final = "/connect/authorize"
TOKEN_PATH: Final = "/connect/token"
REVOCATION_PATH: Final = "/connect/revocation"
SUBSCRIPTION_HEADER: Final = "X-Subscription-Key"
DEVELOPER_PORTAL: Final = "developer.nmbrs.com"  # UNVERIFIED which portal is current (§1)

# --- OAuth (§2) --------------------------------------------------------------------------------
PKCE: Final = True                 # UNVERIFIED officially (MCP uses it, RSDK offers it); harmless if ignored
ACCESS_TOKEN_MARGIN: Final = 60    # seconds: refresh an access token this long before it expires
DEFAULT_EXPIRES_IN: Final = 3600   # when a token response leaves out expires_in (RSDK's assumption)
REFRESH_TOKEN_DAYS: Final = 30     # UNVERIFIED (RSDK): a consent unused this long must be given again
LOGIN_TIMEOUT: Final = 300         # seconds `asrctl login` waits for the callback (the code lives 5 minutes)

# --- scopes (§4) --------------------------------------------------------------------------------
OFFLINE: Final = "offline_access"
# What asrctl's own checks call (derived from the spec's per-operation security).
SCOPES_NEEDED: Final = (
    OFFLINE,
    "user.info.read",
    "company.info.read",
    "debtor.info.read",
    "employee.info.read",
    "employee.payrollsettings.read",
)
# What corresponds to a.s.r.'s SOAP rights list (§4 table). UNVERIFIED: a.s.r./Keylane have
# published no REST list; a missing one is a warning, never a block.
SCOPES_ASR: Final = (
    "company.info.read",
    "company.payrollsettings.read",
    "company.document.read",
    "document.read",
    "employee.info.read",
    "employee.bankaccount.read",
    "employee.employment.read",
    "employee.payrollsettings.read",
    "employee.payment.read",
)
SCOPES_REQUESTED: Final = tuple(dict.fromkeys((*SCOPES_NEEDED, *SCOPES_ASR)))


def scope_granted(needed: str, granted: frozenset[str] | set[str]) -> bool:
    """A read scope is also satisfied by its read-write twin (each operation lists both, SPEC)."""
    return needed in granted or (needed.endswith(".read") and needed.removesuffix(".read") in granted)


# --- operations (§5): operationId -> the scopes of which any one suffices --------------------------
OPERATION_SCOPES: Final[dict[str, tuple[str, ...]]] = {
    "getUserInfo": ("user.info.read",),
    "getDebtors": ("company.info.read",),          # sic: company.info, not debtor.info (SPEC)
    "getDebtorInfo": ("debtor.info.read",),
    "getTagsByDebtor": ("debtor.info.read",),
    "getCompanies": ("company.info.read",),
    "getCompaniesByDebtor": ("company.info.read",),
    "getCurrentPeriod": ("company.info.read",),
    "getEmployeesByCompany": ("employee.info.read",),
    "getSVWSettingsByCompany": ("employee.payrollsettings.read",),
}
PAGE_SIZE: Final = 100   # the maximum pageSize (§6)
MAX_PAGES: Final = 1000  # a hostile or broken server cannot keep us paging forever
# Which employees the DGA checks list. UNVERIFIED what the API returns without the filter (§12 q7).
EMPLOYEE_TYPES: Final = "payroll"

# --- error codes (§7) ----------------------------------------------------------------------------
CODE_MISSING_TOKEN: Final = 40101
CODE_INVALID_TOKEN: Final = 40102
CODE_NO_ACCESS: Final = 40303
CODE_NO_SUBSCRIPTION: Final = 40304
CODE_NO_ACCESS_ALT: Final = 40305       # UNVERIFIED (RSDK): like 40303
CODE_MULTI_DEBTOR: Final = 40306        # UNVERIFIED (RSDK): /api/companies refuses a multi-debtor consent
CODE_NOT_FOUND: Final = 40401
CODE_INVALID_COMPANY: Final = 40404
CODE_TOO_MANY_CALLS: Final = 42908
CODE_QUOTA: Final = 42909

# --- pay periods (§5, §12 q9): periodType -> asrctl's frequency; "4-week" is the description's spelling
PERIOD_TYPES: Final[dict[str, str]] = {"month": "monthly", "4-weeks": "four_weekly", "4-week": "four_weekly",
                                       "1-week": "weekly"}

# --- SOAP's end (§0) -----------------------------------------------------------------------------
SOAP_END: Final = datetime.date(2027, 3, 1)
