"""REST test support: the bundled OpenAPI subset as a validator of the simulator's answers, a
scripted "browser" that signs in on the simulator's login form, and a free loopback port."""

from __future__ import annotations

import re
import socket
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from asrctl.sandbox.rest_sim import SPEC_PATH, RestApp, RestSimulator

CLIENT_ID = "asrctl-test-app"
CLIENT_SECRET = "LEAKCHECK-client*secret$9q%41w7e"  # "*", "$", "%": Basic auth must percent-encode them
SUBSCRIPTION_KEY = "LEAKCHECK-subkey-30d05593229f49c1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app(redirect_uri: str) -> RestApp:
    return RestApp(CLIENT_ID, CLIENT_SECRET, (redirect_uri,), (SUBSCRIPTION_KEY,))


class SpecChecker:
    """Validates every API answer of a simulator against the bundled OpenAPI subset (openapi-core)."""

    def __init__(self, sim: RestSimulator) -> None:
        spec: dict[str, Any] = yaml.safe_load(Path(SPEC_PATH).read_text(encoding="utf-8"))
        spec["servers"] = [{"url": "http://sim.test"}]
        self.openapi = OpenAPI.from_dict(spec)
        self.checked = 0
        self.problems: list[str] = []
        self._lock = threading.Lock()
        sim.observer = self.observe

    def observe(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], status: int,
                body: bytes) -> None:
        request = MockRequest("http://sim.test", method.lower(), path, args=query, headers=headers)
        response = MockResponse(body, status_code=status)
        try:
            self.openapi.validate_response(request, response)
        except Exception as exc:  # noqa: BLE001  # reported by the test, not by the server thread
            with self._lock:
                self.problems.append(f"{method} {path} → {status}: {exc!r} {getattr(exc, '__cause__', '')!r}")
        with self._lock:
            self.checked += 1

    def assert_clean(self) -> None:
        assert not self.problems, self.problems[:3]
        assert self.checked > 0


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action")
        elif tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values.get("value", "")


def scripted_browser(authorize_url: str, username: str, password: str, *, allow: bool = True) -> requests.Response:
    """What a person does: open the URL, fill in the login form, follow the redirect to the callback."""
    with requests.Session() as browser:
        browser.trust_env = False
        page = browser.get(authorize_url, timeout=10)
        page.raise_for_status()
        form = _Form()
        form.feed(page.text)
        assert form.action, "no login form"
        base = re.match(r"https?://[^/]+", authorize_url)
        assert base is not None
        answer = browser.post(base.group(0) + form.action, timeout=10, allow_redirects=False,
                              data={**form.fields, "username": username, "password": password,
                                    "action": "allow" if allow else "deny"})
        if answer.status_code != 302:
            return answer
        return browser.get(answer.headers["Location"], timeout=10, allow_redirects=False)


def add_rest(root: Path, *, url: str, redirect_uri: str, account: str = "kantoor", api: str = "rest") -> Path:
    """Give a make_repo() repository an nmbrs.rest app and make `account` a REST account with a grant file."""
    (root / "secrets").mkdir(exist_ok=True)
    (root / "secrets" / "client-secret").write_text(CLIENT_SECRET + "\n")
    (root / "secrets" / "subscription-key").write_text(SUBSCRIPTION_KEY + "\n")
    config = root / "asrctl.yaml"
    text = config.read_text()
    rest = (f"  rest:\n    url: {url}\n    identity_url: {url}\n"
            f"    client_id: {CLIENT_ID}\n    client_secret: {{file: secrets/client-secret}}\n"
            f"    subscription_key: {{file: secrets/subscription-key}}\n    redirect_uri: {redirect_uri}\n")
    text = text.replace("registry:\n", rest + "registry:\n", 1)
    marker = f"  {account}:\n"
    text = text.replace(marker, marker + f"    api: {api}\n    grant: {{file: .asrctl/grants/{account}.json}}\n", 1)
    config.write_text(text)
    return root
