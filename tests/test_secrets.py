"""Redaction, the one home (asrctl/secrets.py): every form a known secret takes, and redaction before any cut."""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from asrctl.secrets import Secret, clip, redact

TOKEN = "REDACT-me/+=?&é-9b8a7c6d5e4f"


def forms(token: str) -> dict[str, str]:
    raw = token.encode()
    return {
        "plain": token,
        "json": json.dumps(token)[1:-1],
        "json-ascii": json.dumps(token, ensure_ascii=True)[1:-1],
        "json-slash": json.dumps(token, ensure_ascii=False)[1:-1].replace("/", "\\/"),
        "url": quote(token, safe=""),
        "url-path": quote(token),
        "url-plus": quote_plus(token),
        "url-lower": re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(token, safe="")),
        "base64": base64.b64encode(raw).decode(),
        "base64-nopad": base64.b64encode(raw).decode().rstrip("="),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "base64url-nopad": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "basic-auth": base64.b64encode(b"api@kantoor.nl:" + raw).decode(),   # the token inside a longer blob
        "base64-offset-1": base64.b64encode(b"x" + raw + b"yz").decode(),
        "base64-offset-2": base64.b64encode(b"xy" + raw + b"z").decode(),
        "hex": binascii.hexlify(raw).decode(),
        "HEX": binascii.hexlify(raw).decode().upper(),
        "hex-in-blob": "00ff" + binascii.hexlify(raw).decode() + "ab",
    }


@pytest.mark.parametrize("form", sorted(forms(TOKEN)))
def test_every_encoded_form_of_a_secret_is_redacted(form: str) -> None:
    Secret(TOKEN, "test")
    shown = forms(TOKEN)[form]
    out = redact(f"the peer said: <{shown}> and more")
    assert "***" in out and out.startswith("the peer said: <") and out.endswith("> and more")
    # Nothing of the encoded token survives beyond the few characters an encoding shares with its neighbours.
    leftover = out.removeprefix("the peer said: <").removesuffix("> and more").replace("***", "")
    leftover = leftover.removeprefix(base64.b64encode(b"api@kantoor.nl:").decode())  # the user name may show
    assert len(leftover) <= 8, (form, out)


def test_ordinary_text_is_left_alone() -> None:
    Secret("ORDINARY-9f8e7d6c5b4a", "test")
    text = "Bakkerij De Vries B.V. (loonheffingennummer 123456782L01), sha256:0123456789abcdef"
    assert redact(text) == text


@pytest.mark.parametrize("at", range(480, 505))
def test_a_cut_never_shows_part_of_a_secret(at: int) -> None:
    token = "CLIP-secret-4c3b2a1f0e9d8c7b"
    Secret(token, "test")
    text = "x" * at + token + " tail"
    cut = clip(text, 500)
    assert len(cut) <= 500
    for size in range(5, len(token) + 1):  # no piece of the token, not even its first characters
        assert token[:size] not in cut
