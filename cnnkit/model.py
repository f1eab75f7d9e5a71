"""A model is a list of layers run in order; its summary counts nodes and parameters."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from . import _validate as check
from .layers import Conv2D, Dense, Layer

__all__ = ["Sequential", "Summary", "SummaryRow", "computes_nodes", "layer_row"]


def computes_nodes(layer: Layer) -> bool:
    """True when the layer's outputs are **nodes**: neurons that each compute a weighted sum of
    their inputs plus a bias (``Conv2D``, ``Dense``; a layer may say so itself with a
    ``computes_nodes`` attribute). ``ReLU``, pooling and ``Flatten`` compute no sums: they
    apply the activation to, pick from or rearrange the nodes of the layer before them, so
    they add no nodes of their own.
    """
    flag = getattr(layer, "computes_nodes", None)
    if flag is not None:
        return bool(flag)
    return isinstance(layer, (Conv2D, Dense))


@dataclass(frozen=True)
class SummaryRow:
    """One line of a model summary.

    ``nodes`` counts the layer's neurons for one example, each computing a weighted sum plus a
    bias: for a conv layer channels x height x width of its output, for a dense layer its
    outputs. It is 0 for layers that compute no sums (ReLU, pooling, Flatten); see
    :func:`computes_nodes`.
    """

    index: int
    name: str
    output_shape: tuple[int, ...]
    nodes: int
    params: int
    parts: tuple[SummaryRow, ...] = ()  # the layers inside a block (see Residual), indented


def layer_row(index: int, name: str, layer: Layer, input_shape: tuple[int, ...]) -> SummaryRow:
    """The summary row of one layer for ``input_shape``. A block that contains layers (it has
    a ``summary_parts(input_shape)`` method, as :class:`Residual`) gets their rows as its
    ``parts``, and its nodes are theirs."""
    shape = tuple(int(s) for s in layer.output_shape(input_shape))
    parts: tuple[SummaryRow, ...] = ()
    if callable(getattr(layer, "summary_parts", None)):
        parts = tuple(layer.summary_parts(input_shape))
    if parts:
        nodes = sum(p.nodes for p in parts)
    else:
        nodes = math.prod(shape) if computes_nodes(layer) else 0
    return SummaryRow(index, name, shape, nodes, layer.n_params, parts)


@dataclass(frozen=True)
class Summary:
    """The table returned by :meth:`Sequential.summary`; ``str()`` prints it."""

    input_shape: tuple[int, ...]
    rows: tuple[SummaryRow, ...]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def total_nodes(self) -> int:
        """Nodes (neurons) in all layers; the input pixels are data, not nodes."""
        return sum(r.nodes for r in self.rows)

    def __iter__(self) -> Iterator[SummaryRow]:
        return iter(self.rows)

    def __str__(self) -> str:
        header = ("layer", "output shape", "nodes", "parameters")
        body = [("input", _shape(self.input_shape), "-", "0")]
        body += [
            (
                "  " * depth + r.name,
                _shape(r.output_shape),
                f"{r.nodes:,}" if r.nodes else "-",
                f"{r.params:,}",
            )
            for r, depth in _with_parts(self.rows)
        ]
        total = ("total", "", f"{self.total_nodes:,}", f"{self.total_params:,}")
        widths = [max(len(row[i]) for row in [header, *body, total]) for i in range(4)]

        def fmt(row: tuple[str, ...]) -> str:
            return "  ".join(
                [
                    row[0].ljust(widths[0]),
                    row[1].ljust(widths[1]),
                    row[2].rjust(widths[2]),
                    row[3].rjust(widths[3]),
                ]
            ).rstrip()

        rule = "-" * len(fmt(header))
        notes = [
            "nodes: neurons, each computing a weighted sum plus a bias (Conv2D, Dense)",
            "-    : no nodes of its own: the input is data; ReLU, pooling and Flatten",
            "       transform the nodes of the layer before them",
        ]
        if any(r.name.startswith("BatchNorm2D") for r, _ in _with_parts(self.rows)):
            notes.append(
                "       BatchNorm2D has none either: its 2 parameters per channel scale and shift"
            )
            notes.append("       each value the layer before it computed")
        return "\n".join([fmt(header), rule, *map(fmt, body), rule, fmt(total), *notes])

    def _repr_pretty_(self, printer, cycle) -> None:  # shown as the table in notebooks
        printer.text(str(self))


def _with_parts(rows: tuple[SummaryRow, ...], depth: int = 0) -> Iterator[tuple[SummaryRow, int]]:
    """Every row, each followed by the rows of the layers inside it, one level deeper."""
    for r in rows:
        yield r, depth
        yield from _with_parts(r.parts, depth + 1)


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


class Sequential:
    """Layers applied one after the other: ``forward`` runs them in order, ``backward`` in
    reverse, handing each layer the gradient of the one after it (the chain rule).

    Examples
    --------
    >>> from cnnkit import Conv2D, ReLU, Flatten, Dense
    >>> net = Sequential(Conv2D(1, 4, 3, padding=1, rng=0), ReLU(), Flatten(),
    ...                  Dense(4 * 8 * 8, 10, rng=0))
    >>> net.forward(np.zeros((2, 1, 8, 8))).shape
    (2, 10)
    """

    def __init__(self, *layers: Layer) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            raise TypeError(
                f"Sequential got one {type(layers[0]).__name__} of layers; pass the layers as "
                "separate arguments, Sequential(*layers) or Sequential(Conv2D(...), ReLU())"
            )
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {i} is {layer!r}, not a cnnkit layer; pass layers such as "
                    "Conv2D(...), ReLU() (instances, with parentheses)"
                )
        self.layers: list[Layer] = list(layers)
        self.training = True

    def train(self, mode: bool = True) -> Sequential:
        """Put the model in training mode (``mode=True``) or evaluation mode, as PyTorch's
        ``model.train()``: every layer that has a ``train`` method (such as
        :class:`BatchNorm2D`) is switched too. Other layers behave the same in both modes.
        Returns the model."""
        self.training = check.flag(mode, "mode")
        for layer in self.layers:
            if callable(getattr(layer, "train", None)):
                layer.train(self.training)
        return self

    def eval(self) -> Sequential:
        """Evaluation mode, as PyTorch's ``model.eval()``: batch normalisation uses its
        running statistics. :func:`cnnkit.evaluate` and :func:`cnnkit.predict` switch to it
        for their forward passes and switch back afterwards. Returns the model."""
        return self.train(False)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Run every layer in order; an error names the layer (index and class) that
        rejected its input, followed by that layer's own message."""
        for i, layer in enumerate(self.layers):
            x = _blame(i, layer, "its input", layer.forward, x)
        return x

    __call__ = forward

    def forward_all(self, x: np.ndarray) -> list[np.ndarray]:
        """The input and every layer's output, in order (for looking inside the network)."""
        outputs = [x]
        for i, layer in enumerate(self.layers):
            outputs.append(_blame(i, layer, "its input", layer.forward, outputs[-1]))
        return outputs

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Run every layer's backward in reverse order (an error names the layer)."""
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            dout = _blame(i, layer, "the gradient dout", layer.backward, dout)
        return dout

    def params(self) -> list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
        """The (params, grads) dict pairs of every layer that learns, for :class:`SGD`."""
        return [(layer.params, layer.grads) for layer in self.layers if layer.params]

    def zero_grad(self) -> None:
        """Set every gradient to 0 (never required: ``backward`` overwrites them)."""
        for layer in self.layers:
            for g in layer.grads.values():
                g[...] = 0

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    def summary(self, input_shape: tuple[int, ...]) -> Summary:
        """Output shape, nodes and parameters of every layer for one input of ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One example's shape, e.g. ``(1, 8, 8)`` for a grayscale 8x8 image.
        """
        input_shape = check.shape(input_shape, "input_shape", "(1, 8, 8)")
        shape, rows = input_shape, []
        for i, layer in enumerate(self.layers):
            name = getattr(layer, "summary_name", None) or repr(layer)
            try:
                row = layer_row(i, name, layer, shape)
            except ValueError as exc:
                raise ValueError(f"layer {i} ({layer!r}) cannot take input {shape}: {exc}") from exc
            shape = row.output_shape
            rows.append(row)
        return Summary(input_shape, tuple(rows))


def _blame(index: int, layer: Layer, what: str, method: Callable, value: object) -> np.ndarray:
    """Call ``method(value)``; if the layer refuses it, say which layer did, in front of the
    layer's own message (same exception type, the original chained as its cause)."""
    try:
        return method(value)
    except (ValueError, TypeError, RuntimeError) as exc:
        if type(exc) not in (ValueError, TypeError, RuntimeError):
            raise  # a subclass may need other constructor arguments: leave it untouched
        raise type(exc)(f"layer {index} ({layer!r}) rejected {what}: {exc}") from exc
