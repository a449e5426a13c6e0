"""Build hook: the wheel carries the repository's scenarios/ and experiments/ (the single source of
both) as package data under sim/_data/, so that an installed leadsim finds its shipped scenarios,
experiments and validation studies from any folder (sim/resources.py). Everything else about the
package is declared in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("scenarios", "experiments")


class BuildWithData(build_py):
    """build_py, then a copy of the data folders into the built package (not for an editable
    install, which reads the repository's folders directly)."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in DATA:
            target = Path(self.build_lib) / "sim" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildWithData})
