"""Every course notebook, as a learner uses it: JupyterLab in a real browser.

For each ``notebooks/NN_*.ipynb``: open it in JupyterLab, Run All from the menu, check
that no cell shows an error and that widgets render as widgets, then move every control of
every explorer and check that what it shows changes and never becomes a traceback. The
notebook file must be exactly as it was afterwards (autosave is off).

One JupyterLab server serves all the notebooks (each gets a fresh browser context and its
own kernel, shut down after its test), which saves a server start per notebook.
"""

from __future__ import annotations

import labharness as lh
import pytest

NOTEBOOKS = lh.discover_notebooks()


@pytest.fixture(scope="module")
def course_server(tmp_path_factory):
    root = lh.server_root(NOTEBOOKS[0]) if NOTEBOOKS else lh.REPO
    server = lh.LabServer(root, tmp_path_factory.mktemp("lab"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(notebook, chromium, course_server, timings):
    before = lh.file_state(notebook)
    had_checkpoint = lh.checkpoint_of(notebook).exists()
    try:
        report = lh.exercise_notebook(chromium, course_server, notebook, lh.ARTIFACTS)
    finally:
        course_server.shutdown_kernels()
    timings[notebook.stem] = report.timings
    print(report.summary())

    report.raise_for_problems()
    assert report.screenshots or not report.explorers
    # (Someone else rewriting the notebook meanwhile, e.g. `make outputs`, also trips this.)
    assert lh.file_state(notebook) == before, f"{notebook.name} changed on disk during the test"
    assert had_checkpoint or not lh.checkpoint_of(notebook).exists(), (
        f"the test saved a checkpoint of {notebook.name}"
    )
