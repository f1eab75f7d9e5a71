"""Figures for notebook 10 (how convolution is computed fast): what each algorithm costs,
the speed it reaches against numpy's matrix-product speed, Winograd's tiles and the FFT's steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._common import signed_imshow

__all__ = ["percent", "plot_costs", "plot_gflops", "plot_winograd_tiles", "plot_fft_steps"]

#: One colour per algorithm, the same in every figure of the notebook.
COLOURS = {
    "loop": "#8c959f",
    "im2col": "#0969da",
    "winograd": "#1a7f37",
    "fft": "#bf3989",
    "conv2d": "#0a3069",
    "PyTorch": "#bc4c00",
}


def percent(ratio: float) -> str:
    """``ratio`` as a percentage with two significant digits: 0.0006 -> "0.06%", 1.54 -> "154%".

    Whole percents from 10% up (no "1.5e+02%"), so a small share never reads as "0%".
    """
    value = 100 * float(ratio)
    return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.2g}%"


def _colour(name: str) -> str:
    """An algorithm's colour; a name such as "loop (scaled)" takes its first word's."""
    return COLOURS.get(name, COLOURS.get(name.split(" ")[0], "#57606a"))


def _bars(ax: plt.Axes, values: Mapping[str, float | None], title: str, xlabel: str) -> None:
    names = list(values)
    shown = [values[n] or 0 for n in names]
    ax.barh(names, shown, color=[_colour(n) for n in names])
    for i, (name, v) in enumerate(zip(names, shown)):
        ax.text(v, i, "  n/a" if values[name] is None else f" {v:.3g}", va="center", fontsize=8)
    positive = [v for v in shown if v > 0]
    if positive and max(positive) / min(positive) > 50:
        ax.set_xscale("log")
        ax.set_xlim(min(positive) / 2, max(positive) * 30)
    elif positive:
        ax.set_xlim(0, max(positive) * 1.35)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)


def plot_costs(
    layer: Any,
    counts: Mapping[str, int | None],
    memory: Mapping[str, int | None],
    timings: Mapping[str, Any] | None = None,
) -> plt.Figure:
    """Multiplications, the largest copy in bytes and (if given) measured time per algorithm.

    Parameters
    ----------
    layer : LayerShape
        Named in the title.
    counts : mapping of algorithm name to int or None
        :func:`~cnnkit.widgets.count_multiplications`; None is drawn as "n/a".
    memory : mapping of name to int or None
        :func:`~cnnkit.widgets.memory_bytes` (its "input" and "output" entries are drawn too).
    timings : mapping of name to Timing, optional
        Drawn as a third panel, in milliseconds (the median).
    """
    panels = 3 if timings else 2
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 2.8))
    _bars(axes[0], dict(counts), "multiplications", "count")
    _bars(axes[1], dict(memory), "largest array each builds", "bytes (float32)")
    if timings:
        _bars(axes[2], {n: t.median * 1e3 for n, t in timings.items()}, "measured", "ms")
    fig.suptitle(
        f"Cost of one layer: {layer.batch} x {layer.channels} x {layer.height} x {layer.width} "
        f"input, {layer.kernels} kernels {layer.kernel_size}x{layer.kernel_size}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def plot_gflops(
    ax: plt.Axes,
    gflops: Mapping[str, float],
    peak: float,
    title: str = "Speed reached, against numpy's matrix-product speed",
) -> plt.Axes:
    """Horizontal bars of GFLOP/s per algorithm, with a reference speed as a dashed line.

    Parameters
    ----------
    ax : Axes
    gflops : mapping of algorithm name to float
        The *useful* rate: the direct method's 2 N F OH OW C K K operations divided by the
        measured time (so an algorithm that skips multiplications can pass the reference).
    peak : float
        The reference, :func:`~cnnkit.widgets.peak_matmul_gflops`: numpy's speed on a
        512x512 matrix product, not a limit of the processor (PyTorch can pass it).
    """
    names = list(gflops)
    values = [gflops[n] for n in names]
    ax.barh(names, values, color=[_colour(n) for n in names])
    for i, v in enumerate(values):
        ax.text(
            v,
            i,
            f" {v:.3g} ({percent(v / peak)} of the reference)",
            va="center",
            fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8},
        )
    ax.axvline(
        peak,
        ls="--",
        color="#cf222e",
        label=f"reference: numpy's 512x512 matrix product, {peak:.3g} GFLOP/s",
    )
    ax.set_xscale("log")
    ax.set_xlim(min(min(values), peak) / 3, max(max(values), peak) * 20)
    ax.invert_yaxis()
    ax.set_xlabel("GFLOP/s (useful operations per second, log scale)")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, frameon=False)
    return ax


def plot_winograd_tiles(
    ax: plt.Axes, out_h: int, out_w: int, show: int = 3, padding: int = 1
) -> plt.Axes:
    """The padded input as a grid, with ``show`` of Winograd's 4x4 tiles drawn on it.

    Each tile (4x4 input pixels, outlined) gives a 2x2 block of outputs (shaded, drawn on
    the pixel at the centre of each output's 3x3 window); neighbouring tiles start 2 pixels
    apart, so they overlap by 2. The ring of ``padding`` zeros around the image is filled
    grey. The tiles are drawn in the order (0, 0), (0, 1), (1, 0), then the last one (whose
    block may stick out of an odd-sized output: the hatched pixels are extra zeros, and the
    outputs they give, crossed in red, are cropped), then the rest row by row. Each drawn
    tile's outline has the gid ``"tile"``, each cropped output the gid ``"cropped"``.
    """
    th, tw = -(-out_h // 2), -(-out_w // 2)
    h, w = 2 * th + 2, 2 * tw + 2
    ax.set_xlim(-0.2, w + 0.2)
    ax.set_ylim(h + 0.2, -0.2)
    pad_colour, crop_colour = "#d8dee4", "#cf222e"
    p = max(0, int(padding))
    for i in range(out_h + 2):
        for j in range(out_w + 2):
            if min(i, j) < p or i >= out_h + 2 - p or j >= out_w + 2 - p:
                ax.add_patch(Rectangle((j, i), 1, 1, color=pad_colour, lw=0))
    for i in range(h + 1):
        ax.plot([0, w], [i, i], color="#afb8c1", lw=0.6)
    for j in range(w + 1):
        ax.plot([j, j], [0, h], color="#afb8c1", lw=0.6)
    # pixels that only exist because the last tile needs them (beyond out + 2): zeros
    for x0, y0, width, height in (
        (out_w + 2, 0, w - out_w - 2, h),
        (0, out_h + 2, w, h - out_h - 2),
    ):
        if width > 0 and height > 0:
            ax.add_patch(
                Rectangle((x0, y0), width, height, fill=False, hatch="///", ec="#8c959f", lw=0)
            )
    order = [(0, 0), (0, 1), (1, 0), (th - 1, tw - 1)]
    order += [(r, c) for r in range(th) for c in range(tw)]
    seen: list[tuple[int, int]] = []
    for rc in order:
        if rc not in seen and 0 <= rc[0] < th and 0 <= rc[1] < tw:
            seen.append(rc)
    colours = ["#0969da", "#bf3989", "#1a7f37", "#9a6700"]
    styles = ["-", "--", ":", "-."]
    for t, (r, c) in enumerate(seen[: max(0, show)]):
        colour, inset = colours[t % 4], 0.1 + 0.08 * (t % 4)
        ax.add_patch(
            Rectangle(
                (2 * c + inset, 2 * r + inset),
                4 - 2 * inset,
                4 - 2 * inset,
                fill=False,
                ec=colour,
                lw=2.2,
                ls=styles[t % 4],
                gid="tile",
            )
        )
        ax.add_patch(Rectangle((2 * c + 1.05, 2 * r + 1.05), 1.9, 1.9, color=colour, alpha=0.3))
        for i in (2 * r, 2 * r + 1):  # output (i, j) sits on pixel (i + 1, j + 1)
            for j in (2 * c, 2 * c + 1):
                if i >= out_h or j >= out_w:
                    for corners in (((0.2, 0.2), (0.8, 0.8)), ((0.2, 0.8), (0.8, 0.2))):
                        ax.plot(
                            [j + 1 + corners[0][0], j + 1 + corners[1][0]],
                            [i + 1 + corners[0][1], i + 1 + corners[1][1]],
                            color=crop_colour,
                            lw=1.6,
                            gid="cropped",
                        )
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [
        Patch(
            color=pad_colour,
            label=f"padding ({p} pixel of zeros)" if p == 1 else f"padding ({p} pixels of zeros)",
        ),
        Patch(fill=False, hatch="///", ec="#8c959f", label="extra zeros for the last tiles"),
        Patch(color=colours[0], alpha=0.3, label="a tile's 2x2 block of outputs"),
        Line2D([], [], color=crop_colour, marker="x", ls="", label="outputs cropped"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    ax.set_title(
        f"{th * tw} tiles ({th} down x {tw} across) for a {out_h}x{out_w} output\n"
        f"(each 4x4 tile gives the shaded 2x2 block; {min(show, th * tw)} of them drawn)",
        fontsize=10,
    )
    return ax


def plot_fft_steps(
    image: np.ndarray,
    kernel: np.ndarray,
    circular: np.ndarray,
    result: np.ndarray,
) -> plt.Figure:
    """Four panels: the image, the flipped kernel in a grid of zeros the image's size, the
    circular convolution with the rows and columns to crop marked, and the cropped result.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel : ndarray, shape (KH, KW)
        The kernel as a CNN uses it (the figure flips it).
    circular : ndarray, shape (H, W)
        ``irfft2(rfft2(image) * rfft2(flipped kernel, s=(H, W)))``.
    result : ndarray, shape (H - KH + 1, W - KW + 1)
    """
    kh, kw = kernel.shape
    big = np.zeros_like(image, dtype=float)
    big[:kh, :kw] = kernel[::-1, ::-1]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.3))
    signed_imshow(axes[0], image, f"input {image.shape[0]}x{image.shape[1]}", colorbar=False)
    signed_imshow(
        axes[1],
        big,
        f"kernel flipped, in zeros\nto {image.shape[0]}x{image.shape[1]}",
        colorbar=False,
    )
    signed_imshow(
        axes[2], circular, "circular convolution\n(hatched: wrapped, cropped)", colorbar=False
    )
    ch, cw = circular.shape
    for rows, cols in (((0, kh - 1), (0, cw)), ((0, ch), (0, kw - 1))):
        axes[2].add_patch(
            Rectangle(
                (cols[0] - 0.5, rows[0] - 0.5),
                cols[1] - cols[0],
                rows[1] - rows[0],
                fill=False,
                hatch="///",
                ec="#cf222e",
                lw=0,
            )
        )
    signed_imshow(
        axes[3],
        result,
        f"cropped: the correlation\n{result.shape[0]}x{result.shape[1]}",
        colorbar=False,
    )
    fig.suptitle(
        "Convolution by FFT: flip, pad, multiply the spectra, transform back, crop", fontsize=10
    )
    fig.tight_layout()
    return fig
