"""Accessibility of the explorers and figures, checked without a browser.

- every control of every explorer the course builds has a label a screen reader reads;
- every figure has a text alternative (``describe_figure``), carried by the explorers' live
  views and by their still pictures as the ``alt`` of the ``<img>``;
- figures are drawn on an opaque white page, readable in JupyterLab's dark theme too.
"""

from __future__ import annotations

import base64
import inspect
import io
import re

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import cnnkit
import cnnkit.widgets as cw
from cnnkit.viz import FIGURE_RC, describe_figure, setup_notebook, signed_imshow
from cnnkit.widgets import _explorer, _snapshot
from cnnkit.widgets import training_a_cnn as wt

FACTORIES = sorted(name for name in cw.__all__ if name.endswith("_explorer"))
#: Words that label nothing: a control described by one of these does not say what it sets.
VAGUE = {
    "",
    "value",
    "x",
    "y",
    "slider",
    "control",
    "option",
    "select",
    "input",
    "button",
    "text",
    "choose",
    "pick",
}


@pytest.fixture(scope="module")
def explorers():
    """Every explorer the course builds, with default arguments (data where one is needed)."""
    images, labels = cnnkit.load_digits()
    needs = {
        "layers_explorer": (cnnkit.digits_cnn(seed=0), images[:40], labels[:40]),
        "own_image_explorer": (cnnkit.digits_cnn(seed=0),),
        "why_explorer": (cnnkit.digits_cnn(seed=0), images[:40], labels[:40]),
    }
    built = {}
    for name in FACTORIES:
        required = [
            p.name
            for p in inspect.signature(getattr(cw, name)).parameters.values()
            if p.default is p.empty and p.kind is not p.VAR_KEYWORD
        ]
        assert not required or name in needs, f"{name} needs {required}: add them to `needs`"
        built[name] = getattr(cw, name)(*needs.get(name, ()))
    yield built
    plt.close("all")


def _controls(widget):
    """Every widget a learner operates inside ``widget`` (not outputs, text or layout)."""
    if isinstance(widget, widgets.Box):
        for child in widget.children:
            yield from _controls(child)
    elif not isinstance(widget, (widgets.Output, widgets.HTML, widgets.HTMLMath, widgets.Label)):
        yield widget


def _name(control) -> str:
    """What a screen reader announces for ``control``: its description, else its tooltip."""
    for text in (getattr(control, "description", ""), getattr(control, "tooltip", "") or ""):
        if text.strip():
            return text.strip()
    return ""


def test_every_explorer_factory_is_walked():
    assert len(FACTORIES) >= 10
    assert {"output_size_explorer", "training_explorer", "kernel_learning_explorer"} <= set(
        FACTORIES
    )


@pytest.mark.parametrize("factory", FACTORIES)
def test_every_control_has_a_label_that_says_what_it_sets(explorers, factory):
    controls = list(_controls(explorers[factory]))
    assert controls, f"{factory} has no control"
    for control in controls:
        kind = type(control).__name__
        name = _name(control)
        assert name.lower() not in VAGUE, f"{factory}: a {kind} has no label ({name!r})"
        assert not getattr(control, "description_allow_html", False), (
            f"{factory}: {kind} {name!r} lets HTML into its label"
        )
        if isinstance(control, widgets.Button):
            # a short caption ("+1") is read with its tooltip, which must say what it does
            assert len(control.description.strip()) >= 4 or len(control.tooltip or "") >= 8, (
                f"{factory}: button {control.description!r} needs a tooltip saying what it does"
            )
        else:
            assert len(control.description.strip()) >= 3, (
                f"{factory}: {kind} {control.description!r} has too short a label"
            )
        labels = getattr(control, "_options_labels", None)
        if labels is not None:
            assert all(str(label).strip() for label in labels), (
                f"{factory}: {kind} {name!r} has an option without a label"
            )


def test_the_walker_notices_a_control_without_a_label():
    box = widgets.VBox(
        [
            widgets.HBox([widgets.IntSlider(description="steps"), widgets.IntSlider()]),
            widgets.Output(),
        ]
    )
    names = [_name(c) for c in _controls(box)]
    assert names == ["steps", ""]
    assert _name(widgets.Button(description="", tooltip="one more step")) == "one more step"


# --------------------------------------------------------------------------- text alternatives


def test_describe_figure_reads_every_title_in_order():
    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle("A kernel at work")
    signed_imshow(a, np.eye(3), "kernel\n3x3")
    b.set_title("feature map")
    text = describe_figure(fig)
    plt.close(fig)
    assert text == (
        "Figure: A kernel at work; kernel 3x3; feature map; colour bar: value (0 = white)"
    )


def test_describe_figure_without_titles_counts_its_panels():
    fig, _ = plt.subplots(1, 3)
    assert describe_figure(fig) == "Figure with 3 panels and no titles"
    plt.close(fig)
    fig = plt.figure()
    assert describe_figure(fig) == "Figure with 0 panels and no titles"
    plt.close(fig)


@pytest.mark.parametrize("factory", FACTORIES)
def test_every_live_figure_has_an_alt_text_from_its_titles(explorers, factory):
    found = 0
    for out in explorers[factory].outputs_shown():
        for output in out.outputs:
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            found += 1
            alt = data["text/plain"]
            assert alt.startswith("Figure: ") and len(alt) > len("Figure: ") + 3, alt
            tag = re.fullmatch(
                r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)">', data["text/html"]
            )
            assert tag, data["text/html"][:200]
            assert tag.group(1) == data["image/png"]
    if factory not in ("training_explorer", "generalisation_explorer"):  # empty until Train
        assert found, f"{factory} shows no figure as first drawn"


def test_still_picture_carries_the_figures_alt_text():
    fig, ax = plt.subplots()
    ax.set_title('input "6x6" & kernel')
    output = _explorer.figure_output(fig)
    still = _snapshot.outputs_to_html([output])
    assert 'alt="Figure: input &quot;6x6&quot; &amp; kernel"' in still
    assert "<img" in still and still.count("<img") == 1
    # an image output from elsewhere, with matplotlib's own text, still gets an alt
    plain = {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "image/png": output["data"]["image/png"],
            "text/plain": "<Figure size 640x480 with 1 Axes>",
        },
    }
    assert 'alt="Figure"' in _snapshot.outputs_to_html([plain])


def test_explorer_still_picture_has_alt_text_on_every_image(explorers):
    still = explorers["output_size_explorer"].still_html()
    images = re.findall(r"<img [^>]*>", still)
    assert images
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and alt.group(1).strip(), image[:120]


# --------------------------------------------------------------------------- dark theme


def _corner_pixel(png: bytes) -> tuple:
    return Image.open(io.BytesIO(png)).convert("RGBA").getpixel((0, 0))


def test_setup_notebook_draws_on_an_opaque_white_page():
    with matplotlib.rc_context():
        plt.rcParams.update({"figure.facecolor": (0, 0, 0, 0), "savefig.transparent": True})
        setup_notebook()
        for key, value in FIGURE_RC.items():
            assert plt.rcParams[key] == value, key
        fig, ax = plt.subplots()
        ax.plot([0, 1])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    assert _corner_pixel(buffer.getvalue()) == (255, 255, 255, 255)


def test_explorer_figures_are_opaque_white_even_with_transparent_settings():
    with matplotlib.rc_context(
        {
            "figure.facecolor": (0, 0, 0, 0),
            "savefig.transparent": True,
            "savefig.facecolor": (0, 0, 0, 0),
        }
    ):
        fig, ax = plt.subplots()
        ax.set_title("t")
        output = _explorer.figure_output(fig)
    png = base64.b64decode(output["data"]["image/png"])
    assert _corner_pixel(png) == (255, 255, 255, 255)


def test_explorers_show_keyboard_focus(explorers):
    style = explorers["digit_explorer"].children[0]
    assert isinstance(style, widgets.HTML) and ":focus-visible" in style.value
    assert "outline" in _explorer.FOCUS_CSS and ".noUi-handle" in _explorer.FOCUS_CSS
    assert wt.TrainingExplorer.__mro__[1] is cw.Explorer  # the training explorer shares it
