"""Layers: each has ``forward``, a ``backward`` that mirrors it, and ``params``/``grads``.

Every layer follows one contract:

- ``forward(x)`` computes the output and keeps what ``backward`` will need;
- ``backward(dout)`` takes d loss / d output, stores d loss / d parameter in ``grads``
  (overwriting, never accumulating) and returns d loss / d input;
- ``params`` and ``grads`` are dicts with PyTorch's keys (``"weight"``, ``"bias"``);
- ``output_shape(input_shape)`` and ``n_params`` describe the layer without running it.

Shapes of one example leave out the batch axis: ``(C, H, W)`` for images, ``(features,)``
after :class:`Flatten`. Passing the batch axis too is fine; it is kept.
"""

from __future__ import annotations

import numpy as np

from . import _validate as _check
from ._validate import as_float_array, as_image_batch, check_dout, check_ndim, pair, positive_int
from .conv import ConvCache, conv2d_backward, conv2d_forward
from .groups import check_groups
from .pool import PoolCache, max_pool2d_backward, max_pool2d_forward
from .shapes import Padding, conv_output_size, pool_output_size, resolve_padding

__all__ = ["Layer", "Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense"]

RNG = None | int | np.random.Generator


def _rng(rng: RNG) -> np.random.Generator:
    """A Generator from a seed, a Generator, or None (a fresh, unseeded one)."""
    return _check.as_rng(rng, "rng")


def _short(value: object) -> str:
    """Write (3, 3) as 3 and 'same' as 'same', for compact layer names."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        value = value[0]
    return repr(value)


class Layer:
    """Base class: a layer with no parameters that passes its input through unchanged."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    @property
    def n_params(self) -> int:
        """Number of learnable numbers (weights and biases) in the layer."""
        return int(sum(p.size for p in self.params.values()))

    def _need_forward(self, attr: str) -> None:
        if getattr(self, attr, None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")


class Conv2D(Layer):
    """A convolution layer: ``out_channels`` kernels of shape (in_channels/groups, KH, KW).

    Weights start He-normal (std ``sqrt(2 / fan_in)``, suited to ReLU, with fan_in the
    in_channels/groups*KH*KW inputs of one node), biases at 0.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or (int, int)
    padding : int, (int, int), "valid" or "same"
    groups : int, default 1
        Must divide both channel counts; each kernel reads in_channels/groups channels
        (see :mod:`cnnkit.groups`), so the weight is (out, in/groups, KH, KW) as in PyTorch.
    rng : None, int or numpy Generator
        Seed for the initial weights.
    dtype : numpy dtype, default float64

    Examples
    --------
    >>> Conv2D(1, 8, 3, padding=1, rng=0).forward(np.zeros((2, 1, 8, 8))).shape
    (2, 8, 8, 8)
    >>> Conv2D(4, 4, 3, groups=4, rng=0).params["weight"].shape  # depthwise
    (4, 1, 3, 3)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: Padding = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        rng: RNG = None,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        self.padding = padding
        resolve_padding(padding, self.kernel_size, self.stride, self.dilation)  # validate now
        self.groups = check_groups(groups, self.in_channels, self.out_channels)
        depth = self.in_channels // self.groups  # channels each kernel reads
        fan_in = depth * self.kernel_size[0] * self.kernel_size[1]
        shape = (self.out_channels, depth, *self.kernel_size)
        _check.weight_shape(
            shape,
            f"in_channels={self.in_channels}, out_channels="
            f"{self.out_channels} and kernel_size={self.kernel_size}",
        )
        dtype = _check.float_dtype(dtype)
        weight = _rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
        self.params = {"weight": weight.astype(dtype), "bias": np.zeros(out_channels, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x: np.ndarray | None = None
        self._cache: ConvCache | None = None

    def __repr__(self) -> str:
        text = (
            f"Conv2D({self.in_channels}, {self.out_channels}, "
            f"kernel_size={_short(self.kernel_size)}"
        )
        if self.stride != (1, 1):
            text += f", stride={_short(self.stride)}"
        if self.padding not in (0, (0, 0), "valid"):
            text += f", padding={_short(self.padding)}"
        if self.dilation != (1, 1):
            text += f", dilation={_short(self.dilation)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ")"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_image_batch(x, "x", unbatched=False)
        # The cache keeps the input's columns, so backward does not build them again; the
        # last batch's cache lends its memory.
        out, self._cache = conv2d_forward(
            x,
            self.params["weight"],
            self.params["bias"],
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            reuse=self._cache,
        )
        self._x = x
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_x")
        # dx = dout convolved back onto the input, dW = input correlated with dout,
        # db = dout summed (see conv2d_backward_naive for the rule, node by node).
        dx, dweight, dbias = conv2d_backward(
            dout,
            self._x,
            self.params["weight"],
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            cache=self._cache,
        )
        self.grads["weight"], self.grads["bias"] = dweight, dbias
        return dx

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) < 3:
            raise ValueError(f"input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}")
        *lead, c, h, w = input_shape
        if c != self.in_channels:
            raise ValueError(
                f"{self!r} expects {self.in_channels} input channels, got shape {input_shape}"
            )
        pads = resolve_padding(self.padding, self.kernel_size, self.stride, self.dilation)
        oh, ow = (
            conv_output_size(n, self.kernel_size[a], self.stride[a], pads[a], self.dilation[a])
            for a, n in enumerate((h, w))
        )
        return (*lead, self.out_channels, oh, ow)


class ReLU(Layer):
    """``max(0, x)`` element by element; the gradient passes only where ``x > 0``."""

    def __init__(self) -> None:
        super().__init__()
        self._mask: np.ndarray | None = None

    def __repr__(self) -> str:
        return "ReLU()"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        self._mask = x > 0
        return x * self._mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_mask")
        dout = check_dout(dout, self._mask.shape)
        return dout * self._mask  # d relu(x)/dx = 1 where x > 0, else 0


class MaxPool2D(Layer):
    """Max pooling over ``kernel_size`` windows (stride defaults to the kernel size)."""

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else pair(stride, "stride")
        self._x: np.ndarray | None = None
        self._cache: PoolCache | None = None

    def __repr__(self) -> str:
        text = f"MaxPool2D(kernel_size={_short(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={_short(self.stride)}"
        return text + ")"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_image_batch(x, "x", unbatched=False)
        # The cache keeps where each window's first maximum is, so that backward only
        # routes dout: it compares no values again.
        out, self._cache = max_pool2d_forward(x, self.kernel_size, self.stride)
        self._x = x
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_x")
        # dx = dout at each window's winning pixel, 0 elsewhere
        return max_pool2d_backward(dout, self._x, self.kernel_size, self.stride, cache=self._cache)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) < 3:
            raise ValueError(f"input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}")
        *lead, c, h, w = input_shape
        return (
            *lead,
            c,
            pool_output_size(h, self.kernel_size[0], self.stride[0]),
            pool_output_size(w, self.kernel_size[1], self.stride[1]),
        )


class Flatten(Layer):
    """Reshape (N, C, H, W) to (N, C*H*W) so a Dense layer can follow."""

    def __init__(self) -> None:
        super().__init__()
        self._shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return "Flatten()"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 2:
            raise ValueError(
                f"x must have a batch axis and at least one more, such as (N, C, H, W), got "
                f"shape {x.shape}; for one image add a batch axis with x[None]"
            )
        self._shape = x.shape
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))  # also for N = 0

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_shape")
        flat = (self._shape[0], int(np.prod(self._shape[1:])))
        dout = check_dout(dout, flat)
        return dout.reshape(self._shape)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) == 4:
            return (input_shape[0], int(np.prod(input_shape[1:])))
        return (int(np.prod(input_shape)),)


class Dense(Layer):
    """A fully connected layer: ``y = x @ weight.T + bias``, weight of shape (out, in).

    Weights start Glorot-uniform (limit ``sqrt(6 / (in + out))``), biases at 0.

    Examples
    --------
    >>> Dense(64, 10, rng=0).forward(np.zeros((5, 64))).shape
    (5, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        rng: RNG = None,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        limit = np.sqrt(6.0 / (self.in_features + self.out_features))
        _check.weight_shape(
            (self.out_features, self.in_features),
            f"in_features={self.in_features} and out_features={self.out_features}",
        )
        dtype = _check.float_dtype(dtype)
        weight = _rng(rng).uniform(-limit, limit, size=(self.out_features, self.in_features))
        self.params = {"weight": weight.astype(dtype), "bias": np.zeros(out_features, dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        check_ndim(x, "x", 2, "(N, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r} expects {self.in_features} features per example, got x of shape "
                f"{x.shape}; check the Flatten output size in model.summary()"
            )
        self._x = x
        return x @ self.params["weight"].T + self.params["bias"]

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_x")
        dout = check_dout(dout, (len(self._x), self.out_features))
        self.grads["weight"] = dout.T @ self._x  # dW = dout^T x
        self.grads["bias"] = dout.sum(axis=0)  # db = sum of dout over the batch
        return dout @ self.params["weight"]  # dx = dout W

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        *lead, features = input_shape
        if features != self.in_features:
            raise ValueError(
                f"{self!r} expects {self.in_features} input features, got shape {input_shape}"
            )
        return (*lead, self.out_features)
