"""Explorers for notebook 03 (stride, padding and output size).

Two explorers, each a thin wiring of sliders to a pure drawing function:

- :func:`output_size_explorer`: input size, kernel size, stride, padding and dilation; it
  draws every window on the padded input (as a row or a grid), highlights the pixels no
  window reaches, and prints the arithmetic from :func:`cnnkit.explain_output_size`;
- :func:`photo_stride_explorer`: a kernel size and a stride applied to the sample photo,
  showing how much smaller the feature map gets.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .._validate import positive_int
from ..conv import conv2d
from ..shapes import explain_output_size
from ..viz.stride_padding_output_size import (
    axis_layout,
    plot_photo_stride,
    plot_windows_1d,
    plot_windows_2d,
)
from ._explorer import Explorer, int_slider

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


def padding_argument(padding: int, mode: str) -> int | str:
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


def output_size_report(
    n: int, kernel_size: int, stride: int = 1, padding: int | str = 0, dilation: int = 1
) -> str:
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
        lines.append(
            f"input pixels no window reads (red): {len(missed)} (index {_indices(missed)})"
        )
        tail = layout.n + layout.pad_after - layout.dropped_tail  # first pixel of the end
        inside = [i for i in missed if i < tail]
        if inside:  # red pixels that are not part of the leftover at the end
            where = []
            if layout.stride > layout.span:
                where.append("between windows, which the stride jumps over")
            if layout.dilation > 1:
                where.append("in the gaps between the dilated kernel's taps")
            lines.append(
                f"{len(inside)} of them are not at the end of the row: they lie "
                f"{' or '.join(where)} (see the note{'s' if len(where) > 1 else ''} above)"
            )
    reached = layout.n - len(missed)
    lines.append(
        f"in 2-D ({n}x{n} input): {layout.out}x{layout.out} outputs; "
        f"{n * n - reached * reached} of the {n * n} pixels are read by no window"
    )
    return "\n".join(lines)


def draw_output_size(
    n: int,
    kernel_size: int,
    stride: int,
    padding: int,
    dilation: int,
    mode: str = "number",
    view: str = "1-D",
) -> list[plt.Figure | str]:
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


def output_size_explorer(
    n: int = 10,
    kernel_size: int = 3,
    stride: int = 3,
    padding: int = 0,
    dilation: int = 1,
    output_size: Callable | None = None,
) -> Explorer:
    """Sliders for input size, kernel size, stride, padding and dilation.

    ``output_size``, optional: your own ``output_size(n, kernel_size, stride, padding,
    dilation)``; the view then also says whether it agrees with cnnkit at every position of
    the sliders (see :func:`draw_output_size_yours`).

    The view draws every window position on the padded input (one row, or the whole grid),
    the padding, and the pixels no window reaches, above the arithmetic in words. A kernel
    larger than the padded input shows a friendly message instead.

    Returns
    -------
    Explorer
        Controls ``n``, ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``mode``
        (``"number"``, ``"valid"`` or ``"same"``) and ``view`` (``"1-D"`` or ``"2-D"``).
    """

    controls = {
        "n": int_slider(n, 1, 16, "input size n"),
        "kernel_size": int_slider(kernel_size, 1, 9, "kernel size k"),
        "stride": int_slider(stride, 1, 6, "stride s"),
        "padding": int_slider(padding, 0, 4, "padding p"),
        "dilation": int_slider(dilation, 1, 3, "dilation d"),
        "view": widgets.ToggleButtons(
            options=["1-D", "2-D"],
            value="1-D",
            description="view",
            tooltips=["one row of the input", "the whole input"],
            style={"button_width": "60px"},
        ),
        "mode": widgets.ToggleButtons(
            options=[("p from the slider", "number"), ("'valid'", "valid"), ("'same'", "same")],
            value="number",
            description="padding",
            tooltips=[
                "p zeros on each side, from the slider",
                "no padding",
                "as much as keeps the size (stride 1 only)",
            ],
            style={"button_width": "130px"},
        ),
    }
    draw = (
        draw_output_size
        if output_size is None
        else (lambda **v: draw_output_size_yours(output_size, **v))
    )
    return Explorer(controls, draw, title="Windows, padding and output size", columns=3)


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


def draw_photo_stride(image: np.ndarray, kernel_size: int, stride: int) -> list[plt.Figure | str]:
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
    text = (
        f"input {h} x {w} = {h * w:,} pixels -> feature map {oh} x {ow} = {oh * ow:,} "
        f"nodes ({h * w / (oh * ow):.1f} times fewer)"
    )
    return [fig, text]


def photo_stride_explorer(
    image: np.ndarray | None = None, size: int = 120, conv: Callable | None = None
) -> Explorer:
    """A kernel size and a stride slider on the sample photo.

    ``conv``, optional: your own ``conv(x, weight, bias, stride, padding)`` (NCHW, as in the
    labs); its strided feature map is then shown beside cnnkit's, differences in red
    (see :func:`draw_photo_stride_yours`).

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
        "kernel_size": widgets.IntSlider(
            value=3, min=1, max=9, description="kernel size", continuous_update=False
        ),
        "stride": widgets.IntSlider(
            value=2, min=1, max=8, description="stride", continuous_update=False
        ),
    }

    def draw(kernel_size: int, stride: int) -> list[plt.Figure | str]:
        if conv is not None:
            return draw_photo_stride_yours(conv, image, kernel_size, stride)
        return draw_photo_stride(image, kernel_size, stride)

    return Explorer(controls, draw, title="Stride on a photo", columns=2)


# --------------------------------------------------------------------------------------
# Your code beside cnnkit's: the learner's output_size and convolution in these explorers
# --------------------------------------------------------------------------------------


def draw_output_size_yours(
    output_size: Callable,
    n: int,
    kernel_size: int,
    stride: int,
    padding: int,
    dilation: int,
    mode: str = "number",
    view: str = "1-D",
) -> list:
    """:func:`draw_output_size`, then a line saying what the learner's ``output_size`` gives.

    The learner's function is called as ``output_size(n, kernel_size, stride, padding,
    dilation)`` with whole numbers (``"valid"`` is padding 0; ``"same"`` is not a number, so
    it is not compared). It never raises: a failing call becomes a message.
    """
    from ..shapes import conv_output_size
    from ._learner import call_learner, fn_name, learner_message

    drawn = draw_output_size(n, kernel_size, stride, padding, dilation, mode, view)
    name = fn_name(output_size)
    if mode == "same":
        return [
            *drawn,
            f"(your {name} takes padding as a number: choose 'p from the "
            f"slider' or 'valid' to compare it with cnnkit)",
        ]
    pad = padding if mode == "number" else 0
    expected = conv_output_size(n, kernel_size, stride, pad, dilation)
    run = call_learner(output_size, [n, kernel_size, stride, pad, dilation], expected=expected)
    call = f"{name}({n}, {kernel_size}, {stride}, {pad}, {dilation})"
    if run.problem:
        return [*drawn, learner_message(run.problem)]
    if run.value == expected:
        return [*drawn, f"{call} = {run.value}, the same as cnnkit ({expected}) ✓"]
    return [
        *drawn,
        learner_message(
            f"{call} = {run.value}, but cnnkit gives {expected}: "
            f"count the windows in the picture above"
        ),
    ]


def draw_photo_stride_yours(
    conv: Callable, image: np.ndarray, kernel_size: int, stride: int
) -> list:
    """:func:`draw_photo_stride`'s feature map from the learner's ``conv`` beside cnnkit's.

    ``conv(x, weight, bias, stride, padding)`` gets ``x`` (1, 1, H, W), the average kernel
    (1, 1, k, k), a zero bias (1,), the stride and padding 0. It never raises: a failing call
    shows cnnkit's feature map and a message.
    """
    from ._learner import (
        call_learner,
        compare_arrays,
        describe_comparison,
        fn_name,
        learner_message,
        plot_comparison,
    )

    image = np.asarray(image, dtype=np.float64)
    expected = strided_feature_map(image, kernel_size, stride)  # checks the sizes
    k = positive_int(kernel_size, "kernel_size")
    weight = np.full((1, 1, k, k), 1.0 / (k * k))
    run = call_learner(
        conv, [image[None, None], weight, np.zeros(1), stride, 0], expected=expected[None, None]
    )
    name = fn_name(conv)
    title = f"feature map, stride {stride}"
    if run.problem:
        return [
            plot_comparison(expected, None, name, title, symmetric=False),
            learner_message(run.problem),
        ]
    got = run.value[0, 0]
    fig = plot_comparison(expected, got, name, title, symmetric=False)
    return [fig, describe_comparison(compare_arrays(expected, got), name, "feature map")]


__all__ += ["draw_output_size_yours", "draw_photo_stride_yours"]
