"""The JSON rendering (DESIGN.md format_version 1), and no token in any rendering."""

from __future__ import annotations

import json

import pytest

from asrctl.plan.make import Plan, Stats
from asrctl.render import PLAN_FORMATS, render_plan

from support.plans import FINGERPRINTS, TOKENS, sample_plan


def test_json_has_every_field_of_format_version_1():
    data = json.loads(render_plan(sample_plan(stats=Stats(nmbrs_calls=7, registry_calls=1, seconds=1.5)), "json"))
    assert data["format_version"] == 1
    assert {"asrctl_version", "created_at", "inputs_digest", "checksum", "summary", "employers", "unmanaged", "stats"} <= set(data)
    assert set(data["summary"]) == {"create", "update", "withdraw", "noop", "blocked", "errors", "warnings"}
    assert data["stats"] == {"nmbrs_calls": 7, "registry_calls": 1, "seconds": 1.5}
    for e in data["employers"]:
        assert {
            "id", "file", "action", "registry_version", "desired_digest", "status", "first_exchange_date", "changes", "checks",
        } <= set(e)
        for change in e["changes"]:
            assert set(change) == {"path", "before", "after", "sensitive"}
        for check in e["checks"]:
            assert set(check) == {"id", "severity", "message", "hint"}
    assert {"payroll_tax_number", "status"} <= set(data["unmanaged"][0])
    assert Plan.from_json(json.dumps(data)).checksum == data["checksum"]


@pytest.mark.parametrize("fmt", PLAN_FORMATS)
def test_no_token_in_any_rendering(fmt):
    out = render_plan(sample_plan(), fmt, color=fmt == "text")
    for token in TOKENS.values():
        assert token not in out
    if fmt == "json":
        assert FINGERPRINTS["kantoor"] in out  # tokens appear only as fingerprints
