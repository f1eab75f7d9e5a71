"""2-D convolution, as a ladder to climb: loops, then im2col, then the tuned version.

Shapes (NCHW, as in PyTorch)::

    x      : (N, C, H, W)        a batch of N images with C channels
    weight : (F, C, KH, KW)      F kernels, each C deep
    bias   : (F,)
    out    : (N, F, OH, OW)      OH = floor((H + pt + pb - dh*(KH-1) - 1) / sh) + 1

Like ``torch.nn.functional.conv2d`` this is a cross-correlation: the kernel is not flipped.
For the first notebooks, ``x`` may also be one 2-D image with a 2-D ``weight``, and a 3-D
``x`` of shape (C, H, W) is one unbatched image.

``groups=g`` (PyTorch's argument, see :mod:`cnnkit.groups`) cuts the channels into g groups:
``weight`` is then (F, C/g, KH, KW) and kernel f reads only its group's C/g channels. The loop
versions show this in their loops; the others run one ordinary convolution per group.

The ladder, each rung giving the same numbers (a test holds them equal):

1. :func:`conv2d_naive` / :func:`conv2d_backward_naive`: one sum of products per node, in
   loops. Read this first.
2. :func:`conv2d_im2col` / :func:`conv2d_backward_im2col`: every window as one row of a
   matrix (a strided view, one copy), then one matrix product.
3. :func:`conv2d` / :func:`conv2d_backward`: the same idea, tuned (see ``_tuned_conv.py``);
   :func:`conv2d_forward` also returns a :class:`ConvCache` the backward pass reuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._tuned_conv import tuned_backward, tuned_forward
from ._validate import check_dout
from .arguments import ConvArgs, conv_args
from .groups import grouped_conv_args, split_groups
from .shapes import Padding

__all__ = [
    "conv2d",
    "conv2d_naive",
    "conv2d_im2col",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_backward_im2col",
    "ConvCache",
    "pad_input",
    "window_view",
]

IntPair = int | tuple[int, int]


def pad_input(x: np.ndarray, pads: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """Zero-pad the last two axes of ``x`` by ``((top, bottom), (left, right))``.

    Returns ``x`` itself when there is nothing to pad.

    >>> pad_input(np.ones((2, 2)), ((1, 0), (0, 1))).shape
    (3, 3)
    """
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    *lead, h, w = x.shape
    xp = np.zeros((*lead, h + top + bottom, w + left + right), dtype=x.dtype)
    xp[..., top : top + h, left : left + w] = x
    return xp


# --------------------------------------------------------------------- rung 1: loops


def conv2d_naive(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2-D convolution written as plain loops: one sum of products per output node.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C/groups, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    groups : int, default 1
        Kernel f reads only the C/groups input channels of its group, ``f // (F/groups)``.

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        (F, OH, OW) for a 3-D ``x``; (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> conv2d_naive(np.ones((5, 5)), np.ones((3, 3))).shape
    (3, 3)
    >>> conv2d_naive(np.ones((1, 4, 5, 5)), np.ones((6, 2, 3, 3)), groups=2).shape
    (1, 6, 3, 3)
    """
    a, groups = grouped_conv_args(x, weight, bias, stride, padding, dilation, groups)
    xp = pad_input(a.x, a.pads)
    (sh, sw), (dh, dw) = a.stride, a.dilation
    n_kernels, depth, kh, kw = a.weight.shape  # depth = C/groups channels per kernel
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1  # pixels a (dilated) window spans
    bias = np.zeros(n_kernels, a.x.dtype) if a.bias is None else a.bias
    out = np.empty((len(a.x), n_kernels, *a.out_hw), dtype=a.x.dtype)
    for n in range(len(a.x)):
        for f in range(n_kernels):
            group = f // (n_kernels // groups)  # kernel f belongs to this group...
            channels = slice(group * depth, (group + 1) * depth)  # ...and reads only these
            for i in range(a.out_hw[0]):
                for j in range(a.out_hw[1]):
                    top, left = i * sh, j * sw
                    rows = slice(top, top + span_h, dh)  # every dh-th row of the window
                    cols = slice(left, left + span_w, dw)
                    window = xp[n, channels, rows, cols]
                    out[n, f, i, j] = np.sum(window * a.weight[f]) + bias[f]
    return a.restore(out)


def conv2d_backward_naive(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of :func:`conv2d_naive`, written as the same loops over output nodes.

    Each node ``out[n, f, i, j]`` was ``sum(window * weight[f]) + bias[f]``, so its
    gradient ``g = dout[n, f, i, j]`` flows back as ``g * window`` into ``dweight[f]``,
    ``g * weight[f]`` into the window's pixels of ``dx``, and ``g`` into ``dbias[f]``.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the convolution's output.
    x, weight, stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    dx : ndarray, shape of ``x``
    dweight : ndarray, shape of ``weight``
    dbias : ndarray, shape (F,)

    Examples
    --------
    >>> x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    >>> conv2d_backward_naive(np.ones((1, 1, 2, 2)), x, w)[0][0, 0, 0]
    array([1., 2., 2., 1.])
    """
    a, groups = grouped_conv_args(x, weight, None, stride, padding, dilation, groups)
    dout = a.dout(dout)
    xp = pad_input(a.x, a.pads)
    dxp, dweight = np.zeros_like(xp), np.zeros_like(a.weight)
    dbias = np.zeros(len(a.weight), dtype=a.x.dtype)
    (sh, sw), (dh, dw) = a.stride, a.dilation
    n_kernels, depth, kh, kw = a.weight.shape
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    for n in range(len(a.x)):
        for f in range(n_kernels):
            group = f // (n_kernels // groups)
            ch = slice(group * depth, (group + 1) * depth)  # the channels kernel f reads
            for i in range(a.out_hw[0]):
                for j in range(a.out_hw[1]):
                    top, left = i * sh, j * sw
                    rows, cols = slice(top, top + span_h, dh), slice(left, left + span_w, dw)
                    g = dout[n, f, i, j]
                    dweight[f] += g * xp[n, ch, rows, cols]  # d node / d weight = window
                    dxp[n, ch, rows, cols] += g * a.weight[f]  # d node / d window = weight
                    dbias[f] += g  # d node / d bias = 1
    return _gradients(a, _unpad(dxp, a), dweight, dbias)


def _unpad(dxp: np.ndarray, a: ConvArgs) -> np.ndarray:
    """The gradient of the padded input, cut back to the input's pixels."""
    (top, _), (left, _) = a.pads
    h, w = a.x.shape[2:]
    return dxp[:, :, top : top + h, left : left + w]


def _gradients(a: ConvArgs, dx, dweight, dbias) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dweight, dbias) with the shapes the caller's x and weight had."""
    dweight = dweight[0, 0] if a.input_ndim == 2 else dweight
    return a.restore(np.ascontiguousarray(dx)), dweight, dbias


# --------------------------------------------------------------------- rung 2: im2col


def window_view(
    xp: np.ndarray,
    kernel_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
) -> np.ndarray:
    """Every window of a padded batch, as a view (no copy): shape (N, C, OH, OW, KH, KW).

    ``view[n, c, i, j]`` is the (KH, KW) grid of pixels node (i, j) reads in channel c:
    what :func:`conv2d_naive` slices as ``xp[n, c, rows, cols]``.

    >>> window_view(np.ones((1, 1, 5, 5)), (3, 3), (2, 2), (1, 1), (2, 2)).shape
    (1, 1, 2, 2, 3, 3)
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_hw, stride, dilation, out_hw
    spans = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    every = sliding_window_view(xp, spans, axis=(2, 3))  # windows at every pixel, stride 1
    return every[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw, ::dh, ::dw]


def conv2d_im2col(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2-D convolution as one matrix product: every window becomes one row (im2col).

    The loops of :func:`conv2d_naive` compute ``sum(window * weight[f])`` for every node:
    a dot product of a window with a kernel. Written as matrices, ``rows`` holds every
    node's window (N*OH*OW rows of C*KH*KW pixels), ``weight`` every kernel (F rows), and
    all the dot products are ``rows @ weight.T``.

    Parameters and returns as :func:`conv2d_naive`; with ``groups`` > 1, one such product
    per group.

    Examples
    --------
    >>> conv2d_im2col(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), stride=2).shape
    (2, 4, 3, 3)
    """
    if type(groups) is not int or groups != 1:
        return _each_group(conv2d_im2col, x, weight, bias, stride, padding, dilation, groups)
    a = conv_args(x, weight, bias, stride, padding, dilation)
    xp = pad_input(a.x, a.pads)
    windows = window_view(xp, a.weight.shape[2:], a.stride, a.dilation, a.out_hw)
    n_images, n_kernels, (oh, ow) = len(a.x), len(a.weight), a.out_hw
    # (N, OH, OW, C, KH, KW) -> one row per node: the one copy of the input.
    rows = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n_images * oh * ow, a.weight[0].size)
    out = rows @ a.weight.reshape(n_kernels, -1).T  # (N*OH*OW, F): every node at once
    if a.bias is not None:
        out += a.bias
    out = out.reshape(n_images, oh, ow, n_kernels).transpose(0, 3, 1, 2)
    return a.restore(np.ascontiguousarray(out))


def conv2d_backward_im2col(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of :func:`conv2d_im2col`, as matrix products on the same rows.

    With ``out = rows @ W.T + bias`` (``W`` the kernels as (F, C*KH*KW)) and ``g`` = dout
    as (N*OH*OW, F): ``dW = g.T @ rows``, ``dbias = g.sum(0)``, ``drows = g @ W``; then
    each row's gradient is added back onto the pixels its window read (col2im), one kernel
    tap at a time. Parameters and returns as :func:`conv2d_backward_naive`.

    Examples
    --------
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> [g.shape for g in conv2d_backward_im2col(np.ones((2, 4, 3, 3)), x, w)]
    [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]
    """
    if type(groups) is not int or groups != 1:
        backward = conv2d_backward_im2col
        return _each_group_backward(backward, dout, x, weight, stride, padding, dilation, groups)
    a = conv_args(x, weight, None, stride, padding, dilation)
    dout = a.dout(dout)
    xp = pad_input(a.x, a.pads)
    (n, c, _, _), (f, _, kh, kw), (oh, ow) = a.x.shape, a.weight.shape, a.out_hw
    windows = window_view(xp, (kh, kw), a.stride, a.dilation, a.out_hw)
    rows = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    g = dout.transpose(0, 2, 3, 1).reshape(n * oh * ow, f)
    dweight = (g.T @ rows).reshape(a.weight.shape)  # dW = dout correlated with the input
    dbias = g.sum(axis=0)
    drows = (g @ a.weight.reshape(f, -1)).reshape(n, oh, ow, c, kh, kw)
    dxp = np.zeros_like(xp)
    (sh, sw), (dh, dw) = a.stride, a.dilation
    for i in range(kh):  # tap (i, j) of node (r, s) read padded pixel (r*sh + i*dh, s*sw + j*dw)
        for j in range(kw):
            rows_ij = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols_ij = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            dxp[:, :, rows_ij, cols_ij] += drows[..., i, j].transpose(0, 3, 1, 2)
    return _gradients(a, _unpad(dxp, a), dweight, dbias)


# --------------------------------------------------------------------- rung 3: tuned


@dataclass(frozen=True)
class ConvCache:
    """What :func:`conv2d_forward` keeps for :func:`conv2d_backward`: the im2col columns.

    Attributes
    ----------
    cols : ndarray, shape (C*KH*KW, N*OH*OW)
        Every window of the padded input as one column; with ``groups`` > 1, the columns
        of every group, shape (groups, C/groups*KH*KW, N*OH*OW). For float32 stride-1
        outputs 5 to 8 wide the tuned path computes a node at every column of the padded
        width Wp and drops the extra ones, and keeps (C*KH*KW, N*OH*Wp) columns.
    key : tuple
        The input's shape and dtype, the weight's shape, stride, padding and dilation the
        columns were made for; :func:`conv2d_backward` refuses a cache of another call.
    """

    cols: np.ndarray
    key: tuple


def _cache_key(a: ConvArgs) -> tuple:
    return (a.x.shape, a.x.dtype.str, a.weight.shape, a.stride, a.pads, a.dilation)


def conv2d_forward(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    reuse: ConvCache | None = None,
) -> tuple[np.ndarray, ConvCache]:
    """:func:`conv2d`, also returning the :class:`ConvCache` that :func:`conv2d_backward`
    reuses, so the columns are built once per step (what :class:`~cnnkit.Conv2D` does).

    ``reuse``: an earlier call's cache whose memory may be overwritten (a layer sees the
    same shapes batch after batch); that cache must not be used afterwards.

    Examples
    --------
    >>> out, cache = conv2d_forward(np.ones((2, 1, 5, 5)), np.ones((3, 1, 3, 3)))
    >>> out.shape, cache.cols.shape  # cols: (C*KH*KW, N*OH*OW)
    ((2, 3, 3, 3), (9, 18))
    """
    if reuse is not None and not isinstance(reuse, ConvCache):
        raise TypeError(
            f"reuse must be a ConvCache from an earlier conv2d_forward call, or None, not "
            f"{type(reuse).__name__}"
        )
    if type(groups) is not int or groups != 1:
        return _grouped_forward(x, weight, bias, stride, padding, dilation, groups, reuse)
    a = conv_args(x, weight, bias, stride, padding, dilation)
    out, cols = tuned_forward(a, None if reuse is None else reuse.cols)
    return a.restore(out), ConvCache(cols, _cache_key(a))


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """2-D convolution, vectorised and tuned: the same numbers as :func:`conv2d_naive`.

    The idea is :func:`conv2d_im2col`'s (every window as a column, one matrix product per
    batch), with a layout tuned for speed (``_tuned_conv.py``).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C/groups, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
        Zeros on each side; "same" (stride 1 only) puts an odd extra pixel bottom/right.
    groups : int, default 1
        Cut the channels into this many groups, each convolved on its own (one tuned
        convolution per group); ``groups=C`` with F = C is a depthwise convolution.

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        (F, OH, OW) for a 3-D ``x``; (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> conv2d(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), padding=1).shape
    (2, 4, 8, 8)
    >>> conv2d(np.ones((2, 3, 8, 8)), np.ones((3, 1, 3, 3)), groups=3).shape  # depthwise
    (2, 3, 6, 6)
    """
    if type(groups) is not int or groups != 1:
        return _each_group(conv2d, x, weight, bias, stride, padding, dilation, groups)
    a = conv_args(x, weight, bias, stride, padding, dilation)
    return a.restore(tuned_forward(a)[0])


def conv2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    stride: IntPair = 1,
    padding: Padding = 0,
    dilation: IntPair = 1,
    groups: int = 1,
    cache: ConvCache | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution with respect to its input, weight and bias.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the convolution's output.
    x, weight, stride, padding, dilation, groups
        As given to :func:`conv2d`.
    cache : ConvCache, optional
        What :func:`conv2d_forward` returned for these arguments, so the columns are not
        built twice; built again when not given.

    Returns
    -------
    dx : ndarray, shape of ``x``
    dweight : ndarray, shape of ``weight``
    dbias : ndarray, shape (F,)

    Examples
    --------
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> [g.shape for g in conv2d_backward(np.ones((2, 4, 3, 3)), x, w)]
    [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]
    """
    if cache is not None and not isinstance(cache, ConvCache):
        raise TypeError(
            f"cache must be the ConvCache that conv2d_forward returned, or None, not "
            f"{type(cache).__name__}"
        )
    if type(groups) is not int or groups != 1:
        return _each_group_backward(
            conv2d_backward, dout, x, weight, stride, padding, dilation, groups, cache
        )
    a = conv_args(x, weight, None, stride, padding, dilation)
    dout = a.dout(dout)
    if cache is not None and cache.key != _cache_key(a):
        raise _wrong_cache()
    dx, dweight, dbias = tuned_backward(dout, a, None if cache is None else cache.cols)
    return _gradients(a, dx, dweight, dbias)


def _wrong_cache() -> ValueError:
    return ValueError(
        "cache was made by conv2d_forward for other arguments (input, weight shape, "
        "stride, padding, dilation or groups); pass the cache of this very forward call"
    )


# --------------------------------------------------------------------- groups, any rung
# A grouped convolution is ``groups`` ordinary ones side by side: group k's kernels
# (F/groups of them) read group k's channels (C/groups of them), and their outputs are
# channels k*F/groups ... (k+1)*F/groups - 1 of the result. Each rung runs itself per group.


def _each_group(forward, x, weight, bias, stride, padding, dilation, groups) -> np.ndarray:
    """``forward`` (a rung with groups=1) run on every group, outputs side by side."""
    p = split_groups(x, weight, bias, groups)
    outs = [forward(*part, stride, padding, dilation) for part in zip(p.x, p.weight, p.bias)]
    return np.concatenate(outs, axis=-3) if p.groups > 1 else outs[0]


def _grouped_dout(dout, p, stride, padding, dilation) -> tuple[ConvArgs, list[np.ndarray]]:
    """The first group's arguments, and ``dout`` checked against the whole output's shape
    and cut into one part per group."""
    first = conv_args(p.x[0], p.weight[0], None, stride, padding, dilation)
    shape = (len(first.x), len(first.weight) * p.groups, *first.out_hw)
    dout = check_dout(dout, shape[4 - first.input_ndim :], first.x.dtype)
    return first, np.split(dout, p.groups, axis=-3)


def _each_group_backward(
    backward, dout, x, weight, stride, padding, dilation, groups, cache=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``backward`` (a rung with groups=1) run on every group; gradients side by side."""
    p = split_groups(x, weight, None, groups)
    if p.groups == 1:
        kwargs = {} if cache is None else {"cache": cache}
        return backward(dout, x, weight, stride, padding, dilation, **kwargs)
    first, douts = _grouped_dout(dout, p, stride, padding, dilation)
    caches = [{}] * p.groups
    if cache is not None:
        if cache.key != ("groups", p.groups, _cache_key(first)):
            raise _wrong_cache()
        caches = [{"cache": ConvCache(cols, _cache_key(first))} for cols in cache.cols]
    grads = [
        backward(d, xg, wg, stride, padding, dilation, **c)
        for d, xg, wg, c in zip(douts, p.x, p.weight, caches)
    ]
    dx, dweight, dbias = zip(*grads)
    return np.concatenate(dx, axis=-3), np.concatenate(dweight), np.concatenate(dbias)


def _grouped_forward(
    x, weight, bias, stride, padding, dilation, groups, reuse
) -> tuple[np.ndarray, ConvCache]:
    """:func:`conv2d_forward` per group; the cache keeps every group's columns, stacked."""
    p = split_groups(x, weight, bias, groups)
    if p.groups == 1:
        return conv2d_forward(x, weight, bias, stride, padding, dilation, reuse=reuse)
    old = reuse.cols if reuse is not None and reuse.cols.ndim == 3 else None
    old = old if old is not None and len(old) == p.groups else None
    stack, outs = None, []
    for k in range(p.groups):
        memory = old if stack is None else stack  # where group k's columns may be written
        lend = None if memory is None else ConvCache(memory[k], ())
        out, cache = conv2d_forward(
            p.x[k], p.weight[k], p.bias[k], stride, padding, dilation, reuse=lend
        )
        if stack is None:  # the first group tells the columns' shape
            fits = old is not None and old.shape[1:] == cache.cols.shape
            fits = fits and old.dtype == cache.cols.dtype
            stack = old if fits else np.empty((p.groups, *cache.cols.shape), cache.cols.dtype)
        if not np.may_share_memory(cache.cols, stack[k]):  # not written in place
            stack[k] = cache.cols
        outs.append(out)
    return np.concatenate(outs, axis=-3), ConvCache(stack, ("groups", p.groups, cache.key))
