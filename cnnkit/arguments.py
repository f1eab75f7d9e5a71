"""Reading the arguments of a convolution or a pooling, once, for every rung of the ladder.

Every convolution function (loop, im2col, tuned; forward and backward) starts with
``a = conv_args(...)`` and every pooling function with ``a = pool_args(...)``: they check the
arguments (each bad one gets a message naming it), bring ``x`` to (N, C, H, W), and work out
the padding and the output size. What is left in the functions themselves is the arithmetic.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_image_batch,
    check_dout,
    pair,
    restore_ndim,
    result_dtype,
)
from .shapes import Padding, conv_output_size, pool_output_size, resolve_padding

__all__ = ["ConvArgs", "conv_args", "PoolArgs", "pool_args"]

IntPair = int | tuple[int, int]


class ConvArgs(NamedTuple):
    """A convolution's checked arguments, in (N, C, H, W) form."""

    x: np.ndarray  # (N, C, H, W)
    weight: np.ndarray  # (F, C, KH, KW)
    bias: np.ndarray | None  # (F,) or None
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
    dilation: tuple[int, int]
    out_hw: tuple[int, int]  # (OH, OW)
    input_ndim: int  # 4, 3 or 2: what the caller passed

    def restore(self, out: np.ndarray) -> np.ndarray:
        """Give ``out`` (N, F, OH, OW) back the number of axes the caller's ``x`` had."""
        return restore_ndim(out, self.input_ndim)

    def dout(self, dout: object) -> np.ndarray:
        """Check ``dout`` against the output's shape (as the caller saw it); (N, F, OH, OW)."""
        shape = (len(self.x), len(self.weight), *self.out_hw)
        expected = shape[4 - self.input_ndim :]  # without the axes the caller left out
        return check_dout(dout, expected, self.x.dtype).reshape(shape)


def conv_args(
    x: object,
    weight: object,
    bias: object = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
) -> ConvArgs:
    """Check a convolution's arguments and bring them to the (N, C, H, W) form.

    A 2-D ``x`` goes with a 2-D ``weight`` (one image, one kernel); a 3-D ``x`` is one
    unbatched image. All arrays get one floating dtype (float32 stays float32).
    """
    x = as_float_array(x, "x")
    weight = as_float_array(weight, "weight")
    input_ndim = x.ndim
    if x.ndim == 2:
        if weight.ndim != 2:
            raise ValueError(
                f"x is one 2-D image with shape {x.shape}, so weight must be one 2-D kernel, "
                f"got shape {weight.shape}; pass x[None, None] to use 4-D weights"
            )
        weight = weight[None, None]
    x = as_image_batch(x, "x")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ValueError(
            f"weight must have shape (F, C, KH, KW) with no empty axis, got shape {weight.shape}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels (shape {x.shape}) but weight expects "
            f"{weight.shape[1]} (shape {weight.shape}); the second axis of weight must equal "
            "the number of input channels"
        )
    arrays = [x, weight]
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"bias must have shape ({weight.shape[0]},), one value per kernel, got shape "
                f"{bias.shape}"
            )
        arrays.append(bias)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    kernel = weight.shape[2:]
    pads = resolve_padding(padding, kernel, stride, dilation)
    hw = x.shape[2:]
    out_hw = tuple(
        conv_output_size(hw[a], kernel[a], stride[a], pads[a], dilation[a]) for a in (0, 1)
    )
    # A stride longer than the padded input gives one window along that axis, whatever its
    # value: cap it there, so that no index arithmetic below meets a number like 10**12.
    stride = tuple(min(stride[a], hw[a] + sum(pads[a])) for a in (0, 1))
    dtype = result_dtype(*arrays)
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    bias = None if bias is None else bias.astype(dtype, copy=False)
    return ConvArgs(x, weight, bias, stride, pads, dilation, out_hw, input_ndim)


class PoolArgs(NamedTuple):
    """A pooling's checked arguments, in (N, C, H, W) form."""

    x: np.ndarray  # (N, C, H, W)
    kernel: tuple[int, int]  # (KH, KW)
    stride: tuple[int, int]
    out_hw: tuple[int, int]
    input_ndim: int

    def restore(self, out: np.ndarray) -> np.ndarray:
        """Give ``out`` (N, C, ., .) back the number of axes the caller's ``x`` had."""
        return restore_ndim(out, self.input_ndim)

    def dout(self, dout: object) -> np.ndarray:
        """Check ``dout`` against the pooled output's shape; returned as (N, C, OH, OW)."""
        shape = (*self.x.shape[:2], *self.out_hw)
        return check_dout(dout, shape[4 - self.input_ndim :], self.x.dtype).reshape(shape)


def pool_args(x: object, kernel_size: IntPair, stride: IntPair | None = None) -> PoolArgs:
    """Check a pooling's arguments; ``stride`` defaults to ``kernel_size``."""
    x = as_float_array(x, "x")
    input_ndim = x.ndim
    x = as_image_batch(x, "x")
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    hw = x.shape[2:]
    if kernel[0] > hw[0] or kernel[1] > hw[1]:
        raise ValueError(
            f"kernel_size={kernel_size!r} is larger than the input ({hw[0]} x {hw[1]}); "
            "pooling has no padding, so use a smaller kernel_size"
        )
    out_hw = (
        pool_output_size(hw[0], kernel[0], stride[0]),
        pool_output_size(hw[1], kernel[1], stride[1]),
    )
    stride = (min(stride[0], hw[0]), min(stride[1], hw[1]))  # see conv_args
    return PoolArgs(x, kernel, stride, out_hw, input_ndim)
