"""Notebook 08 in JupyterLab: paint the drawing pad with the mouse and with the keyboard, and
upload files through the FileUpload button (a picture, and a file that is not a picture).

The general harness (test_notebooks_in_lab.py) clicks every button of every explorer, of the
pad's 64 cells the first, middle and last (the unit tests click all 64 in Python); this test
checks what those clicks and an upload do: the view (probabilities and feature maps)
changes, a pad cell takes the brush's colour, and a file that is not a picture gets a
message in words, not a traceback.
"""

from __future__ import annotations

import io

import labharness as lh
import pytest
from explorers import ExplorerDriver
from steps import check_outputs, clear_outputs, open_notebook, run_all

NOTEBOOK = lh.NOTEBOOK_DIR / "08_what_the_network_learned.ipynb"
PAD, OWN = 1, 2  # explorer order in the notebook: why, drawing pad, own picture


def _png() -> bytes:
    """A small PNG of a dark bar on white paper."""
    from PIL import Image

    picture = Image.new("L", (40, 40), 255)
    for y in range(5, 35):
        for x in range(17, 23):
            picture.putpixel((x, y), 0)
    buffer = io.BytesIO()
    picture.save(buffer, format="png")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = lh.LabServer(lh.server_root(NOTEBOOK), tmp_path_factory.mktemp("lab"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.browser
def test_drawing_pad_and_upload(chromium, lab):
    report = lh.NotebookReport(NOTEBOOK.stem)
    rel = NOTEBOOK.resolve().relative_to(lab.root_dir.resolve()).as_posix()
    context = chromium.new_context(viewport=lh.VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_notebook(page, lab, rel)
        clear_outputs(page)
        run_all(page, report, lh.RUN_ALL_TIMEOUT_S)
        check_outputs(page, report)
        assert not report.problems, report.problems

        pad = ExplorerDriver(page, PAD, report, lh.MOVE_TIMEOUT_S, lh.BUTTON_TIMEOUT_S)
        cells = pad.locator.locator(".cnnkit-pad button")
        assert cells.count() == 64
        full = pad.locator.locator("button.widget-toggle-button", has_text="full ink").first
        pad.act("brush: full ink", full.click)  # the notebook leaves the half-ink brush chosen
        cell = cells.nth(27)
        before = cell.evaluate("(b) => getComputedStyle(b).backgroundColor")
        assert pad.act("click a pad cell", lambda: cell.click()) == "changed"
        after = cell.evaluate("(b) => getComputedStyle(b).backgroundColor")
        assert after != before and after == "rgb(0, 0, 0)"  # full ink is black
        # keyboard only: focus a cell, paint it with Enter, Tab to the next, paint with Space
        assert (
            pad.act(
                "Enter on a focused cell",
                lambda: (cells.nth(35).focus(), page.keyboard.press("Enter")),
            )
            == "changed"
        )
        assert (
            pad.act(
                "Tab then Space", lambda: (page.keyboard.press("Tab"), page.keyboard.press(" "))
            )
            == "changed"
        )
        assert (
            cells.nth(36).evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(0, 0, 0)"
        )
        for name in ("Clear", "Next test digit", "Invert"):
            button = pad.locator.locator("button.widget-button", has_text=name).first
            assert pad.act(name, button.click) == "changed", name

        own = ExplorerDriver(page, OWN, report, lh.MOVE_TIMEOUT_S, lh.BUTTON_TIMEOUT_S)
        upload_button = own.locator.locator(".widget-upload").first

        def upload(payload: dict) -> None:
            """Press Upload and choose the file in the browser's file chooser."""
            with page.expect_file_chooser() as chooser:
                upload_button.click()
            chooser.value.set_files(payload)

        files = {
            "name": "notes.txt",
            "mimeType": "text/plain",
            "buffer": b"these are notes, not a picture",
        }
        assert own.act("upload a text file", lambda: upload(files)) == "changed"
        message = own.locator.locator(".cnnkit-message")
        assert message.count() == 1 and "notes.txt is not an image" in message.inner_text()
        picture = {"name": "bar.png", "mimeType": "image/png", "buffer": _png()}
        assert own.act("upload a picture", lambda: upload(picture)) == "changed"
        assert own.locator.locator(".cnnkit-message").count() == 0
        assert own.locator.locator(".cnnkit-view img").count() >= 1
        assert not report.problems, report.problems
    finally:
        lab.shutdown_kernels()
        context.close()
