"""The explorers of notebook 09 (modern building blocks), and the pure functions under them.

- :func:`dilated_footprint` counts, for one output node of a stack of dilated convolutions,
  how many paths reach each input pixel; zeros inside the receptive field are the *gridding*
  holes. :func:`draw_dilation` is the dilation explorer's view.
- :func:`transposed_overlap` counts how many kernel copies a transposed convolution adds
  onto each output pixel; an uneven count is the checkerboard. :func:`draw_transposed` is the
  transposed-convolution explorer's view.
- :func:`conv_cost` counts the parameters and multiplications of a (grouped) convolution,
  :func:`separable_cost` those of a depthwise-separable pair. :func:`draw_groups` is the
  groups explorer's view.

Each drawing function returns a figure and a text, or raises ``ValueError`` in words for an
impossible combination (shown by the :class:`Explorer` as a friendly message).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import ipywidgets as widgets
import numpy as np

from .._validate import positive_int
from ..viz.modern_building_blocks import (
    plot_block_costs,
    plot_footprints,
    plot_group_connections,
    plot_overlap,
)
from ._explorer import Explorer

__all__ = [
    "DILATION_CHOICES",
    "TRANSPOSED_CHOICES",
    "GROUPS_CHOICES",
    "dilated_footprint",
    "describe_dilation",
    "draw_dilation",
    "dilation_explorer",
    "transposed_overlap",
    "describe_transposed",
    "draw_transposed",
    "transposed_explorer",
    "ConvCost",
    "conv_cost",
    "separable_cost",
    "describe_costs",
    "draw_groups",
    "groups_explorer",
]

_STYLE = dict(continuous_update=False, style={"description_width": "initial"})


def _slider(options: tuple, value: Any, description: str) -> widgets.SelectionSlider:
    return widgets.SelectionSlider(options=options, value=value, description=description, **_STYLE)


# ------------------------------------------------------------------ dilation and gridding

#: The values every control of the dilation explorer can take.
DILATION_CHOICES: dict[str, tuple] = {
    "kernel_size": (2, 3, 5),
    "layers": (1, 2, 3),
    "dilation_1": (1, 2, 3, 4),
    "dilation_2": (1, 2, 3, 4),
    "dilation_3": (1, 2, 3, 4),
}


def dilated_footprint(kernel_size: int, dilations: tuple[int, ...] | list[int]) -> np.ndarray:
    """How many paths join each input pixel to one output node of a stack of dilated convs.

    Every layer is a ``kernel_size`` x ``kernel_size`` convolution (stride 1) with its own
    dilation. Along one axis, the node's footprint through one layer is the kernel's taps
    ``0, d, 2d, ...``; through a stack it is the full convolution of those tap patterns
    (each path picks one tap per layer). The kernels are square, so the 2-D footprint is
    the outer product of the 1-D one with itself.

    Parameters
    ----------
    kernel_size : int
    dilations : sequence of int
        One dilation per layer, first layer first.

    Returns
    -------
    ndarray of int64, shape (R, R)
        ``R = 1 + sum(d * (kernel_size - 1))``, the receptive field's side. A 0 inside it
        is a pixel the node never sees (a *gridding* hole).

    Examples
    --------
    >>> dilated_footprint(3, [2])[0]
    array([1, 0, 1, 0, 1])
    >>> dilated_footprint(3, [1, 1]).shape
    (5, 5)
    """
    k = positive_int(kernel_size, "kernel_size")
    line = np.ones(1, dtype=np.int64)
    for i, d in enumerate(dilations):
        d = positive_int(d, f"dilations[{i}]")
        taps = np.zeros(d * (k - 1) + 1, dtype=np.int64)
        taps[::d] = 1  # the kernel's k taps, d pixels apart
        line = np.convolve(line, taps)
    return np.outer(line, line)


def describe_dilation(kernel_size: int, dilations: tuple[int, ...] | list[int]) -> str:
    """The receptive field, the pixels really used, the holes and the weights, in words."""
    footprint = dilated_footprint(kernel_size, dilations)
    side = footprint.shape[0]
    used = int(np.count_nonzero(footprint))
    holes = side * side - used
    weights = len(dilations) * kernel_size * kernel_size
    dense = 1 + len(dilations) * (kernel_size - 1)
    lines = [
        f"dilations {', '.join(map(str, dilations))} with {kernel_size}x{kernel_size} kernels: "
        f"one node sees {side}x{side} input pixels",
        f"pixels it really uses: {used} of {side * side}; holes (gridding): {holes}",
        f"weights per channel pair: {weights}, as for the same layers without dilation, "
        f"which would see only {dense}x{dense}",
    ]
    return "\n".join(lines)


def draw_dilation(
    kernel_size: int = 3,
    layers: int = 3,
    dilation_1: int = 2,
    dilation_2: int = 2,
    dilation_3: int = 2,
) -> list[Any]:
    """The dilation explorer's view: the footprint after each layer, and the numbers."""
    dilations = (dilation_1, dilation_2, dilation_3)[: int(layers)]
    footprints = [dilated_footprint(kernel_size, dilations[: i + 1]) for i in range(len(dilations))]
    titles = [f"after layer {i + 1} (dilation {d})" for i, d in enumerate(dilations)]
    fig = plot_footprints(
        footprints,
        titles,
        suptitle=f"What one node sees through {len(dilations)} dilated "
        f"{kernel_size}x{kernel_size} layer{'s' if len(dilations) > 1 else ''} "
        "(paths per input pixel; holes hatched)",
    )
    return [fig, describe_dilation(kernel_size, dilations)]


def dilation_explorer(**values: Any) -> Explorer:
    """An :class:`Explorer` over :func:`draw_dilation`, its controls at ``values``."""
    v = dict(kernel_size=3, layers=3, dilation_1=2, dilation_2=2, dilation_3=2)
    v.update(values)
    controls = {
        "kernel_size": _slider(DILATION_CHOICES["kernel_size"], v["kernel_size"], "kernel"),
        "layers": _slider(DILATION_CHOICES["layers"], v["layers"], "layers"),
        "dilation_1": _slider(DILATION_CHOICES["dilation_1"], v["dilation_1"], "dilation 1"),
        "dilation_2": _slider(DILATION_CHOICES["dilation_2"], v["dilation_2"], "dilation 2"),
        "dilation_3": _slider(DILATION_CHOICES["dilation_3"], v["dilation_3"], "dilation 3"),
    }
    return Explorer(
        controls, draw_dilation, title="Dilated layers: how far one node sees, and its holes"
    )


# ------------------------------------------------------------------ transposed convolution

#: The values every control of the transposed-convolution explorer can take.
TRANSPOSED_CHOICES: dict[str, tuple] = {
    "kernel_size": (1, 2, 3, 4, 5, 6),
    "stride": (1, 2, 3, 4),
    "input_size": (2, 3, 4, 5, 6),
}


def transposed_overlap(n: int, kernel_size: int, stride: int) -> np.ndarray:
    """How many kernel copies a transposed convolution adds onto each output pixel.

    A transposed convolution (no padding) of an ``n`` x ``n`` input copies the kernel once
    per input pixel, ``stride`` pixels apart, and adds the copies up. With an input of ones
    and a kernel of ones the output counts the copies that cover each pixel. Where that
    count changes from pixel to pixel, an even input comes out as a checkerboard.

    Returns
    -------
    ndarray of int64, shape (M, M)
        ``M = (n - 1) * stride + kernel_size``.

    Examples
    --------
    >>> transposed_overlap(3, 3, 2)[0]
    array([1, 1, 2, 1, 2, 1, 1])
    """
    n = positive_int(n, "n")
    k = positive_int(kernel_size, "kernel_size")
    s = positive_int(stride, "stride")
    side = (n - 1) * s + k
    out = np.zeros((side, side), dtype=np.int64)
    for i in range(n):  # every input pixel drops one copy of the kernel
        for j in range(n):
            out[i * s : i * s + k, j * s : j * s + k] += 1
    return out


def describe_transposed(n: int, kernel_size: int, stride: int) -> str:
    """What the overlap pattern is, in words, with the counts in the middle of the output."""
    overlap = transposed_overlap(n, kernel_size, stride)
    side = overlap.shape[0]
    edge = slice(kernel_size - 1, side - kernel_size + 1)  # where no copy is cut by the border
    inner = overlap[edge, edge]
    lines = [
        f"{n}x{n} input, kernel {kernel_size}, stride {stride}: output {side}x{side} "
        f"= ((n - 1) * stride + kernel)",
    ]
    values = sorted(set(inner.ravel().tolist())) if inner.size else []
    if stride > kernel_size:
        verdict = (
            f"stride {stride} > kernel {kernel_size}: the copies do not even touch; "
            "some pixels get nothing at all (gaps)"
        )
    elif kernel_size % stride:
        verdict = (
            f"kernel {kernel_size} is not a multiple of stride {stride}: the copies overlap "
            "unevenly, a checkerboard"
        )
    else:
        verdict = (
            f"kernel {kernel_size} is a multiple of stride {stride}: away from the border every "
            "pixel gets the same number of copies, no checkerboard"
        )
    lines.append(verdict)
    if values:
        lines.append(f"copies per pixel away from the border: {', '.join(map(str, values))}")
    else:
        lines.append("the output is all border: make the input larger to see its middle")
    return "\n".join(lines)


def draw_transposed(kernel_size: int = 3, stride: int = 2, input_size: int = 4) -> list[Any]:
    """The transposed-convolution explorer's view: the overlap counts and the verdict."""
    overlap = transposed_overlap(input_size, kernel_size, stride)
    fig = plot_overlap(
        overlap,
        title=f"Kernel copies per output pixel: {input_size}x{input_size} input, "
        f"kernel {kernel_size}, stride {stride}",
    )
    return [fig, describe_transposed(input_size, kernel_size, stride)]


def transposed_explorer(**values: Any) -> Explorer:
    """An :class:`Explorer` over :func:`draw_transposed`, its controls at ``values``."""
    v = dict(kernel_size=3, stride=2, input_size=4)
    v.update(values)
    controls = {
        "kernel_size": _slider(TRANSPOSED_CHOICES["kernel_size"], v["kernel_size"], "kernel"),
        "stride": _slider(TRANSPOSED_CHOICES["stride"], v["stride"], "stride"),
        "input_size": _slider(TRANSPOSED_CHOICES["input_size"], v["input_size"], "input size"),
    }
    return Explorer(
        controls,
        draw_transposed,
        title="Transposed convolution: where the kernel copies overlap",
    )


# ------------------------------------------------------------------ groups: what they cost

#: The values every control of the groups explorer can take.
GROUPS_CHOICES: dict[str, tuple] = {
    "in_channels": (4, 8, 16, 32, 64),
    "out_channels": (4, 8, 16, 32, 64),
    "kernel_size": (1, 3, 5),
    "groups": (1, 2, 4, 8, 16, 32, 64),
    "size": (8, 16, 32),
}


class ConvCost(NamedTuple):
    """What one convolution layer costs: learnable numbers and multiplications per image."""

    params: int
    multiplications: int


def conv_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    groups: int = 1,
    size: int = 8,
    bias: bool = True,
) -> ConvCost:
    """Parameters and multiplications of a convolution with ``groups`` (padding "same").

    Each of the ``out_channels`` kernels reads only the ``in_channels / groups`` channels of
    its group, so a kernel has ``k * k * in_channels / groups`` weights; every weight is
    used once per output pixel (``size * size`` of them, stride 1, "same" padding).

    Raises
    ------
    ValueError
        When ``groups`` does not divide both channel counts.

    Examples
    --------
    >>> conv_cost(16, 16, 3, groups=1, size=8)
    ConvCost(params=2320, multiplications=147456)
    """
    cin = positive_int(in_channels, "in_channels")
    cout = positive_int(out_channels, "out_channels")
    k = positive_int(kernel_size, "kernel_size")
    g = positive_int(groups, "groups")
    if cin % g or cout % g:
        raise ValueError(
            f"groups={g} must divide in_channels={cin} and out_channels={cout}; "
            f"choose groups among {[d for d in range(1, cin + 1) if cin % d == cout % d == 0]}"
        )
    weights = cout * (cin // g) * k * k
    return ConvCost(weights + (cout if bias else 0), weights * size * size)


def separable_cost(
    in_channels: int, out_channels: int, kernel_size: int, size: int = 8, bias: bool = True
) -> ConvCost:
    """A depthwise ``k`` x ``k`` convolution (groups = in_channels) then a 1x1 convolution.

    Examples
    --------
    >>> separable_cost(16, 16, 3, size=8)
    ConvCost(params=432, multiplications=25600)
    """
    depthwise = conv_cost(in_channels, in_channels, kernel_size, in_channels, size, bias)
    pointwise = conv_cost(in_channels, out_channels, 1, 1, size, bias)
    return ConvCost(
        depthwise.params + pointwise.params,
        depthwise.multiplications + pointwise.multiplications,
    )


def describe_costs(
    in_channels: int, out_channels: int, kernel_size: int, groups: int, size: int
) -> str:
    """The three costs side by side, as a small table with their share of the full conv's
    multiplications."""
    full = conv_cost(in_channels, out_channels, kernel_size, 1, size)
    grouped = conv_cost(in_channels, out_channels, kernel_size, groups, size)
    separable = separable_cost(in_channels, out_channels, kernel_size, size)
    rows = [
        ("full convolution", full),
        (f"groups={groups}", grouped),
        ("depthwise + 1x1", separable),
    ]
    lines = [f"{'layer':<18}{'parameters':>12}{'multiplications':>17}{'mult. share':>13}"]
    for name, cost in rows:
        lines.append(
            f"{name:<18}{cost.params:>12,}{cost.multiplications:>17,}"
            f"{cost.multiplications / full.multiplications:>13.1%}"
        )
    lines.append(
        f"{in_channels} -> {out_channels} channels, {kernel_size}x{kernel_size} kernels, "
        f"{size}x{size} map (multiplications per image)"
    )
    return "\n".join(lines)


def draw_groups(
    in_channels: int = 16,
    out_channels: int = 16,
    kernel_size: int = 3,
    groups: int = 4,
    size: int = 8,
) -> list[Any]:
    """The groups explorer's view: which channels each kernel reads, and the three costs."""
    conv_cost(in_channels, out_channels, kernel_size, groups, size)  # validates groups
    full = conv_cost(in_channels, out_channels, kernel_size, 1, size)
    grouped = conv_cost(in_channels, out_channels, kernel_size, groups, size)
    separable = separable_cost(in_channels, out_channels, kernel_size, size)
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    plot_group_connections(left, in_channels, out_channels, groups)
    plot_block_costs(
        right,
        ["full", f"groups={groups}", "depthwise\n+ 1x1"],
        [full.params, grouped.params, separable.params],
        [full.multiplications, grouped.multiplications, separable.multiplications],
    )
    fig.suptitle(
        f"A {kernel_size}x{kernel_size} convolution, {in_channels} -> {out_channels} channels, "
        f"in {groups} group{'s' if groups > 1 else ''}",
        fontsize=10,
    )
    fig.tight_layout()
    return [fig, describe_costs(in_channels, out_channels, kernel_size, groups, size)]


def groups_explorer(**values: Any) -> Explorer:
    """An :class:`Explorer` over :func:`draw_groups`, its controls at ``values``."""
    v = dict(in_channels=16, out_channels=16, kernel_size=3, groups=4, size=8)
    v.update(values)
    controls = {
        "in_channels": _slider(GROUPS_CHOICES["in_channels"], v["in_channels"], "in channels"),
        "out_channels": _slider(GROUPS_CHOICES["out_channels"], v["out_channels"], "out channels"),
        "kernel_size": _slider(GROUPS_CHOICES["kernel_size"], v["kernel_size"], "kernel"),
        "groups": _slider(GROUPS_CHOICES["groups"], v["groups"], "groups"),
        "size": _slider(GROUPS_CHOICES["size"], v["size"], "map size"),
    }
    return Explorer(controls, draw_groups, title="Groups: what each kernel reads, what it costs")
