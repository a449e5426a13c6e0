"""The teaching notebooks run from top to bottom without error, and show their figures.

Every ``notebooks/*.ipynb`` is executed with nbclient in a fresh kernel (working directory
``notebooks/``, as a student opening it in Jupyter would have). The committed notebooks must be the
ones ``notebooks/build_notebooks.py`` writes, so that the generator stays the single source, and
must be committed executed (``python notebooks/build_notebooks.py --execute``), so that a teacher
previewing one sees its figures. No test here looks at a model result: the figures change with
the model.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT_S = 600   # a limit for a stuck kernel, not a timing assertion


def test_the_four_teaching_notebooks_exist():
    names = {p.name for p in PATHS}
    for expected in ("01_concentrated_vs_distributed.ipynb", "02_nobody_in_charge.ipynb",
                     "03_sensitivity_analysis.ipynb", "04_policy_scenarios.ipynb"):
        assert expected in names


def test_committed_notebooks_match_the_generator(tmp_path):
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for built in builder.build(tmp_path):
        committed = nbformat.read(NOTEBOOKS / built.name, as_version=4)
        fresh = nbformat.read(built, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in fresh.cells], (
            f"{built.name} differs from notebooks/build_notebooks.py: rebuild it")


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_notebooks_are_executed(path):
    """Outputs saved: every code cell ran, in order, without error, and the figures are there."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    assert all(counts) and counts == sorted(counts), (
        f"{path.name} is not committed executed: run python notebooks/build_notebooks.py --execute")
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} has no figure"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "image/png" in o.get("data", {})]
    assert figures, f"{path.name} shows no figure"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Exercises" in text and "Sources" in text
