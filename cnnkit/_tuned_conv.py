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
- the copied columns, the product and dout's layout live in rows 16 elements longer than
  the matrix: a batch of 32 or 64 maps of 8x8 or 16x16 makes rows a power of two bytes
  apart, which the matrix products read 1.1x-2x slower (see :func:`_padded_rows`);
- float32 stride-1 outputs 5 to 8 wide (the digits network's first two layers) compute a
  node at every column of the padded width and drop the extra ones (a "row grid"): the
  column copy then moves runs of OH*Wp numbers, not rows of OW, and dx is added on the
  flat grid (training the digits network 0.93x-0.97x with two threads and one);
- outputs 4 or fewer wide gather their columns by place (``np.take``) instead of copying
  rows of 4 through a strided view;
- outputs 8 or fewer wide gather dx from the columns' gradient (each pixel takes its KH*KW
  shares by place, then one sum), float32 stride-1 ones up to 15 wide add it on the flat
  padded grid, the others use strided col2im.

Tried and dropped, as it gained nothing measurable (0.95x-1.07x, within the noise):
computing every padded column for narrow stride-1 outputs (a "flat grid"; it also let a
NaN in a pixel no window reads reach dweight as 0 * NaN). Measured no faster on C
(64x16x14x14, 32 kernels 3x3, float32, one thread): a flat-grid forward, its columns made
by KH*KW contiguous copies (1.07x) or as KH*KW accumulated products W_tap @ shifted x
(1.06x); dx as ONE product with the KH*KW shifted copies of dout stacked (1.46x); the
products transposed or cut into blocks of columns (0.97x-1.02x, noise: OpenBLAS's AVX2
kernels run thin products at about 110 GFLOP/s in every layout, half their 1024x1024
rate); gathering columns by place for rows of 8 (1.2x) or 14 (2.2x); dx on rows of the
padded width, one product per image (no better than the flat grid on C, than the gather
on narrow rows). The row grid, measured slower or no faster outside the rows it takes:
C (OW 14) 1.03x with one thread, 0.94x-0.99x with two; B (OW 24) 0.94x-1.09x; float64
1.03x-1.21x. On C what remains is memory traffic: a step moves about 25 MB of columns and
gradients through a 1 MB cache, and each of its steps runs 1.3x-3x slower there than
timed alone.
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
    a: ConvArgs, name: str, once: bool = False, slack: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A zero buffer (C, N*Hp*Wp + slack) and its (C, N, H, W) view of the input's pixels.

    ``once``: zeroed only when first made, for callers that write nothing but the pixels.
    ``slack``: zeros after the last image, for reads that run past it.
    """
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    size = n * (h + pt + pb) * (w + pl + pr)
    shape = (c, size + slack)
    if once:  # the pixels' place is part of the key: a buffer never holds old pixels
        buf = scratch.zeros_once(f"{name} {a.x.shape} {a.pads}", shape, a.x.dtype)
    else:
        buf = scratch.zeros(name, shape, a.x.dtype)
    grid = buf[:, :size].reshape(c, n, h + pt + pb, w + pl + pr)
    image = grid[:, :, pt : pt + h, pl : pl + w]
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
    if _row_grid(a):
        return _row_grid_forward(a, reuse)
    # Only the pixels are written: the padding stays zero from the buffer's first use.
    buf, image = _padded_channels_first(a, "conv padded x", once=True)
    image[...] = a.x.transpose(1, 0, 2, 3)
    windows = _tap_view(buf, a)  # (C, KH, KW, N, OH, OW)
    k, nodes = a.weight[0].size, windows[0, 0, 0].size
    gather = a.out_hw[1] <= _GATHER_MAX_OW
    # A layer's columns from its last batch are overwritten, not allocated again: 1.2x on
    # D in float32 (new memory costs page faults).
    if reuse is not None and reuse.shape == (k, nodes) and reuse.dtype == a.x.dtype:
        cols = reuse
    elif gather:  # np.take writes straight into contiguous memory only
        cols = np.empty((k, nodes), a.x.dtype)
    else:
        cols = _padded_rows(k, nodes, a.x.dtype)
    if gather:
        # Rows of 4 or fewer make the strided copy mostly loop overhead; a gather with the
        # windows' places, kept per shape, is 0.47x its time on 32x32x4x4 (digits layer 3).
        np.take(buf, _window_places(buf, a), out=cols.reshape(windows.shape), mode="clip")
    else:
        cols.reshape(windows.shape)[...] = windows  # the one copy of the input
    f = a.weight.shape[0]
    # (F, N*OH*OW): every node of the batch. Temporaries live in scratch buffers kept
    # between calls, 1.3x-1.7x on A in float64 (fresh ones cost page faults each call).
    product = _padded_rows(f, nodes, a.x.dtype, "conv product")
    np.matmul(a.weight.reshape(f, -1), cols, out=product)
    if a.bias is not None:
        # Added before the output is laid out: one add on the contiguous product is 1.7x-2x
        # quicker on B and C than adding it during the transposing copy (measured).
        product += a.bias[:, None]
    out = np.empty((a.x.shape[0], f, *a.out_hw), dtype=a.x.dtype)
    out[...] = product.reshape(f, a.x.shape[0], *a.out_hw).transpose(1, 0, 2, 3)
    return out, cols


def _padded_rows(
    rows: int, n: int, dtype: np.dtype, name: str | None = None, once: bool = False
) -> np.ndarray:
    """A (rows, n) matrix whose rows lie ``n + _ROW_SLACK`` elements apart in memory.

    ``name``: kept in scratch under that name (zeroed only when made if ``once``), else new
    memory (for columns handed to the caller's cache).

    A matrix whose rows are a power-of-two number of bytes apart (a batch of 32 or 64 maps
    of 8x8 or 16x16) has them all fall in the same few cache sets, and a matrix product
    reading it slows down. Measured with OpenBLAS's AVX-512 kernels, float32, one thread:
    1.53x on the digits network's second layer (W @ cols, 166 us against 108 us), 1.10x on
    C's forward product, 2.0x on C's dx product over the flat grid (1.45 ms against 0.73).
    """
    shape = (rows, n + _ROW_SLACK)
    if name is None:
        buf = np.empty(shape, dtype)
    elif once:
        buf = scratch.zeros_once(name, shape, dtype)
    else:
        buf = scratch.empty(name, shape, dtype)
    return buf[:, :n]


def tuned_backward(
    dout: np.ndarray, a: ConvArgs, cols: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx (N, C, H, W), dweight, dbias); ``cols`` from :func:`tuned_forward`."""
    if cols is None:
        cols = tuned_forward(a._replace(bias=None))[1]
    f = a.weight.shape[0]
    nodes = dout[:, 0].size
    if _row_grid(a) and cols.shape[1] != nodes:  # columns on the row grid
        return _row_grid_backward(dout, a, cols)
    dgrid = _padded_rows(f, nodes, a.x.dtype, "conv dgrid")
    dgrid.reshape(f, *dout.shape[:1], *dout.shape[2:])[...] = dout.transpose(1, 0, 2, 3)
    dbias = dgrid.sum(axis=1)  # every node of kernel f added bias[f] once
    # dweight = the columns correlated with dout; computed transposed, (C*KH*KW, F),
    # which OpenBLAS splits better over threads.
    dweight = (cols @ dgrid.T).T.reshape(a.weight.shape)
    # Short rows (OW < 16) make the strided col2im below slow; there, in float32, the flat
    # grid wins: fwd+bwd 0.91x on A (OW 8), backward 0.84x-0.97x on C (OW 14). Measured
    # not worth it: B (OW 24) 1.04x, and float64 (C 1.04x, B 1.30x: dearer products).
    # Rows of 8 or fewer: dx gathered, not added (fwd+bwd, float32 / float64): A 0.92x /
    # 0.84x, digits layers 0.84x / 0.86x, 1.01x / 0.87x, 0.85x / 0.82x; measured slower
    # for wider rows (C 1.23x, B 1.32x, D 3.6x), so those keep col2im.
    if a.out_hw[1] <= _GATHER_DX_MAX_OW:
        return _dx_gather(dgrid, a), dweight, dbias
    flat = a.stride == a.dilation == (1, 1) and a.out_hw[1] < 16 and a.x.dtype == np.float32
    if flat and np.isfinite(a.weight).all():
        return _dx_flat(dout, a), dweight, dbias
    dcols = _padded_rows(cols.shape[0], nodes, a.x.dtype, "conv dcols")  # (C*KH*KW, N*OH*OW)
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
    rows, grid = _flat_dgrid(a)
    oh, ow = a.out_hw
    grid[:, :, :oh, :ow] = dout.transpose(1, 0, 2, 3)
    return _dx_on_flat_grid(rows, a)


def _flat_dgrid(a: ConvArgs) -> tuple[np.ndarray, np.ndarray]:
    """A buffer (F, N*Hp*Wp + slack) for dout on the padded grid, and its (F, N, Hp, Wp) view.

    Zeroed when made and kept per layout: its users write only the nodes' places, so it
    is 0 wherever there is no node.
    """
    n, _, h, w = a.x.shape
    (pt, pb), (pl, pr) = a.pads
    f, hp, wp = a.weight.shape[0], h + pt + pb, w + pl + pr
    # Rows longer than the grid (see _padded_rows): C's N*Hp*Wp is 16384 floats.
    key = f"conv flat dgrid {a.out_hw} {(n, hp, wp)}"
    rows = scratch.zeros_once(key, (f, n * hp * wp + _ROW_SLACK), a.x.dtype)
    return rows, rows[:, : n * hp * wp].reshape(f, n, hp, wp)


def _dx_on_flat_grid(rows: np.ndarray, a: ConvArgs) -> np.ndarray:
    """dx from dout laid out on the padded grid: ``rows`` as :func:`_flat_dgrid` made it."""
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    f, _, kh, kw = a.weight.shape
    hp, wp = h + pt + pb, w + pl + pr
    flat = n * hp * wp
    row = flat + _ROW_SLACK
    dcols = scratch.empty("conv flat dcols", (c * kh * kw, row), a.x.dtype)
    np.matmul(a.weight.reshape(f, -1).T, rows, out=dcols)
    dcols = dcols[:, :flat].reshape(c, kh, kw, flat)
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


def _row_grid(a: ConvArgs) -> bool:
    """Whether this convolution's nodes are computed on rows as wide as the padded input."""
    wp = a.x.shape[3] + sum(a.pads[1])
    return (
        a.x.dtype == np.float32
        and a.stride == a.dilation == (1, 1)
        and _GATHER_MAX_OW < a.out_hw[1] <= _ROW_GRID_MAX_OW
        and wp > a.out_hw[1]
    )


def _row_grid_forward(a: ConvArgs, reuse: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`tuned_forward` with the columns on the row grid, (C*KH*KW, N*OH*Wp).

    With stride 1, the node at row r, column s reads tap (i, j) from padded place
    ``(r + i)*Wp + s + j`` of its image. Computing a node at EVERY column s < Wp of the
    OH rows (the last Wp - OW of each row are not nodes: computed, then dropped) makes tap
    (i, j)'s columns for one image ONE contiguous run of OH*Wp places, starting at
    ``i*Wp + j``: the column copy moves runs of OH*Wp numbers instead of rows of OW.
    """
    (n, c, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    f, _, kh, kw = a.weight.shape
    hp, wp, (oh, ow) = h + pt + pb, w + pl + pr, a.out_hw
    # The last row's dropped columns read up to KW-1 places past the last image.
    buf, image = _padded_channels_first(a, "conv row-grid x", once=True, slack=kw)
    image[...] = a.x.transpose(1, 0, 2, 3)
    s_c, s_x = buf.strides
    windows = as_strided(  # (C, KH, KW, N, OH*Wp)
        buf, shape=(c, kh, kw, n, oh * wp), strides=(s_c, wp * s_x, s_x, hp * wp * s_x, s_x)
    )
    k, nodes = c * kh * kw, n * oh * wp
    if reuse is not None and reuse.shape == (k, nodes) and reuse.dtype == a.x.dtype:
        cols = reuse
    else:
        cols = _padded_rows(k, nodes, a.x.dtype)
    cols.reshape(windows.shape)[...] = windows
    product = _padded_rows(f, nodes, a.x.dtype, "conv row-grid product")
    np.matmul(a.weight.reshape(f, -1), cols, out=product)
    if a.bias is not None:
        product += a.bias[:, None]
    out = np.empty((n, f, oh, ow), dtype=a.x.dtype)
    out[...] = product.reshape(f, n, oh, wp)[..., :ow].transpose(1, 0, 2, 3)
    return out, cols


def _row_grid_backward(
    dout: np.ndarray, a: ConvArgs, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`tuned_backward` for columns on the row grid (see :func:`_row_grid_forward`)."""
    (n, _, h, w), ((pt, pb), (pl, pr)) = a.x.shape, a.pads
    f = a.weight.shape[0]
    hp, wp, (oh, ow) = h + pt + pb, w + pl + pr, a.out_hw
    nodes = n * oh * wp
    # dout on the row grid: 0 at the dropped columns, which are never written
    dgrid = _padded_rows(f, nodes, a.x.dtype, f"conv row-grid dgrid {(n, oh, ow, wp)}", once=True)
    dgrid.reshape(f, n, oh, wp)[..., :ow] = dout.transpose(1, 0, 2, 3)
    dbias = dgrid.sum(axis=1)
    dweight = (cols @ dgrid.T).T.reshape(a.weight.shape)
    if not np.isfinite(dweight).all():
        # A dropped column reads real pixels (the ones just past a row's last node): its
        # 0 times an inf or NaN pixel is NaN where the loops add nothing. Computed again
        # from the nodes' columns alone.
        k = cols.shape[0]
        node_cols = cols.reshape(k, n, oh, wp)[..., :ow].reshape(k, -1)
        node_dout = dgrid.reshape(f, n, oh, wp)[..., :ow].reshape(f, -1)
        dweight = (node_cols @ node_dout.T).T.reshape(a.weight.shape)
    if np.isfinite(a.weight).all():
        # dx on the flat padded grid (see _dx_flat): dout's rows go in as whole runs
        # of OH*Wp, the dropped columns' zeros with them.
        flat_rows, grid = _flat_dgrid(a)
        grid.reshape(f, n, hp * wp)[:, :, : oh * wp] = dgrid.reshape(f, n, oh * wp)
        return _dx_on_flat_grid(flat_rows, a), dweight, dbias
    # a non-finite weight would turn the flat grid's zeros into NaN: gathered instead
    node_dout = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(f, -1)
    return _dx_gather(node_dout, a), dweight, dbias


#: the row grid (see _row_grid_forward) is used for float32, stride-1, dilation-1 outputs
#: wider than _GATHER_MAX_OW and at most this wide
_ROW_GRID_MAX_OW = 8

#: elements added to the rows of the flat grid (see _dx_flat): one 64-byte cache line
_ROW_SLACK = 16

#: outputs this wide or narrower have their columns gathered by place (forward) and
#: their dx gathered from the columns' gradient (backward)
_GATHER_MAX_OW = 4
_GATHER_DX_MAX_OW = 8


def _dx_gather(dgrid: np.ndarray, a: ConvArgs) -> np.ndarray:
    """dx from ``dgrid``, dout as (F, N*OH*OW), by gathering the columns' gradient.

    The columns' gradient ``weight.T @ dgrid`` is (C*KH*KW, N*OH*OW). Pixel (n, c, y, x)
    takes from its row (c, i, j) the node whose tap (i, j) reads the pixel, or a zero placed
    after the last column where no node does; the KH*KW gathered layers are then summed.
    Nothing is multiplied by a zero place, so NaN and inf go where the loops send them.
    """
    n, c, h, w = a.x.shape
    f, _, kh, kw = a.weight.shape
    taps, nodes = kh * kw, dgrid.shape[1]
    key = f"conv dx places {a.x.shape} {a.weight.shape} {a.pads} {a.stride} {a.dilation}"
    places = scratch.empty(key, (taps, n, c, h, w), np.intp, fill=-1)
    if places.size and places.flat[0] < 0:  # new: filled in once
        places[...] = _dx_places(a, nodes)
    padded = scratch.empty("conv dx gather", (c * taps, nodes + 1), a.x.dtype)
    # written in place, next to its zero column: fwd+bwd 0.97x-0.98x (A, digits layers)
    np.matmul(a.weight.reshape(f, -1).T, dgrid, out=padded[:, :nodes])
    padded[:, nodes] = 0
    shares = scratch.empty("conv dx shares", places.shape, a.x.dtype)
    np.take(padded, places, out=shares, mode="clip")
    return np.add.reduce(shares, axis=0)


def _dx_places(a: ConvArgs, nodes: int) -> np.ndarray:
    """For :func:`_dx_gather`: place in the (C*KH*KW, N*OH*OW + 1) array of each share."""
    n, c, h, w = a.x.shape
    kh, kw = a.weight.shape[2:]
    (pt, _), (pl, _) = a.pads
    (sh, sw), (dh, dw), (oh, ow) = a.stride, a.dilation, a.out_hw
    i, j = np.divmod(np.arange(kh * kw), kw)
    # node row r reads padded row r*sh + i*dh, i.e. pixel row y = r*sh + i*dh - pt
    r_top = np.arange(h)[None, :] + pt - i[:, None] * dh  # (taps, H): r * sh
    s_left = np.arange(w)[None, :] + pl - j[:, None] * dw  # (taps, W): s * sw
    r, s = r_top // sh, s_left // sw
    r_ok = (r_top % sh == 0) & (r >= 0) & (r < oh)
    s_ok = (s_left % sw == 0) & (s >= 0) & (s < ow)
    node = (
        np.arange(n)[None, :, None, None] * (oh * ow)
        + (r * ow)[:, None, :, None]
        + s[:, None, None, :]
    )  # (taps, N, H, W)
    node = np.where(r_ok[:, None, :, None] & s_ok[:, None, None, :], node, nodes)
    row = np.arange(c)[None, :] * (kh * kw) + np.arange(kh * kw)[:, None]  # (taps, C)
    return row[:, None, :, None, None] * (nodes + 1) + node[:, :, None]
