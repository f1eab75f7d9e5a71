"""The capstone: the digits network made only of the learner's own functions.

The API the capstone notebook is built on
-----------------------------------------
``check("capstone", fns)`` takes a dict ``fns`` with six keys:

``"conv2d_forward"``, ``"conv2d_backward"``, ``"max_pool2d_forward"``,
``"max_pool2d_backward"``, ``"softmax_cross_entropy"``
    The learner's functions from the earlier labs (signatures as in those labs). Each is
    checked again first; the first one that fails is named and its diagnosis shown, and
    training is not started. Training calls these functions thousands of times, so pass
    fast ones: the im2col convolution as ``"conv2d_forward"``, and a ``conv2d_backward``
    that loops over output pixels at most (vectorised over images and kernels, as the
    reference does); a loop over every image, kernel and pixel would take hours.
``"train"``
    ``train(X_train, y_train, *, epochs, lr, batch_size, seed) -> (predict, history)``:

    - ``X_train`` : ndarray of float64, shape (N, 1, 8, 8), pixels in [0, 1];
      ``y_train`` : ndarray of int64, shape (N,), digits 0..9.
    - ``epochs``, ``lr``, ``batch_size``, ``seed`` : the values in :data:`CAPSTONE_SETTINGS`
      (8 epochs, learning rate 0.05, batches of 32, seed 0), passed as keywords.
    - ``predict(X)`` : X of shape (M, 1, 8, 8) -> ndarray of int, shape (M,), the class
      of each image.
    - ``history`` : dict with ``"loss"``, a list of ``epochs`` numbers (the mean training
      loss of each epoch). Other keys (e.g. ``"test_accuracy"``) are allowed and ignored.

The check trains on the training part of ``cnnkit.train_test_split(*cnnkit.load_digits(),
test_size=0.2, seed=0)`` (1,438 images), measures the accuracy of ``predict`` on the 359
held-out images and passes at :data:`PASS_ACCURACY` (95%) or more. The result carries
``.accuracy`` (a fraction) and ``.history`` (the dict ``train`` returned), for plotting.

:func:`train` below is the reference: the course's digits network (see
:func:`cnnkit.digits_cnn`) written only with the reference lab solutions, plain numpy, a dict
of parameters, and SGD with momentum written by hand. It reaches about 98% in a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..networks import DIGITS_TRAINING
from .calling import plain, where_raised
from .result import LabResult
from .solutions import (
    conv2d_backward,
    conv2d_im2col,
    max_pool2d_backward,
    max_pool2d_forward,
    softmax_cross_entropy,
)

__all__ = ["train", "check_capstone", "CAPSTONE_SETTINGS", "PASS_ACCURACY", "COMPONENTS"]

#: The keyword arguments the check passes to ``train``: the course's digits training
#: settings (:data:`cnnkit.DIGITS_TRAINING`) and seed 0.
CAPSTONE_SETTINGS = {
    "epochs": DIGITS_TRAINING["epochs"],
    "lr": DIGITS_TRAINING["lr"],
    "batch_size": DIGITS_TRAINING["batch_size"],
    "seed": 0,
}
#: Test accuracy needed to pass.
PASS_ACCURACY = 0.95
#: The learner's functions the capstone re-checks, in the order they are checked.
COMPONENTS = (
    "conv2d_forward",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "conv2d_backward",
    "softmax_cross_entropy",
)


def train(X_train, y_train, *, epochs, lr, batch_size, seed):
    """Train the digits CNN with minibatch SGD with momentum, from the lab functions only.

    Network: conv 3x3 (1 -> 16, padding 1), ReLU, conv 3x3 (16 -> 32, padding 1), ReLU,
    max pool 2, conv 3x3 (32 -> 64, padding 1), ReLU, max pool 2, flatten, dense 256 -> 10.

    Parameters
    ----------
    X_train : ndarray, shape (N, 1, 8, 8)
    y_train : ndarray of int, shape (N,)
    epochs, batch_size, seed : int
    lr : float
        Learning rate.

    Returns
    -------
    predict : callable
        ``predict(X)`` with X of shape (M, 1, 8, 8) gives the classes, shape (M,).
    history : dict
        ``{"loss": [mean training loss of each epoch]}``.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for name, (f, c) in {"1": (16, 1), "2": (32, 16), "3": (64, 32)}.items():
        params["w" + name] = rng.normal(0.0, np.sqrt(2.0 / (c * 9)), size=(f, c, 3, 3))
        params["b" + name] = np.zeros(f)
    limit = np.sqrt(6.0 / (256 + 10))
    params["w4"] = rng.uniform(-limit, limit, size=(10, 256))
    params["b4"] = np.zeros(10)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def forward(X, p):
        """The logits, and what the backward pass needs from the forward pass."""
        z1 = conv2d_im2col(X, p["w1"], p["b1"], 1, 1)
        a1 = np.maximum(z1, 0)
        z2 = conv2d_im2col(a1, p["w2"], p["b2"], 1, 1)
        a2 = np.maximum(z2, 0)
        m2 = max_pool2d_forward(a2, 2, 2)
        z3 = conv2d_im2col(m2, p["w3"], p["b3"], 1, 1)
        a3 = np.maximum(z3, 0)
        m3 = max_pool2d_forward(a3, 2, 2)
        flat = m3.reshape(len(X), -1)
        logits = flat @ p["w4"].T + p["b4"]
        return logits, (X, z1, a1, z2, a2, m2, z3, a3, m3, flat)

    def backward(dlogits, saved, p):
        """Gradients of every parameter, the forward pass read backwards."""
        X, z1, a1, z2, a2, m2, z3, a3, m3, flat = saved
        g = {"w4": dlogits.T @ flat, "b4": dlogits.sum(axis=0)}
        dm3 = (dlogits @ p["w4"]).reshape(m3.shape)
        da3 = max_pool2d_backward(dm3, a3, 2, 2)
        dm2, g["w3"], g["b3"] = conv2d_backward(da3 * (z3 > 0), m2, p["w3"], 1, 1)
        da2 = max_pool2d_backward(dm2, a2, 2, 2)
        da1, g["w2"], g["b2"] = conv2d_backward(da2 * (z2 > 0), a1, p["w2"], 1, 1)
        _, g["w1"], g["b1"] = conv2d_backward(da1 * (z1 > 0), X, p["w1"], 1, 1)
        return g

    history = {"loss": []}
    for _ in range(epochs):
        order = rng.permutation(len(X_train))  # a new shuffle every epoch
        losses = []
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            logits, saved = forward(X_train[batch], params)
            loss, dlogits = softmax_cross_entropy(logits, y_train[batch])
            grads = backward(dlogits, saved, params)
            for k in params:  # SGD with momentum, as torch.optim.SGD
                velocity[k] = 0.9 * velocity[k] + grads[k]
                params[k] -= lr * velocity[k]
            losses.append(loss * len(batch))
        history["loss"].append(float(np.sum(losses) / len(order)))

    def predict(X):
        return forward(X, params)[0].argmax(axis=1)

    return predict, history


def _failed(message: str, **extra: Any) -> LabResult:
    return LabResult("capstone", False, "failed", f"capstone: {message}", **extra)


def _digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from ..data import load_digits, train_test_split

    return train_test_split(*load_digits(), test_size=0.2, seed=0)


def check_capstone(fns: Any, seed: int = 0) -> LabResult:
    """Check each of the learner's functions, then train their network and test it."""
    from .registry import get_lab
    from .runner import run_lab

    keys = COMPONENTS + ("train",)
    if not isinstance(fns, dict):
        return _failed(
            f"check needs a dict of your functions with the keys {', '.join(keys)}; "
            f"it got {type(fns).__name__}."
        )
    missing = [k for k in keys if not callable(fns.get(k))]
    if missing:
        return _failed(
            f"the dict has no function for {', '.join(missing)}; it needs one "
            f"for each of {', '.join(keys)}."
        )
    for name in COMPONENTS:
        part = run_lab(get_lab(name), fns[name], seed=seed)
        if not part.passed:
            state = "written" if part.status == "not_written" else "right"
            return LabResult(
                "capstone",
                False,
                part.status,
                f"capstone: your {name} is not {state} yet, and training needs "
                f"it; the {name} lab checks it.\n\n{part.message}",
                mistake=part.mistake,
                case=part.case,
                view=part.view,
            )
    X_train, X_test, y_train, y_test = _digits()
    return _train_and_test(fns["train"], X_train, y_train, X_test, y_test)


def _train_and_test(train_fn: Callable[..., Any], X_train, y_train, X_test, y_test) -> LabResult:
    settings = ", ".join(f"{k}={v}" for k, v in CAPSTONE_SETTINGS.items())
    try:
        returned = train_fn(X_train.copy(), y_train.copy(), **CAPSTONE_SETTINGS)
    except NotImplementedError:
        return LabResult(
            "capstone",
            False,
            "not_written",
            "capstone: train is not written yet. Replace `raise "
            "NotImplementedError` with your training loop, then run this again.",
        )
    except Exception as exc:
        where = where_raised(exc)
        return _failed(
            f"train(X_train, y_train, {settings}) raised {type(exc).__name__}: "
            f"{plain(exc)}" + (f" (at {where})." if where else ".")
        )
    if not (isinstance(returned, tuple) and len(returned) == 2 and callable(returned[0])):
        return _failed(
            "train should return two things, (predict, history), where predict "
            "is a function; look at its return statement."
        )
    predict, history = returned
    epochs = CAPSTONE_SETTINGS["epochs"]
    losses = history.get("loss") if isinstance(history, dict) else None
    try:
        losses = [float(v) for v in losses]  # type: ignore[union-attr]
    except Exception:
        losses = None
    if losses is None or len(losses) != epochs:
        return _failed(
            f'history should be a dict whose "loss" is a list of {epochs} '
            "numbers, the mean training loss of each epoch."
        )
    try:
        guess = np.asarray(predict(X_test.copy()))
    except Exception as exc:
        where = where_raised(exc)
        return _failed(
            f"predict(X_test) raised {type(exc).__name__}: {plain(exc)}"
            + (f" (at {where})." if where else ".")
        )
    if guess.shape != y_test.shape or guess.dtype.kind not in "iu":
        return _failed(
            f"predict(X) should return one whole-number class per image, shape "
            f"{y_test.shape}; it returned {guess.dtype} values of shape "
            f"{guess.shape} (argmax over the class axis gives them)."
        )
    right = int(np.sum(guess == y_test))
    accuracy = right / len(y_test)
    said = (
        f"{right} of {len(y_test)} held-out digits right ({100 * accuracy:.1f}% test "
        f"accuracy; the loss went from {losses[0]:.3f} in the first epoch to "
        f"{losses[-1]:.3f} in the last)."
    )
    if accuracy >= PASS_ACCURACY:
        return LabResult(
            "capstone",
            True,
            "passed",
            f"capstone: passed. Your own network gets {said}",
            accuracy=accuracy,
            history=history,
        )
    advice = (
        "The loss did not go down: look at the signs of your updates and at the learning rate."
        if not losses[-1] < losses[0]
        else "The loss goes down but not far enough: check the weight initialisation (small "
        "random numbers, e.g. std sqrt(2 / fan_in)), the momentum, and that each "
        "epoch visits every training image once, shuffled."
    )
    return _failed(
        f"your network gets {said} It needs {100 * PASS_ACCURACY:.0f}%.\n\n{advice}",
        accuracy=accuracy,
        history=history,
    )
