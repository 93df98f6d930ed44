"""What a payroll employee reads, in Dutch: `ASRCTL_LANG=nl` against the same command in English.

Every command runs twice, in English and in Dutch; a Dutch line fails when it still says what the
English run said (three English words in a row, outside the data: names, ids, values, paths) and the
Dutch catalogue does not use those words itself (support.dutch.english_runs). So a message without a
translation fails here, and no list of expected sentences is kept.

The Nmbrs findings (nmbrs.company, nmbrs.api-rights, ...) are part of it: the demo blocks three
employers on Nmbrs findings and notes an optional call.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.cli import Run, run_cli
from support.dutch import data_strings, english_left, english_runs

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["asrctl"]  # the product's name is the same in every language


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repo's own sandbox demo (asrctl.yaml, employers/, sandbox/, schemas/)."""
    repo = tmp_path_factory.mktemp("dutch") / "office"
    repo.mkdir()
    shutil.copy(ROOT / "asrctl.yaml", repo / "asrctl.yaml")
    for folder in ("employers", "sandbox", "schemas"):
        shutil.copytree(ROOT / folder, repo / folder)
    return repo


def both(repo: Path, *args: str) -> tuple[Run, Run]:
    """The command in English and in Dutch (the language from ASRCTL_LANG, as an office sets it)."""
    english = run_cli(repo, "--no-color", *args, env={"ASRCTL_LANG": "en"})
    dutch = run_cli(repo, "--no-color", *args, env={"ASRCTL_LANG": "nl"})
    assert english.code == dutch.code, (english.output, dutch.output)
    return english, dutch


@pytest.fixture(scope="module")
def plan_data(demo: Path) -> list[str]:
    """The data a plan shows (company and DGA names, ids, values, paths), from its JSON; not the messages."""
    plan = json.loads(run_cli(demo, "plan", "--format", "json").stdout)
    return [*data_strings(plan), *PRODUCT]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_plan_reads_dutch(demo: Path, plan_data: list[str], fmt: str) -> None:
    english, dutch = both(demo, "plan", "--format", fmt)
    assert dutch.code == 1  # the demo blocks three employers on purpose
    assert dutch.stdout != english.stdout and dutch.stdout.strip()
    assert "nmbrs.company" in dutch.stdout and "nmbrs.api-rights" in dutch.stdout
    left = english_left(dutch.stdout, english.stdout, plan_data)
    assert not left, json.dumps(left, indent=1, ensure_ascii=False)


def test_the_check_fails_on_an_untranslated_line(demo: Path, plan_data: list[str]) -> None:
    """The check itself: an English sentence of the English run, left in the Dutch, is found."""
    english, dutch = both(demo, "plan")
    summary = english.stdout.splitlines()[-2]
    assert summary.startswith("Plan: ")
    found = english_runs(dutch.stdout + "\n" + summary, english.stdout, plan_data)
    assert summary in found and ("to", "create", "to") in found[summary]


def test_json_plan_and_plan_file_stay_english(demo: Path, tmp_path: Path) -> None:
    english = run_cli(demo, "plan", "--format", "json", "--out", str(tmp_path / "en.json"), env={"ASRCTL_LANG": "en"})
    dutch = run_cli(demo, "plan", "--format", "json", "--out", str(tmp_path / "nl.json"), env={"ASRCTL_LANG": "nl"})

    def stable(text: str) -> dict[str, object]:
        data = json.loads(text)
        for key in ("created_at", "stats"):
            data.pop(key)
        return data

    assert stable(dutch.stdout) == stable(english.stdout)
    assert stable((tmp_path / "nl.json").read_text()) == stable((tmp_path / "en.json").read_text())
    assert "is in the registry but no employer file declares it" in dutch.stdout


def test_an_error_line_reads_dutch(demo: Path) -> None:
    english, dutch = both(demo, "plan", "--target", "bestaat-niet")
    assert dutch.code == 1
    assert dutch.stderr.startswith("fout: --target bestaat-niet: ") and "\n  tip: " in dutch.stderr
    left = english_runs(dutch.stderr, english.stderr, ["bestaat-niet", *PRODUCT])
    assert not left, left


def test_status_reads_dutch(demo: Path) -> None:
    data = [*data_strings(json.loads(run_cli(demo, "status", "--format", "json").stdout)), *PRODUCT]
    for fmt in ("text", "markdown"):
        english, dutch = both(demo, "status", "--format", fmt)
        assert dutch.code == 0 and dutch.stdout != english.stdout, dutch.output
        left = english_left(dutch.stdout, english.stdout, data)
        assert not left, (fmt, left)
    assert both(demo, "status")[1].stdout.startswith("WERKGEVER ")


@pytest.mark.parametrize("check_id", ["nmbrs.company", "registry.unmanaged", "apply.needs-force", None])
def test_explain_reads_dutch(demo: Path, check_id: str | None) -> None:
    args = ("explain",) if check_id is None else ("explain", check_id)
    for fmt in ("text", "markdown"):
        english, dutch = both(demo, *args, "--format", fmt)
        assert dutch.code == 0 and dutch.stdout != english.stdout
        left = english_left(dutch.stdout, english.stdout, PRODUCT)
        assert not left, (fmt, left)


def test_the_pr_comment_from_the_plan_file_reads_dutch(demo: Path, tmp_path: Path, plan_data: list[str]) -> None:
    """`asrctl github comment --plan plan.json` renders the comment from the plan file, whose messages are
    plain English text (JSON): they are translated all the same."""
    from asrctl.i18n import set_language
    from asrctl.render import printable_plan
    from asrctl.render.markdown import render_markdown
    from asrctl.run.plan import read_plan_file

    run_cli(demo, "plan", "--out", str(tmp_path / "plan.json"))
    plan = printable_plan(read_plan_file(tmp_path / "plan.json"))
    english = render_markdown(plan)
    set_language("nl")  # tests/conftest.py sets English back
    dutch = render_markdown(plan)
    assert "Aanmeldingen zonder werkgeverbestand" in dutch
    left = english_left(dutch, english, plan_data)
    assert not left, json.dumps(left, indent=1, ensure_ascii=False)


def test_a_usage_error_reads_dutch_around_clicks_usage_line(demo: Path) -> None:
    english, dutch = both(demo, "plan", "--changed-since", "HEAD", "--target", "x")
    assert english.code == 1 and "Error: --changed-since and --target both choose employers" in english.stderr
    assert "fout: --changed-since en --target kiezen allebei werkgevers; geef er één mee" in dutch.stderr
    usage = "Usage: asrctl plan [OPTIONS]"  # click's own line, the same in both languages
    assert usage in dutch.stderr
    left = english_runs(dutch.stderr, english.stderr, [usage, "HEAD", *PRODUCT])
    assert not left, left


def _init_prompted(folder: Path, monkeypatch: pytest.MonkeyPatch, lang: str, typed: list[str]) -> str:
    """`asrctl init` with its prompts answered from `typed`, in this process (as on a terminal)."""
    from click.testing import CliRunner

    from asrctl.cli import cli
    from asrctl.cli import init as init_command
    from asrctl.cli.errors import run_guarded

    folder.mkdir()
    monkeypatch.setattr(init_command, "_on_terminal", lambda: True)
    monkeypatch.chdir(folder)
    with CliRunner().isolation(input="\n".join(typed) + "\n", env={"NO_COLOR": "1", "ASRCTL_LANG": lang}) as streams:
        code = run_guarded(cli, ["init", "office"])
        assert code == 0, streams[0].getvalue().decode()
        return streams[0].getvalue().decode() + streams[1].getvalue().decode()


def test_inits_prompts_and_next_steps_read_dutch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    typed = ["Salarisbureau Voorbeeld B.V.", "geen-adres", "koppelingen@voorbeeld.nl", "voorbeeld", "beide",
             "overarching", "api-asr@voorbeeld.nl", "", "@jdevries"]
    english = _init_prompted(tmp_path / "en", monkeypatch, "en", typed)
    dutch = _init_prompted(tmp_path / "nl", monkeypatch, "nl", typed)
    assert "Naam van je salarisverwerkende kantoor (Bedrijfsnaam): " in dutch
    assert "'geen-adres' is geen e-mailadres (naam@voorbeeld.nl)" in dutch  # asked again, in Dutch
    data = [*typed, "Error", "a.s.r.", "cd office && git init -b main && git add . && git commit -m", "NMBRS_TOKEN_KANTOOR",
            "ASR_REGISTRY_TOKEN_READ", "ASR_REGISTRY_TOKEN_WRITE", *PRODUCT]  # click's `Error:` prefix, commands
    left = english_left(dutch, english, data)
    assert not left, json.dumps(left, indent=1, ensure_ascii=False)
