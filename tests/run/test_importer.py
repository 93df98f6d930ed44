"""`asrctl import`: employer files from Nmbrs (the simulator) and the registry, TODOs, --force, adoption."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from asrctl.errors import ConfigError
from asrctl.nmbrs.discover import Discovery
from asrctl.run.importer import (
    Change,
    Declared,
    Draft,
    Selection,
    build_drafts,
    merge_draft,
    render_draft,
    schema_reference,
    slug,
)

from support.cli import run_cli
from support.repo import PTN, make_repo, write_employer


def test_slug_is_an_employer_id() -> None:
    assert slug("Bakkerij De Vries B.V.") == "bakkerij-de-vries"
    assert slug("Installatiebedrijf Jansen & Zn. B.V.") == "installatiebedrijf-jansen-zn"
    assert slug("Kwekerij De Zon V.O.F.") == "kwekerij-de-zon"
    assert slug("Café Ünal") == "cafe-unal"
    assert slug("B.V.") == "b-v"
    assert slug("???") == "employer"


def _todo_draft() -> Draft:
    return Draft(
        "nieuw", "Nieuw B.V.",
        {"contract_number": "TODO", "payroll_tax_number": "TODO",
         "nmbrs": {"account": "kantoor", "debtor": "1042", "company": "Nieuw B.V."},
         "payroll": {"frequency": "monthly", "thirteenth_month": "TODO"},
         "dga": [{"name": "J. Nieuw", "employee_number": 1}], "state": "active"},
        {"contract_number": "TODO: raamwerkcontractnummer", "nmbrs.debtor": "under several debtors",
         "dga": "from Nmbrs: check"},
        ["Nmbrs: company 1, debtor 1042", "a.s.r. registry: not registered"],
    )


def test_a_new_file_has_the_schema_header_comments_and_quoted_debtor() -> None:
    text = render_draft(_todo_draft(), "../schemas/employer.schema.json", "kantoor")
    assert text == (
        "# yaml-language-server: $schema=../schemas/employer.schema.json\n"
        "# Imported by `asrctl import --account kantoor`. Nmbrs: company 1, debtor 1042; "
        "a.s.r. registry: not registered.\n"
        "# Fill in each TODO, then run `asrctl validate` and `asrctl plan`.\n"
        "contract_number: TODO               # TODO: raamwerkcontractnummer\n"
        "payroll_tax_number: TODO\n"
        "nmbrs:\n"
        "  account: kantoor\n"
        "  debtor: '1042'                    # under several debtors\n"
        "  company: Nieuw B.V.\n"
        "payroll:\n"
        "  frequency: monthly\n"
        "  thirteenth_month: TODO\n"
        "# from Nmbrs: check\n"
        "dga:\n"
        "  - name: J. Nieuw\n"
        "    employee_number: 1\n"
        "state: active\n"
    )


def test_force_keeps_comments_and_what_was_filled_in() -> None:
    existing = (
        "# our own note about this employer\n"
        "contract_number: RW-2026-0042   # from the policy letter\n"
        "payroll_tax_number: TODO\n"
        "nmbrs:\n  account: kantoor\n  company: Nieuw B.V.  # checked with Nmbrs\n"
        "payroll:\n  frequency: four_weekly\n  thirteenth_month: true\n"
        "dga: []\n"
        "state: active\n"
    )
    merged, changes = merge_draft(existing, _todo_draft())
    assert "# our own note about this employer" in merged
    assert "contract_number: RW-2026-0042   # from the policy letter" in merged  # TODO never replaces a value
    assert "thirteenth_month: true" in merged
    assert "frequency: monthly" in merged  # what Nmbrs says wins over a stale value
    assert "# checked with Nmbrs" in merged
    assert "J. Nieuw" in merged
    # Every value that changed is told, old → new; what import knows only as TODO is no change.
    assert [str(c) for c in changes] == [
        "nmbrs.debtor: (none) → 1042",
        "payroll.frequency: four_weekly → monthly",
        "dga: [] → [{name: J. Nieuw, employee_number: 1}]",
    ]
    assert merge_draft(merged, _todo_draft())[1] == []  # a second run changes nothing


def test_a_change_reads_as_yaml_on_one_line() -> None:
    assert str(Change("payroll.thirteenth_month", True, False)) == "payroll.thirteenth_month: true → false"
    assert str(Change("dga", [{"name": "A", "employee_number": 1}], [])) == "dga: [{name: A, employee_number: 1}] → []"


def test_a_selection_keeps_the_companies_and_debtors_named() -> None:
    everything = Selection()
    assert everything.keeps("Alpha B.V.", None) and everything.keeps("Beta B.V.", "100")
    by_name = Selection(companies=("Alpha B.V.", "Beta B.V."))
    assert by_name.keeps("Alpha B.V.", None) and not by_name.keeps("alpha b.v.", "100")
    by_debtor = Selection(debtors=("100",))
    assert by_debtor.keeps("Gamma B.V.", "100") and not by_debtor.keeps("Gamma B.V.", "101")
    assert not by_debtor.keeps("Gamma B.V.", None)  # Nmbrs did not say: not shown to be under it
    both = Selection(companies=("Alpha B.V.",), debtors=("100",))
    assert both.keeps("Alpha B.V.", "100") and not both.keeps("Alpha B.V.", "101")


def test_a_debtor_filter_says_when_nmbrs_did_not_tell_the_debtors() -> None:
    blind = Discovery("kantoor", [], [], 0, left_out=(("Alpha B.V.", None),))
    with pytest.raises(ConfigError, match="Nmbrs did not tell which debtor each company of account 'kantoor' is under"):
        Selection(debtors=("100",)).check([], blind)
    with pytest.raises(ConfigError) as empty:
        Selection(debtors=("100",)).check([], Discovery("kantoor", [], [], 0))
    assert empty.value.hint == "the debtors it sees: none"


def test_the_schema_line_is_relative_to_where_the_file_lives(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    assert schema_reference(repo, repo / "employers") == "../schemas/employer.schema.json"
    assert schema_reference(repo, repo / "employers" / "new") == "../../schemas/employer.schema.json"
    assert schema_reference(repo, repo) == "schemas/employer.schema.json"
    # Outside the repository a file is only looked at before it moves into employers/.
    assert schema_reference(repo, tmp_path / "elsewhere") == "../schemas/employer.schema.json"


def test_the_same_company_through_another_login_is_a_near_miss(tmp_path: Path) -> None:
    employers = (tmp_path / "employers").resolve()
    declared = Declared(company_of={employers / "alpha.yaml": "Alpha B.V."}, stems={employers: {"alpha"}})
    draft = Draft("alpha", "Alpha B.V.", {}, {})
    first, second = declared.near_misses(draft, "alpha-2", employers)
    assert "declares 'Alpha B.V.' too, with another account" in first
    assert second == "written as alpha-2.yaml: alpha.yaml is taken (it declares 'Alpha B.V.')"
    # A stem taken only by another file of this same run (one name under two debtors) is no near miss.
    assert Declared().near_misses(Draft("dubbel", "Dubbel B.V.", {}, {}), "dubbel-2", employers) == []


# --- end to end against the embedded sandbox -------------------------------------------------------------


def _office_with_registrations(tmp_path: Path) -> Path:
    """alpha, beta and delta are registered (by an apply); then the employer files are gone."""
    repo = make_repo(tmp_path)
    assert "3 created" in run_cli(repo, "apply", "--auto-approve").stdout
    for path in (repo / "employers").glob("*.yaml"):
        path.unlink()
    return repo


def test_import_writes_registered_and_new_companies(tmp_path: Path) -> None:
    repo = _office_with_registrations(tmp_path)
    done = run_cli(repo, "import", "--account", "kantoor")
    assert done.code == 0, done.output
    lines = done.stdout.splitlines()
    assert "wrote employers/alpha.yaml: registered: submitted" in lines
    assert ("wrote employers/gamma.yaml: not registered; TODO: contract_number, payroll_tax_number, "
            "payroll.thirteenth_month") in lines
    assert lines[-1] == ("6 employer files written for account 'kantoor'; 3 with TODOs to fill in — then run "
                         "`asrctl validate` and `asrctl plan`.")
    written = sorted(p.name for p in (repo / "employers").glob("*.yaml"))
    assert written == ["alpha.yaml", "beta.yaml", "delta.yaml", "epsilon.yaml", "gamma.yaml", "zeta.yaml"]

    alpha = (repo / "employers" / "alpha.yaml").read_text()
    assert alpha.startswith("# yaml-language-server: $schema=../schemas/employer.schema.json\n")
    assert f"payroll_tax_number: {PTN['alpha']}" in alpha and "contract_number: RW-2026-0001" in alpha
    assert "- name: A. Alpha" in alpha
    gamma = (repo / "employers" / "gamma.yaml").read_text()
    assert "frequency: four_weekly" in gamma  # Nmbrs: Week4
    assert "dga: []" in gamma  # Nmbrs shows no employee, so none looks like a DGA

    # validate fails on the TODO fields only, naming each one.
    checked = run_cli(repo, "validate", "--format", "json")
    problems = json.loads(checked.stdout)
    assert checked.code == 1
    assert {p["code"] for p in problems} == {"todo"}
    assert {(p["path"], p["message"].split(" is still TODO")[0]) for p in problems} == {
        (f"employers/{name}.yaml", field)
        for name in ("gamma", "epsilon", "zeta")
        for field in ("contract_number", "payroll_tax_number", "payroll.thirteenth_month")
    }
    assert any(p["message"] == "contract_number is still TODO: fill in the raamwerkcontractnummer from the a.s.r. "
               "policy" for p in problems)

    # With the TODO files put aside, plan adopts the registered employers without a change.
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("gamma", "epsilon", "zeta"):
        (repo / "employers" / f"{name}.yaml").rename(aside / f"{name}.yaml")
    plan = json.loads(run_cli(repo, "plan", "--format", "json").stdout)
    assert {e["id"]: e["action"] for e in plan["employers"]} == {"alpha": "noop", "beta": "noop", "delta": "noop"}
    assert plan["unmanaged"] == []


def test_existing_files_are_kept_unless_forced(tmp_path: Path) -> None:
    repo = _office_with_registrations(tmp_path)
    run_cli(repo, "import", "--account", "kantoor")
    zeta = repo / "employers" / "zeta.yaml"
    filled = zeta.read_text().replace("contract_number: TODO", "contract_number: RW-2026-0099  # per the policy")
    zeta.write_text(filled)
    again = run_cli(repo, "import", "--account", "kantoor")
    assert again.code == 0
    assert ("skipped employers/zeta.yaml: exists; use --force to update it (its comments and filled-in values are "
            "kept; each changed value is listed)") in again.stdout.splitlines()
    assert again.stdout.splitlines()[-1] == "0 employer files written for account 'kantoor', 6 skipped."
    assert zeta.read_text() == filled
    forced = run_cli(repo, "import", "--account", "kantoor", "--force")
    assert "updated employers/zeta.yaml: not registered; TODO: payroll_tax_number, payroll.thirteenth_month" in \
        forced.stdout.splitlines()
    assert "contract_number: RW-2026-0099  # per the policy" in zeta.read_text()


def test_import_to_another_directory_skips_what_is_declared(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={"alpha": ("Alpha B.V.", "monthly", "[]")})
    done = run_cli(repo, "import", "--account", "kantoor", "--out", "new")
    assert done.code == 0, done.output
    assert "skipped 'Alpha B.V.': already declared in employers/alpha.yaml" in done.stdout.splitlines()
    beta = (repo / "new" / "beta.yaml").read_text()
    assert beta.startswith("# yaml-language-server: $schema=../schemas/employer.schema.json\n")
    unknown = run_cli(repo, "import", "--account", "nobody")
    assert unknown.code == 1 and "asrctl.yaml has no account 'nobody'" in unknown.stderr


# --- untrusted text from Nmbrs and the registry --------------------------------------------------------------

HOSTILE = "Bakkerij\nstate: withdrawn\n# x"


def _hostile_drafts() -> list[Draft]:
    from asrctl.nmbrs.discover import DiscoveredCompany, Discovery
    from asrctl.nmbrs.provider import Employee

    from support.plans import config, employer, registration

    def company(number: int, name: str, period: str | None = "Month\nstate: withdrawn") -> DiscoveredCompany:
        return DiscoveredCompany(
            id=number, number=number, name=name, debtor_number="1042\ncontract_number: X", debtor_name=None,
            pay_period=period, frequency=None, dga_candidates=(Employee(1, 7, "J.\ndga: []"),), dgas_checked=False)

    cfg = config()
    reg = registration(employer(PTN["alpha"]), cfg, status="rejected", status_detail="wrong\nstate: withdrawn",
                       first_exchange_date=None, nmbrs={"company_name": HOSTILE + " registered"})
    discovery = Discovery("kantoor", [company(1, HOSTILE), company(2, HOSTILE), company(3, HOSTILE + " registered")],
                          [], 0)
    return build_drafts(cfg, "kantoor", discovery, [reg])


def test_untrusted_text_never_becomes_yaml_in_a_comment() -> None:
    """A line break in a company name (or a pay period, debtor, status reason) stays data: no new key."""
    from ruamel.yaml import YAML

    drafts = _hostile_drafts()
    assert len(drafts) == 3
    for draft in drafts:
        text = render_draft(draft, "../schemas/employer.schema.json", "kantoor")
        data = YAML(typ="safe", pure=True).load(text)
        assert set(data) == set(draft.values), text
        assert data["state"] == draft.values["state"] == "active"
        assert data["nmbrs"]["company"] == draft.company, text
        assert data.get("contract_number") == draft.values["contract_number"], text
        for line in text.splitlines():
            assert not line.startswith(("state: withdrawn", "contract_number: X", "dga: []")), text
        merged, _ = merge_draft(text, draft)
        assert YAML(typ="safe", pure=True).load(merged) == data


# --- filters, near misses, what --force changes ------------------------------------------------------------


def test_import_of_one_company_writes_only_its_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={})
    done = run_cli(repo, "import", "--account", "kantoor", "--company", "Beta B.V.")
    assert done.code == 0, done.output
    assert sorted(p.name for p in (repo / "employers").glob("*.yaml")) == ["beta.yaml"]
    assert done.stdout.splitlines()[-1].startswith("1 employer file written for account 'kantoor'")
    both = run_cli(repo, "import", "--account", "kantoor", "--company", "Gamma B.V.", "--company", "Delta B.V.",
                   "--debtor", "100")
    assert both.code == 0, both.output
    assert sorted(p.name for p in (repo / "employers").glob("*.yaml")) == ["beta.yaml", "delta.yaml", "gamma.yaml"]


def test_a_filter_that_matches_nothing_writes_nothing_and_says_why(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={})
    typo = run_cli(repo, "import", "--account", "kantoor", "--company", "beta b.v.")
    assert typo.code == 1
    assert "--company 'beta b.v.': account 'kantoor' sees no company of that name in Nmbrs" in typo.stderr
    assert "did you mean 'Beta B.V.' (differs in case)" in typo.stderr
    debtor = run_cli(repo, "import", "--account", "kantoor", "--debtor", "999")
    assert debtor.code == 1 and "--debtor 999: account 'kantoor' sees no company under that debtor" in debtor.stderr
    assert "the debtors it sees: 100" in debtor.stderr
    crossed = run_cli(repo, "import", "--account", "kantoor", "--company", "Beta B.V.", "--debtor", "999")
    assert crossed.code == 1 and "--company 'Beta B.V.' is under debtor 100, not under --debtor 999" in crossed.stderr
    assert list((repo / "employers").glob("*.yaml")) == []


def test_a_file_outside_the_repository_gets_the_schema_line_of_employers(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", employers={})
    outside = tmp_path / "look-first"
    done = run_cli(repo, "import", "--account", "kantoor", "--company", "Beta B.V.", "--out", str(outside))
    assert done.code == 0, done.output
    assert (outside / "beta.yaml").read_text().startswith(
        "# yaml-language-server: $schema=../schemas/employer.schema.json\n")
    assert "outside the repository" in done.stdout and "move them into employers/" in done.stdout
    inside = run_cli(repo, "import", "--account", "kantoor", "--company", "Beta B.V.", "--out", "employers/new")
    assert (repo / "employers" / "new" / "beta.yaml").read_text().startswith(
        "# yaml-language-server: $schema=../../schemas/employer.schema.json\n"), inside.output


def test_a_written_file_that_nearly_repeats_a_declared_one_is_warned_about(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={})
    write_employer(repo, "epsilon", "alpha b.v.", "monthly")  # Alpha B.V. with a typo, under another stem
    write_employer(repo, "beta", "Iets Anders B.V.", "monthly")  # the stem beta is taken by another company
    done = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.", "--company", "Beta B.V.")
    assert done.code == 0, done.output
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: employers/")]
    assert ("warning: employers/alpha.yaml: employers/epsilon.yaml declares 'alpha b.v.', nearly 'Alpha B.V.' "
            "(differs in case): if both mean one company, keep one file with the name exactly as Nmbrs shows it"
            ) in warnings
    assert ("warning: employers/beta-2.yaml: written as beta-2.yaml: beta.yaml is taken (it declares "
            "'Iets Anders B.V.')") in warnings
    assert len(warnings) == 2


def test_force_prints_every_value_it_changes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={"alpha": ("Alpha B.V.", "monthly", "[{name: A. Alpha, employee_number: 1}]")})
    assert "1 created" in run_cli(repo, "apply", "--auto-approve").stdout
    alpha = repo / "employers" / "alpha.yaml"
    # Locally edited since: another frequency, the DGA gone, a comment of our own.
    alpha.write_text(alpha.read_text().replace("frequency: monthly", "frequency: four_weekly  # asked the employer")
                     .replace("dga: [{name: A. Alpha, employee_number: 1}]", "dga: []"))
    kept = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.")
    assert "each changed value is listed" in kept.stdout and "four_weekly" in alpha.read_text()
    forced = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.", "--force")
    assert forced.code == 0, forced.output
    lines = forced.stdout.splitlines()
    at = lines.index("updated employers/alpha.yaml: registered: submitted")
    assert lines[at + 1:at + 3] == ["  ~ payroll.frequency: four_weekly → monthly",
                                    "  ~ dga: [] → [{name: A. Alpha, employee_number: 1}]"]
    assert not lines[at + 3].startswith("  ~")
    text = alpha.read_text()
    assert re.search(r"frequency: monthly +# asked the employer", text) and "A. Alpha" in text
    again = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.", "--force")
    assert not [line for line in again.stdout.splitlines() if line.startswith("  ~")]


def test_a_file_with_the_registered_number_but_another_company_is_named_and_changed_visibly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, employers={"alpha": ("Alpha B.V.", "monthly", "[{name: A. Alpha, employee_number: 1}]")})
    assert "1 created" in run_cli(repo, "apply", "--auto-approve").stdout
    alpha = repo / "employers" / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("company: Alpha B.V.", "company: Alpha Holding B.V."))
    kept = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.")
    assert kept.code == 0, kept.output
    assert ("warning: employers/alpha.yaml: employers/alpha.yaml declares 'Alpha Holding B.V.' with "
            f"loonheffingennummer {PTN['alpha']}, which a.s.r. has registered for 'Alpha B.V.'") in kept.stderr
    assert "Alpha Holding B.V." in alpha.read_text()
    forced = run_cli(repo, "import", "--account", "kantoor", "--company", "Alpha B.V.", "--force")
    assert "  ~ nmbrs.company: Alpha Holding B.V. → Alpha B.V." in forced.stdout.splitlines()
