"""Explorers and the progress bar leave a still picture beside the live widget.

What a viewer without a kernel shows (GitHub, nbviewer, nbconvert HTML, JupyterLab before
the notebook runs) is the ``text/html`` of the output: it must be a picture of the explorer's
current view, never the widget's ``repr``.
"""

from __future__ import annotations

import base64
import io
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from cnnkit.progress import ProgressBar, still_bar_html
from cnnkit.widgets import Explorer, _snapshot

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RAW_REPR = re.compile(r"\w+\(children=|IntProgress|interactive\(children=")


def _figure(n: int) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [0, n, n * n])
    ax.set_title(f"n = {n}")
    return fig


def _explorer() -> Explorer:
    return Explorer(
        {
            "n": widgets.IntSlider(value=2, min=1, max=5, description="n"),
            "shape": widgets.Dropdown(
                options=[("square", "sq"), ("round", "rd")], description="shape"
            ),
        },
        lambda n, shape: [_figure(n), f"{shape}: n = {n}"],
        title="curve",
    )


def _images(html_text: str) -> list[bytes]:
    return [
        base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html_text)
    ]


def test_explorer_bundle_has_live_view_still_picture_and_short_text():
    bundle = _explorer()._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/html", "text/plain"}
    assert not RAW_REPR.search(bundle["text/plain"]), bundle["text/plain"]
    assert bundle["text/plain"].startswith("Explorer: curve")
    still = bundle["text/html"]
    assert 'class="cnnkit-still"' in still and "<b>curve</b>" in still
    (png,) = _images(still)
    assert png.startswith(b"\x89PNG")
    assert "sq: n = 2" in still  # the text the view prints
    assert "<b>square</b>" in still  # a dropdown shows its label


def test_still_picture_follows_the_controls():
    explorer = _explorer()
    before = explorer._repr_mimebundle_()["text/html"]
    explorer.set(n=5, shape="rd")
    after = explorer._repr_mimebundle_()["text/html"]
    assert "rd: n = 5" in after and "rd: n = 5" not in before
    assert _images(after) != _images(before)


def test_a_friendly_message_and_a_traceback_are_shown_in_the_still_picture():
    def draw(n):
        if n == 3:
            raise ValueError("n = 3 is not possible here")
        if n == 4:
            raise RuntimeError("a bug")
        return f"n = {n}"

    explorer = Explorer({"n": widgets.IntSlider(value=1, min=1, max=5)}, draw)
    explorer.set(n=3)
    assert "cnnkit-message" in explorer.still_html() and "not possible" in explorer.still_html()
    with pytest.raises(RuntimeError):
        explorer.set(n=4)
    still = explorer.still_html()
    assert "RuntimeError: a bug" in still and "\x1b[" not in still


@pytest.mark.parametrize("value, cx", [(1, 6), (3, 60), (5, 114)])
def test_a_slider_is_drawn_with_its_handle_where_the_value_is(value, cx):
    html_text = _snapshot.control_html("n", widgets.IntSlider(value=value, min=1, max=5))
    (svg,) = [
        base64.b64decode(m).decode()
        for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html_text)
    ]
    assert f'cx="{cx}"' in svg and f"<b>{value}</b>" in html_text


def test_a_log_slider_is_drawn_on_its_exponent_scale():
    control = widgets.FloatLogSlider(value=10.0, base=10, min=-1, max=3)  # 10^1 of 10^-1..10^3
    assert (
        'cx="60"'
        in base64.b64decode(
            re.search(r"base64,([^\"]+)", _snapshot.control_html("lr", control)).group(1)
        ).decode()
    )


def test_a_transparent_figure_is_stored_on_white():
    import numpy as np
    from PIL import Image

    pixels = np.zeros((64, 64, 4), dtype=np.uint8)  # right half: transparent black
    pixels[:, :32, :3] = np.random.default_rng(0).integers(0, 256, (64, 32, 3))
    pixels[:, :32, 3] = 255  # left half: many opaque colours
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    small, _, _ = _snapshot.small_png(base64.b64encode(buffer.getvalue()).decode())
    image = Image.open(io.BytesIO(base64.b64decode(small)))
    assert image.mode == "P"  # the palette copy was kept
    assert image.convert("RGB").getpixel((50, 10)) == (255, 255, 255)


def test_selection_slider_at_its_first_option_shows_that_option():
    # ipywidgets leaves .label empty for a SelectionSlider created at index 0
    control = widgets.SelectionSlider(options=(1, 2, 3, 4), value=1, description="stride")
    assert "<b>1</b>" in _snapshot.control_html("stride", control)
    assert "<img" not in _snapshot.control_html("t", widgets.Text(value="a"))


def test_figures_keep_their_pixels_and_are_stored_with_few_colours():
    from PIL import Image

    fig, ax = plt.subplots(figsize=(6, 2), dpi=80)
    ax.imshow([[0, 1, 2, 3]], cmap="viridis", aspect="auto")
    ax.set_title("a colour map")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    original = base64.b64encode(buffer.getvalue()).decode()
    small, width, height = _snapshot.small_png(original)
    image = Image.open(io.BytesIO(base64.b64decode(small)))
    assert (image.width, image.height) == (width, height) == (480, 160)
    assert image.mode == "P" and len(image.getcolors()) <= _snapshot.COLOURS
    assert len(small) < len(original)
    assert _snapshot.small_png("not a png") == ("not a png", 0, 0)


def test_outputs_of_every_kind_become_html():
    html_text = _snapshot.outputs_to_html(
        [
            {"output_type": "stream", "name": "stdout", "text": "a < b\n"},
            {"output_type": "display_data", "data": {"text/html": "<i>x</i>", "text/plain": "x"}},
            {"output_type": "display_data", "data": {"text/plain": "only text"}},
            {
                "output_type": "error",
                "ename": "E",
                "evalue": "v",
                "traceback": ["\x1b[31mE: v\x1b[0m"],
            },
        ]
    )
    assert "a &lt; b" in html_text and "<i>x</i>" in html_text and "only text" in html_text
    assert "E: v" in html_text and "\x1b" not in html_text


class _Handle:
    def __init__(self) -> None:
        self.bundles: list[dict] = []

    def update(self, bundle: dict, raw: bool = False) -> None:
        self.bundles.append(bundle)


@pytest.fixture()
def tracked(monkeypatch):
    """An explorer shown once, with a handle that records what the display is updated to."""
    explorer, handle = _explorer(), _Handle()
    monkeypatch.setitem(_snapshot._handles, explorer, [handle])
    monkeypatch.setitem(_snapshot._state, "running", False)
    return explorer, handle


def test_moves_made_by_a_cell_update_the_stored_picture_once_the_cell_has_run(tracked):
    explorer, handle = tracked
    _snapshot._pre_run_cell()
    explorer.set(n=4)
    explorer.controls["shape"].value = "rd"
    assert handle.bundles == []  # nothing sent while the cell runs
    _snapshot._post_run_cell()
    (bundle,) = handle.bundles  # once, for both moves
    assert "rd: n = 4" in bundle["text/html"] and WIDGET_VIEW in bundle
    _snapshot._post_run_cell()
    assert len(handle.bundles) == 1  # and not again


def test_moves_made_in_the_browser_send_no_update(tracked):
    explorer, handle = tracked  # no cell is running
    explorer.controls["n"].value = 5
    _snapshot._post_run_cell()
    assert handle.bundles == []


def test_progress_bar_still_picture_is_drawn_to_scale_and_holds_no_time():
    half = still_bar_html(180, 360, "epoch 1/2 loss 0.500")
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", half).group(1)).decode()
    assert 'width="150" height="14" fill="#2196f3"' in svg  # half of 300 px, in blue
    assert "180/360 epoch 1/2 loss 0.500" in half
    done = still_bar_html(360, 360)
    assert (
        'width="300" height="14" fill="#5cb85c"'
        in base64.b64decode(re.search(r"base64,([^\"]+)", done).group(1)).decode()
    )


def test_progress_bar_in_a_notebook_stores_its_final_state(capsys):
    bar = ProgressBar(4, mode="notebook")
    first = bar.mimebundle()
    assert WIDGET_VIEW in first and "0/4" in first["text/html"]
    for _ in range(4):
        bar.update(1, "loss 0.1")
    bar.close("epoch 1/1 loss 0.100")
    last = bar.mimebundle()
    assert "4/4 epoch 1/1 loss 0.100" in last["text/html"]
    assert last["text/plain"] == "[progress: 4/4 steps] epoch 1/1 loss 0.100"
    assert not RAW_REPR.search(last["text/plain"])
    assert not re.search(r"\d+\.\d+ ?s\b", last["text/html"])  # no timings stored
