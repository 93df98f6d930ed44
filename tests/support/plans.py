"""Small hand-built plan inputs (models built directly, no files) shared by plan and render tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asrctl.checks import Check
from asrctl.declare.load import LoadedEmployer, Repo
from asrctl.declare.model import Config, Employer
from asrctl.plan.make import Plan, Stats, make_plan
from asrctl.registry.models import Registration
from asrctl.secrets import fingerprint

# Recognisable tokens: they never enter plan inputs (only fingerprints do) — tests assert they never leave either.
TOKENS = {"kantoor": "TOKEN-kantoor-5f1e9c0d2b7a4e3f", "de-vries": "TOKEN-devries-a8b3c2d1e0f9"}
FINGERPRINTS = {name: fingerprint(token) for name, token in TOKENS.items()}
CREATED_AT = "2026-01-05T10:00:00Z"

# Valid loonheffingennummers (the 11-test holds for the 9 digits).
PTN = ["123456782L01", "111222333L01", "123456782L02", "111222333L02", "123456782L03", "111222333L03"]


def config(**policy: Any) -> Config:
    return Config.model_validate(
        {
            "organisation": {"name": "Salarisbureau Voorbeeld B.V.", "contact_email": "koppelingen@voorbeeld.nl"},
            "nmbrs": {"endpoint": "sandbox:world.yaml"},
            "registry": {"url": "sandbox:.asrctl/registry.sqlite", "token": {"env": "ASR_REGISTRY_TOKEN"}},
            "accounts": {
                "kantoor": {
                    "model": "overarching",
                    "username": "api-asr@voorbeeld.nl",
                    "token": {"env": "NMBRS_TOKEN_KANTOOR"},
                    "domain": "voorbeeld",
                },
                "de-vries": {
                    "model": "per_debtor",
                    "username": "api@bakkerijdevries.nl",
                    "token": {"env": "NMBRS_TOKEN_DE_VRIES"},
                    "domain": "voorbeeld",
                    "debtor": "1042",
                },
            },
            "policy": policy,
        }
    )


def employer(ptn: str, company: str = "Bakkerij De Vries B.V.", **overrides: Any) -> Employer:
    data: dict[str, Any] = {
        "contract_number": "RW-2024-00123",
        "payroll_tax_number": ptn,
        "nmbrs": {"account": "kantoor", "company": company},
        "payroll": {"frequency": "monthly", "thirteenth_month": True},
        "dga": [{"name": "J. de Vries", "employee_number": 1}],
        "state": "active",
    }
    data.update(overrides)
    return Employer.model_validate(data)


def loaded(employer_id: str, emp: Employer) -> LoadedEmployer:
    return LoadedEmployer(employer_id, f"employers/{employer_id}.yaml", emp)


def repo(employers: dict[str, Employer], cfg: Config | None = None, digest: str = "sha256:" + "ab" * 32) -> Repo:
    return Repo(
        root=Path("/nonexistent"),
        config_path="asrctl.yaml",
        config=cfg or config(),
        employers=[loaded(i, e) for i, e in sorted(employers.items())],
        inputs_digest=digest,
    )


def registration(
    emp: Employer,
    cfg: Config | None = None,
    *,
    version: int = 3,
    status: str = "active",
    status_detail: str | None = None,
    first_exchange_date: str | None = "2026-12-01",
    token_fingerprint: str | None = None,
    **overrides: Any,
) -> Registration:
    """The registration a registry would hold after `emp` was submitted as it is now."""
    cfg = cfg or config()
    account = cfg.accounts[emp.nmbrs.account]
    data: dict[str, Any] = {
        "payroll_tax_number": emp.payroll_tax_number,
        "contract_number": emp.contract_number,
        "organisation": cfg.organisation.model_dump(),
        "nmbrs": {
            "company_name": emp.nmbrs.company,
            "username": account.username,
            "domain": account.domain,
            "account_model": account.model,
        },
        "dga": [d.model_dump() for d in emp.dga],
        "payroll": emp.payroll.model_dump(),
        "version": version,
        "status": status,
        "status_detail": status_detail,
        "first_exchange_date": first_exchange_date if status == "active" else None,
        "token_fingerprint": token_fingerprint or FINGERPRINTS[emp.nmbrs.account],
        "created_at": "2025-11-01T09:00:00Z",
        "updated_at": "2025-11-02T09:00:00Z",
    }
    for key, val in overrides.items():
        if isinstance(val, dict):
            data[key] = {**data[key], **val}
        else:
            data[key] = val
    return Registration.model_validate(data)


def plan_of(
    employers: dict[str, Employer],
    registrations: list[Registration] = (),  # type: ignore[assignment]
    checks: dict[str, list[Check]] | None = None,
    *,
    cfg: Config | None = None,
    created_at: str = CREATED_AT,
    stats: Stats | None = None,
    **kwargs: Any,
) -> Plan:
    r = repo(employers, cfg)
    selected = kwargs.get("targets") or set(employers)
    nmbrs = {i: (checks or {}).get(i, []) for i in selected}
    return make_plan(
        r, nmbrs, list(registrations), FINGERPRINTS, created_at=created_at, stats=stats or Stats(), **kwargs
    )


COMPANY_ERROR = Check(
    "nmbrs.company",
    "error",
    "no company named 'Kapperij Knip B.V.' under debtor 1042; found 'Kapperij Knip BV' — differs in dots",
    "copy the company name from Nmbrs exactly (Bedrijven > Bedrijfsgegevens)",
)
DGA_WARNING = Check(
    "nmbrs.dga-name", "warning", "DGA 1 is 'J. de Vries' here but 'Jan de Vries' in Nmbrs", "use the name as in Nmbrs"
)


def sample_plan(**kwargs: Any) -> Plan:
    """One plan with every action: create, update (frequency + token), re-submit, withdraw, blocked, noop,
    a warning, and an unmanaged registration."""
    cfg = config()
    new = employer(PTN[0], "Nieuw Bedrijf B.V.")
    changed = employer(PTN[1], "Garage Jansen", payroll={"frequency": "four_weekly", "thirteenth_month": True})
    back = employer(PTN[2], "Terug B.V.")
    gone = employer(PTN[3], "Weg B.V.", state="withdrawn")
    blocked = employer(PTN[4], "Kapperij Knip B.V.")
    same = employer(PTN[5], "Stil B.V.")
    employers = {
        "nieuw-bedrijf": new,
        "garage-jansen": changed,
        "terug": back,
        "weg": gone,
        "kapperij-knip": blocked,
        "stil": same,
    }
    regs = [
        registration(changed, cfg, payroll={"frequency": "monthly"}, token_fingerprint="sha256:00000000000000ff"),
        registration(back, cfg, status="withdrawn", version=5),
        registration(gone, cfg, status="in_setup", version=2),
        registration(same, cfg),
        registration(employer("999999990L01", "Vergeten B.V."), cfg, status="active"),
    ]
    checks = {"kapperij-knip": [COMPANY_ERROR], "stil": [DGA_WARNING]}
    return plan_of(employers, regs, checks, cfg=cfg, **kwargs)
