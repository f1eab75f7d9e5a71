"""The stack explorer of notebook 06: build a small stack of conv layers (and pooling), and
see each layer's output size, its parameters and how far one node of the last layer sees.

The logic is in pure functions, tested over every control position:

- :func:`build_stack` makes the layers (conv ``kernel_size`` x ``kernel_size`` with no
  padding, ``channels`` kernels each, optionally a 2x2 max pooling after each conv);
- :func:`stack_rows` computes, layer by layer, the output size, the parameters and the
  receptive field size, or raises ``ValueError`` in words when the stack does not fit;
- :func:`draw_stack` returns the figure and the table the explorer shows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import ipywidgets as widgets

from ..layers import Conv2D, Layer, MaxPool2D
from ..receptive import receptive_field
from ..shapes import conv_output_size, pool_output_size
from ..viz.pooling_and_receptive_fields import plot_receptive_field_growth
from ._explorer import Explorer

__all__ = [
    "STACK_CHOICES",
    "StackRow",
    "build_stack",
    "stack_rows",
    "describe_stack",
    "draw_stack",
    "stack_explorer",
]

#: The values every control of the stack explorer can take.
STACK_CHOICES: dict[str, tuple] = {
    "input_size": (8, 12, 16, 24, 32),
    "n_layers": (1, 2, 3, 4),
    "kernel_size": (1, 2, 3, 5, 7),
    "stride": (1, 2, 3),
    "pool": (False, True),
    "node_row": tuple(range(0, 32)),
    "node_col": tuple(range(0, 32)),
}
CHANNELS = 8  # kernels in every conv layer of the explorer's stack (the input has 1 channel)


class StackRow(NamedTuple):
    """One layer of the stack: its name, output side, parameters and receptive field side."""

    name: str
    size: int
    params: int
    field: int


def build_stack(
    n_layers: int, kernel_size: int, stride: int = 1, pool: bool = False, channels: int = CHANNELS
) -> list[Layer]:
    """``n_layers`` conv layers (no padding), each followed by 2x2 max pooling if ``pool``.

    Examples
    --------
    >>> [type(layer).__name__ for layer in build_stack(2, 3, pool=True)]
    ['Conv2D', 'MaxPool2D', 'Conv2D', 'MaxPool2D']
    """
    layers: list[Layer] = []
    for i in range(int(n_layers)):
        layers.append(
            Conv2D(1 if i == 0 else channels, channels, kernel_size, stride=stride, rng=i)
        )
        if pool:
            layers.append(MaxPool2D(2))
    return layers


def _name(layer: Layer) -> str:
    if isinstance(layer, Conv2D):
        k, s = layer.kernel_size[0], layer.stride[0]
        return f"conv {k}x{k}" + (f", stride {s}" if s > 1 else "")
    return "max pool 2x2"


def stack_rows(
    input_size: int, n_layers: int, kernel_size: int, stride: int = 1, pool: bool = False
) -> list[StackRow]:
    """Output side, parameters and receptive-field side after each layer of the stack.

    Raises
    ------
    ValueError
        When a layer's window no longer fits on its input, naming the layer and the sizes.
    """
    layers = build_stack(n_layers, kernel_size, stride, pool)
    rows, size = [], input_size
    for i, layer in enumerate(layers):
        name = _name(layer)
        k = layer.kernel_size[0]
        if k > size:
            raise ValueError(
                f"layer {i + 1} ({name}) gets a {size}x{size} map, smaller than its {k}x{k} "
                "window; use fewer layers, a smaller kernel or stride, no pooling, or a larger "
                "input"
            )
        if isinstance(layer, Conv2D):
            size = conv_output_size(size, k, stride)
        else:
            size = pool_output_size(size, 2)
        field = receptive_field(0, 0, layers[: i + 1]).shape[0]
        rows.append(StackRow(name, size, layer.n_params, field))
    return rows


def describe_stack(
    input_size: int, n_layers: int, kernel_size: int, stride: int = 1, pool: bool = False
) -> str:
    """The stack as a table: output size, parameters and receptive field of every layer."""
    rows = stack_rows(input_size, n_layers, kernel_size, stride, pool)
    lines = [
        f"{'layer':<20}{'output':>12}{'parameters':>12}{'one node sees':>15}",
        f"{'input':<20}{f'1x{input_size}x{input_size}':>12}{0:>12}{'1x1':>15}",
    ]
    for r in rows:
        lines.append(
            f"{r.name:<20}{f'{CHANNELS}x{r.size}x{r.size}':>12}{r.params:>12,}"
            f"{f'{r.field}x{r.field}':>15}"
        )
    total = sum(r.params for r in rows)
    lines.append(
        f"total parameters: {total:,}; a node of the last layer sees "
        f"{rows[-1].field}x{rows[-1].field} input pixels"
    )
    return "\n".join(lines)


def draw_stack(
    input_size: int = 16,
    n_layers: int = 3,
    kernel_size: int = 3,
    stride: int = 1,
    pool: bool = False,
    node_row: int = 0,
    node_col: int = 0,
) -> list[Any]:
    """The explorer's view: the chosen node's receptive field after each layer, and the table.

    Raises ``ValueError`` (shown as a friendly message) when the stack does not fit or the
    chosen node is outside the last feature map.
    """
    rows = stack_rows(input_size, n_layers, kernel_size, stride, pool)
    last = rows[-1].size
    if node_row >= last or node_col >= last:
        raise ValueError(
            f"the last feature map is {last}x{last}, so node ({node_row}, "
            f"{node_col}) does not exist; choose row and column 0..{last - 1}"
        )
    layers = build_stack(n_layers, kernel_size, stride, pool)
    # one panel per layer: what a node *of that layer* sees (the top-left one, and the chosen
    # node for the last layer)
    windows = [receptive_field(0, 0, layers[: i + 1]) for i in range(len(layers) - 1)]
    windows.append(receptive_field(node_row, node_col, layers))
    names = [f"after {r.name}" for r in rows[:-1]] + [
        f"node ({node_row}, {node_col}) of the last layer"
    ]
    fig = plot_receptive_field_growth(
        names, windows, (input_size, input_size), size=2.0 if len(windows) > 4 else 2.4
    )
    fig.suptitle(
        f"What one node sees on the {input_size}x{input_size} input, layer by layer",
        fontsize=10,
        y=1.02,
    )
    return [fig, describe_stack(input_size, n_layers, kernel_size, stride, pool)]


def stack_explorer(**values: Any) -> Explorer:
    """An :class:`Explorer` over :func:`draw_stack`, its controls at ``values``."""
    defaults = dict(
        input_size=16, n_layers=3, kernel_size=3, stride=1, pool=False, node_row=0, node_col=0
    )
    defaults.update(values)
    style = dict(continuous_update=False, style={"description_width": "initial"})
    controls = {
        "input_size": widgets.SelectionSlider(
            options=STACK_CHOICES["input_size"],
            value=defaults["input_size"],
            description="input size",
            **style,
        ),
        "n_layers": widgets.SelectionSlider(
            options=STACK_CHOICES["n_layers"],
            value=defaults["n_layers"],
            description="conv layers",
            **style,
        ),
        "kernel_size": widgets.SelectionSlider(
            options=STACK_CHOICES["kernel_size"],
            value=defaults["kernel_size"],
            description="kernel",
            **style,
        ),
        "stride": widgets.SelectionSlider(
            options=STACK_CHOICES["stride"], value=defaults["stride"], description="stride", **style
        ),
        "pool": widgets.Checkbox(
            value=defaults["pool"], description="2x2 max pool after each", indent=False
        ),
        "node_row": widgets.IntSlider(
            value=defaults["node_row"],
            min=0,
            max=STACK_CHOICES["node_row"][-1],
            description="node row",
            **style,
        ),
        "node_col": widgets.IntSlider(
            value=defaults["node_col"],
            min=0,
            max=STACK_CHOICES["node_col"][-1],
            description="node column",
            **style,
        ),
    }
    return Explorer(
        controls, draw_stack, title="Build a stack and see what one node sees", columns=4
    )
