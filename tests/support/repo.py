"""A small payroll-office repo in tmp_path (run `asrctl` in it with support.cli.run_cli).

The repo does not depend on the demo in sandbox/: its own tiny Nmbrs world, token files with
recognisable values (the leak tests search for them), and a few employer files:

- alpha: new → create          - beta: new → create (four-weekly)
- gamma: declared monthly, Nmbrs pays four-weekly → blocked (nmbrs.frequency)
- delta: new → create (no DGA)

`registry_url` None → `sandbox:.asrctl/registry.sqlite` (the embedded registry); else a URL of a
registry the test runs itself (then the test grants REGISTRY_TOKEN).
"""

from __future__ import annotations

from pathlib import Path

from asrctl.declare.lhn import example_payroll_tax_number
from asrctl.registry.client import RegistryClient
from asrctl.registry.models import Registration
from asrctl.sandbox.embedded import OFFICE_TENANT
from asrctl.sandbox.registry_server import RegistryServer, TokenGrant
from asrctl.secrets import Secret

# Recognisable secrets: no output, log or file asrctl writes may contain them.
NMBRS_TOKEN = "LEAKCHECK-nmbrs-9f8e7d6c5b4a3921"
REGISTRY_TOKEN = "LEAKCHECK-registry-1a2b3c4d5e6f7a8b"
SECRETS = (NMBRS_TOKEN, REGISTRY_TOKEN)

PTN = {name: example_payroll_tax_number(i + 500) for i, name in enumerate(["alpha", "beta", "gamma", "delta",
                                                                          "epsilon", "zeta"])}

WORLD = f"""\
environment: testkantoor
logins:
  - username: api@testkantoor.nl
    token: {NMBRS_TOKEN}
    domain: testkantoor
    model: overarching
    rights: all
debtors:
  - {{id: 1, number: "100", name: Test Holding, tags: []}}
companies:
  - id: 11
    name: Alpha B.V.
    debtor: "100"
    loonaangifte_tijdvak: Month
    employees:
      - {{number: 1, display_name: A. Alpha, svw: {{ww: false, zw: false, wao_wia: false}}}}
      - {{number: 2, display_name: B. Werknemer}}
  - id: 12
    name: Beta B.V.
    debtor: "100"
    loonaangifte_tijdvak: Week4
    employees:
      - {{number: 1, display_name: C. Beta}}
  - id: 13
    name: Gamma B.V.
    debtor: "100"
    loonaangifte_tijdvak: Week4
  - id: 14
    name: Delta B.V.
    debtor: "100"
    loonaangifte_tijdvak: Month
    employees:
      - {{number: 1, display_name: D. Delta}}
  - id: 15
    name: Epsilon B.V.
    debtor: "100"
    loonaangifte_tijdvak: Month
  - id: 16
    name: Zeta B.V.
    debtor: "100"
    loonaangifte_tijdvak: Month
"""

CONFIG = """\
# yaml-language-server: $schema=schemas/asrctl.schema.json
organisation:
  name: Salarisbureau Test B.V.
  contact_email: koppelingen@testkantoor.nl
nmbrs:
  endpoint: sandbox:world.yaml
registry:
  url: {registry_url}
  token: {{file: secrets/registry.token}}
  timeout_seconds: 10
accounts:
  kantoor:
    model: overarching
    username: api@testkantoor.nl
    token: {{file: secrets/nmbrs.token}}
    domain: testkantoor
policy:
  allow_withdraw: {allow_withdraw}
  max_change_fraction: 0.3
"""

EMPLOYERS = {
    "alpha": ("Alpha B.V.", "monthly", "[{name: A. Alpha, employee_number: 1}]"),
    "beta": ("Beta B.V.", "four_weekly", "[]"),
    "gamma": ("Gamma B.V.", "monthly", "[]"),  # Nmbrs: Week4 → blocked
    "delta": ("Delta B.V.", "monthly", "[]"),
}


def employer_yaml(name: str, company: str, frequency: str, dga: str, *, contract: str = "RW-2026-0001",
                  state: str = "active") -> str:
    return (
        "# yaml-language-server: $schema=../schemas/employer.schema.json\n"
        f"contract_number: {contract}\n"
        f"payroll_tax_number: {PTN[name]}\n"
        "nmbrs:\n  account: kantoor\n"
        f"  company: {company}\n"
        f"payroll:\n  frequency: {frequency}\n  thirteenth_month: false\n"
        f"dga: {dga}\n"
        f"state: {state}\n"
    )


def make_repo(root: Path, *, registry_url: str | None = None, employers: dict[str, tuple[str, str, str]] | None = None,
              allow_withdraw: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "world.yaml").write_text(WORLD)
    (root / "secrets").mkdir(exist_ok=True)
    (root / "secrets" / "nmbrs.token").write_text(NMBRS_TOKEN + "\n")
    (root / "secrets" / "registry.token").write_text(REGISTRY_TOKEN + "\n")
    (root / "asrctl.yaml").write_text(CONFIG.format(
        registry_url=registry_url or "sandbox:.asrctl/registry.sqlite",
        allow_withdraw="true" if allow_withdraw else "false"))
    (root / "employers").mkdir(exist_ok=True)
    for name, (company, frequency, dga) in (EMPLOYERS if employers is None else employers).items():
        write_employer(root, name, company, frequency, dga)
    return root


def write_employer(root: Path, name: str, company: str, frequency: str, dga: str = "[]", **kw: str) -> Path:
    path = root / "employers" / f"{name}.yaml"
    path.write_text(employer_yaml(name, company, frequency, dga, **kw))
    return path


def held(repo: Path) -> dict[str, Registration]:
    """What the repo's sandbox registry holds, read in-process (as the office), by loonheffingennummer."""
    database = repo / ".asrctl" / "registry.sqlite"
    if not database.exists():
        return {}
    with RegistryServer(database, {REGISTRY_TOKEN: TokenGrant(OFFICE_TENANT, "write")}) as server, \
            RegistryClient(server.url, Secret(REGISTRY_TOKEN, "test")) as client:
        return {r.payroll_tax_number: r for r in client.list()}
