"""Explorer for notebook 04: learn an edge-detecting kernel by gradient descent.

A fixed target kernel (a Sobel kernel, say) makes the target outputs from some inputs. A
random 3x3 kernel then learns to copy it, one training iteration at a time::

    out  = conv2d(x, w)                        # 1 forward pass
    loss = 0.5 * mean((out - target) ** 2)     # 2 loss
    dout = (out - target) / out.size           # 3 gradient of the loss
    dw   = conv2d_backward(dout, x, w)[1]      # 4 backward pass
    w    = w - lr * dw                         # 5 weight update

:func:`learn_kernel` does the training (pure, seeded, cached), :func:`draw_kernel_learning`
draws it, :func:`kernel_learning_explorer` wires sliders and buttons to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from ..conv import conv2d, conv2d_backward
from ..data import sample_image
from ..viz.backpropagation import plot_kernel_learning
from ._explorer import Explorer

__all__ = [
    "TARGET_KERNELS",
    "TRAINING_INPUTS",
    "MAX_STEPS",
    "KernelRun",
    "learn_kernel",
    "draw_kernel_learning",
    "kernel_learning_explorer",
]

_SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
#: The kernels the explorer can learn, all 3x3.
TARGET_KERNELS: dict[str, np.ndarray] = {
    "vertical Sobel": _SOBEL,
    "horizontal Sobel": _SOBEL.T.copy(),
    "simple edge [-1, 1]": np.array([[0.0, 0.0, 0.0], [0.0, -1.0, 1.0], [0.0, 0.0, 0.0]]),
}
#: What the kernel learns from: four 16x16 images of each kind.
TRAINING_INPUTS = ("random noise", "photo patches")
#: The step slider's end; training stops here.
MAX_STEPS = 200
#: A loss this many times the starting loss counts as blown up, and training stops there
#: (long before any number overflows).
BLOW_UP = 1e4


@dataclass(frozen=True)
class KernelRun:
    """Where the training stands after some steps.

    Attributes
    ----------
    kernel, target_kernel : ndarray, shape (3, 3)
    losses : ndarray, shape (steps_done + 1,)
        ``losses[k]`` is the loss of the kernel after ``k`` updates.
    steps_done : int
        Updates made: the steps asked for, or fewer if the loss blew up.
    diverged_at : int or None
        The step at which the loss blew up (training stopped there), if it did.
    """

    lr: float
    target: str
    train_on: str
    kernel: np.ndarray
    target_kernel: np.ndarray
    losses: np.ndarray
    steps_done: int
    diverged_at: int | None

    @property
    def kernel_error(self) -> float:
        """Largest difference between the current and the target kernel."""
        return float(np.abs(self.kernel - self.target_kernel).max())


@lru_cache(maxsize=4)
def _inputs(train_on: str, seed: int) -> np.ndarray:
    """Four 16x16 training images, shape (4, 1, 16, 16), the same every time."""
    rng = np.random.default_rng(seed)
    if train_on == "random noise":
        x = rng.normal(size=(4, 1, 16, 16))
    else:
        photo = sample_image(size=128)
        corners = [
            (rng.integers(0, photo.shape[0] - 16), rng.integers(0, photo.shape[1] - 16))
            for _ in range(4)
        ]
        x = np.stack([photo[r : r + 16, c : c + 16] for r, c in corners])[:, None]
    x.setflags(write=False)
    return x


@lru_cache(maxsize=64)
def _trajectory(lr: float, target: str, train_on: str, seed: int):
    """Train for MAX_STEPS (or until the loss blows up); every kernel and every loss."""
    x = _inputs(train_on, seed)
    wanted = conv2d(x, TARGET_KERNELS[target][None, None])
    w = np.random.default_rng(seed + 1).normal(0.0, 0.5, size=(1, 1, 3, 3))
    kernels, losses, diverged_at = [w[0, 0].copy()], [], None
    for step in range(MAX_STEPS + 1):
        out = conv2d(x, w)  # 1 forward pass
        losses.append(0.5 * float(np.mean((out - wanted) ** 2)))  # 2 loss
        if not math.isfinite(losses[-1]) or losses[-1] > BLOW_UP * losses[0]:
            diverged_at = step
            break
        if step == MAX_STEPS:
            break
        dout = (out - wanted) / out.size  # 3 gradient of the loss
        _, dw, _ = conv2d_backward(dout, x, w)  # 4 backward pass
        w = w - lr * dw  # 5 weight update
        kernels.append(w[0, 0].copy())
    return np.array(kernels), np.array(losses), diverged_at


def learn_kernel(
    lr: float,
    steps: int,
    target: str = "vertical Sobel",
    train_on: str = "random noise",
    seed: int = 0,
) -> KernelRun:
    """Learn a target kernel by gradient descent for ``steps`` steps at learning rate ``lr``.

    Parameters
    ----------
    lr : float
        Learning rate, > 0. Too large and the loss blows up: training then stops at the
        step it did, and ``diverged_at`` says which.
    steps : int
        Number of weight updates, 0 to :data:`MAX_STEPS`.
    target : str
        A key of :data:`TARGET_KERNELS`.
    train_on : str
        One of :data:`TRAINING_INPUTS`.
    seed : int
        Seeds the inputs and the starting kernel.

    Returns
    -------
    KernelRun

    Examples
    --------
    >>> run = learn_kernel(0.5, 100)
    >>> run.kernel.shape, run.kernel_error < 1e-6
    ((3, 3), True)
    """
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr={lr} must be a positive number, such as 0.1")
    if int(steps) != steps or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps} must be a whole number from 0 to {MAX_STEPS}")
    if target not in TARGET_KERNELS:
        raise ValueError(f"target={target!r} is not known; choose one of {list(TARGET_KERNELS)}")
    if train_on not in TRAINING_INPUTS:
        raise ValueError(f"train_on={train_on!r} must be one of {list(TRAINING_INPUTS)}")
    kernels, losses, diverged_at = _trajectory(lr, target, train_on, int(seed))
    done = min(int(steps), len(kernels) - 1)
    return KernelRun(
        lr,
        target,
        train_on,
        kernels[done].copy(),
        TARGET_KERNELS[target].copy(),
        losses[: done + 1].copy(),
        done,
        diverged_at if diverged_at is not None and diverged_at <= steps else None,
    )


@lru_cache(maxsize=1)
def _photo() -> np.ndarray:
    return sample_image(size=64)


def draw_kernel_learning(
    lr: float, steps: int, target: str = "vertical Sobel", train_on: str = "random noise"
) -> list:
    """The explorer's view: a figure and one line of text about the run."""
    run = learn_kernel(lr, steps, target, train_on)
    photo = _photo()
    fig = plot_kernel_learning(
        run, photo, conv2d(photo, run.target_kernel), conv2d(photo, run.kernel)
    )
    if run.diverged_at is not None:
        text = (
            f"The loss blew up at step {run.diverged_at} (learning rate {run.lr:.3g} is "
            "too large), so training stopped there."
        )
    else:
        text = (
            f"After {run.steps_done} steps: loss {run.losses[-1]:.2e}, largest "
            f"difference from the target kernel {run.kernel_error:.2e}."
        )
    return [fig, text]


def kernel_learning_explorer(
    lr: float = 0.1,
    steps: int = 20,
    target: str = "vertical Sobel",
    train_on: str = "random noise",
    backward: Callable | None = None,
) -> Explorer:
    """Sliders for the learning rate and the number of steps, buttons to step by hand.

    The buttons are in ``explorer.buttons`` (``"+1"``, ``"+10"``, ``"reset"``).

    ``backward``, optional: your own ``conv2d_backward(dout, x, weight, stride, padding)``;
    the view then also shows its gradients at the current step beside cnnkit's, differences
    in red (see :func:`draw_gradients_yours`).
    """
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="330px")
    controls = {
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-3,
            max=0.5,
            step=0.1,
            description="learning rate",
            readout_format=".3g",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "steps": widgets.IntSlider(
            value=steps,
            min=0,
            max=MAX_STEPS,
            description="steps",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "target": widgets.Dropdown(
            options=list(TARGET_KERNELS), value=target, description="target kernel", style=style
        ),
        "train_on": widgets.Dropdown(
            options=list(TRAINING_INPUTS), value=train_on, description="train on", style=style
        ),
    }
    draw = (
        draw_kernel_learning
        if backward is None
        else (lambda **v: draw_kernel_learning(**v) + draw_gradients_yours(backward, **v))
    )
    explorer = Explorer(controls, draw, title="Learn a kernel by gradient descent", columns=2)
    slider = controls["steps"]

    def advance(n: int):
        def click(_: widgets.Button) -> None:
            slider.value = 0 if n == 0 else min(MAX_STEPS, slider.value + n)

        return click

    explorer.buttons = {}
    for label, n, tip in [
        ("+1", 1, "one more training step"),
        ("+10", 10, "ten more steps"),
        ("reset", 0, "back to the random start"),
    ]:
        button = widgets.Button(
            description=label if n else "reset to step 0",
            tooltip=tip,
            layout=widgets.Layout(width="auto"),
        )
        button.on_click(advance(n))
        explorer.buttons[label] = button
    row = widgets.HBox([widgets.Label("step by hand:"), *explorer.buttons.values()])
    explorer.children = (*explorer.children[:-1], row, explorer.children[-1])
    return explorer


# --------------------------------------------------------------------------------------
# Your code beside cnnkit's: the learner's conv2d_backward at the current training step
# --------------------------------------------------------------------------------------


def gradients_at(
    lr: float,
    steps: int,
    target: str = "vertical Sobel",
    train_on: str = "random noise",
    seed: int = 0,
) -> tuple:
    """What the backward pass of step ``steps`` is given and what it returns.

    Returns
    -------
    (dout, x, weight, (dx, dweight, dbias))
        ``dout`` (4, 1, 14, 14), ``x`` (4, 1, 16, 16), ``weight`` (1, 1, 3, 3) (the kernel
        after ``steps`` updates) and cnnkit's gradients for them.
    """
    run = learn_kernel(lr, steps, target, train_on, seed)
    x = np.array(_inputs(train_on, int(seed)))
    w = run.kernel[None, None]
    out = conv2d(x, w)
    dout = (out - conv2d(x, TARGET_KERNELS[target][None, None])) / out.size
    return dout, x, w, conv2d_backward(dout, x, w)


def draw_gradients_yours(
    backward: Callable,
    lr: float,
    steps: int,
    target: str = "vertical Sobel",
    train_on: str = "random noise",
) -> list:
    """The learner's ``dweight`` at this step beside cnnkit's, and a line on ``dx``, ``dbias``.

    ``backward(dout, x, weight, stride, padding)`` is called with stride 1 and padding 0 on
    the training step the sliders show. It never raises: a failing call becomes a message.

    Returns
    -------
    list
        ``[figure, text]``, or ``[message]`` when the learner's call failed.
    """
    from ._learner import (
        call_learner,
        compare_arrays,
        describe_comparison,
        fn_name,
        learner_message,
        plot_comparison,
    )

    dout, x, w, expected = gradients_at(lr, steps, target, train_on)
    name = fn_name(backward)
    run = call_learner(backward, [dout, x, w, 1, 0], expected=tuple(expected))
    if run.problem:
        return [learner_message(run.problem)]
    dx, dw, db = (compare_arrays(e, g, rtol=1e-6, atol=1e-12) for e, g in zip(expected, run.value))
    fig = plot_comparison(
        expected[1][0, 0], run.value[1][0, 0], name, f"dweight at step {min(int(steps), MAX_STEPS)}"
    )
    lines = [
        describe_comparison(dw, name, "dweight"),
        describe_comparison(dx, name, "dx"),
        describe_comparison(db, name, "dbias"),
    ]
    return [fig, "\n".join(lines)]


__all__ += ["gradients_at", "draw_gradients_yours"]
