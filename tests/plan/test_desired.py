"""The desired registration: what the files say a.s.r. should hold, and the body apply writes."""

from __future__ import annotations

import json

from asrctl.plan.desired import desired_digest, desired_registration, stored_registration, write_body
from asrctl.secrets import Secret

from support.plans import FINGERPRINTS, PTN, TOKENS, config, employer, plan_of, registration


def test_desired_has_the_shape_of_a_stored_registration():
    cfg = config()
    emp = employer(PTN[0])
    desired = desired_registration(cfg, emp, FINGERPRINTS["kantoor"])
    assert desired == stored_registration(registration(emp, cfg))
    assert desired["nmbrs"] == {
        "company_name": "Bakkerij De Vries B.V.",
        "username": "api-asr@voorbeeld.nl",
        "domain": "voorbeeld",
        "account_model": "overarching",
        "token_fingerprint": FINGERPRINTS["kantoor"],
    }
    assert desired["organisation"] == {"name": "Salarisbureau Voorbeeld B.V.", "contact_email": "koppelingen@voorbeeld.nl"}


def test_plan_records_the_digest_apply_recomputes():
    cfg = config()
    emp = employer(PTN[0])
    (planned,) = plan_of({"bakkerij": emp}, cfg=cfg).employers
    assert planned.desired_digest == desired_digest(cfg, emp, FINGERPRINTS["kantoor"])


def test_account_decides_username_domain_and_model():
    emp = employer(PTN[0], nmbrs={"account": "de-vries", "debtor": "1042", "company": "Bakkerij De Vries B.V."})
    nmbrs = desired_registration(config(), emp, FINGERPRINTS["de-vries"])["nmbrs"]
    assert (nmbrs["username"], nmbrs["account_model"]) == ("api@bakkerijdevries.nl", "per_debtor")


def test_dga_order_in_the_file_does_not_matter():
    cfg = config()
    dgas = [{"name": "B", "employee_number": 7}, {"name": "A", "employee_number": 2}]
    one = employer(PTN[0], dga=dgas)
    other = employer(PTN[0], dga=list(reversed(dgas)))
    fp = FINGERPRINTS["kantoor"]
    assert desired_digest(cfg, one, fp) == desired_digest(cfg, other, fp)
    assert [d["employee_number"] for d in desired_registration(cfg, one, fp)["dga"]] == [2, 7]
    assert [d["employee_number"] for d in write_body(cfg, other, None)["dga"]] == [2, 7]


def test_digest_follows_the_token_fingerprint_and_never_holds_the_token():
    cfg = config()
    emp = employer(PTN[0])
    a = desired_digest(cfg, emp, FINGERPRINTS["kantoor"])
    b = desired_digest(cfg, emp, FINGERPRINTS["de-vries"])
    assert a != b and a.startswith("sha256:") and len(a) == len("sha256:") + 64
    assert TOKENS["kantoor"] not in json.dumps(desired_registration(cfg, emp, FINGERPRINTS["kantoor"]))


def test_write_body_sends_the_token_only_when_given():
    cfg = config()
    emp = employer(PTN[0])
    kept = write_body(cfg, emp, None)
    assert "token" not in kept["nmbrs"] and "token_fingerprint" not in kept["nmbrs"]
    assert set(kept) == {"contract_number", "organisation", "nmbrs", "dga", "payroll"}
    sent = write_body(cfg, emp, Secret(TOKENS["kantoor"]))
    assert sent["nmbrs"]["token"] == TOKENS["kantoor"]
    assert {k: v for k, v in sent["nmbrs"].items() if k != "token"} == kept["nmbrs"]
