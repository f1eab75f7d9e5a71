"""The one piece of wiring every explorer shares: controls -> pure draw function -> view.

An :class:`Explorer` is a ``VBox`` of controls above an ``Output`` view. Whenever a control
changes it calls ``draw(**values)``, a pure function returning a matplotlib ``Figure``, a
string, or a list of them, and shows the result. Two kinds of failure are told apart:

- a ``ValueError`` means the learner chose an impossible combination (a kernel larger than
  the padded input, say): the view shows its message in words, no traceback;
- anything else is a bug: the traceback is shown in the view *and* raised again, so a cell
  that moves a control from code fails under nbval, and a browser test sees the error.

In the browser the explorer carries the CSS class ``cnnkit-explorer``, its view
``cnnkit-view`` and a friendly message ``cnnkit-message``, which the browser tests look for.

Displayed in a notebook, an explorer also leaves a still picture of its current view
(``text/html``) beside the live widget, for every viewer that has no kernel: see
:mod:`cnnkit.widgets._snapshot`.
"""

from __future__ import annotations

import base64
import html
import io
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import HTML

from ..viz._common import describe_figure
from . import _snapshot

__all__ = [
    "Explorer",
    "friendly_message",
    "show",
    "show_error",
    "figure_output",
    "train_in_view",
    "int_slider",
]


#: Keyboard focus shown on every control of an explorer, in light and dark themes alike:
#: ipywidgets draws none on a slider's handle and removes the outline of a text box (with a
#: more specific rule, hence the class written three times).
_SCOPE = ".cnnkit-explorer.cnnkit-explorer.cnnkit-explorer"
FOCUS_CSS = (
    f"{_SCOPE} :focus-visible, {_SCOPE} .noUi-handle:focus "
    "{outline: 2px solid #1a73e8 !important; outline-offset: 1px;}"
)


def friendly_message(text: str) -> HTML:
    """An orange note for an impossible combination of controls."""
    return HTML(
        f'<div class="cnnkit-message" style="color:#9a6700;padding:6px">'
        f"<b>Not possible:</b> {html.escape(text)}</div>"
    )


class Explorer(widgets.VBox):
    """Controls wired to a pure drawing function.

    Parameters
    ----------
    controls : mapping of str to ipywidgets control
        Keyword name of ``draw`` -> the control that sets it.
    draw : callable
        ``draw(**values)`` returns a Figure, a str, or a list of them.
    title : str, optional
        Shown above the controls.
    columns : int
        Controls are laid out in rows of this many.
    buttons : sequence of ipywidgets widget, optional
        Placed after the controls in their rows (a Train button, say).
    panes : sequence of ipywidgets.Output, optional
        Output areas between the controls and the view (a plan, a progress bar).
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.Widget],
        draw: Callable[..., Any],
        title: str = "",
        columns: int = 3,
        buttons: Sequence[widgets.Widget] = (),
        panes: Sequence[widgets.Output] = (),
    ) -> None:
        self.controls = dict(controls)
        self.draw = draw
        self.title = title
        self.view = widgets.Output()
        self.view.add_class("cnnkit-view")
        self.last_result: Any = None
        self.last_message: str = ""
        self._holding = False
        items = [*self.controls.values(), *buttons]
        rows = [widgets.HBox(items[i : i + columns]) for i in range(0, len(items), columns)]
        header = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        focus = widgets.HTML(f"<style>{FOCUS_CSS}</style>", layout=widgets.Layout(display="none"))
        super().__init__([focus, *header, *rows, *panes, self.view])
        self.add_class("cnnkit-explorer")
        for control in self.controls.values():
            control.observe(self.refresh, names="value")
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by keyword."""
        return {name: control.value for name, control in self.controls.items()}

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls and redraw once at the end."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        self.refresh()

    def set(self, **values: Any) -> Any:
        """Move controls from code (as a learner would) and return the new result."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(
                f"no control called {sorted(unknown)}; controls: {sorted(self.controls)}"
            )
        with self.hold():
            for name, value in values.items():
                self.controls[name].value = value
        return self.last_result

    def refresh(self, change: Any = None) -> None:
        """Redraw from the current control values."""
        if self._holding:
            return
        try:
            result = self.draw(**self.values())
            self.last_message = ""
        except ValueError as exc:  # an impossible combination: explain, don't crash
            result, self.last_message = friendly_message(str(exc)), str(exc)
        except Exception as exc:
            show_error(self.view, exc)
            _snapshot.changed(self)
            raise
        self.display_result(result)
        _snapshot.changed(self)

    def display_result(self, result: Any) -> None:
        """Keep what ``draw`` returned (or the friendly message) and show it in the view.

        A subclass that shows its drawing elsewhere overrides this one method.
        """
        self.last_result = result
        show(self.view, result)

    # ------------------------------------------------------------------ still picture

    def outputs_shown(self) -> list[widgets.Output]:
        """Every output area of the explorer, in order (the view, and any other)."""
        found: list[widgets.Output] = []

        def walk(widget: Any) -> None:
            if isinstance(widget, widgets.Output):
                found.append(widget)
            for child in getattr(widget, "children", ()):
                walk(child)

        walk(self)
        return found

    def still_html(self) -> str:
        """A still picture of what the explorer shows now, as static HTML."""
        head = f"<b>{html.escape(self.title)}</b><br>" if self.title else ""
        controls = "".join(
            _snapshot.control_html(name, control) for name, control in self.controls.items()
        )
        views = "".join(_snapshot.outputs_to_html(out.outputs) for out in self.outputs_shown())
        return (
            f'<div class="cnnkit-still" style="border-left:3px solid #ccc;padding-left:8px">'
            f"{head}<div>{controls}</div>{views}"
            f"<br><small>A still picture of this explorer: run the "
            f"notebook to move its controls.</small></div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        name = type(self).__name__
        plain = f"{name}: {self.title}" if self.title else name
        plain += " (a still picture; run the notebook to move its controls)"
        return _snapshot.snapshot_bundle(self, plain, self.still_html())

    def _ipython_display_(self) -> None:
        _snapshot.track_display(self)


def train_in_view(
    explorer: Explorer,
    train: Callable[[Callable[[Any], None]], tuple[Any, Any]],
    live: Callable[[Any], Any],
    final: Callable[[Any], Any],
) -> dict[str, Any]:
    """Press Train on a training explorer: train with live curves, then show the final view.

    Shared by the explorers with a Train button (they have a ``progress`` output for the
    progress bar). ``train(callback)`` trains and returns ``(model, history)``, calling
    ``callback(history)`` after every epoch; the view then shows ``live(history)``, and at the
    end ``final(history)``. A failure is shown in the view and raised again. Returns (and keeps
    in ``explorer.last_result``) ``{"model", "history", "test_acc", "values"}``.
    """
    values = explorer.values()
    explorer.last_result = None
    explorer.progress.clear_output()
    try:
        with explorer.progress:
            model, history = train(lambda history: show(explorer.view, live(history)))
        show(explorer.view, final(history))
    except Exception as exc:
        show_error(explorer.view, exc)
        _snapshot.changed(explorer)
        raise
    explorer.last_result = {
        "model": model,
        "history": history,
        "test_acc": history.val_acc[-1],
        "values": values,
    }
    _snapshot.changed(explorer)
    return explorer.last_result


def int_slider(value: int, low: int, high: int, description: str) -> widgets.IntSlider:
    """A whole-number slider that updates on release, its label 90 px wide (shape explorers)."""
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        description=description,
        continuous_update=False,
        style={"description_width": "90px"},
    )


def show(view: widgets.Output, result: Any) -> None:
    """Replace what ``view`` shows with ``result``: a Figure, a str, a displayable object,
    or a list of them (figures are closed once drawn).

    The view's ``outputs`` are set directly rather than printed inside ``with view:``: that
    way nothing is sent as the running cell's own output, whichever client runs the kernel.
    """
    items = result if isinstance(result, (list, tuple)) else [result]
    view.outputs = tuple(_as_output(item) for item in items)


def show_error(view: widgets.Output, exc: BaseException) -> None:
    """Show ``exc``'s traceback in ``view`` as an error output (red, as in any cell)."""
    view.outputs = (_error_output(exc),)


def _as_output(item: Any) -> dict:
    """One item of a draw result as a notebook output for a view."""
    if isinstance(item, str):
        return {"output_type": "stream", "name": "stdout", "text": item + "\n"}
    if isinstance(item, plt.Figure):
        return figure_output(item)
    data = {"text/plain": repr(item)}
    if hasattr(item, "_repr_html_"):
        data["text/html"] = item._repr_html_()
    return {"output_type": "display_data", "metadata": {}, "data": data}


def figure_output(fig: plt.Figure) -> dict:
    """``fig`` as a view's output, then closed: a PNG on an opaque white page (readable in a
    dark theme too) with a text alternative from :func:`~cnnkit.viz.describe_figure`.

    The output holds ``text/html``, an ``<img>`` with that alt text, which JupyterLab shows
    (its plain ``image/png`` renderer cannot carry an alt text); ``image/png`` for the still
    picture; and the same text as ``text/plain`` for viewers that show no images.
    """
    alt = describe_figure(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white", transparent=False)
    plt.close(fig)
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    tag = f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt, quote=True)}">'
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": tag, "image/png": png, "text/plain": alt},
    }


def _error_output(exc: BaseException) -> dict:
    """A traceback shown in the view as an error output (red, as in any cell)."""
    return {
        "output_type": "error",
        "ename": type(exc).__name__,
        "evalue": str(exc),
        "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }
