"""The network edge's refusals read Dutch under `nl`: TLS, the host allow-list, a redirect, a deadline, a size cap,
a token reference that cannot be used (secrets.py), and the registry's errors built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from asrctl.declare.model import EnvSecretRef, FileSecretRef
from asrctl.errors import AsrctlError
from asrctl.i18n import localize
from asrctl.net.hosts import REGISTRY_HOSTS, allowed_by_operator, require_allowed_host
from asrctl.net.http import require_tls
from asrctl.net.session import AnswerTooLarge, DeadlineExceeded, RedirectRefused
from asrctl.registry.errors import RegisteredElsewhere, RegistryUnreachable
from asrctl.secrets import resolve


def _refusal(action) -> AsrctlError:  # type: ignore[no-untyped-def]
    with pytest.raises(AsrctlError) as raised:
        action()
    return raised.value


def _dutch(error: AsrctlError, *words: str) -> None:
    message, hint = localize(error.message, "nl"), localize(error.hint, "nl")
    assert message != error.message, error.message
    assert hint is None or hint != error.hint, error.hint
    assert all(word in f"{message} {hint}" for word in words), (message, hint)


def test_tls_and_the_host_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    _dutch(_refusal(lambda: require_tls("http://registry.example.nl/v1", "registry.url")), "geen https-URL", "gebruik")
    _dutch(_refusal(lambda: require_tls("https://user:pw@example.nl/", "registry.url")), "geen gebruikersnaam")
    _dutch(_refusal(lambda: allowed_by_operator({"ASRCTL_ALLOW_HOSTS": "https://x/"})), "geen hostnaam")
    error = _refusal(lambda: require_allowed_host("https://elders.example.nl/v1", REGISTRY_HOSTS, setting="registry.url",
                                                  token="the registry token", where="asrctl.yaml:8:8", environ={}))
    _dutch(error, "asrctl.yaml:8:8", "ASRCTL_ALLOW_HOSTS=elders.example.nl", "pull request")


def test_redirect_deadline_and_size_cap() -> None:
    _dutch(RedirectRefused(302, "https://elders.example.nl/"), "doorverwijzing naar elders.example.nl")
    _dutch(DeadlineExceeded(2.5), "binnen 2.5 s")
    _dutch(AnswerTooLarge(8 * 1024 * 1024), "groter dan 8 MiB")
    assert (localize(RegistryUnreachable("x").hint, "nl") or "").startswith("Controleer de url van het register")
    _dutch(RegisteredElsewhere(409, "t", "Conflict", "taken"), "andere salarisverwerker")


def test_token_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    _dutch(_refusal(lambda: resolve(EnvSecretRef(env="NO_SUCH_TOKEN"), base_dir=tmp_path, what="registry.token")),
           "omgevingsvariabele NO_SUCH_TOKEN is niet gezet")
    (tmp_path / "leeg").write_text("\n")
    _dutch(_refusal(lambda: resolve(FileSecretRef(file="leeg"), base_dir=tmp_path, what="registry.token")),
           "is leeg", "API-token")
    (tmp_path / "map").mkdir()
    _dutch(_refusal(lambda: resolve(FileSecretRef(file="map"), base_dir=tmp_path, what="registry.token")),
           "een map, geen gewoon bestand")
