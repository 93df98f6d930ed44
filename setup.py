"""Build step: compile the gettext catalogues (asrctl/locale/*/LC_MESSAGES/asrctl.po → .mo).

The metadata lives in pyproject.toml; this file only adds the compile to build_py, so a wheel,
an sdist build and the editable install of `make install` all carry the .mo files gettext
loads. The .mo files are build output and never committed (the .po files are the source).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).parent / "asrctl" / "locale"


def compile_catalogues() -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/asrctl.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        written.append(mo)
    return written


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        # Into the source tree, before the copy: the wheel picks them up as package data, and an
        # editable install (which runs build_py in editable mode and copies nothing) finds them in place.
        compile_catalogues()
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogues})
