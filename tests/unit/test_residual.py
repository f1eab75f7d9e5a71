"""Residual blocks: out = body(x) + shortcut(x), gradients down both paths, PyTorch-style
parameter names shared with the inner layers (so SGD trains them), modes, the summary.

The same blocks are compared with PyTorch in tests/oracle/test_modern_blocks_oracle.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit as ck


def basic_block(c=4, seed=0):
    return ck.Residual(
        ck.Conv2D(c, c, 3, padding=1, rng=seed),
        ck.BatchNorm2D(c),
        ck.ReLU(),
        ck.Conv2D(c, c, 3, padding=1, rng=seed + 1),
        ck.BatchNorm2D(c),
    )


def down_block(cin=4, cout=6, seed=0):
    return ck.Residual(
        ck.Conv2D(cin, cout, 3, stride=2, padding=1, rng=seed),
        ck.BatchNorm2D(cout),
        shortcut=ck.Conv2D(cin, cout, 1, stride=2, rng=seed + 1),
    )


def test_forward_is_body_plus_input():
    block = basic_block()
    x = np.random.default_rng(0).normal(size=(3, 4, 5, 5))
    h = x
    for layer in block.body.layers:
        h = layer.forward(h)
    np.testing.assert_allclose(block.forward(x), h + x, rtol=1e-14)


def test_forward_with_a_shortcut_is_body_plus_shortcut():
    block = down_block()
    x = np.random.default_rng(1).normal(size=(2, 4, 6, 6))
    body = block.body.forward(x)
    skip = block.shortcut.forward(x)
    np.testing.assert_allclose(block.forward(x), body + skip, rtol=1e-14)
    assert block.forward(x).shape == (2, 6, 3, 3) == (2, *block.output_shape((4, 6, 6)))


def test_a_body_of_zeros_passes_the_gradient_straight_through():
    """With every weight of the body at zero, the block is the identity and dx = dout."""
    block = ck.Residual(ck.Conv2D(2, 2, 3, padding=1, rng=0), ck.ReLU())
    block.body[0].params["weight"][...] = 0
    x = np.random.default_rng(2).normal(size=(2, 2, 4, 4))
    np.testing.assert_array_equal(block.forward(x), x)
    dout = np.random.default_rng(3).normal(size=x.shape)
    np.testing.assert_array_equal(block.backward(dout), dout)


@pytest.mark.parametrize(
    "make, cancelled",
    [(basic_block, ["body.0.bias", "body.3.bias"]), (down_block, ["body.0.bias"])],
    ids=["identity", "conv-shortcut"],
)
def test_gradients_match_finite_differences(make, cancelled):
    x = np.random.default_rng(4).normal(size=(3, 4, 4, 4))
    block = make()
    errors = ck.check_layer_gradients(block, x)
    # A conv bias right before batch norm (training mode) has gradient 0: the batch mean
    # takes it away again. Both gradients are then rounding noise, their ratio meaningless.
    for key in cancelled:
        assert np.abs(block.grads[key]).max() < 1e-12
        errors.pop(key)
    assert max(errors.values()) < 1e-6, errors
    block.eval()  # in evaluation mode the biases count
    assert max(ck.check_layer_gradients(block, x).values()) < 1e-6


def test_params_are_the_inner_layers_arrays_with_pytorch_names():
    block = down_block()
    assert list(block.params) == [
        "body.0.weight",
        "body.0.bias",
        "body.1.weight",
        "body.1.bias",
        "shortcut.weight",
        "shortcut.bias",
    ]
    assert block.params["body.0.weight"] is block.body[0].params["weight"]
    assert block.params["shortcut.weight"] is block.shortcut.params["weight"]
    assert block.n_params == 4 * 6 * 9 + 6 + 12 + 4 * 6 + 6
    nested = ck.Residual(ck.ReLU(), basic_block(), shortcut=ck.Sequential(ck.Conv2D(4, 4, 1)))
    assert "body.1.body.3.weight" in nested.params and "shortcut.0.weight" in nested.params


def test_the_block_follows_an_inner_array_that_was_replaced():
    block = basic_block()
    block.body[0].params["weight"] = np.zeros((4, 4, 3, 3))
    block.forward(np.ones((2, 4, 3, 3)))
    assert block.params["body.0.weight"] is block.body[0].params["weight"]


def test_backward_refreshes_the_grads_and_sgd_updates_the_inner_layers():
    block = down_block()
    net = ck.Sequential(block, ck.GlobalAvgPool2D(), ck.Dense(6, 3, rng=9))
    x, y = np.random.default_rng(5).normal(size=(4, 4, 6, 6)), np.array([0, 1, 2, 0])
    _, dlogits = ck.softmax_cross_entropy(net.forward(x), y)
    net.backward(dlogits)
    for key, layer, name in block._named():
        assert block.grads[key] is layer.grads[name]
    assert np.abs(block.grads["shortcut.weight"]).sum() > 0
    before = block.shortcut.params["weight"].copy()
    grad = block.grads["shortcut.weight"].copy()
    ck.SGD(net.params(), lr=0.5).step()
    np.testing.assert_allclose(block.shortcut.params["weight"], before - 0.5 * grad, rtol=1e-14)


def test_modes_reach_every_layer_inside():
    block = ck.Residual(
        ck.Conv2D(2, 2, 1), ck.BatchNorm2D(2), shortcut=ck.Sequential(ck.BatchNorm2D(2))
    )
    net = ck.Sequential(block)
    net.eval()
    assert not block.training and not block.body[1].training and not block.shortcut[0].training
    net.train()
    assert block.training and block.body[1].training and block.shortcut[0].training
    block.eval()
    ck.predict_proba(ck.Sequential(block, ck.GlobalAvgPool2D()), np.ones((2, 2, 3, 3)))
    assert not block.training  # restored


def test_the_summary_shows_the_block_and_the_layers_inside_it():
    net = ck.Sequential(ck.Conv2D(1, 4, 3, padding=1, rng=0), basic_block(), down_block())
    summary = net.summary((1, 6, 6))
    block_row, down_row = summary.rows[1], summary.rows[2]
    assert block_row.name == "Residual: body(x) + x" and block_row.output_shape == (4, 6, 6)
    assert [p.output_shape for p in block_row.parts] == [(4, 6, 6)] * 6
    assert block_row.parts[-1].name == "shortcut: identity, x itself"
    assert block_row.nodes == 2 * 4 * 6 * 6  # the two conv layers' nodes
    assert block_row.params == basic_block().n_params == sum(p.params for p in block_row.parts)
    assert down_row.output_shape == (6, 3, 3)
    assert [p.name.split()[0] for p in down_row.parts] == ["body.0", "body.1", "shortcut"]
    assert summary.total_params == net.n_params  # the inner layers are not counted twice
    text = str(summary)
    assert "\n  body.0 Conv2D(4, 4, kernel_size=3, padding=1)" in text
    assert "\n  shortcut Conv2D(4, 6, kernel_size=1, stride=2)" in text


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (
            lambda: ck.Residual(ck.Conv2D(4, 6, 3, stride=2, padding=1)).forward(
                np.ones((1, 4, 7, 7))
            ),
            ValueError,
            ("(1, 6, 4, 4)", "(1, 4, 7, 7)", "shortcut=Conv2D(4, 6, kernel_size=1, stride=2)"),
        ),
        (
            lambda: ck.Residual(ck.Conv2D(4, 4, 3)).output_shape((4, 8, 8)),
            ValueError,
            ("(4, 6, 6)", "(4, 8, 8)", "padding"),
        ),
        (
            lambda: ck.Residual(ck.Conv2D(4, 6, 1), shortcut=ck.Conv2D(4, 5, 1)).forward(
                np.ones((1, 4, 3, 3))
            ),
            ValueError,
            ("(1, 6, 3, 3)", "(1, 5, 3, 3)", "change the shortcut or the body"),
        ),
        (lambda: ck.Residual(), ValueError, ("no layers", "Residual(Conv2D")),
        (lambda: ck.Residual([ck.ReLU()]), TypeError, ("Residual(*layers)",)),
        (lambda: ck.Residual(ck.ReLU), TypeError, ("layer 0", "instances")),
        (lambda: ck.Residual(ck.ReLU(), shortcut="conv"), TypeError, ("shortcut='conv'",)),
        (lambda: basic_block().backward(np.ones((1, 4, 3, 3))), RuntimeError, ("before forward",)),
        (lambda: basic_block().train("yes"), TypeError, ("mode='yes'",)),
    ],
)
def test_bad_inputs_are_named(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_model_with_residual_blocks_learns():
    X, y = ck.load_digits()
    net = ck.Sequential(
        ck.Conv2D(1, 8, 3, padding=1, rng=0),
        ck.BatchNorm2D(8),
        ck.ReLU(),
        ck.Residual(
            ck.Conv2D(8, 8, 3, padding=1, rng=1),
            ck.BatchNorm2D(8),
            ck.ReLU(),
            ck.Conv2D(8, 8, 3, padding=1, rng=2),
            ck.BatchNorm2D(8),
        ),
        ck.ReLU(),
        ck.GlobalAvgPool2D(),
        ck.Dense(8, 10, rng=3),
    )
    opt = ck.SGD(net.params(), lr=0.1, momentum=0.9)
    history = ck.fit(net, X[:320], y[:320], 5, 32, opt, progress="off")
    assert history.train_loss[-1] < 0.8 * history.train_loss[0]
