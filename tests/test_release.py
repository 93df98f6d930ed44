"""asrctl as a release: one version, a wheel that holds every data file and runs from a fresh venv.

`make dist` builds the wheel and sdist with `python -m build` (isolated, from PyPI) and runs
`twine check`; this test builds the wheel offline (no isolation) from a copy of the source, so
it runs in `make test` without network.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from asrctl import __version__

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "asrctl"


def run(*argv: str | Path, cwd: Path, timeout: float = 180, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)
    assert done.returncode == 0, f"{argv}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def data_files() -> list[str]:
    """Every file of the package that is not Python source: WSDL, the contract, init's templates, catalogues."""
    found = []
    for path in PACKAGE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc"):
            found.append(path.relative_to(REPO).as_posix())
    return sorted(found)


def test_the_version_has_one_home() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "asrctl.__version__"}
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+([ab]|rc)?[0-9]*", __version__)
    assert project["project"]["license"] == "MIT" and (REPO / "LICENSE").read_text().startswith("MIT License")
    assert (REPO / "SECURITY.md").is_file()


def test_the_wheel_holds_every_data_file_and_runs_from_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.py", "MANIFEST.in", "babel.cfg"):
        shutil.copy(REPO / name, source / name)
    # Without the compiled catalogue: the build compiles it (setup.py), as on a fresh clone.
    shutil.copytree(PACKAGE, source / "asrctl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        "-w", tmp_path / "dist", source, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("asrctl-*.whl")
    assert wheel.name == f"asrctl-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in data_files() if name not in names]
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data]): {missing}"
    assert f"asrctl-{__version__}.dist-info/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "sandbox/"))]

    # A fresh venv holds only the wheel; the dependencies come from this venv through a path
    # entry (a .pth line adds the folder, not its .pth files, so the editable asrctl stays out).
    venv = tmp_path / "fresh"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    fresh_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                          cwd=tmp_path).strip())
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    (fresh_site / "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel,
        cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"  # not the source tree: nothing to import by accident
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    asrctl = venv / "bin" / "asrctl"
    assert run(asrctl, "--version", cwd=elsewhere, env=env).strip() == f"asrctl, version {__version__}"
    where = run(python, "-c", "import asrctl; print(asrctl.__file__)", cwd=elsewhere, env=env).strip()
    assert where.startswith(str(fresh_site)), where
    # init's templates, the bundled contract and the schemas come from the installed package.
    run(asrctl, "init", "office", "--office", "Kantoor", "--contact-email", "a@kantoor.nl", "--domain", "kantoor",
        "--model", "overarching", "--username", "api@kantoor.nl", cwd=elsewhere, env=env)
    assert "no problems" in run(asrctl, "validate", cwd=elsewhere / "office", env=env)
    # The Dutch catalogue was compiled into the wheel.
    assert "geen problemen" in run(asrctl, "--lang", "nl", "validate", cwd=elsewhere / "office", env=env)


# --- the release workflow: a tag v<version> is tested, built, checked and published ------------------------

RELEASE = REPO / ".github" / "workflows" / "release.yml"


def _release() -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(RELEASE.read_text(encoding="utf-8"))  # YAML 1.2: `on` stays a key


def _step(job: dict[str, Any], says: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if says in str(s.get("run", "")) or says in str(s.get("uses", "")))


def test_a_version_tag_is_tested_built_checked_and_published_by_trusted_publishing() -> None:
    wf = _release()
    assert wf["on"] == {"push": {"tags": ["v*"]}}
    jobs = wf["jobs"]
    assert jobs["build"]["needs"] == "test" and jobs["publish"]["needs"] == "build"
    assert _step(jobs["test"], "make test")["run"].strip() == "make test"
    build = jobs["build"]
    runs = [str(s.get("run", "")) for s in build["steps"]]
    order = [next(i for i, r in enumerate(runs) if says in r) for says in
             ("asrctl.__version__", "python -m build", "twine check --strict dist/*", "fresh/bin/asrctl\" --version")]
    assert order == sorted(order), "check the tag, build, twine check, then the wheel in a fresh venv"
    assert build["env"]["TAG"] == "${{ github.ref_name }}"
    assert _step(build, "upload-artifact")["with"]["name"] == _step(jobs["publish"], "download-artifact")["with"]["name"]
    publish = jobs["publish"]
    assert publish["environment"]["name"] == "pypi" and publish["permissions"] == {"id-token": "write"}
    upload = _step(publish, "pypa/gh-action-pypi-publish")
    assert re.fullmatch(r"pypa/gh-action-pypi-publish@v[0-9]+\.[0-9]+\.[0-9]+", upload["uses"])
    assert "with" not in upload or not {"password", "user"} & set(upload["with"]), "no token: trusted publishing"
    for job in jobs.values():  # every action pinned to a released version, never a branch
        for step in job["steps"]:
            if "uses" in step:
                assert re.search(r"@v[0-9]+(\.[0-9]+)*$", step["uses"]), step["uses"]


def _tag_check(tag: str) -> subprocess.CompletedProcess[str]:
    script = _step(_release()["jobs"]["build"], "asrctl.__version__")["run"]
    env = {**os.environ, "TAG": tag, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=30,
                          check=False)


def test_the_release_refuses_a_tag_that_is_not_the_version() -> None:
    right = _tag_check(f"v{__version__}")
    assert right.returncode == 0 and f"releasing asrctl {__version__}" in right.stdout, right.stdout + right.stderr
    for wrong in ("v9.9.9", __version__, f"v{__version__}-rc"):
        refused = _tag_check(wrong)
        assert refused.returncode == 1, wrong
        assert f"::error::tag {wrong} is not v{__version__}, the version in asrctl/__init__.py" in refused.stdout
