"""The course's digits network, built in one place so the notebooks, tests and benchmarks
train exactly the same model.

Train it with the settings in :data:`DIGITS_TRAINING`::

    model = digits_cnn(seed)
    optimizer = SGD(model.params(), lr=DIGITS_TRAINING["lr"],
                    momentum=DIGITS_TRAINING["momentum"])
    fit(model, X_train, y_train, DIGITS_TRAINING["epochs"], DIGITS_TRAINING["batch_size"],
        optimizer)

On the stratified 80/20 split of the shipped digits (``train_test_split(X, y,
test_size=0.2, seed=0)``) this reaches about 98% test accuracy in a few seconds.
"""

from __future__ import annotations

from . import _validate as check
from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from .model import Sequential

__all__ = ["digits_cnn", "digits_cnn_without_pooling", "digits_mlp", "DIGITS_TRAINING"]

#: Training settings that reach high test accuracy on the shipped digits in seconds:
#: minibatch SGD with momentum (see :class:`cnnkit.SGD` and :func:`cnnkit.fit`).
DIGITS_TRAINING = {"epochs": 8, "batch_size": 32, "lr": 0.05, "momentum": 0.9}


def _whole_seed(value: object, function: str) -> int:
    """A seed >= 0 (not None: the layers get seeds seed, seed + 1, ...)."""
    seed = check.seed(value)
    if seed is None:
        raise TypeError(
            f"seed=None: {function} needs a whole number >= 0, such as 0, so that "
            "its layers get seeds seed, seed + 1, ..."
        )
    return seed


def digits_cnn(seed: int = 0, channels: tuple[int, int, int] = (16, 32, 64)) -> Sequential:
    """A small CNN for 8x8 digits: three 3x3 conv layers (padding 1) and two max poolings.

    Two conv layers look at the full 8x8 image before the first pooling, so fine strokes
    are still there when the second layer combines them; the third works on 4x4 maps::

        (1, 8, 8) -conv-> (16, 8, 8) -conv-> (32, 8, 8) -pool-> (32, 4, 4)
                  -conv-> (64, 4, 4) -pool-> (64, 2, 2) -flatten-> 256 -dense-> 10

    Parameters
    ----------
    seed : int
        A whole number >= 0; seeds the initial weights (each layer from its own seed
        derived from this one).
    channels : three ints
        Kernels in the first, second and third conv layer.

    Returns
    -------
    Sequential
        Input (N, 1, 8, 8), output (N, 10): one score (logit) per digit.

    Examples
    --------
    >>> digits_cnn().summary((1, 8, 8)).rows[-1].output_shape
    (10,)
    """
    seed = _whole_seed(seed, "digits_cnn")
    sizes = check.shape(channels, "channels", "(16, 32, 64)")
    if len(sizes) != 3:
        raise ValueError(
            f"channels={channels!r} must be three whole numbers, one per conv "
            "layer, e.g. (16, 32, 64)"
        )
    c1, c2, c3 = sizes
    return Sequential(
        Conv2D(1, c1, 3, padding=1, rng=seed),
        ReLU(),
        Conv2D(c1, c2, 3, padding=1, rng=seed + 1),
        ReLU(),
        MaxPool2D(2),
        Conv2D(c2, c3, 3, padding=1, rng=seed + 2),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(c3 * 2 * 2, 10, rng=seed + 3),
    )


def digits_mlp(seed: int = 0, hidden: tuple[int, ...] = (256,)) -> Sequential:
    """A dense network (multilayer perceptron) for 8x8 digits, to compare with the CNN.

    The image is flattened to 64 numbers at once, so every hidden node has its own weight
    for every pixel: nothing is shared between positions::

        (1, 8, 8) -flatten-> 64 -dense-> 256 -relu-> -dense-> 10

    Parameters
    ----------
    seed : int
        Seeds the initial weights (each layer from its own seed derived from this one).
    hidden : tuple of ints
        Nodes of each hidden Dense layer (each followed by ReLU).

    Returns
    -------
    Sequential
        Input (N, 1, 8, 8), output (N, 10).

    Examples
    --------
    >>> digits_mlp().summary((1, 8, 8)).rows[-1].output_shape
    (10,)
    """
    seed = _whole_seed(seed, "digits_mlp")
    hidden = check.shape(hidden, "hidden", "(256,)")
    for a, b in zip((64,) + hidden, hidden + (10,)):
        check.weight_shape((a, b), f"hidden={hidden!r}")
    layers: list = [Flatten()]
    width = 64
    for i, h in enumerate(hidden):
        layers += [Dense(width, h, rng=seed + i), ReLU()]
        width = h
    layers.append(Dense(width, 10, rng=seed + len(hidden)))
    return Sequential(*layers)


def digits_cnn_without_pooling(
    seed: int = 0, channels: tuple[int, int, int] = (16, 32, 64)
) -> Sequential:
    """:func:`digits_cnn` with its two max poolings left out, to measure what pooling buys.

    The three conv layers (3x3, padding 1) keep the full 8x8 size, so the Dense layer
    reads every position of the last feature maps::

        (1, 8, 8) -conv-> (16, 8, 8) -conv-> (32, 8, 8) -conv-> (64, 8, 8) -flatten-> 4096
                  -dense-> 10

    Examples
    --------
    >>> digits_cnn_without_pooling().summary((1, 8, 8)).rows[-2].output_shape
    (4096,)
    """
    seed = _whole_seed(seed, "digits_cnn_without_pooling")
    # The same conv layers (same seeds, so the same starting kernels) as digits_cnn, minus
    # its poolings; the Dense layer then reads all 8x8 positions of the last maps.
    with_pooling = digits_cnn(seed, channels).layers
    convs = [layer for layer in with_pooling[:-2] if not isinstance(layer, MaxPool2D)]
    return Sequential(*convs, Flatten(), Dense(convs[-2].out_channels * 8 * 8, 10, rng=seed + 3))
