"""Property: whatever an employer file or asrctl.yaml holds, `asrctl validate` exits 0 or 1 with a located
message for each problem, and never crashes. Bounded and derandomized, so CI sees the same examples."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.cli import run_cli
from support.validate import SHARED_CONFIG, SHARED_EMPLOYER

EMPLOYER: dict[str, Any] = yaml.safe_load(SHARED_EMPLOYER.read_text())
CONFIG: dict[str, Any] = yaml.safe_load(SHARED_CONFIG.read_text())
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text with what hostile or careless input holds: controls, escapes' results, look-alikes, YAML syntax.
_ODD = "\x00\x07\x1b\t\n\r\x85\xa0\u200b\u202e\u2028\ufeff\udce9ЀаΑ:#&*!|>'\"{}[],-? %@`"
_TEXT = st.text(alphabet=st.sampled_from(_ODD) | st.characters(codec="utf-8"), max_size=40)
_SCALAR = st.one_of(
    _TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["TODO", "monthly", "four_weekly", "active", "withdrawn", "kantoor", "123456782L01",
                     "123456782L01\n", "   ", "\x1b[2J", "0x" + "f" * 4000, "1" + "0" * 4400, "1000.0", ".nan"]),
)
_RAW_VALUES = ["9" * 4400, "-" + "9" * 4301, "0x" + "f" * 4000, "0o" + "7" * 5000, ".nan", "-.inf", "1.0", "8.5",
               "yes", "~", "", "[]", "{}", "&a 1", "*a", "!!binary aGk=", "!!python/name:os.system", "'x'",
               '"\\x1b[2J"', '"\\0"', '"   "', '"a\\u202eb"', '"a\\nb: c"', '"\\udce9"', "|\n  two\n  lines",
               "2147483648", "1e400", "{env: X}", "{file: /etc/passwd}", "[1, [2, [3]]]", "? complex"]
_VALUE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                      max_leaves=6)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*path, index))
    return out


@st.composite
def _mutated(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A document a few edits away from a valid one, as YAML text (structured or raw edits)."""
    doc = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        what = draw(st.sampled_from(["set", "delete", "rename"]))
        if what == "set":
            parent[path[-1]] = draw(_VALUE)
        elif what == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(_TEXT) or "x"] = parent.pop(path[-1])
    style = draw(st.sampled_from([None, '"', "'"]))
    try:
        text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), default_style=style, sort_keys=False)
    except (yaml.YAMLError, UnicodeError):
        text = SHARED_EMPLOYER.read_text()
    lines = text.split("\n")
    keyed = [i for i, line in enumerate(lines) if ":" in line]
    if keyed and draw(st.booleans()):  # a raw value: YAML only a hand (or a hostile peer) writes
        i = draw(st.sampled_from(keyed))
        lines[i] = lines[i].split(":", 1)[0] + ": " + draw(st.sampled_from(_RAW_VALUES))
        text = "\n".join(lines)
    if draw(st.booleans()):  # a raw edit: text the structure does not produce
        at = draw(st.integers(min_value=0, max_value=len(text)))
        cut = draw(st.integers(min_value=0, max_value=8))
        text = text[:at] + draw(st.sampled_from(["\t", ": ", "&a ", "*a", "\n---\n", "!!python/object ", "{", "[",
                                                 "\x1b", "\0", "- ", "  ", "\"", "key: [1, 2", "\n  x: 1\n",
                                                 "9" * 4400, "0x" + "f" * 4000, " .nan", " -.inf"])) \
            + text[at + cut:]
    return text


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")  # \udce9 becomes the byte 0xE9: a file that is not UTF-8


def _check(config: str, employer: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / "employers").mkdir()
        (repo / "asrctl.yaml").write_bytes(_encode(config))
        (repo / "employers" / "fuzz.yaml").write_bytes(_encode(employer))
        before = os.getcwd()
        os.chdir(repo)
        try:
            as_json = run_cli(Path.cwd(), "validate", "--format", "json")  # a crash fails here (asrctl raises)
            as_text = run_cli(Path.cwd(), "validate", "--format", "github")
        finally:
            os.chdir(before)
    assert as_json.code in (0, 1) and as_text.code == as_json.code, as_json.output
    assert "Traceback" not in as_json.output + as_text.output
    problems = json.loads(as_json.stdout)
    if as_json.code == 1:
        assert any(p["severity"] == "error" for p in problems)
    for p in problems:
        assert p["path"] in ("asrctl.yaml", "employers/fuzz.yaml"), p
        assert isinstance(p["line"], int) and p["line"] >= 0 and p["message"].strip(), p
        if p["line"] == 0:  # whole-file problems say so by their kind, not by a position
            assert p["code"].startswith(("load.", "yaml.", "semantic.file-name", "semantic.")), p


@FUZZ
@given(employer=_mutated(EMPLOYER))
def test_validate_holds_for_any_employer_file(employer: str) -> None:
    _check(SHARED_CONFIG.read_text(), employer)


@FUZZ
@given(config=_mutated(CONFIG))
def test_validate_holds_for_any_asrctl_yaml(config: str) -> None:
    _check(config, SHARED_EMPLOYER.read_text())
