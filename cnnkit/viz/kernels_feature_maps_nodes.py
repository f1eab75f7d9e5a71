"""Figures for the kernels notebook: number grids, sums of products, feature maps, RGB
kernels, receptive fields and parameter counts. Each returns a Figure or draws on an Axes;
none calls ``plt.show()``."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from ..receptive import Window
from ._common import PHOTO_CMAP, SIGNED_CMAP, show_image, signed_imshow, signed_limit

__all__ = [
    "number_grid",
    "outline_window",
    "plot_sum_of_products",
    "plot_kernels",
    "plot_feature_maps",
    "plot_rgb_convolution",
    "plot_receptive_fields",
    "plot_parameter_counts",
]

HIGHLIGHT = "#e8590c"  # the orange that marks the current window or node


def _fmt(value: float) -> str:
    """Short text for one number: integers without decimals, others with up to 2."""
    if not np.isfinite(value):
        return ""
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def outline_window(
    ax: plt.Axes, window: Window, color: str = HIGHLIGHT, lw: float = 2.5, label: str = ""
) -> None:
    """Draw a rectangle around the cells of ``window`` on an image drawn with imshow."""
    h, w = window.shape
    ax.add_patch(
        Rectangle(
            (window.col_start - 0.5, window.row_start - 0.5),
            w,
            h,
            fill=False,
            edgecolor=color,
            lw=lw,
            label=label or None,
        )
    )


def number_grid(
    ax: plt.Axes,
    values: np.ndarray,
    title: str = "",
    cmap: str = "Greys",
    highlight: Window | None = None,
    symmetric: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    fontsize: float = 10,
    numbers: bool = True,
    labels: bool = True,
    colorbar: bool = False,
    label: str = "",
) -> plt.Axes:
    """Draw a small 2-D array as coloured cells with each value written in its cell.

    Parameters
    ----------
    ax : Axes
    values : ndarray, shape (H, W)
        NaN cells are left blank (useful for an output that is still filling in).
    highlight : Window, optional
        Cells to outline in orange.
    symmetric : bool
        Centre the colour scale on 0 (for kernels and products, which can be negative).
    labels : bool
        Number the rows and columns along the edges.
    colorbar : bool
        Add a colour bar labelled ``label``.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if symmetric:
        lim = float(np.abs(finite).max()) if finite.size else 1.0
        vmin, vmax, cmap = -(lim or 1.0), (lim or 1.0), SIGNED_CMAP
    elif finite.size:
        vmin = float(finite.min()) if vmin is None else vmin
        vmax = float(finite.max()) if vmax is None else vmax
        if vmax == vmin:
            vmax = vmin + 1.0
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax)
    h, w = values.shape
    if numbers:
        for i in range(h):
            for j in range(w):
                v = values[i, j]
                if not np.isfinite(v):
                    continue
                r, g, b, _ = im.cmap(im.norm(v))
                color = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
                ax.text(j, i, _fmt(v), ha="center", va="center", fontsize=fontsize, color=color)
    # Cell borders as two line collections (much cheaper than minor ticks and a grid).
    ax.hlines(np.arange(-0.5, h), -0.5, w - 0.5, color="#bbbbbb", lw=0.6)
    ax.vlines(np.arange(-0.5, w), -0.5, h - 0.5, color="#bbbbbb", lw=0.6)
    if labels:
        ax.set_xticks(range(w))
        ax.set_yticks(range(h))
        ax.tick_params(length=0, labelsize=7)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=11)
    if highlight is not None:
        outline_window(ax, highlight)
    if colorbar:
        bar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        if label:
            bar.set_label(label)
    return ax


def plot_sum_of_products(patch: np.ndarray, kernel: np.ndarray, bias: float = 0.0) -> plt.Figure:
    """One node worked out: input patch, kernel, their products, and the sum.

    Parameters
    ----------
    patch, kernel : ndarray, shape (KH, KW)
        The input window under the kernel, and the kernel's weights.
    bias : float
        Added after the sum (shown only when non-zero).
    """
    patch, kernel = np.asarray(patch, float), np.asarray(kernel, float)
    if patch.shape != kernel.shape:
        raise ValueError(f"patch {patch.shape} and kernel {kernel.shape} must have the same shape")
    products = patch * kernel
    total = float(products.sum()) + bias
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.4))
    number_grid(axes[0], patch, "input patch", cmap=PHOTO_CMAP, colorbar=True, label="pixel value")
    number_grid(
        axes[1],
        kernel,
        "kernel (weights)",
        symmetric=True,
        colorbar=True,
        label="weight (0 = white)",
    )
    number_grid(
        axes[2],
        products,
        "patch × kernel\n(element by element)",
        symmetric=True,
        colorbar=True,
        label="product (0 = white)",
    )
    bias_text = f" + bias {_fmt(bias)}" if bias else ""
    fig.suptitle(f"sum of the {products.size} products{bias_text} = {_fmt(total)}", fontsize=13)
    fig.text(0.355, 0.45, "×", fontsize=22, ha="center", va="center")
    fig.text(0.675, 0.45, "=", fontsize=22, ha="center", va="center")
    fig.tight_layout(rect=(0, 0, 1, 0.95), w_pad=3.0)
    return fig


def plot_kernels(
    kernels: np.ndarray, titles: Sequence[str], ncols: int = 8, size: float = 1.6
) -> plt.Figure:
    """Kernels side by side, each weight written in its cell, all on ONE colour scale.

    The scale is :data:`~cnnkit.viz.SIGNED_CMAP` centred on 0 (red positive, blue negative,
    white 0) and shared by every kernel, with one colour bar, so that kernels can be compared:
    a box blur's nine weights of 1/9 are pale red, a Sobel kernel's 2 is deep red.

    Parameters
    ----------
    kernels : ndarray, shape (F, KH, KW)
    titles : sequence of str, length F
    """
    kernels = np.asarray(kernels, dtype=np.float64)
    if kernels.ndim != 3 or len(titles) != len(kernels):
        raise ValueError(
            f"kernels must have shape (F, KH, KW) with one title each; got "
            f"{kernels.shape} and {len(titles)} titles"
        )
    k = len(kernels)
    ncols = max(1, min(ncols, k))
    nrows = -(-k // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols + 0.9, size * nrows + 0.5), squeeze=False
    )
    lim = signed_limit(kernels)
    im = None
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.axis("off")
            continue
        number_grid(
            ax,
            kernels[i],
            titles[i],
            cmap=SIGNED_CMAP,
            vmin=-lim,
            vmax=lim,
            fontsize=7,
            labels=False,
        )
        ax.title.set_fontsize(9)
        im = ax.images[0]
    bar = fig.colorbar(im, ax=list(axes.flat), fraction=0.02, pad=0.02)
    bar.set_label("weight (0 = white)")
    fig.suptitle("the kernels, all on one colour scale", fontsize=11)
    return fig


def plot_feature_maps(
    image: np.ndarray,
    maps: np.ndarray,
    titles: Sequence[str],
    kernels: np.ndarray | None = None,
    ncols: int = 5,
    size: float = 2.3,
) -> plt.Figure:
    """The input next to the feature maps it gives, each with a labelled colour bar.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    maps : ndarray, shape (F, OH, OW)
        One feature map per kernel. A map whose kernel's weights add up to 1 (a blur,
        sharpen) is a photo again: drawn in gray on the input's 0..1 brightness scale. Every
        other map is signed: drawn with :data:`~cnnkit.viz.SIGNED_CMAP` on ONE scale centred
        on 0 shared by all of them, which saturates at the 99th percentile of their sizes so
        that weaker edges stay visible.
    titles : sequence of str, length F
    kernels : ndarray, shape (F, KH, KW), optional
        Used to tell brightness-keeping kernels (weights adding up to 1) from the others;
        draw the kernels themselves with :func:`plot_kernels`.
    """
    maps = np.asarray(maps)
    if len(titles) != len(maps):
        raise ValueError(f"got {len(titles)} titles for {len(maps)} feature maps")
    panels = len(maps) + 1
    ncols = min(ncols, panels)
    nrows = -(-panels // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * 1.3 * ncols, size * 1.15 * nrows), squeeze=False
    )
    show_image(
        axes.flat[0],
        image,
        "input photo",
        cmap=PHOTO_CMAP,
        vmin=0,
        vmax=1,
        colorbar=True,
        label="brightness",
    )
    bright = [
        kernels is not None and bool(np.isclose(np.sum(kernels[f]), 1.0)) for f in range(len(maps))
    ]
    signed = [np.abs(maps[f]).ravel() for f in range(len(maps)) if not bright[f]]
    lim = float(np.percentile(np.concatenate(signed), 99)) if signed else 1.0
    lim = lim if lim > 0 else signed_limit(*signed) if signed else 1.0
    for f, ax in enumerate(axes.flat[1:]):
        if f >= len(maps):
            ax.axis("off")
            continue
        if bright[f]:  # blur, sharpen, identity: a photo again, on the photo's scale
            show_image(
                ax,
                maps[f],
                titles[f],
                cmap=PHOTO_CMAP,
                vmin=0,
                vmax=1,
                colorbar=True,
                label="brightness",
            )
        else:
            signed_imshow(ax, maps[f], titles[f], limit=lim, label=f"value (clipped at ±{lim:.2g})")
    fig.tight_layout()
    return fig


def plot_rgb_convolution(
    image_chw: np.ndarray, kernel: np.ndarray, bias: float = 0.0
) -> plt.Figure:
    """How one 3-deep kernel reads an RGB image: one slice per channel, results added.

    Parameters
    ----------
    image_chw : ndarray, shape (3, H, W)
    kernel : ndarray, shape (3, KH, KW)
        The kernel's slice ``c`` is slid over channel ``c``.
    """
    from ..conv import conv2d

    image_chw, kernel = np.asarray(image_chw, float), np.asarray(kernel, float)
    if image_chw.ndim != 3 or kernel.shape[0] != image_chw.shape[0]:
        raise ValueError(
            f"image {image_chw.shape} and kernel {kernel.shape} must both have "
            "the channel axis first, with the same number of channels"
        )
    per_channel = [conv2d(image_chw[c], kernel[c]) for c in range(len(kernel))]
    total = np.sum(per_channel, axis=0) + bias
    names = ["red", "green", "blue"]
    # black -> pure colour: a bright cell means much of that colour
    cmaps = [
        LinearSegmentedColormap.from_list(n, ["black", c])
        for n, c in zip(names, ["#ff0000", "#00cc00", "#0040ff"])
    ]
    fig, axes = plt.subplots(3, 4, figsize=(11.5, 7.4))
    lim_k = float(np.abs(kernel).max()) or 1.0
    lim_o = signed_limit(*per_channel, total)  # one scale: the parts and their sum compare
    for c in range(3):
        show_image(axes[c, 0], image_chw[c], f"{names[c]} channel", cmap=cmaps[c], vmin=0, vmax=1)
        number_grid(
            axes[c, 1],
            kernel[c],
            f"kernel slice {c} ({names[c]})",
            vmin=-lim_k,
            vmax=lim_k,
            cmap=SIGNED_CMAP,
            fontsize=8,
            labels=False,
            colorbar=True,
            label="weight",
        )
        signed_imshow(
            axes[c, 2],
            per_channel[c],
            f"{names[c]} * slice {c}",
            limit=lim_o,
            label="sum of products",
        )
        axes[c, 3].axis("off")
    axes[1, 3].axis("on")
    signed_imshow(
        axes[1, 3],
        total,
        "sum of the three\n= ONE feature map",
        limit=lim_o,
        label="feature map value",
    )
    fig.suptitle(
        "an RGB image needs kernels of depth 3; each kernel still gives one map", fontsize=12
    )
    fig.tight_layout()
    return fig


def plot_receptive_fields(
    maps: Sequence[np.ndarray],
    windows: Sequence[Window | None],
    titles: Sequence[str],
    node: tuple[int, int] | None = None,
    used: int | None = None,
    size: float = 2.6,
) -> plt.Figure:
    """The input and each layer's feature map, with what one node depends on outlined.

    Parameters
    ----------
    maps : sequence of ndarray, shape (H_l, W_l)
        ``maps[0]`` is the input, ``maps[l]`` the feature map of layer ``l``.
    windows : sequence of Window or None
        For each map, the cells the chosen node depends on (None: none).
    node : (int, int), optional
        The chosen node, marked on ``maps[used]``.
    used : int, optional
        Index of the map holding the node; later maps are faded out.
    """
    n = len(maps)
    fig, axes = plt.subplots(1, n, figsize=(size * n, size + 0.9), squeeze=False)
    for i, ax in enumerate(axes[0]):
        m = maps[i]
        if i == 0:
            show_image(ax, m, titles[i], cmap=PHOTO_CMAP, colorbar=True, label="brightness")
        else:
            signed_imshow(ax, m, titles[i], label="value (0 = white)")
        h, w = m.shape
        ax.set_xlim(-0.5, maps[0].shape[1] - 0.5)
        ax.set_ylim(maps[0].shape[0] - 0.5, -0.5)
        if windows[i] is not None:
            outline_window(ax, windows[i])
        if used is not None and i > used:
            ax.add_patch(Rectangle((-0.5, -0.5), w, h, color="white", alpha=0.75))
        if node is not None and used == i:
            ax.add_patch(Rectangle((node[1] - 0.5, node[0] - 0.5), 1, 1, color=HIGHLIGHT))
    fig.tight_layout()
    return fig


def plot_parameter_counts(counts: dict[str, int], title: str = "") -> plt.Figure:
    """A horizontal bar chart of parameter counts on a log scale, each bar labelled."""
    names, values = list(counts), [int(v) for v in counts.values()]
    fig, ax = plt.subplots(figsize=(8.0, 0.7 + 0.6 * len(names)))
    bars = ax.barh(names, values, color=["#1971c2", "#c92a2a", "#868e96", "#2f9e44"][: len(names)])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlim(1, max(values) * 40)
    for bar, v in zip(bars, values):
        ax.text(
            bar.get_width() * 1.15,
            bar.get_y() + bar.get_height() / 2,
            f"{v:,}",
            va="center",
            fontsize=10,
        )
    ax.set_xlabel("learnable parameters (log scale)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
