"""load_repo / load_repo_or_raise: the models plan and apply get, the inputs digest, semantic rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from asrctl.declare.lhn import passes_eleven_test
from asrctl.declare.load import check_repo, inputs_digest, load_repo, load_repo_or_raise
from asrctl.declare.semantics import is_email
from asrctl.errors import ConfigError

from support.validate import SHARED_EMPLOYER, copy_example_repo, make_repo

EMPLOYER = SHARED_EMPLOYER.read_text()


def test_the_example_repo_loads_into_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_example_repo(tmp_path)
    monkeypatch.chdir(tmp_path.parent)  # paths in the repo are relative to its root, not the cwd
    repo, problems = load_repo(root / "asrctl.yaml")
    assert problems == []
    assert repo is not None
    assert repo.root == root and repo.config_path == "asrctl.yaml"
    assert repo.config.organisation.name == "Salarisbureau Voorbeeld B.V."
    assert set(repo.config.accounts) == {"kantoor", "de-vries", "bloem"}
    ids = [e.id for e in repo.employers]
    assert ids == sorted(ids) and len(ids) >= 6
    bakkerij = next(e for e in repo.employers if e.id == "bakkerij-de-vries")
    assert bakkerij.path == "employers/bakkerij-de-vries.yaml"
    assert bakkerij.employer.nmbrs.company == "Bakkerij De Vries B.V."
    assert bakkerij.employer.dga[0].employee_number == 1
    assert bakkerij.positions["nmbrs.company"] == (6, 3)
    assert bakkerij.positions["dga.0.name"][0] == 11
    assert repo.inputs_digest.startswith("sha256:") and len(repo.inputs_digest) == 7 + 64


def test_inputs_digest_follows_paths_and_bytes(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER})
    first = load_repo_or_raise(root / "asrctl.yaml").inputs_digest
    assert load_repo_or_raise(root / "asrctl.yaml").inputs_digest == first
    path = root / "employers" / "bakkerij.yaml"
    path.write_text(EMPLOYER + "# a comment changes the bytes\n")
    changed = load_repo_or_raise(root / "asrctl.yaml").inputs_digest
    assert changed != first
    path.rename(root / "employers" / "bakker.yaml")
    assert load_repo_or_raise(root / "asrctl.yaml").inputs_digest not in (first, changed)
    config = (root / "asrctl.yaml").read_bytes()
    employer = (root / "employers" / "bakker.yaml").read_bytes()
    assert load_repo_or_raise(root / "asrctl.yaml").inputs_digest == inputs_digest(
        [("asrctl.yaml", config), ("employers/bakker.yaml", employer)])
    # the byte count separates files: moving bytes from one file to the next changes the digest
    assert inputs_digest([("a", b"xy"), ("b", b"")]) != inputs_digest([("a", b"x"), ("b", b"y")])


def test_load_repo_or_raise_names_the_count_and_the_first_problem(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("monthly", "weekly")})
    (root / "employers" / "leeg.yaml").write_text("")
    monkeypatch.chdir(root)
    with pytest.raises(ConfigError) as caught:
        load_repo_or_raise(Path("asrctl.yaml"))
    assert caught.value.message == "2 problems in the declarations; run asrctl validate"
    assert caught.value.hint == "first: employers/bakkerij.yaml:8:14: payroll.frequency must be one of monthly, " \
                                "four_weekly, not the text 'weekly'"


def test_warnings_do_not_stop_the_repo(tmp_path: Path) -> None:
    config = make_repo(tmp_path).joinpath("asrctl.yaml")
    config.write_text(config.read_text().replace("    tag: a.s.r.\n", "    tag: a.s.r.\n    debtor: \"9\"\n"))
    repo, problems = load_repo(config)
    assert repo is not None and repo.employers == []
    assert [p.code for p in problems] == ["load.no-employers", "semantic.debtor-unused"]


def test_a_whole_number_written_as_1_0_is_1_as_in_editors(tmp_path: Path) -> None:
    """JSON Schema (an editor) cannot tell 1.0 from 1, so neither does validate; 1.5 is an error in both."""
    root = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER.replace("employee_number: 1", "employee_number: 1.0")})
    result = check_repo(root / "asrctl.yaml")
    assert result.repo is not None and result.problems == []
    assert result.repo.employers[0].employer.dga[0].employee_number == 1
    (root / "employers" / "bakkerij.yaml").write_text(EMPLOYER.replace("employee_number: 1", "employee_number: 1.5"))
    [problem] = check_repo(root / "asrctl.yaml").problems
    assert (problem.line, problem.code) == (12, "schema.type")
    assert "dga[0].employee_number must be a whole number" in problem.message


def test_paths_subset_loads_only_those_employers(tmp_path: Path) -> None:
    other = EMPLOYER.replace("Bakkerij De Vries", "Jansen").replace("123456782L01", "814573204L01")
    root = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER, "jansen.yaml": other})
    repo = load_repo_or_raise(root / "asrctl.yaml", [root / "employers" / "jansen.yaml"])
    assert [e.id for e in repo.employers] == ["jansen"]


@pytest.mark.parametrize(("number", "ok"), [
    ("123456782", True), ("814573204", True), ("100000009", True), ("123456789", False),
    ("000000000", False), ("12345678", False), ("12345678a", False),
])
def test_eleven_test(number: str, ok: bool) -> None:
    assert passes_eleven_test(number) is ok


@pytest.mark.parametrize(("address", "ok"), [
    ("koppelingen@voorbeeld.nl", True), ("a.b+c@sub.voorbeeld.nl", True), ("a@b..nl", False),
    ("a..b@x.nl", False), (".a@x.nl", False), ("a@-x.nl", False), ("a@x.nl.", False), ("a b@x.nl", False),
])
def test_email_syntax(address: str, ok: bool) -> None:
    assert is_email(address) is ok


@pytest.mark.parametrize("grows_to, reported", [(len(EMPLOYER), None), (1024 * 1024 + 10, "over 1 MiB")])
def test_a_file_that_grows_between_stat_and_read_is_read_whole_or_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grows_to: int, reported: str | None) -> None:
    import os

    from asrctl.declare import load

    root = make_repo(tmp_path, {"bakkerij.yaml": EMPLOYER + "#" * (grows_to - len(EMPLOYER))})
    real_stat = os.stat

    def stale_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        info = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if str(path).endswith("bakkerij.yaml"):  # as stat saw it a moment before the writer finished
            return os.stat_result((info.st_mode, *list(info)[1:6], 40, *list(info)[7:]))
        return info

    monkeypatch.setattr(load.os, "stat", stale_stat)
    result = check_repo(root / "asrctl.yaml")
    messages = [p.message for p in result.problems if p.path.endswith("bakkerij.yaml")]
    if reported is None:  # read whole (not the 41 bytes stat promised): the file is clean
        assert messages == [] and result.repo is not None
        assert result.repo.employers[0].employer.nmbrs.company == "Bakkerij De Vries B.V."
    else:
        assert any(reported in m for m in messages), messages
