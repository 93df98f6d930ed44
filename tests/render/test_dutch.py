"""Every plan action and every GitHub text, rendered in Dutch against the same rendering in English.

The sandbox demo (tests/cli/test_dutch_cli.py) has no update, withdrawal, re-submission or token
change; support.plans.sample_plan has them all. The check is support.dutch.english_left: a Dutch
line that still says three English words of the English rendering fails, outside the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from asrctl.github import body, flows
from asrctl.github.sync import ReviewedPlan
from asrctl.i18n import set_language
from asrctl.plan.make import Plan
from asrctl.render.markdown import render_markdown
from asrctl.render.text import render_text

from support.dutch import data_strings, english_left, finding_texts
from support.plans import sample_plan

RUN = "[workflow run](https://github.example/voorbeeld/werkgevers/actions/runs/7)"


def _both(render: Callable[[], str]) -> tuple[str, str]:
    set_language("en")
    english = render()
    set_language("nl")  # tests/conftest.py sets English back
    return english, render()


def _plan() -> Plan:
    plan = sample_plan()
    rejected = plan.employers[0].model_copy(update={"status": "rejected", "status_detail": "contract unknown"})
    active = plan.employers[1].model_copy(update={"status": "active", "first_exchange_date": "2026-12-01"})
    return plan.model_copy(update={"employers": [rejected, active, *plan.employers[2:]]})


@pytest.fixture
def plan() -> Plan:
    return _plan()


def _assert_dutch(english: str, dutch: str, plan: Plan, *extra: str) -> None:
    as_json = json.loads(plan.to_json())
    # support.plans's Nmbrs findings are English test data, not messages of the catalogue
    data = [*data_strings(as_json), *finding_texts(as_json, "nmbrs."), "asrctl", *extra]
    left = english_left(dutch, english, data)
    assert dutch != english and not left, json.dumps(left, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("render", [render_text, render_markdown], ids=["text", "markdown"])
def test_every_action_reads_dutch(plan: Plan, render: Callable[[Plan], str]) -> None:
    english, dutch = _both(lambda: render(plan))
    _assert_dutch(english, dutch, plan)


def test_a_truncated_comment_says_what_is_left_out_in_dutch(plan: Plan) -> None:
    english, dutch = _both(lambda: render_markdown(plan, limit=3000))
    assert "… truncated: not shown here:" in english and "… ingekort: hier niet getoond:" in dutch
    _assert_dutch(english, dutch, plan)


@pytest.mark.parametrize("exit_code", [0, 1, 2, 3])
def test_the_drift_issue_reads_dutch(plan: Plan, exit_code: int) -> None:
    english, dutch = _both(lambda: flows.drift_title(exit_code, plan) + "\n" + flows.drift_intro(exit_code, plan, RUN))
    _assert_dutch(english, dutch, plan, "contract unknown")


def test_the_plan_comment_around_the_plan_reads_dutch(plan: Plan) -> None:
    def texts() -> str:
        return "\n".join([
            flows.unfinished_plan_body("error: the registry could not be reached", RUN),
            flows.plan_footer(plan, "1" * 40, "asrctl-plan", RUN, "0.1.0"),
            flows.plan_footer(None, None, "asrctl-plan", RUN, "0.1.0"),
            body.artifact_note("https://github.example/run/7"),
            *body.compose_parts("asrctl-plan", "x\n" * 40_000, truncated_note="…", limit=20_000, max_parts=2),
        ])

    english, dutch = _both(texts)
    _assert_dutch(english, dutch, plan, "x", "error: the registry could not be reached")


def test_verify_plan_refusals_read_dutch(plan: Plan) -> None:
    reviewed = ReviewedPlan(12, None, "a" * 40, "sha256:" + "0" * 64, "a" * 40,
                            {"inputs_digest": plan.inputs_digest, "writes": {"weg": "withdraw:x:v1", "oud": "create:y:new"}})

    def texts() -> str:
        verdicts = [
            flows.verify(reviewed, plan, "b" * 40, "plan.json"),
            flows.verify(replace(reviewed, meta={"inputs_digest": "other"}), plan, "b" * 40, "plan.json"),
            flows.verify(reviewed, None, "b" * 40, "plan.json"),
            flows.verify(replace(reviewed, checksum=None), plan, "b" * 40, "plan.json"),
            flows.verify(replace(reviewed, planned_sha="c" * 40), plan, "b" * 40, "plan.json"),
        ]
        return "\n".join(flows.refusal_body(v, plan if i != 2 else None, "plan", RUN) for i, v in enumerate(verdicts))

    english, dutch = _both(texts)
    _assert_dutch(english, dutch, plan, "plan.json")


def test_announcements_read_dutch(plan: Plan) -> None:
    in_setup = plan.employers[2].model_copy(update={"status": "in_setup", "status_detail": None})

    def texts() -> str:
        shown = plan.model_copy(update={"employers": [plan.employers[1], in_setup]})
        made = flows.announcements(shown, {}, {})
        return "\n".join([*(a.text for a in made), flows.onboarding_body({"a": "a", "b": "s"}, ["x"])])

    english, dutch = _both(texts)
    assert "is live at a.s.r." in english and "is live bij a.s.r." in dutch
    _assert_dutch(english, dutch, plan)


def test_a_failed_runs_error_line_is_found_in_either_language() -> None:
    log = "Nmbrs controleren\nfout: het a.s.r.-register was niet bereikbaar\n  tip: probeer het later opnieuw\n"
    assert flows.first_error_line(log) == "fout: het a.s.r.-register was niet bereikbaar"
    assert flows.first_error_line("x\ninterne fout (een fout in asrctl): KeyError\n") == (
        "interne fout (een fout in asrctl): KeyError")
    assert flows.first_error_line("x\nerror: boom\n") == "error: boom"
