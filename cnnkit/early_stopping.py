"""Early stopping: keep the weights of the epoch with the lowest validation loss.

Training longer keeps lowering the training loss, but once the network starts to learn its
training images by heart the validation loss turns up again. Early stopping watches the
validation loss after every epoch and keeps a copy of the weights whenever it reaches a new
low; at the end those weights are put back. Use it as :func:`cnnkit.fit`'s callback::

    keeper = BestWeights(model)
    fit(model, X, y, epochs, batch_size, optimizer, X_val, y_val, callback=keeper)
    keeper.restore()          # the weights of epoch keeper.best_epoch
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate as check
from .model import Sequential
from .train import History

__all__ = ["BestWeights", "best_epoch"]


def best_epoch(val_loss) -> int:
    """The epoch (counted from 1) with the lowest validation loss; the first one on a tie.

    Examples
    --------
    >>> best_epoch([0.9, 0.4, 0.5, 0.4])
    2
    """
    values = check.array(
        val_loss, "val_loss", ndim=1, layout="(one loss per epoch,)", nonempty=True
    )
    if not np.isfinite(values).any():
        raise ValueError(
            f"val_loss={val_loss!r} has no finite value, so no epoch is best; "
            "the training diverged: lower the learning rate"
        )
    finite = np.where(np.isfinite(values), values, np.inf)
    return int(np.argmin(finite)) + 1


class BestWeights:
    """A :func:`cnnkit.fit` callback that remembers the weights of the best epoch so far.

    Attributes
    ----------
    best_epoch : int
        Epoch (from 1) with the lowest validation loss seen; 0 before any epoch.
    best_loss : float
    """

    def __init__(self, model: Sequential) -> None:
        if not isinstance(model, Sequential):
            raise TypeError(
                f"model={model!r} must be a cnnkit Sequential, such as "
                f"digits_cnn(), not {type(model).__name__}"
            )
        self.model = model
        self.best_epoch = 0
        self.best_loss = math.inf
        self._saved: list[dict[str, np.ndarray]] = []
        self._stats: list[np.ndarray] = []

    def __call__(self, history: History) -> None:
        if not history.val_loss:
            raise ValueError("early stopping needs a validation set: pass X_val and y_val to fit")
        loss = history.val_loss[-1]
        if np.isfinite(loss) and loss < self.best_loss:
            self.best_loss, self.best_epoch = float(loss), history.epochs
            self._saved = [
                {k: v.copy() for k, v in params.items()} for params, _ in self.model.params()
            ]
            self._stats = [s.copy() for s in _running_statistics(self.model)]

    def restore(self) -> int:
        """Put the best epoch's weights back into the model; returns that epoch."""
        if not self._saved:
            raise ValueError("no epoch has been recorded yet; train with callback=this first")
        for (params, _), saved in zip(self.model.params(), self._saved):
            for k, v in saved.items():
                params[k][...] = v
        for now, saved in zip(_running_statistics(self.model), self._stats):
            now[...] = saved
        return self.best_epoch


def _running_statistics(layer) -> list[np.ndarray]:
    """Every batch-norm running mean and variance inside ``layer``, in a fixed order.

    They are not parameters (nothing learns them), but evaluation uses them, so the best
    epoch's model is its weights together with these."""
    found = []
    if isinstance(getattr(layer, "running_mean", None), np.ndarray):
        found += [layer.running_mean, layer.running_var]
    for inner in getattr(layer, "layers", ()):  # Sequential
        found += _running_statistics(inner)
    for part in ("body", "shortcut"):  # Residual
        if getattr(layer, part, None) is not None:
            found += _running_statistics(getattr(layer, part))
    return found
