"""Stochastic gradient descent with momentum, the same update rule as ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from . import _validate as check

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

    def __init__(
        self, params: ParamPairs, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.pairs = _param_pairs(params)
        lr = check.positive_number(lr, "lr", "0.1")
        if not 0.0 <= check.number(momentum, "momentum", "0.9") < 1.0:
            raise ValueError(f"momentum={momentum!r} must be in [0, 1), such as 0.9")
        weight_decay = check.nonnegative_number(weight_decay, "weight_decay", "1e-4")
        self.lr, self.momentum, self.weight_decay = float(lr), float(momentum), float(weight_decay)
        self.velocity: list[dict[str, np.ndarray]] = [{} for _ in self.pairs]

    def step(self) -> None:
        """Update every parameter in place from the gradients current at this moment.

        Every gradient's shape is checked first, so a step that fails changes nothing.
        """
        for i, (params, grads) in enumerate(self.pairs):
            for name, p in params.items():
                g = grads.get(name)
                if getattr(g, "shape", None) != p.shape:
                    raise ValueError(
                        f"params[{i}][1][{name!r}] must be a gradient of the "
                        f"parameter's shape {p.shape}, got "
                        f"{getattr(g, 'shape', type(g).__name__)}; run "
                        "model.backward(...) before step()"
                    )
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


def _param_pairs(params: object) -> list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """Check what :class:`SGD` was given: (params, grads) pairs of dicts with the same keys,
    each parameter a writable float array and each gradient an array of the same shape."""
    if isinstance(params, dict) or not hasattr(params, "__iter__") or hasattr(params, "forward"):
        what = "a model or a layer" if hasattr(params, "forward") else type(params).__name__
        raise TypeError(
            f"params must be a list of (params, grads) pairs, got {what}; pass "
            "model.params(), or [(layer.params, layer.grads)] for one layer"
        )
    pairs = list(params)
    if not pairs:
        raise ValueError("params is empty: pass model.params(), which lists the layers that learn")
    for i, pair in enumerate(pairs):
        if not (
            isinstance(pair, (tuple, list))
            and len(pair) == 2
            and all(isinstance(d, dict) for d in pair)
        ):
            raise TypeError(
                f"params[{i}] must be a (params, grads) pair of dicts, got "
                f"{type(pair).__name__}; pass model.params()"
            )
        values, grads = pair
        if set(values) != set(grads):
            raise ValueError(
                f"params[{i}] has parameters {sorted(values)} but gradients "
                f"{sorted(grads)}; the two dicts must have the same keys"
            )
        for name, p in values.items():
            where = f"params[{i}][0][{name!r}]"
            if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
                raise TypeError(
                    f"{where} must be a float ndarray (it is updated in place), "
                    f"got {type(p).__name__}"
                )
            if not p.flags.writeable:
                raise ValueError(
                    f"{where} is read-only, so it cannot be updated in place; pass a writable copy"
                )
            g = grads[name]
            if not isinstance(g, np.ndarray) or g.shape != p.shape:
                raise ValueError(
                    f"params[{i}][1][{name!r}] must be an array of the parameter's "
                    f"shape {p.shape}, got {getattr(g, 'shape', type(g).__name__)}"
                )
    return [(values, grads) for values, grads in pairs]
