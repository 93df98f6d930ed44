"""Positioned YAML: plain data, positions of keys and values, and the guards of the YAML layer."""

from __future__ import annotations

import time

import pytest

from asrctl.declare.yamlpos import EMPTY, MAX_DEPTH, decode, parse

DOC = """\
# comment
contract_number: RW-1
nmbrs:
  account: kantoor
  debtor: "1042"
dga:
  - name: J. de Vries
    employee_number: 1
  - {name: K, employee_number: 2}
"""


def test_data_and_positions() -> None:
    doc, issues = parse(DOC)
    assert not issues and doc is not None
    assert doc.data == {
        "contract_number": "RW-1",
        "nmbrs": {"account": "kantoor", "debtor": "1042"},
        "dga": [{"name": "J. de Vries", "employee_number": 1}, {"name": "K", "employee_number": 2}],
    }
    assert doc.keys["nmbrs"] == (3, 1)
    assert doc.keys["nmbrs.debtor"] == (5, 3)
    assert doc.values["nmbrs.debtor"] == (5, 11)
    assert doc.values["dga.0"] == (7, 5)
    assert doc.values["dga.0.employee_number"] == (8, 22)
    assert doc.values["dga.1.employee_number"] == (9, 32)
    assert doc.values[""] == (2, 1)


@pytest.mark.parametrize(("text", "value"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("true", True), ("False", False), ("~", None), ("", None),
    ("null", None), ("1042", 1042), ("0042", 42), ("-3", -3), ("1.5", 1.5), ("0x1F", 31), ("0o17", 15),
    ("2024-01-01", "2024-01-01"), ("123456782L01", "123456782L01"), ("1_000", "1_000"), ("'1042'", "1042"),
    ('"true"', "true"), ("!!str 12", "12"),
])
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object) -> None:
    doc, issues = parse(f"key: {text}\n")
    assert not issues and doc is not None
    assert doc.data["key"] == value and type(doc.data["key"]) is type(value)
    assert doc.has_null == (value is None)


def test_plain_source_text_is_kept_for_non_text_values() -> None:
    doc, _ = parse("debtor: 0042\ncompany: X\n")
    assert doc is not None
    assert doc.plain == {"debtor": "0042"}


def test_duplicate_keys_are_reported_and_the_first_counts() -> None:
    doc, issues = parse("a: 1\nb:\n  c: 1\nb:\n  c: 2\n  d: 3\na: 2\n")
    assert doc is not None and doc.data == {"a": 1, "b": {"c": 1}}
    assert [(i.line, i.col, i.code) for i in issues] == [(4, 1, "yaml.duplicate-key"), (7, 1, "yaml.duplicate-key")]
    assert issues[0].message == "duplicate key 'b' (first at line 2)"
    assert doc.values["b.c"] == (3, 6)


def test_an_alias_bomb_is_refused_before_anything_expands() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefghi", "bcdefghij"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    doc, issues = parse("\n".join(levels) + "\n")
    assert time.perf_counter() - start < 0.5
    assert doc is None and issues[0].code == "yaml.alias" and issues[0].line == 1


@pytest.mark.parametrize(("text", "code", "line"), [
    ("a: 1\n---\nb: 2\n", "yaml.multiple-documents", 2),
    ("a: !!python/object:os.system x\n", "yaml.tag", 1),
    ("? [a]\n: 1\n", "yaml.complex-key", 1),
    ("a:\n\tb: 1\n", "yaml.tab", 2),
    ("a: 'x\n", "yaml.syntax", 2),
    ("a: x\x07\n", "yaml.control-character", 1),
    ("b: *x\n", "yaml.alias", 1),  # even an alias to nothing: refused as an alias
])
def test_refusals_are_located(text: str, code: str, line: int) -> None:
    doc, issues = parse(text)
    assert doc is None
    assert (issues[-1].code, issues[-1].line) == (code, line)


def test_nesting_is_bounded() -> None:
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    doc, issues = parse(f"a: {deep}\n")
    assert doc is None and issues[0].code == "yaml.too-deep"


def test_empty_streams() -> None:
    for text in ("", "# only\n", "\n\n"):
        doc, issues = parse(text)
        assert doc is not None and doc.data is EMPTY and not issues
    doc, _ = parse("---\n")
    assert doc is not None and doc.data is None


def test_decode_accepts_a_bom_and_locates_bad_bytes() -> None:
    text, issue = decode(b"\xef\xbb\xbfa: 1\n")
    assert text == "a: 1\n" and issue is None
    text, issue = decode("a: 1\nb: ĳ \xe9\n".encode()[:-3] + b"\xe9\n")
    assert text is None and issue is not None
    assert (issue.line, issue.col, issue.code) == (2, 6, "yaml.encoding")
    assert "0xE9" in issue.message
