"""A text alternative for every figure a notebook shows, read from the figure's titles.

A figure shown with ``plt.show()`` reaches the notebook as a PNG (``image/png``), and
JupyterLab draws a PNG as an ``<img>`` with no ``alt`` attribute: a screen reader says
"image" and nothing more. So, once :func:`register_figure_alt_text` has run (importing
:mod:`cnnkit.viz` and :func:`~cnnkit.viz.setup_notebook` both run it), IPython also shows
every matplotlib ``Figure`` as ``text/html``: the same PNG in an ``<img>`` whose ``alt`` is
:func:`~cnnkit.viz.describe_figure`, built from the figure's ``suptitle`` and axes titles.
JupyterLab, VS Code and the course website (myst-nb) all prefer ``text/html`` to a PNG, so
the alt text is what they show; the PNG stays in the output for every other viewer.

A figure therefore needs a title that says what it shows, in words: nothing else is asked
of a notebook's author.
"""

from __future__ import annotations

import base64
import html
import weakref
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt

from ._common import describe_figure

__all__ = ["figure_img", "register_figure_alt_text"]


def figure_img(fig: plt.Figure, png: str, width: int | None = None) -> str:
    """An ``<img>`` tag showing ``png`` (base64 text) with ``fig``'s text alternative.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("input & kernel")
    >>> figure_img(fig, "iVBOR")
    '<img src="data:image/png;base64,iVBOR" alt="Figure: input &amp; kernel">'
    >>> plt.close(fig)
    """
    alt = html.escape(describe_figure(fig), quote=True)
    size = f' width="{int(width)}"' if width else ""
    return f'<img src="data:image/png;base64,{png}" alt="{alt}"{size}>'


#: The PNG just drawn for a figure's <img>, handed to the PNG printer that asks next, so a
#: figure is drawn once and the <img> and the stored PNG are the same picture.
_DRAWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _png_once(draw: Callable[[plt.Figure], Any]) -> Callable[[plt.Figure], Any]:
    """IPython's PNG printer for a Figure, reusing the PNG the <img> was made from."""

    def printer(fig: plt.Figure) -> Any:
        return _DRAWN.pop(fig) if fig in _DRAWN else draw(fig)

    printer.draw = draw  # type: ignore[attr-defined]
    return printer


def _html_of_figure(png_printer: Callable[[plt.Figure], Any]) -> Callable[[plt.Figure], Any]:
    """IPython's ``text/html`` printer for a Figure: the PNG IPython shows, with an alt."""

    def printer(fig: plt.Figure) -> str | None:
        drawn = png_printer.draw(fig)  # type: ignore[attr-defined]
        _DRAWN[fig] = drawn
        width = None
        if isinstance(drawn, tuple):  # a retina PNG comes with its size in metadata
            drawn, metadata = drawn
            width = (metadata or {}).get("width")
        if not drawn:  # an empty figure shows nothing, as with the PNG alone
            return None
        if isinstance(drawn, bytes):
            drawn = base64.b64encode(drawn).decode("ascii")
        return figure_img(fig, drawn, width)

    return printer


def register_figure_alt_text(shell: Any = None) -> bool:
    """Show every matplotlib Figure as an ``<img>`` with alt text too (see the module doc).

    Parameters
    ----------
    shell : IPython InteractiveShell, optional
        The running one by default.

    Returns
    -------
    bool
        True when registered; False outside IPython (plain Python has no display formatters),
        where nothing is changed.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    _load_inline_backend()
    _register(shell)
    if not getattr(shell, "_cnnkit_alt_text", False) and hasattr(shell, "events"):
        # `%matplotlib inline` or `%config InlineBackend...` drop every Figure printer:
        # put this one back after each cell, ready for the next.
        shell.events.register("post_run_cell", lambda *_: _register(shell))
        shell._cnnkit_alt_text = True
    return True


def _register(shell: Any) -> None:
    formatters = shell.display_formatter.formatters
    try:
        png_printer = formatters["image/png"].lookup_by_type(plt.Figure)
    except KeyError:  # no PNG printer for figures (not the inline backend): nothing to add
        return
    if not hasattr(png_printer, "draw"):
        png_printer = _png_once(png_printer)
        formatters["image/png"].for_type(plt.Figure, png_printer)
    formatters["text/html"].for_type(plt.Figure, _html_of_figure(png_printer))


def _load_inline_backend() -> None:
    """Load matplotlib's inline backend now if it is the chosen one and not loaded yet.

    Matplotlib loads its backend when the first figure is made, and the inline backend then
    removes every printer of Figures from IPython (keeping its own PNG one), which would
    remove ours too. Loaded first, it does that before ours is registered. (No figure can
    exist before the backend is loaded, so switching to it closes nothing.)
    """
    import sys

    import matplotlib

    backend = matplotlib.get_backend(auto_select=False)  # None: not chosen yet
    if isinstance(backend, str) and "inline" in backend:
        if "matplotlib_inline.backend_inline" not in sys.modules:
            plt.switch_backend(backend)
