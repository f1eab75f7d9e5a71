"""The browser harness can fail: a notebook with planted faults must be reported, fault by fault.

The notebook is written here, in a temporary folder, with one working explorer and one
example of each fault the course tests look for; the test also saves it from the page, as
autosave would. Each fault must appear in the report, and the working explorer and the
cell that raises on purpose must not.
"""

from __future__ import annotations

import labharness as lh
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
from cnnkit.widgets import Explorer

def curve(n):
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=60)
    ax.plot([0, 1, 2], [0, n, n * n])
    ax.set_title(f"n = {n}")
    return fig
"""
WORKING = """\
working = Explorer({"n": widgets.IntSlider(value=2, min=1, max=5),
                    "shape": widgets.Dropdown(options=["a", "b"])},
                   lambda n, shape: [curve(n), f"{shape}: n = {n}"], title="working")
working
"""
BROKEN = """\
def broken_draw(n):
    if n != 2:
        raise RuntimeError("planted fault in a draw function")
    return curve(n)

broken = Explorer({"n": widgets.IntSlider(value=2, min=1, max=5)}, broken_draw, title="broken")
broken
"""
FROZEN = """\
frozen = Explorer({"n": widgets.IntSlider(value=2, min=1, max=5)}, lambda n: "always the same",
                  title="frozen")
frozen
"""
RAW_WIDGET = """\
# what a learner sees when the widget extension is missing
display({"text/plain": "VBox(children=(IntSlider(value=2, max=5, min=1),))"}, raw=True)
"""


def planted_notebook() -> nbformat.NotebookNode:
    intended = new_code_cell("1 / 0  # an error shown on purpose")
    intended.metadata["tags"] = ["raises-exception"]
    cells = [
        new_markdown_cell("# Planted faults"),
        new_code_cell(SETUP),
        new_code_cell(WORKING),
        new_code_cell(BROKEN),
        new_code_cell(FROZEN),
        new_code_cell(RAW_WIDGET),
        intended,
        new_code_cell('raise KeyError("planted unexpected error")'),
    ]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            }
        },
    )


def save_the_notebook(page) -> None:
    """What autosave would do: the harness must notice the write."""
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.__cnnkit.panel().context.model.dirty", timeout=30_000)


@pytest.mark.browser
def test_harness_reports_each_planted_fault(chromium, tmp_path, timings):
    folder = tmp_path / "course"
    folder.mkdir()
    notebook = folder / "99_planted.ipynb"
    nbformat.write(planted_notebook(), notebook)
    before = lh.file_state(notebook)
    with lh.LabServer(lh.server_root(notebook), tmp_path / "server") as server:
        report = lh.exercise_notebook(
            chromium,
            server,
            notebook,
            tmp_path / "artifacts",
            move_timeout_s=5,
            after_run=save_the_notebook,
        )
    timings["harness self-check"] = report.timings
    print(report.summary())
    problems = "\n".join(report.problems)

    assert [e["title"] for e in report.explorers] == ["working", "broken", "frozen"]
    assert not any("explorer 0 " in p for p in report.problems), problems
    assert "ZeroDivisionError" not in problems  # tagged raises-exception: intended
    assert "KeyError: 'planted unexpected error'" in problems
    assert "widget extension is not active" in problems
    assert any(
        "explorer 1 (broken)" in p and "RuntimeError: planted fault" in p for p in report.problems
    ), problems
    assert any(
        "explorer 2 (frozen)" in p and "never changed what the explorer shows" in p
        for p in report.problems
    ), problems
    assert any(
        "asked the server to write: PUT" in p and "99_planted.ipynb" in p for p in report.problems
    ), problems
    assert len(report.problems) == 5, problems
    assert lh.file_state(notebook) != before  # the save did write: the bytes check can fail
    with pytest.raises(AssertionError, match="5 problem"):
        report.raise_for_problems()


class _FakeButton:
    """Stands in for a Playwright element: answers the grid-place query with ``place``."""

    def __init__(self, place):
        self.place = place

    def evaluate(self, script):
        assert "widget-gridbox" in script
        return self.place


def test_a_grid_of_like_buttons_is_sampled_at_its_first_middle_and_last_cell():
    from controls import _grid_sample

    kept = [k for k in range(64) if _grid_sample(_FakeButton(f"{k}/64"))]
    assert kept == [0, 32, 63]
    assert _grid_sample(_FakeButton(None))  # a button outside any grid is always kept
    assert [k for k in range(2) if _grid_sample(_FakeButton(f"{k}/2"))] == [0, 1]
