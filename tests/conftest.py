"""Shared by every test: English messages unless a test asks for Dutch (a developer's nl locale must not
change what the tests read)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asrctl import i18n


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(i18n.ENV_VAR, "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")
