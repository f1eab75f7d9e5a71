"""Figures for the network notebook (01): the roles of the layers, softmax and cross-entropy,
and one example travelling through every layer of a CNN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from ..layers import Layer
from ..losses import softmax
from ..model import Sequential
from ._common import SIGNED_CMAP, signed_colorbar, signed_limit
from .index import plot_digit

__all__ = [
    "LayerInfo",
    "layer_table",
    "short_name",
    "tile_maps",
    "plot_map_mosaic",
    "plot_layer_roles",
    "plot_scores_and_probabilities",
    "plot_cross_entropy",
    "plot_forward_pass",
]

ROLE_COLORS = {
    "input": "#d0d7de",
    "hidden, learns": "#f4a261",
    "hidden, no parameters": "#a8dadc",
    "output": "#90be6d",
}
#: Colour of the gaps between feature maps in a mosaic: clearly not the white of a zero.
MAP_GAP_COLOR = "#b4bcc4"


def short_name(layer: Layer) -> str:
    """A layer's class name with its main size, e.g. ``Conv2D 3x3`` or ``Dense 128->10``."""
    kind = type(layer).__name__
    if hasattr(layer, "kernel_size"):
        kh, kw = layer.kernel_size
        return f"{kind} {kh}x{kw}"
    if hasattr(layer, "in_features"):
        return f"{kind} {layer.in_features}->{layer.out_features}"
    return kind


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a model as the notebook describes it.

    ``role`` is ``"input"``, ``"hidden, learns"``, ``"hidden, no parameters"`` or
    ``"output"``; ``params`` is the number of learnable numbers, ``nodes`` the number of
    neurons (weighted sums plus a bias) the layer computes for one example: 0 for the input
    and for ReLU, pooling and Flatten (see :func:`cnnkit.model.computes_nodes`).
    """

    index: int | None
    name: str
    role: str
    output_shape: tuple[int, ...]
    nodes: int
    params: int


def layer_table(model: Sequential, input_shape: tuple[int, ...]) -> list[LayerInfo]:
    """The input and every layer of ``model`` with its role, output shape, nodes, parameters.

    The last layer is the output layer; the others are hidden layers, split into those with
    learnable parameters and those without. The input layer has no parameters.

    Parameters
    ----------
    model : Sequential
    input_shape : tuple of int
        One example's shape, e.g. ``(1, 8, 8)``.

    Returns
    -------
    list of LayerInfo
        ``len(model) + 1`` entries, the input first.

    Examples
    --------
    >>> from cnnkit import digits_cnn
    >>> [row.role for row in layer_table(digits_cnn(), (1, 8, 8))][:3]
    ['input', 'hidden, learns', 'hidden, no parameters']
    """
    summary = model.summary(input_shape)
    shape = tuple(int(s) for s in input_shape)
    rows = [LayerInfo(None, "input", "input", shape, 0, 0)]
    last = len(model.layers) - 1
    for row, layer in zip(summary.rows, model.layers):
        if row.index == last:
            role = "output"
        else:
            role = "hidden, learns" if row.params else "hidden, no parameters"
        rows.append(
            LayerInfo(row.index, short_name(layer), role, row.output_shape, row.nodes, row.params)
        )
    return rows


def _grid_columns(k: int) -> int:
    """Columns for a grid of ``k`` panels: a divisor of ``k`` near sqrt(k) when there is one."""
    root = np.sqrt(k)
    for cols in range(int(np.ceil(root)), int(2 * root) + 1):
        if k % cols == 0:
            return cols
    return max(1, int(np.ceil(root)))


def tile_maps(maps: np.ndarray, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Lay K feature maps side by side in one 2-D array, separated by NaN gaps.

    Parameters
    ----------
    maps : ndarray, shape (K, H, W)
    ncols : int, optional
        Maps per row (a divisor of K close to sqrt(K) by default).
    pad : int
        Width of the gap between maps, in pixels.

    Returns
    -------
    mosaic : ndarray, shape (rows * (H + pad) - pad, ncols * (W + pad) - pad)

    Examples
    --------
    >>> tile_maps(np.zeros((16, 8, 8))).shape
    (35, 35)
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (K, H, W), got {maps.shape}")
    k, h, w = maps.shape
    ncols = _grid_columns(k) if ncols is None else max(1, min(int(ncols), k))
    nrows = -(-k // ncols)
    mosaic = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), np.nan)
    for i in range(k):
        r, c = divmod(i, ncols)
        mosaic[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = maps[i]
    return mosaic


def plot_map_mosaic(
    ax: plt.Axes,
    maps: np.ndarray,
    title: str = "",
    ncols: int | None = None,
    limit: float | None = None,
    colorbar: bool = True,
    label: str = "value (0 = white)",
) -> plt.Axes:
    """Draw K feature maps as one mosaic: red positive, blue negative, white zero.

    Thin gray lines separate the maps (gray, not white, so a gap never looks like a zero).
    The colour scale (:data:`~cnnkit.viz.SIGNED_CMAP`, centred on 0) is shared by all maps,
    so a map that is weak compared with the others looks pale.

    Parameters
    ----------
    ax : matplotlib Axes
    maps : ndarray, shape (K, H, W)
    title : str
    ncols : int, optional
    limit : float, optional
        The scale runs from -limit to +limit; give several panels the same limit to compare
        them. By default the largest absolute value in ``maps``.
    colorbar : bool
        Add a colour bar labelled ``label``.
    """
    maps = np.asarray(maps, dtype=float)
    lim = signed_limit(maps) if limit is None else float(limit)
    cmap = plt.get_cmap(SIGNED_CMAP).with_extremes(bad=MAP_GAP_COLOR)
    im = ax.imshow(tile_maps(maps, ncols), cmap=cmap, vmin=-lim, vmax=lim)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    if colorbar:
        signed_colorbar(im, ax, label)
    return ax


def plot_layer_roles(model: Sequential, input_shape: tuple[int, ...]) -> plt.Figure:
    """A row of boxes, one per layer, coloured by role, with output shape and parameters.

    Parameters
    ----------
    model : Sequential
    input_shape : tuple of int
        One example's shape, e.g. ``(1, 8, 8)``.

    Returns
    -------
    fig : matplotlib Figure
    """
    rows = layer_table(model, input_shape)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.25 * n), 2.4))
    ax.set_xlim(-0.1, n - 0.1)
    ax.set_ylim(-0.35, 1.1)
    ax.axis("off")
    for i, row in enumerate(rows):
        box = FancyBboxPatch(
            (i + 0.05, 0.0),
            0.8,
            1.0,
            boxstyle="round,pad=0.02",
            facecolor=ROLE_COLORS[row.role],
            edgecolor="#57606a",
        )
        ax.add_patch(box)
        name = row.name.replace(" ", "\n", 1)
        ax.text(i + 0.45, 0.72, name, ha="center", va="center", fontsize=8.5, weight="bold")
        shape = "x".join(str(s) for s in row.output_shape)
        ax.text(i + 0.45, 0.45, shape, ha="center", va="center", fontsize=8)
        nodes = f"{row.nodes:,} nodes" if row.nodes else "no nodes"
        ax.text(
            i + 0.45, 0.2, f"{nodes}\n{row.params:,} params", ha="center", va="center", fontsize=7.5
        )
        if i + 1 < n:
            ax.annotate(
                "",
                xy=(i + 1.05, 0.5),
                xytext=(i + 0.85, 0.5),
                arrowprops={"arrowstyle": "->", "color": "#57606a"},
            )
    handles = [
        plt.Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#57606a") for c in ROLE_COLORS.values()
    ]
    ax.legend(
        handles,
        list(ROLE_COLORS),
        loc="lower center",
        ncol=4,
        frameon=False,
        bbox_to_anchor=(0.5, -0.05),
        fontsize=8.5,
    )
    ax.set_title(
        "Layers in order: name, output shape for one example, nodes (neurons) and "
        "learnable parameters"
    )
    fig.tight_layout()
    return fig


def plot_scores_and_probabilities(
    scores: Sequence[float], class_names: Sequence[str] | None = None, true_class: int | None = None
) -> plt.Figure:
    """Two bar charts side by side: raw scores (logits) and the probabilities softmax makes.

    Parameters
    ----------
    scores : sequence of float, length K
    class_names : sequence of str, optional
        Labels of the bars (``"0" .. "K-1"`` by default).
    true_class : int, optional
        Outline this class's bars (the right answer).

    Returns
    -------
    fig : matplotlib Figure
    """
    scores = np.asarray(scores, dtype=float)
    probs = softmax(scores)
    names = [str(i) for i in range(len(scores))] if class_names is None else list(class_names)
    fig, (ax_s, ax_p) = plt.subplots(1, 2, figsize=(8.5, 2.8))
    colors = ["#4c72b0"] * len(scores)
    edges = ["none"] * len(scores)
    xlabel = "class"
    if true_class is not None:
        edges[int(true_class)] = "black"
        xlabel = f"class (right class {int(true_class)} outlined)"
    ax_s.bar(names, scores, color=colors, edgecolor=edges, linewidth=2)
    ax_s.axhline(0, color="gray", linewidth=0.8)
    ax_s.set_title("scores (logits): any real numbers")
    ax_s.set_xlabel(xlabel)
    ax_s.set_ylabel("score")
    ax_p.bar(names, probs, color="#55a868", edgecolor=edges, linewidth=2)
    ax_p.set_ylim(0, 1.05)
    ax_p.set_title(f"softmax: probabilities, sum = {probs.sum():.2f}")
    ax_p.set_xlabel(xlabel)
    ax_p.set_ylabel("probability")
    for x, p in enumerate(probs):
        ax_p.text(x, p + 0.02, f"{p:.2f}", ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    return fig


def plot_cross_entropy(ax: plt.Axes, cases: Sequence[tuple[str, float]] = ()) -> plt.Axes:
    """The loss ``-ln p`` against ``p``, the probability given to the right class.

    Parameters
    ----------
    ax : matplotlib Axes
    cases : sequence of (label, p)
        Points to mark on the curve, e.g. ``[("confident and right", 0.9)]``.
    """
    lowest = min([0.005, *(prob for _, prob in cases)])
    p = np.linspace(0.8 * lowest, 1.0, 400)
    ax.plot(p, -np.log(p), color="#4c72b0")
    markers = ["o", "s", "^", "D"]
    for i, (label, prob) in enumerate(cases):
        loss = -np.log(prob)
        ax.plot(
            [prob],
            [loss],
            markers[i % len(markers)],
            markersize=8,
            label=f"{label}: p = {prob:.3f}, loss = {loss:.2f}",
        )
    ax.set_xlabel("probability the network gives to the right class, p")
    ax.set_ylabel("cross-entropy loss, -ln p")
    ax.set_title("Cross-entropy: small when the right class gets a high probability")
    ax.set_xlim(-0.02, 1.02)  # room for a marker at p close to 0
    ax.set_ylim(0, 1.05 * -np.log(p[0]))
    if cases:
        ax.legend(fontsize=8.5)
    return ax


def _mosaic_aspect(value: np.ndarray) -> float:
    """Height / width of how a (C, H, W) output is drawn (a mosaic, or the image itself)."""
    mosaic = tile_maps(value) if value.shape[0] > 1 else value[0]
    return mosaic.shape[0] / mosaic.shape[1]


def plot_forward_pass(
    model: Sequential,
    image: np.ndarray,
    label: int | None = None,
    title: str = "",
    per_row: int = 5,
) -> plt.Figure:
    """One example travelling through every layer of ``model``.

    Every image-shaped output (C, H, W) is drawn as a mosaic of its C feature maps; a flat
    output before the last layer as a strip of numbers; the last layer's scores as softmax
    probabilities in a bar chart.

    Parameters
    ----------
    model : Sequential
        Ends with a layer that outputs one score per class.
    image : ndarray, shape (C, H, W)
        One example (without the batch axis).
    label : int, optional
        The right class, outlined in the bar chart.
    title : str
        Figure title.
    per_row : int
        Image panels per row.

    Returns
    -------
    fig : matplotlib Figure
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (C, H, W), got {image.shape}")
    outputs = model.forward_all(image[None])
    names = ["input"] + [f"{i}: {short_name(layer)}" for i, layer in enumerate(model.layers)]
    pictures = [(n, o[0]) for n, o in zip(names[:-1], outputs[:-1]) if o.ndim == 4]
    vectors = [(n, o[0]) for n, o in zip(names[:-1], outputs[:-1]) if o.ndim == 2]
    scores = outputs[-1][0]
    image_rows = max(1, -(-len(pictures) // per_row))
    heights = []
    for r in range(image_rows):  # each row as tall as its tallest panel (about 2 inches wide)
        aspects = [_mosaic_aspect(v) for _, v in pictures[r * per_row : (r + 1) * per_row]]
        heights.append(min(2.0, 2.0 * max(aspects, default=1.0)) + 0.35)
    heights += [0.55] * len(vectors) + [1.9]
    fig = plt.figure(figsize=(2.4 * per_row, sum(heights) + 0.45 * len(heights) + 0.5))
    grid = fig.add_gridspec(
        len(heights),
        per_row,
        height_ratios=heights,
        hspace=0.6,
        left=0.07,
        right=0.98,
        bottom=0.06,
        top=0.88,
    )
    for i, (name, value) in enumerate(pictures):
        ax = fig.add_subplot(grid[i // per_row, i % per_row])
        shape = "x".join(str(s) for s in value.shape)
        if i == 0:
            plot_digit(ax, value, vmax=max(1.0, float(value.max())))
            ax.set_title(f"{name}\n{shape}", fontsize=9)
        else:
            plot_map_mosaic(ax, value, label="value")
            ax.set_title(f"{name}\n{value.shape[0]} maps, {shape}", fontsize=9)
    for j, (name, value) in enumerate(vectors):
        ax = fig.add_subplot(grid[image_rows + j, :])
        lim = signed_limit(value)
        im = ax.imshow(value[None, :], cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, aspect="auto")
        signed_colorbar(im, ax, "value")
        ax.set_yticks([])
        ax.set_xlabel("position in the vector", fontsize=8)
        ax.set_title(f"{name}: a vector of {value.size} numbers", fontsize=9)
    ax = fig.add_subplot(grid[-1, :])
    probs = softmax(scores)
    predicted = int(np.argmax(probs))
    colors = ["#55a868" if k == predicted else "#9db4c0" for k in range(len(probs))]
    edges = [
        "black" if label is not None and k == int(label) else "none" for k in range(len(probs))
    ]
    ax.bar(range(len(probs)), probs, color=colors, edgecolor=edges, linewidth=2)
    ax.set_xticks(range(len(probs)))
    if label is not None:  # the right answer's tick in bold, so it is found even when p is tiny
        ax.get_xticklabels()[int(label)].set_fontweight("bold")
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    truth = "" if label is None else f", right answer {int(label)} (outlined)"
    ax.set_title(
        f"{names[-1]} + softmax: predicts {predicted} with p = {probs[predicted]:.2f}{truth}",
        fontsize=9,
    )
    if title:
        fig.suptitle(
            f"{title}\nfeature maps: red positive, blue negative, white zero "
            "(each panel has its own scale)",
            fontsize=11,
        )
    return fig
