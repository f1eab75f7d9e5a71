"""The course's digits network, built in one place so the notebooks, tests and benchmarks
train exactly the same model."""
from __future__ import annotations

from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from .model import Sequential

__all__ = ["digits_cnn", "DIGITS_TRAINING"]

#: Training settings that reach high test accuracy on the shipped digits in seconds.
DIGITS_TRAINING = {"epochs": 15, "batch_size": 32, "lr": 0.05, "momentum": 0.9}


def digits_cnn(seed: int = 0) -> Sequential:
    """A small CNN for 8x8 digits: two conv-ReLU-pool blocks, then a Dense layer to 10 classes.

    Examples
    --------
    >>> digits_cnn().summary((1, 8, 8)).rows[-1].output_shape
    (10,)
    """
    return Sequential(
        Conv2D(1, 16, 3, padding=1, rng=seed),
        ReLU(),
        MaxPool2D(2),
        Conv2D(16, 32, 3, padding=1, rng=seed + 1),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(32 * 2 * 2, 10, rng=seed + 2),
    )
