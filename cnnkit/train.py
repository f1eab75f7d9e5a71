"""Training: minibatches, forward, loss, backward, update, repeated for some epochs.

One *iteration* is one minibatch: forward pass, loss, backward pass, weight update. One
*epoch* is as many iterations as it takes to see every training example once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import _validate as check
from .losses import softmax, softmax_cross_entropy
from .model import Sequential
from .progress import ProgressBar, progress_mode

__all__ = ["History", "fit", "evaluate", "predict", "predict_proba"]

#: More epochs than this in one call is a typing mistake (a hang), not a plan.
MAX_EPOCHS = 100_000


@dataclass
class History:
    """Per-epoch numbers recorded by :func:`fit` (lists, one entry per epoch)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    iterations: int = 0

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(no epochs yet)"
        text = (
            f"History({self.epochs} epochs, {self.iterations} iterations: "
            f"train loss {self.train_loss[-1]:.4f}, acc {self.train_acc[-1]:.2%}"
        )
        if self.val_loss:
            text += f"; validation loss {self.val_loss[-1]:.4f}, acc {self.val_acc[-1]:.2%}"
        return text + ")"


def _check_model(model: object) -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(
            f"model={model!r} must be a Sequential of layers; wrap a single layer "
            "as Sequential(layer)"
        )
    return model


def _check_inputs(model: Sequential, X: object, name: str = "X") -> tuple[np.ndarray, int]:
    """``X`` as a finite float array of examples that fit the model, and the number of
    classes the model outputs for it (its last layer's output size)."""
    X = check.array(X, name, min_ndim=2, layout="(N, C, H, W), one example per row", finite=True)
    try:
        out = model.summary(X.shape[1:]).rows
    except ValueError as exc:
        hint = ""
        if X.ndim == 3:
            hint = (
                f"; for N grayscale images (N, H, W) add the channel axis with "
                f"{name}[:, None], for one image (C, H, W) the batch axis with {name}[None]"
            )
        elif X.ndim == 4 and X.shape[-1] in (1, 3) and X.shape[1] not in (1, 3):
            hint = f"; images are (N, C, H, W), channels first: {name}.transpose(0, 3, 1, 2)"
        raise ValueError(
            f"{name} has shape {X.shape}, which the model cannot take: {exc}{hint}"
        ) from exc
    scores = out[-1].output_shape if out else X.shape[1:]
    if len(scores) != 1:
        raise ValueError(
            f"the model outputs shape {scores} per example, not one score per "
            "class; end it with Flatten() and Dense(..., n_classes)"
        )
    return X, scores[0]


def _check_data(
    model: Sequential, X: object, y: object, name: str = "X", label_name: str = "y"
) -> tuple[np.ndarray, np.ndarray]:
    """Examples and their labels, every label checked against the model's classes."""
    X, n_classes = _check_inputs(model, X, name)
    if len(X) == 0:
        raise ValueError(
            f"{name} is empty (shape {X.shape}); a loss and an accuracy over no "
            "examples have no value"
        )
    if np.ndim(y) == 1 and len(y) != len(X):
        raise ValueError(
            f"{name} has {len(X)} examples but {label_name} has shape "
            f"{np.shape(y)}; {label_name} must have one label per example, "
            f"shape ({len(X)},)"
        )
    return X, check.labels(y, label_name, len(X), n_classes)


@contextmanager
def _evaluation_mode(model: Sequential) -> Iterator[None]:
    """Run the block in evaluation mode, then give every layer back the mode it had (as a
    PyTorch user writes ``model.eval()`` and later ``model.train()``)."""
    before = [(layer, layer.training) for layer in model.layers if hasattr(layer, "training")]
    was_training = getattr(model, "training", True)
    model.eval()
    try:
        yield
    finally:
        for layer, mode in before:
            layer.train(mode)
        model.training = was_training


def _batches(n: int, batch_size: int, order: np.ndarray | None = None):
    idx = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield idx[start : start + batch_size]


def predict_proba(model: Sequential, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Softmax probabilities, shape (N, K), computed in batches.

    ``X`` of shape (N, ...) must be finite; an empty ``X`` (N = 0) gives shape (0, K).
    """
    model = _check_model(model)
    X, _ = _check_inputs(model, X)
    batch_size = check.count(batch_size, "batch_size")
    with _evaluation_mode(model):
        if len(X) == 0:
            return softmax(model.forward(X))
        return np.concatenate([softmax(model.forward(X[b])) for b in _batches(len(X), batch_size)])


def predict(model: Sequential, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The most likely class of each example, shape (N,) (empty for an empty ``X``)."""
    model = _check_model(model)
    X, _ = _check_inputs(model, X)
    batch_size = check.count(batch_size, "batch_size")
    if len(X) == 0:
        return np.zeros(0, dtype=np.int64)
    with _evaluation_mode(model):
        return np.concatenate(
            [model.forward(X[b]).argmax(axis=1) for b in _batches(len(X), batch_size)]
        )


def evaluate(
    model: Sequential, X: np.ndarray, y: np.ndarray, batch_size: int = 512
) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy (a fraction in [0, 1]) on ``X``, ``y``.

    Every argument is checked first: finite ``X`` that fits the model, one label in
    0..K-1 per example, a whole-number ``batch_size`` >= 1. An empty ``X`` is an error.

    Runs the model in evaluation mode (see :meth:`Sequential.eval`), as :func:`predict` and
    :func:`predict_proba` do, and gives every layer back its mode afterwards.
    """
    model = _check_model(model)
    X, y = _check_data(model, X, y)
    batch_size = check.count(batch_size, "batch_size")
    total_loss, correct = 0.0, 0
    with _evaluation_mode(model):
        for b in _batches(len(X), batch_size):
            logits = model.forward(X[b])
            loss, _ = softmax_cross_entropy(logits, y[b])
            total_loss += loss * len(b)
            correct += int((logits.argmax(axis=1) == y[b]).sum())
    return total_loss / len(X), correct / len(X)


def fit(
    model: Sequential,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    optimizer,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    seed: int = 0,
    progress: str | bool | None = "auto",
    callback: Callable[[History], None] | None = None,
) -> History:
    """Train ``model`` with minibatch gradient descent.

    Each epoch shuffles the training set (seeded, so runs repeat exactly), then for every
    minibatch: forward pass, softmax cross-entropy loss, backward pass, ``optimizer.step()``.

    Parameters
    ----------
    model : Sequential
        Ends in a layer that outputs one score per class, shape (N, K).
    X : ndarray, shape (N, C, H, W)
    y : ndarray of int, shape (N,)
    epochs : int
        Whole number, 1 .. ``MAX_EPOCHS``.
    batch_size : int
        Whole number >= 1; larger than N means one batch of everything.
    optimizer : SGD (anything with ``step()``)
    X_val, y_val : ndarray, optional
        Evaluated after every epoch.
    seed : int or None
        Seed of the shuffling (a whole number >= 0; None shuffles differently every run).
    progress : {"auto", "notebook", "text", "off"} or bool
        Progress bar: a widget in Jupyter, a line on a terminal, off otherwise.
    callback : callable, optional
        Called as ``callback(history)`` after every epoch (for live plots).

    Returns
    -------
    History

    The model is put in training mode first (:meth:`Sequential.train`) and stays in it; the
    validation set is evaluated in evaluation mode.

    Every argument is checked before the first step (all labels against the model's
    classes, the validation set, the optimizer, the seed, the callback), so a call that
    fails leaves the model's weights and the optimizer's state as they were.
    """
    # Everything is checked before the first step, so a call that fails changes nothing.
    model = _check_model(model)
    X, y = _check_data(model, X, y)
    epochs = check.count(
        epochs,
        "epochs",
        maximum=MAX_EPOCHS,
        why=" in one call (it would run for days); call fit again to go on",
    )
    batch_size = check.count(batch_size, "batch_size")
    _check_optimizer(optimizer, model)
    if (X_val is None) != (y_val is None):
        raise ValueError("pass both X_val and y_val, or neither")
    if X_val is not None:
        X_val, y_val = _check_data(model, X_val, y_val, "X_val", "y_val")
    rng = np.random.default_rng(check.seed(seed))
    progress = progress_mode(progress)
    check.callable_or_none(callback, "callback", "lambda history: print(history)")
    history = History()
    model.train()  # batch normalisation uses each batch's statistics while it learns
    per_epoch = -(-len(X) // batch_size)
    bar = ProgressBar(epochs * per_epoch, progress)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, correct = 0.0, 0
        for b in _batches(len(X), batch_size, rng.permutation(len(X))):
            logits = model.forward(X[b])  # 1. forward pass
            loss, dlogits = softmax_cross_entropy(logits, y[b])  # 2. loss and its gradient
            model.backward(dlogits)  # 3. backward pass: every layer's grads
            optimizer.step()  # 4. update the weights
            history.iterations += 1
            total_loss += loss * len(b)
            correct += int((logits.argmax(axis=1) == y[b]).sum())
            bar.update(1, f"epoch {epoch}/{epochs} loss {loss:.3f}")
        history.train_loss.append(total_loss / len(X))
        history.train_acc.append(correct / len(X))
        text = f"epoch {epoch}/{epochs} loss {history.train_loss[-1]:.3f}"
        if X_val is not None:
            val_loss, val_acc = evaluate(model, X_val, y_val)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            text += f" val acc {val_acc:.1%}"
        history.seconds.append(time.perf_counter() - start)
        bar.update(0, text, force=True)
        if callback is not None:
            callback(history)
    bar.close(text)
    return history


def _check_optimizer(optimizer: object, model: Sequential) -> None:
    """An object with ``step()``; an :class:`SGD` must update this model's own arrays."""
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer={optimizer!r} has no step(); pass SGD(model.params(), lr=...)")
    pairs = getattr(optimizer, "pairs", None)
    if pairs is None:
        return
    own = {id(p) for values, _ in model.params() for p in values.values()}
    if not any(id(p) in own for values, _ in pairs for p in values.values()):
        raise ValueError(
            "optimizer does not update this model's weights (it was built for "
            "another model); pass SGD(model.params(), lr=...) for this model"
        )
