"""The REST simulator: identity flow, API envelopes and errors, every answer checked against the bundled
OpenAPI subset with openapi-core. Driven by plain HTTP (requests), not by asrctl's client."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests

from asrctl.sandbox.rest_sim import SPEC_PATH, RestSimulator, rest_id
from asrctl.sandbox.world import load_world

from support.rest import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_KEY, SpecChecker, app, free_port

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "nmbrs" / "rest-openapi-subset.yaml"
WORLD = Path(__file__).parent.parent / "data" / "worlds" / "small.yaml"
REDIRECT = f"http://127.0.0.1:{free_port()}/callback"
ALL_SCOPES = ("offline_access user.info.read company.info.read debtor.info.read employee.info.read "
              "employee.payrollsettings.read")


def test_packaged_subset_equals_the_shared_one() -> None:
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is not present on this machine")
    assert SPEC_PATH.read_bytes() == SHARED.read_bytes(), "copy the shared subset into asrctl/sandbox/data/"


@pytest.fixture
def sim() -> Iterator[RestSimulator]:
    with RestSimulator(load_world(WORLD), apps=[app(REDIRECT)]) as simulator:
        yield simulator


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET, *, encode: bool = True) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}" if encode else f"{client_id}:{secret}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def consent(sim: RestSimulator, username: str, scopes: str = ALL_SCOPES, *, password: str | None = None
            ) -> dict[str, str]:
    """Authorize (form) and exchange: the token answer."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code", "scope": scopes,
             "state": "st4te", "code_challenge": challenge, "code_challenge_method": "S256"}
    form = requests.get(f"{sim.url}/connect/authorize?{urlencode(query)}", timeout=5)
    assert form.status_code == 200 and 'name="password"' in form.text
    world_login = sim.world.login(username)
    assert world_login is not None
    answer = requests.post(f"{sim.url}/connect/authorize", allow_redirects=False, timeout=5, data={
        **query, "username": username, "password": password or world_login.token, "action": "allow"})
    assert answer.status_code == 302, answer.text[:300]
    location = urlsplit(answer.headers["Location"])
    back = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT and back["state"] == "st4te"
    token = requests.post(f"{sim.url}/connect/token", headers={"Authorization": basic()}, timeout=5, data={
        "grant_type": "authorization_code", "code": back["code"], "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    body: dict[str, str] = token.json()
    return body


def api(sim: RestSimulator, access: str, path: str, **params: object) -> requests.Response:
    return requests.get(sim.url + path, params=params, timeout=5,
                        headers={"Authorization": f"Bearer {access}", "X-Subscription-Key": SUBSCRIPTION_KEY})


def test_authorization_code_with_pkce_then_rotating_refresh_tokens(sim: RestSimulator) -> None:
    tokens = consent(sim, "kantoor@voorbeeld.nl")
    assert tokens["token_type"] == "Bearer" and int(tokens["expires_in"]) > 0
    assert set(tokens["scope"].split()) == set(ALL_SCOPES.split())
    first = tokens["refresh_token"]
    refresh = {"grant_type": "refresh_token", "refresh_token": first}
    again = requests.post(f"{sim.url}/connect/token", headers={"Authorization": basic()}, data=refresh, timeout=5)
    assert again.status_code == 200 and again.json()["refresh_token"] != first
    reused = requests.post(f"{sim.url}/connect/token", headers={"Authorization": basic()}, data=refresh, timeout=5)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"  # single use
    second = again.json()["refresh_token"]
    revoked = requests.post(f"{sim.url}/connect/revocation", headers={"Authorization": basic()}, timeout=5,
                            data={"token": second, "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200 and not sim.refresh_token_active(second)


def test_client_authentication_needs_both_halves_percent_encoded(sim: RestSimulator) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    raw = requests.post(f"{sim.url}/connect/token", headers={"Authorization": basic(encode=False)}, data=form,
                        timeout=5)
    assert raw.status_code == 401 and raw.json()["error"] == "invalid_client"
    wrong = requests.post(f"{sim.url}/connect/token", headers={"Authorization": basic(secret="nope")}, data=form,
                          timeout=5)
    assert wrong.json()["error"] == "invalid_client"


def test_a_wrong_verifier_a_reused_code_and_a_foreign_redirect_are_refused(sim: RestSimulator) -> None:
    query = {"client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1:1/evil", "response_type": "code"}
    assert requests.get(f"{sim.url}/connect/authorize?{urlencode(query)}", timeout=5).status_code == 400
    bad = requests.post(f"{sim.url}/connect/authorize", allow_redirects=False, timeout=5, data={
        "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code", "scope": ALL_SCOPES,
        "username": "kantoor@voorbeeld.nl", "password": "wrong", "action": "allow"})
    assert bad.status_code == 200 and "Invalid username or password" in bad.text


def test_without_offline_access_there_is_no_refresh_token(sim: RestSimulator) -> None:
    assert "refresh_token" not in consent(sim, "kantoor@voorbeeld.nl", "user.info.read company.info.read")


def test_every_operation_answers_what_the_openapi_subset_says(sim: RestSimulator) -> None:
    checker = SpecChecker(sim)
    access = consent(sim, "kantoor@voorbeeld.nl")["access_token"]
    assert api(sim, access, "/api/user/info").json()["data"][0]["email"] == "kantoor@voorbeeld.nl"
    assert api(sim, access, "/api/debtors/info").status_code == 200
    debtors = api(sim, access, "/api/debtors", pageSize=100).json()["data"]
    assert {d["number"] for d in debtors} == {"1042", "1077", "1099"}  # tag a.s.r.
    for debtor in debtors:
        assert api(sim, access, f"/api/debtors/{debtor['debtorId']}/tags").status_code == 200
        for company in api(sim, access, f"/api/debtors/{debtor['debtorId']}/companies").json()["data"]:
            cid = company["companyId"]
            period = api(sim, access, f"/api/companies/{cid}/period").json()["data"][0]
            assert period["periodType"] in ("month", "4-weeks", "1-week")
            assert api(sim, access, f"/api/companies/{cid}/employees", employeeType="payroll").status_code == 200
            assert api(sim, access, f"/api/companies/{cid}/employees/svwsettings").status_code == 200
    checker.assert_clean()


def test_pages_up_to_100_and_to_the_end(sim: RestSimulator) -> None:
    checker = SpecChecker(sim)
    access = consent(sim, "kantoor@voorbeeld.nl")["access_token"]
    first = api(sim, access, "/api/debtors", pageSize=1).json()
    assert first["pagination"]["totalPages"] == 3 and len(first["data"]) == 1 and first["pagination"]["nextPage"]
    last = api(sim, access, "/api/debtors", pageSize=1, pageNumber=3).json()
    assert last["pagination"]["nextPage"] is None
    too_big = api(sim, access, "/api/debtors", pageSize=101)
    assert too_big.status_code == 400 and too_big.json()["code"] == 40033
    checker.assert_clean()


def test_errors_carry_the_documented_codes(sim: RestSimulator) -> None:
    checker = SpecChecker(sim)
    access = consent(sim, "kantoor@voorbeeld.nl", "offline_access company.info.read")["access_token"]
    assert api(sim, access, "/api/companies").json()["code"] == 40306  # three debtors: list per debtor
    outside = rest_id("debtor", 104)  # no a.s.r. tag
    refused = api(sim, access, f"/api/debtors/{outside}/companies")
    assert refused.status_code == 403 and refused.json()["code"] == 40303
    no_scope = api(sim, access, "/api/user/info")
    assert no_scope.status_code == 403
    assert api(sim, "not-a-token", "/api/debtors").json()["code"] == 40102
    missing_key = requests.get(f"{sim.url}/api/debtors", headers={"Authorization": f"Bearer {access}"}, timeout=5)
    assert missing_key.status_code == 401
    sim.inject("getDebtors", "42908", retry_after=2)
    throttled = requests.get(f"{sim.url}/api/debtors", timeout=5,
                             headers={"Authorization": f"Bearer {access}", "X-Subscription-Key": SUBSCRIPTION_KEY})
    assert throttled.status_code == 429 and throttled.json()["code"] == 42908
    assert throttled.headers["Retry-After"] == "2"
    sim.quota = 0
    assert api(sim, access, "/api/debtors").json()["code"] == 42909
    checker.assert_clean()


def test_multi_debtor_listing_can_be_switched_on(sim: RestSimulator) -> None:
    sim.multi_debtor_companies = "list"
    access = consent(sim, "kantoor@voorbeeld.nl")["access_token"]
    assert api(sim, access, "/api/companies", pageSize=100).status_code == 200


def test_a_rate_limit_refuses_above_it_and_logs_every_arrival(sim: RestSimulator) -> None:
    access = consent(sim, "kantoor@voorbeeld.nl")["access_token"]
    sim.rate_limit = 3
    codes = [api(sim, access, "/api/debtors").status_code for _ in range(5)]
    assert codes.count(429) >= 1 and codes[:3] == [200, 200, 200]
    entries = [e for e in sim.calls.entries if e.operation == "getDebtors"]
    assert len(entries) == 5 and all(a.at <= b.at for a, b in pairwise(entries))
