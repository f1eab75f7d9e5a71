"""The training explorer: choose the first layer's kernels, stride and the learning rate, press
Train, and watch a progress bar and the loss and accuracy curves grow epoch by epoch.

The logic is in pure functions, tested over every control position:

- :func:`explorer_cnn` builds the network, or raises ``ValueError`` in words when the output
  size arithmetic leaves no room for pooling on an 8x8 digit;
- :func:`describe_explorer_cnn` writes that arithmetic out, layer by layer;
- :func:`train_explorer_cnn` trains it on the digits and returns the model and its history.

:class:`TrainingExplorer` only wires controls and a Train button to them. It follows the
conventions of :class:`cnnkit.widgets.Explorer`: CSS class ``cnnkit-explorer`` on the box,
``cnnkit-view`` on the view, ``cnnkit-message`` on a friendly message; an impossible choice
shows a message, any other error shows its traceback and is raised again.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML

from ..data import load_digits, train_test_split
from ..layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from ..model import Sequential
from ..optim import SGD
from ..shapes import conv_output_size
from ..train import History, fit
from ..viz.training_a_cnn import plot_history
from . import _snapshot
from ._explorer import Explorer, friendly_message, show, train_in_view

__all__ = [
    "EXPLORER_CHOICES",
    "explorer_cnn",
    "describe_explorer_cnn",
    "train_explorer_cnn",
    "TrainingExplorer",
    "training_explorer",
]

#: The values every control of the training explorer can take.
EXPLORER_CHOICES: dict[str, tuple] = {
    "n_kernels": (1, 2, 4, 8, 16, 32),
    "kernel_size": tuple(range(1, 9)),
    "stride": (1, 2, 3, 4),
    "lr": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3),
    "epochs": tuple(range(1, 11)),
}

POOL = 2  # the explorer's network always max-pools 2x2 after its conv layer
MOMENTUM = 0.9
BATCH_SIZE = 32


def _conv_and_pool_sizes(kernel_size: int, stride: int, input_size: int) -> tuple[int, int]:
    """Side of the feature map after the conv layer and after pooling, or ValueError."""
    if kernel_size > input_size:
        raise ValueError(
            f"a {kernel_size}x{kernel_size} kernel does not fit on the {input_size}x{input_size} "
            f"digit; choose kernel_size {input_size} or less"
        )
    conv = conv_output_size(input_size, kernel_size, stride)
    if conv < POOL:
        raise ValueError(
            f"a {kernel_size}x{kernel_size} kernel with stride {stride} leaves a {conv}x{conv} "
            f"feature map (floor(({input_size} - {kernel_size}) / {stride}) + 1 = {conv}), too "
            f"small for {POOL}x{POOL} max pooling; choose a smaller kernel or a smaller stride"
        )
    return conv, conv // POOL


def explorer_cnn(
    n_kernels: int = 8,
    kernel_size: int = 3,
    stride: int = 1,
    seed: int = 0,
    input_size: int = 8,
    n_classes: int = 10,
) -> Sequential:
    """The explorer's network: one conv layer (no padding), ReLU, 2x2 max pooling, Dense.

    Parameters
    ----------
    n_kernels : int
        Kernels (feature maps) of the conv layer.
    kernel_size, stride : int
        Of the conv layer, the same in both directions.
    seed : int
        Seed of the initial weights.
    input_size : int
        Side of the square grayscale input (8 for the digits).

    Returns
    -------
    Sequential
        Input (1, input_size, input_size), output one score per class.

    Raises
    ------
    ValueError
        When the conv layer leaves a feature map smaller than the 2x2 pooling window, with
        the output-size arithmetic in the message.

    Examples
    --------
    >>> explorer_cnn(8, 3, 1).summary((1, 8, 8)).rows[-1].output_shape
    (10,)
    """
    _, pooled = _conv_and_pool_sizes(kernel_size, stride, input_size)
    features = n_kernels * pooled * pooled
    model = Sequential(
        Conv2D(1, n_kernels, kernel_size, stride=stride, rng=seed),
        ReLU(),
        MaxPool2D(POOL),
        Flatten(),
        Dense(features, n_classes, rng=seed + 1),
    )
    # The layers' own shape arithmetic must agree with ours; a mismatch would be a bug.
    model.summary((1, input_size, input_size))
    return model


def describe_explorer_cnn(
    n_kernels: int = 8, kernel_size: int = 3, stride: int = 1, input_size: int = 8
) -> str:
    """The explorer's network, written out with the output size of every step.

    Raises ``ValueError`` (in words) for a combination that does not fit.

    Examples
    --------
    >>> print(describe_explorer_cnn(4, 5, 1).splitlines()[1])
    conv 5x5, stride 1: floor((8 - 5) / 1) + 1 = 4, so 4 feature maps of 4x4
    """
    conv, pooled = _conv_and_pool_sizes(kernel_size, stride, input_size)
    model = explorer_cnn(n_kernels, kernel_size, stride, input_size=input_size)
    features = n_kernels * pooled * pooled
    lines = [
        f"input: one {input_size}x{input_size} digit",
        f"conv {kernel_size}x{kernel_size}, stride {stride}: floor(({input_size} - "
        f"{kernel_size}) / {stride}) + 1 = {conv}, so {n_kernels} feature maps of {conv}x{conv}",
        f"max pool 2x2: {n_kernels} maps of {pooled}x{pooled}",
        f"flatten: {n_kernels} x {pooled} x {pooled} = {features} numbers",
        f"dense: {features} -> 10 digit scores",
        f"learnable parameters: {model.n_params:,}",
    ]
    return "\n".join(lines)


def _digits_split(seed: int = 0):
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=seed)


def train_explorer_cnn(
    n_kernels: int = 8,
    kernel_size: int = 3,
    stride: int = 1,
    lr: float = 0.03,
    epochs: int = 3,
    seed: int = 0,
    data=None,
    progress: Any = "off",
    callback: Callable[[History], None] | None = None,
) -> tuple[Sequential, History]:
    """Build :func:`explorer_cnn` and train it on the digits (SGD, momentum 0.9, batch 32).

    Parameters
    ----------
    n_kernels, kernel_size, stride
        As in :func:`explorer_cnn`.
    lr : float
        Learning rate.
    epochs : int
    seed : int
        Seeds the weights and the shuffling.
    data : tuple, optional
        ``(X_train, X_test, y_train, y_test)``; the stratified 80/20 digits split by default.
    progress, callback
        Passed to :func:`cnnkit.fit`.

    Returns
    -------
    model : Sequential
    history : History
        With the test loss and accuracy after every epoch. If the learning rate is so large
        that the loss overflows, the numbers become ``inf`` or ``nan`` (no error is raised).
    """
    X_train, X_test, y_train, y_test = _digits_split() if data is None else data
    model = explorer_cnn(n_kernels, kernel_size, stride, seed=seed, input_size=X_train.shape[-1])
    optimizer = SGD(model.params(), lr=lr, momentum=MOMENTUM)
    with np.errstate(all="ignore"):  # a diverging run shows up as inf/nan in the curves
        history = fit(
            model,
            X_train,
            y_train,
            epochs,
            BATCH_SIZE,
            optimizer,
            X_test,
            y_test,
            seed=seed,
            progress=progress,
            callback=callback,
        )
    return model, history


def _verdict(history: History) -> str:
    acc, loss = history.val_acc[-1], history.val_loss[-1]
    text = f"Test accuracy after {history.epochs} epochs: {acc:.1%} (test loss {loss:.3f})"
    if not np.isfinite(loss):
        return text + (
            ". The loss blew up to infinity: the learning rate is too large, every "
            "step overshoots. Try a smaller one."
        )
    if acc < 0.5:
        return text + ". Still guessing a lot: try more epochs or a larger learning rate."
    # Read the gap in loss, as notebook 05 does: is the test loss still falling?
    best = int(np.nanargmin(history.val_loss))
    train = history.train_loss[-1]
    if best < history.epochs - 1 and loss > 1.1 * history.val_loss[best]:
        text += (
            f". The test loss was lowest after epoch {best + 1} "
            f"({history.val_loss[best]:.3f}) and has risen since, while the training "
            f"loss is {train:.3f}: the network is learning its training images by heart "
            "(overfitting); more epochs will not help new digits"
        )
    elif np.isfinite(train) and train > 0 and loss > 10 * train:
        text += (
            f". The training loss ({train:.4f}) is {loss / train:.0f} times smaller than "
            "the test loss: the network is far surer of images it has seen"
        )
    return text + "."


class TrainingExplorer(Explorer):
    """Controls, a Train button, a progress bar, live curves and the final test accuracy.

    An :class:`~cnnkit.widgets.Explorer` whose drawing is the plan of the network (shown above
    the view); the view holds the curves once Train is pressed. Move controls from code with
    :meth:`set` and press the button with :meth:`train`. After training, ``last_result``
    holds ``{"model", "history", "test_acc", "values"}``; after an impossible choice it is
    None and ``last_message`` holds the explanation.
    """

    def __init__(
        self,
        n_kernels: int = 8,
        kernel_size: int = 3,
        stride: int = 1,
        lr: float = 0.03,
        epochs: int = 3,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        self._data = _digits_split()
        slider = dict(continuous_update=False, style={"description_width": "initial"})

        def choice(name: str, value: Any, description: str) -> widgets.SelectionSlider:
            return widgets.SelectionSlider(
                options=EXPLORER_CHOICES[name], value=value, description=description, **slider
            )

        controls = {
            "n_kernels": choice("n_kernels", n_kernels, "kernels"),
            "kernel_size": choice("kernel_size", kernel_size, "kernel size"),
            "stride": choice("stride", stride, "stride"),
            "lr": choice("lr", lr, "learning rate"),
            "epochs": choice("epochs", epochs, "epochs"),
        }
        self.button = widgets.Button(
            description="Train",
            button_style="primary",
            icon="play",
            tooltip="Train this network on the digits",
        )
        self.plan = widgets.Output()
        self.progress = widgets.Output()
        self.plan_text = ""
        self._view_has_message = False  # the view explains an impossible choice
        super().__init__(
            controls,
            self._plan,
            title="Train your own CNN on the digits",
            columns=3,
            buttons=[self.button],
            panes=[self.plan, self.progress],
        )
        self.last_result: dict[str, Any] | None = None
        self.button.on_click(lambda _: self.train())

    def _plan(self, n_kernels: int, kernel_size: int, stride: int, lr: float, epochs: int) -> str:
        """The network the controls describe and its training; ValueError if it cannot be built."""
        text = describe_explorer_cnn(n_kernels, kernel_size, stride)
        per_epoch = -(-len(self._data[0]) // BATCH_SIZE)
        return text + (
            f"\ntraining: {epochs} epochs x {per_epoch} iterations = "
            f"{epochs * per_epoch} weight updates, learning rate {lr}"
        )

    def display_result(self, result: Any) -> None:
        """Show the plan (or why it is impossible) above the view; grey out Train if so."""
        self.button.disabled = bool(self.last_message)
        if self.last_message:
            self.plan_text = self.last_message
            show(self.plan, result)
            return
        self.plan_text = result
        show(self.plan, HTML(f"<pre>{html.escape(result)}</pre>"))
        if self._view_has_message:  # the old explanation no longer applies
            show(self.view, [])
            self._view_has_message = False

    def set(self, **values: Any) -> str:
        """Move controls from code (as a learner would); returns the network's description
        (or the friendly message when the choice is impossible)."""
        super().set(**values)
        return self.plan_text

    def train(self) -> dict[str, Any] | None:
        """Press Train: build, train with live curves, then show the test accuracy."""
        v = self.values()
        self.last_result = None
        self.progress.clear_output()
        try:
            explorer_cnn(v["n_kernels"], v["kernel_size"], v["stride"])
        except ValueError as exc:  # an impossible combination: explain, don't crash
            self.last_message = str(exc)
            show(self.view, friendly_message(self.last_message))
            self._view_has_message = True
            _snapshot.changed(self)
            return None

        def run(callback: Callable[[History], None]) -> tuple[Sequential, History]:
            return train_explorer_cnn(
                v["n_kernels"],
                v["kernel_size"],
                v["stride"],
                v["lr"],
                v["epochs"],
                seed=self.seed,
                data=self._data,
                progress="auto",
                callback=callback,
            )

        result = train_in_view(
            self,
            run,
            live=lambda history: plot_history(history, total_epochs=v["epochs"]),
            final=lambda history: [plot_history(history), textwrap.fill(_verdict(history), 90)],
        )
        self.last_message = ""
        return result


def training_explorer(**values: Any) -> TrainingExplorer:
    """A :class:`TrainingExplorer` with its controls at ``values`` (defaults otherwise)."""
    return TrainingExplorer(**values)
