"""Every figure a notebook shows carries a text alternative that says what it shows.

JupyterLab draws a plain PNG output with no alt text, so, once
:func:`cnnkit.viz.register_figure_alt_text` has run, IPython shows every matplotlib figure
also as ``text/html``: the same PNG in an ``<img>`` whose alt is
built from the figure's titles. The first tests drive that printer through IPython's own
display formatter; the last ones read the stored outputs of every notebook.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.core.pylabtools import print_figure

from cnnkit.viz import figure_img, register_figure_alt_text

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ALT = re.compile(r'\balt="([^"]*)"')
SRC = re.compile(r'\bsrc="data:image/png;base64,([^"]*)"')


class _Shell:
    """What register_figure_alt_text needs of IPython's shell: its display formatter, with
    the PNG printer the inline backend registers."""

    def __init__(self, retina: bool = False) -> None:
        self.display_formatter = DisplayFormatter()
        self.drawn = 0
        png = self.display_formatter.formatters["image/png"]

        def printer(fig):
            self.drawn += 1
            data = print_figure(fig, "png", bbox_inches="tight", base64=True)
            return (data, {"width": 123, "height": 45}) if retina and data else data

        png.for_type(plt.Figure, printer)


def _titled_figure():
    fig, (a, b) = plt.subplots(1, 2, figsize=(3, 2))
    fig.suptitle('Input & "kernel"')
    a.set_title("input image")
    b.set_title("feature map")
    return fig


def test_outside_ipython_nothing_is_registered():
    assert register_figure_alt_text() is False


def test_a_figure_shows_as_an_img_with_its_titles_as_alt():
    shell = _Shell()
    assert register_figure_alt_text(shell) is True
    fig = _titled_figure()
    data, _ = shell.display_formatter.format(fig)
    plt.close(fig)
    assert {"text/plain", "image/png", "text/html"} <= set(data)
    tag = data["text/html"]
    assert IMG.fullmatch(tag), tag[:120]
    assert SRC.search(tag).group(1) == data["image/png"]  # the same picture, not a second one
    assert shell.drawn == 1  # drawn once for both
    alt = html.unescape(ALT.search(tag).group(1))
    assert alt == 'Figure: Input & "kernel"; input image; feature map'
    assert "&quot;" in tag and "&amp;" in tag  # escaped inside the attribute


def test_registering_twice_keeps_one_printer_and_draws_once():
    shell = _Shell()
    register_figure_alt_text(shell)
    register_figure_alt_text(shell)
    fig = _titled_figure()
    data, _ = shell.display_formatter.format(fig)
    again, _ = shell.display_formatter.format(fig)  # shown a second time: drawn again
    plt.close(fig)
    assert shell.drawn == 2 and again["image/png"] == data["image/png"]


def test_a_retina_figure_keeps_its_display_width():
    shell = _Shell(retina=True)
    register_figure_alt_text(shell)
    fig = _titled_figure()
    data, _ = shell.display_formatter.format(fig)
    plt.close(fig)
    assert 'width="123"' in data["text/html"]
    assert SRC.search(data["text/html"]).group(1) == data["image/png"]


def test_an_empty_figure_shows_no_html_either():
    shell = _Shell()
    register_figure_alt_text(shell)
    fig = plt.figure()
    data, _ = shell.display_formatter.format(fig)
    plt.close(fig)
    assert "image/png" not in data and "text/html" not in data


def test_figure_img_escapes_the_alt_text():
    fig, ax = plt.subplots()
    ax.set_title('a <b> "c"')
    tag = figure_img(fig, "AAAA")
    plt.close(fig)
    assert tag == '<img src="data:image/png;base64,AAAA" alt="Figure: a &lt;b&gt; &quot;c&quot;">'


def test_a_title_of_symbols_only_is_followed_by_what_the_axes_plot():
    fig, ax = plt.subplots()
    ax.set_title("k=3, s=2, p=0")
    ax.set_xlabel("input size n")
    ax.set_ylabel("output size")
    tag = figure_img(fig, "AAAA")
    plt.close(fig)
    assert 'alt="Figure: k=3, s=2, p=0 (output size against input size n)"' in tag
    assert meaningful("Figure: k=3, s=2, p=0 (output size against input size n)")
    assert not meaningful("Figure: k=3, s=2, p=0")


# --------------------------------------------------------------------------- stored notebooks


def meaningful(alt: str) -> bool:
    """An alt text that says what the picture shows: words from its titles, not a stand-in."""
    words = re.sub(r"^Figure:\s*", "", alt.strip())
    if not words or words == "Figure" or alt.startswith("Figure with"):
        return False
    return len(re.findall(r"[A-Za-z]{3,}", words)) >= 1


def image_problems(notebook: dict) -> list[str]:
    """Every figure or picture in a notebook's stored outputs without a meaningful alt."""
    problems = []
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(code_cells, 1):
        where = f"code cell {number} ({''.join(cell['source']).splitlines()[0][:50]!r})"
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            page = "".join(data.get("text/html", ""))
            tags = IMG.findall(page)
            if "image/png" in data and not tags:
                problems.append(f"{where}: a PNG with no <img> and alt text beside it")
            for tag in tags:
                alt = ALT.search(tag)
                if alt is None or not meaningful(html.unescape(alt.group(1))):
                    shown = alt.group(1) if alt else "no alt"
                    problems.append(f"{where}: an image whose alt says too little: {shown!r}")
            if "image/png" in data and tags:
                png = "".join(data["image/png"]).replace("\n", "")
                if not any((SRC.search(t) or [None, None])[1] == png for t in tags):
                    problems.append(f"{where}: the <img> is not the stored PNG")
    return problems


def test_the_check_finds_missing_and_empty_alt_texts():
    def nb(data):
        cell = {"cell_type": "code", "source": ["plt.show()"], "outputs": []}
        cell["outputs"].append({"output_type": "display_data", "data": data})
        return {"cells": [cell]}

    png = {"image/png": "AAAA", "text/plain": "<Figure>"}
    assert image_problems(nb(png))  # no <img> at all
    for alt in ("", "Figure", "Figure with 2 panels and no titles", "Figure: 3x3"):
        page = f'<img src="data:image/png;base64,AAAA" alt="{alt}">'
        assert image_problems(nb({**png, "text/html": page})), alt
    page = '<img src="data:image/png;base64,BBBB" alt="Figure: input image">'
    assert image_problems(nb({**png, "text/html": page}))  # another picture
    assert not image_problems(nb({**png, "text/html": page.replace("BBBB", "AAAA")}))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_a_notebook_shows_has_a_meaningful_alt_text(path):
    notebook = json.loads(path.read_text())
    problems = image_problems(notebook)
    assert not problems, f"{path.name}:\n" + "\n".join(problems[:20])
