"""Explorers for notebook 03 (stride, padding and output size).

Two explorers, each a thin wiring of sliders to a pure drawing function:

- :func:`output_size_explorer`: input size, kernel size, stride, padding and dilation; it
  draws every window on the padded input (as a row or a grid), highlights the pixels no
  window reaches, and prints the arithmetic from :func:`cnnkit.explain_output_size`;
- :func:`photo_stride_explorer`: a kernel size and a stride applied to the sample photo,
  showing how much smaller the feature map gets.
"""
from __future__ import annotations

from typing import Optional, Union

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .._validate import positive_int
from ..conv import conv2d
from ..shapes import explain_output_size
from ..viz.stride_padding_output_size import axis_layout, plot_photo_stride, plot_windows_1d, plot_windows_2d
from ._explorer import Explorer

__all__ = [
    "PADDING_MODES",
    "padding_argument",
    "output_size_report",
    "draw_output_size",
    "output_size_explorer",
    "strided_feature_map",
    "draw_photo_stride",
    "photo_stride_explorer",
]

#: The padding modes of the output-size explorer: a number from the slider, or a word.
PADDING_MODES = ("number", "valid", "same")


def padding_argument(padding: int, mode: str) -> Union[int, str]:
    """What to pass as ``padding``: the slider's number, or ``"valid"`` / ``"same"``.

    >>> padding_argument(2, "number"), padding_argument(2, "same")
    (2, 'same')
    """
    if mode not in PADDING_MODES:
        raise ValueError(f"mode={mode!r} is not one of {PADDING_MODES}")
    return padding if mode == "number" else mode


def _indices(values: tuple[int, ...], most: int = 12) -> str:
    shown = ", ".join(str(v) for v in values[:most])
    return shown + (", ..." if len(values) > most else "")


def output_size_report(n: int, kernel_size: int, stride: int = 1,
                       padding: Union[int, str] = 0, dilation: int = 1) -> str:
    """The explanation the output-size explorer prints under its picture.

    It is :func:`cnnkit.explain_output_size` followed by what the picture highlights:
    which input pixels no window reads, and how many of the square input's pixels that is.

    Parameters
    ----------
    n, kernel_size, stride, dilation : int
    padding : int, "valid" or "same"

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an impossible combination (the kernel is larger than the padded input, or
        ``"same"`` with a stride above 1).

    Examples
    --------
    >>> print(output_size_report(10, 3, stride=3).splitlines()[-1])
    in 2-D (10x10 input): 3x3 outputs; 19 of the 100 pixels are read by no window
    """
    layout = axis_layout(n, kernel_size, stride, padding, dilation)
    lines = [explain_output_size(n, kernel_size, stride, padding, dilation)]
    missed = layout.unreached_pixels
    if not missed:
        lines.append("every input pixel is read by at least one window")
    else:
        lines.append(f"input pixels no window reads (red): {len(missed)} "
                     f"(index {_indices(missed)})")
        tail = layout.n + layout.pad_after - layout.dropped_tail  # first pixel of the end
        inside = [i for i in missed if i < tail]
        if inside:  # red pixels that are not part of the leftover at the end
            where = []
            if layout.stride > layout.span:
                where.append("between windows, which the stride jumps over")
            if layout.dilation > 1:
                where.append("in the gaps between the dilated kernel's taps")
            lines.append(f"{len(inside)} of them are not at the end of the row: they lie "
                         f"{' or '.join(where)} (see the note{'s' if len(where) > 1 else ''} above)")
    reached = layout.n - len(missed)
    lines.append(f"in 2-D ({n}x{n} input): {layout.out}x{layout.out} outputs; "
                 f"{n * n - reached * reached} of the {n * n} pixels are read by no window")
    return "\n".join(lines)


def draw_output_size(n: int, kernel_size: int, stride: int, padding: int, dilation: int,
                     mode: str = "number", view: str = "1-D") -> list[Union[plt.Figure, str]]:
    """The output-size explorer's drawing: the windows as a picture, then the arithmetic.

    Parameters
    ----------
    n, kernel_size, stride, padding, dilation : int
        The slider values.
    mode : {"number", "valid", "same"}
        Use the padding slider, or PyTorch's ``padding="valid"`` / ``"same"``.
    view : {"1-D", "2-D"}
        One row of the input, or the whole square input.

    Returns
    -------
    list
        ``[figure, text]``.

    Raises
    ------
    ValueError
        For an impossible combination (nothing is drawn then).
    """
    pad = padding_argument(padding, mode)
    text = output_size_report(n, kernel_size, stride, pad, dilation)  # raises first
    if view == "2-D":
        fig, ax = plt.subplots(figsize=(5.4, 6.2))
        plot_windows_2d(ax, n, kernel_size, stride, pad, dilation)
    elif view == "1-D":
        fig, ax = plt.subplots(figsize=(9.5, 4.0))
        plot_windows_1d(ax, n, kernel_size, stride, pad, dilation)
    else:
        raise ValueError(f"view={view!r} must be '1-D' or '2-D'")
    fig.tight_layout()
    return [fig, text]


def output_size_explorer(n: int = 10, kernel_size: int = 3, stride: int = 3, padding: int = 0,
                         dilation: int = 1) -> Explorer:
    """Sliders for input size, kernel size, stride, padding and dilation.

    The view draws every window position on the padded input (one row, or the whole grid),
    the padding, and the pixels no window reaches, above the arithmetic in words. A kernel
    larger than the padded input shows a friendly message instead.

    Returns
    -------
    Explorer
        Controls ``n``, ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``mode``
        (``"number"``, ``"valid"`` or ``"same"``) and ``view`` (``"1-D"`` or ``"2-D"``).
    """
    def slider(value: int, low: int, high: int, description: str) -> widgets.IntSlider:
        return widgets.IntSlider(value=value, min=low, max=high, description=description,
                                 continuous_update=False,
                                 style={"description_width": "90px"})

    controls = {
        "n": slider(n, 1, 16, "input size n"),
        "kernel_size": slider(kernel_size, 1, 9, "kernel size k"),
        "stride": slider(stride, 1, 6, "stride s"),
        "padding": slider(padding, 0, 4, "padding p"),
        "dilation": slider(dilation, 1, 3, "dilation d"),
        "view": widgets.ToggleButtons(options=["1-D", "2-D"], value="1-D", description="view",
                                      tooltips=["one row of the input", "the whole input"],
                                      style={"button_width": "60px"}),
        "mode": widgets.ToggleButtons(
            options=[("p from the slider", "number"), ("'valid'", "valid"), ("'same'", "same")],
            value="number", description="padding",
            tooltips=["p zeros on each side, from the slider", "no padding",
                      "as much as keeps the size (stride 1 only)"],
            style={"button_width": "130px"}),
    }
    return Explorer(controls, draw_output_size, title="Windows, padding and output size",
                    columns=3)


def strided_feature_map(image: np.ndarray, kernel_size: int, stride: int) -> np.ndarray:
    """Convolve a grayscale image with a ``kernel_size`` x ``kernel_size`` average kernel.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    kernel_size, stride : int

    Returns
    -------
    ndarray, shape (OH, OW)
        ``OH = conv_output_size(H, kernel_size, stride)``, the same for ``OW``.

    Examples
    --------
    >>> strided_feature_map(np.ones((10, 9)), 3, stride=2).shape
    (4, 4)
    """
    k = positive_int(kernel_size, "kernel_size")
    kernel = np.full((k, k), 1.0 / (k * k))
    return conv2d(np.asarray(image, dtype=np.float64), kernel, stride=stride)


def draw_photo_stride(image: np.ndarray, kernel_size: int,
                      stride: int) -> list[Union[plt.Figure, str]]:
    """The photo explorer's drawing: photo, feature map, and their sizes in words.

    Returns
    -------
    list
        ``[figure, text]``.
    """
    fmap = strided_feature_map(image, kernel_size, stride)
    h, w = image.shape
    oh, ow = fmap.shape
    fig = plot_photo_stride(image, fmap, kernel_size, stride)
    text = (f"input {h} x {w} = {h * w:,} pixels -> feature map {oh} x {ow} = {oh * ow:,} "
            f"nodes ({h * w / (oh * ow):.1f} times fewer)")
    return [fig, text]


def photo_stride_explorer(image: Optional[np.ndarray] = None, size: int = 120) -> Explorer:
    """A kernel size and a stride slider on the sample photo.

    Parameters
    ----------
    image : ndarray, shape (H, W), optional
        The picture to use; by default ``cnnkit.sample_image(size=size)``.
    size : int
        Longest side of the default photo, in pixels.

    Returns
    -------
    Explorer
        Controls ``kernel_size`` and ``stride``.
    """
    if image is None:
        from ..data import sample_image

        image = sample_image(size=size)
    controls = {
        "kernel_size": widgets.IntSlider(value=3, min=1, max=9, description="kernel size",
                                         continuous_update=False),
        "stride": widgets.IntSlider(value=2, min=1, max=8, description="stride",
                                    continuous_update=False),
    }

    def draw(kernel_size: int, stride: int) -> list[Union[plt.Figure, str]]:
        return draw_photo_stride(image, kernel_size, stride)

    return Explorer(controls, draw, title="Stride on a photo", columns=2)
