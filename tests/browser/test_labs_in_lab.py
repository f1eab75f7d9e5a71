"""A learner's path through a lab notebook in JupyterLab, in a real browser.

Open the convolution lab, Run All (the check says "not written yet" and the explorer says
the learner's function is not written), write a correct convolution into the stub cell (in a
style unlike the reference), run it and the check cell again, see the green "passed" panel,
then move the kernel explorer (its "show" buttons): it now runs the learner's new function
and says it gives the same feature map as cnnkit. Then the harness moves every
control of every explorer as for any notebook. The notebook file must be unchanged on
disk (autosave is off).
"""

from __future__ import annotations

import json

import labharness as lh
import pytest

NOTEBOOK = lh.NOTEBOOK_DIR / "03b_lab_conv2d_forward.ipynb"

# A correct convolution as a learner might write it: pad, then one window at a time, einsum.
LEARNER_CODE = """def conv2d_forward(x, weight, bias, stride, padding):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = weight.shape[2:]
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], weight.shape[0], oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, weight) + bias
    return out
"""

# JupyterLab's own objects: put text into the cell tagged `tag` and run it.
RUN_TAGGED = r"""
([tag, source]) => {
  const api = window.__cnnkit;
  const panel = api.panel();
  const cells = panel.content.widgets;
  const index = cells.findIndex((c) => api.tags(c).includes(tag));
  if (index < 0) return -1;
  if (source !== null) cells[index].model.sharedModel.setSource(source);
  panel.content.activeCellIndex = index;
  window.jupyterapp.commands.execute('notebook:run-cell');
  return index;
}
"""
CELL_TEXT = """(index) => window.__cnnkit.panel().content.widgets[index].node
                  .querySelector('.jp-OutputArea').textContent"""


def _run_tagged(page, tag: str, source: str | None, expect: str) -> str:
    index = page.evaluate(RUN_TAGGED, [tag, source])
    assert index >= 0, f"no cell tagged {tag}"
    page.wait_for_function(
        f"(i) => ({CELL_TEXT})(i).includes({json.dumps(expect)})",
        arg=index,
        polling=200,
        timeout=60_000,
    )
    page.wait_for_function("() => window.__cnnkit.idle()", polling=100, timeout=60_000)
    return page.evaluate(CELL_TEXT, index)


@pytest.mark.browser
def test_learner_fixes_the_stub_and_the_explorer_runs_it(chromium, tmp_path_factory, timings):
    before = lh.file_state(NOTEBOOK)
    seen: dict[str, str] = {}

    def learner(page) -> None:
        view = "() => window.__cnnkit.view(0).textContent"
        seen["stub view"] = page.evaluate(view)
        check_index = page.evaluate(
            "() => window.__cnnkit.panel().content.widgets.findIndex("
            "(c) => window.__cnnkit.tags(c).includes('lab-check'))"
        )
        seen["stub check"] = page.evaluate(CELL_TEXT, check_index)
        _run_tagged(page, "lab-stub", LEARNER_CODE, "")
        seen["check"] = _run_tagged(page, "lab-check", None, "passed")
        report = lh.NotebookReport(NOTEBOOK.stem)
        explorer = lh.ExplorerDriver(page, 0, report, lh.MOVE_TIMEOUT_S, lh.BUTTON_TIMEOUT_S)
        kernel = next(
            c for c in lh.find_controls(explorer.locator) if c.name.startswith("toggle-buttons")
        )
        seen["move"] = explorer.move(kernel, "moved after the fix")
        seen["fixed view"] = page.evaluate(view)
        assert not report.problems, report.problems

    server = lh.LabServer(lh.server_root(NOTEBOOK), tmp_path_factory.mktemp("lab"))
    server.start()
    try:
        report = lh.exercise_notebook(chromium, server, NOTEBOOK, lh.ARTIFACTS, after_run=learner)
    finally:
        server.shutdown_kernels()
        server.stop()
    timings[f"{NOTEBOOK.stem} (learner)"] = report.timings
    print(report.summary())
    report.raise_for_problems()
    assert "not written yet" in seen["stub check"], seen
    assert "not written yet" in seen["stub view"], seen
    assert "conv2d_forward: passed" in seen["check"], seen
    assert seen["move"] == "changed", seen
    assert "your conv2d_forward gives the same feature map as cnnkit" in seen["fixed view"], seen
    assert lh.file_state(NOTEBOOK) == before, f"{NOTEBOOK.name} changed on disk during the test"
