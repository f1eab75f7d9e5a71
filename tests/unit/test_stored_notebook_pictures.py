"""Every widget in a stored notebook also leaves a picture for viewers without a kernel.

Fast (reads the .ipynb JSON, no kernel, no browser). The browser test
``tests/browser/test_unexecuted_notebooks.py`` checks what JupyterLab really shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: What a viewer shows when a widget output has nothing else: its Python repr.
RAW_REPR = re.compile(r"\b(Explorer|HBox|VBox|interactive)\(children=|IntProgress")
PICTURE = re.compile(r"<(img|svg|canvas)\b", re.IGNORECASE)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def widget_output_problems(notebook: dict) -> list[str]:
    """What is wrong with the widget outputs of one notebook (JSON as stored), in words."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    problems = []
    code_cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, 1):
        first_line = _text(cell.get("source", "")).split("\n")[0][:60]
        where = f"code cell {number} ({first_line})"
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                if (
                    RAW_REPR.search(_text(data.get("text/plain", "")))
                    and "text/html" not in data
                    and "image/png" not in data
                ):
                    problems.append(f"{where} stores only a widget's repr as text")
                continue
            if data[WIDGET_VIEW].get("model_id") in state:
                continue
            html = _text(data.get("text/html", ""))
            if "image/png" not in data and not PICTURE.search(html):
                problems.append(
                    f"{where} stores a widget view with no picture beside it "
                    f"(mime types: {sorted(data)})"
                )
            if RAW_REPR.search(_text(data.get("text/plain", ""))):
                problems.append(f"{where} stores the widget's repr as its text/plain")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_widget_output_carries_a_picture(path):
    problems = widget_output_problems(json.loads(path.read_text()))
    assert not problems, (
        f"{path.name}: "
        + "; ".join(problems)
        + ". Re-execute it: python tools/run_notebooks.py "
        + path.as_posix()
    )


def _notebook(*outputs, metadata=None) -> dict:
    cell = {"cell_type": "code", "source": "explorer", "outputs": list(outputs)}
    return {"cells": [cell], "metadata": metadata or {}}


def _view(model_id="m1", **extra) -> dict:
    return {"output_type": "display_data", "data": {WIDGET_VIEW: {"model_id": model_id}, **extra}}


@pytest.mark.parametrize(
    "stored, fault",
    [
        (_notebook(_view(**{"text/plain": "Explorer: a title"})), "no picture"),
        (
            _notebook(
                _view(
                    **{
                        "text/plain": "HBox(children=(IntProgress(value=0),))",
                        "text/html": '<img src="data:image/svg+xml;base64,AA">',
                    }
                )
            ),
            "repr",
        ),
        (_notebook(_view(**{"text/html": "<b>only words</b>"})), "no picture"),
        (
            _notebook(
                {
                    "output_type": "display_data",
                    "data": {"text/plain": "VBox(children=(IntSlider(value=2),))"},
                }
            ),
            "repr",
        ),
        (
            _notebook(_view("m2"), metadata={"widgets": {WIDGET_STATE: {"state": {"m1": {}}}}}),
            "no picture",
        ),
    ],
)
def test_the_check_finds_each_kind_of_fault(stored, fault):
    problems = widget_output_problems(stored)
    assert len(problems) == 1 and fault in problems[0], problems


@pytest.mark.parametrize(
    "stored",
    [
        _notebook(
            _view(**{"text/plain": "Explorer: digits", "text/html": "<div><img src=x></div>"})
        ),
        _notebook(_view(**{"image/png": "iVBOR", "text/plain": "a figure"})),
        _notebook(_view("m1"), metadata={"widgets": {WIDGET_STATE: {"state": {"m1": {}}}}}),
        _notebook({"output_type": "stream", "name": "stdout", "text": "no widget here"}),
    ],
)
def test_the_check_accepts_a_picture_or_saved_state(stored):
    assert widget_output_problems(stored) == []
