"""Stochastic gradient descent with momentum, the same update rule as ``torch.optim.SGD``."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ._validate import number, positive_number

__all__ = ["SGD"]

ParamPairs = Iterable[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]


class SGD:
    """Move every parameter a small step against its gradient.

    With momentum ``m`` each parameter keeps a velocity ``v`` (starting as the first
    gradient) and updates as PyTorch does::

        v = m * v + grad
        param = param - lr * v

    Parameters
    ----------
    params : list of (params, grads) dict pairs
        What :meth:`Sequential.params` returns.
    lr : float
        Learning rate (step size), > 0.
    momentum : float, default 0
        In [0, 1); 0 is plain gradient descent.
    weight_decay : float, default 0
        Adds ``weight_decay * param`` to each gradient (L2 regularisation), as PyTorch.
    """

    def __init__(self, params: ParamPairs, lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        self.pairs = list(params)
        if not self.pairs:
            raise ValueError("params is empty: pass model.params(), which lists the layers "
                             "that learn")
        for i, pair in enumerate(self.pairs):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(f"params[{i}] must be a (params, grads) pair of dicts; "
                                "pass model.params()")
        lr = positive_number(lr, "lr", "0.1")
        if not 0.0 <= number(momentum, "momentum", "0.9") < 1.0:
            raise ValueError(f"momentum={momentum} must be in [0, 1), such as 0.9")
        if not number(weight_decay, "weight_decay", "1e-4") >= 0:
            raise ValueError(f"weight_decay={weight_decay} must be a number >= 0, such as 1e-4")
        self.lr, self.momentum, self.weight_decay = float(lr), float(momentum), float(weight_decay)
        self.velocity: list[dict[str, np.ndarray]] = [{} for _ in self.pairs]

    def step(self) -> None:
        """Update every parameter in place from the gradients current at this moment."""
        for (params, grads), velocity in zip(self.pairs, self.velocity):
            for name, p in params.items():
                g = grads[name]
                if self.weight_decay:
                    g = g + self.weight_decay * p
                if self.momentum:
                    if name in velocity:
                        velocity[name] *= self.momentum
                        velocity[name] += g
                    else:
                        velocity[name] = np.array(g, copy=True)
                    g = velocity[name]
                p -= self.lr * g

    def zero_grad(self) -> None:
        """Set the gradients to 0 (not required: layers overwrite them in backward)."""
        for _, grads in self.pairs:
            for g in grads.values():
                g[...] = 0
