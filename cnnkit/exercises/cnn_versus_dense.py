"""Exercises of the CNN-versus-dense notebook (07): counting a dense layer's parameters,
shifting an image without wrapping around, choosing the early-stopping epoch, and reading
overfitting from loss curves.

Each checker computes the right answer with cnnkit (:class:`cnnkit.Dense`,
:func:`cnnkit.shift_images`, :func:`cnnkit.early_stopping.best_epoch`) or on data it makes,
so no expected number is typed by hand.
"""

from __future__ import annotations

import numpy as np

from ..augment import shift_images
from ..early_stopping import best_epoch
from ..layers import Dense
from ._core import as_whole_number, exercise

__all__ = [
    "check_dense_parameters",
    "check_shift_right",
    "check_best_epoch",
    "check_which_overfits",
    "OVERFITTING_RUNS",
]


@exercise(
    "07.1",
    expects="one whole number of parameters, such as 500",
    solution="""
# every one of the 256 hidden nodes has a weight for each of the 64 pixels, and a bias
answer = 64 * 256 + 256      # = cnnkit.Dense(64, 256).n_params = 16,640
""",
)
def check_dense_parameters(answer: object) -> tuple[bool, str]:
    """Parameters of the dense network's first layer: 64 pixels to 256 hidden nodes."""
    value = as_whole_number(answer, "the number of parameters")
    right = Dense(64, 256).n_params
    if value == right:
        return True, (
            f"64 x 256 weights + 256 biases = {right:,}: one weight per pixel for "
            "every hidden node, none shared. A 3x3 conv kernel has 9 weights, "
            "whatever the image size."
        )
    if value == 64 * 256:
        return False, "those are the weights; every hidden node also has a bias."
    if value == 64 * 256 + 64:
        return False, "one bias per hidden node (256 of them), not per pixel."
    if value == 64 + 256:
        return False, "a dense layer connects every input to every node: multiply, don't add."
    return False, (
        "a Dense(in, out) layer has in x out weights plus out biases; here in = 64 "
        "pixels, out = 256 hidden nodes."
    )


@exercise(
    "07.2",
    expects="a function of one 2-D image, given by its name without ()",
    solution="""
def shift_right(image):
    out = np.zeros_like(image)
    out[:, 1:] = image[:, :-1]     # every column moves one to the right; column 0 becomes 0
    return out

answer = shift_right               # the same as cnnkit.shift_images(image, 0, 1)
""",
)
def check_shift_right(answer: object) -> tuple[bool, str]:
    """A function moving a 2-D image one pixel to the right, filling with zeros."""
    if not callable(answer):
        return False, "give a function: def shift_right(image): ... and pass its name."
    rng = np.random.default_rng(11)
    for h, w in [(8, 8), (3, 5), (6, 2)]:
        image = rng.random((h, w)) + 0.5
        right = shift_images(image, 0, 1)
        try:
            got = np.asarray(answer(image.copy()), dtype=float)
        except Exception as exc:  # the learner's code failed: say how, never raise
            return False, (
                f"your function raised {type(exc).__name__}: {exc} (on a {h}x{w} "
                "image); it should return an array of the same shape."
            )
        if got.shape != image.shape:
            return False, (
                f"a {h}x{w} image gave shape {got.shape}; a shift keeps the size: "
                "one column falls off, one column of zeros comes in."
            )
        if np.allclose(got, right):
            continue
        if np.allclose(got, np.roll(image, 1, axis=1)):
            return False, (
                "np.roll wraps the last column around to the left edge; a shifted "
                "digit should get zeros (background) there instead."
            )
        if np.allclose(got, shift_images(image, 0, -1)):
            return False, "that moves the image to the left; right means column j goes to j+1."
        if np.allclose(got, shift_images(image, 1, 0)):
            return False, "that moves the image down; shift the columns, not the rows."
        return False, (
            f"on a {h}x{w} image your function differs from a one-pixel shift to "
            "the right: out[:, j] should be image[:, j - 1], and column 0 all zeros."
        )
    return True, "columns move right, the last one falls off, zeros come in on the left."


@exercise(
    "07.3",
    expects="a function of a list of losses, given by its name without ()",
    solution="""
def early_stop_epoch(val_loss):
    # the epoch (counted from 1) with the lowest validation loss
    return int(np.argmin(val_loss)) + 1

answer = early_stop_epoch
""",
)
def check_best_epoch(answer: object) -> tuple[bool, str]:
    """A function returning the epoch (from 1) early stopping keeps, from validation losses."""
    if not callable(answer):
        return False, "give a function: def early_stop_epoch(val_loss): ... and pass its name."
    rng = np.random.default_rng(3)
    for trial in range(6):
        n = 8 + 3 * trial
        epochs = np.arange(1, n + 1)
        turn = int(rng.integers(2, n - 2))
        val = 0.3 + 0.02 * (epochs - turn) ** 2 / n + 0.001 * rng.random(n)
        train = 1.0 / epochs
        right = best_epoch(val)
        try:
            got = answer(list(val))
        except Exception as exc:  # the learner's code failed: say how, never raise
            return False, (
                f"your function raised {type(exc).__name__}: {exc}; it gets a list "
                "of validation losses and should return one epoch number."
            )
        try:
            got = as_whole_number(got, "the epoch number")
        except (TypeError, ValueError):
            return False, f"return one epoch number (a whole number), got {got!r}."
        if got == right:
            continue
        if got == right - 1:
            return False, (
                "epochs are counted from 1 in the History and the plots; "
                "np.argmin counts from 0, so add 1."
            )
        if got == n:
            return False, (
                "that is the last epoch; early stopping keeps the epoch where the "
                "validation loss was lowest."
            )
        if got in (best_epoch(train), int(np.argmax(val)) + 1):
            return False, "look for the *lowest* validation loss (not the training loss)."
        return False, (
            f"for {n} epochs your function gave {got}; the lowest validation loss "
            f"is at another epoch."
        )
    return True, "the epoch of the lowest validation loss, counted from 1."


#: Three training runs for exercise 07.4: (training loss, test loss) after each of 10 epochs.
OVERFITTING_RUNS = {
    "a": (
        [2.1, 1.6, 1.3, 1.1, 1.0, 0.95, 0.9, 0.88, 0.86, 0.85],
        [2.1, 1.7, 1.4, 1.2, 1.1, 1.05, 1.0, 0.98, 0.97, 0.96],
    ),
    "b": (
        [1.2, 0.5, 0.2, 0.08, 0.03, 0.012, 0.006, 0.003, 0.002, 0.001],
        [0.9, 0.5, 0.35, 0.33, 0.36, 0.41, 0.47, 0.52, 0.58, 0.63],
    ),
    "c": (
        [1.0, 0.4, 0.2, 0.12, 0.09, 0.07, 0.06, 0.05, 0.045, 0.04],
        [0.8, 0.35, 0.2, 0.14, 0.11, 0.1, 0.09, 0.085, 0.08, 0.078],
    ),
}


@exercise(
    "07.4",
    expects='one letter in quotes: "a", "b" or "c"',
    solution="""
# b: its training loss goes to almost 0 (it memorises the training images) while its test
# loss turns up after epoch 4 and the gap keeps growing. a is still learning (both losses
# fall, both high); c generalises well (small gap, both still falling).
answer = "b"
""",
)
def check_which_overfits(answer: object) -> tuple[bool, str]:
    """Which of the runs in OVERFITTING_RUNS overfits? Answer "a", "b" or "c"."""
    if not isinstance(answer, str):
        return False, 'answer with one letter in quotes: "a", "b" or "c".'
    letter = answer.strip().strip("'\"").lower()
    if letter not in OVERFITTING_RUNS:
        return False, f'{answer!r} is not one of the runs; answer "a", "b" or "c".'
    gaps = {k: test[-1] - train[-1] for k, (train, test) in OVERFITTING_RUNS.items()}
    rising = {k: test[-1] > min(test) * 1.2 for k, (train, test) in OVERFITTING_RUNS.items()}
    right = max(gaps, key=lambda k: (rising[k], gaps[k]))
    if letter == right:
        return True, (
            f"run {right}'s training loss falls to {OVERFITTING_RUNS[right][0][-1]} "
            f"while its test loss rises from {min(OVERFITTING_RUNS[right][1])} to "
            f"{OVERFITTING_RUNS[right][1][-1]}: it memorises its training images."
        )
    train, test = OVERFITTING_RUNS[letter]
    if train[-1] > 0.5:
        return False, (
            f"run {letter} has high losses on both sets ({train[-1]}, {test[-1]}): "
            "it has not learned enough yet (underfitting), and nothing turns up."
        )
    return False, (
        f"run {letter}'s test loss keeps falling and stays close to its training "
        "loss: that is a network that generalises. Look for a test loss that rises "
        "while the training loss still falls."
    )
