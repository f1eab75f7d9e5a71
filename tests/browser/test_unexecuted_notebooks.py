"""Every course notebook as a learner first sees it: opened in JupyterLab, not run.

For each ``notebooks/NN_*.ipynb``: open it without running any cell and check that no
widget's repr (``Explorer(children=...``, ``HBox(children=...``, ``IntProgress``, ...) is shown
as text anywhere, and that every stored widget output (each explorer, each progress bar)
shows a picture of nonzero size. The fast twin of this test, on the .ipynb JSON alone, is
tests/unit/test_stored_notebook_pictures.py.
"""

from __future__ import annotations

import json

import labharness as lh
import pytest

NOTEBOOKS = lh.discover_notebooks()


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory):
    root = lh.server_root(NOTEBOOKS[0]) if NOTEBOOKS else lh.REPO
    server = lh.LabServer(root, tmp_path_factory.mktemp("lab-unexecuted"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_stored_notebook_shows_pictures_not_reprs(notebook, chromium, reading_server, timings):
    before = lh.file_state(notebook)
    try:
        report = lh.inspect_stored(chromium, reading_server, notebook, lh.ARTIFACTS)
    finally:
        reading_server.shutdown_kernels()
    timings[f"{notebook.stem} (unexecuted)"] = report.timings
    print(report.summary())

    report.raise_for_problems()
    # the page must have found every widget output the file holds (none missed unseen)
    stored = [
        o
        for c in json.loads(notebook.read_text())["cells"]
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(report.stored) == len(stored), (report.stored, len(stored))
    assert lh.file_state(notebook) == before, f"{notebook.name} changed on disk during the test"
