"""Figures for the modern-building-blocks notebook (09): a 1x1 convolution mixing channels,
the footprint of dilated layers (gridding holes hatched), which channels a grouped
convolution connects, what convolutions cost, the overlap of a transposed convolution's
kernel copies (the checkerboard), and training curves side by side. Each returns a Figure
or draws on a given Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from ._common import signed_colorbar, signed_imshow, signed_limit

__all__ = [
    "plot_channel_mixing",
    "plot_footprints",
    "plot_group_connections",
    "plot_block_costs",
    "plot_overlap",
    "plot_curves_side_by_side",
    "plot_channel_statistics",
    "plot_upsampled",
]

COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7")  # Okabe-Ito: told apart by everyone
MARKERS = ("o", "s", "^", "D")  # and a marker and a line style each, for print too
LINES = ("-", "--", "-.", ":")


def plot_channel_mixing(
    maps_in: np.ndarray, weight: np.ndarray, maps_out: np.ndarray, size: float = 1.9
) -> plt.Figure:
    """A 1x1 convolution: input channels (left column), the weight matrix, output channels.

    Parameters
    ----------
    maps_in : ndarray, shape (C, H, W)
    weight : ndarray, shape (F, C) or (F, C, 1, 1)
    maps_out : ndarray, shape (F, H, W)
    """
    maps_in, maps_out = np.asarray(maps_in), np.asarray(maps_out)
    weight = np.asarray(weight).reshape(len(maps_out), len(maps_in))
    rows = max(len(maps_in), len(maps_out))
    fig, axes = plt.subplots(
        rows, 3, figsize=(3 * size + 1.6, rows * size + 0.5), squeeze=False, layout="constrained"
    )
    lim = signed_limit(maps_in, maps_out)
    im = None
    for r in range(rows):
        for c, maps in ((0, maps_in), (2, maps_out)):
            ax = axes[r, c]
            if r < len(maps):
                name = "input channel" if c == 0 else "output channel"
                im = signed_imshow(ax, maps[r], f"{name} {r}", limit=lim, colorbar=False)
            else:
                ax.axis("off")
        axes[r, 1].axis("off")
    middle = axes[rows // 2, 1]
    middle.axis("on")
    signed_imshow(middle, weight, "1x1 weights\n(out x in)", colorbar=False, ticks=True)
    middle.set_xlabel("input channel")
    middle.set_ylabel("output channel")
    middle.set_xticks(range(weight.shape[1]))
    middle.set_yticks(range(weight.shape[0]))
    wlim = signed_limit(weight)
    for (i, j), w in np.ndenumerate(weight):
        color = "white" if abs(w) > 0.6 * wlim else "black"
        middle.text(j, i, f"{w:.1f}", ha="center", va="center", fontsize=9, color=color)
    fig.suptitle(
        "A 1x1 convolution: every output pixel is a weighted sum of the input channels "
        "at that pixel",
        fontsize=10,
    )
    if im is not None:
        signed_colorbar(im, axes[:, 2])
    return fig


def plot_footprints(
    footprints: Sequence[np.ndarray], titles: Sequence[str], suptitle: str = "", size: float = 2.4
) -> plt.Figure:
    """One panel per footprint: paths per input pixel, holes inside the field hatched red.

    Every panel is drawn on the grid of the largest footprint, centred, so the growth of the
    receptive field shows from panel to panel.
    """
    if not footprints:
        raise ValueError("footprints is empty; give at least one footprint to draw")
    side = max(f.shape[0] for f in footprints)
    fig, axes = plt.subplots(
        1, len(footprints), figsize=(size * len(footprints) + 0.8, size + 0.6), squeeze=False
    )
    top = max(int(f.max()) for f in footprints)
    im = None
    for ax, fp, title in zip(axes[0], footprints, titles):
        grid = np.full((side, side), np.nan)
        off = (side - fp.shape[0]) // 2
        grid[off : off + fp.shape[0], off : off + fp.shape[1]] = fp
        shown = np.where(grid > 0, grid, np.nan)
        im = ax.imshow(shown, cmap="viridis", vmin=0, vmax=max(top, 1))
        for (i, j), v in np.ndenumerate(fp):
            if v == 0:
                ax.add_patch(
                    Rectangle(
                        (off + j - 0.5, off + i - 0.5),
                        1,
                        1,
                        fill=False,
                        hatch="xxx",
                        edgecolor="#d55e00",
                        linewidth=0,
                    )
                )
        ax.add_patch(
            Rectangle(
                (off - 0.5, off - 0.5),
                fp.shape[1],
                fp.shape[0],
                fill=False,
                edgecolor="black",
                linewidth=1.5,
            )
        )
        holes = int(np.count_nonzero(fp == 0))
        ax.set_title(f"{title}\nsees {fp.shape[0]}x{fp.shape[1]}, {holes} holes", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlim(-0.5, side - 0.5)
        ax.set_ylim(side - 0.5, -0.5)
    if im is not None:
        bar = fig.colorbar(im, ax=list(axes[0]), fraction=0.046, pad=0.04)
        bar.set_label("paths to the node")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def plot_group_connections(ax: plt.Axes, in_channels: int, out_channels: int, groups: int) -> None:
    """Which input channels (columns) each output channel (rows) reads, group by group."""
    cin, cout = in_channels // groups, out_channels // groups
    mask = np.zeros((out_channels, in_channels))
    for g in range(groups):
        mask[g * cout : (g + 1) * cout, g * cin : (g + 1) * cin] = 1
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.25, aspect="auto")
    ax.set_xlabel("input channel")
    ax.set_ylabel("output channel (kernel)")
    ax.set_title(
        f"{int(mask.sum()):,} of {in_channels * out_channels:,} channel pairs connected",
        fontsize=9,
    )


def plot_block_costs(
    ax: plt.Axes, names: Sequence[str], params: Sequence[int], multiplications: Sequence[int]
) -> None:
    """Parameters and multiplications as bars, each as a share of the first (the full conv)."""
    x = np.arange(len(names))
    p = np.asarray(params, float) / params[0] * 100
    m = np.asarray(multiplications, float) / multiplications[0] * 100
    ax.bar(x - 0.2, p, 0.4, color=COLORS[0], label="parameters")
    ax.bar(x + 0.2, m, 0.4, color=COLORS[1], label="multiplications", hatch="//")
    for xi, pi, mi in zip(x, p, m):
        ax.text(xi - 0.2, pi + 2, f"{pi:.0f}%", ha="center", fontsize=8)
        ax.text(xi + 0.2, mi + 2, f"{mi:.0f}%", ha="center", fontsize=8)
    ax.set_xticks(x, names)
    ax.set_ylim(0, 118)
    ax.set_ylabel("% of the full convolution")
    ax.set_title("Cost against the full convolution", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")


def plot_overlap(overlap: np.ndarray, title: str = "", size: float = 3.2) -> plt.Figure:
    """The number of kernel copies on each output pixel (left) and along its middle row."""
    overlap = np.asarray(overlap)
    fig, (left, right) = plt.subplots(1, 2, figsize=(2.3 * size, size))
    im = left.imshow(overlap, cmap="viridis", vmin=0, vmax=max(int(overlap.max()), 1))
    left.set_xticks([])
    left.set_yticks([])
    left.set_title("copies per pixel", fontsize=9)
    fig.colorbar(im, ax=left, fraction=0.046, pad=0.04).set_label("kernel copies")
    row = overlap[overlap.shape[0] // 2]
    right.bar(np.arange(len(row)), row, color=COLORS[0])
    right.set_xlabel("column")
    right.set_ylabel("kernel copies")
    right.set_title("the middle row", fontsize=9)
    right.set_ylim(0, max(int(overlap.max()), 1) + 0.5)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_curves_side_by_side(
    histories: Mapping[str, object], title: str, what: str = "train_loss", ylabel: str = "loss"
) -> plt.Figure:
    """One line per training run: ``what`` (a History attribute) against the epoch."""
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    longest = 1
    for i, (name, history) in enumerate(histories.items()):
        values = list(getattr(history, what))
        longest = max(longest, len(values))
        ax.plot(
            range(1, len(values) + 1),
            values,
            marker=MARKERS[i % 4],
            linestyle=LINES[i % 4],
            color=COLORS[i % 4],
            label=name,
        )
    ax.set_xticks(range(1, longest + 1))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_channel_statistics(
    before: np.ndarray, after: np.ndarray, title: str, channels: int = 4
) -> plt.Figure:
    """Each channel's values before and after normalisation, as box plots."""
    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.0), sharey=False)
    for ax, values, name in ((axes[0], before, "before"), (axes[1], after, "after")):
        data = [np.ravel(values[:, c]) for c in range(min(channels, values.shape[1]))]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(data) + 1), [str(c) for c in range(len(data))])
        ax.set_xlabel("channel")
        ax.set_ylabel("value")
        ax.set_title(f"{name} batch normalisation", fontsize=9)
        ax.axhline(0, color="gray", linewidth=0.8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_upsampled(
    images: Sequence[np.ndarray], titles: Sequence[str], suptitle: str, size: float = 2.2
) -> plt.Figure:
    """Panels of different sizes side by side (outputs of transposed convolutions), each on
    its own colour scale from 0 (dark) to its largest value (bright)."""
    if not images:
        raise ValueError("images is empty; give at least one image to draw")
    fig, axes = plt.subplots(
        1, len(images), figsize=(size * len(images), size + 0.7), squeeze=False
    )
    for ax, image, title in zip(axes[0], images, titles):
        image = np.asarray(image, dtype=np.float64)
        ax.imshow(image, cmap="viridis", vmin=0, vmax=max(float(image.max()), 1e-12))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{title}\n{image.shape[0]}x{image.shape[1]}", fontsize=9)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    return fig
