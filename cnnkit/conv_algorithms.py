"""Two more ways to compute the same convolution: Winograd F(2x2, 3x3) and the FFT.

Both give the numbers of :func:`~cnnkit.conv2d_naive` (stride 1, no dilation), up to
rounding, with fewer multiplications for some layer shapes:

- :func:`conv2d_winograd` cuts the input into overlapping 4x4 tiles and turns each tile and
  each 3x3 kernel into 4x4 "transformed" grids (``B^T d B`` and ``G g G^T``). One 2x2 block
  of output then costs 16 multiplications instead of 4 * 9 = 36; the transforms themselves
  are only additions and halvings. :func:`winograd_tile` is the same recipe for one tile,
  written out as the formulas, and a test holds the two equal.
- :func:`conv2d_fft` multiplies spectra: by the convolution theorem a convolution of two
  grids is a product of their Fourier transforms. A CNN's "convolution" is a correlation
  (the kernel is not flipped), so the kernel is flipped first; only the outputs that every
  window fully covers are kept.

Shapes as in :mod:`cnnkit.conv`: ``x`` (N, C, H, W), ``weight`` (F, C, KH, KW), ``bias`` (F,),
out (N, F, OH, OW) with OH = H + pt + pb - KH + 1.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arguments import conv_args
from .conv import pad_input
from .shapes import Padding

__all__ = [
    "conv2d_winograd",
    "conv2d_fft",
    "winograd_tile",
    "transform_input",
    "transform_kernels",
    "transform_output",
    "WINOGRAD_BT",
    "WINOGRAD_G",
    "WINOGRAD_AT",
]

# F(2x2, 3x3) (Lavin and Gray, 2016): a 4x4 input tile d and a 3x3 kernel g give the 2x2
# output tile  Y = A^T [ (G g G^T) * (B^T d B) ] A,  where * multiplies element by element.
#: Input transform B^T, (4, 4): only 0, 1 and -1, so ``B^T d B`` is additions only.
WINOGRAD_BT = np.array(
    [
        [1.0, 0.0, -1.0, 0.0],
        [0.0, 1.0, 1.0, 0.0],
        [0.0, -1.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, -1.0],
    ]
)
#: Kernel transform G, (4, 3): ``G g G^T`` is done once per kernel, not once per tile.
WINOGRAD_G = np.array(
    [
        [1.0, 0.0, 0.0],
        [0.5, 0.5, 0.5],
        [0.5, -0.5, 0.5],
        [0.0, 0.0, 1.0],
    ]
)
#: Output transform A^T, (2, 4): from the 16 products back to a 2x2 block of outputs.
WINOGRAD_AT = np.array(
    [
        [1.0, 1.0, 1.0, 0.0],
        [0.0, 1.0, -1.0, -1.0],
    ]
)


def winograd_tile(d: np.ndarray, g: np.ndarray) -> np.ndarray:
    """One 2x2 output tile of a 3x3 correlation, by Winograd F(2x2, 3x3): 16 multiplications.

    Parameters
    ----------
    d : ndarray, shape (4, 4)
        One tile of the (padded) input.
    g : ndarray, shape (3, 3)
        One kernel.

    Returns
    -------
    ndarray, shape (2, 2)
        ``out[i, j] = sum(d[i:i+3, j:j+3] * g)``: the four windows inside the tile.

    Examples
    --------
    >>> winograd_tile(np.ones((4, 4)), np.ones((3, 3)))
    array([[9., 9.],
           [9., 9.]])
    """
    d, g = np.asarray(d, dtype=float), np.asarray(g, dtype=float)
    if d.shape != (4, 4) or g.shape != (3, 3):
        raise ValueError(
            f"winograd_tile takes a (4, 4) tile and a (3, 3) kernel, got d with shape "
            f"{d.shape} and g with shape {g.shape}"
        )
    v = WINOGRAD_BT @ d @ WINOGRAD_BT.T  # the tile, transformed: sums and differences only
    u = WINOGRAD_G @ g @ WINOGRAD_G.T  # the kernel, transformed (once per kernel)
    m = u * v  # the only multiplications that depend on both: 4 * 4 = 16
    return WINOGRAD_AT @ m @ WINOGRAD_AT.T  # back to 2x2 outputs: sums and differences


def conv2d_winograd(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    padding: Padding = 0,
) -> np.ndarray:
    """3x3 convolution (stride 1) by Winograd F(2x2, 3x3), every tile at once.

    The steps of :func:`winograd_tile`, batched: the padded input is cut into 4x4 tiles that
    overlap by 2 (one per 2x2 block of output), each transformed as ``B^T d B``; each
    kernel as ``G g G^T``. For each of the 16 positions of a transformed tile, summing
    over the input channels is one matrix product (F, C) @ (C, tiles); then ``A^T m A``
    turns each tile's 16 sums into its 2x2 outputs.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C, 3, 3), or (3, 3) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    padding : int, (int, int), "valid" or "same"

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        OH = H + 2 * padding - 2; (F, OH, OW) for a 3-D ``x``, (OH, OW) for a 2-D ``x``.

    Raises
    ------
    ValueError
        If the kernels are not 3x3 (use :func:`conv2d_fft` or :func:`~cnnkit.conv2d`).

    Examples
    --------
    >>> conv2d_winograd(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), padding=1).shape
    (2, 4, 8, 8)
    """
    _check_kernel_3x3(weight)
    a = conv_args(x, weight, bias, 1, padding, 1)
    _check_finite(a, "conv2d_winograd", "each 4x4 tile's transform mixes its 16 pixels")
    if a.weight.shape[2:] != (3, 3):  # pragma: no cover - _check_kernel_3x3 caught it
        raise ValueError(f"weight has kernels {a.weight.shape[2:]}, not (3, 3)")
    (oh, ow), dtype = a.out_hw, a.x.dtype
    n_images, n_channels = a.x.shape[:2]
    n_kernels = len(a.weight)
    th, tw = -(-oh // 2), -(-ow // 2)  # tiles down and across (a last half tile is padded)
    xp = pad_input(a.x, a.pads)
    extra_h, extra_w = 2 * th + 2 - xp.shape[2], 2 * tw + 2 - xp.shape[3]
    xp = pad_input(xp, ((0, extra_h), (0, extra_w)))  # zeros for the outputs we crop away
    # Tiles (N, C, th, tw, 4, 4): a view that starts a new 4x4 tile every 2 pixels.
    tiles = sliding_window_view(xp, (4, 4), axis=(2, 3))[:, :, ::2, ::2]
    # B^T d B for every tile at once: with each tile flattened to 16 numbers (row by row),
    # B^T d B is the (16, 16) matrix kron(B^T, B^T) times that column. So all tiles are one
    # matrix product, (16, 16) @ (16, C*N*th*tw); likewise G g G^T is (16, 9) @ (9, F*C)
    # and A^T m A is (4, 16) @ (16, F*N*th*tw).
    n_tiles = n_images * th * tw
    columns = tiles.transpose(4, 5, 1, 0, 2, 3).reshape(16, n_channels * n_tiles)  # one copy
    v = (transform_input(dtype) @ columns).reshape(16, n_channels, n_tiles)
    u = transform_kernels(a.weight)  # (16, F, C)
    # For each of the 16 positions: (F, C) @ (C, tiles), the sum over the input channels.
    m = u @ v  # (16, F, N*th*tw): the 16 multiplications per tile, per channel, per kernel
    y = (transform_output(dtype) @ m.reshape(16, -1)).reshape(2, 2, n_kernels, n_images, th, tw)
    out = y.transpose(3, 2, 4, 0, 5, 1).reshape(n_images, n_kernels, 2 * th, 2 * tw)
    out = out[:, :, :oh, :ow]
    if a.bias is not None:
        out = out + a.bias[:, None, None]
    return a.restore(np.ascontiguousarray(out))


def transform_input(dtype: np.dtype = np.float64) -> np.ndarray:
    """``kron(B^T, B^T)``, shape (16, 16): ``B^T d B`` for a tile ``d`` flattened row by row.

    >>> d = np.arange(16.0).reshape(4, 4)
    >>> bool(np.allclose(transform_input() @ d.ravel(), (WINOGRAD_BT @ d @ WINOGRAD_BT.T).ravel()))
    True
    """
    return np.kron(WINOGRAD_BT, WINOGRAD_BT).astype(dtype)


def transform_output(dtype: np.dtype = np.float64) -> np.ndarray:
    """``kron(A^T, A^T)``, shape (4, 16): ``A^T m A`` for a flattened (4, 4) ``m``."""
    return np.kron(WINOGRAD_AT, WINOGRAD_AT).astype(dtype)


def transform_kernels(weight: np.ndarray) -> np.ndarray:
    """``G g G^T`` of every 3x3 kernel, as (16, F, C): position first, ready for the
    per-position matrix products.

    Parameters
    ----------
    weight : ndarray, shape (F, C, 3, 3)
    """
    n_kernels, n_channels = weight.shape[:2]
    kron_g = np.kron(WINOGRAD_G, WINOGRAD_G).astype(weight.dtype)  # (16, 9)
    flat = weight.reshape(n_kernels * n_channels, 9).T  # (9, F*C)
    return (kron_g @ flat).reshape(16, n_kernels, n_channels)


def _check_finite(a, function: str, why: str) -> None:
    """Refuse NaN or infinite values in x or weight: unlike the loop, these algorithms would
    spread one such value to outputs whose windows never read it."""
    for name, values in (("x", a.x), ("weight", a.weight)):
        if values.size and not np.isfinite(values).all():
            raise ValueError(
                f"{name} contains NaN or infinite values; {function} cannot keep them to the "
                f"outputs that read them ({why}), so check {name}, or use conv2d, which does"
            )


def _check_kernel_3x3(weight: object) -> None:
    """Refuse kernels other than 3x3 before anything else, with the way out."""
    shape = np.shape(weight) if isinstance(weight, np.ndarray) else None
    if shape is None:
        try:
            shape = np.asarray(weight).shape
        except Exception:  # noqa: BLE001 - conv_args gives the message for such a weight
            return
    if len(shape) in (2, 4) and tuple(shape[-2:]) != (3, 3) and 0 not in shape:
        raise ValueError(
            f"conv2d_winograd computes F(2x2, 3x3), so weight must hold 3x3 kernels, got "
            f"weight with shape {tuple(shape)}; use conv2d_fft or conv2d for "
            f"{shape[-2]}x{shape[-1]} kernels"
        )


def conv2d_fft(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    padding: Padding = 0,
) -> np.ndarray:
    """Convolution (stride 1, any kernel size) as a product of Fourier transforms.

    Steps: pad the input as asked; flip each kernel (a CNN correlates, the convolution
    theorem convolves) and put it in the corner of a grid of zeros as large as the padded
    input; take the 2-D real FFT (``numpy.fft.rfft2``) of both; for each frequency, sum the
    products over the input channels (a complex matrix product); transform back
    (``irfft2``) and crop. The transforms are circular: sums that wrap around the edge land
    only in the first KH-1 rows and KW-1 columns, which are exactly the positions where the
    flipped kernel does not fully overlap the input, so cropping them away leaves the
    correlation's outputs.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W), (C, H, W) or (H, W)
    weight : ndarray, shape (F, C, KH, KW), or (KH, KW) with a 2-D ``x``
    bias : ndarray, shape (F,), optional
    padding : int, (int, int), "valid" or "same"

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        OH = H + pt + pb - KH + 1; (F, OH, OW) for a 3-D ``x``, (OH, OW) for a 2-D ``x``.

    Examples
    --------
    >>> conv2d_fft(np.ones((2, 3, 8, 8)), np.ones((4, 3, 5, 5))).shape
    (2, 4, 4, 4)
    """
    a = conv_args(x, weight, bias, 1, padding, 1)
    _check_finite(a, "conv2d_fft", "a Fourier transform mixes every pixel into every output")
    xp = pad_input(a.x, a.pads)
    hp, wp = xp.shape[2:]
    kh, kw = a.weight.shape[2:]
    oh, ow = a.out_hw
    flipped = a.weight[:, :, ::-1, ::-1]  # correlation = convolution with the flipped kernel
    spectrum_x = np.fft.rfft2(xp, s=(hp, wp))  # (N, C, hp, wp//2 + 1), complex
    spectrum_w = np.fft.rfft2(flipped, s=(hp, wp))  # zero-padded to the input's size
    # For each frequency, the sum over channels is (N, C) @ (C, F): move frequencies first.
    sx = spectrum_x.transpose(2, 3, 0, 1)  # (hp, wp//2+1, N, C)
    sw = spectrum_w.transpose(2, 3, 1, 0)  # (hp, wp//2+1, C, F)
    product = (sx @ sw).transpose(2, 3, 0, 1)  # (N, F, hp, wp//2+1)
    full = np.fft.irfft2(product, s=(hp, wp))  # circular convolution, (N, F, hp, wp)
    out = full[:, :, kh - 1 : kh - 1 + oh, kw - 1 : kw - 1 + ow].astype(a.x.dtype, copy=False)
    if a.bias is not None:
        out = out + a.bias[:, None, None]
    return a.restore(np.ascontiguousarray(out))
