"""One notebook in JupyterLab, checked for accessibility: axe-core, and the keyboard alone.

The notebook is opened and run once (Run All), then:

- axe-core (from the npm registry, as CI installs it; path in ``CNNKIT_AXE``) checks the
  notebook's own DOM (``.jp-NotebookPanel``: its cells, outputs and explorers) and must find no
  serious or critical violation;
- every control of every explorer is reached with Tab, must show that it has the focus (an
  outline or a box shadow), and is moved with the keyboard only (arrows, Enter, Space, typing),
  after which the explorer's view must change (see ``KEYS`` in controls.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import labharness as lh
import pytest
from controls import UNDOABLE, keyboard_controls
from explorers import ExplorerDriver
from report import NotebookReport
from steps import check_outputs, clear_outputs, new_page, open_notebook, run_all

#: Notebook 03 (sliders and toggle buttons) and 02 (also a dropdown and a text box).
NOTEBOOKS = [
    lh.NOTEBOOK_DIR / "03_stride_padding_output_size.ipynb",
    lh.NOTEBOOK_DIR / "02_kernels_feature_maps_nodes.ipynb",
]
AXE = Path(
    os.environ.get(
        "CNNKIT_AXE", lh.REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
    )
)
SERIOUS = ("serious", "critical")
#: Parts of the notebook panel that are JupyterLab's own, not the course's, which axe may not
#: judge because nothing in this project can change them. Each entry says why; never a rule.
EXCLUDE: list[tuple[str, str]] = [
    # The code editor of each cell is JupyterLab's CodeMirror 6: its role="textbox" element
    # (.cm-content) gets a name only through CodeMirror's EditorView.contentAttributes, which
    # JupyterLab 4.6 does not set for cell editors (codemirror/dev#1127 says the embedding
    # application must; jupyterlab/jupyterlab#10347 tracks the cells' labels). A notebook's
    # content cannot reach the editor's DOM, and a JupyterLab extension is out of scope.
    (".jp-Cell .cm-content", "JupyterLab's code editor"),
    # ipywidgets 8.1 draws a slider's handle with noUiSlider (role="slider") and creates it
    # with no handleAttributes, so the handle has no aria-label, and the slider's <label>
    # cannot label a <div>. No widget trait reaches the handle (description,
    # description_allow_html, style and layout all act on other elements), and the kernel
    # cannot change a view's DOM: the fix belongs in ipywidgets' slider view (noUiSlider
    # takes a handleAttributes option for exactly this; ipywidgets does not pass one).
    # The handle's value is read out (aria-valuetext) and the label is drawn beside it.
    (".widget-slider .noUi-handle", "ipywidgets' slider handle has no accessible name"),
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def ran_notebook(request, chromium, tmp_path_factory):
    """JupyterLab with the notebook open and run once: (page, report)."""
    NOTEBOOK = request.param
    before = lh.file_state(NOTEBOOK)
    server = lh.LabServer(lh.server_root(NOTEBOOK), tmp_path_factory.mktemp("lab"))
    server.start()
    report = NotebookReport(NOTEBOOK.stem)
    context, page = new_page(chromium, report)
    try:
        rel = NOTEBOOK.resolve().relative_to(server.root_dir.resolve()).as_posix()
        open_notebook(page, server, rel)
        clear_outputs(page)
        run_all(page, report, lh.RUN_ALL_TIMEOUT_S)
        check_outputs(page, report)
        report.raise_for_problems()
        yield page, report
    finally:
        context.close()
        server.shutdown_kernels()
        server.stop()
    assert lh.file_state(NOTEBOOK) == before, f"{NOTEBOOK.name} changed on disk"


def test_axe_finds_no_serious_violation_in_the_notebook(ran_notebook):
    page, report = ran_notebook
    if not AXE.exists():
        message = (
            f"axe-core not found at {AXE} (install it with npm into .ci/node, as CI does, "
            f"or set CNNKIT_AXE)"
        )
        if os.environ.get(lh.REQUIRE_ENV) == "1":
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (exclude) => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
            const context = {include: cells, exclude: exclude.map((s) => [s])};
            const result = await axe.run(context, {resultTypes: ['violations']});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.html.slice(0, 300))}));
        }""",
        [selector for selector, _ in EXCLUDE],
    )
    serious = [v for v in found if v["impact"] in SERIOUS]
    lines = [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}\n    "
        + "\n    ".join(v["nodes"][:12])
        for v in serious
    ]
    print(json.dumps([{k: v[k] for k in ("id", "impact")} for v in found]))
    assert not serious, f"axe-core found in {report.notebook}:\n" + "\n".join(lines)


def test_every_figure_in_the_notebook_has_a_text_alternative(ran_notebook):
    """Figures shown with plt.show() reach JupyterLab as HTML <img> with an alt from their
    titles (cnnkit.viz.register_figure_alt_text), so none is left to JupyterLab's image
    renderer, which gives none."""
    page, report = ran_notebook
    alts = page.evaluate(
        """() => [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')]
              .map((e) => e.getAttribute('alt'))"""
    )
    assert len(alts) >= 5, f"{report.notebook}: only {len(alts)} images in the outputs"
    words = [(a or "").removeprefix("Figure:").strip() for a in alts]
    bad = [w for w in words if not w or w == "Figure" or "no titles" in w]
    assert not bad, f"{report.notebook}: images without a meaningful alt: {bad[:10]}"


# --------------------------------------------------------------------------- keyboard alone

#: What a learner can reach with Tab inside an explorer (outside its view).
FOCUSABLE = "button, input, select, textarea, [tabindex]:not([tabindex='-1'])"
FOCUS_JS = """(e) => {
    const s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return {outline: outline ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : '',
            shadow: s.boxShadow !== 'none' ? s.boxShadow : ''};
}"""


def tab_to(page, explorer, target) -> int:
    """Reach ``target`` with Tab from the explorer's first control; the number of presses.

    The first control gets the focus from code (the place where a learner's Tab would
    arrive from the cell above); every other one only by pressing Tab.
    """
    page.evaluate(
        """([ex, sel]) => [...ex.querySelectorAll(sel)].find(
               (e) => !e.closest('.cnnkit-view') && !e.disabled).focus()""",
        [explorer.element_handle(), FOCUSABLE],
    )
    for presses in range(60):
        if target.evaluate("(t) => t.contains(document.activeElement)"):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError("not reached with 60 presses of Tab")


class KeyboardLearner:
    """Moves the controls of one explorer with keys only, checking the focus before each move."""

    def __init__(self, page, driver: ExplorerDriver, problems: list[str]) -> None:
        self.page, self.driver, self.problems = page, driver, problems
        self.controls = keyboard_controls(driver.locator)
        self.moves = 0

    def press(self, kind: str, control, back: bool) -> str:
        """Tab to ``control``, check its focus shows, press its keys; the view's verdict."""
        where = f"{self.driver.where()}: {control.name}{' (back)' if back else ''}"
        target = control.target(back)
        try:
            tab_to(self.page, self.driver.locator, target)
        except AssertionError as exc:
            self.problems.append(f"{where}: {exc}")
            return "unreached"
        style = self.page.evaluate(f"() => ({FOCUS_JS})(document.activeElement)")
        if not (style["outline"] or style["shadow"]):
            self.problems.append(f"{where}: no visible focus (no outline, no box shadow)")
        self.moves += 1
        return self.driver.act(
            where, lambda: control.keys(self.page.keyboard, back), slow=kind == "button"
        )

    def exercise(self) -> None:
        for kind, control in self.controls:
            outcome = self.press(kind, control, back=False)
            if outcome == "unchanged" and kind in UNDOABLE:
                outcome = self.retry(kind, control)
            elif kind in UNDOABLE and outcome == "changed":
                self.press(kind, control, back=True)
            if outcome != "changed":
                self.problems.append(
                    f"{self.driver.where()}: {control.name}: the view "
                    f"{outcome} after its keys, also after moving the others"
                )

    def retry(self, kind: str, control) -> str:
        """``control`` changed nothing in this state (padding while the mode is 'same'):
        move it back, then try it again after moving each other control one step."""
        self.press(kind, control, back=True)
        for other_kind, other in self.controls:
            if other is control or other_kind not in UNDOABLE:
                continue
            self.press(other_kind, other, back=False)
            outcome = self.press(kind, control, back=False)
            self.press(kind, control, back=True)
            self.press(other_kind, other, back=True)
            if outcome == "changed":
                return outcome
        return "unchanged"


def test_every_control_works_with_the_keyboard_alone(ran_notebook):
    page, report = ran_notebook
    count = page.evaluate("() => window.__cnnkit.explorers().length")
    assert count > 0, f"{report.notebook} shows no explorer"
    problems: list[str] = []
    moves = controls = 0
    for i in range(count):
        driver = ExplorerDriver(page, i, report, lh.MOVE_TIMEOUT_S, lh.BUTTON_TIMEOUT_S)
        driver.title = page.evaluate("(i) => window.__cnnkit.title(i)", i) or f"#{i}"
        driver.locator.scroll_into_view_if_needed()
        learner = KeyboardLearner(page, driver, problems)
        learner.exercise()
        moves, controls = moves + learner.moves, controls + len(learner.controls)
        if not learner.controls:
            problems.append(f"{driver.where()} has no control the keyboard can reach")
    print(f"{moves} keyboard moves of {controls} controls in {count} explorers")
    problems += report.problems
    assert not problems, "\n".join(problems)
