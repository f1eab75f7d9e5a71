"""Figures for the training notebook: learning curves, learned kernels, the feature maps of one
digit at every layer, the confusion matrix and the mistakes. Each helper returns a Figure or
draws on an Axes it is given; none calls ``plt.show()``.

:func:`confusion_matrix` is the one pure computation here: it counts, it does not draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..model import Sequential
from ..train import History
from ._common import (
    INK_CMAP,
    SIGNED_CMAP,
    image_grid,
    show_image,
    signed_colorbar,
    signed_imshow,
    signed_limit,
)

__all__ = [
    "confusion_matrix",
    "plot_history",
    "plot_learned_kernels",
    "kernel_movement",
    "plot_kernels_before_after",
    "plot_layer_outputs",
    "plot_confusion_matrix",
    "plot_mistakes",
]

TRAIN_COLOR, TEST_COLOR = "#1f77b4", "#e8590c"


def confusion_matrix(
    y_true: Sequence[int], y_pred: Sequence[int], n_classes: int | None = None
) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : sequence of int, shape (N,)
        True and predicted class of every example, each in ``0 .. n_classes - 1``.
    n_classes : int, optional
        Number of classes K; by default one more than the largest label seen.

    Returns
    -------
    ndarray of int64, shape (K, K)
        ``cm[t, p]`` is the number of examples of true class ``t`` predicted as ``p``. The
        diagonal holds the correct answers; each row adds up to the examples of that class.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D and of the same length, got shapes "
            f"{y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:  # no examples: nothing to count (and no dtype to check)
        y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0):
            raise ValueError(f"{name} must hold class numbers 0, 1, 2, ...; got {labels[:5]}...")
    seen = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if n_classes is None:
        n_classes = seen
    elif n_classes < seen:
        raise ValueError(
            f"n_classes={n_classes} but the labels go up to {seen - 1}; "
            f"use n_classes={seen} or more"
        )
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)  # one count per (true, predicted) pair
    return cm


def plot_history(
    history: History, axes: Sequence[plt.Axes] | None = None, total_epochs: int | None = None
) -> plt.Figure:
    """Loss and accuracy per epoch, on the training set and on the test set, side by side.

    Parameters
    ----------
    history : History
        What :func:`cnnkit.fit` returned (or is filling in, for live curves). The test
        curves are drawn when ``fit`` was given ``X_val`` and ``y_val``.
    axes : pair of Axes, optional
        Where to draw; a new 8.5 x 3 inch figure otherwise.
    total_epochs : int, optional
        Fix the x axis to this many epochs (so live curves do not rescale every epoch).
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(8.5, 3))
    else:
        fig = axes[0].figure
    ax_loss, ax_acc = axes
    epochs = np.arange(1, history.epochs + 1)
    ax_loss.plot(epochs, history.train_loss, "o-", color=TRAIN_COLOR, ms=3, label="train")
    ax_acc.plot(
        epochs, 100 * np.asarray(history.train_acc), "o-", color=TRAIN_COLOR, ms=3, label="train"
    )
    if history.val_loss:
        ax_loss.plot(epochs, history.val_loss, "s-", color=TEST_COLOR, ms=3, label="test")
        ax_acc.plot(
            epochs, 100 * np.asarray(history.val_acc), "s-", color=TEST_COLOR, ms=3, label="test"
        )
    last = max(total_epochs or 0, history.epochs, 1)
    for ax, title, ylabel in (
        (ax_loss, "Loss (lower is better)", "cross-entropy loss"),
        (ax_acc, "Accuracy (higher is better)", "accuracy (%)"),
    ):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.set_xlim(0.5, last + 0.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        if history.epochs:
            ax.legend(loc="best")
    ax_loss.set_ylim(bottom=0)
    ax_acc.set_ylim(top=100.5)
    fig.tight_layout()
    return fig


def plot_learned_kernels(
    weight: np.ndarray, ncols: int = 8, size: float = 1.0, title: str = ""
) -> plt.Figure:
    """One small panel per kernel of a first conv layer, blue negative, red positive.

    Parameters
    ----------
    weight : ndarray, shape (F, 1, KH, KW) or (F, KH, KW)
        The layer's ``params["weight"]`` (one input channel).
    ncols : int
        Panels per row.

    Each kernel has its own colour scale, centred on 0, so its pattern shows even when its
    weights are small.
    """
    weight = np.asarray(weight)
    if weight.ndim == 4:
        if weight.shape[1] != 1:
            raise ValueError(
                f"weight has {weight.shape[1]} input channels (shape {weight.shape}); "
                "pass one channel, e.g. weight[:, 0]"
            )
        weight = weight[:, 0]
    if weight.ndim != 3:
        raise ValueError(
            f"weight must have shape (F, 1, KH, KW) or (F, KH, KW), got {weight.shape}"
        )
    k = len(weight)
    fig = image_grid(weight, ncols=ncols, cmap="RdBu_r", size=size, symmetric=True)
    fig.set_figheight(fig.get_figheight() + 0.2)  # room for the title
    fig.suptitle(
        title
        or f"{k} learned kernels of the first layer "
        f"({weight.shape[1]}x{weight.shape[2]}; red > 0, blue < 0)"
    )
    return fig


def _kernel_rows(weight: np.ndarray, name: str) -> np.ndarray:
    """Each kernel of a one-channel conv weight as one row of numbers, shape (F, KH * KW)."""
    weight = np.asarray(weight, dtype=np.float64)
    if weight.ndim == 4 and weight.shape[1] == 1:
        weight = weight[:, 0]
    if weight.ndim != 3:
        raise ValueError(
            f"{name} must have shape (F, 1, KH, KW) or (F, KH, KW), got {weight.shape}"
        )
    return weight.reshape(len(weight), -1)


def kernel_movement(start: np.ndarray, trained: np.ndarray) -> dict[str, np.ndarray]:
    """How far each kernel moved during training, measured two ways.

    Parameters
    ----------
    start, trained : ndarray, shape (F, 1, KH, KW) or (F, KH, KW)
        The first conv layer's weight before and after training.

    Returns
    -------
    dict with, for each of the F kernels (arrays of shape (F,)):
        ``"cosine"``: the cosine similarity of the trained kernel to its start,
        ``sum(a * b) / (|a| |b|)``: 1 means the same pattern (only its size may differ),
        0 an unrelated one;
        ``"relative_change"``: ``|trained - start| / |start|``, the change as a share of the
        kernel's starting size (``|.|`` is the square root of the sum of squares).

    Examples
    --------
    >>> a = np.array([[[1.0, 0.0], [0.0, 0.0]]])
    >>> m = kernel_movement(a, 2 * a)
    >>> float(m["cosine"][0]), float(m["relative_change"][0])
    (1.0, 1.0)
    """
    a, b = _kernel_rows(start, "start"), _kernel_rows(trained, "trained")
    if a.shape != b.shape:
        raise ValueError(
            f"start and trained must have the same shape, got {np.shape(start)} "
            f"and {np.shape(trained)}"
        )
    size_a, size_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(size_a * size_b > 0, (a * b).sum(axis=1) / (size_a * size_b), np.nan)
        change = np.where(size_a > 0, np.linalg.norm(b - a, axis=1) / size_a, np.nan)
    return {"cosine": cosine, "relative_change": change}


def plot_kernels_before_after(
    start: np.ndarray, trained: np.ndarray, size: float = 0.95
) -> plt.Figure:
    """Each first-layer kernel at its random start, after training, and the change.

    Three rows, one column per kernel, all on ONE colour scale centred on 0 (so a small
    change looks small), with one colour bar. Each column is titled with the kernel's cosine
    similarity to its start (see :func:`kernel_movement`).

    Parameters
    ----------
    start, trained : ndarray, shape (F, 1, KH, KW) or (F, KH, KW)
    """
    a, b = _kernel_rows(start, "start"), _kernel_rows(trained, "trained")
    moved = kernel_movement(start, trained)
    shape = np.asarray(start).shape[-2:]
    rows = [("at the start", a), ("after training", b), ("change", b - a)]
    k = len(a)
    fig, axes = plt.subplots(3, k, figsize=(size * k + 1.9, size * 3 + 0.9), squeeze=False)
    lim = signed_limit(a, b)
    im = None
    for r, (name, values) in enumerate(rows):
        for i in range(k):
            ax = axes[r, i]
            title = f"{moved['cosine'][i]:.2f}" if r == 0 else ""
            im = signed_imshow(ax, values[i].reshape(shape), title, limit=lim, colorbar=False)
            ax.title.set_fontsize(8)
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    signed_colorbar(im, axes, "weight (0 = white)")
    fig.suptitle(
        "First-layer kernels before and after training "
        "(number above each: cosine similarity to its start)",
        fontsize=10,
    )
    return fig


def _resize_nearest(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Enlarge a 2-D array to (height, width) by repeating pixels (nearest neighbour)."""
    rows = np.arange(height) * image.shape[0] // height
    cols = np.arange(width) * image.shape[1] // width
    return image[rows][:, cols]


def _mosaic(maps: np.ndarray, height: int, width: int, gap: int) -> np.ndarray:
    """Maps (C, h, w) side by side, each enlarged to (height, width), NaN columns between."""
    tiles = []
    for i, m in enumerate(maps):
        if i:
            tiles.append(np.full((height, gap), np.nan))
        tiles.append(_resize_nearest(m, height, width))
    return np.hstack(tiles)


def plot_layer_outputs(
    model: Sequential, image: np.ndarray, max_maps: int = 8, size: float = 0.9
) -> plt.Figure:
    """The feature maps one image produces at every layer that keeps the image layout.

    Row 0 is the input; then one row per layer whose output is (C, H, W), showing its first
    ``max_maps`` channels side by side. Smaller maps are drawn enlarged (each pixel a
    block) so all panels have the same size. The input is drawn as ink (white 0, black 1);
    every other row on the course's signed colour map, its own scale centred on 0, with a
    colour bar. Layers after Flatten (plain vectors) are left out.

    Parameters
    ----------
    model : Sequential
    image : ndarray, shape (1, H, W) or (H, W)
        One grayscale image.
    max_maps : int
        At most this many feature maps per row.
    size : float
        Inches per panel.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        image = image[None]
    if image.ndim != 3:
        raise ValueError(f"image must have shape (1, H, W) or (H, W), got {image.shape}")
    outputs = model.forward_all(image[None])
    rows = [("input", outputs[0][0])]
    rows += [
        (f"layer {i}: {type(layer).__name__}", out[0])
        for i, (layer, out) in enumerate(zip(model.layers, outputs[1:]))
        if out.ndim == 4
    ]
    height = max(maps.shape[1] for _, maps in rows)
    width = max(maps.shape[2] for _, maps in rows)
    ncols = min(max_maps, max(len(maps) for _, maps in rows))
    gap = max(1, width // 6)
    label_width = 1.6  # inches on the left for the layer names
    fig = plt.figure(figsize=(label_width + size * ncols, size * len(rows) + 0.5))
    top = 1 - 0.5 / fig.get_figheight()
    grid = fig.add_gridspec(
        len(rows),
        1,
        left=label_width / fig.get_figwidth(),
        right=0.95,
        bottom=0.01,
        top=top,
        hspace=0.15,
    )
    for r, (name, maps) in enumerate(rows):
        c, h, w = maps.shape
        shown = maps[:ncols]
        ax = fig.add_subplot(grid[r])
        # The input is ink on paper; every later map is signed, on a scale centred on 0.
        if r == 0:
            cmap, lo, hi = plt.get_cmap(INK_CMAP).with_extremes(bad="white"), 0.0, 1.0
        else:
            lim = signed_limit(shown)
            cmap, lo, hi = plt.get_cmap(SIGNED_CMAP).with_extremes(bad="white"), -lim, lim
        # One row per layer, anchored left, so panels line up from row to row.
        im = ax.imshow(
            _mosaic(shown, height, width, gap),
            cmap=cmap,
            vmin=lo,
            vmax=hi,
            extent=(0, len(shown) * (width + gap) - gap, height, 0),
        )
        bar = fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01, aspect=8)
        bar.ax.tick_params(labelsize=7)
        bar.set_label("ink" if r == 0 else "value", fontsize=7)
        ax.set_xlim(0, ncols * (width + gap) - gap)
        ax.set_anchor("W")
        ax.axis("off")
        ax.text(
            -0.03 * width,
            height / 2,
            f"{name}\n{c} x {h} x {w}",
            ha="right",
            va="center",
            fontsize=8,
        )
    fig.suptitle(
        "Feature maps of one digit, layer by layer (first channels of each)",
        y=1 - 0.12 / fig.get_figheight(),
        va="top",
    )
    return fig


def plot_confusion_matrix(
    cm: np.ndarray, ax: plt.Axes | None = None, labels: Sequence[str] | None = None
) -> plt.Axes:
    """Draw a confusion matrix with the count written in every cell.

    Parameters
    ----------
    cm : ndarray of int, shape (K, K)
        From :func:`confusion_matrix`: rows are true classes, columns predictions.
    ax : Axes, optional
        A new 5 x 4.5 inch figure otherwise.
    labels : sequence of str, optional
        Class names; ``0 .. K-1`` by default.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square matrix, got shape {cm.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    k = len(cm)
    labels = [str(i) for i in range(k)] if labels is None else list(labels)
    # Colour by the share of each true class (row), so rare and common classes look alike.
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for t in range(k):
        for p in range(k):
            if cm[t, p]:
                ax.text(
                    p,
                    t,
                    f"{int(cm[t, p])}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if share[t, p] > 0.5 else ("#b02a00" if t != p else "black"),
                )
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"Confusion matrix: {int(np.trace(cm))} of {int(cm.sum())} on the diagonal")
    ax.figure.tight_layout()
    return ax


def plot_mistakes(
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    max_images: int = 16,
    ncols: int = 8,
    size: float = 1.15,
) -> plt.Figure:
    """The images whose prediction is wrong, each titled with its true and predicted label.

    Parameters
    ----------
    images : ndarray, shape (N, 1, H, W) or (N, H, W)
    y_true, y_pred : ndarray of int, shape (N,)
    max_images : int
        Show at most this many mistakes (the first ones, in order).
    """
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0]
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not (len(images) == len(y_true) == len(y_pred)):
        raise ValueError(
            f"images, y_true and y_pred must have the same length, got "
            f"{len(images)}, {len(y_true)} and {len(y_pred)}"
        )
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_images]
    if len(shown) == 0:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "No mistakes: every prediction is right.", ha="center", va="center")
        return fig
    ncols = max(1, min(ncols, len(shown)))
    nrows = -(-len(shown) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False
    )
    for ax, i in zip(axes.flat, shown):
        show_image(ax, images[i], cmap="gray_r")
        ax.set_title(f"true {int(y_true[i])}\npred {int(y_pred[i])}", fontsize=9, color="#b02a00")
    for ax in list(axes.flat)[len(shown) :]:
        ax.axis("off")
    fig.suptitle(
        f"{len(wrong)} mistakes"
        + (f" (first {len(shown)} shown)" if len(wrong) > len(shown) else "")
    )
    fig.tight_layout()
    return fig
