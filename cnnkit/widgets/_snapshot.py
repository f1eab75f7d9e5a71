"""A still picture of a widget, stored beside the live widget in a notebook output.

A notebook opened without running it (on GitHub, in nbviewer, exported with nbconvert) has
no kernel and so no live widget: what it shows is the other mime types of the output. An
explorer therefore displays one mime bundle holding

- ``application/vnd.jupyter.widget-view+json``: the live widget, when a kernel runs;
- ``text/html``: a still picture of what the explorer shows now (its title, the value of
  every control, and its view with the figures as small PNGs);
- ``text/plain``: one line naming the explorer (never the widget's long ``repr``).

When code in a cell moves the explorer's controls, every place it was displayed is updated
once, when that cell has finished (IPython's ``post_run_cell`` event), so the stored picture
shows the explorer as the notebook left it. A learner dragging a slider in the browser does
not trigger this: no cell is running then, and the live widget already shows the change.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

from ..progress import svg_image

__all__ = [
    "outputs_to_html",
    "small_png",
    "svg_image",
    "control_html",
    "snapshot_bundle",
    "track_display",
    "changed",
]

#: Colours kept in a still figure: a palette PNG is about half the size of a full-colour one,
#: and the course's figures (colour maps, photos in grey) look the same with 64.
COLOURS = 64

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Displayed(Protocol):
    def _repr_mimebundle_(self, **kwargs: Any) -> dict: ...


def small_png(data: str) -> tuple[str, int, int]:
    """A base64 PNG made small for storing: the same pixels, in at most COLOURS colours.

    The figure keeps its size in pixels (the course draws at 80 dpi; scaling would blur the
    pixels of a digit). Returns the base64 text and the width and height in pixels; when
    Pillow cannot read the data, it comes back as it came, with zero sizes.
    """
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(base64.b64decode(data)))
        image.load()
    except Exception:  # not a PNG Pillow can read: keep it as it is
        return data, 0, 0
    white = Image.new("RGBA", image.size, "white")  # a transparent figure on a white page
    flat = Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    small = flat.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=0)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (encoded if len(encoded) < len(data) else data), image.width, image.height


def _slider_position(control: Any) -> float | None:
    """Where a slider's handle sits, 0 (left) to 1 (right); None for other controls."""
    options = getattr(control, "options", None)
    if options is not None and hasattr(control, "index"):  # SelectionSlider, Dropdown
        if "Slider" not in type(control).__name__:
            return None
        return (control.index or 0) / max(len(options) - 1, 1)
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    if low is None or high is None or isinstance(control.value, (tuple, list)):
        return None
    value = control.value
    if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents of base
        value = math.log(max(value, 1e-300), control.base)
    return 0.0 if high == low else float((value - low) / (high - low))


def control_html(name: str, control: Any) -> str:
    """One control as it looks: its label, a drawn slider (for sliders), and its value."""
    label = getattr(control, "description", "") or name
    value = control.value
    labels, index = getattr(control, "_options_labels", None), getattr(control, "index", None)
    if labels and isinstance(index, int):  # a choice: the label the learner reads
        value = labels[index]
    where = _slider_position(control)
    picture = ""
    if where is not None:
        x = 6 + round(108 * min(max(where, 0.0), 1.0))
        picture = (
            svg_image(
                f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="14">'
                f'<rect x="6" y="5" width="108" height="4" rx="2" fill="#cccccc"/>'
                f'<circle cx="{x}" cy="7" r="6" fill="#ffffff" stroke="#888888"/></svg>',
                120,
                14,
                f"slider {label} at {value}",
            )
            + " "
        )
    return (
        f'<span style="display:inline-block;margin-right:18px">{html.escape(str(label))} '
        f"{picture}<b>{html.escape(str(value))}</b></span>"
    )


def _join(text: Any) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def _output_to_html(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre style="margin:2px 0">{html.escape(_join(output.get("text", "")))}</pre>'
    if kind == "error":
        trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f'<pre style="color:#b00">{html.escape(trace)}</pre>'
    data = output.get("data", {})
    if "image/png" in data:  # a figure (its text/html, if any, is the same picture, larger)
        png, width, height = small_png(_join(data["image/png"]).replace("\n", ""))
        size = f' width="{width}" height="{height}"' if width else ""
        alt = html.escape(_join(data.get("text/plain", "")).strip() or "Figure", quote=True)
        if alt.startswith("&lt;Figure"):  # matplotlib's own "<Figure size ... with N Axes>"
            alt = "Figure"
        return f'<img src="data:image/png;base64,{png}"{size} alt="{alt}">'
    if "text/html" in data:
        return _join(data["text/html"])
    if "text/plain" in data:
        return f'<pre style="margin:2px 0">{html.escape(_join(data["text/plain"]))}</pre>'
    return ""


def outputs_to_html(outputs: Iterable[dict]) -> str:
    """The outputs of an ``Output`` widget (or a cell) as one piece of static HTML."""
    return "".join(_output_to_html(dict(o)) for o in outputs)


def snapshot_bundle(widget: Any, plain: str, still_html: str) -> dict:
    """The mime bundle of ``widget``: its live view plus ``plain`` and ``still_html``."""
    from ipywidgets import DOMWidget

    bundle = DOMWidget._repr_mimebundle_(widget) or {}
    bundle["text/plain"] = plain
    bundle["text/html"] = still_html
    return bundle


# --------------------------------------------------------------------------- updates

# widget -> the display handles showing it; widgets moved by the running cell
_handles: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
_pending: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
_state = {"running": False, "hooked": False}


def _pre_run_cell(*args: Any) -> None:
    _state["running"] = True


def _post_run_cell(*args: Any) -> None:
    _state["running"] = False
    pending = list(_pending.keys())
    _pending.clear()
    for widget in pending:
        try:
            bundle = widget._repr_mimebundle_()
            for handle in _handles.get(widget, []):
                handle.update(bundle, raw=True)
        except Exception:  # a still picture must never break the learner's cell
            pass


def _hook_into_ipython() -> None:
    if _state["hooked"]:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell.events.register("post_run_cell", _post_run_cell)
    _state["hooked"] = True
    _state["running"] = True  # this very call happens inside a running cell


def track_display(widget: _Displayed) -> None:
    """Display ``widget``'s bundle with a display id, to update it when code moves it."""
    from IPython.display import display

    handle = display(widget._repr_mimebundle_(), raw=True, display_id=True)
    if handle is not None:
        _handles.setdefault(widget, []).append(handle)
        _hook_into_ipython()


def changed(widget: _Displayed) -> None:
    """``widget``'s view has changed: update its stored picture once the cell has run."""
    if _state["running"] and widget in _handles:
        _pending[widget] = True
