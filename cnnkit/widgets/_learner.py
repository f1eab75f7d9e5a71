"""Run the learner's own function inside an explorer, beside cnnkit's, and never crash.

The lab notebooks pass a function the learner wrote (``conv=my_conv2d``,
``output_size=my_output_size``, ...) to an explorer. Whatever that function does, the
explorer must keep working: it may raise (an untouched stub raises ``NotImplementedError``),
return ``None``, return a list, a wrong shape, NaN, or print. :func:`call_learner` calls it
on copies of the inputs and turns every one of those into a :class:`LearnerRun` with a
plain-words ``problem``; :func:`compare_arrays` then says where the learner's numbers and
cnnkit's differ, and :func:`plot_comparison` draws both with the differing cells in red.
"""

from __future__ import annotations

import contextlib
import html
import io
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML
from matplotlib.patches import Rectangle

from ..viz._common import show_image
from ..viz.kernels_feature_maps_nodes import number_grid

__all__ = [
    "LearnerRun",
    "Comparison",
    "call_learner",
    "compare_arrays",
    "learner_message",
    "plot_comparison",
    "describe_comparison",
    "fn_name",
    "latest",
]

#: Red for the cells where the learner's result differs from cnnkit's.
DIFFERENT = "#d1242f"


class LearnerRun(NamedTuple):
    """What came back from one call of the learner's function."""

    value: Any  # the result (arrays as float64 ndarrays, tuples as tuples), None on a problem
    problem: str  # "" when the call worked; otherwise what went wrong, in words
    printed: str  # anything the function printed (kept out of the notebook's cells)


class Comparison(NamedTuple):
    """Where the learner's array and cnnkit's differ."""

    expected: np.ndarray
    got: np.ndarray
    wrong: np.ndarray  # bool, same shape: True where the two differ beyond the tolerance
    largest: float  # largest absolute difference

    @property
    def matches(self) -> bool:
        return not self.wrong.any()


def fn_name(fn: Callable) -> str:
    """The name the learner gave their function, for messages."""
    return getattr(fn, "__name__", None) or type(fn).__name__


def latest(fn: Callable) -> Callable:
    """The newest definition of the learner's function.

    An explorer keeps the function it was given; when the learner fixes their code and runs
    the stub cell again, the notebook holds a new function of the same name. Looking it up by
    name in the module it was defined in (the notebook's namespace) means the explorer runs
    the fixed code at the next move of a control, without being made again.
    """
    name, module = getattr(fn, "__name__", None), getattr(fn, "__module__", None)
    namespace = sys.modules.get(module) if isinstance(module, str) else None
    newer = getattr(namespace, name, None) if namespace is not None and name else None
    if (
        callable(newer)
        and newer is not fn
        and getattr(newer, "__qualname__", None) == getattr(fn, "__qualname__", None)
    ):
        return newer
    return fn


def _short(text: str, most: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= most else text[: most - 3] + "..."


def _as_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array, or None if it is not numbers."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def call_learner(fn: Callable, args: Sequence[Any], *, expected: Any) -> LearnerRun:
    """Call ``fn(*args)`` on copies of ``args`` and check what it returns, never raising.

    Parameters
    ----------
    fn : callable
        The learner's function.
    args : sequence
        Positional arguments; arrays among them are copied, so the explorer's own data
        cannot be changed by the learner's code.
    expected : ndarray, int, or tuple of ndarrays
        cnnkit's result for the same call: the learner's result must have its form (the same
        shape for an array, a number for an int, as many arrays of the same shapes for a tuple).

    Returns
    -------
    LearnerRun
        ``value`` is the result converted to float64 arrays (an int stays an int);
        ``problem`` is "" or one sentence saying what went wrong.

    Examples
    --------
    >>> call_learner(lambda a: a * 2, [np.ones(3)], expected=np.ones(3)).problem
    ''
    >>> call_learner(lambda a: None, [np.ones(3)], expected=np.ones(3)).problem[:40]
    'your <lambda> returned None: did you for'
    """
    fn = latest(fn)
    name = fn_name(fn)
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    out = io.StringIO()
    if not callable(fn):
        return LearnerRun(
            None,
            f"{name} is not a function: pass the function itself, without calling it (no brackets)",
            "",
        )
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
        ):
            warnings.simplefilter("ignore")
            result = fn(*copies)
    except NotImplementedError:
        return LearnerRun(
            None,
            f"your {name} is not written yet (it raises "
            f"NotImplementedError): write it in the stub cell above, run "
            f"that cell, then move a control again",
            out.getvalue(),
        )
    except Exception as exc:  # the learner's bug, shown in words, not as a traceback
        return LearnerRun(
            None,
            f"your {name} raised {type(exc).__name__}: "
            f"{_short(exc) or '(no message)'}. Run the lab's check cell: "
            f"it shows the case and what to look at",
            out.getvalue(),
        )
    printed = out.getvalue()
    if result is None:
        return LearnerRun(
            None, f"your {name} returned None: did you forget the `return` line?", printed
        )
    if isinstance(expected, tuple):
        if not isinstance(result, (tuple, list)) or len(result) != len(expected):
            kind = (
                f"{len(result)} values"
                if isinstance(result, (tuple, list))
                else type(result).__name__
            )
            return LearnerRun(
                None,
                f"your {name} returned {kind}; it should return {len(expected)} arrays as a tuple",
                printed,
            )
        values = []
        for i, (got, want) in enumerate(zip(result, expected)):
            problem = _array_problem(name, got, np.asarray(want), i + 1)
            if problem:
                return LearnerRun(None, problem, printed)
            values.append(np.asarray(got, dtype=np.float64))
        return LearnerRun(tuple(values), "", printed)
    if isinstance(expected, (int, np.integer)):
        if isinstance(result, (bool, np.bool_)) or not isinstance(
            result, (int, float, np.integer, np.floating)
        ):
            return LearnerRun(
                None,
                f"your {name} returned {_short(repr(result), 60)} "
                f"({type(result).__name__}); it should return a whole "
                f"number",
                printed,
            )
        if not float(result).is_integer():
            return LearnerRun(
                None,
                f"your {name} returned {float(result)}, not a whole "
                f"number: use floor division (//) or int()",
                printed,
            )
        return LearnerRun(int(result), "", printed)
    problem = _array_problem(name, result, np.asarray(expected))
    if problem:
        return LearnerRun(None, problem, printed)
    return LearnerRun(np.asarray(result, dtype=np.float64), "", printed)


def _array_problem(name: str, got: Any, want: np.ndarray, which: int = 0) -> str:
    array = _as_array(got)
    what = f"value {which} of what your {name} returns is" if which else f"your {name} returned"
    if array is None:
        return (
            f"{what} {type(got).__name__}, not an array of numbers; it should be an "
            f"ndarray of shape {want.shape}"
        )
    if array.shape != want.shape:
        return (
            f"{what} an array of shape {array.shape}; cnnkit's has shape {want.shape}. "
            f"Check the output size and the order of the axes (N, C, H, W)"
        )
    if not np.isfinite(array).all():
        return f"{what} an array with NaN or infinite values"
    return ""


def compare_arrays(
    expected: np.ndarray, got: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8
) -> Comparison:
    """Cells where ``got`` differs from ``expected`` (same shapes) beyond the tolerance."""
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    largest = float(np.abs(got - expected).max()) if expected.size else 0.0
    return Comparison(expected, got, wrong, largest)


def describe_comparison(comparison: Comparison, name: str, what: str = "result") -> str:
    """One line: the learner's result matches cnnkit's, or where and by how much it differs."""
    c = comparison
    if c.matches:
        return f"your {name} gives the same {what} as cnnkit (largest difference {c.largest:.1e})"
    first = tuple(int(i) for i in np.argwhere(c.wrong)[0])
    index = ", ".join(str(i) for i in first)
    return (
        f"your {name} differs from cnnkit at {int(c.wrong.sum())} of {c.wrong.size} "
        f"positions (red); first at [{index}]: cnnkit {c.expected[first]:.4g}, yours "
        f"{c.got[first]:.4g}; largest difference {c.largest:.3g}"
    )


def learner_message(text: str) -> HTML:
    """A note about the learner's function, shown in the explorer's view (no traceback)."""
    return HTML(
        f'<div class="cnnkit-message cnnkit-learner" style="color:#9a6700;'
        f'padding:6px"><b>Your code:</b> {html.escape(text)}</div>'
    )


def _mark_cells(ax: plt.Axes, wrong: np.ndarray) -> None:
    """Outline every differing cell of a 2-D panel in red (a red wash when there are many)."""
    if wrong.sum() > 200:
        overlay = np.zeros((*wrong.shape, 4))
        overlay[wrong] = (0.82, 0.14, 0.18, 0.75)
        ax.imshow(overlay)
        return
    for i, j in np.argwhere(wrong):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=DIFFERENT, lw=2.2))


def plot_comparison(
    expected: np.ndarray,
    got: np.ndarray | None,
    name: str,
    title: str = "",
    symmetric: bool = True,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """cnnkit's 2-D result, the learner's, and their difference with wrong cells in red.

    Parameters
    ----------
    expected : ndarray, shape (H, W)
        cnnkit's result.
    got : ndarray, shape (H, W), or None
        The learner's result; None draws cnnkit's alone (the learner's call failed).
    name : str
        The learner's function name, for the titles.
    title : str
        What the arrays are ("feature map", "dweight", ...).
    symmetric : bool
        Centre the colour scale on 0.
    """
    expected = np.asarray(expected, dtype=np.float64)
    small = max(expected.shape) <= 12
    panels = 1 if got is None else 3
    if axes is None:
        size = (3.3 if small else 3.6) * panels
        fig, axes = plt.subplots(1, panels, figsize=(size, 3.6), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    lim = float(np.abs(expected).max()) or 1.0
    if got is not None:
        lim = max(lim, float(np.abs(got).max()) if got.size else 0.0) or 1.0

    def draw(ax: plt.Axes, values: np.ndarray, label: str, scale: bool = True) -> None:
        vmin, vmax = (-lim, lim) if symmetric and scale else (None, None)
        cmap = "RdBu_r" if symmetric else "gray"
        if small:
            number_grid(
                ax,
                values,
                label,
                cmap="Greys",
                symmetric=symmetric,
                vmin=vmin,
                vmax=vmax,
                fontsize=8,
            )
        else:
            show_image(ax, values, label, cmap=cmap, vmin=vmin, vmax=vmax)

    what = f" {title}" if title else ""
    draw(axes[0], expected, f"cnnkit's{what}")
    if got is not None:
        comparison = compare_arrays(expected, got)
        draw(axes[1], got, f"yours ({name})")
        _mark_cells(axes[1], comparison.wrong)
        diff = got - expected
        if small:
            number_grid(axes[2], diff, "yours - cnnkit's", symmetric=True, fontsize=8)
        else:
            dl = float(np.abs(diff).max()) or 1.0
            show_image(axes[2], diff, "yours - cnnkit's", cmap="RdBu_r", vmin=-dl, vmax=dl)
        _mark_cells(axes[2], comparison.wrong)
        verdict = (
            "same numbers" if comparison.matches else f"{int(comparison.wrong.sum())} differ (red)"
        )
        axes[2].set_xlabel(verdict, color="#1a7f37" if comparison.matches else DIFFERENT)
    fig.tight_layout()
    return fig
