"""The transposed convolution: each input pixel stamps the kernel into a larger output.

Shapes (NCHW, PyTorch's ``conv_transpose2d``)::

    x      : (N, C_in, H, W)
    weight : (C_in, C_out/groups, KH, KW)     note: input channels first, unlike conv2d
    bias   : (C_out,)
    out    : (N, C_out, OH, OW)   OH = (H-1)*sh - 2*ph + dh*(KH-1) + output_padding + 1

Input pixel ``x[n, c, i, j]`` adds ``x[n, c, i, j] * weight[c]`` onto the output window that
starts at row ``i*sh``, column ``j*sw`` (taps ``dh``/``dw`` apart); ``padding`` then crops
that many pixels from each side. With a stride, the stamps are spread out, so a small map
becomes a large one: the decoder half of a segmentation network, or a generator.

Two ways to compute it, giving the same numbers (a test holds them equal):

1. :func:`conv_transpose2d_naive`: the loops of that picture, one stamp per input pixel.
2. :func:`conv_transpose2d`: the same sums are the *input gradient of a convolution*. A
   convolution with this ``weight`` (read as its (F, C, KH, KW) = (C_in, C_out/groups, ...))
   sends each of its output gradients back to its window of inputs, weighted by the kernel:
   exactly a stamp. So ``conv_transpose2d(x, w)`` is the ``dx`` that
   :func:`~cnnkit.conv2d_backward` returns with ``dout = x``, and its own input gradient is a
   forward convolution (:func:`conv_transpose2d_backward`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate as _check
from ._validate import as_float_array, as_image_batch, check_dout, pair, positive_int, restore_ndim
from .conv import conv2d_backward, conv2d_forward, pad_input
from .groups import check_groups
from .layers import RNG, Layer
from .shapes import conv_output_size, conv_transpose_output_size

__all__ = [
    "conv_transpose2d",
    "conv_transpose2d_naive",
    "conv_transpose2d_backward",
    "ConvTranspose2D",
    "TransposeArgs",
    "transpose_args",
]

IntPair = int | tuple[int, int]

#: More numbers than this in one output is a typing mistake (8 GB as float64).
MAX_OUTPUT = 10**9


class TransposeArgs(NamedTuple):
    """A transposed convolution's checked arguments, in (N, C, H, W) form."""

    x: np.ndarray  # (N, C_in, H, W)
    weight: np.ndarray  # (C_in, C_out/groups, KH, KW)
    bias: np.ndarray | None  # (C_out,)
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    groups: int
    dilation: tuple[int, int]
    out_hw: tuple[int, int]  # (OH, OW)
    input_ndim: int  # 4, 3 or 2: what the caller passed

    @property
    def out_channels(self) -> int:
        return self.weight.shape[1] * self.groups

    def conv_hw(self) -> tuple[int, int]:
        """The output size of the convolution this one transposes, read on (OH, OW): H and
        W, or more when output_padding >= stride (those extra rows receive no stamp)."""
        k = self.weight.shape[2:]
        return tuple(
            conv_output_size(
                self.out_hw[a], k[a], self.stride[a], self.padding[a], self.dilation[a]
            )
            for a in (0, 1)
        )

    def restore(self, out: np.ndarray) -> np.ndarray:
        return restore_ndim(out, self.input_ndim)


def _padding(padding: object) -> tuple[int, int]:
    if isinstance(padding, str):
        raise TypeError(
            f"padding={padding!r}: a transposed convolution takes no 'same' or 'valid' "
            "(nor does PyTorch's); use an int or an (h, w) pair, such as padding=1"
        )
    return pair(padding, "padding", allow_zero=True)


def transpose_args(
    x: object,
    weight: object,
    bias: object = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> TransposeArgs:
    """Check a transposed convolution's arguments (PyTorch's order) and bring them to
    (N, C, H, W) form; a 2-D ``x`` goes with a 2-D ``weight``, a 3-D ``x`` is one image."""
    x, weight = as_float_array(x, "x"), as_float_array(weight, "weight")
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
            f"weight must have shape (C_in, C_out/groups, KH, KW) with no empty axis, got "
            f"shape {weight.shape}"
        )
    if len(weight) != x.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels (shape {x.shape}) but weight has shape "
            f"{weight.shape}; a transposed convolution's weight is (C_in, C_out/groups, KH, "
            f"KW), its FIRST axis the input channels (conv2d's is the second)"
        )
    g = positive_int(groups, "groups")
    check_groups(g, x.shape[1], g * weight.shape[1], ("the {} channels of x", "{}"))
    arrays = [x, weight]
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (g * weight.shape[1],):
            raise ValueError(
                f"bias must have shape ({g * weight.shape[1]},), one value per output channel "
                f"(weight.shape[1] * groups), got shape {bias.shape}"
            )
        arrays.append(bias)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    padding = _padding(padding)
    output_padding = pair(output_padding, "output_padding", allow_zero=True)
    k, hw = weight.shape[2:], x.shape[2:]
    out_hw = tuple(
        conv_transpose_output_size(
            hw[a], k[a], stride[a], padding[a], output_padding[a], dilation[a]
        )
        for a in (0, 1)
    )
    size = len(x) * g * weight.shape[1] * out_hw[0] * out_hw[1]
    if size > MAX_OUTPUT:
        raise ValueError(
            f"stride={stride}, dilation={dilation} and output_padding={output_padding} make "
            f"an output of {out_hw[0]} x "
            f"{out_hw[1]} pixels per channel, {size:,} numbers in all, more than "
            f"{MAX_OUTPUT:,}; use a smaller stride or dilation"
        )
    dtype = _check.result_dtype(*arrays)
    x, weight = x.astype(dtype, copy=False), weight.astype(dtype, copy=False)
    bias = None if bias is None else bias.astype(dtype, copy=False)
    return TransposeArgs(
        x, weight, bias, stride, padding, output_padding, g, dilation, out_hw, input_ndim
    )


def conv_transpose2d_naive(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Transposed convolution as plain loops: every input pixel stamps ``value * kernel``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W), (C_in, H, W) or (H, W)
    weight : ndarray, shape (C_in, C_out/groups, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (C_out,), optional
    stride, padding, output_padding, dilation : int or (int, int)
        As in ``torch.nn.functional.conv_transpose2d``; ``padding`` crops the output,
        ``output_padding`` (smaller than the stride or the dilation) adds to its end.
    groups : int, default 1
        Input channel c writes only to the C_out/groups output channels of its group.

    Returns
    -------
    ndarray, shape (N, C_out, OH, OW)
        OH = (H-1)*sh - 2*ph + dh*(KH-1) + output_padding + 1; fewer axes as ``x`` has.

    Examples
    --------
    >>> conv_transpose2d_naive(np.ones((2, 2)), np.ones((3, 3)), stride=2)
    array([[1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.],
           [2., 2., 4., 2., 2.],
           [1., 1., 2., 1., 1.],
           [1., 1., 2., 1., 1.]])
    """
    a = transpose_args(x, weight, bias, stride, padding, output_padding, groups, dilation)
    (sh, sw), (dh, dw), (ph, pw) = a.stride, a.dilation, a.padding
    c_in, depth, kh, kw = a.weight.shape  # depth = C_out/groups channels each input writes
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # pixels one (dilated) stamp spans
    h, w = a.x.shape[2:]
    # Every stamp, before padding crops the edges (output_padding rows added at the end).
    full_h = (h - 1) * sh + span_h + a.output_padding[0]
    full_w = (w - 1) * sw + span_w + a.output_padding[1]
    full = np.zeros((len(a.x), a.out_channels, full_h, full_w), dtype=a.x.dtype)
    for n in range(len(a.x)):
        for c in range(c_in):
            group = c // (c_in // a.groups)  # input channel c belongs to this group...
            outs = slice(group * depth, (group + 1) * depth)  # ...and writes only these
            for i in range(h):
                for j in range(w):
                    rows = slice(i * sh, i * sh + span_h, dh)
                    cols = slice(j * sw, j * sw + span_w, dw)
                    full[n, outs, rows, cols] += a.x[n, c, i, j] * a.weight[c]  # one stamp
    out = full[:, :, ph : ph + a.out_hw[0], pw : pw + a.out_hw[1]]
    if a.bias is not None:
        out = out + a.bias[:, None, None]
    return a.restore(np.ascontiguousarray(out))


def _as_conv_dout(a: TransposeArgs) -> np.ndarray:
    """``x`` as the output gradient of the convolution this one transposes: zeros added at
    the end when that convolution has more outputs (output_padding >= stride)."""
    (h, w), (ch, cw) = a.x.shape[2:], a.conv_hw()
    return pad_input(a.x, ((0, ch - h), (0, cw - w)))


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> np.ndarray:
    """Transposed convolution, computed as the input gradient of a convolution.

    The convolution with the same ``weight``, stride, padding, dilation and groups, run on
    an input of the output's size (N, C_out, OH, OW), gives (N, C_in, H, W). Its backward
    pass sends each output gradient ``g`` back as ``g * kernel`` onto the window it read:
    the stamp of :func:`conv_transpose2d_naive`. So this function is one line of
    :func:`~cnnkit.conv2d_backward`, with ``dout = x`` (the input it is given stands for
    no real input: only its shape matters for ``dx``).

    Parameters and returns as :func:`conv_transpose2d_naive`.

    Examples
    --------
    >>> conv_transpose2d(np.ones((1, 4, 5, 5)), np.ones((4, 2, 3, 3)), stride=2).shape
    (1, 2, 11, 11)
    """
    a = transpose_args(x, weight, bias, stride, padding, output_padding, groups, dilation)
    conv_input = np.zeros((len(a.x), a.out_channels, *a.out_hw), dtype=a.x.dtype)
    out, _, _ = conv2d_backward(
        _as_conv_dout(a), conv_input, a.weight, a.stride, a.padding, a.dilation, a.groups
    )
    if a.bias is not None:
        out = out + a.bias[:, None, None]
    return a.restore(out)


def conv_transpose2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`conv_transpose2d` with respect to its input, weight and bias.

    The transposed convolution is a convolution's backward pass, so its own backward pass
    is that convolution's forward pass: ``dx = conv2d(dout, weight)`` (each input pixel
    stamped ``x * kernel``, so its gradient is the sum of ``dout * kernel`` over its
    stamp). ``dweight`` is the convolution's weight gradient with the roles swapped
    (``dout`` as its input, ``x`` as its output gradient); ``dbias`` is ``dout`` summed.

    Parameters
    ----------
    dout : ndarray, shape (N, C_out, OH, OW)
        Gradient of the loss with respect to the output.
    x, weight, stride, padding, output_padding, groups, dilation
        As given to :func:`conv_transpose2d`.

    Returns
    -------
    dx : ndarray, shape of ``x``
    dweight : ndarray, shape of ``weight``
    dbias : ndarray, shape (C_out,)

    Examples
    --------
    >>> x, w = np.ones((2, 4, 3, 3)), np.ones((4, 3, 2, 2))
    >>> [g.shape for g in conv_transpose2d_backward(np.ones((2, 3, 6, 6)), x, w, stride=2)]
    [(2, 4, 3, 3), (4, 3, 2, 2), (3,)]
    """
    a = transpose_args(x, weight, None, stride, padding, output_padding, groups, dilation)
    shape = (len(a.x), a.out_channels, *a.out_hw)
    dout = check_dout(dout, shape[4 - a.input_ndim :], a.x.dtype).reshape(shape)
    h, w = a.x.shape[2:]
    conv = (a.stride, a.padding, a.dilation, a.groups)
    full_dx, cache = conv2d_forward(dout, a.weight, None, *conv)  # dx = conv2d(dout, weight)
    _, dweight, _ = conv2d_backward(_as_conv_dout(a), dout, a.weight, *conv, cache=cache)
    dbias = dout.sum(axis=(0, 2, 3))  # every output pixel of channel f added bias[f] once
    dx = np.ascontiguousarray(full_dx[:, :, :h, :w])
    return a.restore(dx), (dweight[0, 0] if a.input_ndim == 2 else dweight), dbias


class ConvTranspose2D(Layer):
    """A transposed convolution layer, as ``torch.nn.ConvTranspose2d``.

    ``params["weight"]`` has shape (in_channels, out_channels/groups, KH, KW) and
    ``params["bias"]`` (out_channels,). Weights start He-normal with fan_in =
    in_channels/groups*KH*KW (as :class:`~cnnkit.Conv2D`), biases at 0.

    Examples
    --------
    >>> layer = ConvTranspose2D(4, 2, 3, stride=2, padding=1, output_padding=1, rng=0)
    >>> layer.forward(np.zeros((1, 4, 5, 5))).shape
    (1, 2, 10, 10)
    """

    computes_nodes = True  # every output pixel is a weighted sum plus a bias

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        padding: IntPair = 0,
        output_padding: IntPair = 0,
        groups: int = 1,
        dilation: IntPair = 1,
        rng: RNG = None,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride, self.dilation = pair(stride, "stride"), pair(dilation, "dilation")
        self.padding = _padding(padding)
        self.output_padding = pair(output_padding, "output_padding", allow_zero=True)
        for a in (0, 1):  # output_padding < stride or dilation, checked now
            conv_transpose_output_size(
                1, 1, self.stride[a], 0, self.output_padding[a], self.dilation[a]
            )
        self.groups = check_groups(groups, self.in_channels, self.out_channels)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        _check.weight_shape(
            shape,
            f"in_channels={self.in_channels}, out_channels={self.out_channels} and "
            f"kernel_size={self.kernel_size}",
        )
        dtype = _check.float_dtype(dtype)
        fan_in = self.in_channels // self.groups * self.kernel_size[0] * self.kernel_size[1]
        weight = _check.as_rng(rng, "rng").normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        self.params = {
            "weight": weight.astype(dtype),
            "bias": np.zeros(self.out_channels, dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x: np.ndarray | None = None

    def _arguments(self) -> tuple:
        return (self.stride, self.padding, self.output_padding, self.groups, self.dilation)

    def __repr__(self) -> str:
        def short(v: tuple[int, int]) -> str:
            return str(v[0]) if v[0] == v[1] else str(v)

        text = f"ConvTranspose2D({self.in_channels}, {self.out_channels}, kernel_size="
        text += short(self.kernel_size)
        defaults = {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1}
        for name, default in defaults.items():
            value = getattr(self, name)
            if value not in (default, (default, default)):
                text += f", {name}={short(value) if isinstance(value, tuple) else value}"
        return text + ")"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_image_batch(x, "x", unbatched=False)
        out = conv_transpose2d(x, self.params["weight"], self.params["bias"], *self._arguments())
        self._x = x
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_x")
        # dx = dout convolved with the weight (a forward convolution), dW = the weight
        # gradient of that convolution with x and dout swapped, db = dout summed.
        dx, dweight, dbias = conv_transpose2d_backward(
            dout, self._x, self.params["weight"], *self._arguments()
        )
        self.grads["weight"], self.grads["bias"] = dweight, dbias
        return dx

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) < 3:
            raise ValueError(f"input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}")
        *lead, c, h, w = input_shape
        if c != self.in_channels:
            raise ValueError(
                f"{self!r} expects {self.in_channels} input channels, got shape {input_shape}"
            )
        oh, ow = (
            conv_transpose_output_size(
                n,
                self.kernel_size[a],
                self.stride[a],
                self.padding[a],
                self.output_padding[a],
                self.dilation[a],
            )
            for a, n in enumerate((h, w))
        )
        return (*lead, self.out_channels, oh, ow)
