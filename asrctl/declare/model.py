"""pydantic models of asrctl.yaml and of employer files: the source of schemas/.

Descriptions explain the Dutch terms so an editor (via yaml-language-server)
shows the help a payroll employee needs while typing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Characters no declared text may hold: C0/C1 controls and DEL, line/paragraph separators, bidi controls
# (they reorder what a reviewer sees). Spelled out, not \s or \p{..}: the JSON Schema regex (editors,
# ECMA-262), Python's re (jsonschema) and pydantic's Rust regex must read every pattern the same.
FORBIDDEN_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_BLANK = r"\x20\xa0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff"
_VISIBLE = rf"[^{FORBIDDEN_CHARACTERS}{_BLANK}]"
# Text: not blank, no forbidden character.
TEXT_PATTERN = rf"^[^{FORBIDDEN_CHARACTERS}]*{_VISIBLE}[^{FORBIDDEN_CHARACTERS}]*$"
MAX_EMPLOYEE_NUMBER = 2_147_483_647  # Nmbrs's EmployeeNumber is an xs:int

from asrctl.declare import lhn

PAYROLL_TAX_NUMBER_PATTERN = lhn.PATTERN
EMPLOYER_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ACCOUNT_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
DOMAIN_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# RFC 8252 §7.3: a loopback redirect with an explicit port, where `asrctl login` listens once.
REDIRECT_URI_PATTERN = r"^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\]):[0-9]{1,5}(/[^\s?#]*)?$"
CLIENT_ID_PATTERN = r"^[\x21-\x7e]{1,200}$"  # printable, no spaces: it goes into a Basic header
# https for real services; plain http only to loopback; sandbox:<file> for the embedded simulators.
ENDPOINT_PATTERN = (rf"^(https://{_VISIBLE}+|http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/{_VISIBLE}*)?"
                    rf"|sandbox:{_VISIBLE}*)$")
# Deliberately simple (one @, a dot in the domain, no spaces): the registry enforces format: email.
_MAILBOX = rf"[^@{FORBIDDEN_CHARACTERS}{_BLANK}]"
EMAIL_PATTERN = rf"^{_MAILBOX}+@{_MAILBOX}+\.{_MAILBOX}+$"

Email = Annotated[
    str,
    Field(max_length=254, pattern=EMAIL_PATTERN, json_schema_extra={"format": "email"}),
]


def _whole(value: object) -> object:
    # JSON Schema (and so every editor) calls 8.0 an integer, and JavaScript cannot tell it from 8: accept it
    # as 8, so the editor and `asrctl validate` agree. 8.5 stays an error.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- secrets -----------------------------------------------------------------------------


class EnvSecretRef(StrictModel):
    """A secret read from an environment variable (in CI: a masked secret)."""

    model_config = ConfigDict(title="Secret from an environment variable")
    env: str = Field(pattern=ENV_NAME_PATTERN, description="Name of the environment variable holding the token.")


class FileSecretRef(StrictModel):
    """A secret read from a file (e.g. /run/secrets/...); a relative path is relative to asrctl.yaml."""

    model_config = ConfigDict(title="Secret from a file")
    file: str = Field(min_length=1, pattern=TEXT_PATTERN, description="Path of a file whose content is the token.")


SecretRef = Annotated[
    EnvSecretRef | FileSecretRef,
    Field(
        description=(
            "Never write a token itself in YAML: use {env: NAME} or {file: PATH}. "
            "asrctl reads the token at run time and shows only its fingerprint."
        )
    ),
]


# --- asrctl.yaml ---------------------------------------------------------------------------


class Organisation(StrictModel):
    """The payroll office (salarisverwerker) itself, as submitted on a.s.r.'s form."""

    name: str = Field(
        min_length=1, max_length=200, pattern=TEXT_PATTERN, description="Bedrijfsnaam: the payroll office's own name."
    )
    contact_email: Email = Field(description="E-mail address a.s.r. and Keylane use to contact the office.")


class NmbrsRest(StrictModel):
    """The office's own app in the Nmbrs developer portal (developer.nmbrs.com), for `api: rest` accounts."""

    url: str = Field(
        default="https://api.nmbrsapp.com",
        pattern=ENDPOINT_PATTERN,
        description=(
            "Nmbrs REST API base URL, normally https://api.nmbrsapp.com ; or sandbox:<world file> for the "
            "embedded REST simulator (its identity endpoints then come from the same simulator)."
        ),
    )
    identity_url: str = Field(
        default="https://identityservice.nmbrs.com",
        pattern=ENDPOINT_PATTERN,
        description=(
            "The Nmbrs identity server (OAuth 2.0) that asks for the consent and issues the tokens: "
            "/connect/authorize, /connect/token, /connect/revocation."
        ),
    )
    client_id: str = Field(
        pattern=CLIENT_ID_PATTERN,
        description="Client ID of the office's app, as Nmbrs issued it after app registration. Not a secret.",
    )
    client_secret: SecretRef = Field(description="Client secret of that app: {env: NAME} or {file: PATH}.")
    subscription_key: SecretRef = Field(
        description="Primary subscription key of the product the app subscribes to (sent as X-Subscription-Key)."
    )
    redirect_uri: str = Field(
        default="http://127.0.0.1:8765/callback",
        pattern=REDIRECT_URI_PATTERN,
        description=(
            "Redirect URI exactly as registered with Nmbrs for the app: a loopback http address with a port, "
            "where `asrctl login` listens for the one callback of the consent."
        ),
    )


class NmbrsSettings(StrictModel):
    """Where and how asrctl talks to Nmbrs."""

    endpoint: str = Field(
        pattern=ENDPOINT_PATTERN,
        description=(
            "Nmbrs SOAP v3 base URL, normally https://api.nmbrs.nl/soap/v3/ ; "
            "or sandbox:<world file> for the embedded Nmbrs simulator."
        ),
    )
    rest: NmbrsRest | None = Field(
        default=None, description="The office's Nmbrs REST app; needed when an account has api: rest."
    )
    max_calls_per_second: float = Field(
        default=50,
        ge=1,
        le=150,
        description=(
            "Call budget of this asrctl run, shared by SOAP and REST and all threads. Nmbrs documents about 150 "
            "calls a second as fair use for everyone on an environment; asrctl keeps well below."
        ),
    )
    parallelism: WholeNumber = Field(
        default=16,
        ge=1,
        le=64,
        description=(
            "Nmbrs calls in flight at once. 16 keeps the default budget of 50 calls a second busy at "
            "Nmbrs latencies up to about 300 ms; the budget, not this number, bounds the rate."
        ),
    )
    max_employee_scan: WholeNumber = Field(
        default=50,
        ge=0,
        le=100000,
        description=(
            "Largest company (in employees) scanned one employee at a time for undeclared DGAs "
            "when the bulk call is not Active for the login."
        ),
    )
    timeout_seconds: float = Field(
        default=30.0, gt=0, le=600,
        description="Total time one Nmbrs request may take, answer included (retries come on top).",
    )


class RegistrySettings(StrictModel):
    """The a.s.r. registry of registrations (aanmeldingen)."""

    url: str = Field(
        pattern=ENDPOINT_PATTERN,
        description="Registry base URL (https://.../v1), or sandbox:<sqlite file> for the reference registry.",
    )
    token: SecretRef = Field(
        description="Registry bearer token of this office: scope read for plan, write for apply."
    )
    timeout_seconds: float = Field(
        default=30.0, gt=0, le=600,
        description="Total time one registry request may take, answer included (retries come on top).",
    )


# How an Nmbrs login reaches employers (the one definition; Nmbrs, registry and init use it).
AccountModel = Literal["overarching", "per_debtor"]


class GrantRef(StrictModel):
    """Where the REST consent of an account is kept: a JSON file asrctl reads and rewrites (0600)."""

    model_config = ConfigDict(title="Grant file")
    file: str = Field(
        min_length=1,
        pattern=TEXT_PATTERN,
        description=(
            "Path of the grant file `asrctl login` writes (relative to asrctl.yaml), e.g. "
            ".asrctl/grants/kantoor.json. Never commit it: it holds a refresh token."
        ),
    )


class Account(StrictModel):
    """An Nmbrs login used for the coupling (its username, API token and domain go to a.s.r.)."""

    model: AccountModel = Field(
        description=(
            "overarching: one accountant login with a template user for many debtors (debiteuren), "
            "optionally limited by a debtor tag; per_debtor: the master company login "
            "(Master bedrijfslogin) of one debtor."
        )
    )
    username: Email = Field(description="The Nmbrs login (an e-mail address) whose API token is used.")
    token: SecretRef = Field(description="The API token from that user's profile in Nmbrs.")
    domain: str = Field(
        pattern=DOMAIN_PATTERN,
        description=(
            "Domeinnaam: the part after https:// and before .nmbrs in your Nmbrs address, "
            "e.g. 'voorbeeld' for https://voorbeeld.nmbrs.nl."
        ),
    )
    tag: str | None = Field(
        default=None,
        min_length=1,
        pattern=TEXT_PATTERN,
        description="overarching only: the debtor tag (e.g. 'a.s.r.') that limits which debtors the login sees.",
    )
    debtor: str | None = Field(
        default=None,
        min_length=1,
        pattern=TEXT_PATTERN,
        description="per_debtor: the Nmbrs debtor number (debiteurnummer) this login belongs to. Quote it.",
    )
    api: Literal["soap", "rest"] = Field(
        default="soap",
        description=(
            "Where asrctl reads Nmbrs for this account: soap (the SOAP v3 API, until Nmbrs ends it on "
            "2027-03-01) or rest (the REST API with the office's app in nmbrs.rest and a consent from "
            "`asrctl login ACCOUNT`). The token above is what a.s.r. receives either way."
        ),
    )
    grant: GrantRef | None = Field(
        default=None, description="api: rest only: the grant file `asrctl login` writes for this account."
    )


class Policy(StrictModel):
    """Safety rules for apply."""

    allow_withdraw: bool = Field(
        default=False,
        description=(
            "Allow apply to withdraw (afmelden) registrations; otherwise --allow-withdraw is needed "
            "and registrations no file declares are only reported."
        ),
    )
    max_change_fraction: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="apply refuses (without --force) to change more than this share of managed registrations.",
    )


class Config(StrictModel):
    """asrctl.yaml: the payroll office, its providers and its Nmbrs logins. Holds no secrets."""

    model_config = ConfigDict(title="asrctl.yaml")
    organisation: Organisation
    nmbrs: NmbrsSettings
    registry: RegistrySettings
    accounts: dict[Annotated[str, Field(pattern=ACCOUNT_NAME_PATTERN)], Account] = Field(
        min_length=1, description="Nmbrs logins used for the coupling, by a short name employer files refer to."
    )
    policy: Policy = Field(default_factory=Policy)
    language: Literal["nl", "en"] | None = Field(
        default=None,
        description=(
            "Language of asrctl's messages: nl (Dutch) or en (English). --lang and ASRCTL_LANG take "
            "precedence; without it, the locale decides."
        ),
    )


# --- employers/<id>.yaml -----------------------------------------------------------------------


class EmployerNmbrs(StrictModel):
    """Where the employer's payroll is in Nmbrs."""

    account: str = Field(pattern=ACCOUNT_NAME_PATTERN, description="Name of an account in asrctl.yaml.")
    debtor: str | None = Field(
        default=None,
        min_length=1,
        pattern=TEXT_PATTERN,
        description=(
            "Nmbrs debtor number (debiteur); optional for an overarching account, needed when the "
            "company name exists under several debtors. Quote it: \"1042\"."
        ),
    )
    company: str = Field(
        min_length=1,
        max_length=200,
        pattern=TEXT_PATTERN,
        description=(
            "The company (bedrijf) name exactly as Nmbrs shows it: case, spaces, dots and commas count."
        ),
    )


class Payroll(StrictModel):
    """The employer's payroll rhythm."""

    frequency: Literal["monthly", "four_weekly"] = Field(
        description="How often the company's payroll runs (verloning): monthly or four_weekly; must match Nmbrs."
    )
    thirteenth_month: bool = Field(description="Whether a 13th month (dertiende maand) is paid.")


class Dga(StrictModel):
    """A director-major-shareholder (directeur-grootaandeelhouder) in this payroll."""

    name: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN, description="The DGA's name as in Nmbrs.")
    employee_number: WholeNumber = Field(ge=1, le=MAX_EMPLOYEE_NUMBER, description="The DGA's medewerkersnummer in Nmbrs.")


class Employer(StrictModel):
    """employers/<id>.yaml: one employer (werkgever) connected to the a.s.r. payroll coupling."""

    model_config = ConfigDict(title="employer")
    contract_number: str = Field(
        min_length=1, max_length=40, pattern=TEXT_PATTERN, description="Raamwerkcontractnummer of the policy at a.s.r."
    )
    payroll_tax_number: str = Field(
        pattern=PAYROLL_TAX_NUMBER_PATTERN,
        description=(
            "Loonheffingennummer: 9 digits passing the 11-test, the letter L and 2 digits, "
            "e.g. 123456782L01."
        ),
    )
    nmbrs: EmployerNmbrs
    payroll: Payroll
    dga: list[Dga] = Field(
        max_length=20, description="DGAs in this payroll; [] when there is none. Required, so none is forgotten."
    )
    state: Literal["active", "withdrawn"] = Field(
        default="active",
        description="active: registered (aangemeld) with a.s.r.; withdrawn: afgemeld.",
    )
