"""Contracts of the layers and the convolution/pooling functions at the edges.

- the layers use only public names of other modules (no ``from .x import _private``);
- every layer's backward checks ``dout``'s shape before touching anything;
- NaN: a NaN in a max-pool window gets the gradient; a NaN in a pixel no convolution
  window reads leaves the weight gradient alone;
- a huge stride gives a 1x1 output (as PyTorch), and is explained at once;
- an empty batch (N = 0) gives empty results of the right shape.

The same cases are compared with PyTorch in tests/oracle/test_torch_oracle.py.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import numpy as np
import pytest

import cnnkit as ck

PACKAGE = Path(ck.__file__).parent


# ----------------------------------------------------------------- public imports only


def private_imports(path: Path) -> list[str]:
    """``from .x import _name`` lines of one module: a private function, class or constant
    taken from another module. The package's helper modules themselves (``from . import
    _validate``, ``from ._validate import pair``) are meant to be shared and are allowed."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            source = f"{'.' * node.level}{node.module or ''}"
            for alias in node.names:
                is_module = node.module is None and (path.parent / f"{alias.name}.py").exists()
                if alias.name.startswith("_") and not is_module:
                    found.append(f"line {node.lineno}: from {source} import {alias.name}")
    return found


@pytest.mark.parametrize("module", ["layers.py", "model.py", "conv_transpose.py"])
def test_layers_and_model_import_no_private_name(module):
    assert private_imports(PACKAGE / module) == []


def test_the_private_import_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    (tmp_path / "_helpers.py").write_text("")
    bad.write_text(
        "from .conv import _forward, conv2d\nfrom . import _helpers, _setup\n"
        "from ._validate import pair\n"
    )
    assert private_imports(bad) == [
        "line 1: from .conv import _forward",
        "line 2: from . import _setup",
    ]


# ----------------------------------------------------------------- dout shape


def _layers_and_inputs():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(2, 3, 6, 6))
    yield ck.Conv2D(3, 4, 3, rng=0), images
    yield ck.ReLU(), images
    yield ck.MaxPool2D(2), images
    yield ck.Flatten(), images
    yield ck.Dense(5, 3, rng=0), rng.normal(size=(2, 5))
    yield ck.Conv2D(3, 6, 3, groups=3, rng=0), images  # depthwise, channel multiplier 2
    yield ck.ConvTranspose2D(3, 4, 3, stride=2, padding=1, output_padding=1, rng=0), images


@pytest.mark.parametrize("layer, x", list(_layers_and_inputs()), ids=lambda v: type(v).__name__)
def test_backward_rejects_a_dout_of_the_wrong_shape_and_changes_nothing(layer, x):
    out = layer.forward(x)
    before = {k: v.copy() for k, v in layer.grads.items()}
    before_ids = {k: id(v) for k, v in layer.grads.items()}
    wrong_shapes = [
        out.shape[1:],  # the batch axis forgotten
        (1, *out.shape[1:]),  # would broadcast
        (out.shape[0] + 1, *out.shape[1:]),  # one example too many
        out.shape[::-1],  # axes reversed
        (out.size,),  # flattened
    ]
    for shape in wrong_shapes:
        if shape == out.shape:
            continue
        with pytest.raises(ValueError) as info:
            layer.backward(np.ones(shape))
        message = str(info.value)
        assert "dout" in message and str(out.shape) in message and str(shape) in message
        assert {k: id(v) for k, v in layer.grads.items()} == before_ids
        for k, v in layer.grads.items():
            np.testing.assert_array_equal(v, before[k])
    assert layer.backward(np.ones(out.shape)).shape == x.shape  # the right shape still works


@pytest.mark.parametrize(
    "backward, args",
    [
        (ck.conv2d_backward, (np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))),
        (ck.conv2d_backward_im2col, (np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))),
        (ck.conv2d_backward_naive, (np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))),
        (ck.max_pool2d_backward, (np.ones((1, 1, 4, 4)), 2)),
        (ck.max_pool2d_backward_windows, (np.ones((1, 1, 4, 4)), 2)),
        (ck.max_pool2d_backward_naive, (np.ones((1, 1, 4, 4)), 2)),
        (ck.avg_pool2d_backward, (np.ones((1, 1, 4, 4)), 2)),
        (ck.avg_pool2d_backward_naive, (np.ones((1, 1, 4, 4)), 2)),
    ],
)
def test_backward_functions_name_dout_and_both_shapes(backward, args):
    with pytest.raises(ValueError, match=r"dout .*\(1, 1, 2, 2\), got shape \(1, 1, 3, 2\)"):
        backward(np.ones((1, 1, 3, 2)), *args)


# ----------------------------------------------------------------- NaN


MAX_POOL_BACKWARDS = [
    ck.max_pool2d_backward,
    ck.max_pool2d_backward_windows,
    ck.max_pool2d_backward_naive,
]


@pytest.mark.parametrize("backward", MAX_POOL_BACKWARDS)
def test_a_nan_in_a_max_pool_window_gets_the_gradient(backward):
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = np.nan  # top-left window: NaN, 1, 4, 5 -> the NaN is its "maximum"
    dx = backward(np.full((1, 1, 2, 2), 7.0), x, 2)
    assert dx[0, 0, 0, 0] == 7.0 and dx[0, 0, 1, 1] == 0.0
    assert dx[0, 0, 1, 3] == 7.0  # the other windows are unchanged: 7 goes to their maximum
    assert np.isnan(ck.max_pool2d(x, 2)[0, 0, 0, 0])


def test_a_nan_in_a_max_pool_layer_gets_the_gradient():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 2, 3] = np.nan  # bottom-right window, not its first pixel
    pool = ck.MaxPool2D(2)
    assert np.isnan(pool.forward(x)[0, 0, 1, 1])
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0, 2, 3] == 1.0 and dx[0, 0, 3, 3] == 0.0


def test_two_nans_in_a_window_send_the_gradient_to_the_first():
    x = np.array([[1.0, np.nan], [np.nan, 2.0]])
    for backward in MAX_POOL_BACKWARDS:
        np.testing.assert_array_equal(backward(np.ones((1, 1)), x, 2), [[0, 1], [0, 0]])


CONV_BACKWARDS = [ck.conv2d_backward, ck.conv2d_backward_im2col, ck.conv2d_backward_naive]


@pytest.mark.parametrize("backward", CONV_BACKWARDS)
@pytest.mark.parametrize(
    "where, stride, dilation",
    [
        ((7, 7), 2, 1),  # the last row/column that stride 2 drops
        ((2, 2), 1, 3),  # a pixel inside the dilated windows that no tap reads
    ],
)
def test_a_nan_no_window_reads_does_not_poison_the_weight_gradient(
    backward, where, stride, dilation
):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 1, 8, 5)), rng.normal(size=(2, 1, 3, 2))
    if dilation == 3:
        x, w = rng.normal(size=(1, 1, 5, 5)), rng.normal(size=(2, 1, 2, 2))
    clean = x.copy()
    x[(0, 0, *(min(i, n - 1) for i, n in zip(where, x.shape[2:])))] = np.nan
    out = ck.conv2d_naive(clean, w, None, stride, 0, dilation)
    assert not np.isnan(ck.conv2d(x, w, None, stride, 0, dilation)).any()  # really unread
    dout = rng.normal(size=out.shape)
    dx, dweight, dbias = backward(dout, x, w, stride, 0, dilation)
    expected = ck.conv2d_backward_naive(dout, clean, w, stride, 0, dilation)
    np.testing.assert_allclose(dweight, expected[1], rtol=1e-12)
    np.testing.assert_allclose(dx, expected[0], rtol=1e-12)


def test_a_nan_no_window_reads_leaves_the_conv_layer_gradient_alone():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 1, 8, 8))
    x[1, 0, 7, :] = np.nan  # the bottom row, which stride 2 with a 3x3 kernel drops
    layer = ck.Conv2D(1, 3, 3, stride=2, rng=0)
    out = layer.forward(x)
    assert not np.isnan(out).any()
    layer.backward(np.ones(out.shape))
    assert np.isfinite(layer.grads["weight"]).all()


def test_a_nan_a_window_reads_reaches_the_weight_gradient():
    """The other side: a pixel that is read does make the gradient NaN (no hiding)."""
    x = np.ones((1, 1, 5, 5))
    x[0, 0, 2, 2] = np.nan
    for backward in CONV_BACKWARDS:
        assert np.isnan(backward(np.ones((1, 1, 3, 3)), x, np.ones((1, 1, 3, 3)))[1]).all()


# ----------------------------------------------------------------- huge stride

HUGE = 10**12


@pytest.mark.parametrize("forward", [ck.conv2d, ck.conv2d_im2col, ck.conv2d_naive])
def test_a_huge_stride_gives_one_window(forward):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    out = forward(x, w, b, stride=HUGE, padding=1)
    np.testing.assert_allclose(out, ck.conv2d_naive(x, w, b, stride=(9, 8), padding=1), rtol=1e-12)
    assert out.shape == (2, 4, 1, 1)
    dout = np.ones((2, 4, 1, 4))  # stride (huge, 2): one row of windows, four columns
    expected = ck.conv2d_backward_naive(dout, x, w, (9, 2), 1)
    for backward in CONV_BACKWARDS:
        grads = backward(dout, x, w, (HUGE, 2), 1)
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(g, e, rtol=1e-12)


def test_a_huge_stride_in_layers_and_pooling():
    x = np.arange(50.0).reshape(1, 2, 5, 5)
    layer = ck.Conv2D(2, 3, 3, stride=HUGE, rng=0)
    out = layer.forward(x)
    assert out.shape == layer.output_shape(x.shape) == (1, 3, 1, 1)
    assert layer.backward(np.ones(out.shape)).shape == x.shape
    for forward in (ck.max_pool2d, ck.max_pool2d_windows, ck.max_pool2d_naive):
        np.testing.assert_array_equal(forward(x, 2, HUGE), [[[[6.0]], [[31.0]]]])
    for backward in MAX_POOL_BACKWARDS:
        assert backward(np.ones((1, 2, 1, 1)), x, 2, HUGE)[0, 0, 1, 1] == 1.0
    assert ck.MaxPool2D(2, HUGE).forward(x).shape == (1, 2, 1, 1)
    assert ck.conv_output_size(5, 3, HUGE) == ck.pool_output_size(5, 2, HUGE) == 1


def test_explain_output_size_answers_a_huge_stride_at_once():
    start = time.perf_counter()
    text = ck.explain_output_size(100, 3, stride=HUGE)
    assert time.perf_counter() - start < 0.5
    assert text.splitlines()[-1] == "out = 0 + 1 = 1"
    # 2*p + 97 must be a multiple of 10**12 - (odd) -> p = (10**12 - 97) / 2 is not whole;
    # the stride is even and the room 97 odd, so no equal padding fits
    assert "no equal padding on both sides fits" in text
    text = ck.explain_output_size(101, 3, stride=HUGE)  # room 98: padding (10**12 - 98) / 2
    assert f"padding={(HUGE - 98) // 2} on each side gives 2" in text


@pytest.mark.parametrize(
    "n, k, s, p",
    [(n, k, s, p) for n in range(3, 12) for k in (1, 2, 3) for s in range(1, 8) for p in (0, 1)],
)
def test_explain_output_size_suggests_the_smallest_padding_that_fits(n, k, s, p):
    """Checked against a walk over every extra padding, as a learner would try them."""
    text = ck.explain_output_size(n, k, stride=s, padding=p)
    room = n + 2 * p - k
    if room % s == 0:
        assert "to fit" not in text
        return
    fits = [e for e in range(1, 2 * s + 1) if (room + 2 * e) % s == 0]
    if fits:
        assert f"padding={p + fits[0]} on each side" in text
    else:
        assert "no equal padding on both sides fits" in text


# ----------------------------------------------------------------- empty batches


def test_empty_batches_give_empty_results_of_the_right_shape():
    x, w, b = np.ones((0, 3, 7, 6)), np.ones((4, 3, 3, 3)), np.ones(4)
    for forward in (ck.conv2d, ck.conv2d_im2col, ck.conv2d_naive):
        assert forward(x, w, b, stride=2, padding=1).shape == (0, 4, 4, 3)
    for backward in CONV_BACKWARDS:
        dx, dw, db = backward(np.ones((0, 4, 4, 3)), x, w, 2, 1)
        assert dx.shape == x.shape
        np.testing.assert_array_equal(dw, np.zeros(w.shape))  # no example, no gradient
        np.testing.assert_array_equal(db, np.zeros(4))
    for kind in ("max", "avg"):
        forwards, backwards = (
            ([ck.max_pool2d, ck.max_pool2d_windows, ck.max_pool2d_naive], MAX_POOL_BACKWARDS)
            if kind == "max"
            else (
                [ck.avg_pool2d, ck.avg_pool2d_windows, ck.avg_pool2d_naive],
                [
                    ck.avg_pool2d_backward,
                    ck.avg_pool2d_backward_windows,
                    ck.avg_pool2d_backward_naive,
                ],
            )
        )
        for forward in forwards:
            assert forward(x, 2).shape == (0, 3, 3, 3)
        for backward in backwards:
            assert backward(np.ones((0, 3, 3, 3)), x, 2).shape == x.shape


@pytest.mark.parametrize("layer, x", list(_layers_and_inputs()), ids=lambda v: type(v).__name__)
def test_layers_take_an_empty_batch(layer, x):
    empty = x[:0]
    out = layer.forward(empty)
    assert out.shape == (0, *layer.output_shape(x.shape[1:]))
    assert layer.backward(np.ones(out.shape)).shape == empty.shape
    for g in layer.grads.values():
        np.testing.assert_array_equal(g, 0)


def test_only_the_batch_axis_may_be_empty():
    with pytest.raises(ValueError, match="only the batch axis N may be 0"):
        ck.conv2d(np.ones((1, 0, 5, 5)), np.ones((1, 0, 3, 3)))
    with pytest.raises(ValueError, match="only the batch axis N may be 0"):
        ck.max_pool2d(np.ones((2, 1, 0, 4)), 2)
