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
