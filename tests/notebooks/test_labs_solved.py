"""The lab notebooks, twice: as committed (stubs) and with the reference solutions put in.

The committed notebooks are the learner's starting point, checked by strict nbval like every
notebook. Here each one is also copied with the reference solutions in its stub cells
(``tools/lab_solutions.py``) and executed in a temporary folder: every check cell then
asserts that its check passed, and the capstone's that the learner's network reached 95% test
accuracy. An error in any cell fails the test with that cell's output.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    path = ROOT / "tools" / "lab_solutions.py"
    spec = importlib.util.spec_from_file_location("lab_solutions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()
LABS = TOOL.lab_notebooks()


def _tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def test_every_lab_has_a_notebook():
    from cnnkit.labs import LABS as names

    slugs = {p.stem.split("_lab_", 1)[1] for p in LABS}
    assert slugs == set(names), f"labs without a notebook: {set(names) - slugs}"


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_committed_notebook_is_the_starting_point(path):
    """Stubs only, and the stored check output says "not written yet", never a solution."""
    from cnnkit.labs.sources import solution_source

    nb = nbformat.read(path, as_version=4)
    stubs, checks = _tagged(nb, "lab-stub"), _tagged(nb, "lab-check")
    assert stubs and checks, f"{path.name} needs cells tagged lab-stub and lab-check"
    for cell in stubs:
        for name in TOOL.defined_functions(cell.source):
            assert f'raise NotImplementedError("write {name} here")' in cell.source
            body = solution_source("capstone" if name == "train" else name).split('"""')[-1]
            assert body.strip() not in cell.source, f"{path.name} holds the solution of {name}"
    for cell in checks:
        shown = "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert "not written yet" in shown, f"{path.name}: stored check output is {shown!r}"
    for cell in nb.cells:  # no stored output shows a solution or a hint
        for output in cell.get("outputs", []):
            text = str(output.get("data", {}).get("text/plain", "")) + str(output.get("text", ""))
            assert "A reference solution for" not in text and "Hint 1 of" not in text


def test_solved_copy_replaces_stubs_and_asserts_checks(tmp_path):
    target = TOOL.solve(ROOT / "notebooks" / "03a_lab_output_size.ipynb", tmp_path)
    nb = nbformat.read(target, as_version=4)
    stub = _tagged(nb, "lab-stub")[0].source
    assert "NotImplementedError" not in stub and "return" in stub
    check = _tagged(nb, "lab-check")[0].source
    assert "assert _lab_result.passed" in check
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")
    moved = _tagged(nb, "lab-explorer")[0].source
    assert moved.startswith("_ = explorer.set(") and '"differs" not in _view' in moved


def test_solved_copy_refuses_a_notebook_without_lab_cells(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    path = tmp_path / "99z_lab_nothing.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="lab-stub"):
        TOOL.solve(path, tmp_path / "out")
    with pytest.raises(ValueError, match="must end with the check"):
        TOOL.asserting_source("x = check('output_size', f)")
    with pytest.raises(ValueError, match="must move an explorer"):
        TOOL.explorer_asserting_source("explorer")


@pytest.mark.parametrize("path", LABS, ids=[p.stem for p in LABS])
def test_solved_notebook_passes_every_check(path, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbclient.output_widget import OutputWidget

    OutputWidget.sync_state = lambda self: None  # as tools/run_notebooks.py: no echo stalls
    target = TOOL.solve(path, tmp_path)
    nb = nbformat.read(target, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} with the reference solutions: {str(exc)[-3000:]}")
    for cell in _tagged(nb, "lab-check"):
        shown = "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert "passed" in shown, f"{path.name}: the check shows {shown!r}"
