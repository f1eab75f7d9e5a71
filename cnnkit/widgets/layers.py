"""Explorers of the network notebook (01): a digit travelling through every layer, and
softmax with cross-entropy for scores you choose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..losses import softmax, softmax_cross_entropy
from ..model import Sequential
from ..viz.layers import plot_forward_pass, plot_scores_and_probabilities
from ._explorer import Explorer

__all__ = [
    "DigitTrace",
    "trace_digit",
    "pick_example",
    "forward_pass_view",
    "layers_explorer",
    "softmax_summary",
    "softmax_view",
    "softmax_explorer",
]


def pick_example(labels: np.ndarray, digit: int, example: int) -> int:
    """The data-set index of the ``example``-th image showing ``digit``.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
    digit : int
    example : int
        0 for the first image of that digit, 1 for the second, ...

    Returns
    -------
    index : int

    Raises
    ------
    ValueError
        When there is no such digit, or fewer than ``example + 1`` images of it.

    Examples
    --------
    >>> pick_example(np.array([3, 1, 3]), digit=3, example=1)
    2
    """
    members = np.flatnonzero(np.asarray(labels) == int(digit))
    if len(members) == 0:
        raise ValueError(f"digit={digit} does not occur in the labels")
    if not 0 <= int(example) < len(members):
        raise ValueError(
            f"example={example}: there are only {len(members)} images of the "
            f"digit {digit}; pick 0 .. {len(members) - 1}"
        )
    return int(members[int(example)])


@dataclass(frozen=True)
class DigitTrace:
    """What the layers explorer shows for one image: where it is in the data set, its
    label, every layer's output (``outputs[0]`` is the input) and the probabilities."""

    index: int
    label: int
    outputs: tuple[np.ndarray, ...]
    probabilities: np.ndarray

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    def caption(self) -> str:
        p = self.probabilities
        return (
            f"image #{self.index} (label {self.label}): the network predicts "
            f"{self.predicted} (p = {p[self.predicted]:.2f}); the right class gets "
            f"p = {p[self.label]:.2f}"
        )


def trace_digit(
    model: Sequential, images: np.ndarray, labels: np.ndarray, digit: int, example: int
) -> DigitTrace:
    """Run the ``example``-th image of ``digit`` through ``model`` and keep every output.

    Parameters
    ----------
    model : Sequential
    images : ndarray, shape (N, C, H, W)
    labels : ndarray of int, shape (N,)
    digit, example : int
        See :func:`pick_example`.

    Returns
    -------
    DigitTrace
    """
    index = pick_example(labels, digit, example)
    outputs = model.forward_all(images[index : index + 1])
    return DigitTrace(
        index, int(labels[index]), tuple(o[0] for o in outputs), softmax(outputs[-1][0])
    )


def forward_pass_view(
    model: Sequential,
    images: np.ndarray,
    labels: np.ndarray,
    digit: int,
    example: int,
    note: str = "",
) -> tuple[plt.Figure, str]:
    """The layers explorer's drawing: every layer's output for one image, and a caption.

    Returns
    -------
    fig : matplotlib Figure
        From :func:`cnnkit.viz.plot_forward_pass`.
    caption : str
        What the network predicts for this image (see :meth:`DigitTrace.caption`).
    """
    trace = trace_digit(model, images, labels, digit, example)
    title = f"Image #{trace.index} (label {trace.label}) at every layer"
    if note:
        title += f" {note}"
    fig = plot_forward_pass(model, images[trace.index], trace.label, title=title)
    return fig, trace.caption()


def layers_explorer(
    model: Sequential, images: np.ndarray, labels: np.ndarray, note: str = ""
) -> Explorer:
    """Pick a digit and one of its examples; see it at every layer of ``model``.

    Parameters
    ----------
    model : Sequential
    images : ndarray, shape (N, C, H, W)
    labels : ndarray of int, shape (N,)
    note : str
        Added to the figure title, e.g. ``"(untrained network)"``.

    Returns
    -------
    Explorer
        Controls ``digit`` (dropdown) and ``example`` (slider; its range fits every digit).
    """
    classes = [int(c) for c in np.unique(labels)]
    fewest = int(min(np.sum(labels == c) for c in classes))
    controls = {
        "digit": widgets.Dropdown(options=classes, value=classes[0], description="digit"),
        "example": widgets.IntSlider(
            value=0, min=0, max=fewest - 1, description="example #", continuous_update=False
        ),
    }

    def draw(digit: int, example: int) -> tuple[plt.Figure, str]:
        return forward_pass_view(model, images, labels, digit, example, note)

    return Explorer(controls, draw, title="A digit at every layer", columns=2)


def softmax_summary(scores: Sequence[float], true_class: int) -> tuple[np.ndarray, float, str]:
    """Scores -> softmax probabilities -> cross-entropy loss, in numbers and in words.

    Parameters
    ----------
    scores : sequence of float, length K
        The output layer's raw scores (logits).
    true_class : int
        The right answer, 0 .. K-1.

    Returns
    -------
    probabilities : ndarray, shape (K,)
    loss : float
        ``-ln probabilities[true_class]``.
    text : str
        The probabilities, their sum, and the loss.

    Raises
    ------
    ValueError
        When ``true_class`` is not one of the K classes.

    Examples
    --------
    >>> probs, loss, text = softmax_summary([0.0, 0.0], 1)
    >>> probs.tolist(), round(loss, 4)
    ([0.5, 0.5], 0.6931)
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or len(scores) < 2:
        raise ValueError(f"scores must be a list of at least 2 numbers, got shape {scores.shape}")
    if not 0 <= int(true_class) < len(scores):
        raise ValueError(f"true_class={true_class} must be a class 0 .. {len(scores) - 1}")
    k = int(true_class)
    probs = softmax(scores)
    loss, _ = softmax_cross_entropy(scores[None, :], np.array([k]))
    listed = ", ".join(f"{p:.3f}" for p in probs)
    text = (
        f"probabilities: {listed} (sum {probs.sum():.3f})\nright class {k} "
        f"gets p = {probs[k]:.3f}, so the loss is -ln p = {loss:.3f}"
    )
    return probs, float(loss), text


def softmax_view(scores: Sequence[float], true_class: int) -> tuple[plt.Figure, str]:
    """The softmax explorer's drawing: scores and probabilities side by side, and the text of
    :func:`softmax_summary`.

    Raises
    ------
    ValueError
        When ``true_class`` is not one of the classes.
    """
    _, _, text = softmax_summary(scores, true_class)
    fig = plot_scores_and_probabilities(scores, true_class=int(true_class))
    return fig, text


def softmax_explorer(
    n_classes: int = 4, true_class: int = 0, scores: Sequence[float] | None = None
) -> Explorer:
    """One slider per class score, and a choice of the right class: watch the
    probabilities and the cross-entropy loss change.

    Returns
    -------
    Explorer
        Controls ``s0 .. s{K-1}`` (score sliders) and ``true_class`` (toggle buttons).
    """
    start = [2.0, 1.0, 0.0, -1.0, 0.5, -0.5][:n_classes] if scores is None else list(scores)
    start += [0.0] * (n_classes - len(start))
    controls: dict[str, widgets.Widget] = {
        f"s{k}": widgets.FloatSlider(
            value=start[k],
            min=-5.0,
            max=5.0,
            step=0.5,
            description=f"score {k}",
            continuous_update=False,
        )
        for k in range(n_classes)
    }
    controls["true_class"] = widgets.ToggleButtons(
        options=list(range(n_classes)), value=true_class, description="right class"
    )

    def draw(true_class: int, **values: float) -> tuple[plt.Figure, str]:
        return softmax_view([values[f"s{k}"] for k in range(n_classes)], true_class)

    return Explorer(controls, draw, title="Softmax and cross-entropy", columns=2)
