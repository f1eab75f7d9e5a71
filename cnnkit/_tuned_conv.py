"""The tuned convolution behind :func:`cnnkit.conv2d`: im2col, laid out for long copies.

Read :func:`cnnkit.conv.conv2d_im2col` first: this is the same idea (pad, one strided view,
one matrix product). What differs, each kept because ``benchmarks/run.py``'s shapes A-D
measured it worth while (ratios of Conv2D forward + backward, off / on):

- the padded input is kept channels first, (C, N*Hp*Wp), so the columns come out as
  (C*KH*KW, N*OH*OW) and the whole batch is ONE product ``weight (F, C*KH*KW) @ cols``;
- the backward pass reuses the forward pass's columns (a :class:`~cnnkit.conv.ConvCache`);
- col2im adds into a writeable strided view of the padded gradient, in blocks of taps.

- temporaries live in scratch buffers kept between calls, and a layer's columns reuse the
  memory of its last batch's (fresh arrays of a few hundred KB cost page faults each call);
- outputs 4 or fewer wide gather their columns by place (``np.take``) instead of copying
  rows of 4 through a strided view;
- float32 stride-1 layers with rows shorter than 16 compute dx without strided col2im: on
  the flat padded grid (one input channel) or on rows of the padded width (several).

Tried and dropped, as it gained nothing measurable (0.95x-1.07x, within the noise):
computing every padded column for narrow stride-1 outputs (a "flat grid"; it also let a
NaN in a pixel no window reads reach dweight as 0 * NaN). Measured no faster on C
(64x16x14x14, 32 kernels 3x3, float32, one thread): a flat-grid forward, its columns made
by KH*KW contiguous copies (1.07x) or as KH*KW accumulated products W_tap @ shifted x
(1.06x); dx as ONE product with the KH*KW shifted copies of dout stacked (1.46x); the
products transposed or cut into blocks of columns (0.97x-1.02x, noise: OpenBLAS runs thin
products at about 110 GFLOP/s in every layout, half its 1024x1024 rate); gathering
columns by place for rows of 8 (1.2x) or 14 (2.2x).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._scratch import scratch
from .arguments import ConvArgs

__all__ = ["tuned_forward", "tuned_backward"]


def _tap_view(buf: np.ndarray, a: ConvArgs, writeable: bool = False) -> np.ndarray:
    """View (C, KH, KW, N, OH, OW) of a padded, channels-first buffer ``buf`` (C, N*Hp*Wp).

    Element ``[c, i, j, n, r, s]`` is padded pixel ``(n, c, r*sh + i*dh, s*sw + j*dw)``:
    tap (i, j) of node (r, s)'s window, what :func:`~cnnkit.conv2d_naive` slices.
    """
    (pt, pb), (pl, pr) = a.pads
    hp, wp = a.x.shape[2] + pt + pb, a.x.shape[3] + pl + pr
    kh, kw = a.weight.shape[2:]
    (sh, sw), (dh, dw) = a.stride, a.dilation
    s_c, s_x = buf.strides
    return as_strided(
        buf,
        shape=(buf.shape[0], kh, kw, a.x.shape[0], *a.out_hw),
        strides=(s_c, dh * wp * s_x, dw * s_x, hp * wp * s_x, sh * wp * s_x, sw * s_x),
        writeable=writeable,
    )


def _padded_channels_first(
    a: ConvArgs, name: str, once: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A zero buffer (C, N*Hp*Wp) and its (C, N, H, W) view of the input's pixels.

    ``once``: zeroed only when first made, for callers that write nothing but the pixels.
    """
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    shape = (c, n * (h + pt + pb) * (w + pl + pr))
    if once:  # the pixels' place is part of the key: a buffer never holds old pixels
        buf = scratch.zeros_once(f"{name} {a.x.shape} {a.pads}", shape, a.x.dtype)
    else:
        buf = scratch.zeros(name, shape, a.x.dtype)
    image = buf.reshape(c, n, h + pt + pb, w + pl + pr)[:, :, pt : pt + h, pl : pl + w]
    return buf, image


def _window_places(buf: np.ndarray, a: ConvArgs) -> np.ndarray:
    """Where each element of :func:`_tap_view` sits in the flattened ``buf`` (kept per shape)."""
    key = f"conv window places {a.x.shape} {a.weight.shape} {a.pads} {a.stride} {a.dilation}"
    places = scratch.empty(
        key, (buf.shape[0], *a.weight.shape[2:], a.x.shape[0], *a.out_hw), np.intp, fill=-1
    )
    if places.size and places.flat[0] < 0:  # new: filled in once
        places[...] = _tap_view(np.arange(buf.size).reshape(buf.shape), a)
    return places


def tuned_forward(a: ConvArgs, reuse: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Convolution output (N, F, OH, OW), and the columns (C*KH*KW, N*OH*OW) for backward.

    ``reuse``: columns of an earlier call, overwritten when their shape and dtype fit.
    """
    # Only the pixels are written: the padding stays zero from the buffer's first use.
    buf, image = _padded_channels_first(a, "conv padded x", once=True)
    image[...] = a.x.transpose(1, 0, 2, 3)
    windows = _tap_view(buf, a)  # (C, KH, KW, N, OH, OW)
    # A layer's columns from its last batch are overwritten, not allocated again: 1.2x on
    # D in float32 (new memory costs page faults).
    fits = reuse is not None and reuse.size == windows.size and reuse.dtype == a.x.dtype
    cols = reuse.reshape(windows.shape) if fits else np.empty(windows.shape, a.x.dtype)
    if a.out_hw[1] <= _GATHER_MAX_OW:
        # Rows of 4 or fewer make the strided copy mostly loop overhead; a gather with the
        # windows' places, kept per shape, is 0.47x its time on 32x32x4x4 (digits layer 3).
        np.take(buf, _window_places(buf, a), out=cols, mode="clip")
    else:
        cols[...] = windows  # the one copy of the input
    cols = cols.reshape(a.weight[0].size, -1)  # (C*KH*KW, N*OH*OW)
    f = a.weight.shape[0]
    # (F, N*OH*OW): every node of the batch. Temporaries live in scratch buffers kept
    # between calls, 1.3x-1.7x on A in float64 (fresh ones cost page faults each call).
    product = scratch.empty("conv product", (f, cols.shape[1]), a.x.dtype)
    np.matmul(a.weight.reshape(f, -1), cols, out=product)
    if a.bias is not None:
        # Added before the output is laid out: one add on the contiguous product is 1.7x-2x
        # quicker on B and C than adding it during the transposing copy (measured).
        product += a.bias[:, None]
    out = np.empty((a.x.shape[0], f, *a.out_hw), dtype=a.x.dtype)
    out[...] = product.reshape(f, a.x.shape[0], *a.out_hw).transpose(1, 0, 2, 3)
    return out, cols


def tuned_backward(
    dout: np.ndarray, a: ConvArgs, cols: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx (N, C, H, W), dweight, dbias); ``cols`` from :func:`tuned_forward`."""
    if cols is None:
        cols = tuned_forward(a._replace(bias=None))[1]
    f = a.weight.shape[0]
    dgrid = scratch.empty("conv dgrid", (f, *dout.shape[:1], *dout.shape[2:]), a.x.dtype)
    dgrid[...] = dout.transpose(1, 0, 2, 3)
    dgrid = dgrid.reshape(f, -1)  # laid out like the forward product
    dbias = dgrid.sum(axis=1)  # every node of kernel f added bias[f] once
    # dweight = the columns correlated with dout; computed transposed, (C*KH*KW, F),
    # which OpenBLAS splits better over threads.
    dweight = (cols @ dgrid.T).T.reshape(a.weight.shape)
    # Short rows (OW < 16) make the strided col2im below slow; there, in float32, the flat
    # grid wins: fwd+bwd 0.91x on A (OW 8), backward 0.84x-0.97x on C (OW 14). Measured
    # not worth it: B (OW 24) 1.04x, and float64 (C 1.04x, B 1.30x: dearer products).
    flat = a.stride == a.dilation == (1, 1) and a.out_hw[1] < 16 and a.x.dtype == np.float32
    if flat and np.isfinite(a.weight).all():
        # Rows of the padded width instead of the whole flat grid when there are several
        # channels: fwd+bwd 0.83x on 32x32x4x4 (with the gather), 0.975x on 32x16x8x8,
        # 1.005x on C (noise); one channel keeps the flat grid (rows: dx 1.14x-1.25x).
        return _DX[a.x.shape[1] > 1](dout, a), dweight, dbias
    dcols = scratch.empty("conv dcols", cols.shape, a.x.dtype)  # (C*KH*KW, N*OH*OW)
    np.matmul(a.weight.reshape(f, -1).T, dgrid, out=dcols)
    # col2im into a writeable strided view of the padded gradient: 1.11x-1.18x on A and D
    # (vs one sliced add per tap as in conv2d_backward_im2col).
    dbuf, dx_image = _padded_channels_first(a, "conv padded dx")
    taps = _tap_view(dbuf, a, writeable=True)  # (C, KH, KW, N, OH, OW)
    dcols = dcols.reshape(taps.shape)
    # An in-place add must not write one element twice, but taps whose windows never share
    # a pixel can go in one add: s consecutive taps at stride s (1.11x-1.13x on D).
    (sh, sw), (dh, dw) = a.stride, a.dilation
    bh, bw = sh // math.gcd(sh, dh), sw // math.gcd(sw, dw)
    for i in range(0, taps.shape[1], bh):
        for j in range(0, taps.shape[2], bw):
            block = (slice(None), slice(i, i + bh), slice(j, j + bw))
            taps[block] += dcols[block]
    dx = np.empty(a.x.shape, dtype=a.x.dtype)
    dx[...] = dx_image.transpose(1, 0, 2, 3)
    return dx, dweight, dbias


def _dx_flat(dout: np.ndarray, a: ConvArgs) -> np.ndarray:
    """dx of a stride-1, dilation-1 convolution, col2im on the flat padded grid.

    Every padded pixel of image n, row r, column s sits at ``n*Hp*Wp + r*Wp + s`` of a
    channel's flat buffer; tap (i, j) of the node at that place reads ``+ i*Wp + j``. So
    with ``dout`` laid out on the same grid (zero where there is no node), tap (i, j)'s
    share of dx is ONE contiguous slice of the flat buffer: col2im becomes KH*KW long adds
    instead of strided adds in runs of OW. It costs a product over Hp*Wp instead of OH*OW
    places per image. The zero places add exactly 0 (the weights are finite: the caller
    checks), and with stride 1 and dilation 1 every pixel is read by some node anyway.
    """
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    f, _, kh, kw = a.weight.shape
    hp, wp, (oh, ow) = h + pt + pb, w + pl + pr, a.out_hw
    flat = n * hp * wp
    # 0 where there is no node, written when the buffer is made (the key fixes OH, OW)
    dgrid = scratch.zeros_once(f"conv flat dgrid {a.out_hw}", (f, n, hp, wp), a.x.dtype)
    dgrid[:, :, :oh, :ow] = dout.transpose(1, 0, 2, 3)
    dcols = scratch.empty("conv flat dcols", (c * kh * kw, flat), a.x.dtype)
    np.matmul(a.weight.reshape(f, -1).T, dgrid.reshape(f, flat), out=dcols)
    dcols = dcols.reshape(c, kh, kw, flat)
    # The last taps of the last image reach past the grid: room for them after it.
    dbuf = scratch.empty("conv flat dx", (c, flat + (kh - 1) * wp + kw - 1), a.x.dtype)
    dbuf[:, :flat] = dcols[:, 0, 0]  # tap (0, 0) sets, the others add: no zeroing pass
    dbuf[:, flat:] = 0
    for i in range(kh):
        for j in range(kw):
            if i or j:
                dbuf[:, i * wp + j : i * wp + j + flat] += dcols[:, i, j]
    dx = np.empty(a.x.shape, dtype=a.x.dtype)
    image = dbuf[:, :flat].reshape(c, n, hp, wp)[:, :, pt : pt + h, pl : pl + w]
    dx[...] = image.transpose(1, 0, 2, 3)
    return dx


def _dx_rows(dout: np.ndarray, a: ConvArgs) -> np.ndarray:
    """dx of a stride-1, dilation-1 convolution: col2im on rows of the padded width.

    Each image's channel is a flat block of Hp*Wp padded pixels, and node (r, s)'s tap
    (i, j) lands at ``r*Wp + s + i*Wp + j`` of it. With ``dout`` laid out on OH rows of Wp
    places (zero beyond OW), one product per image gives every tap's share on that layout,
    and tap (i, j)'s share of the whole batch's dx is ONE add, shifted by ``i*Wp + j``.
    A node's taps never leave its own block; the zero places past OW may reach the next
    block, adding exactly 0 there (the caller checks the weights are finite).
    """
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    f, _, kh, kw = a.weight.shape
    hp, wp, (oh, ow) = h + pt + pb, w + pl + pr, a.out_hw
    hw, rows, taps = hp * wp, oh * wp, kh * kw
    key = f"{a.out_hw} {a.weight.shape}"  # fixes which places stay 0 below
    dgrid = scratch.zeros_once(f"conv rows dgrid {key}", (n, f, oh, wp), a.x.dtype)
    dgrid[..., :ow] = dout  # no transpose: dout's own (N, F) order
    # Rows ordered (tap, channel) so that each tap's share of an image is contiguous;
    # the product writes only the first OH*Wp places of each row, the rest stay 0.
    shares = scratch.zeros_once(f"conv rows shares {key}", (n, taps, c, hw), a.x.dtype)
    weight_t = a.weight.transpose(2, 3, 1, 0).reshape(taps * c, f)
    np.matmul(weight_t, dgrid.reshape(n, f, rows), out=shares.reshape(n, taps * c, hw)[..., :rows])
    shares = shares.reshape(n, taps, c * hw)
    size = n * c * hw
    # The last taps of the last image reach past the batch: room for them after it.
    dbuf = scratch.empty("conv rows dx", (size + (kh - 1) * wp + kw - 1,), a.x.dtype)
    dbuf[:size].reshape(n, c * hw)[...] = shares[:, 0]  # tap (0, 0) sets: no zeroing pass
    dbuf[size:] = 0
    for t in range(1, taps):
        i, j = divmod(t, kw)
        part = dbuf[i * wp + j : i * wp + j + size].reshape(n, c * hw)
        np.add(part, shares[:, t], out=part)
    dx = np.empty(a.x.shape, dtype=a.x.dtype)
    dx[...] = dbuf[:size].reshape(n, c, hp, wp)[:, :, pt : pt + h, pl : pl + w]
    return dx


#: dx path of the stride-1 float32 layers with short rows, by "more than one channel"
_DX = {False: _dx_flat, True: _dx_rows}
#: outputs this wide or narrower have their columns gathered by place
_GATHER_MAX_OW = 4
