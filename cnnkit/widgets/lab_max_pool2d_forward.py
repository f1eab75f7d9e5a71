"""The pooling explorer of the max-pooling labs: your pooling beside cnnkit's on a digit.

:func:`pool_explorer` pools one 8x8 handwritten digit (pixel values 0..16, so ties inside a
window are common) with a kernel size and a stride from sliders. It shows cnnkit's
``max_pool2d`` and, when given, the learner's ``pool(x, kernel_size, stride)`` beside it with
the differing cells in red; with ``backward=`` it also routes a gradient back through both
(``max_pool2d_backward`` and the learner's ``backward(dout, x, kernel_size, stride)``).
The drawing is the pure function :func:`draw_pool`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..data import load_digits
from ..pool import max_pool2d, max_pool2d_backward
from ..shapes import pool_output_size
from ..viz.kernels_feature_maps_nodes import number_grid
from ._explorer import Explorer
from ._learner import (
    call_learner,
    compare_arrays,
    describe_comparison,
    fn_name,
    learner_message,
    plot_comparison,
)

__all__ = ["pool_digit", "pool_dout", "draw_pool", "pool_explorer"]


@lru_cache(maxsize=10)
def _digit(label: int) -> np.ndarray:
    images, labels = load_digits()
    image = images[int(np.argmax(labels == label)), 0] * 16  # whole numbers 0..16
    image.setflags(write=False)
    return image


def pool_digit(label: int) -> np.ndarray:
    """The first 8x8 image of digit ``label`` (0..9) in the digits set, as (1, 1, 8, 8)
    whole numbers 0..16."""
    if int(label) != label or not 0 <= label <= 9:
        raise ValueError(f"digit={label} must be a whole number from 0 to 9")
    return np.array(_digit(int(label)))[None, None]


def pool_dout(out_hw: tuple[int, int]) -> np.ndarray:
    """The gradient sent back in the backward view: 1, 2, 3, ... so each window's share is
    told apart, shape (1, 1, OH, OW)."""
    oh, ow = out_hw
    return np.arange(1.0, oh * ow + 1).reshape(1, 1, oh, ow)


def draw_pool(
    digit: int,
    kernel_size: int,
    stride: int,
    show: str = "forward",
    pool: Callable | None = None,
    backward: Callable | None = None,
) -> list:
    """The pooling explorer's view.

    Parameters
    ----------
    digit : int
        Which digit (0..9) to pool.
    kernel_size, stride : int
        Pooling window and step (stride < kernel_size gives overlapping windows).
    show : {"forward", "backward"}
        Pool the digit, or send :func:`pool_dout` back through the pooling.
    pool, backward : callable, optional
        The learner's ``pool(x, kernel_size, stride)`` and ``backward(dout, x, kernel_size,
        stride)``. Whatever they do, the view shows cnnkit's result and says in words what
        went wrong; it never raises for them.

    Returns
    -------
    list
        ``[figure, text]`` or ``[figure, message]``.

    Raises
    ------
    ValueError
        When the window is larger than the 8x8 digit.
    """
    x = pool_digit(digit)
    oh = pool_output_size(8, kernel_size, stride)  # raises for a window larger than 8
    if show == "forward":
        expected, learner, args = max_pool2d(x, kernel_size, stride), pool, None
        if learner is not None:
            args = [x, kernel_size, stride]
        what = f"max pool, k={kernel_size}, s={stride}"
    elif show == "backward":
        dout = pool_dout((oh, oh))
        expected, learner = max_pool2d_backward(dout, x, kernel_size, stride), backward
        args = [dout, x, kernel_size, stride]
        what = "dx"
    else:
        raise ValueError(f"show={show!r} must be 'forward' or 'backward'")
    run = call_learner(learner, args, expected=expected) if learner is not None else None
    both = run is not None and not run.problem
    fig, axes = plt.subplots(
        1, 4 if both else 2, figsize=(13.0 if both else 6.6, 3.6), squeeze=False
    )
    axes = axes[0]
    number_grid(
        axes[0],
        x[0, 0] if show == "forward" else dout[0, 0],
        f"digit {digit} (8x8)" if show == "forward" else f"dout ({oh}x{oh})",
        cmap="Greys",
        fontsize=8,
    )
    text = (
        f"{oh}x{oh} output: {oh * oh} windows of {kernel_size}x{kernel_size}, "
        f"{'overlapping' if stride < kernel_size else 'side by side'} (stride {stride})"
    )
    if learner is None:
        plot_comparison(expected[0, 0], None, "", f"{what}", symmetric=False, axes=axes[1:])
        return [fig, text]
    name = fn_name(learner)
    if run.problem:
        plot_comparison(expected[0, 0], None, name, what, symmetric=False, axes=axes[1:])
        return [fig, learner_message(run.problem)]
    plot_comparison(expected[0, 0], run.value[0, 0], name, what, symmetric=False, axes=axes[1:])
    return [
        fig,
        text
        + "\n"
        + describe_comparison(
            compare_arrays(expected, run.value),
            name,
            "forward pass" if show == "forward" else "gradient",
        ),
    ]


def pool_explorer(pool: Callable | None = None, backward: Callable | None = None) -> Explorer:
    """Sliders for the digit, the window and the stride; your pooling beside cnnkit's.

    Parameters
    ----------
    pool : callable, optional
        Your ``max_pool2d_forward(x, kernel_size, stride)``.
    backward : callable, optional
        Your ``max_pool2d_backward(dout, x, kernel_size, stride)``; adds a "backward" view.
    """
    controls = {
        "digit": widgets.IntSlider(
            value=3, min=0, max=9, description="digit", continuous_update=False
        ),
        "kernel_size": widgets.IntSlider(
            value=2, min=1, max=4, description="kernel size", continuous_update=False
        ),
        "stride": widgets.IntSlider(
            value=2, min=1, max=4, description="stride", continuous_update=False
        ),
    }
    if backward is not None:
        controls["show"] = widgets.ToggleButtons(
            options=["forward", "backward"], value="backward", description="show"
        )

    def draw(**values) -> list:
        return draw_pool(pool=pool, backward=backward, **values)

    return Explorer(controls, draw, title="Max pooling on a digit: yours and cnnkit's", columns=4)
