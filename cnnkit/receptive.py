"""Receptive fields: which input pixels a node of a feature map can see.

A node of a convolution's output at (row, col) computes one sum of products over a window
of its input. Along one axis, with kernel size ``k``, stride ``s``, padding ``p`` (before)
and dilation ``d``, node ``i`` reads the input positions::

    i*s - p,  i*s - p + d,  ...,  i*s - p + d*(k-1)

so its window spans ``[i*s - p, i*s - p + d*(k-1)]``. Through a stack of layers the window
of the last layer is mapped back one layer at a time, each time widening it: that is how
receptive fields grow with depth. Pooling has the same geometry as a convolution (a window,
a stride, no weights); pointwise layers such as ReLU leave it unchanged.

Positions are counted in the *unpadded* input, so a window may start at a negative row or
end past the last one: those places are padding zeros. ``Window.clip`` keeps the real pixels.
With dilation > 1 (or a stride larger than a kernel earlier in the stack) the node reads
only some of the pixels in its window, e.g. every d-th one: the window is then the smallest
box around them, and after clipping to the image it may have an unread pixel on its edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ._validate import nonnegative_int, pair
from .layers import Conv2D, Layer, MaxPool2D, ReLU
from .shapes import Padding, _axis_output, resolve_padding

__all__ = [
    "Geometry",
    "Window",
    "conv_geometry",
    "as_geometry",
    "node_window",
    "receptive_field",
    "receptive_field_sizes",
    "output_hw",
]


class Geometry(NamedTuple):
    """How one layer slides its window: per axis (h, w) pairs.

    ``pads`` is ``((top, bottom), (left, right))``.
    """

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]


class Window(NamedTuple):
    """Rows ``row_start .. row_stop - 1`` and columns ``col_start .. col_stop - 1``.

    Stops are exclusive, as in Python slices, so ``x[window.slices]`` is the patch.
    """

    row_start: int
    row_stop: int
    col_start: int
    col_stop: int

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the window."""
        return self.row_stop - self.row_start, self.col_stop - self.col_start

    @property
    def slices(self) -> tuple[slice, slice]:
        """``(rows, cols)`` slices; use only on a clipped window (no negative starts)."""
        return slice(self.row_start, self.row_stop), slice(self.col_start, self.col_stop)

    def clip(self, height: int, width: int) -> Window:
        """The part of the window inside an image of ``height`` x ``width`` (no padding)."""
        return Window(
            max(self.row_start, 0),
            min(self.row_stop, height),
            max(self.col_start, 0),
            min(self.col_stop, width),
        )

    def contains(self, row: int, col: int) -> bool:
        return self.row_start <= row < self.row_stop and self.col_start <= col < self.col_stop


def conv_geometry(
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
) -> Geometry:
    """The :class:`Geometry` of a convolution (or pooling) with these arguments.

    Examples
    --------
    >>> conv_geometry(3, padding=1).pads
    ((1, 1), (1, 1))
    """
    k, s, d = pair(kernel_size, "kernel_size"), pair(stride, "stride"), pair(dilation, "dilation")
    return Geometry(k, s, resolve_padding(padding, k, s, d), d)


LayerLike = Geometry | Layer | tuple | dict


def as_geometry(layer: LayerLike) -> Geometry:
    """Read the window geometry of a layer.

    Accepts a :class:`Geometry`; a :class:`~cnnkit.Conv2D` or :class:`~cnnkit.MaxPool2D`;
    a :class:`~cnnkit.ReLU` (a 1x1 window); a dict of :func:`conv_geometry` arguments such as
    ``{"kernel_size": 3, "stride": 2}``; an int (a kernel size, stride 1); or a tuple
    ``(kernel_size, stride, padding, dilation)`` (later items optional).
    """
    if isinstance(layer, Geometry):
        return layer
    if isinstance(layer, Conv2D):
        return conv_geometry(layer.kernel_size, layer.stride, layer.padding, layer.dilation)
    if isinstance(layer, MaxPool2D):
        return conv_geometry(layer.kernel_size, layer.stride)
    if isinstance(layer, ReLU):
        return conv_geometry(1)
    if isinstance(layer, dict):
        unknown = set(layer) - _GEOMETRY_KEYS
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"layer={layer!r} must have the keys of conv_geometry: 'kernel_size' and "
                f"optionally 'stride', 'padding', 'dilation'"
                + (
                    f"; unknown: {', '.join(map(repr, sorted(unknown, key=str)))}"
                    if unknown
                    else ""
                )
            )
        return conv_geometry(**layer)
    if isinstance(layer, int) and not isinstance(layer, bool):
        return conv_geometry(layer)
    if isinstance(layer, tuple) and 1 <= len(layer) <= 4:
        return conv_geometry(*layer)
    if isinstance(layer, Layer):
        raise ValueError(
            f"cannot read a window geometry from {layer!r}; receptive fields are defined for "
            "Conv2D, MaxPool2D and ReLU layers (a Flatten or Dense node sees the whole input)"
        )
    raise TypeError(
        f"cannot read a window geometry from {layer!r} ({type(layer).__name__}); give a "
        "Conv2D, MaxPool2D or ReLU layer, a kernel size such as 3, a tuple "
        "(kernel_size, stride, padding, dilation) or a dict such as "
        "{'kernel_size': 3, 'stride': 1}"
    )


_GEOMETRY_KEYS = {"kernel_size", "stride", "padding", "dilation"}


def _as_stack(layers: LayerLike | Iterable[LayerLike]) -> list[Geometry]:
    if isinstance(layers, (Geometry, Layer, dict, int)) or (  # a tuple of ints: one layer
        isinstance(layers, tuple)
        and layers
        and not isinstance(layers[0], (Geometry, Layer, dict, tuple))
    ):
        return [as_geometry(layers)]
    if isinstance(layers, str) or not hasattr(layers, "__iter__") and not hasattr(layers, "layers"):
        raise TypeError(
            f"layers={layers!r} must be a layer or a list of layers, such as "
            "[Conv2D(1, 4, 3), MaxPool2D(2)] or model.layers"
        )
    stack = [as_geometry(layer) for layer in getattr(layers, "layers", layers)]
    if not stack:
        raise ValueError("layers is empty; give at least one layer")
    return stack


def output_hw(
    input_hw: tuple[int, int], layers: LayerLike | Iterable[LayerLike]
) -> list[tuple[int, int]]:
    """Height and width of the feature map after each layer.

    Examples
    --------
    >>> output_hw((16, 16), [(3,), (3,), (3,)])
    [(14, 14), (12, 12), (10, 10)]
    """
    h, w = pair(input_hw, "input_hw")
    sizes = []
    for g in _as_stack(layers):
        h = _axis_output(h, g.kernel_size[0], g.stride[0], *g.pads[0], g.dilation[0])
        w = _axis_output(w, g.kernel_size[1], g.stride[1], *g.pads[1], g.dilation[1])
        sizes.append((h, w))
    return sizes


def _back(start: int, stop: int, k: int, s: int, before: int, d: int) -> tuple[int, int]:
    """Map output positions [start, stop) of one layer to the input positions they read."""
    first = start * s - before  # the first tap of the first node
    last = (stop - 1) * s - before + d * (k - 1)  # the last tap of the last node
    return first, last + 1


def node_window(
    row: int,
    col: int,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    padding: Padding = 0,
    dilation: int | tuple[int, int] = 1,
) -> Window:
    """The input window that node (row, col) of one convolution reads.

    Returns
    -------
    Window
        In unpadded input coordinates (it may reach into the padding).

    Examples
    --------
    >>> node_window(2, 0, 3, stride=2, padding=1)
    Window(row_start=3, row_stop=6, col_start=-1, col_stop=2)
    """
    return receptive_field(row, col, conv_geometry(kernel_size, stride, padding, dilation))


def receptive_field(
    row: int,
    col: int,
    layers: LayerLike | Iterable[LayerLike],
    input_hw: tuple[int, int] | None = None,
) -> Window:
    """The input window a node of the last layer of a stack depends on.

    Parameters
    ----------
    row, col : int
        The node's position in the last layer's feature map.
    layers : layer or list of layers
        Anything :func:`as_geometry` reads, first layer first (e.g. ``model.layers``).
    input_hw : (int, int), optional
        The input's height and width. When given, ``row`` and ``col`` are checked against the
        last feature map's size and the window is clipped to the real pixels.

    Returns
    -------
    Window

    Examples
    --------
    >>> receptive_field(0, 0, [(3,), (3,), (3,)])
    Window(row_start=0, row_stop=7, col_start=0, col_stop=7)
    """
    row, col = nonnegative_int(row, "row"), nonnegative_int(col, "col")
    stack = _as_stack(layers)
    if input_hw is not None:
        oh, ow = output_hw(input_hw, stack)[-1]
        if row >= oh or col >= ow:
            raise ValueError(
                f"node (row={row}, col={col}) is outside the last feature map, which is "
                f"{oh}x{ow}; choose row 0..{oh - 1} and col 0..{ow - 1}"
            )
    r0, r1, c0, c1 = row, row + 1, col, col + 1
    for g in reversed(stack):
        r0, r1 = _back(r0, r1, g.kernel_size[0], g.stride[0], g.pads[0][0], g.dilation[0])
        c0, c1 = _back(c0, c1, g.kernel_size[1], g.stride[1], g.pads[1][0], g.dilation[1])
    window = Window(r0, r1, c0, c1)
    return window.clip(*pair(input_hw, "input_hw")) if input_hw is not None else window


def receptive_field_sizes(layers: LayerLike | Iterable[LayerLike]) -> list[tuple[int, int]]:
    """The receptive field's (height, width) after each layer of a stack (padding aside).

    Each layer adds ``d*(k-1)`` times the product of the strides before it, so strides and
    pooling make later layers' fields grow fast.

    Examples
    --------
    >>> receptive_field_sizes([(3,), (3,), (2, 2), (3,)])
    [(3, 3), (5, 5), (6, 6), (10, 10)]
    """
    stack = _as_stack(layers)
    return [receptive_field(0, 0, stack[: i + 1]).shape for i in range(len(stack))]
