"""The analyst notebooks: committed without outputs, and every one runs top to bottom.

The run uses the `python3` kernel that ipykernel registers in this virtualenv
(`.venv/share/jupyter/kernels/python3`), so the notebooks execute with the same interpreter
and packages as the tests, in a scratch working directory (they must not depend on it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REQUIRED = ["01_one_comparison.ipynb", "02_batch_overview.ipynb", "03_calibration_and_thresholds.ipynb"]


def test_the_three_notebooks_are_there():
    assert set(REQUIRED) <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
    assert nb.cells[0].cell_type == "markdown", f"{path.name} must open with a markdown cell saying what it shows"
    assert "How to run" in nb.cells[0].source
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_python3_kernel_is_this_interpreter():
    """The kernel the notebooks name resolves to the interpreter running the tests."""
    kernelspec = pytest.importorskip("jupyter_client.kernelspec")
    spec = kernelspec.KernelSpecManager().get_kernel_spec("python3")
    executable = spec.argv[0]
    # jupyter_client replaces a bare "python" with sys.executable when it starts the kernel
    assert executable in {"python", "python3", sys.executable} or Path(executable).resolve() == Path(sys.executable).resolve()


@pytest.mark.model
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},  # run somewhere else than the repository root
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    elapsed = time.perf_counter() - started
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"]
    assert not errors
    images = sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    assert images >= 2, f"{path.name} drew {images} figure(s)"
    print(f"{path.name}: {elapsed:.1f} s, {images} figures")
    assert list(tmp_path.iterdir()) == [], f"{path.name} wrote files into its working directory"
