"""The real yaml-language-server on a bad employer file and a bad asrctl.yaml: its diagnostics are the
schemas' words, and its hover shows the Dutch title and description.

test_editor_help.py applies yaml-language-server's rules to jsonschema's errors; this asks the server
itself, over its stdio protocol, when one is installed (`npm install yaml-language-server`; found on
PATH or at $YAML_LANGUAGE_SERVER). Without it the test is skipped: CI holds no Node.js.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from support.validate import REPO_ROOT

SERVER = os.environ.get("YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")
pytestmark = pytest.mark.skipif(not SERVER, reason="yaml-language-server is not installed")

EMPLOYER = """\
# yaml-language-server: $schema=../schemas/employer.schema.json
contract_number: RW-2024-00123
payroll_tax_number: NL123456782L01
nmbrs:
  account: kantoor
  company: Bakkerij De Vries B.V.
payroll:
  frequency: maandelijks
  thirteenth_month: ja
dga: nee
"""
CONFIG = """\
# yaml-language-server: $schema=schemas/asrctl.schema.json
organisation:
  name: Salarisbureau Test B.V.
  contact_email: koppelingen@test.nl
nmbrs:
  endpoint: https://api.nmbrs.nl/soap/v3/
registry:
  url: sandbox:registry.sqlite
  token: {env: ASR_REGISTRY_TOKEN}
accounts:
  kantoor:
    model: overarching
    username: api-asr@test.nl
    token: s3cr3t-t0k3n
    domain: test.nmbrs.nl
"""


class Server:
    """yaml-language-server over stdio: JSON-RPC with Content-Length framing, every wait bounded."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen([str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.buffer = b""
        self.notes: list[dict[str, Any]] = []
        self.request(1, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {
            "textDocument": {"hover": {"contentFormat": ["markdown"]}}}})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        self.send({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                   "params": {"settings": {"yaml": {"validate": True, "hover": True}}}})

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def receive(self, deadline: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    message: dict[str, Any] = json.loads(rest[:length])
                    if "method" in message and "id" in message:  # the server asks (configuration): answer
                        items = message.get("params", {}).get("items", [None])
                        self.send({"jsonrpc": "2.0", "id": message["id"],
                                   "result": [{"validate": True, "hover": True}] * len(items)})
                        continue
                    return message
            if select.select([self.proc.stdout], [], [], 0.2)[0]:
                self.buffer += os.read(self.proc.stdout.fileno(), 65536)
        return None

    def request(self, ident: int, method: str, params: dict[str, Any]) -> Any:
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        deadline = time.monotonic() + 30
        while (message := self.receive(deadline)) is not None:
            if message.get("id") == ident:
                return message.get("result")
            self.notes.append(message)
        raise AssertionError(f"no answer to {method} in 30 s")

    def diagnostics(self, path: Path) -> dict[int, str]:
        """line (1-based) → message, of the first non-empty diagnostics the server publishes for `path`."""
        self.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": path.read_text(encoding="utf-8")}}})
        deadline = time.monotonic() + 30
        while True:
            for note in self.notes:
                params = note.get("params", {})
                if note.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == path.as_uri() \
                        and params["diagnostics"]:
                    return {d["range"]["start"]["line"] + 1: d["message"] for d in params["diagnostics"]}
            message = self.receive(deadline)
            assert message is not None, f"no diagnostics for {path.name} in 30 s"
            self.notes.append(message)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def office(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "schemas", tmp_path / "schemas")
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "bakkerij.yaml").write_text(EMPLOYER, encoding="utf-8")
    (tmp_path / "asrctl.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_the_editor_says_what_is_wrong_in_dutch_and_english(office: Path) -> None:
    server = Server(office)
    try:
        employer = server.diagnostics(office / "employers" / "bakkerij.yaml")
        config = server.diagnostics(office / "asrctl.yaml")
        hover = server.request(2, "textDocument/hover", {
            "textDocument": {"uri": (office / "employers" / "bakkerij.yaml").as_uri()},
            "position": {"line": 7, "character": 4}})  # on `frequency`
    finally:
        server.stop()
    assert employer[3].startswith("9 cijfers, de letter L en 2 cijfers, bijv. 123456782L01 (zonder NL")
    assert employer[8].startswith("Schrijf monthly (maandelijks) of four_weekly (4-wekelijks)")
    assert employer[9].startswith("true (ja) of false (nee)")
    assert employer[10].startswith("Een lijst: dga: [] als er geen DGA is")
    assert config[14].startswith("Schrijf {env: NAAM} of {file: PAD}, nooit het token zelf")
    assert config[15].startswith("Alleen het deel vóór .nmbrs")
    shown = hover["contents"]["value"]
    assert "Maandelijkse of 4-wekelijkse verloning (frequency)" in shown
    assert "**Maandelijkse verloning** / monthly payroll" in shown
