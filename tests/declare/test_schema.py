"""schemas/*.json: generated from the models, committed, and at least as strict as the models."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from asrctl.declare.model import Config, Employer
from asrctl.declare.schema import SCHEMA_FILES, render, schema_for

from support.cli import run_cli
from support.validate import REPO_ROOT, SHARED_CONFIG, SHARED_EMPLOYER, copy_example_repo, set_at


def test_committed_schemas_match_the_models() -> None:
    run = run_cli(Path.cwd(), "--config", str(REPO_ROOT / "asrctl.yaml"), "schema", "--check")
    assert run.code == 0, run.output + "\nrun `asrctl schema` and commit schemas/"


def test_check_names_the_file_that_differs_and_schema_rewrites_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = copy_example_repo(tmp_path)
    monkeypatch.chdir(repo)
    stale = repo / "schemas" / "employer.schema.json"
    stale.write_text(stale.read_text().replace("Raamwerkcontractnummer", "Contract"))
    (repo / "schemas" / "asrctl.schema.json").unlink()
    run = run_cli(Path.cwd(), "schema", "--check")
    assert run.code == 1
    assert "error: schemas/employer.schema.json differs from the models" in run.stderr
    assert "error: schemas/asrctl.schema.json is missing" in run.stderr
    assert "Raamwerkcontractnummer" not in stale.read_text()  # --check writes nothing
    assert run_cli(Path.cwd(), "schema").code == 0
    assert run_cli(Path.cwd(), "schema", "--check").code == 0
    assert stale.read_text() == render("employer.schema.json")


def test_schema_writes_beside_the_config_given(tmp_path: Path) -> None:
    (tmp_path / "asrctl.yaml").write_text(SHARED_CONFIG.read_text())
    assert run_cli(Path.cwd(), "--config", str(tmp_path / "asrctl.yaml"), "schema").code == 0
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == sorted(SCHEMA_FILES)


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_schema_shape_for_editors(name: str) -> None:
    schema = json.loads((REPO_ROOT / "schemas" / name).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]
    for obj in _objects(schema):
        assert "additionalProperties" in obj and obj["additionalProperties"] is not True
        for prop, sub in obj.get("properties", {}).items():
            assert "description" in sub or "$ref" in sub, f"{prop} has no description"
    assert '"null"' not in json.dumps(schema), "optional fields show their real type, not anyOf null"
    assert render(name) == render(name)  # deterministic


def test_example_files_pass_the_committed_schemas() -> None:
    employer = Draft202012Validator(json.loads((REPO_ROOT / "schemas" / "employer.schema.json").read_text()))
    config = Draft202012Validator(json.loads((REPO_ROOT / "schemas" / "asrctl.schema.json").read_text()))
    assert not list(config.iter_errors(yaml.safe_load((REPO_ROOT / "asrctl.yaml").read_text())))
    for path in sorted((REPO_ROOT / "employers").glob("*.yaml")):
        assert not list(employer.iter_errors(yaml.safe_load(path.read_text()))), path


# --- the schema is at least as strict as the models --------------------------------------------------
# load.py lets pydantic accept a file without running jsonschema when it holds no null; that is
# only right if every null-free document the models accept, the schema accepts too.

_VALUES: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, "", "x", "Kantoor", "kantoor", "1042",
                      "123456782L01", "monthly", "four_weekly", "a@b.nl", "sandbox:x", "https://x.nl/v1",
                      [], [{"name": "A", "employee_number": 1}], {}, {"env": "X"}, {"file": "f"},
                      {"env": "X", "file": "f"}, {"extra": 1}]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _mutations(doc: dict[str, Any]) -> Iterator[Any]:
    for path in _leaves(doc):
        if not path:
            continue
        for value in _VALUES:
            yield set_at(doc, path, value)
        if isinstance(path[-1], str):
            removed = copy.deepcopy(doc)
            parent = removed
            for part in path[:-1]:
                parent = parent[part]
            del parent[path[-1]]
            yield removed
            renamed = copy.deepcopy(doc)
            parent = renamed
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1] + "_x"] = parent.pop(path[-1])
            yield renamed


def _holds_null(node: Any) -> bool:
    if isinstance(node, dict):
        return any(_holds_null(v) for v in node.values())
    if isinstance(node, list):
        return any(_holds_null(v) for v in node)
    return node is None


@pytest.mark.parametrize(("model", "name", "source"), [
    (Employer, "employer.schema.json", SHARED_EMPLOYER),
    (Config, "asrctl.schema.json", SHARED_CONFIG),
])
def test_what_the_models_accept_the_schema_accepts(model: type[BaseModel], name: str, source: Path) -> None:
    validator = Draft202012Validator(schema_for(name))
    doc = yaml.safe_load(source.read_text())
    checked = 0
    for mutated in _mutations(doc):
        if _holds_null(mutated):
            continue
        try:
            model.model_validate(mutated)
        except ValidationError:
            continue
        errors = [e.message for e in validator.iter_errors(mutated)]
        assert not errors, f"the model accepts but the schema refuses {mutated}: {errors}"
        checked += 1
    assert checked > 20


# --- editors and `asrctl validate` agree, both ways -----------------------------------------------------
# The committed schemas/*.json, read as asrctl reads them (SchemaValidator: `$` is the end of the text, as
# in editors' ECMA-262 regexes and pydantic's Rust regex; NaN and infinities are no JSON numbers), give the
# same verdict as the models for every edge value at every field.

_EDGE_TEXT = ["", " ", "   ", "\u00a0", "\u200b", "\ufeff", "x", " x ", "x\n", "\nx", "x\r", "\x1b[2J", "\0",
              "a\x07", "\x85", "\u202eB.V.", "\u2028", "B.V.\u200b", "Café Ünal", "\t", "x" * 40, "x" * 41,
              "x" * 200, "x" * 201, "\U0001f600" * 3]
_EDGE_PATTERNED = ["123456782L01", "123456782L01\n", "\n123456782L01", "123456782l01", "kantoor", "kantoor\n",
                   "de-vries", "Kantoor", "voorbeeld", "voorbeeld\n", "a@b.nl", "a@b.nl\n", "a\ufeff@b.nl",
                   "a\x1c@b.nl", "a @b.nl", "https://api.nmbrs.nl/soap/v3/", "https://x\n", "https://x\ufeff",
                   "http://127.0.0.1:8080/x", "http://evil.example/x", "sandbox:world.yaml", "sandbox:\x1b",
                   "NMBRS_TOKEN", "NMBRS_TOKEN\n", "monthly", "monthly\n", "active"]
_EDGE_NUMBERS: list[Any] = [0, 1, -1, 1.0, 1000.0, 1000.5, 8, 8.0, 64, 65, 0.5, 600, 600.0, 600.5, 2147483647,
                            2147483648, 2147483647.0, 1e300, float("inf"), float("-inf"), float("nan"), True, False]
_EDGES: list[Any] = [*_EDGE_TEXT, *_EDGE_PATTERNED, *_EDGE_NUMBERS, [], {}, [1], {"env": "X\n"}, {"file": " "}]


@pytest.mark.parametrize(("model", "name", "source"), [
    (Employer, "employer.schema.json", SHARED_EMPLOYER),
    (Config, "asrctl.schema.json", SHARED_CONFIG),
])
def test_the_committed_schema_and_the_models_agree_on_edge_values(model: type[BaseModel], name: str,
                                                                   source: Path) -> None:
    from asrctl.declare.schema_problems import SchemaValidator

    validator = SchemaValidator(json.loads((REPO_ROOT / "schemas" / name).read_text()))
    doc = yaml.safe_load(source.read_text())
    doc.setdefault("policy", {"allow_withdraw": False, "max_change_fraction": 0.3}) if model is Config else None
    if model is Config:
        doc["nmbrs"].update(parallelism=8, max_employee_scan=50, timeout_seconds=30.0)
        doc["registry"]["timeout_seconds"] = 30.0
    disagree = []
    checked = 0
    for path in _leaves(doc):
        if not path:
            continue
        for value in _EDGES:
            mutated = set_at(doc, path, value)
            try:
                model.model_validate(mutated)
                by_model = True
            except ValidationError:
                by_model = False
            by_schema = validator.is_valid(mutated)
            checked += 1
            if by_model != by_schema:
                disagree.append(f"{'.'.join(map(str, path))} = {value!r}: model {by_model}, schema {by_schema}")
    assert not disagree, "\n".join(disagree)
    assert checked > 1000
