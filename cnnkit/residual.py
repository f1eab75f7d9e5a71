"""A residual block: ``out = body(x) + shortcut(x)``, the building block of ResNets.

The body is a few layers run in order (typically conv, batch norm, ReLU, conv, batch norm);
the shortcut is the input itself (identity), or a 1x1 convolution when the body changes the
number of channels or the size of the maps. Because the two are added, the backward pass
sends ``dout`` down both paths and adds what comes back::

    dx = body.backward(dout) + shortcut.backward(dout)     (identity: + dout)

so the gradient reaches ``x`` undiminished through the shortcut even when the body's
gradient is small: that is why very deep stacks of these blocks still train.

Parameters are named as PyTorch names those of a module with ``self.body =
nn.Sequential(...)`` and ``self.shortcut = ...``: ``"body.0.weight"``, ``"body.1.bias"``,
``"shortcut.weight"`` (``"shortcut.0.weight"`` for a Sequential shortcut). They are the
inner layers' own arrays, so :class:`SGD` updates those layers.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_dout
from .layers import Layer
from .model import Sequential, SummaryRow, layer_row

__all__ = ["Residual"]


class Residual(Layer):
    """``body(x) + shortcut(x)``: the layers given, plus a shortcut around them.

    Parameters
    ----------
    *layers : Layer
        The body, run in order; its output must have the shape of the shortcut's.
    shortcut : Layer, Sequential or None, default None
        None adds ``x`` itself (identity). When the body changes the channels or the size,
        give a 1x1 convolution that does the same, e.g. ``Conv2D(8, 16, 1, stride=2)``
        (or ``Sequential(Conv2D(8, 16, 1, stride=2), BatchNorm2D(16))``).

    Examples
    --------
    >>> from cnnkit import Conv2D, BatchNorm2D, ReLU
    >>> block = Residual(Conv2D(4, 4, 3, padding=1, rng=0), BatchNorm2D(4), ReLU(),
    ...                  Conv2D(4, 4, 3, padding=1, rng=1), BatchNorm2D(4))
    >>> block.forward(np.zeros((2, 4, 6, 6))).shape
    (2, 4, 6, 6)
    >>> list(block.params)[:3]
    ['body.0.weight', 'body.0.bias', 'body.1.weight']
    """

    def __init__(self, *layers: Layer, shortcut: Layer | Sequential | None = None) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            raise TypeError(
                f"Residual got one {type(layers[0]).__name__} of layers; pass the layers as "
                "separate arguments, Residual(*layers) or Residual(Conv2D(...), ReLU())"
            )
        if not layers:
            raise ValueError(
                "Residual() has no layers in its body; give the layers the shortcut goes "
                "around, e.g. Residual(Conv2D(8, 8, 3, padding=1), BatchNorm2D(8))"
            )
        self.body = Sequential(*layers)  # checks that every one is a layer
        if shortcut is not None and not isinstance(shortcut, (Layer, Sequential)):
            raise TypeError(
                f"shortcut={shortcut!r} must be a cnnkit layer, a Sequential or None (the "
                "identity); for a channel change use a 1x1 convolution, Conv2D(in, out, 1)"
            )
        self.shortcut = shortcut
        self.training = True
        self.params = {key: layer.params[name] for key, layer, name in self._named()}
        self.grads = {key: layer.grads[name] for key, layer, name in self._named()}
        self._shape: tuple[int, ...] | None = None

    def _parts(self) -> list[tuple[str, Layer]]:
        """Every layer inside with its PyTorch-style name: body.0, ..., shortcut(.0, ...)."""
        parts = [(f"body.{i}", layer) for i, layer in enumerate(self.body.layers)]
        if isinstance(self.shortcut, Sequential):
            parts += [(f"shortcut.{i}", layer) for i, layer in enumerate(self.shortcut.layers)]
        elif self.shortcut is not None:
            parts.append(("shortcut", self.shortcut))
        return parts

    def _named(self):
        for prefix, layer in self._parts():
            for name in layer.params:
                yield f"{prefix}.{name}", layer, name

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.body.layers)
        if self.shortcut is not None:
            inner += f", shortcut={self.shortcut!r}".replace("\n", "")
        return f"Residual({inner})"

    @property
    def summary_name(self) -> str:
        """The block's line in a model summary; its layers follow on lines of their own."""
        return "Residual: body(x) + " + ("x" if self.shortcut is None else "shortcut(x)")

    def train(self, mode: bool = True) -> Residual:
        """Training or evaluation mode for every layer inside (see Sequential.train)."""
        self.body.train(mode)
        self.training = self.body.training
        if callable(getattr(self.shortcut, "train", None)):
            self.shortcut.train(self.training)
        return self

    def eval(self) -> Residual:
        return self.train(False)

    def _shortcut_output(self, x: np.ndarray) -> np.ndarray:
        return x if self.shortcut is None else self.shortcut.forward(x)

    def _check_shapes(self, body: tuple[int, ...], skip: tuple[int, ...], x: tuple) -> None:
        if tuple(body) == tuple(skip):
            return
        text = (
            f"the body's output has shape {tuple(body)} but the shortcut's has shape "
            f"{tuple(skip)}, so the two cannot be added; "
        )
        if self.shortcut is None and len(body) == len(x) >= 3:
            cin, cout = x[-3], body[-3]
            fits = [  # a 1x1 kernel at stride s makes (n - 1) // s + 1 rows of n
                s
                for s in range(1, min(max(x[-1], x[-2]), 64) + 1)
                if (x[-2] - 1) // s + 1 == body[-2] and (x[-1] - 1) // s + 1 == body[-1]
            ]
            stride = fits[0] if fits else None
            if stride is not None:
                keep = (
                    ""
                    if stride == 1
                    else (
                        ", or keep the map size in the body (padding=1 for 3x3 kernels at stride 1)"
                    )
                )
                raise ValueError(
                    text + "give the block a shortcut that changes the input the same way, "
                    f"shortcut=Conv2D({cin}, {cout}, kernel_size=1"
                    + (f", stride={stride})" if stride != 1 else ")")
                    + keep
                )
            raise ValueError(
                text + "keep the map size in the body (padding='same' or padding=1 for 3x3 "
                "kernels) or give a shortcut=Conv2D(..., kernel_size=1, ...) that matches it"
            )
        raise ValueError(text + "change the shortcut or the body so that both give one shape")

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        for key, layer, name in self._named():  # an inner array replaced since: follow it
            self.params[key] = layer.params[name]
        out = self.body.forward(x)  # the path through the layers
        skip = self._shortcut_output(x)  # the path around them
        self._check_shapes(out.shape, skip.shape, x.shape)
        self._shape = out.shape
        return out + skip

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._need_forward("_shape")
        dout = check_dout(dout, self._shape)
        # out = body(x) + shortcut(x): dout reaches both paths unchanged (d(a+b)/da = 1) ...
        dx_body = self.body.backward(dout)
        dx_skip = dout if self.shortcut is None else self.shortcut.backward(dout)
        for key, layer, name in self._named():  # the inner layers stored new gradients
            self.grads[key] = layer.grads[name]
        # ... and both paths start at x, so their gradients with respect to x add up
        return dx_body + dx_skip

    def _shortcut_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.shortcut is None:
            return tuple(input_shape)
        if isinstance(self.shortcut, Sequential):
            shape = tuple(input_shape)
            for layer in self.shortcut.layers:
                shape = tuple(layer.output_shape(shape))
            return shape
        return tuple(self.shortcut.output_shape(input_shape))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        for layer in self.body.layers:
            shape = tuple(int(s) for s in layer.output_shape(shape))
        self._check_shapes(shape, self._shortcut_shape(input_shape), tuple(input_shape))
        return shape

    def summary_parts(self, input_shape: tuple[int, ...]) -> list[SummaryRow]:
        """One summary row per layer inside: the body's in order, then the shortcut."""
        rows, shape = [], tuple(input_shape)
        for i, layer in enumerate(self.body.layers):
            rows.append(layer_row(i, f"body.{i} {layer!r}", layer, shape))
            shape = rows[-1].output_shape
        if self.shortcut is None:
            identity = tuple(int(s) for s in input_shape)
            rows.append(SummaryRow(len(rows), "shortcut: identity, x itself", identity, 0, 0))
            return rows
        shape = tuple(input_shape)
        for prefix, layer in self._parts()[len(self.body.layers) :]:
            rows.append(layer_row(len(rows), f"{prefix} {layer!r}", layer, shape))
            shape = rows[-1].output_shape
        return rows
