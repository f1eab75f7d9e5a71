"""A progress bar that fits where the code runs: a widget in Jupyter, a text line in a
terminal, nothing at all when output is not interactive (CI logs, pipes)."""
from __future__ import annotations

import sys
import time
from typing import Optional, Union

__all__ = ["ProgressBar", "in_notebook", "progress_mode"]

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
        raise TypeError(f"progress={mode!r} must be one of {', '.join(map(repr, MODES))} or "
                        f"True/False, not {type(mode).__name__}")
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

    def __init__(self, total: int, mode: Union[str, bool, None] = "auto",
                 min_interval: float = 0.1) -> None:
        mode = progress_mode(mode)
        if mode == "auto":
            mode = "notebook" if in_notebook() else ("text" if sys.stderr.isatty() else "off")
        self.mode, self.total, self.count = mode, max(int(total), 1), 0
        self.min_interval, self._last, self._start = min_interval, 0.0, time.perf_counter()
        self._bar = self._label = None
        if mode == "notebook":
            import ipywidgets as widgets
            from IPython.display import display

            self._bar = widgets.IntProgress(value=0, min=0, max=self.total,
                                            layout=widgets.Layout(width="50%"))
            self._label = widgets.HTML(value="")
            display(widgets.HBox([self._bar, self._label]))

    def update(self, steps: int = 1, text: str = "", force: bool = False) -> None:
        """Advance by ``steps`` and show ``text`` beside the bar (throttled)."""
        self.count = min(self.count + steps, self.total)
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
        elif self.mode == "text":
            sys.stderr.write("\n")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start
