"""Sequential: layers in order, params for SGD, backward without accumulation, summary."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import (
    Conv2D,
    Dense,
    Flatten,
    MaxPool2D,
    ReLU,
    Sequential,
    digits_cnn,
    softmax_cross_entropy,
)


def small_net():
    return Sequential(
        Conv2D(1, 4, 3, padding=1, rng=0),
        ReLU(),
        MaxPool2D(2),
        Conv2D(4, 6, 2, stride=2, rng=1),
        ReLU(),
        Flatten(),
        Dense(6 * 2 * 2, 5, rng=2),
    )


def test_layers_are_a_list_in_order():
    layers = [Conv2D(1, 2, 3, rng=0), ReLU(), Flatten(), Dense(2 * 6 * 6, 3, rng=0)]
    net = Sequential(*layers)
    assert isinstance(net.layers, list)
    assert all(a is b for a, b in zip(net.layers, layers)) and len(net.layers) == 4
    assert len(net) == 4 and net[0] is layers[0]


def test_forward_runs_layers_in_order(rng):
    net = small_net()
    x = rng.normal(size=(3, 1, 8, 8))
    h = x
    for layer in net.layers:
        h = layer.forward(h)
    np.testing.assert_array_equal(net.forward(x), h)
    assert net(x).shape == (3, 5)
    outs = net.forward_all(x)
    assert len(outs) == len(net.layers) + 1 and outs[0] is x
    np.testing.assert_array_equal(outs[-1], h)


def test_params_are_the_trainable_layers_dicts():
    net = small_net()
    pairs = net.params()
    trainable = [layer for layer in net.layers if isinstance(layer, (Conv2D, Dense))]
    assert len(pairs) == len(trainable) == 3
    for (params, grads), layer in zip(pairs, trainable):
        assert params is layer.params and grads is layer.grads
        assert set(params) == {"weight", "bias"}


def test_backward_chains_the_layers(rng):
    net = small_net()
    x = rng.normal(size=(2, 1, 8, 8))
    g = rng.normal(size=net.forward(x).shape)
    dx = net.backward(g)
    d = g
    for layer in reversed(net.layers):
        d = layer.backward(d)
    np.testing.assert_array_equal(dx, d)
    assert dx.shape == x.shape


def test_backward_overwrites_grads_no_accumulation(rng):
    net = small_net()
    x, y = rng.normal(size=(4, 1, 8, 8)), np.array([0, 1, 2, 3])
    _, d = softmax_cross_entropy(net.forward(x), y)
    net.backward(d)
    first = [{k: v.copy() for k, v in grads.items()} for _, grads in net.params()]
    net.forward(x)
    net.backward(d)
    for before, (_, grads) in zip(first, net.params()):
        for k in before:
            np.testing.assert_array_equal(grads[k], before[k])
    net.zero_grad()
    assert all(np.all(g == 0) for _, grads in net.params() for g in grads.values())


def lenet_like():
    """conv-relu-pool-conv-relu-pool-flatten-dense for 8x8 images."""
    return Sequential(
        Conv2D(1, 16, 3, padding=1, rng=0),
        ReLU(),
        MaxPool2D(2),
        Conv2D(16, 32, 3, padding=1, rng=1),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(32 * 2 * 2, 10, rng=2),
    )


def test_summary_rows_and_table():
    net = lenet_like()
    summary = net.summary((1, 8, 8))
    # Shapes worked out by hand: 3x3 kernels with padding 1 keep 8x8, each pool halves.
    shapes = [(16, 8, 8), (16, 8, 8), (16, 4, 4), (32, 4, 4), (32, 4, 4), (32, 2, 2), (128,), (10,)]
    # Parameters from the layer shapes: F*C*KH*KW + F for convs, out*in + out for Dense.
    params = [1 * 16 * 3 * 3 + 16, 0, 0, 16 * 32 * 3 * 3 + 32, 0, 0, 0, 128 * 10 + 10]
    rows = list(summary.rows)
    assert len(rows) == len(net.layers)
    assert [tuple(r.output_shape) for r in rows] == shapes
    # Nodes are neurons (a weighted sum plus a bias): only Conv2D and Dense have them.
    has_nodes = [True, False, False, True, False, False, False, True]
    assert [r.nodes for r in rows] == [
        int(np.prod(s)) if n else 0 for s, n in zip(shapes, has_nodes)
    ]
    assert summary.total_nodes == 16 * 8 * 8 + 32 * 4 * 4 + 10
    assert [r.params for r in rows] == params
    assert summary.total_params == sum(params) == 6090
    assert net.n_params == 6090
    assert summary.total_params == sum(p.size for ps, _ in net.params() for p in ps.values())
    text = str(summary)
    for word in ("layer", "output shape", "nodes", "parameters", "total"):
        assert word in text
    for layer, row in zip(net.layers, rows):
        assert repr(layer) in text
        assert row.name == repr(layer)
    assert "6,090" in text and "1,024" in text and "4,640" in text
    relu_line = next(line for line in text.splitlines() if line.startswith("ReLU()"))
    assert relu_line.split()[-2] == "-"  # a ReLU adds no nodes of its own


def _expected_params(layer):
    if isinstance(layer, Conv2D):
        kh, kw = layer.kernel_size
        return layer.out_channels * layer.in_channels * kh * kw + layer.out_channels
    if isinstance(layer, Dense):
        return layer.out_features * layer.in_features + layer.out_features
    return 0


def test_digits_cnn_summary_agrees_with_a_forward_pass_and_the_layer_shapes():
    net = digits_cnn()
    summary = net.summary((1, 8, 8))
    outs = net.forward_all(np.zeros((1, 1, 8, 8)))[1:]
    assert len(summary.rows) == len(net.layers) == len(outs)
    for layer, row, out in zip(net.layers, summary.rows, outs):
        assert tuple(row.output_shape) == out.shape[1:]
        assert row.nodes == (out[0].size if isinstance(layer, (Conv2D, Dense)) else 0)
        assert row.params == _expected_params(layer) == layer.n_params
    assert summary.rows[-1].output_shape == (10,)
    assert summary.total_params == sum(_expected_params(layer) for layer in net.layers)
    assert summary.total_nodes == sum(
        out[0].size for layer, out in zip(net.layers, outs) if isinstance(layer, (Conv2D, Dense))
    )


def test_summary_of_rgb_input_matches_a_forward_pass(rng):
    net = Sequential(
        Conv2D(3, 28, 6, stride=4, rng=0), ReLU(), Flatten(), Dense(28 * 31 * 31, 2, rng=0)
    )
    summary = net.summary((3, 128, 128))
    assert summary.rows[0].output_shape == (28, 31, 31)
    assert summary.rows[0].nodes == 28 * 31 * 31
    assert summary.rows[0].params == 28 * 3 * 6 * 6 + 28
    outs = net.forward_all(rng.normal(size=(1, 3, 128, 128)))
    for row, out in zip(summary.rows, outs[1:]):
        assert tuple(row.output_shape) == out.shape[1:]


def test_summary_names_the_layer_that_does_not_fit():
    net = Sequential(Conv2D(1, 4, 3, rng=0), Flatten(), Dense(100, 10, rng=0))
    with pytest.raises(ValueError, match=r"layer 2 .*Dense\(100, 10\).*100"):
        net.summary((1, 8, 8))


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match=r"layer 1 .*ReLU\(\)"):
        Sequential(Conv2D(1, 2, 3), ReLU)


def test_summary_says_why_batch_norm_has_parameters_but_no_nodes():
    import cnnkit as ck

    with_bn = ck.Sequential(ck.Conv2D(1, 4, 3, rng=0), ck.BatchNorm2D(4), ck.ReLU())
    text = str(with_bn.summary((1, 8, 8)))
    assert "BatchNorm2D has none either" in text
    assert "BatchNorm2D has none" not in str(ck.digits_cnn().summary((1, 8, 8)))
