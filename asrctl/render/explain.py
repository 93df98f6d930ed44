"""What each check id means and how to fix it: the ONE place for these texts.

`asrctl explain ID` prints them; docs/operator-guide.md's check reference is generated
from them (between the markers below) and a test keeps the two equal. After editing a
text, regenerate the guide:

    .venv/bin/python -m asrctl.render.explain docs/operator-guide.md

Texts use a small markdown subset that reads well in a terminal too: paragraphs,
"- " bullets, "1. " steps and `code`.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from asrctl.checks import CATALOGUE, CheckInfo
from asrctl.i18n import _, localize, set_language

DOC_BEGIN = "<!-- BEGIN check reference: generated from asrctl/render/explain.py, do not edit by hand -->"
DOC_END = "<!-- END check reference -->"


@dataclass(frozen=True)
class Explanation:
    meaning: str   # what the check found and what it means for the coupling
    fix: str       # what to do, in the payroll employee's terms (Dutch Nmbrs menu names)


EXPLANATIONS: dict[str, Explanation] = {
    "nmbrs.auth": Explanation(
        meaning=_(
            "Nmbrs refused the account's username and API token (fault 1001). Every employer that uses "
            "this account is blocked, and a registration at a.s.r. with this token no longer delivers data: "
            "the coupling stops silently. Usual causes: the login belongs to a colleague who left and was "
            "deactivated or deleted; the API token was regenerated; the secret holds another user's token; "
            "or the domain is wrong (Nmbrs answers 1001 for that too, see `nmbrs.domain`)."
        ),
        fix=_(
            "1. In Nmbrs, check under Instellingen > Gebruikers > Logins that the login in "
            "`accounts.<name>.username` exists and is ticked \"Actief\".\n"
            "2. Logged in as that user, open the profile (the figure top right) > Gebruiker profiel > "
            "API-Token; generate a token when there is none.\n"
            "3. Put the token in the secret the account refers to (for example the GitHub secret "
            "`NMBRS_TOKEN_KANTOOR`), never in YAML.\n"
            "4. When the user left: set up a new login (operator guide, \"Rotating a token\"), change "
            "`username` and the secret; the plan then shows `(sensitive: token changed)` for every "
            "employer of the account, and apply after merge sends a.s.r. the new login."
        ),
    ),
    "nmbrs.domain": Explanation(
        meaning=_(
            "The `domain` declared for the account is not the subdomain of the Nmbrs environment this login "
            "belongs to (as DebtorService.Environment_Get reports it). a.s.r. would connect to the wrong "
            "environment."
        ),
        fix=_(
            "Log in to Nmbrs and read the address bar: the domain is the part after `https://` and before "
            "`.nmbrs`, e.g. `voorbeeld` for `https://voorbeeld.nmbrs.nl`. Set `accounts.<name>.domain` to it "
            "(lower case) in asrctl.yaml."
        ),
    ),
    "nmbrs.api-rights": Explanation(
        meaning=_(
            "One or more API calls a.s.r.'s coupling needs are not set Active for this login's template user "
            "(Nmbrs fault 1002). The message names each call as Service.Operation. The lists differ per account "
            "model (overarching accountant login or per-debtor master company login, see the operator guide). "
            "Without them the coupling cannot read the payroll data, so the employers are blocked."
        ),
        fix=_(
            "1. Overarching account: Instellingen > Gebruikers > Template Users, click the API-icoon of the "
            "template user of this login. Per-debtor account: on the debtor, Gebruikersaccounts > User "
            "templates, API-icoon of the login's template.\n"
            "2. In \"Webservices rights edit\" choose the service (Company Services, Employee Services, "
            "Report Services) and set each named call to Active.\n"
            "3. Run `asrctl plan` again."
        ),
    ),
    "nmbrs.debtor": Explanation(
        meaning=_(
            "The debtor (debiteur) declared in the employer file or the account is not visible to the login, "
            "or, for an overarching account with a `tag`, it does not carry that tag. An overarching login only "
            "sees the debtors with its tag; a per-debtor login only its own debtor."
        ),
        fix=_(
            "- Check the debtor number in Nmbrs and the quoted value in the file (`debtor: \"1042\"`).\n"
            "- Overarching account: give the debtor the tag of the login (for example \"a.s.r.\"). Note that "
            "then every company of that debtor is part of the coupling.\n"
            "- Per-debtor account: use the account of this debtor's master company login "
            "(`nmbrs.account` in the employer file)."
        ),
    ),
    "nmbrs.company": Explanation(
        meaning=_(
            "No company (bedrijf) with exactly the declared name exists for this login (under the declared "
            "debtor). a.s.r. matches the name literally: case, spaces, dots and commas count. The message names "
            "the nearest names Nmbrs has and how they differ, e.g. \"found 'Bakkerij de Vries B.V.' — differs in "
            "case\"."
        ),
        fix=_(
            "Copy the company name from Nmbrs character for character into `nmbrs.company`. If the name in "
            "Nmbrs is the wrong one, correct it in Nmbrs instead; for an employer already registered, a name "
            "change makes a.s.r. set up the coupling again (the registration returns to submitted)."
        ),
    ),
    "nmbrs.company-ambiguous": Explanation(
        meaning=_(
            "The exact company name exists under several debtors visible to the login, and the employer file "
            "declares no debtor, so asrctl cannot tell which company is meant."
        ),
        fix=_(
            "Add the debtor number to the employer file, quoted: `nmbrs.debtor: \"1042\"`. The message lists "
            "the debtors that have a company with this name."
        ),
    ),
    "nmbrs.frequency": Explanation(
        meaning=_(
            "`payroll.frequency` does not match the company's pay period in Nmbrs (LoonaangifteTijdvak): "
            "Month is `monthly`, Week4 is `four_weekly`. a.s.r. receives the data in the rhythm declared here, "
            "so a mismatch gives wrong periods. Other periods (half-yearly, yearly, none) are not supported by "
            "the coupling."
        ),
        fix=_(
            "Set `payroll.frequency` to what Nmbrs shows for the company. If Nmbrs is wrong, correct the pay "
            "period in the company's settings in Nmbrs first; that changes the payroll runs, so agree it with "
            "whoever runs this payroll."
        ),
    ),
    "nmbrs.dga": Explanation(
        meaning=_(
            "A DGA (directeur-grootaandeelhouder) declared in the employer file has an employee number "
            "(personeelsnummer) that does not exist in the company."
        ),
        fix=_(
            "Look the DGA up in the company's employee list in Nmbrs and correct `dga[].employee_number`. If the "
            "DGA is no longer in this payroll, remove the entry (`dga: []` when there is none)."
        ),
    ),
    "nmbrs.dga-name": Explanation(
        meaning=_(
            "A declared DGA's name differs from the name of the employee with that number in Nmbrs. This is a "
            "warning: the number may still be right, but it may also point at another employee."
        ),
        fix=_(
            "Check that the employee number belongs to the DGA. Then write the name as Nmbrs shows it in "
            "`dga[].name`."
        ),
    ),
    "nmbrs.dga-insured": Explanation(
        meaning=_(
            "A declared DGA is insured for WW, ZW or WIA in Nmbrs. A DGA normally is not (no employee "
            "insurances), so either the person is not a DGA or the insurance settings are wrong. A warning: the "
            "employer is not blocked."
        ),
        fix=_(
            "Ask whoever runs this payroll. If the person is not a DGA, remove them from `dga`. If they are, "
            "correct the insurance settings (verzekeringsplicht) of the employee in Nmbrs."
        ),
    ),
    "nmbrs.dga-undeclared": Explanation(
        meaning=_(
            "An employee is not insured for WW, ZW and WIA — typical of a DGA — but is not declared in `dga`. "
            "a.s.r. needs every DGA in the payroll declared (name and employee number). A warning."
        ),
        fix=_(
            "If the employee is a DGA, add them: `dga: [{{name: ..., employee_number: ...}}]`. If not (for "
            "example an employee past the AOW age, who is not insured for WW either), nothing needs to change."
        ),
    ),
    "nmbrs.unreachable": Explanation(
        meaning=_(
            "Nmbrs did not answer after retries (timeouts, server errors, fault 1006). The checks of the "
            "employers involved could not run, so they are blocked for this run; nothing is wrong with the "
            "files as far as asrctl knows."
        ),
        fix=_(
            "Run the plan again later. If it persists, check `nmbrs.endpoint` in asrctl.yaml "
            "(`https://api.nmbrs.nl/soap/v3/`) and that the machine or CI runner can reach it."
        ),
    ),
    "nmbrs.scopes": Explanation(
        meaning=_(
            "For an account with `api: rest`, asrctl reads Nmbrs with the office's own app and the consent a "
            "person gave with `asrctl login`. The consent lacks a scope asrctl's checks need (an error: the "
            "employers of the account are blocked, as their checks cannot run), or a scope that corresponds to "
            "a call on a.s.r.'s SOAP rights list (a warning: a.s.r. has published no REST list yet)."
        ),
        fix=_(
            "1. In the Nmbrs developer portal (developer.nmbrs.com), allow the named scopes for the office's "
            "app.\n"
            "2. Run `asrctl login <account>` and approve them; it prints the scopes Nmbrs granted.\n"
            "3. In CI, store the new grant with `asrctl github store-secret` (operator guide, \"From SOAP to "
            "REST\")."
        ),
    ),
    "nmbrs.unverified": Explanation(
        meaning=_(
            "A check could not run, or Nmbrs answered without what it needs: a record lacking a field asrctl "
            "reads (the message names the call and the field), a value of the wrong type, an operation Nmbrs no "
            "longer offers, or a company too large to scan one employee at a time. asrctl never takes \"could "
            "not read\" for \"nothing there\", so it says so. A warning: never a blocked employer."
        ),
        fix=_(
            "Read the message: it names what could not be read. An operation Nmbrs no longer offers needs an "
            "answer from a.s.r. (or Keylane) about its replacement; an answer without a field is worth reporting "
            "with the `--debug` output. Otherwise follow the hint, or accept the warning."
        ),
    ),
    "nmbrs.optional": Explanation(
        meaning=_(
            "A login set up exactly by a.s.r.'s manual has only the calls a.s.r. needs. Some checks would like "
            "one more call (for example DebtorService.List_GetAll, DebtorService.Tags_Get, "
            "CompanyService.List_GetByDebtor) to confirm the debtor or the tag. Without it that part is skipped. "
            "A note, shown once per account: not a warning, and never a blocked employer."
        ),
        fix=_(
            "Nothing is needed. For the full check, set the named call Active in the login's template user "
            "(API-icoon, \"Webservices rights edit\"); a.s.r.'s coupling uses the same login, so it gets the "
            "extra read right too."
        ),
    ),
    "nmbrs.untagged": Explanation(
        meaning=_(
            "An accountant (overarching) login without a debtor tag sees every debtor of the office, and so "
            "does a.s.r. through the coupling. a.s.r.'s manual advises an \"a.s.r.\" tag, so that only the "
            "debtors of connected employers are visible."
        ),
        fix=_(
            "In Nmbrs create a tag (e.g. `a.s.r.`), add it to the debtors to connect, choose it as the login's "
            "filter under Instellingen > Gebruikers > Logins, and set `accounts.NAME.tag` in asrctl.yaml."
        ),
    ),
    "registry.unmanaged": Explanation(
        meaning=_(
            "The a.s.r. registry holds a registration (aanmelding) of this payroll office for a "
            "loonheffingennummer that no employer file declares — registered before asrctl was used (through "
            "a.s.r.'s form), or its file was deleted. asrctl leaves it alone unless `policy.allow_withdraw` is "
            "true, in which case the plan withdraws it."
        ),
        fix=_(
            "- To manage it: `asrctl import --account NAME` writes employer files for what Nmbrs and the "
            "registry hold; review and commit them.\n"
            "- To withdraw (afmelden) it: declare it with `state: withdrawn`, or set `policy.allow_withdraw: "
            "true` so the plan withdraws registrations no file declares."
        ),
    ),
    "registry.registered-elsewhere": Explanation(
        meaning=_(
            "Another payroll office holds the registration for this loonheffingennummer: the employer is "
            "connected to a.s.r. through that office. Plan cannot see this in advance (another office's "
            "registrations are invisible to this office's token); apply reports it when the registry answers "
            "409, and submits nothing for that employer."
        ),
        fix=_(
            "Check the loonheffingennummer in the file for a typo. If it is right, contact a.s.r.: moving an "
            "employer from another payroll office goes through them."
        ),
    ),
    "registry.unreachable": Explanation(
        meaning=_(
            "The a.s.r. registry did not answer after retries (timeouts, 429, server errors). The plan cannot "
            "tell what is registered, so the employers involved are blocked for this run."
        ),
        fix=_(
            "Run again later. If it persists, check `registry.url` in asrctl.yaml and that the machine or CI "
            "runner can reach it."
        ),
    ),
    "apply.needs-force": Explanation(
        meaning=_(
            "The plan changes or withdraws more of the registrations this office holds than "
            "`policy.max_change_fraction` allows (and more than five). Apply after merge refuses such a plan "
            "unless a person confirms it: a mass change is more often a mistake (a wrong asrctl.yaml, a "
            "rotated token for every employer) than an intent."
        ),
        fix=_(
            "Review the plan. If so many changes are intended, merge, then run the *asrctl apply* workflow by "
            "hand with `force` (a reviewer of the production environment approves it), or run "
            "`asrctl apply --force PLANFILE` yourself. Otherwise split the change into smaller pull requests."
        ),
    ),
    "apply.withdraw-not-permitted": Explanation(
        meaning=_(
            "The plan withdraws (afmelden) registrations that no employer file declares, but neither "
            "`policy.allow_withdraw` nor `apply --allow-withdraw` permits it. A `state: withdrawn` in a "
            "reviewed employer file is the office's permission for that employer and needs nothing more."
        ),
        fix=_(
            "To withdraw one employer, keep its file and set `state: withdrawn`. To withdraw every "
            "registration no file declares, set `policy.allow_withdraw: true` in asrctl.yaml, or run apply "
            "with `--allow-withdraw`."
        ),
    ),
}


def missing_explanations() -> list[str]:
    """Catalogue ids without a text (a test keeps this empty)."""
    return sorted(set(CATALOGUE) - set(EXPLANATIONS))


def render_markdown_entry(info: CheckInfo) -> str:
    """One check in the active language (the operator guide is generated in English)."""
    text = EXPLANATIONS[info.id]
    return (
        f"### `{info.id}` ({severity(info)})\n\n"
        f"{localize(info.summary)}\n\n"
        f"{localize(text.meaning)}\n\n"
        f"**{localize(_HOW)}**\n\n{localize(text.fix)}\n"
    )


_MEANS, _HOW = _("What it means"), _("How to fix")
_SEVERITY = {"error": _("error"), "warning": _("warning"), "note": _("note")}


def severity(info: CheckInfo) -> str:
    """The check's default severity as a word of the active language."""
    return localize(_SEVERITY[info.severity])


def render_markdown() -> str:
    """The operator guide's check reference: every catalogue id, in catalogue order."""
    rows = "\n".join(f"| [`{i.id}`](#{_anchor(i.id, severity(i))}) | {severity(i)} |" for i in CATALOGUE.values())
    entries = "\n".join(render_markdown_entry(info) for info in CATALOGUE.values())
    head = localize(_("| check | severity |"))
    return f"{head}\n|---|---|\n{rows}\n\n{entries}"


def _anchor(check_id: str, severity: str) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
    heading = f"{check_id} ({severity})"
    return "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_").replace(" ", "-")


def render_text(info: CheckInfo, width: int = 88) -> str:
    """For the terminal: wrapped paragraphs, bullets and steps kept."""
    text = EXPLANATIONS[info.id]

    def block(markdown: str) -> str:
        lines = []
        for line in markdown.splitlines():
            marker = ""
            if line.startswith("- "):
                marker = "- "
            elif len(line) > 2 and line[0].isdigit() and line[1:3] == ". ":
                marker = line[:3]
            body = line[len(marker):]
            lines.append(textwrap.fill(body, width, initial_indent="  " + marker, break_on_hyphens=False,
                                       subsequent_indent="  " + " " * len(marker)))
        return "\n".join(lines)

    return (
        f"{info.id} ({severity(info)})\n"
        f"{textwrap.fill(localize(info.summary), width, break_on_hyphens=False)}\n\n"
        f"{localize(_MEANS)}\n{block(localize(text.meaning))}\n\n"
        f"{localize(_HOW)}\n{block(localize(text.fix))}\n"
    )


def splice_doc(document: str) -> str:
    """The document with its generated check reference replaced by the current one."""
    begin, end = document.find(DOC_BEGIN), document.find(DOC_END)
    if begin < 0 or end < begin:
        raise ValueError(f"markers {DOC_BEGIN!r} ... {DOC_END!r} not found")
    return document[: begin + len(DOC_BEGIN)] + "\n\n" + render_markdown() + "\n" + document[end:]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m asrctl.render.explain docs/operator-guide.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    set_language("en")  # the operator guide is English
    path.write_text(splice_doc(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
