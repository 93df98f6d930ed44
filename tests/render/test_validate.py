"""Renderers of validate's problems: text, GitHub workflow commands, JSON."""

from __future__ import annotations

import json

from asrctl.declare.problems import Problem
from asrctl.render.validate import render_github, render_json, render_text, summary

PROBLEMS = [
    Problem("employers/a.yaml", 8, 14, "error", "payroll.frequency must be one of monthly, four_weekly",
            "did you mean 'four_weekly'?", "schema.enum"),
    Problem("employers/B.yaml", 0, 0, "warning", "whole-file remark"),
]


def test_text_has_location_severity_and_an_indented_hint() -> None:
    assert render_text(PROBLEMS) == (
        "employers/a.yaml:8:14: error: payroll.frequency must be one of monthly, four_weekly\n"
        "    hint: did you mean 'four_weekly'?\n"
        "employers/B.yaml: warning: whole-file remark\n"
    )
    assert "\x1b[31merror\x1b[0m" in render_text(PROBLEMS, color=True)


def test_github_escaping_follows_the_workflow_command_rules() -> None:
    problem = Problem("dir,with:odd%name.yaml", 3, 5, "warning", "100% wrong,\r\nreally: yes", "fix: a,b", "x.y")
    assert render_github([problem]) == (
        "::warning file=dir%2Cwith%3Aodd%25name.yaml,line=3,col=5,title=asrctl validate (x.y)::"
        "100%25 wrong,%0D%0Areally: yes%0Ahint: fix: a,b\n"
    )
    assert render_github([Problem("a.yaml", 0, 0, "error", "empty")]) == (
        "::error file=a.yaml,title=asrctl validate::empty\n"
    )


def test_json_is_a_list_of_problem_objects() -> None:
    assert json.loads(render_json(PROBLEMS))[1] == {
        "path": "employers/B.yaml", "line": 0, "col": 0, "severity": "warning",
        "message": "whole-file remark", "hint": None, "code": None,
    }
    assert json.loads(render_json([])) == []


def test_summary_counts() -> None:
    assert summary([], 1) == "1 file checked: no problems"
    assert summary(PROBLEMS, 8) == "8 files checked: 1 error, 1 warning"
    assert summary(PROBLEMS[:1] * 2, 3) == "3 files checked: 2 errors"
