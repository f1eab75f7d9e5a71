"""What the browser tests do to a notebook, as small steps run one after the other.

:func:`exercise_notebook` opens one notebook, runs all cells from the Run menu, checks that
no cell shows an error and that widgets really render, then finds every explorer (CSS class
``cnnkit-explorer``) and moves each of its controls (see explorers.py). :func:`inspect_stored`
opens one notebook *without running it* and checks what its stored outputs show. Both collect
every problem they see in a :class:`NotebookReport` instead of stopping at the first one; a
step that fails outright ends the run and leaves its forensics (page state, a screenshot, the
server log) in the report.

Nothing here waits by sleeping: every wait is a condition polled in the page (kernel idle,
execution counts present, the view's content changed) with a time limit.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from explorers import ExplorerDriver
from labserver import LabServer, tail
from report import NotebookReport

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
PAGE_HELPERS_JS = HERE / "page_helpers.js"

RUN_ALL_TIMEOUT_S = 300  # a whole notebook, training included
MOVE_TIMEOUT_S = 30  # one control change redrawn by the kernel
BUTTON_TIMEOUT_S = 120  # a button such as "Train" runs for a while
VIEWPORT = {"width": 1280, "height": 900}


# --------------------------------------------------------------------------- one page


def new_page(browser: Any, report: NotebookReport) -> tuple[Any, Any]:
    """A fresh browser context and page that log console errors and any write to a file."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on(
        "console",
        lambda msg: report.console_errors.append(msg.text[:300]) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: report.console_errors.append(f"page error: {exc}"[:300]))

    def watch_writes(request: Any) -> None:
        # the only way the page writes a file is the contents API (checkpoints go to a temp dir)
        if "/api/contents/" in request.url and (
            request.method in ("PUT", "PATCH", "DELETE")
            or (request.method == "POST" and "/checkpoints" not in request.url)
        ):
            report.problems.append(
                f"the page asked the server to write: {request.method} {request.url.split('?')[0]}"
            )

    page.on("request", watch_writes)
    return context, page


def install_helpers(page: Any, rel: str) -> None:
    """Load page_helpers.js into the page and build window.__cnnkit for notebook ``rel``."""
    page.add_script_tag(path=str(PAGE_HELPERS_JS))
    page.evaluate("(path) => window.__cnnkitInstall(path)", rel)


def open_notebook(page: Any, server: LabServer, rel: str) -> None:
    """Open ``rel`` in JupyterLab and wait until its kernel is idle."""
    page.goto(server.lab_url(rel))
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=60_000
    )
    install_helpers(page, rel)
    page.wait_for_function("() => window.__cnnkit.panel() !== null", timeout=60_000)
    # The status bar, not the toolbar: Run All is ignored while the kernel is starting.
    page.wait_for_function("() => window.__cnnkit.idle()", polling=100, timeout=90_000)
    page.evaluate("() => window.__cnnkit.watchKernel()")


def clear_outputs(page: Any) -> None:
    """Clear the stored outputs, so every execution count seen later is a new one."""
    page.evaluate("() => window.jupyterapp.shell.activateById(window.__cnnkit.panel().id)")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function("() => window.__cnnkit.cleared()", polling=100, timeout=30_000)


def click_menu(page: Any, menu: str, item: str) -> bool:
    """Open a top menu and click one of its items; False if that item is not there."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).first.click()
    entry = page.locator(
        ".lm-Menu-content .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
        has_text=re.compile(f"^{re.escape(item)}$"),
    ).first
    try:
        entry.wait_for(state="visible", timeout=5000)
    except Exception:
        page.keyboard.press("Escape")
        return False
    entry.click()
    return True


def run_all(page: Any, report: NotebookReport, timeout_s: float) -> None:
    """Run All Cells from the Run menu, as a learner does; wait for the end and the widgets."""
    if not click_menu(page, "Run", "Run All Cells"):
        report.problems.append("the Run menu has no enabled 'Run All Cells' item")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => window.__cnnkit.runFinished()", polling=200, timeout=timeout_s * 1000
    )
    page.wait_for_function("() => window.__cnnkit.widgetsSettled()", polling=200, timeout=60_000)


def check_outputs(page: Any, report: NotebookReport) -> None:
    """Errors, tracebacks and raw widget reprs in any cell (each problem reported once)."""
    for problem in page.evaluate("() => window.__cnnkit.cellProblems()"):
        if problem not in report.problems:
            report.problems.append(problem)


def screenshot(page: Any, locator: Any, path: Path) -> None:
    """Screenshot one element whole: grow the window first if it is taller than the page."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    tall = box is not None and box["height"] + 200 > VIEWPORT["height"]
    if tall:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": int(box["height"]) + 300})
        page.evaluate("() => window.__cnnkit.frames()")
        locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    if tall:
        page.set_viewport_size(VIEWPORT)
        page.evaluate("() => window.__cnnkit.frames()")


def move_explorers(
    page: Any,
    report: NotebookReport,
    artifacts: Path,
    stem: str,
    move_timeout_s: float,
    button_timeout_s: float,
) -> None:
    """Screenshot every explorer as first drawn, then move all its controls.

    The pictures ``<stem>__explorer<i>.png`` are the ones the README shows (docs/images).
    """
    count = page.evaluate("() => window.__cnnkit.explorers().length")
    for i in range(count):
        page.wait_for_function(
            "(i) => window.__cnnkit.viewFilled(i)", arg=i, polling=100, timeout=30_000
        )
        explorer = ExplorerDriver(page, i, report, move_timeout_s, button_timeout_s)
        shot = artifacts / f"{stem}__explorer{i}.png"
        screenshot(page, explorer.locator, shot)
        report.screenshots.append(str(shot))
        explorer.exercise()
        if any(name.startswith("button") for name in explorer.verdicts):
            after = artifacts / f"{stem}__explorer{i}_after.png"
            screenshot(page, explorer.locator, after)
            report.screenshots.append(str(after))


def forensics(
    page: Any, report: NotebookReport, exc: BaseException, server: LabServer, shot: Path
) -> None:
    """Why a step failed: where, the page's state, a full-page screenshot, the server log."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).resolve().parent == HERE
    ]
    where = (
        f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} ({frames[-1].line})"
        if frames
        else ""
    )
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    report.problems.append(f"{type(exc).__name__}{where}: {first_line}")
    try:
        state = page.evaluate("() => window.__cnnkit ? window.__cnnkit.forensics() : 'no helpers'")
        report.problems.append(f"page state: {state}")
    except Exception as again:
        report.problems.append(f"(page state unavailable: {again})")
    try:
        page.screenshot(path=str(shot), full_page=True)
    except Exception as again:
        report.problems.append(f"(no screenshot: {again})")
    report.problems.append(f"server log tail:\n{tail(server.log, 1500)}")


# --------------------------------------------------------------------------- runner

Step = tuple[str, Callable[[], None]]


def run_steps(
    steps: list[Step], report: NotebookReport, on_failure: Callable[[Exception], None]
) -> None:
    """Run ``steps`` in order, timing each one; the first that raises ends the run."""
    for name, step in steps:
        started = time.perf_counter()
        try:
            step()
        except Exception as exc:
            on_failure(exc)
            return
        finally:
            report.timings[name] = time.perf_counter() - started


def _notebook_page(
    browser: Any, server: LabServer, notebook: Path, artifacts: Path
) -> tuple[NotebookReport, str, Any, Any]:
    report = NotebookReport(notebook.stem)
    artifacts.mkdir(parents=True, exist_ok=True)
    rel = notebook.resolve().relative_to(server.root_dir.resolve()).as_posix()
    context, page = new_page(browser, report)
    return report, rel, context, page


def exercise_notebook(
    browser: Any,
    server: LabServer,
    notebook: Path,
    artifacts: Path,
    run_timeout_s: float = RUN_ALL_TIMEOUT_S,
    move_timeout_s: float = MOVE_TIMEOUT_S,
    button_timeout_s: float = BUTTON_TIMEOUT_S,
    after_run: Callable[[Any], None] | None = None,
) -> NotebookReport:
    """Open ``notebook`` in JupyterLab, Run All, check the outputs, move every explorer control.

    ``after_run(page)``, if given, is called once all cells have run (the self-check uses it).
    """
    for old in artifacts.glob(f"{notebook.stem}__*.png"):
        old.unlink()  # this run's pictures only
    report, rel, context, page = _notebook_page(browser, server, notebook, artifacts)
    t0 = time.perf_counter()
    steps: list[Step] = [
        ("open", lambda: open_notebook(page, server, rel)),
        ("clear", lambda: clear_outputs(page)),
        ("run_all", lambda: run_all(page, report, run_timeout_s)),
        ("check_outputs", lambda: check_outputs(page, report)),
        ("after_run", lambda: after_run(page) if after_run is not None else None),
        (
            "explorers",
            lambda: move_explorers(
                page, report, artifacts, notebook.stem, move_timeout_s, button_timeout_s
            ),
        ),
        # widget callbacks may also print elsewhere in the notebook: look once more
        ("check_again", lambda: check_outputs(page, report)),
    ]
    try:
        run_steps(
            steps,
            report,
            lambda exc: forensics(
                page, report, exc, server, artifacts / f"{notebook.stem}__failure.png"
            ),
        )
    finally:
        report.timings["browser_total"] = time.perf_counter() - t0
        context.close()
    return report


# --------------------------------------------------------------------------- unexecuted


def wait_rendered(page: Any) -> None:
    """Wait until every stored output of the open notebook has its element on the page."""
    page.wait_for_function("() => window.__cnnkit.panel() !== null", timeout=60_000)
    page.wait_for_function("() => window.__cnnkit.rendered()", polling=200, timeout=60_000)


def check_stored_pictures(page: Any, report: NotebookReport, artifacts: Path, stem: str) -> None:
    """No widget repr shown as text anywhere; a picture in every stored widget output."""
    for found in page.evaluate("() => window.__cnnkit.rawReprs()"):
        report.problems.append(f"a widget's repr is shown as text: {found}")
    outputs = page.evaluate("() => window.__cnnkit.storedWidgetOutputs()")
    for out in outputs:
        where = f"code cell {out['cell']} ({out['source']})"
        seen = [p for p in out["pictures"] if p["width"] > 0 and p["height"] > 0 and p["loaded"]]
        if not seen:
            report.problems.append(
                f"{where} shows no picture without a kernel (shown as {out['mime'] or '?'}: "
                f"{out['text'][:120]!r})"
            )
        report.stored.append({"where": where, "mime": out["mime"], "pictures": len(seen)})
    locator = page.locator(".jp-NotebookPanel:visible .jp-OutputArea-output:has(.cnnkit-still)")
    for k in range(locator.count()):
        shot = artifacts / f"{stem}__stored{k}.png"
        screenshot(page, locator.nth(k), shot)
        report.screenshots.append(str(shot))


def inspect_stored(
    browser: Any, server: LabServer, notebook: Path, artifacts: Path
) -> NotebookReport:
    """Open ``notebook`` in JupyterLab *without running it* and check its stored outputs."""
    for old in artifacts.glob(f"{notebook.stem}__stored*.png"):
        old.unlink()
    report, rel, context, page = _notebook_page(browser, server, notebook, artifacts)
    t0 = time.perf_counter()

    def open_only() -> None:
        page.goto(server.lab_url(rel))
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=60_000
        )
        install_helpers(page, rel)

    steps: list[Step] = [
        ("open", open_only),
        ("rendered", lambda: wait_rendered(page)),
        ("pictures", lambda: check_stored_pictures(page, report, artifacts, notebook.stem)),
    ]
    try:
        run_steps(
            steps,
            report,
            lambda exc: forensics(
                page, report, exc, server, artifacts / f"{notebook.stem}__stored_failure.png"
            ),
        )
    finally:
        report.timings["browser_total"] = time.perf_counter() - t0
        context.close()
    return report
