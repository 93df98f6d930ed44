"""What an editor shows while a payroll employee types in asrctl.yaml or an employer file.

model.py says what is valid and describes each field in English; this adds, per model and field, the
words of a.s.r.'s manual ("Handleiding aanleveren gegevens in eigen beheer") and of Nmbrs's screens, for
yaml-language-server (VS Code's YAML extension, and every editor that embeds it):
- a title in the manual's word with the English in brackets ("Loonheffingennummer (payroll tax number)");
- the description in Dutch, then the model's English one, as two paragraphs;
- `examples` (offered on completion);
- per enum value `enumDescriptions` and `markdownEnumDescriptions` (shown on completion and hover);
- `patternErrorMessage` for a pattern and `errorMessage` for a wrong type or value: what the value looks
  like in words, shown instead of "String does not match the pattern of ^[0-9]{9}L...".
Every text is Dutch first, then the English after " / ". JSON Schema validators ignore these keywords
(2020-12 allows unknown ones), so `asrctl validate` judges exactly as before. The enums stay `enum`
(not `oneOf` of `const`s): one keyword both validate's hints and the editor's value list read.
schema.py applies this when it builds the schemas; tests/declare/test_editor_help.py holds it to the
models (every property, enum value and pattern has its help, every example is valid).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIELDS", "MODELS", "NAME_MESSAGE", "Help", "ModelHelp", "annotate"]


@dataclass(frozen=True)
class Help:
    """The editor's help for one property."""

    title: str                                               # "Dutch (English)"
    nl: str                                                  # the Dutch description, before the English
    examples: tuple[Any, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)  # enum value → "Dutch / English"
    form: str | None = None                                  # the form in words: patternErrorMessage
    error: str | None = None                                 # errorMessage, when not the form (enum, list)
    en: str | None = None                                    # English, where the model has no description


@dataclass(frozen=True)
class ModelHelp:
    """The editor's help for one model (an object in $defs, or the file itself)."""

    title: str | None  # None for a file's root: schema.py gives it the file's name
    nl: str
    error: str | None = None  # errorMessage when the value is not a mapping at all


_SECRET = ("Schrijf {env: NAAM} of {file: PAD}, nooit het token zelf / write {env: NAME} or {file: PATH}, "
           "never the token itself")
_TEXT = "Tekst, niet leeg en zonder stuurtekens / text, not blank and without control characters"
_PATH = "Een pad, niet leeg en zonder stuurtekens / a path, not blank and without control characters"
_EMAIL = "Een e-mailadres, bijv. naam@voorbeeld.nl / an e-mail address, e.g. naam@voorbeeld.nl"
_ADDRESS = ("Een adres dat begint met https:// (gewoon http:// alleen naar 127.0.0.1 of localhost), of "
            "sandbox:<bestand> / an https:// address (plain http:// only to 127.0.0.1 or localhost), or "
            "sandbox:<file>")
_QUOTED = ("Tekst tussen aanhalingstekens, niet leeg, bijv. \"1042\" / text in quotes, not blank, "
           "e.g. \"1042\"")


def _block(*fields: str) -> str:
    """errorMessage of a model: the value must be a mapping with these (required) fields."""
    def listed(word: str) -> str:
        return f"{', '.join(fields[:-1])} {word} {fields[-1]}" if len(fields) > 1 else fields[0]

    return (f"Een blok met {listed('en')} op ingesprongen regels eronder / a mapping with {listed('and')} on "
            "indented lines below it")


# The name of an entry under accounts: (the map's keys, a propertyNames pattern).
NAME_MESSAGE = ("Een korte naam van kleine letters, cijfers, '-' en '_', bijv. kantoor / a short name of "
                "lowercase letters, digits, '-' and '_', e.g. kantoor")

MODELS: dict[str, ModelHelp] = {
    "Config": ModelHelp(None, "asrctl.yaml: het salarisbureau, waar Nmbrs en het a.s.r.-register te vinden zijn, "
                        "en de Nmbrs-logins voor de salariskoppeling. Er staat nooit een token in."),
    "Employer": ModelHelp(None, "employers/<id>.yaml: één werkgever die is aangesloten op de salariskoppeling "
                          "van a.s.r., met de gegevens van het aanmeldformulier."),
    "EnvSecretRef": ModelHelp("Geheim uit een omgevingsvariabele (secret from an environment variable)",
                              "Het token staat in een omgevingsvariabele; in GitHub een secret met die naam.",
                              _SECRET),
    "FileSecretRef": ModelHelp("Geheim uit een bestand (secret from a file)",
                               "Het token staat in een bestand, bijv. /run/secrets/...; een relatief pad geldt "
                               "vanaf asrctl.yaml.", _SECRET),
    "GrantRef": ModelHelp("Grantbestand (grant file)",
                          "Waar de toestemming (consent) van een REST-account bewaard wordt: een JSON-bestand dat "
                          "asrctl leest en herschrijft (alleen voor de eigenaar leesbaar).",
                          "Schrijf {file: PAD}, bijv. {file: .asrctl/grants/kantoor.json} / write {file: PATH}"),
    "Organisation": ModelHelp("Eigen organisatie (the payroll office)",
                              "Het salarisbureau (de salarisverwerker) zelf, zoals op het formulier 'Aanleveren "
                              "gegevens in eigen beheer' van a.s.r.",
                              _block("name", "contact_email")),
    "NmbrsRest": ModelHelp("Nmbrs REST-app (the office's Nmbrs REST app)",
                           "De eigen app van het kantoor in het Nmbrs developer portal (developer.nmbrs.com), "
                           "voor accounts met api: rest.",
                           _block("client_id", "client_secret", "subscription_key")),
    "NmbrsSettings": ModelHelp("Nmbrs (how asrctl reaches Nmbrs)", "Waar en hoe asrctl Nmbrs bereikt.",
                               _block("endpoint")),
    "RegistrySettings": ModelHelp("a.s.r.-register (the registry of registrations)",
                                  "Het register van aanmeldingen bij a.s.r.", _block("url", "token")),
    "Account": ModelHelp("Nmbrs-account voor de koppeling (an Nmbrs login for the coupling)",
                         "Een Nmbrs-login voor de salariskoppeling; gebruikersnaam, API-token en domein gaan naar "
                         "a.s.r.", _block("model", "username", "token", "domain")),
    "Policy": ModelHelp("Veiligheidsregels voor apply (safety rules for apply)", "Regels die apply bewaakt.",
                        _block("allow_withdraw", "max_change_fraction")),
    "EmployerNmbrs": ModelHelp("Gegevens salarispakket (where the payroll is in Nmbrs)",
                               "Waar de verloning van de werkgever in Nmbrs staat.",
                               _block("account", "company")),
    "Payroll": ModelHelp("Verloning (payroll)", "Maandelijkse of 4-wekelijkse verloning, en of er een 13e maand "
                         "wordt uitgekeerd.", _block("frequency", "thirteenth_month")),
    "Dga": ModelHelp("DGA (directeur-grootaandeelhouder, director-major-shareholder)",
                     "Een DGA in deze verloning, zoals in Nmbrs.", _block("name", "employee_number")),
}

_SECRET_ENV = {"env": "NMBRS_TOKEN_KANTOOR"}

FIELDS: dict[str, dict[str, Help]] = {
    "Config": {
        "organisation": Help("Eigen organisatie (organisation)", "Het salarisbureau zelf: bedrijfsnaam en "
                             "e-mailadres zoals op het aanmeldformulier van a.s.r.",
                             en="The payroll office itself: its name and contact e-mail as on a.s.r.'s form."),
        "nmbrs": Help("Nmbrs-instellingen (Nmbrs settings)", "Waar en hoe asrctl Nmbrs bereikt: het adres van de API en hoeveel calls tegelijk.",
                      en="Where and how asrctl reaches Nmbrs: the API's address and how many calls at once."),
        "registry": Help("a.s.r.-register (registry)", "Het register van aanmeldingen bij a.s.r.: adres en token.",
                         en="The a.s.r. registry of registrations: its address and token."),
        "accounts": Help("Nmbrs-accounts (accounts)", "De Nmbrs-logins voor de salariskoppeling, elk onder een "
                         "korte naam (kleine letters, cijfers, '-' en '_') waar werkgeverbestanden naar verwijzen.",
                         ({"kantoor": {"model": "overarching", "username": "api-asr@voorbeeld.nl",
                                       "token": _SECRET_ENV, "domain": "voorbeeld", "tag": "a.s.r."}},),
                         error="Een blok met per Nmbrs-login een korte naam, met model, username, token en domain "
                         "eronder / a mapping: a short name per Nmbrs login, with model, username, token and "
                         "domain below it"),
        "policy": Help("Veiligheidsregels (policy)", "Regels die apply bewaakt: afmelden, en hoeveel er in één "
                       "keer mag wijzigen.", en="Safety rules apply keeps: withdrawing, and how much may change "
                       "at once."),
        "language": Help("Taal (language)", "Taal van de meldingen van asrctl: nl (Nederlands) of en (Engels). "
                         "--lang en ASRCTL_LANG gaan voor; zonder deze regel beslist de taalinstelling (locale) "
                         "van de computer.", ("nl",),
                         values={"nl": "Nederlands: meldingen in het Nederlands / Dutch messages",
                                 "en": "Engels: meldingen in het Engels / English messages"},
                         error="Schrijf nl (Nederlands) of en (Engels) / write nl (Dutch) or en (English)"),
    },
    "EnvSecretRef": {
        "env": Help("Omgevingsvariabele (environment variable)", "Naam van de omgevingsvariabele met het token; "
                    "in GitHub een secret met die naam.", ("NMBRS_TOKEN_KANTOOR", "ASR_REGISTRY_TOKEN"),
                    form="Letters, cijfers en _, niet beginnend met een cijfer, bijv. NMBRS_TOKEN_KANTOOR / "
                    "letters, digits and _, not starting with a digit"),
    },
    "FileSecretRef": {
        "file": Help("Bestand (file)", "Pad van een bestand waarin alleen het token staat.",
                     ("/run/secrets/nmbrs-kantoor",), form=_PATH),
    },
    "GrantRef": {
        "file": Help("Bestand (file)", "Pad van het grantbestand dat `asrctl login` schrijft (vanaf asrctl.yaml). "
                     "Nooit committen: er staat een refresh token in.", (".asrctl/grants/kantoor.json",),
                     form=_PATH),
    },
    "Organisation": {
        "name": Help("Bedrijfsnaam (office name)", "Bedrijfsnaam op het aanmeldformulier van a.s.r.: de naam van "
                     "jullie eigen organisatie.", ("Salarisbureau Voorbeeld B.V.",), form=_TEXT),
        "contact_email": Help("Emailadres (contact e-mail)", "Emailadres op het aanmeldformulier van a.s.r.: het "
                              "e-mailadres dat fungeert als contactpersoon voor a.s.r. en Keylane.",
                              ("koppelingen@voorbeeld.nl",), form=_EMAIL),
    },
    "NmbrsRest": {
        "url": Help("Adres van de Nmbrs REST API (REST API URL)", "Adres van de REST API van Nmbrs, normaal "
                    "https://api.nmbrsapp.com ; of sandbox:<bestand> voor de ingebouwde REST-simulator.",
                    ("https://api.nmbrsapp.com",), form=_ADDRESS),
        "identity_url": Help("Inlogserver van Nmbrs (identity server)", "De identity server van Nmbrs (OAuth 2.0), "
                             "die de toestemming (consent) vraagt en de tokens uitgeeft; normaal "
                             "https://identityservice.nmbrs.com.", ("https://identityservice.nmbrs.com",),
                             form=_ADDRESS),
        "client_id": Help("Client ID van de app (client ID)", "De Client ID die Nmbrs gaf bij het registreren van "
                          "de app van het kantoor in het developer portal. Geen geheim.",
                          ("salarisbureau-voorbeeld-asrctl",),
                          form="Zichtbare tekens zonder spaties, hoogstens 200 / visible characters without "
                          "spaces, at most 200"),
        "client_secret": Help("Client secret van de app (client secret)", "Het client secret van die app, als "
                              "{env: NAAM} of {file: PAD}; nooit het geheim zelf.",
                              ({"env": "NMBRS_CLIENT_SECRET"},), error=_SECRET),
        "subscription_key": Help("Abonnementssleutel (subscription key)", "De primaire subscription key van het "
                                 "product waarop de app in het developer portal is geabonneerd, als {env: NAAM} "
                                 "of {file: PAD}.", ({"env": "NMBRS_SUBSCRIPTION_KEY"},), error=_SECRET),
        "redirect_uri": Help("Redirect-URI (redirect URI)", "De redirect-URI precies zoals bij Nmbrs voor de app "
                             "geregistreerd: een http-adres op deze computer met een poort, waar `asrctl login` "
                             "één keer op de terugkeer uit de toestemming wacht.",
                             ("http://127.0.0.1:8765/callback",),
                             form="Een http-adres op deze computer met een poort, bijv. "
                             "http://127.0.0.1:8765/callback / a loopback http address with a port, e.g. "
                             "http://127.0.0.1:8765/callback"),
    },
    "NmbrsSettings": {
        "endpoint": Help("Nmbrs-adres (endpoint)", "Adres van de SOAP API (versie 3) van Nmbrs, voor iedere klant "
                         "hetzelfde: https://api.nmbrs.nl/soap/v3/ ; of sandbox:<bestand> voor de ingebouwde "
                         "Nmbrs-simulator.", ("https://api.nmbrs.nl/soap/v3/",), form=_ADDRESS),
        "rest": Help("Nmbrs REST-app (REST app)", "De eigen app van het kantoor in het Nmbrs developer portal; "
                     "nodig zodra een account api: rest heeft."),
        "max_calls_per_second": Help("Calls per seconde (max calls per second)", "Hoeveel Nmbrs-calls asrctl per "
                                     "seconde doet, samen voor SOAP, REST en alle threads. Nmbrs noemt ongeveer 150 "
                                     "calls per seconde redelijk gebruik voor iedereen op een omgeving; asrctl "
                                     "blijft daar ruim onder.", (50,)),
        "parallelism": Help("Gelijktijdige calls (parallelism)", "Hoeveel Nmbrs-calls tegelijk onderweg zijn. Het "
                            "aantal calls per seconde begrenst het tempo, niet dit getal.", (16,)),
        "max_employee_scan": Help("Grootste bedrijf voor de DGA-zoektocht (max employee scan)", "Grootste bedrijf "
                                  "(in medewerkers) dat medewerker voor medewerker wordt doorzocht op DGA's die "
                                  "niet zijn opgegeven, als de bulk-call voor de login niet op Active staat.",
                                  (50,)),
        "timeout_seconds": Help("Wachttijd in seconden (timeout)", "Hoe lang één Nmbrs-call in totaal mag duren, "
                                "antwoord inbegrepen (herhaalpogingen komen daarbovenop).", (30,)),
    },
    "RegistrySettings": {
        "url": Help("Adres van het register (registry URL)", "Adres van het a.s.r.-register (https://.../v1), of "
                    "sandbox:<sqlite-bestand> voor het referentieregister.",
                    ("https://registry.example.invalid/v1",), form=_ADDRESS),
        "token": Help("Registertoken (registry token)", "Het token dat a.s.r. het kantoor voor het register geeft: "
                      "leesrechten (read) voor plan, schrijfrechten (write) voor apply; als {env: NAAM} of "
                      "{file: PAD}.", ({"env": "ASR_REGISTRY_TOKEN"},), error=_SECRET),
        "timeout_seconds": Help("Wachttijd in seconden (timeout)", "Hoe lang één call naar het register in totaal "
                                "mag duren, antwoord inbegrepen (herhaalpogingen komen daarbovenop).", (30,)),
    },
    "Account": {
        "model": Help("Soort account (account model)", "Overkoepelend account (overarching) of account per "
                      "debiteur (per_debtor). a.s.r. adviseert een overkoepelend account.", ("overarching",),
                      values={"overarching": "Overkoepelend account: een accountant login met een Template User, "
                              "voor alle debiteuren (werkgevers) met de debiteurentag / one accountant login with a "
                              "template user, for every debtor with the tag",
                              "per_debtor": "Account per debiteur: de master bedrijfslogin (klant login) van één "
                              "debiteur / the master company login of one debtor"},
                      error="Schrijf overarching (overkoepelend account) of per_debtor (account per debiteur) / "
                      "write overarching or per_debtor"),
        "username": Help("Gebruikersnaam Nmbrs (username)", "Het e-mailadres waarmee in Nmbrs wordt ingelogd "
                         "(poppetje rechtsboven > Gebruiker profiel). Let op: is dit e-mailadres niet meer actief, "
                         "bijvoorbeeld omdat iemand uit dienst gaat, dan werkt de koppeling niet meer.",
                         ("api-asr@voorbeeld.nl",), form=_EMAIL),
        "token": Help("API-Token Nmbrs (API token)", "Het API-token van die gebruiker (poppetje rechtsboven > "
                      "Gebruiker profiel > API-Token), als {env: NAAM} of {file: PAD}; nooit het token zelf.",
                      (_SECRET_ENV,), error=_SECRET),
        "domain": Help("Domein Nmbrs (domain)", "De domeinnaam van je Nmbrs-omgeving: in de URL-balk van de "
                       "browser ná https:// en vóór .nmbrs.", ("voorbeeld",),
                       form="Alleen het deel vóór .nmbrs, in kleine letters, bijv. voorbeeld voor "
                       "https://voorbeeld.nmbrs.nl / only the part before .nmbrs, in lower case"),
        "tag": Help("Debiteurentag (debtor tag)", "Alleen bij een overkoepelend account: de tag (bijv. a.s.r.) die "
                    "bepaalt welke debiteuren de login ziet.", ("a.s.r.",), form=_TEXT),
        "debtor": Help("Debiteurnummer (debtor)", "Alleen bij een account per debiteur: het debiteurnummer in "
                       "Nmbrs waar deze login bij hoort, tussen aanhalingstekens.", ("1042",), form=_QUOTED),
        "api": Help("Nmbrs-API (API)", "Hoe asrctl Nmbrs leest voor dit account: soap (tot Nmbrs die op 1 maart "
                    "2027 stopt) of rest (met de app onder nmbrs.rest en een toestemming via `asrctl login`). "
                    "a.s.r. krijgt in beide gevallen het token hierboven.", ("soap",),
                    values={"soap": "SOAP API versie 3, tot 1 maart 2027 / the SOAP v3 API, until 1 March 2027",
                            "rest": "REST API, met de app van het kantoor en `asrctl login` / the REST API, with "
                            "the office's app and `asrctl login`"},
                    error="Schrijf soap of rest / write soap or rest"),
        "grant": Help("Grantbestand (grant file)", "Alleen bij api: rest: het bestand dat `asrctl login` voor dit "
                      "account schrijft."),
    },
    "Policy": {
        "allow_withdraw": Help("Afmelden toestaan (allow withdraw)", "true: apply mag aanmeldingen afmelden. "
                               "false: alleen met apply --allow-withdraw, en aanmeldingen die geen bestand noemt "
                               "worden alleen gemeld.", (False,)),
        "max_change_fraction": Help("Grootste deel dat in één keer wijzigt (max change fraction)", "apply weigert "
                                    "(zonder --force) meer dan dit deel van de aanmeldingen in één keer te "
                                    "wijzigen; 0.3 is 30%.", (0.3,)),
    },
    "EmployerNmbrs": {
        "account": Help("Nmbrs-account (account)", "De naam van een account in asrctl.yaml (onder accounts:): de "
                        "Nmbrs-login die deze werkgever ziet.", ("kantoor",),
                        form="De naam van een account in asrctl.yaml: kleine letters, cijfers, '-' en '_', bijv. "
                        "kantoor / the name of an account in asrctl.yaml: lowercase letters, digits, '-' and '_'"),
        "debtor": Help("Debiteurnummer (debtor)", "Het debiteurnummer in Nmbrs, tussen aanhalingstekens; bij een "
                       "overkoepelend account alleen nodig als de bedrijfsnaam bij meerdere debiteuren voorkomt.",
                       ("1042",), form=_QUOTED),
        "company": Help("Bedrijfsnaam in Nmbrs (company)", "Let op! De letterlijke benaming uit Nmbrs: dit is "
                        "hoofdletter-, spatie-, punt- en kommagevoelig.", ("Bakkerij De Vries B.V.",), form=_TEXT),
    },
    "Payroll": {
        "frequency": Help("Maandelijkse of 4-wekelijkse verloning (frequency)", "Hoe vaak het bedrijf verloond "
                          "wordt; moet overeenkomen met Nmbrs.", ("monthly",),
                          values={"monthly": "Maandelijkse verloning / monthly payroll",
                                  "four_weekly": "4-wekelijkse verloning / four-weekly payroll"},
                          error="Schrijf monthly (maandelijks) of four_weekly (4-wekelijks) / write monthly or "
                          "four_weekly"),
        "thirteenth_month": Help("Wordt een 13e maand uitgekeerd? (thirteenth month)", "true als er een 13e maand "
                                 "wordt uitgekeerd, anders false.", (True, False)),
    },
    "Dga": {
        "name": Help("Naam (name)", "De naam van de DGA zoals in Nmbrs.", ("J. de Vries",), form=_TEXT),
        "employee_number": Help("Medewerkersnummer (employee number)", "Het medewerkersnummer van de DGA in "
                                "Nmbrs.", (1,)),
    },
    "Employer": {
        "contract_number": Help("Raamwerkcontractnummer (contract number)", "Het contractnummer van de polis bij "
                                "a.s.r.", ("RW-2024-00123",), form=_TEXT),
        "payroll_tax_number": Help("Loonheffingennummer (payroll tax number)", "9 cijfers (RSIN of BSN) die de "
                                   "elfproef doorstaan, de letter L en 2 cijfers, zonder NL, spaties of punten; "
                                   "bijv. 123456782L01.", ("123456782L01",),
                                   form="9 cijfers, de letter L en 2 cijfers, bijv. 123456782L01 (zonder NL, "
                                   "spaties of punten) / 9 digits, the letter L and 2 digits, e.g. 123456782L01"),
        "nmbrs": Help("Gegevens salarispakket (Nmbrs)", "Waar de verloning van deze werkgever in Nmbrs staat: "
                      "account, bedrijfsnaam en zo nodig debiteurnummer.",
                      en="Where this employer's payroll is in Nmbrs: account, company and, where needed, debtor."),
        "payroll": Help("Verloning (payroll)", "Maandelijkse of 4-wekelijkse verloning, en of er een 13e maand "
                        "wordt uitgekeerd.", en="Monthly or four-weekly payroll, and whether a 13th month is paid."),
        "dga": Help("Zit er een DGA in de verloning? (DGA)", "Zo ja: naam en medewerkersnummer van elke DGA; zo "
                    "nee: dga: []. Verplicht, zodat niemand vergeten wordt.",
                    ([], [{"name": "J. de Vries", "employee_number": 1}]),
                    error="Een lijst: dga: [] als er geen DGA is, anders per DGA een regel '- name: ...' met "
                    "'employee_number: ...' eronder / a list: dga: [] when there is none, otherwise '- name: ...' "
                    "with 'employee_number: ...' below it per DGA"),
        "state": Help("Aanmelding (state)", "active: aangemeld bij a.s.r.; withdrawn: afmelden.", ("active",),
                      values={"active": "Aangemeld bij a.s.r. / registered with a.s.r.",
                              "withdrawn": "Afgemeld: apply meldt de werkgever af bij a.s.r. / withdrawn: apply "
                              "withdraws the registration"},
                      error="Schrijf active (aangemeld) of withdrawn (afgemeld) / write active or withdrawn"),
    },
}


def annotate(schema: dict[str, Any], root: str) -> None:
    """Add the help, in place, to a tidy schema whose root is the model named `root`."""
    for name, node in [(root, schema), *schema.get("$defs", {}).items()]:
        model = MODELS.get(name)
        if model is not None:
            if model.title:
                node["title"] = model.title
            node["description"] = _paragraphs(model.nl, node.get("description"))
            if model.error:
                node["errorMessage"] = model.error
        for prop, help_ in FIELDS.get(name, {}).items():
            _field(node["properties"][prop], help_)


def _paragraphs(nl: str, en: str | None) -> str:
    return f"{nl}\n\n{en}" if en else nl


def _field(node: dict[str, Any], help_: Help) -> None:
    node["title"] = help_.title
    node["description"] = _paragraphs(help_.nl, node.get("description") or help_.en)
    if help_.examples:
        node["examples"] = list(help_.examples)
    if help_.values:
        plain = [help_.values[value] for value in node["enum"]]
        node["enumDescriptions"] = plain
        node["markdownEnumDescriptions"] = [_markdown(text) for text in plain]
    if help_.form:
        node["patternErrorMessage"] = help_.form
    error = help_.error or help_.form or _typed(node)
    if error:
        node["errorMessage"] = error  # yaml-language-server shows it for a wrong type or value (and a pattern)
    if isinstance(node.get("propertyNames"), dict):  # a map keyed by name (accounts): the names' form
        node["propertyNames"]["patternErrorMessage"] = node["propertyNames"]["errorMessage"] = NAME_MESSAGE


def _markdown(text: str) -> str:
    dutch, _sep, english = text.partition(" / ")
    return f"**{dutch}** / {english}" if english else f"**{dutch}**"


def _typed(node: dict[str, Any]) -> str | None:
    """The form of a boolean or a number in words, from the schema's own bounds (so they cannot drift)."""
    kind = node.get("type")
    if kind == "boolean":
        return "true (ja) of false (nee), zonder aanhalingstekens / true or false, without quotes"
    if kind not in ("integer", "number"):
        return None
    nl, en = ("Een heel getal", "a whole number") if kind == "integer" else ("Een getal", "a number")
    low, high = node.get("minimum"), node.get("maximum")
    above = node.get("exclusiveMinimum")
    if low is not None and high is not None:
        return f"{nl} van {low} tot en met {high} / {en} from {low} to {high}"
    if above is not None and high is not None:
        return f"{nl} groter dan {above} en hoogstens {high} / {en} above {above} and at most {high}"
    return f"{nl} / {en}"
