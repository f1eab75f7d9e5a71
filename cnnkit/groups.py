"""Grouped convolution: which input channels each kernel reads, checked once.

With ``groups=g`` (PyTorch's argument) the C input channels are cut into g equal groups of
C/g channels, and the F kernels into g groups of F/g. Kernel f belongs to group
``f // (F/g)`` and reads only that group's channels, so every kernel is C/g channels deep::

    x      : (N, C, H, W)
    weight : (F, C/g, KH, KW)      (not (F, C, KH, KW): each kernel sees C/g channels)
    out    : (N, F, OH, OW)        channels [k*F/g, (k+1)*F/g) come from group k alone

``groups=1`` is the ordinary convolution; ``groups=C`` with F = C is a *depthwise*
convolution (one kernel per channel). A grouped convolution has g times fewer weights and
multiplications than the full one with the same C and F.

The vectorised convolutions run each group as an ordinary convolution and put the results
side by side (:func:`split_groups`); the loop versions read the groups in their loops
(:func:`grouped_conv_args`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_image_batch, positive_int
from .arguments import ConvArgs, conv_args
from .shapes import Padding

__all__ = ["check_groups", "split_groups", "GroupParts", "grouped_conv_args", "divisors"]

IntPair = int | tuple[int, int]


def divisors(n: int) -> list[int]:
    """Every whole number that divides ``n`` (the legal ``groups`` for n channels).

    >>> divisors(6)
    [1, 2, 3, 6]
    """
    return [d for d in range(1, n + 1) if n % d == 0] if n <= 10**6 else [1, n]


def check_groups(
    groups: object,
    in_channels: int,
    out_channels: int,
    labels: tuple[str, str] = ("in_channels={}", "out_channels={}"),
) -> int:
    """Return ``groups`` as an int, or raise if it does not cut both channel counts evenly.

    ``labels`` say in the message where the counts come from (a layer's arguments by
    default; ``("the {} channels of x", "the {} kernels of weight")`` for a function).

    >>> check_groups(2, 4, 6)
    2
    """
    g = positive_int(groups, "groups")
    for count, label in zip((in_channels, out_channels), labels):
        if count % g:
            options = ", ".join(str(d) for d in divisors(count)[:6])
            raise ValueError(
                f"groups={g} does not divide {label.format(count)}: each group takes an "
                f"equal share; use a groups that divides {count} (such as {options})"
            )
    return g


class GroupParts(NamedTuple):
    """A grouped convolution's arrays, cut into one ordinary convolution per group."""

    x: list[np.ndarray]  # (N, C/g, H, W) each (views of x)
    weight: list[np.ndarray]  # (F/g, C/g, KH, KW) each
    bias: list[np.ndarray | None]  # (F/g,) each, or None
    groups: int


def _weight_4d(weight: object) -> np.ndarray:
    weight = as_float_array(weight, "weight")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            f"weight must have shape (F, C/groups, KH, KW) with no empty axis, got shape "
            f"{weight.shape}"
        )
    return weight


def split_groups(x: object, weight: object, bias: object, groups: object) -> GroupParts:
    """Check a grouped convolution's channels and cut the arrays into one part per group.

    ``x`` has shape (N, C, H, W), (C, H, W) or (H, W) (a single channel); ``weight`` is
    (F, C/groups, KH, KW) and ``bias`` (F,) or None. The parts are views, not copies.
    """
    g = positive_int(groups, "groups")
    x = as_float_array(x, "x")
    if g == 1:
        return GroupParts([x], [weight], [bias], 1)  # the ordinary convolution checks these
    as_image_batch(x, "x")  # x must be an image or a batch of them
    if x.ndim == 2:
        raise ValueError(
            f"groups={g} needs channels to share out, but x is one 2-D image (one channel, "
            f"shape {x.shape}); use groups=1, or pass x with shape (N, C, H, W)"
        )
    channels, weight = x.shape[-3], _weight_4d(weight)
    check_groups(g, channels, len(weight), ("the {} channels of x", "the {} kernels of weight"))
    if weight.shape[1] != channels // g:
        raise ValueError(
            f"weight has shape {weight.shape}, kernels {weight.shape[1]} channels deep, but "
            f"with groups={g} each kernel reads the {channels // g} channels of its group of "
            f"x's {channels}; weight must have shape ({len(weight)}, {channels // g}, KH, KW)"
        )
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (len(weight),):
            raise ValueError(
                f"bias must have shape ({len(weight)},), one value per kernel, got shape "
                f"{bias.shape}"
            )
    bs = [None] * g if bias is None else np.split(bias, g)
    return GroupParts(np.split(x, g, axis=-3), np.split(weight, g), bs, g)


def grouped_conv_args(
    x: object,
    weight: object,
    bias: object = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: object = 1,
) -> tuple[ConvArgs, int]:
    """:func:`~cnnkit.arguments.conv_args` for a grouped convolution, and ``groups``.

    The returned arguments hold the whole ``x`` (N, C, H, W) and ``weight``
    (F, C/groups, KH, KW): the loop versions pick each kernel's channels themselves.
    Every group has the same shapes, so the first group's checks hold for all.
    """
    parts = split_groups(x, weight, bias, groups)
    if parts.groups == 1:
        return conv_args(x, weight, bias, stride, padding, dilation), 1
    first = conv_args(parts.x[0], parts.weight[0], parts.bias[0], stride, padding, dilation)
    dtype = first.x.dtype
    whole_x = as_float_array(x, "x").astype(dtype, copy=False)
    whole_x = whole_x.reshape((1,) * (4 - whole_x.ndim) + whole_x.shape)
    whole_w = as_float_array(weight, "weight").astype(dtype, copy=False)
    whole_b = None if bias is None else as_float_array(bias, "bias").astype(dtype, copy=False)
    return first._replace(x=whole_x, weight=whole_w, bias=whole_b), parts.groups
