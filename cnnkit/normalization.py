"""Batch normalisation: each channel rescaled to mean 0 and variance 1, then scaled and shifted.

Shapes::

    x, out        : (N, C, H, W)
    weight, bias  : (C,)          one scale and one shift per channel (learned)
    running_mean  : (C,)          estimates kept for evaluation (not learned)
    running_var   : (C,)

For every channel ``c`` the ``m = N * H * W`` numbers of that channel (all examples, all
positions) are normalised together::

    mean = sum(x[:, c]) / m
    var  = sum((x[:, c] - mean) ** 2) / m                  (the biased variance)
    out[:, c] = weight[c] * (x[:, c] - mean) / sqrt(var + eps) + bias[c]

In *training* mode ``mean`` and ``var`` come from the batch, and the running estimates move
towards them, as PyTorch updates them::

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)

(the running variance takes the unbiased batch variance). In *evaluation* mode the running
estimates are used instead of the batch's, so one example's output no longer depends on the
others in its batch.

Two versions, held equal by a test: :func:`batch_norm2d_naive` and
:func:`batch_norm2d_backward_naive` loop over the channels and take the backward pass one
node of the graph at a time; :func:`batch_norm2d` and :func:`batch_norm2d_backward` do all
channels at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as check
from ._validate import as_float_array, as_image_batch, check_dout, result_dtype
from .layers import Layer

__all__ = [
    "batch_norm2d",
    "batch_norm2d_backward",
    "batch_norm2d_naive",
    "batch_norm2d_backward_naive",
    "BatchNorm2D",
]

AXES = (0, 2, 3)  # every axis but the channel axis: the numbers one channel's statistics use


def _per_channel(v: np.ndarray) -> np.ndarray:
    """A (C,) vector shaped (1, C, 1, 1), so that it meets x channel by channel."""
    return v.reshape(1, -1, 1, 1)


# --------------------------------------------------------------------- checking arguments


@dataclass
class _Args:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    running_mean: np.ndarray | None
    running_var: np.ndarray | None
    training: bool
    momentum: float
    eps: float


def _channel_vector(v: object, name: str, c: int, dtype: np.dtype, default: float) -> np.ndarray:
    """``weight``, ``bias``: None (all ``default``) or one number per channel, shape (C,)."""
    if v is None:
        return np.full(c, default, dtype)
    arr = as_float_array(v, name)
    if arr.shape != (c,):
        raise ValueError(
            f"{name} must have shape ({c},), one number per channel of x, got shape "
            f"{arr.shape}; a layer for these inputs is BatchNorm2D({c})"
        )
    return arr


def _running(v: object, name: str, c: int, training: bool) -> np.ndarray | None:
    """A running statistic: None, or shape (C,); a writable float array when it is updated."""
    if v is None:
        return None
    if training and not (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
        raise TypeError(
            f"{name} must be a float numpy array when training=True, because it is updated "
            f"in place; got {type(v).__name__}"
            + (f" of dtype {v.dtype}" if isinstance(v, np.ndarray) else "")
            + f"; pass np.zeros({c}) for running_mean and np.ones({c}) for running_var"
        )
    arr = as_float_array(v, name)
    if arr.shape != (c,):
        raise ValueError(
            f"{name} must have shape ({c},), one number per channel of x, got shape {arr.shape}"
        )
    if training and not arr.flags.writeable:
        raise ValueError(
            f"{name} is read-only, but training=True updates it in place; pass a writable "
            f"copy ({name}.copy()) or training=False"
        )
    return arr


def _args(x, weight, bias, running_mean, running_var, training, momentum, eps) -> _Args:
    x = as_image_batch(x, "x", unbatched=False)
    training = check.flag(training, "training")
    eps = check.positive_number(eps, "eps", "1e-5")
    if momentum is None:
        raise TypeError(
            "momentum=None (PyTorch's cumulative average) is not supported; use a number "
            "between 0 and 1, such as 0.1"
        )
    momentum = check.number(momentum, "momentum", "0.1")
    if not 0.0 <= momentum <= 1.0:  # also False for nan
        raise ValueError(f"momentum={momentum!r} must be between 0 and 1, such as 0.1")
    n, c, h, w = x.shape
    dtype = result_dtype(x)
    weight = _channel_vector(weight, "weight", c, dtype, 1.0)
    bias = _channel_vector(bias, "bias", c, dtype, 0.0)
    running_mean = _running(running_mean, "running_mean", c, training)
    running_var = _running(running_var, "running_var", c, training)
    if (running_mean is None) != (running_var is None):
        raise ValueError("pass both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError(
            "training=False normalises with the running statistics, but running_mean and "
            "running_var are None; pass them, or training=True to use the batch's own"
        )
    if training and n * h * w == 1:
        raise ValueError(
            f"x of shape {x.shape} has one value per channel: a batch's variance needs more "
            "than one value (PyTorch refuses it too); use a batch of two or more examples, "
            "or evaluation mode (training=False, model.eval())"
        )
    return _Args(x, weight, bias, running_mean, running_var, training, momentum, eps)


def _backward_args(x, weight, running_mean, running_var, training, eps) -> _Args:
    """The backward pass's arguments; in training mode it reads no running statistics (and
    never updates them)."""
    if isinstance(training, (bool, np.bool_)) and training:
        running_mean = running_var = None
    return _args(x, weight, None, running_mean, running_var, training, 0.1, eps)


def _update_running(a: _Args, mean: np.ndarray, var: np.ndarray) -> None:
    """Move the running estimates towards this batch's statistics, in place, as PyTorch."""
    if a.running_mean is None or not a.training or a.x.shape[0] == 0:
        return
    m = a.x.shape[0] * a.x.shape[2] * a.x.shape[3]
    unbiased = var * m / (m - 1)
    a.running_mean[...] = (1 - a.momentum) * a.running_mean + a.momentum * mean
    a.running_var[...] = (1 - a.momentum) * a.running_var + a.momentum * unbiased


# --------------------------------------------------------------------- loops


def batch_norm2d_naive(
    x: np.ndarray,
    weight: np.ndarray | None,
    bias: np.ndarray | None,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    """:func:`batch_norm2d` written one channel at a time. Read this first.

    >>> batch_norm2d_naive(np.arange(8.0).reshape(2, 1, 2, 2), None, None).round(2).ravel()
    array([-1.53, -1.09, -0.65, -0.22,  0.22,  0.65,  1.09,  1.53])
    """
    a = _args(x, weight, bias, running_mean, running_var, training, momentum, eps)
    n, c, h, w = a.x.shape
    out = np.empty(a.x.shape, result_dtype(a.x, a.weight, a.bias))
    if n == 0:
        return out
    means, variances = np.zeros(c), np.zeros(c)
    for ch in range(c):
        values = a.x[:, ch]  # every number of this channel: all examples, all positions
        if a.training:
            m = values.size
            mean = values.sum() / m
            var = ((values - mean) ** 2).sum() / m
        else:
            mean, var = a.running_mean[ch], a.running_var[ch]
        means[ch], variances[ch] = mean, var
        normalised = (values - mean) / np.sqrt(var + a.eps)  # mean 0, variance 1
        out[:, ch] = a.weight[ch] * normalised + a.bias[ch]  # then scale and shift
    _update_running(a, means, variances)
    return out


def batch_norm2d_backward_naive(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray | None,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    training: bool = True,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`batch_norm2d_backward` one channel at a time, one node of the graph at a time.

    The forward pass of one channel, as a graph of small steps (``m`` numbers ``v``)::

        (1) mu   = sum(v) / m            (5) std  = sqrt(var + eps)
        (2) d    = v - mu                (6) inv  = 1 / std
        (3) sq   = d ** 2                (7) vhat = d * inv
        (4) var  = sum(sq) / m           (8) out  = weight * vhat + bias

    The backward pass walks it from (8) back to (1), each step the local derivative times
    the gradient that arrived. In evaluation mode ``mu`` and ``var`` are the running
    statistics, constants, so only steps (8) and (7) carry a gradient.
    """
    a = _backward_args(x, weight, running_mean, running_var, training, eps)
    dtype = result_dtype(a.x, a.weight)
    dout = check_dout(dout, a.x.shape, dtype)
    n, c, h, w = a.x.shape
    dx = np.zeros(a.x.shape, dtype)
    dweight, dbias = np.zeros(c, dtype), np.zeros(c, dtype)
    if n == 0:
        return dx, dweight, dbias
    for ch in range(c):
        v, g = a.x[:, ch], dout[:, ch]
        m = v.size
        if a.training:
            mu = v.sum() / m  # (1)
            d = v - mu  # (2)
            var = (d**2).sum() / m  # (3), (4)
        else:
            mu, var = a.running_mean[ch], a.running_var[ch]
            d = v - mu
        std = np.sqrt(var + a.eps)  # (5)
        inv = 1 / std  # (6)
        vhat = d * inv  # (7)
        # (8) out = weight * vhat + bias
        dbias[ch] = g.sum()
        dweight[ch] = (g * vhat).sum()
        dvhat = g * a.weight[ch]
        # (7) vhat = d * inv: two inputs, two gradients
        dd = dvhat * inv
        dinv = (dvhat * d).sum()
        if a.training:
            dstd = -dinv / std**2  # (6) d(1/s)/ds = -1/s^2
            dvar = dstd * 0.5 / np.sqrt(var + a.eps)  # (5) d sqrt(u)/du = 1/(2 sqrt(u))
            dsq = np.full(v.shape, dvar / m)  # (4) each square counts 1/m in the sum
            dd = dd + 2 * d * dsq  # (3) d(d^2)/dd = 2d, added to the gradient from (7)
            dmu = -dd.sum()  # (2) d = v - mu: mu was taken from every d
            dx[:, ch] = dd + dmu / m  # (2) and (1): v reaches d directly and through mu
        else:
            dx[:, ch] = dd  # mu and var are constants: only d = v - mu passes a gradient
    return dx, dweight, dbias


# --------------------------------------------------------------------- vectorised


@dataclass
class _Cache:
    """What the backward pass needs from the forward pass."""

    x_hat: np.ndarray  # the normalised input, (N, C, H, W)
    inv_std: np.ndarray  # 1 / sqrt(var + eps), (C,)
    weight: np.ndarray
    training: bool


def _forward(a: _Args) -> tuple[np.ndarray, _Cache]:
    dtype = result_dtype(a.x, a.weight, a.bias)
    if a.x.shape[0] == 0:  # no examples: nothing to average, nothing updated (as PyTorch)
        empty = np.zeros(a.x.shape, dtype)
        return empty, _Cache(empty, np.ones(a.x.shape[1], dtype), a.weight, a.training)
    if a.training:
        mean, var = a.x.mean(axis=AXES), a.x.var(axis=AXES)  # this batch's, biased
    else:
        mean, var = a.running_mean, a.running_var
    inv_std = 1 / np.sqrt(var + a.eps)
    x_hat = ((a.x - _per_channel(mean)) * _per_channel(inv_std)).astype(dtype, copy=False)
    out = _per_channel(a.weight) * x_hat + _per_channel(a.bias)
    _update_running(a, mean, var)
    return out.astype(dtype, copy=False), _Cache(x_hat, inv_std.astype(dtype), a.weight, a.training)


def _backward(dout: np.ndarray, c: _Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dtype = c.x_hat.dtype
    dout = dout.astype(dtype, copy=False)
    if dout.shape[0] == 0:
        n_channels = dout.shape[1]
        return np.zeros(dout.shape, dtype), np.zeros(n_channels, dtype), np.zeros(n_channels, dtype)
    dbias = dout.sum(axis=AXES)  # db = dout summed over everything but the channel
    dweight = (dout * c.x_hat).sum(axis=AXES)  # dW = dout times the normalised input
    dx_hat = dout * _per_channel(c.weight)
    if not c.training:  # constant statistics: out is a plain scale of x
        return (dx_hat * _per_channel(c.inv_std)).astype(dtype, copy=False), dweight, dbias
    # Every x moves the channel's mean and variance too; the naive version's steps (1)-(6)
    # add up to this: dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)).
    dx = _per_channel(c.inv_std) * (
        dx_hat
        - dx_hat.mean(axis=AXES, keepdims=True)
        - c.x_hat * (dx_hat * c.x_hat).mean(axis=AXES, keepdims=True)
    )
    return dx.astype(dtype, copy=False), dweight, dbias


def batch_norm2d(
    x: np.ndarray,
    weight: np.ndarray | None,
    bias: np.ndarray | None,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    training: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    """Batch normalisation of every channel of ``x``, as ``torch.nn.functional.batch_norm``.

    **This function changes two of its arguments.** With ``training=True`` and running
    statistics given, ``running_mean`` and ``running_var`` are updated in place (as PyTorch
    does); it is the one function of cnnkit that changes an argument. With
    ``training=False`` nothing is changed; with no running statistics neither.

    The arguments are PyTorch's, in this order: PyTorch's ``F.batch_norm(input,
    running_mean, running_var, weight, bias, training, momentum, eps)`` puts the running
    statistics first, cnnkit the learned ``weight`` and ``bias``, like its other functions.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weight, bias : ndarray, shape (C,), or None
        Scale and shift per channel; None means 1 and 0.
    running_mean, running_var : float ndarray, shape (C,), or None
        Required when ``training=False``; updated in place when ``training=True``.
    training : bool, default True
        True: normalise with this batch's mean and (biased) variance. False: with the
        running statistics.
    momentum : float in [0, 1], default 0.1
        How far the running statistics move towards this batch's (see the module text).
    eps : float > 0, default 1e-5
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> out = batch_norm2d(np.random.default_rng(0).normal(3, 2, (8, 4, 5, 5)), None, None)
    >>> out.shape, bool(np.allclose(out.mean(axis=(0, 2, 3)), 0))
    ((8, 4, 5, 5), True)
    """
    a = _args(x, weight, bias, running_mean, running_var, training, momentum, eps)
    return _forward(a)[0]


def batch_norm2d_backward(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray | None,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    training: bool = True,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`batch_norm2d` with respect to ``x``, ``weight`` and ``bias``.

    Takes the forward pass's inputs (the bias does not change any gradient) and changes
    nothing. In training mode every input also moves its channel's mean and variance, so
    ``dx`` has two extra terms; in evaluation mode ``dx = dout * weight / sqrt(var + eps)``.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H, W)
        Gradient of the loss with respect to the output.
    x, weight, running_mean, running_var, training, eps
        As given to :func:`batch_norm2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dweight, dbias : ndarray, shape (C,)

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4, 2, 3, 3))
    >>> dx, dw, db = batch_norm2d_backward(np.ones_like(x), x, None)
    >>> dx.shape, db.tolist()
    ((4, 2, 3, 3), [36.0, 36.0])
    """
    a = _backward_args(x, weight, running_mean, running_var, training, eps)
    dout = check_dout(dout, a.x.shape)
    return _backward(dout, _forward(a)[1])


# --------------------------------------------------------------------- the layer


class BatchNorm2D(Layer):
    """Batch normalisation of a conv layer's channels, as ``torch.nn.BatchNorm2d``.

    Learns ``weight`` (starts at 1) and ``bias`` (starts at 0), one per channel. Keeps
    ``running_mean`` (starts at 0) and ``running_var`` (starts at 1), which training-mode
    forward passes update and evaluation mode uses. A new layer is in training mode;
    ``eval()`` switches to evaluation mode, ``train()`` back (``Sequential.eval()`` does it
    for every layer, and :func:`cnnkit.evaluate` and :func:`cnnkit.predict` do it for you).

    Parameters
    ----------
    num_features : int
        Channels C of the input (N, C, H, W).
    eps : float, default 1e-5
    momentum : float, default 0.1
    dtype : numpy dtype, default float64

    Examples
    --------
    >>> bn = BatchNorm2D(8)
    >>> bn.forward(np.random.default_rng(0).normal(size=(4, 8, 5, 5))).shape
    (4, 8, 5, 5)
    >>> sorted(bn.params), bn.training, bn.eval().training
    (['bias', 'weight'], True, False)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        super().__init__()
        self.num_features = check.positive_int(num_features, "num_features")
        check.weight_shape((self.num_features,), f"num_features={self.num_features}")
        self.eps = check.positive_number(eps, "eps", "1e-5")
        momentum = check.number(momentum, "momentum", "0.1")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum={momentum!r} must be between 0 and 1, such as 0.1")
        self.momentum = momentum
        dtype = check.float_dtype(dtype)
        c = self.num_features
        self.params = {"weight": np.ones(c, dtype), "bias": np.zeros(c, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.running_mean = np.zeros(c, dtype)
        self.running_var = np.ones(c, dtype)
        self.training = True
        self._cache: _Cache | None = None

    def __repr__(self) -> str:
        text = f"BatchNorm2D({self.num_features}"
        if self.eps != 1e-5:
            text += f", eps={self.eps!r}"
        if self.momentum != 0.1:
            text += f", momentum={self.momentum!r}"
        return text + ")"

    def train(self, mode: bool = True) -> BatchNorm2D:
        """Training mode (``mode=True``): batch statistics, running ones updated."""
        self.training = check.flag(mode, "mode")
        return self

    def eval(self) -> BatchNorm2D:
        """Evaluation mode: normalise with the running statistics, update nothing."""
        return self.train(False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_image_batch(x, "x", unbatched=False)
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{self!r} expects {self.num_features} channels, got x of shape {x.shape}; "
                f"use BatchNorm2D({x.shape[1]}) after a layer with {x.shape[1]} channels"
            )
        a = _args(
            x,
            self.params["weight"],
            self.params["bias"],
            self.running_mean,
            self.running_var,
            self.training,
            self.momentum,
            self.eps,
        )
        out, self._cache = _forward(a)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_cache")
        dout = check_dout(dout, self._cache.x_hat.shape)
        dx, dweight, dbias = _backward(dout, self._cache)
        self.grads["weight"], self.grads["bias"] = dweight, dbias
        return dx

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) not in (3, 4):
            raise ValueError(f"input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}")
        if input_shape[-3] != self.num_features:
            raise ValueError(
                f"{self!r} expects {self.num_features} channels, got shape {input_shape}"
            )
        return tuple(input_shape)
