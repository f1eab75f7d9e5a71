"""Figures for notebook 03 (stride, padding and output size).

The central picture is one axis of a convolution laid out cell by cell: the padded input,
every window the kernel takes (its taps filled in), the output node each window produces,
and the input pixels that no window reaches. :func:`axis_layout` computes all of that as
plain data; the plotting functions only draw it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from .._validate import positive_int
from ..shapes import axis_padding, conv_output_size
from ._common import show_image

__all__ = [
    "AxisLayout",
    "axis_layout",
    "plot_windows_1d",
    "plot_windows_2d",
    "plot_output_staircase",
    "plot_photo_stride",
]

AxisPadding = int | str | tuple[int, int]

# One colour per kind of cell, used by every figure of this notebook.
PAD_COLOR = "#d0d0d0"
PIXEL_COLOR = "#ffffff"
MISSED_COLOR = "#f4a3a3"
MISSED_EDGE = "#c0392b"
WINDOW_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
)


@dataclass(frozen=True)
class AxisLayout:
    """Where every window of a convolution falls along one axis.

    Positions are counted in the *padded* input: cells ``0 .. pad_before - 1`` are zeros
    added before the input, input pixel ``i`` sits at ``pad_before + i``.

    Attributes
    ----------
    n, kernel_size, stride, dilation : int
        The input size and the convolution's settings along this axis.
    pad_before, pad_after : int
        Zeros added before (top/left) and after (bottom/right) the input.
    starts : tuple of int
        First cell of every window; ``len(starts)`` is the output size.
    reached : tuple of bool, length ``padded``
        Whether some window reads that cell (lands one of its taps on it).
    """

    n: int
    kernel_size: int
    stride: int
    dilation: int
    pad_before: int
    pad_after: int
    starts: tuple[int, ...]
    reached: tuple[bool, ...]

    @property
    def padded(self) -> int:
        """Length of the padded input, ``n + pad_before + pad_after``."""
        return self.n + self.pad_before + self.pad_after

    @property
    def span(self) -> int:
        """Cells one window covers from its first to its last tap, ``d*(k-1) + 1``."""
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def out(self) -> int:
        """Output size along this axis: one output node per window."""
        return len(self.starts)

    def taps(self, i: int) -> tuple[int, ...]:
        """The padded cells window ``i`` reads (``kernel_size`` of them)."""
        return tuple(self.starts[i] + j * self.dilation for j in range(self.kernel_size))

    def centre(self, i: int) -> float:
        """Middle of window ``i`` in padded cells (where its output node is drawn)."""
        return self.starts[i] + (self.span - 1) / 2

    def is_padding(self, cell: int) -> bool:
        """True for a zero added by padding, False for a pixel of the input."""
        return cell < self.pad_before or cell >= self.pad_before + self.n

    @property
    def dropped_tail(self) -> int:
        """Cells after the last window's last tap: the end that no full window reaches.

        Equal to :func:`cnnkit.shapes.uncovered_pixels` for equal padding on both sides.
        """
        return self.padded - (self.starts[-1] + self.span)

    @property
    def unreached_pixels(self) -> tuple[int, ...]:
        """Input pixels (indices ``0 .. n-1``) that no window reads, anywhere in the row."""
        return tuple(i for i in range(self.n) if not self.reached[self.pad_before + i])


def axis_layout(
    n: int, kernel_size: int, stride: int = 1, padding: AxisPadding = 0, dilation: int = 1
) -> AxisLayout:
    """Compute every window position of a convolution along one axis.

    Parameters
    ----------
    n : int
        Input size along the axis.
    kernel_size, stride, dilation : int
        The convolution's settings along this axis.
    padding : int, "valid", "same" or (before, after)
        Zeros on each side, or a different number before and after (``"same"`` with an
        even kernel puts the extra zero after, as PyTorch does).

    Returns
    -------
    AxisLayout

    Raises
    ------
    ValueError
        When the (dilated) kernel is larger than the padded input, or for ``"same"``
        with a stride above 1.

    Examples
    --------
    >>> layout = axis_layout(10, 3, stride=3)
    >>> layout.starts, layout.unreached_pixels
    ((0, 3, 6), (9,))
    """
    n = positive_int(n, "n")
    k = positive_int(kernel_size, "kernel_size")
    s = positive_int(stride, "stride")
    d = positive_int(dilation, "dilation")
    before, after = axis_padding(padding, k, s, d)
    out = conv_output_size(n, k, s, (before, after), d)  # raises ValueError if nothing fits
    starts = tuple(i * s for i in range(out))
    reached = np.zeros(n + before + after, dtype=bool)
    for start in starts:
        reached[start : start + d * (k - 1) + 1 : d] = True
    return AxisLayout(n, k, s, d, before, after, starts, tuple(bool(r) for r in reached))


def _cell(
    patches: list[Rectangle],
    x: float,
    y: float,
    w: float,
    h: float,
    face: str,
    edge: str = "#555555",
    lw: float = 0.8,
    alpha: float = 1.0,
) -> None:
    """Queue one rectangle; :func:`_draw` adds them all at once (much faster to render)."""
    patches.append(Rectangle((x, y), w, h, facecolor=face, edgecolor=edge, lw=lw, alpha=alpha))


def _draw(ax: plt.Axes, patches: list[Rectangle], hatch: str | None = None) -> None:
    if patches:
        ax.add_collection(PatchCollection(patches, match_original=True, hatch=hatch))


def _legend_handles(layout: AxisLayout) -> list[Patch]:
    handles = [Patch(facecolor=PIXEL_COLOR, edgecolor="#555555", label="input pixel")]
    if layout.pad_before or layout.pad_after:
        handles.append(
            Patch(facecolor=PAD_COLOR, edgecolor="#555555", hatch="///", label="padding (a zero)")
        )
    if layout.unreached_pixels:
        handles.append(
            Patch(facecolor=MISSED_COLOR, edgecolor=MISSED_EDGE, label="no window reaches it")
        )
    handles.append(Patch(facecolor=WINDOW_COLORS[0], label="a window's taps"))
    return handles


def plot_windows_1d(
    ax: plt.Axes,
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: AxisPadding = 0,
    dilation: int = 1,
    show: tuple[int, int] | None = None,
    title: str | None = None,
    legend: bool = True,
    label_every: int = 1,
) -> AxisLayout:
    """Draw one axis of a convolution: padded input, every window, and the output nodes.

    The top row is the padded input (padding hatched grey, pixels no window reaches in
    red, each pixel labelled with its index). Below it, each window is a bar with its
    ``kernel_size`` taps filled in; windows that do not overlap share a line. The bottom row
    is the output: one node per window, drawn under the window's middle.

    Parameters
    ----------
    ax : Axes
    n, kernel_size, stride, padding, dilation
        As for :func:`axis_layout`.
    show : (first, last), optional
        Show only the padded cells ``first .. last`` (to zoom in on the end of a long row).
    title : str, optional
        Defaults to the settings and the output size.
    legend : bool
        Add a legend under the drawing.
    label_every : int
        Write the index of every ``label_every``-th pixel only (for long rows).

    Returns
    -------
    AxisLayout
        What was drawn.
    """
    layout = axis_layout(n, kernel_size, stride, padding, dilation)
    label_every = positive_int(label_every, "label_every")
    levels = min(layout.out, math.ceil(layout.span / layout.stride))
    first, last = (0, layout.padded - 1) if show is None else show

    def visible(x0: float, x1: float) -> bool:  # only draw what the zoom shows
        return x1 >= first and x0 <= last + 1

    cells: list[Rectangle] = []
    padding_cells: list[Rectangle] = []
    # The padded input row, y in [0, 1].
    for cell in range(max(0, first), min(layout.padded, last + 1)):
        if layout.is_padding(cell):
            _cell(padding_cells, cell, 0, 1, 1, PAD_COLOR)
            label = ""
        else:
            index = cell - layout.pad_before
            missed = not layout.reached[cell]
            _cell(
                cells,
                cell,
                0,
                1,
                1,
                MISSED_COLOR if missed else PIXEL_COLOR,
                edge=MISSED_EDGE if missed else "#555555",
                lw=1.6 if missed else 0.8,
            )
            label = str(index) if index % label_every == 0 else ""
        if label:
            ax.text(cell + 0.5, 0.5, label, ha="center", va="center", fontsize=8)
    # The windows, one line per overlapping group.
    gap, bar = 0.75, 0.55
    for i, start in enumerate(layout.starts):
        if not visible(start, start + layout.span):
            continue
        color = WINDOW_COLORS[i % len(WINDOW_COLORS)]
        y = -gap * (i % levels + 1)
        _cell(cells, start, y, layout.span, bar, color, edge=color, alpha=0.18)
        for tap in layout.taps(i):
            _cell(cells, tap + 0.1, y + 0.08, 0.8, bar - 0.16, color, edge=color)
    # The output nodes.
    y_out = -gap * (levels + 1) - 0.45
    for i in range(layout.out):
        color = WINDOW_COLORS[i % len(WINDOW_COLORS)]
        x = layout.centre(i)
        if not visible(x, x + 1):
            continue
        _cell(cells, x, y_out, 1, 1, "#eaf2fb", edge=color, lw=1.6)
        if first <= x <= last:
            ax.text(x + 0.5, y_out + 0.5, str(i), ha="center", va="center", fontsize=8)
    _draw(ax, padding_cells, hatch="///")
    _draw(ax, cells)
    ax.set_xlim(first - 0.2, last + 1.2)
    ax.set_ylim(y_out - 0.2, 1.15)
    ax.set_yticks(
        [0.5, -gap * (levels + 1) / 2 + bar / 2, y_out + 0.5],
        ["padded input" if layout.padded > layout.n else "input", "windows", "output"],
    )
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if title is None:
        pad = (
            layout.pad_before
            if layout.pad_before == layout.pad_after
            else (layout.pad_before, layout.pad_after)
        )
        title = (
            f"n={layout.n}, k={layout.kernel_size}, s={layout.stride}, p={pad}"
            + (f", d={layout.dilation}" if layout.dilation > 1 else "")
            + f"  ->  output size {layout.out}"
        )
    ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(
            handles=_legend_handles(layout),
            loc="upper center",
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
            ncol=4,
            frameon=False,
        )
    return layout


def plot_windows_2d(
    ax: plt.Axes,
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: AxisPadding = 0,
    dilation: int = 1,
    title: str | None = None,
    legend: bool = True,
) -> AxisLayout:
    """Draw a square input on its padded grid, with the windows of a 2-D convolution.

    Padding cells are grey, pixels no window reaches are red. The first window is outlined
    with its taps filled, the next one along the row is dashed (it starts ``stride`` cells
    later), and a dot marks the middle of every window: one dot per output node, so the
    dots form the output grid.

    Parameters
    ----------
    ax : Axes
    n : int
        Height and width of the input.
    kernel_size, stride, padding, dilation
        As for :func:`axis_layout`, the same along both axes.
    title : str, optional
        Defaults to the sizes.
    legend : bool
        Add a legend under the grid.

    Returns
    -------
    AxisLayout
        The layout along one axis (both axes are the same).
    """
    layout = axis_layout(n, kernel_size, stride, padding, dilation)
    size = layout.padded
    kind = np.zeros((size, size), dtype=int)  # 0 padding, 1 pixel reached, 2 pixel missed
    real = np.array([not layout.is_padding(c) for c in range(size)])
    reached = np.array(layout.reached)
    kind[np.ix_(real, real)] = 1
    kind[np.ix_(real, real)] += ~(reached[real][:, None] & reached[real][None, :])
    ax.imshow(
        kind,
        cmap=ListedColormap([PAD_COLOR, PIXEL_COLOR, MISSED_COLOR]),
        vmin=0,
        vmax=2,
        extent=(0, size, size, 0),
    )
    ax.vlines(np.arange(size + 1), 0, size, color="#888888", lw=0.5)
    ax.hlines(np.arange(size + 1), 0, size, color="#888888", lw=0.5)
    if layout.pad_before or layout.pad_after:
        lo, hi = layout.pad_before, layout.pad_before + layout.n
        ax.add_patch(Rectangle((lo, lo), hi - lo, hi - lo, fill=False, edgecolor="#333333", lw=1.5))
    span = layout.span
    colors = WINDOW_COLORS
    for j, (row, col, style) in enumerate(
        [(0, 0, "-"), (0, layout.starts[1], "--")] if layout.out > 1 else [(0, 0, "-")]
    ):
        ax.add_patch(
            Rectangle(
                (col, row), span, span, fill=False, edgecolor=colors[j], lw=2.4, linestyle=style
            )
        )
        if j == 0:
            taps = [
                Rectangle((c + 0.15, r + 0.15), 0.7, 0.7)
                for r in layout.taps(0)
                for c in layout.taps(0)
            ]
            ax.add_collection(PatchCollection(taps, facecolor=colors[0], alpha=0.55, lw=0))
    centres = [layout.centre(i) + 0.5 for i in range(layout.out)]
    cx, cy = np.meshgrid(centres, centres)
    ax.scatter(cx.ravel(), cy.ravel(), s=14, color="#222222", zorder=3)
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is None:
        title = f"{n}x{n} input -> {layout.out}x{layout.out} output"
    ax.set_title(title, fontsize=10)
    if legend:
        handles = [Patch(facecolor=PIXEL_COLOR, edgecolor="#555555", label="input pixel")]
        if layout.pad_before or layout.pad_after:
            handles.append(
                Patch(facecolor=PAD_COLOR, edgecolor="#555555", label="padding (a zero)")
            )
        if layout.unreached_pixels:
            handles.append(
                Patch(facecolor=MISSED_COLOR, edgecolor="#555555", label="no window reaches it")
            )
        handles += [
            Patch(facecolor="none", edgecolor=colors[0], lw=2, label="first window"),
            Patch(facecolor="none", edgecolor=colors[1], lw=2, linestyle="--", label="next window"),
            Line2D(
                [],
                [],
                marker="o",
                color="#222222",
                lw=0,
                markersize=4,
                label="window middle = output node",
            ),
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
            ncol=2,
            frameon=False,
        )
    return layout


def plot_output_staircase(
    ax: plt.Axes,
    kernel_size: int,
    stride: int,
    padding: int = 0,
    dilation: int = 1,
    sizes: Sequence[int] | None = None,
) -> plt.Axes:
    """Output size against input size: the exact fraction and the floor that is kept.

    The dashed line is ``(n + 2p - d(k-1) - 1) / s + 1`` without rounding; the steps are
    the output size a convolution really has. Where the two meet (filled dots) the stride
    divides evenly and no pixel is dropped.

    Parameters
    ----------
    ax : Axes
    kernel_size, stride, padding, dilation : int
    sizes : sequence of int, optional
        Input sizes to plot; by default the 16 smallest that fit the kernel.
    """
    span = dilation * (kernel_size - 1) + 1
    smallest = max(1, span - 2 * padding)
    ns = np.arange(smallest, smallest + 16) if sizes is None else np.asarray(list(sizes))
    exact = (ns + 2 * padding - span) / stride + 1
    kept = np.floor(exact).astype(int)
    even = exact == kept
    ax.plot(ns, exact, "--", color="#888888", label="(n + 2p - d(k-1) - 1) / s + 1, unrounded")
    ax.vlines(ns[~even], kept[~even], exact[~even], color=MISSED_EDGE, lw=1.2)
    ax.plot(ns[even], kept[even], "o", color=WINDOW_COLORS[0], label="output size: divides evenly")
    ax.plot(
        ns[~even],
        kept[~even],
        "o",
        mfc="white",
        color=MISSED_EDGE,
        label="output size: rounded down, last pixels dropped",
    )
    ax.set_xlabel("input size n")
    ax.set_ylabel("output size")
    ax.set_xticks(ns)
    ax.set_title(
        f"k={kernel_size}, s={stride}, p={padding}" + (f", d={dilation}" if dilation > 1 else ""),
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_photo_stride(
    image: np.ndarray, feature_map: np.ndarray, kernel_size: int, stride: int
) -> plt.Figure:
    """The photo beside its feature map, once at true scale and once enlarged.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    feature_map : ndarray, shape (OH, OW)
        The convolution of ``image`` at this stride.
    kernel_size, stride : int
        Named in the titles.

    Returns
    -------
    Figure
    """
    h, w = image.shape
    oh, ow = feature_map.shape
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.9))
    show_image(axes[0], image, f"input: {h} x {w}")
    axes[0].add_patch(
        Rectangle(
            (-0.5, -0.5), kernel_size, kernel_size, fill=False, edgecolor=WINDOW_COLORS[1], lw=2
        )
    )
    # The feature map on the same scale as the input: one node per input pixel's width.
    axes[1].imshow(feature_map, cmap="gray", extent=(-0.5, ow - 0.5, oh - 0.5, -0.5))
    axes[1].set_xlim(-0.5, w - 0.5)
    axes[1].set_ylim(h - 0.5, -0.5)
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title(f"feature map: {oh} x {ow} (same scale)")
    show_image(axes[2], feature_map, "feature map, enlarged")
    fig.suptitle(f"{kernel_size}x{kernel_size} average kernel, stride {stride}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig
