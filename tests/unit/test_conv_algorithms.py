"""Winograd F(2x2, 3x3) and FFT convolution (cnnkit/conv_algorithms.py) held equal to the
loop version, conv2d_naive, over many shapes; the one-tile formula held equal to the batched
version; the transform matrices checked against their definition."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import cnnkit
from cnnkit import conv2d_fft, conv2d_naive, conv2d_winograd, relative_error
from cnnkit.conv_algorithms import (
    WINOGRAD_AT,
    WINOGRAD_BT,
    WINOGRAD_G,
    transform_input,
    transform_kernels,
    transform_output,
    winograd_tile,
)

# float64: both algorithms round differently from the loop (the Winograd transforms add and
# subtract before multiplying; the FFT sums over every pixel), but only at the level of
# float64's precision: a relative error (largest difference over largest value) below 1e-12.
F64 = 1e-12
# float32: the same steps in float32 arithmetic; 1e-5 relative is what float32 can keep
# through a few dozen sums (its precision is 6e-8).
F32 = 1e-5

SHAPES = [  # (N, C, H, W, F, padding)
    (1, 1, 3, 3, 1, 0),
    (1, 1, 4, 4, 1, 0),
    (2, 3, 7, 9, 4, 0),
    (2, 3, 8, 8, 2, 1),
    (1, 2, 5, 6, 3, "same"),
    (3, 1, 10, 3, 2, "valid"),
    (2, 2, 6, 4, 3, (2, 1)),
    (1, 4, 13, 11, 5, 2),
    (4, 8, 16, 16, 8, 1),
]


def _data(n, c, h, w, f, kh=3, kw=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w)).astype(dtype)
    weight = rng.normal(size=(f, c, kh, kw)).astype(dtype)
    return x, weight, rng.normal(size=f).astype(dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", [conv2d_winograd, conv2d_fft], ids=["winograd", "fft"])
def test_equal_to_the_loop_for_3x3_kernels(fn, shape):
    n, c, h, w, f, padding = shape
    x, weight, bias = _data(n, c, h, w, f, seed=sum(shape[:5]))
    for b in (bias, None):
        expected = conv2d_naive(x, weight, b, padding=padding)
        got = fn(x, weight, b, padding=padding)
        assert got.shape == expected.shape and got.dtype == np.float64
        assert relative_error(got, expected) < F64


@pytest.mark.parametrize(
    "kh, kw, padding",
    [(1, 1, 0), (2, 2, 0), (5, 5, 2), (4, 4, 1), (2, 5, (1, 2)), (7, 1, 3), (9, 9, 0)],
)
def test_fft_equal_to_the_loop_for_any_kernel(kh, kw, padding):
    x, weight, bias = _data(2, 3, 12, 10, 4, kh, kw, seed=kh * 10 + kw)
    expected = conv2d_naive(x, weight, bias, padding=padding)
    assert relative_error(conv2d_fft(x, weight, bias, padding=padding), expected) < F64


def test_fft_with_an_even_same_padding_puts_the_extra_row_bottom_right():
    x, weight, _ = _data(1, 2, 9, 8, 3, 4, 2)
    expected = conv2d_naive(x, weight, padding="same")
    assert expected.shape[2:] == (9, 8)
    assert relative_error(conv2d_fft(x, weight, padding="same"), expected) < F64


@pytest.mark.parametrize("fn", [conv2d_winograd, conv2d_fft], ids=["winograd", "fft"])
def test_float32_stays_float32_and_close(fn):
    x, weight, bias = _data(2, 8, 15, 15, 6, dtype=np.float32)
    got = fn(x, weight, bias, padding=1)
    assert got.dtype == np.float32
    expected = conv2d_naive(x.astype(float), weight.astype(float), bias.astype(float), padding=1)
    assert relative_error(got, expected) < F32


@pytest.mark.parametrize("fn", [conv2d_winograd, conv2d_fft], ids=["winograd", "fft"])
def test_one_image_and_unbatched_inputs_keep_their_axes(fn):
    x, weight, bias = _data(1, 2, 7, 7, 3)
    assert fn(x[0, 0], weight[0, 0]).shape == (5, 5)
    assert fn(x[0], weight, bias).shape == (3, 5, 5)
    assert relative_error(fn(x[0], weight, bias), conv2d_naive(x[0], weight, bias)) < F64


@pytest.mark.parametrize("fn", [conv2d_winograd, conv2d_fft], ids=["winograd", "fft"])
def test_inputs_are_not_changed(fn):
    x, weight, bias = _data(2, 2, 6, 6, 2)
    copies = [a.copy() for a in (x, weight, bias)]
    fn(x, weight, bias, padding=1)
    for a, c in zip((x, weight, bias), copies):
        np.testing.assert_array_equal(a, c)


def test_winograd_tile_is_the_four_windows_of_its_tile():
    rng = np.random.default_rng(5)
    for _ in range(20):
        d, g = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
        by_hand = np.array(
            [[np.sum(d[i : i + 3, j : j + 3] * g) for j in range(2)] for i in range(2)]
        )
        assert relative_error(winograd_tile(d, g), by_hand) < F64


def test_winograd_tile_on_a_tile_of_integers_is_exact():
    d = np.arange(16.0).reshape(4, 4)
    g = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # Sobel
    np.testing.assert_array_equal(winograd_tile(d, g), [[-8.0, -8.0], [-8.0, -8.0]])


def test_winograd_tile_refuses_other_shapes():
    with pytest.raises(ValueError, match="4, 4"):
        winograd_tile(np.ones((3, 3)), np.ones((3, 3)))


def test_batched_winograd_equals_its_tile_by_tile_loop():
    """conv2d_winograd (every tile at once) against winograd_tile called on each tile."""
    x, weight, _ = _data(2, 3, 9, 7, 2)
    out = conv2d_winograd(x, weight, padding=1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 2), (1, 2)))  # one more row/column for a half tile
    loop = np.zeros((2, 2, 10, 8))
    for n, f, i, j in itertools.product(range(2), range(2), range(5), range(4)):
        loop[n, f, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = sum(
            winograd_tile(xp[n, c, 2 * i : 2 * i + 4, 2 * j : 2 * j + 4], weight[f, c])
            for c in range(3)
        )
    assert relative_error(out, loop[:, :, :9, :7]) < F64


def test_kronecker_transforms_are_the_two_sided_products():
    rng = np.random.default_rng(1)
    d, m, g = rng.normal(size=(4, 4)), rng.normal(size=(4, 4)), rng.normal(size=(2, 3, 3, 3))
    np.testing.assert_allclose(
        transform_input() @ d.ravel(), (WINOGRAD_BT @ d @ WINOGRAD_BT.T).ravel(), atol=1e-12
    )
    np.testing.assert_allclose(
        transform_output() @ m.ravel(), (WINOGRAD_AT @ m @ WINOGRAD_AT.T).ravel(), atol=1e-12
    )
    u = transform_kernels(g)
    assert u.shape == (16, 2, 3)
    np.testing.assert_allclose(u[:, 1, 2], (WINOGRAD_G @ g[1, 2] @ WINOGRAD_G.T).ravel())


def test_input_and_output_transforms_have_no_multiplications():
    """Only 0, 1 and -1 in B^T and A^T: sums and differences, no real multiplication."""
    for matrix in (WINOGRAD_BT, WINOGRAD_AT, transform_input(), transform_output()):
        assert set(np.unique(matrix)) <= {-1.0, 0.0, 1.0}


def test_float32_transforms_are_float32():
    assert transform_input(np.float32).dtype == np.float32
    assert transform_kernels(np.ones((1, 1, 3, 3), np.float32)).dtype == np.float32


@pytest.mark.parametrize("fn", [conv2d_winograd, conv2d_fft], ids=["winograd", "fft"])
def test_nan_is_refused_with_the_reason(fn):
    x, weight, _ = _data(1, 1, 6, 6, 1)
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x contains NaN or infinite"):
        fn(x, weight)
    # the loop keeps a NaN to the windows that read it, which is why these refuse it
    assert np.isnan(conv2d_naive(x, weight)).sum() == 1


def test_winograd_refuses_5x5_and_names_the_way_out():
    x, weight, _ = _data(1, 1, 8, 8, 1, 5, 5)
    with pytest.raises(ValueError, match="3x3 kernels.*conv2d_fft"):
        conv2d_winograd(x, weight)
    assert relative_error(conv2d_fft(x, weight), cnnkit.conv2d(x, weight)) < F64


def test_exported_from_the_top_level():
    assert {"conv2d_winograd", "conv2d_fft"} <= set(cnnkit.__all__)
    assert cnnkit.conv2d_winograd.__doc__ and "shape (N, F, OH, OW)" in cnnkit.conv2d_fft.__doc__
