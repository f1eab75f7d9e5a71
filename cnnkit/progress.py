"""A progress bar that fits where the code runs: a widget in Jupyter, a text line in a
terminal, nothing at all when output is not interactive (CI logs, pipes).

In Jupyter the bar's output also holds a still picture of it (``text/html``: a small SVG bar
and its text), updated to the final state when training ends, so a notebook read without a
kernel (GitHub, nbviewer, an HTML export) shows how far training went, not the widget's
``repr``. The still picture holds no timings, so it is the same on every run.
"""

from __future__ import annotations

import base64
import html
import sys
import time
from typing import Any

__all__ = ["ProgressBar", "in_notebook", "progress_mode", "still_bar_html", "svg_image"]

MODES = ("auto", "notebook", "text", "off")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where widgets can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the lab extras
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_mode(mode: object) -> str:
    """Check a ``progress=`` argument: one of :data:`MODES`, or True/None ("auto") or False
    ("off"). Returns the mode as given ("auto" is resolved by :class:`ProgressBar`)."""
    if mode is None or mode is True:
        return "auto"
    if mode is False:
        return "off"
    if not isinstance(mode, str):
        raise TypeError(
            f"progress={mode!r} must be one of {', '.join(map(repr, MODES))} or "
            f"True/False, not {type(mode).__name__}"
        )
    if mode not in MODES:
        raise ValueError(f"progress={mode!r} must be 'auto', 'notebook', 'text' or 'off'")
    return mode


class ProgressBar:
    """Counts steps towards ``total`` and shows them.

    Parameters
    ----------
    total : int
        Number of steps (e.g. minibatches over all epochs).
    mode : {"auto", "notebook", "text", "off"} or bool
        ``"auto"`` (or True/None) picks a widget in Jupyter, text on a terminal, and
        nothing otherwise; False is ``"off"``.
    """

    def __init__(
        self, total: int, mode: str | bool | None = "auto", min_interval: float = 0.1
    ) -> None:
        mode = progress_mode(mode)
        if mode == "auto":
            mode = "notebook" if in_notebook() else ("text" if sys.stderr.isatty() else "off")
        self.mode, self.total, self.count = mode, max(int(total), 1), 0
        self.min_interval, self._last, self._start = min_interval, 0.0, time.perf_counter()
        self._bar = self._label = self._box = self._handle = None
        self.text = ""
        if mode == "notebook":
            import ipywidgets as widgets
            from IPython.display import display

            self._bar = widgets.IntProgress(
                value=0, min=0, max=self.total, layout=widgets.Layout(width="50%")
            )
            self._label = widgets.HTML(value="")
            self._box = widgets.HBox([self._bar, self._label])
            self._handle = display(self.mimebundle(), raw=True, display_id=True)

    def update(self, steps: int = 1, text: str = "", force: bool = False) -> None:
        """Advance by ``steps`` and show ``text`` beside the bar (throttled)."""
        self.count = min(self.count + steps, self.total)
        self.text = text
        now = time.perf_counter()
        if not force and self.count < self.total and now - self._last < self.min_interval:
            return
        self._last = now
        if self.mode == "notebook":
            self._bar.value = self.count
            self._label.value = text
        elif self.mode == "text":
            filled = int(30 * self.count / self.total)
            bar = "#" * filled + "." * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {self.count}/{self.total} {text}")
            sys.stderr.flush()

    def close(self, text: str = "") -> None:
        """Show the final state (and end the text line)."""
        self.update(0, text, force=True)
        if self.mode == "notebook":
            self._bar.bar_style = "success"
            self.text = text
            if self._handle is not None:
                self._handle.update(self.mimebundle(), raw=True)
        elif self.mode == "text":
            sys.stderr.write("\n")

    def still_html(self) -> str:
        """The bar as it stands, as static HTML: an SVG picture of the bar and its text."""
        return still_bar_html(self.count, self.total, self.text)

    def mimebundle(self) -> dict[str, Any]:
        """The live widget, a still picture of it, and one line of plain text."""
        bundle = self._box._repr_mimebundle_() if self._box is not None else {}
        bundle["text/plain"] = f"[progress: {self.count}/{self.total} steps] {self.text}".strip()
        bundle["text/html"] = self.still_html()
        return bundle

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def still_bar_html(count: int, total: int, text: str = "", width: int = 300) -> str:
    """A progress bar drawn as a small SVG image, with ``text`` beside it (one line of HTML).

    Examples
    --------
    >>> still_bar_html(3, 4, "epoch 3/4").startswith('<div class="cnnkit-progress">')
    True
    """
    filled = round(width * min(max(count, 0), total) / max(total, 1))
    colour = "#5cb85c" if count >= total else "#2196f3"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="14">'
        f'<rect width="{width}" height="14" fill="#eeeeee"/>'
        f'<rect width="{filled}" height="14" fill="{colour}"/></svg>'
    )
    label = html.escape(f"{count}/{total} {text}".strip())
    picture = svg_image(svg, width, 14, f"progress {count} of {total}")
    return f'<div class="cnnkit-progress">{picture} {label}</div>'


def svg_image(svg: str, width: int, height: int, alt: str) -> str:
    """An ``<img>`` holding an SVG drawing (an image survives every viewer's HTML filter)."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return (
        f'<img src="{src}" width="{width}" height="{height}" alt="{html.escape(alt)}" '
        f'style="vertical-align:middle">'
    )
