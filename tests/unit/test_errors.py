"""Bad input gets a ValueError or TypeError that names the argument and its value.

Each case asserts the exception type and the words a learner needs to fix the call; none
may surface as a bare assert or as a numpy broadcasting error from deep inside.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import cnnkit as ck

X8 = np.zeros((1, 1, 8, 8))
W3 = np.zeros((1, 1, 3, 3))


def _params():
    return ck.Sequential(ck.Dense(2, 2, rng=0)).params()


def _fit(X, y, **kw):
    net = ck.Sequential(ck.Flatten(), ck.Dense(64, 10, rng=0))
    kw.setdefault("progress", "off")
    return ck.fit(net, X, y, 1, 4, ck.SGD(net.params(), lr=0.1), **kw)


# (id, call, exception type, substrings the message must contain)
CASES = [
    # stride: not an integer, not positive, a bad entry in a pair
    (
        "stride-float",
        lambda: ck.conv2d(X8, W3, stride=1.5),
        TypeError,
        ["stride=1.5", "whole number"],
    ),
    ("stride-str", lambda: ck.conv2d(X8, W3, stride="2"), TypeError, ["stride='2'"]),
    ("stride-zero", lambda: ck.conv2d(X8, W3, stride=0), ValueError, ["stride=0", "at least 1"]),
    ("stride-negative", lambda: ck.conv_output_size(8, 3, stride=-2), ValueError, ["stride=-2"]),
    (
        "stride-pair",
        lambda: ck.conv2d(X8, W3, stride=(1, 0)),
        ValueError,
        ["stride=(1, 0)", "0", "at least 1"],
    ),
    (
        "stride-numpy-int",
        lambda: ck.conv2d(X8, W3, stride=(1, np.int64(0))),
        ValueError,
        ["stride=(1, 0) contains 0"],
    ),  # numpy ints are shown as the number typed
    ("stride-pool", lambda: ck.max_pool2d(X8, 2, stride=0), ValueError, ["stride=0"]),
    ("stride-layer", lambda: ck.Conv2D(1, 2, 3, stride=2.0), TypeError, ["stride=2.0"]),
    # kernel size
    ("kernel-float", lambda: ck.conv_output_size(8, 2.5), TypeError, ["kernel_size=2.5"]),
    ("kernel-zero", lambda: ck.conv_output_size(8, 0), ValueError, ["kernel_size=0", "at least 1"]),
    ("kernel-layer-zero", lambda: ck.Conv2D(1, 2, 0), ValueError, ["kernel_size=0"]),
    (
        "kernel-layer-float",
        lambda: ck.Conv2D(1, 2, (3, 2.0)),
        TypeError,
        ["kernel_size=(3, 2.0)", "2.0"],
    ),
    ("kernel-pool-zero", lambda: ck.MaxPool2D(0), ValueError, ["kernel_size=0"]),
    ("kernel-pool-fn", lambda: ck.avg_pool2d(X8, -1), ValueError, ["kernel_size=-1"]),
    # dilation
    (
        "dilation-zero",
        lambda: ck.conv2d(X8, W3, dilation=0),
        ValueError,
        ["dilation=0", "at least 1"],
    ),
    ("dilation-float", lambda: ck.conv2d(X8, W3, dilation=1.5), TypeError, ["dilation=1.5"]),
    ("dilation-size", lambda: ck.conv_output_size(8, 3, dilation=-1), ValueError, ["dilation=-1"]),
    # padding
    (
        "padding-negative",
        lambda: ck.conv2d(X8, W3, padding=-1),
        ValueError,
        ["padding=-1", "negative"],
    ),
    (
        "padding-pair-negative",
        lambda: ck.conv2d(X8, W3, padding=(1, -2)),
        ValueError,
        ["padding=(1, -2)", "-2", "negative"],
    ),
    ("padding-size", lambda: ck.conv_output_size(8, 3, padding=-3), ValueError, ["padding=-3"]),
    ("padding-float", lambda: ck.conv2d(X8, W3, padding=0.5), TypeError, ["padding=0.5"]),
    (
        "padding-word",
        lambda: ck.conv2d(X8, W3, padding="full"),
        ValueError,
        ["padding='full'", "'valid'", "'same'"],
    ),
    (
        "padding-three",
        lambda: ck.conv2d(X8, W3, padding=(1, 1, 1)),
        ValueError,
        ["padding=(1, 1, 1)", "pair"],
    ),
    ("padding-layer", lambda: ck.Conv2D(1, 2, 3, padding=-1), ValueError, ["padding=-1"]),
    (
        "padding-pool-size",
        lambda: ck.pool_output_size(8, 2, padding=2),
        ValueError,
        ["padding=2", "kernel_size=2"],
    ),
    # "same" needs stride 1
    (
        "same-stride",
        lambda: ck.conv2d(X8, W3, padding="same", stride=2),
        ValueError,
        ["padding='same'", "stride=", "2"],
    ),
    (
        "same-stride-size",
        lambda: ck.conv_output_size(8, 3, stride=3, padding="same"),
        ValueError,
        ["padding='same'", "stride="],
    ),
    (
        "same-stride-layer",
        lambda: ck.Conv2D(1, 2, 3, stride=2, padding="same"),
        ValueError,
        ["padding='same'", "stride="],
    ),
    # kernel larger than the padded input
    (
        "kernel-too-big-dilated",
        lambda: ck.conv2d(X8, W3, dilation=4),
        ValueError,
        ["dilated kernel", "9", "8 + 2*0 = 8"],
    ),
    (
        "kernel-too-big-pool",
        lambda: ck.max_pool2d(X8, 9),
        ValueError,
        ["kernel_size=9", "larger than", "8"],
    ),
    (
        "kernel-too-big-layer",
        lambda: ck.Conv2D(1, 2, 5).forward(np.zeros((1, 1, 4, 4))),
        ValueError,
        ["kernel_size=5", "larger than"],
    ),
    # channels, dimensions, bias
    (
        "channels",
        lambda: ck.conv2d(np.zeros((1, 3, 8, 8)), W3),
        ValueError,
        ["3 channels", "(1, 3, 8, 8)", "(1, 1, 3, 3)"],
    ),
    (
        "channels-layer",
        lambda: ck.Conv2D(3, 2, 3).forward(X8),
        ValueError,
        ["1 channels", "expects 3"],
    ),
    (
        "ndim-5",
        lambda: ck.conv2d(np.zeros((1, 1, 1, 8, 8)), W3),
        ValueError,
        ["x must have shape", "5 dimensions", "(1, 1, 1, 8, 8)"],
    ),
    ("ndim-1", lambda: ck.conv2d(np.zeros(8), W3), ValueError, ["x must have shape", "(8,)"]),
    (
        "ndim-weight",
        lambda: ck.conv2d(X8, np.zeros((1, 3, 3))),
        ValueError,
        ["weight must have shape", "(1, 3, 3)"],
    ),
    (
        "ndim-2d-image-4d-kernel",
        lambda: ck.conv2d(np.zeros((8, 8)), W3),
        ValueError,
        ["(8, 8)", "weight", "(1, 1, 3, 3)"],
    ),
    (
        "ndim-layer",
        lambda: ck.Conv2D(1, 2, 3).forward(np.zeros((1, 8, 8))),
        ValueError,
        ["x must have shape (N, C, H, W)", "(1, 8, 8)", "x[None]"],
    ),
    (
        "ndim-pool",
        lambda: ck.max_pool2d(np.zeros((1, 1, 1, 8, 8)), 2),
        ValueError,
        ["5 dimensions", "(1, 1, 1, 8, 8)"],
    ),
    (
        "ndim-dense",
        lambda: ck.Dense(10, 3).forward(np.zeros((2, 1, 2, 5))),
        ValueError,
        ["x must have 2 dimensions", "(2, 1, 2, 5)"],
    ),
    (
        "bias-length",
        lambda: ck.conv2d(X8, W3, bias=np.zeros(2)),
        ValueError,
        ["bias must have shape (1,)", "(2,)"],
    ),
    (
        "bias-2d",
        lambda: ck.conv2d(X8, np.zeros((4, 1, 3, 3)), bias=np.zeros((4, 1))),
        ValueError,
        ["bias must have shape (4,)", "(4, 1)"],
    ),
    (
        "x-strings",
        lambda: ck.conv2d(np.array([["a"]]), W3),
        TypeError,
        ["x must be an array of numbers"],
    ),
    (
        "dout-shape",
        lambda: ck.conv2d_backward(np.zeros((1, 1, 5, 5)), X8, W3),
        ValueError,
        ["dout", "(1, 1, 6, 6)", "(1, 1, 5, 5)"],
    ),
    (
        "dout-shape-pool",
        lambda: ck.max_pool2d_backward(np.zeros((1, 1, 5, 5)), X8, 2),
        ValueError,
        ["dout", "(1, 1, 4, 4)", "(1, 1, 5, 5)"],
    ),
    # labels
    (
        "labels-too-big",
        lambda: ck.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
        ValueError,
        ["labels has a label 3", "0..2"],
    ),
    (
        "labels-negative",
        lambda: ck.softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 0])),
        ValueError,
        ["labels has a label -1", "0..2"],
    ),
    (
        "labels-fractional",
        lambda: ck.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 0.0])),
        TypeError,
        ["labels must be whole", "float64"],
    ),
    (
        "labels-count",
        lambda: ck.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])),
        ValueError,
        ["labels must have shape (2,)", "(3,)"],
    ),
    (
        "labels-in-fit",
        lambda: _fit(np.zeros((8, 1, 8, 8)), np.full(8, 10)),
        ValueError,
        ["y has a label 10", "0..9"],
    ),
    # layers
    (
        "dense-in-features",
        lambda: ck.Dense(10, 3).forward(np.zeros((2, 12))),
        ValueError,
        ["Dense(10, 3)", "10 features", "(2, 12)"],
    ),
    (
        "dense-in-sequential",
        lambda: ck.Sequential(ck.Flatten(), ck.Dense(60, 2)).forward(X8),
        ValueError,
        ["Dense(60, 2)", "60", "(1, 64)"],
    ),
    ("dense-zero", lambda: ck.Dense(0, 3), ValueError, ["in_features=0"]),
    ("conv-channels-zero", lambda: ck.Conv2D(0, 3, 3), ValueError, ["in_channels=0"]),
    ("conv-channels-float", lambda: ck.Conv2D(1, 2.5, 3), TypeError, ["out_channels=2.5"]),
    (
        "summary-input",
        lambda: ck.digits_cnn().summary((3, 8, 8)),
        ValueError,
        ["layer 0", "(3, 8, 8)", "1 input channels"],
    ),
    ("sequential-class", lambda: ck.Sequential(ck.ReLU), TypeError, ["layer 0", "instances"]),
    # SGD
    ("sgd-lr-zero", lambda: ck.SGD(_params(), lr=0), ValueError, ["lr=0", "positive"]),
    ("sgd-lr-negative", lambda: ck.SGD(_params(), lr=-0.1), ValueError, ["lr=-0.1", "positive"]),
    ("sgd-lr-nan", lambda: ck.SGD(_params(), lr=float("nan")), ValueError, ["lr=nan"]),
    ("sgd-lr-string", lambda: ck.SGD(_params(), lr="0.1"), TypeError, ["lr='0.1'", "number"]),
    ("sgd-lr-none", lambda: ck.SGD(_params(), lr=None), TypeError, ["lr=None", "number"]),
    (
        "sgd-momentum",
        lambda: ck.SGD(_params(), lr=0.1, momentum=1.0),
        ValueError,
        ["momentum=1.0", "[0, 1)"],
    ),
    (
        "sgd-momentum-string",
        lambda: ck.SGD(_params(), lr=0.1, momentum="0.9"),
        TypeError,
        ["momentum='0.9'"],
    ),
    (
        "sgd-weight-decay",
        lambda: ck.SGD(_params(), lr=0.1, weight_decay=-1),
        ValueError,
        ["weight_decay=-1"],
    ),
    (
        "sgd-model-not-params",
        lambda: ck.SGD(ck.Sequential(ck.Dense(2, 2)), lr=0.1),
        TypeError,
        ["params must be a list", "a model", "model.params()"],
    ),
    ("sgd-empty", lambda: ck.SGD([], lr=0.1), ValueError, ["params is empty"]),
    # fit / evaluate / data
    (
        "fit-x-y",
        lambda: _fit(np.zeros((10, 1, 8, 8)), np.zeros(9, int)),
        ValueError,
        ["X has 10 examples", "y has shape (9,)"],
    ),
    (
        "fit-val",
        lambda: _fit(
            np.zeros((8, 1, 8, 8)),
            np.zeros(8, int),
            X_val=np.zeros((5, 1, 8, 8)),
            y_val=np.zeros(4, int),
        ),
        ValueError,
        ["X_val has 5 examples", "y_val has shape (4,)"],
    ),
    (
        "fit-val-half",
        lambda: _fit(np.zeros((8, 1, 8, 8)), np.zeros(8, int), X_val=np.zeros((5, 1, 8, 8))),
        ValueError,
        ["X_val", "y_val"],
    ),
    (
        "fit-epochs",
        lambda: ck.fit(
            ck.Sequential(ck.Flatten(), ck.Dense(64, 10)),
            np.zeros((4, 1, 8, 8)),
            np.zeros(4, int),
            0,
            2,
            ck.SGD(_params(), lr=0.1),
            progress="off",
        ),
        ValueError,
        ["epochs=0"],
    ),
    (
        "fit-batch-size",
        lambda: ck.fit(
            ck.Sequential(ck.Flatten(), ck.Dense(64, 10)),
            np.zeros((4, 1, 8, 8)),
            np.zeros(4, int),
            1,
            2.5,
            ck.SGD(_params(), lr=0.1),
            progress="off",
        ),
        TypeError,
        ["batch_size=2.5"],
    ),
    (
        "fit-optimizer",
        lambda: ck.fit(
            ck.Sequential(ck.Flatten(), ck.Dense(64, 10)),
            np.zeros((4, 1, 8, 8)),
            np.zeros(4, int),
            1,
            2,
            0.1,
            progress="off",
        ),
        TypeError,
        ["optimizer=0.1", "step"],
    ),
    (
        "fit-progress",
        lambda: _fit(np.zeros((4, 1, 8, 8)), np.zeros(4, int), progress="fancy"),
        ValueError,
        ["progress='fancy'"],
    ),
    (
        "fit-other-optimizer",
        lambda: ck.fit(
            ck.Sequential(ck.Flatten(), ck.Dense(64, 10)),
            np.zeros((4, 1, 8, 8)),
            np.zeros(4, int),
            1,
            2,
            ck.SGD(_params(), lr=0.1),
            progress="off",
        ),
        ValueError,
        ["optimizer does not update this model", "SGD(model.params()"],
    ),
    (
        "evaluate-x-y",
        lambda: ck.evaluate(
            ck.Sequential(ck.Flatten(), ck.Dense(64, 10)),
            np.zeros((10, 1, 8, 8)),
            np.zeros(11, int),
        ),
        ValueError,
        ["X has 10 examples", "y has shape (11,)"],
    ),
    (
        "split-lengths",
        lambda: ck.train_test_split(np.zeros(5), np.zeros(4)),
        ValueError,
        ["X has 5", "y has 4"],
    ),
    (
        "split-test-size",
        lambda: ck.train_test_split(np.zeros(5), np.zeros(5), test_size=20),
        ValueError,
        ["test_size=20"],
    ),
    ("sample-size", lambda: ck.sample_image(size=0), ValueError, ["size=0"]),
    ("output-size-n", lambda: ck.conv_output_size(0, 3), ValueError, ["n=0"]),
    (
        "relative-error-shapes",
        lambda: ck.relative_error(np.zeros(3), np.zeros(2)),
        ValueError,
        ["same shape"],
    ),
]


@pytest.mark.parametrize("call, exc, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_a_clear_error(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc  # exactly the documented type, not a subclass from numpy
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    # numpy's own wording would mean the check happened too late
    assert "broadcast" not in message and "could not be" not in message


def test_kernel_larger_than_padded_input_message_is_exact():
    with pytest.raises(ValueError) as info:
        ck.conv2d(X8, np.zeros((1, 1, 11, 11)))
    assert str(info.value) == (
        "kernel_size=11 is larger than the padded input (8 + 2*0 = 8); "
        "use a smaller kernel or more padding"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: ck.conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 11, 11))),
        lambda: ck.conv2d_naive(np.zeros((8, 8)), np.zeros((11, 11))),
        lambda: ck.conv_output_size(8, 11),
    ],
)
def test_kernel_larger_message_everywhere(call):
    pattern = re.escape(
        "kernel_size=11 is larger than the padded input (8 + 2*0 = 8); "
        "use a smaller kernel or more padding"
    )
    with pytest.raises(ValueError, match=pattern):
        call()


def test_kernel_larger_with_padding_shows_the_sum():
    with pytest.raises(ValueError, match=re.escape("(8 + 2*1 = 10)")):
        ck.conv2d(X8, np.zeros((1, 1, 11, 11)), padding=1)


@pytest.mark.parametrize("fn", [ck.conv2d, ck.conv2d_naive])
def test_no_numpy_error_for_any_mismatch(fn):
    """A grid of wrong shapes: every one is a ValueError from cnnkit's own checks, quoting
    the shapes involved, never an error from inside a numpy call."""
    bad = [
        (np.zeros((2, 3, 8, 8)), np.zeros((4, 2, 3, 3)), None, ["3 channels", "(4, 2, 3, 3)"]),
        (np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3)), np.zeros(3), ["bias", "(3,)", "(4,)"]),
        (np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3)), None, ["weight", "(4, 3, 3)"]),
        (np.zeros((3, 8)), np.zeros((4, 3, 3, 3)), None, ["(3, 8)", "(4, 3, 3, 3)"]),
        (np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 9, 3)), None, ["kernel_size=9", "8 + 2*0 = 8"]),
    ]
    for x, w, b, words in bad:
        with pytest.raises(ValueError) as info:
            fn(x, w, b)
        for word in words:
            assert word in str(info.value), (word, str(info.value))
        assert info.traceback[-1].path.name in (
            "conv.py",
            "shapes.py",
            "_validate.py",
            "arguments.py",
        )
