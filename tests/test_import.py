"""`asrctl import`: employer files from Nmbrs (the simulator) and the registry, TODOs, --force, adoption."""

from __future__ import annotations

import json
from pathlib import Path

from asrctl_repo import PTN, make_repo, run_cli

from asrctl.run.importer import Draft, build_drafts, merge_draft, render_draft, slug


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
    merged = merge_draft(existing, _todo_draft())
    assert "# our own note about this employer" in merged
    assert "contract_number: RW-2026-0042   # from the policy letter" in merged  # TODO never replaces a value
    assert "thirteenth_month: true" in merged
    assert "frequency: monthly" in merged  # what Nmbrs says wins over a stale value
    assert "# checked with Nmbrs" in merged
    assert "J. Nieuw" in merged


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
            "kept)") in again.stdout.splitlines()
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
    from plan_samples import config, employer, registration

    from asrctl.nmbrs.discover import DiscoveredCompany, Discovery
    from asrctl.nmbrs.provider import Employee

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
        merged = merge_draft(text, draft)
        assert YAML(typ="safe", pure=True).load(merged) == data
