"""Explorers for the kernels notebook.

- :func:`step_explorer`: slide a 3x3 kernel across a small integer image one position at a
  time and watch each sum of products fill in the output.
- :func:`kernel_explorer`: pick a classic kernel (or type your own) and see its feature map
  on the photo.
- :func:`node_explorer`: pick a node in a stack of three convolutions and see its receptive
  field in the input and the sum it computes.

Each explorer wires its controls to a pure ``draw_*`` function that returns a Figure and a
line of text; the numbers come from ``step_state``, ``node_state`` and ``parse_kernel``, which
the tests call over every control position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..conv import conv2d
from ..data import sample_image
from ..filters import KERNELS, get_kernel
from ..receptive import Window, node_window, output_hw, receptive_field
from ..viz._common import SIGNED_CMAP, show_image, signed_imshow
from ..viz.kernels_feature_maps_nodes import _fmt, number_grid, plot_receptive_fields
from ._explorer import Explorer

__all__ = [
    "STEP_IMAGE",
    "STEP_KERNELS",
    "StepState",
    "step_state",
    "draw_step",
    "step_explorer",
    "parse_kernel",
    "kernel_feature_map",
    "draw_kernel",
    "kernel_explorer",
    "NODE_KERNELS",
    "NODE_BIASES",
    "node_input",
    "NodeState",
    "node_state",
    "draw_node",
    "node_explorer",
]

# --------------------------------------------------------------------------------------
# 1. Stepping the kernel across a small image
# --------------------------------------------------------------------------------------

#: A 6x6 image of small integers: dark on the left, bright on the right, one bright dot.
STEP_IMAGE = np.array(
    [
        [1, 1, 1, 7, 8, 8],
        [1, 1, 2, 8, 8, 8],
        [1, 1, 1, 8, 9, 8],
        [1, 9, 1, 7, 8, 8],
        [1, 1, 1, 8, 8, 7],
        [2, 1, 1, 8, 8, 8],
    ],
    dtype=np.float64,
)
STEP_IMAGE.setflags(write=False)

#: Kernels with whole-number weights, so every product is easy to check by hand.
STEP_KERNELS = ("sobel_vertical", "sobel_horizontal", "laplacian", "sharpen", "identity")


class StepState(NamedTuple):
    """Everything the step explorer shows for one kernel position."""

    row: int  # output row of this position
    col: int  # output column
    window: Window  # the input cells under the kernel
    patch: np.ndarray  # (KH, KW) input values under the kernel
    products: np.ndarray  # (KH, KW) patch * kernel
    total: float  # the sum of the products = output[row, col]
    output: np.ndarray  # (OH, OW) with positions after this one still NaN


def step_state(position: int, kernel: np.ndarray, image: np.ndarray = STEP_IMAGE) -> StepState:
    """The sum of products at the ``position``-th kernel position (row by row).

    Parameters
    ----------
    position : int
        0 .. OH*OW - 1, counting positions left to right, then top to bottom.
    kernel : ndarray, shape (KH, KW)
    image : ndarray, shape (H, W)

    Examples
    --------
    >>> s = step_state(5, np.ones((3, 3)))
    >>> (s.row, s.col), s.output.shape
    ((1, 1), (4, 4))
    """
    kernel, image = np.asarray(kernel, float), np.asarray(image, float)
    full = conv2d(image, kernel)  # checks the shapes and gives every output
    oh, ow = full.shape
    if not 0 <= position < oh * ow:
        raise ValueError(
            f"position={position} is outside 0..{oh * ow - 1} "
            f"(the output has {oh}x{ow} = {oh * ow} positions)"
        )
    row, col = divmod(int(position), ow)
    window = node_window(row, col, kernel.shape)
    patch = image[window.slices]
    products = patch * kernel
    output = np.full((oh, ow), np.nan)
    output.flat[: position + 1] = full.flat[: position + 1]
    return StepState(row, col, window, patch, products, float(products.sum()), output)


def draw_step(position: int, kernel: str = "sobel_vertical") -> list:
    """Figure and text for the step explorer: the window, products, sum and output so far."""
    weights = get_kernel(kernel)
    s = step_state(position, weights)
    fig, axes = plt.subplots(
        1,
        4,
        figsize=(13.5, 3.4),
        gridspec_kw={
            "width_ratios": [6, 3, 3, 4],
            "left": 0.02,
            "right": 0.94,
            "bottom": 0.08,
            "top": 0.88,
            "wspace": 0.5,
        },
    )
    lim = float(np.abs(conv2d(STEP_IMAGE, weights)).max()) or 1.0  # same colours at every step
    number_grid(
        axes[0], STEP_IMAGE, "input (6x6)", cmap="gray", highlight=s.window, vmin=-4, vmax=12
    )
    number_grid(
        axes[1], weights, f"kernel: {kernel}", symmetric=True, colorbar=True, label="weight"
    )
    number_grid(axes[2], s.products, "products", symmetric=True, colorbar=True, label="product")
    number_grid(
        axes[3],
        s.output,
        f"output[{s.row}, {s.col}] = {_fmt(s.total)}",
        highlight=Window(s.row, s.row + 1, s.col, s.col + 1),
        cmap=SIGNED_CMAP,
        vmin=-lim,
        vmax=lim,
        colorbar=True,
        label="output value (0 = white)",
    )
    terms = " + ".join(f"{_fmt(p)}×{_fmt(k)}" for p, k in zip(s.patch.ravel(), weights.ravel()))
    text = f"output[{s.row}, {s.col}] = {terms} = {_fmt(s.total)}"
    return [fig, text]


def step_explorer() -> Explorer:
    """Slide a kernel over :data:`STEP_IMAGE` one position at a time."""
    oh, ow = output_hw(STEP_IMAGE.shape, [3])[-1]
    controls = {
        "position": widgets.IntSlider(value=0, min=0, max=oh * ow - 1, description="position"),
        "kernel": widgets.Dropdown(
            options=list(STEP_KERNELS), value="sobel_vertical", description="kernel"
        ),
    }
    return Explorer(controls, draw_step, title="Step the kernel across the input", columns=2)


# --------------------------------------------------------------------------------------
# 2. Pick or type a kernel, see its feature map on the photo
# --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)(/\d+(\.\d*)?)?$")


def parse_kernel(text: str) -> np.ndarray:
    """Read a kernel typed as rows separated by ``;``, numbers by spaces or commas.

    Fractions such as ``1/9`` are allowed. Kernels may be 1x1 up to 7x7.

    Examples
    --------
    >>> parse_kernel("0 -1 0; -1 5 -1; 0 -1 0").shape
    (3, 3)
    """
    rows = [r for r in re.split(r"[;\n]", str(text)) if r.strip()]
    if not rows:
        raise ValueError(
            "the weights box is empty; type rows separated by ';', e.g. 0 -1 0; -1 5 -1; 0 -1 0"
        )
    values = []
    for r in rows:
        row = []
        for token in re.split(r"[,\s]+", r.strip()):
            if not _NUMBER.match(token):
                raise ValueError(f"{token!r} is not a number; use numbers like 2, -0.5 or 1/9")
            num, _, den = token.partition("/")
            if den and float(den) == 0:
                raise ValueError(f"{token!r} divides by zero")
            row.append(float(num) / (float(den) if den else 1.0))
        values.append(row)
    widths = {len(r) for r in values}
    if len(widths) != 1:
        raise ValueError(
            f"rows have different lengths {[len(r) for r in values]}; "
            "every row needs the same number of weights"
        )
    kernel = np.array(values)
    if max(kernel.shape) > 7:
        raise ValueError(
            f"a {kernel.shape[0]}x{kernel.shape[1]} kernel is too large here; use at most 7x7"
        )
    return kernel


def kernel_feature_map(image: np.ndarray, kernel: np.ndarray, view: str = "raw") -> np.ndarray:
    """The feature map of ``kernel`` on ``image`` (stride 1, no padding).

    ``view`` is ``"raw"`` (the sums as they are), ``"ReLU"`` (negatives set to 0, as the
    activation after a conv layer does) or ``"absolute"`` (the size of the response).
    """
    out = conv2d(image, kernel)
    if view == "raw":
        return out
    if view == "ReLU":
        return np.maximum(out, 0.0)
    if view == "absolute":
        return np.abs(out)
    raise ValueError(f"view={view!r} must be 'raw', 'ReLU' or 'absolute'")


def draw_kernel(
    kernel: str, weights: str, view: str = "raw", image: np.ndarray | None = None
) -> plt.Figure:
    """Photo, kernel and feature map for the kernel explorer.

    ``kernel`` is a name in :data:`cnnkit.filters.KERNELS` or ``"custom"``, in which case
    ``weights`` (text for :func:`parse_kernel`) gives the kernel.
    """
    image = _explorer_photo() if image is None else image
    weights_ = parse_kernel(weights) if kernel == "custom" else get_kernel(kernel)
    fmap = kernel_feature_map(image, weights_, view)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.9), gridspec_kw={"width_ratios": [4, 3, 4]})
    show_image(axes[0], image, f"input {image.shape[0]}x{image.shape[1]}", vmin=0, vmax=1)
    number_grid(
        axes[1],
        weights_,
        f"kernel: {kernel}",
        symmetric=True,
        fontsize=10 if weights_.shape[1] <= 4 else 7,
        colorbar=True,
        label="weight (0 = white)",
    )
    title = f"feature map ({view}) {fmap.shape[0]}x{fmap.shape[1]}"
    if fmap.min() >= 0:
        show_image(axes[2], fmap, title, colorbar=True, label="value (0 = black)")
    else:
        signed_imshow(axes[2], fmap, title, label="value (0 = white)")
    fig.tight_layout()
    return fig


_PHOTO: dict[int, np.ndarray] = {}


def _explorer_photo(size: int = 128) -> np.ndarray:
    """The sample photo with its longer side ``size`` pixels, loaded once."""
    if size not in _PHOTO:
        _PHOTO[size] = sample_image(size=size)
    return _PHOTO[size]


def kernel_explorer(image: np.ndarray | None = None, conv: Callable | None = None) -> Explorer:
    """Pick a classic kernel, or choose "custom" and type weights; see the feature map.

    ``conv``, optional: your own ``conv(x, weight, bias, stride, padding)`` (NCHW, as in the
    labs); its feature map is then shown beside cnnkit's, differences in red
    (see :func:`draw_kernel_yours`).
    """
    if conv is not None:
        return _kernel_explorer_yours(conv, image)
    image = _explorer_photo() if image is None else image
    controls = {
        "kernel": widgets.Dropdown(
            options=[*KERNELS, "custom"], value="sobel_vertical", description="kernel"
        ),
        "weights": widgets.Text(
            value="1 1 1; 0 0 0; -1 -1 -1",
            description="custom",
            continuous_update=False,
            placeholder="rows separated by ; e.g. 0 -1 0; -1 5 -1; 0 -1 0",
        ),
        "view": widgets.ToggleButtons(
            options=["raw", "ReLU", "absolute"], value="raw", description="show"
        ),
    }
    return Explorer(
        controls,
        lambda **v: draw_kernel(image=image, **v),
        title='Pick a kernel, or choose "custom" and type your own weights',
        columns=2,
    )


# --------------------------------------------------------------------------------------
# 3. A node of a small conv stack and its receptive field
# --------------------------------------------------------------------------------------

#: The three 3x3 kernels of the node explorer's stack (stride 1, no padding).
NODE_KERNELS = ("gaussian_blur", "sobel_vertical", "box_blur")
#: Their biases.
NODE_BIASES = (0.1, 0.0, -0.05)


def node_input() -> np.ndarray:
    """The node explorer's input: a 16x16 crop of the photo shrunk to 60x51 (the glasses)."""
    return _explorer_photo(64)[14:30, 14:30]


class NodeState(NamedTuple):
    """What one node of the node explorer's stack computes and sees."""

    maps: list  # [input, layer 1, ..., layer 3] feature maps, each (H_l, W_l)
    depth: int
    row: int
    col: int
    field: Window  # receptive field in the input
    windows: list  # per map, the window the node depends on (None for later maps)
    patch: np.ndarray  # (3, 3) values of the previous map the node reads
    kernel: np.ndarray  # (3, 3)
    bias: float
    value: float  # sum(patch * kernel) + bias == maps[depth][row, col]


def node_state(depth: int, row: int, col: int) -> NodeState:
    """The receptive field and the computation of node (row, col) of layer ``depth`` (1..3).

    Raises ``ValueError`` when the node is outside that layer's feature map (each 3x3 layer
    without padding makes the map 2 smaller).
    """
    if depth not in (1, 2, 3):
        raise ValueError(f"depth={depth} must be 1, 2 or 3")
    maps = [node_input()]
    for name, b in zip(NODE_KERNELS, NODE_BIASES):
        maps.append(conv2d(maps[-1], get_kernel(name)) + b)
    layers = [3] * depth
    field = receptive_field(row, col, layers, input_hw=maps[0].shape)  # checks row, col
    windows: list = [None] * len(maps)
    for level in range(depth):  # the window of map `level` that the node depends on
        windows[level] = receptive_field(row, col, layers[level:])
    patch = maps[depth - 1][windows[depth - 1].slices]
    kernel = get_kernel(NODE_KERNELS[depth - 1])
    bias = NODE_BIASES[depth - 1]
    value = float((patch * kernel).sum() + bias)
    return NodeState(maps, depth, row, col, field, windows, patch, kernel, bias, value)


def draw_node(depth: int, row: int, col: int) -> list:
    """Figure and text for the node explorer."""
    s = node_state(depth, row, col)
    titles = ["input 16x16"] + [
        f"layer {i} ({NODE_KERNELS[i - 1]})\n{m.shape[0]}x{m.shape[1]}"
        for i, m in enumerate(s.maps)
        if i
    ]
    fig = plot_receptive_fields(s.maps, s.windows, titles, node=(row, col), used=depth)
    h, w = s.field.shape
    prev = "the input" if depth == 1 else f"layer {depth - 1}"
    terms = " + ".join(f"{p:.2f}×{_fmt(k)}" for p, k in zip(s.patch.ravel(), s.kernel.ravel()))
    text = (
        f"node ({row}, {col}) of layer {depth} sees input rows {s.field.row_start}.."
        f"{s.field.row_stop - 1}, cols {s.field.col_start}..{s.field.col_stop - 1}: "
        f"a {h}x{w} receptive field ({h * w} pixels).\n"
        f"It computes 9 products over a 3x3 window of {prev}, plus its bias:\n"
        f"{terms} + bias ({_fmt(s.bias)}) = {s.value:.3f}"
    )
    return [fig, text]


def node_explorer() -> Explorer:
    """Choose a layer and a node; see its receptive field grow with depth."""
    controls = {
        "depth": widgets.IntSlider(value=1, min=1, max=3, description="layer"),
        "row": widgets.IntSlider(value=4, min=0, max=13, description="node row"),
        "col": widgets.IntSlider(value=4, min=0, max=13, description="node col"),
    }
    return Explorer(controls, draw_node, title="Pick a node: what does it see?", columns=3)


# --------------------------------------------------------------------------------------
# Your code beside cnnkit's: the kernel explorer running the learner's convolution
# --------------------------------------------------------------------------------------


def draw_kernel_yours(
    conv: Callable, kernel: str, weights: str, view: str = "raw", image: np.ndarray | None = None
) -> list:
    """The kernel explorer's view with the learner's ``conv`` beside cnnkit's ``conv2d``.

    ``conv(x, weight, bias, stride, padding)`` is called with ``x`` of shape (1, 1, H, W),
    ``weight`` (1, 1, KH, KW), a zero ``bias`` (1,), stride 1 and padding 0. Whatever it does
    (raise, return None or a wrong shape) the view shows cnnkit's feature map and a message
    in words; when it works, both feature maps and their difference, differing pixels in red.

    Returns
    -------
    list
        ``[figure, text]``, or ``[figure, message]`` when the learner's call failed.
    """
    from ._learner import (
        call_learner,
        compare_arrays,
        describe_comparison,
        fn_name,
        learner_message,
        plot_comparison,
    )

    image = _explorer_photo(64) if image is None else np.asarray(image, dtype=np.float64)
    weights_ = parse_kernel(weights) if kernel == "custom" else get_kernel(kernel)
    expected = kernel_feature_map(image, weights_, view)
    x, w = image[None, None], weights_[None, None]
    run = call_learner(conv, [x, w, np.zeros(1), 1, 0], expected=conv2d(x, w))
    name = fn_name(conv)
    title = f"feature map ({view})"
    if run.problem:
        return [plot_comparison(expected, None, name, title), learner_message(run.problem)]
    got = run.value[0, 0]
    got = {"raw": got, "ReLU": np.maximum(got, 0.0), "absolute": np.abs(got)}[view]
    fig = plot_comparison(expected, got, name, title)
    return [fig, describe_comparison(compare_arrays(expected, got), name, "feature map")]


def _kernel_explorer_yours(conv: Callable, image: np.ndarray | None) -> Explorer:
    explorer = kernel_explorer(image)  # the same controls, drawing the learner's code too
    explorer.draw = lambda **v: draw_kernel_yours(conv, image=image, **v)
    explorer.refresh()
    return explorer


__all__ += ["draw_kernel_yours"]
