"""Figures for the pooling and receptive-fields notebook (06): max against average pooling,
PyTorch's pooling windows along one axis, the backward pass of pooling, the shift test, and
receptive fields growing through a stack. Each returns a Figure; none calls ``plt.show()``.

Signed values (feature maps, gradients) are drawn with one diverging colour map, ``RdBu_r``
(blue negative, white zero, red positive), centred on zero, with a labelled colour bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .._validate import nonnegative_int, positive_int
from ..pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from ..receptive import Window
from ._common import show_image
from .kernels_feature_maps_nodes import HIGHLIGHT, number_grid, outline_window

__all__ = [
    "DIVERGING",
    "pool_window_starts",
    "plot_max_vs_avg",
    "plot_pool_windows",
    "plot_pool_backward",
    "plot_shift_test",
    "plot_receptive_field",
    "plot_receptive_field_growth",
]

DIVERGING = "RdBu_r"  # the one colour map for signed values: blue < 0 < red
WINDOW_COLORS = ("#0072b2", "#e69f00")  # blue and orange (Okabe-Ito), told apart by everyone


def _limit(*arrays: np.ndarray) -> float:
    finite = [
        np.abs(a[np.isfinite(a)]).max() for a in map(np.asarray, arrays) if np.isfinite(a).any()
    ]
    return float(max(finite)) if finite and max(finite) > 0 else 1.0


def _signed(
    ax: plt.Axes,
    values: np.ndarray,
    title: str,
    lim: float,
    label: str = "value",
    colorbar: bool = True,
):
    im = ax.imshow(values, cmap=DIVERGING, vmin=-lim, vmax=lim)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label(label)
    return im


def pool_window_starts(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    drop_rule: bool = True,
) -> list[int]:
    """Where each pooling window starts along one axis, found by walking the windows.

    Windows start at ``-padding``, ``-padding + stride``, ... (positions in the unpadded
    input; negative ones are in the left padding). Without ``ceil_mode`` a window is kept
    while it fits entirely in the padded input. With ``ceil_mode`` one last window may hang
    over the end, but only if it starts before the right padding (PyTorch's rule).
    The number of starts is the output size, which :func:`cnnkit.pool_output_size`
    computes with a formula instead. ``drop_rule=False`` leaves PyTorch's last rule out
    (to show which window it drops).

    Examples
    --------
    >>> pool_window_starts(5, 2), pool_window_starts(5, 2, ceil_mode=True)
    ([0, 2], [0, 2, 4])
    """
    n, k = positive_int(n, "n"), positive_int(kernel_size, "kernel_size")
    s = k if stride is None else positive_int(stride, "stride")
    p = nonnegative_int(padding, "padding")
    end = n + 2 * p  # one past the last padded position, counted from the left padding
    starts = []
    i = 0
    while True:
        start = i * s  # in padded coordinates
        fits = start + k <= end
        # the window before this one did not reach the end: this one covers what it left
        hangs_over = ceil_mode and (i - 1) * s + k < end and (start < n + p or not drop_rule)
        if not (fits or hangs_over):
            break
        starts.append(start - p)
        i += 1
    return starts


def plot_pool_windows(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    title: str = "",
) -> plt.Figure:
    """One row of ``n`` input cells (padding shaded) and every pooling window below it.

    Windows PyTorch keeps are drawn solid; the window ``ceil_mode`` would add but PyTorch
    drops (it starts in the right padding) is drawn dashed.
    """
    k = positive_int(kernel_size, "kernel_size")
    s = k if stride is None else positive_int(stride, "stride")
    p = nonnegative_int(padding, "padding")
    kept = pool_window_starts(n, k, s, p, ceil_mode)
    dropped = [
        d for d in pool_window_starts(n, k, s, p, ceil_mode, drop_rule=False) if d not in kept
    ]
    rows = len(kept) + len(dropped)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * (n + 2 * p + k) + 1.5), 0.9 + 0.35 * rows))
    for c in range(-p, n + p):
        pad = c < 0 or c >= n
        ax.add_patch(
            Rectangle(
                (c, 0),
                1,
                1,
                facecolor="#dddddd" if pad else "white",
                edgecolor="#555555",
                hatch="//" if pad else None,
            )
        )
        ax.text(c + 0.5, 0.5, "pad" if pad else str(c), ha="center", va="center", fontsize=8)
    for r, start in enumerate(kept + dropped):
        color = WINDOW_COLORS[r % 2]
        is_dropped = r >= len(kept)
        ax.add_patch(
            Rectangle(
                (start, -1.0 - 0.35 * r),
                k,
                0.28,
                facecolor="none" if is_dropped else color,
                edgecolor=color,
                lw=1.5,
                linestyle="--" if is_dropped else "-",
            )
        )
        ax.text(
            start + k + 0.15,
            -0.86 - 0.35 * r,
            "dropped: starts in the padding" if is_dropped else f"window {r}",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(-p - 0.5, n + p + k + 4)
    ax.set_ylim(-1.2 - 0.35 * rows, 1.2)
    ax.axis("off")
    mode = "ceil_mode=True" if ceil_mode else "floor (default)"
    ax.set_title(
        title or f"n={n}, kernel {k}, stride {s}, padding {p}, {mode}: {len(kept)} windows",
        fontsize=10,
    )
    return fig


def plot_max_vs_avg(feature_map: np.ndarray, kernel_size: int = 2, title: str = "") -> plt.Figure:
    """A feature map, its max pooling and its average pooling, on one colour scale."""
    fmap = np.asarray(feature_map, dtype=np.float64)
    mx, av = max_pool2d(fmap, kernel_size), avg_pool2d(fmap, kernel_size)
    lim = _limit(fmap)
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0))
    k = kernel_size
    _signed(axes[0], fmap, f"feature map {fmap.shape[0]}x{fmap.shape[1]}", lim, colorbar=False)
    _signed(axes[1], mx, f"max pool {k}x{k}: {mx.shape[0]}x{mx.shape[1]}", lim, colorbar=False)
    im = _signed(
        axes[2], av, f"average pool {k}x{k}: {av.shape[0]}x{av.shape[1]}", lim, colorbar=False
    )
    fig.colorbar(im, ax=list(axes), fraction=0.025, pad=0.02).set_label("value")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_pool_backward(
    x: np.ndarray, dout: np.ndarray, kernel_size: int, stride: int | None = None
) -> plt.Figure:
    """The input, the gradient arriving at the pooled output, and the gradient each kind of
    pooling sends back to its input (numbers written in the cells)."""
    x = np.asarray(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    dx_max = max_pool2d_backward(dout, x, kernel_size, stride)
    dx_avg = avg_pool2d_backward(dout, x, kernel_size, stride)
    s = kernel_size if stride is None else stride
    fig, axes = plt.subplots(1, 4, figsize=(12.5, 3.4))
    number_grid(axes[0], x, "input x", cmap="Greys")
    glim = _limit(dout, dx_max, dx_avg)
    panels = [
        (dout, "gradient at the output"),
        (dx_max, "max pool: to each first maximum"),
        (dx_avg, "average pool: shared evenly"),
    ]
    for ax, (values, name) in zip(axes[1:], panels):
        number_grid(ax, values, name, cmap=DIVERGING, vmin=-glim, vmax=glim)
    im = axes[-1].images[0]
    fig.colorbar(im, ax=list(axes[1:]), fraction=0.02, pad=0.02).set_label("gradient")
    fig.suptitle(f"Backward pass of {kernel_size}x{kernel_size} pooling, stride {s}", fontsize=11)
    return fig


def plot_shift_test(
    names: Sequence[str],
    unchanged: Sequence[float],
    accuracy: Sequence[float],
    accuracy_shifted: Sequence[float],
) -> plt.Figure:
    """Bars: per network, the share of predictions a one-pixel shift leaves unchanged, and
    the test accuracy before and after the shift (fractions, drawn in %)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    x = np.arange(len(names))
    width = 0.27
    bars = [
        (unchanged, "predictions unchanged by the shift", "#0072b2", ""),
        (accuracy, "test accuracy", "#009e73", ""),
        (accuracy_shifted, "test accuracy, shifted digits", "#e69f00", "//"),
    ]
    for i, (values, label, color, hatch) in enumerate(bars):
        pos = x + (i - 1) * width
        ax.bar(
            pos,
            100 * np.asarray(values, dtype=float),
            width,
            label=label,
            color=color,
            hatch=hatch,
            edgecolor="black",
            lw=0.5,
        )
        for p_, v in zip(pos, values):
            ax.text(p_, 100 * v + 1, f"{100 * v:.0f}", ha="center", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(names)
    ax.set_ylabel("% of test digits")
    ax.set_ylim(0, 115)
    ax.set_title("Shifting every test digit by one pixel")
    ax.legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    return fig


def plot_receptive_field(
    image: np.ndarray, window: Window, title: str = "", ax: plt.Axes | None = None
) -> plt.Axes:
    """An image with one receptive field outlined (dashed where it reaches the padding)."""
    image = np.asarray(image, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    h, w = image.shape
    show_image(ax, image, title, cmap="gray_r")
    outline_window(ax, window, color=HIGHLIGHT, lw=1.5)
    inside = window.clip(h, w)
    if inside.shape[0] > 0 and inside.shape[1] > 0:
        outline_window(ax, inside, color=HIGHLIGHT, lw=3)
    ax.set_xlim(min(-0.5, window.col_start - 0.7), max(w - 0.5, window.col_stop - 0.3))
    ax.set_ylim(max(h - 0.5, window.row_stop - 0.3), min(-0.5, window.row_start - 0.7))
    return ax


def plot_receptive_field_growth(
    names: Sequence[str],
    windows: Sequence[Window],
    input_hw: tuple[int, int],
    image: np.ndarray | None = None,
    size: float = 2.3,
) -> plt.Figure:
    """One panel per layer: the input with the window one node of that layer sees.

    Parameters
    ----------
    names : layer names, one per panel
    windows : the node's receptive field after each layer (unclipped)
    input_hw : (height, width) of the input
    image : optional 2-D image drawn under the windows
    """
    h, w = input_hw
    n = len(windows)
    if n == 0:
        raise ValueError("windows is empty; give at least one layer")
    fig, axes = plt.subplots(1, n, figsize=(size * n, size + 0.6), squeeze=False)
    background = np.zeros((h, w)) if image is None else np.asarray(image, dtype=np.float64)
    for ax, name, win in zip(axes[0], names, windows):
        rh, rw = win.shape
        plot_receptive_field(background, win, f"{name}\nsees {rh}x{rw}", ax=ax)
    fig.tight_layout()
    return fig
