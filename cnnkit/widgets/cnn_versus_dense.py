"""The generalisation explorer of notebook 07: choose a network (CNN or dense), how many
training images, augmentation by shifts on or off, weight decay and epochs; press Train and
watch the training and test curves, and the gap between them, grow.

The logic is in pure functions, tested over every control position:

- :func:`training_subset` takes a stratified subset of the training images;
- :func:`train_network` builds the network and trains it (with or without shifts);
- :func:`describe_run` writes out what a press of Train will do.

:class:`GeneralisationExplorer` only wires controls and a Train button to them, following
the conventions of :class:`cnnkit.widgets.Explorer` (CSS classes ``cnnkit-explorer``,
``cnnkit-view``; an error other than an impossible choice shows its traceback and is raised).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML

from ..augment import fit_augmented
from ..data import load_digits, train_test_split
from ..early_stopping import best_epoch
from ..model import Sequential
from ..networks import DIGITS_TRAINING, digits_cnn, digits_mlp
from ..optim import SGD
from ..train import History
from ..viz.cnn_versus_dense import plot_overfitting
from ._explorer import Explorer, show, train_in_view

__all__ = [
    "GENERALISATION_CHOICES",
    "NETWORKS",
    "training_subset",
    "train_network",
    "describe_run",
    "GeneralisationExplorer",
    "generalisation_explorer",
]

#: The values every control of the generalisation explorer can take.
GENERALISATION_CHOICES: dict[str, tuple] = {
    "network": ("CNN", "dense"),
    "n_train": (50, 100, 200, 400, 800, 1438),
    "augment": (False, True),
    "weight_decay": (0.0, 0.0001, 0.001, 0.01),
    "epochs": (5, 10, 15, 20, 30, 40),
}

#: The two networks compared in notebook 07.
NETWORKS: dict[str, Callable[[int], Sequential]] = {"CNN": digits_cnn, "dense": digits_mlp}


def training_subset(
    X: np.ndarray, y: np.ndarray, n: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` of the examples, every class in the same proportion (all of them if n >= len).

    Examples
    --------
    >>> X, y = load_digits()
    >>> Xs, ys = training_subset(X, y, 100)
    >>> Xs.shape, int(ys.min()), int(ys.max())
    ((100, 1, 8, 8), 0, 9)
    """
    n = int(n)
    if n < 10:
        raise ValueError(f"n={n} is too small: keep at least 10 images, one of each digit")
    if n >= len(X):
        return X, y
    _, X_sub, _, y_sub = train_test_split(X, y, test_size=n / len(X), seed=seed)
    return X_sub, y_sub


def _digits_split(seed: int = 0):
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=seed)


def train_network(
    network: str = "CNN",
    n_train: int = 1438,
    augment: bool = False,
    weight_decay: float = 0.0,
    epochs: int = 10,
    seed: int = 0,
    data=None,
    progress: Any = "off",
    callback: Callable[[History], None] | None = None,
    lr: float = DIGITS_TRAINING["lr"],
    anneal: bool = False,
) -> tuple[Sequential, History]:
    """Train the CNN or the dense network on ``n_train`` digits, testing after every epoch.

    SGD with the course's learning rate and momentum (``cnnkit.DIGITS_TRAINING``), batches
    of 32, ``weight_decay`` as in ``torch.optim.SGD``; with ``augment`` every training image
    is shifted by up to one pixel, anew every epoch (:func:`cnnkit.fit_augmented`).

    Parameters
    ----------
    data : tuple, optional
        ``(X_train, X_test, y_train, y_test)``; the stratified 80/20 digits split by default.

    Returns
    -------
    model : Sequential
    history : History
        With the test loss and accuracy after every epoch.
    """
    if network not in NETWORKS:
        raise ValueError(f"network={network!r} must be one of {sorted(NETWORKS)}")
    X_train, X_test, y_train, y_test = _digits_split() if data is None else data
    X_sub, y_sub = training_subset(X_train, y_train, n_train, seed=seed)
    model = NETWORKS[network](seed)
    optimizer = SGD(
        model.params(), lr=lr, momentum=DIGITS_TRAINING["momentum"], weight_decay=weight_decay
    )
    with np.errstate(all="ignore"):
        history = fit_augmented(
            model,
            X_sub,
            y_sub,
            epochs,
            DIGITS_TRAINING["batch_size"],
            optimizer,
            max_shift=1 if augment else 0,
            X_val=X_test,
            y_val=y_test,
            seed=seed,
            progress=progress,
            callback=callback,
            anneal=anneal,
        )
    return model, history


def describe_run(
    network: str,
    n_train: int,
    augment: bool,
    weight_decay: float,
    epochs: int,
    n_available: int = 1438,
) -> str:
    """What pressing Train will do, in words and numbers."""
    n = min(int(n_train), n_available)
    batch = DIGITS_TRAINING["batch_size"]
    per_epoch = -(-n // batch)
    model = NETWORKS[network](0)
    lines = [
        f"{network} network, {model.n_params:,} parameters, trained on {n} digits",
        f"{epochs} epochs x {per_epoch} iterations = {epochs * per_epoch} weight updates",
        "augmentation: "
        + ("every image shifted by up to 1 pixel, anew every epoch" if augment else "off"),
        f"weight decay: {weight_decay:g}" + (" (off)" if weight_decay == 0 else ""),
    ]
    return "\n".join(lines)


def _verdict(history: History) -> str:
    best = best_epoch(history.val_loss)
    gap = history.val_loss[-1] - history.train_loss[-1]
    text = (
        f"After {history.epochs} epochs: training accuracy {history.train_acc[-1]:.1%}, "
        f"test accuracy {history.val_acc[-1]:.1%}; test loss {history.val_loss[-1]:.3f} "
        f"against training loss {history.train_loss[-1]:.3f} (gap {gap:.3f}). "
        f"The test loss was lowest at epoch {best}."
    )
    if not np.isfinite(history.val_loss[-1]):
        text += " The loss overflowed: the steps are too large."
    elif best < history.epochs and history.val_loss[-1] > 1.2 * min(history.val_loss):
        text += " It has risen since: the network is overfitting (early stopping would help)."
    return text


class GeneralisationExplorer(Explorer):
    """Controls, a Train button, a progress bar, live curves and a verdict.

    An :class:`~cnnkit.widgets.Explorer` whose drawing is the plan of the run (shown above the
    view); the view holds the curves once Train is pressed. Move controls from code with
    :meth:`set` and press the button with :meth:`train`; after training, ``last_result``
    holds ``{"model", "history", "test_acc", "values"}``.
    """

    def __init__(
        self,
        network: str = "CNN",
        n_train: int = 200,
        augment: bool = False,
        weight_decay: float = 0.0,
        epochs: int = 10,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        self._data = _digits_split()
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        c = GENERALISATION_CHOICES
        controls = {
            "network": widgets.ToggleButtons(
                options=c["network"], value=network, description="network"
            ),
            "n_train": widgets.SelectionSlider(
                options=c["n_train"], value=n_train, description="training images", **slider
            ),
            "augment": widgets.Checkbox(
                value=augment, description="shift augmentation", indent=False
            ),
            "weight_decay": widgets.SelectionSlider(
                options=c["weight_decay"], value=weight_decay, description="weight decay", **slider
            ),
            "epochs": widgets.SelectionSlider(
                options=c["epochs"], value=epochs, description="epochs", **slider
            ),
        }
        self.button = widgets.Button(
            description="Train",
            button_style="primary",
            icon="play",
            tooltip="Train this network and watch the curves",
        )
        self.plan = widgets.Output()
        self.progress = widgets.Output()
        self.plan_text = ""
        super().__init__(
            controls,
            self._plan,
            title="Generalisation: train, and watch the gap",
            columns=3,
            buttons=[self.button],
            panes=[self.plan, self.progress],
        )
        self.last_result: dict[str, Any] | None = None
        self.button.on_click(lambda _: self.train())

    def _plan(
        self, network: str, n_train: int, augment: bool, weight_decay: float, epochs: int
    ) -> str:
        return describe_run(
            network, n_train, augment, weight_decay, epochs, n_available=len(self._data[0])
        )

    def display_result(self, result: Any) -> None:
        """Show the plan of the run above the view."""
        self.plan_text = result
        show(self.plan, HTML(f"<pre>{html.escape(result)}</pre>"))

    def set(self, **values: Any) -> str:
        """Move controls from code (as a learner would); returns the plan of the run."""
        super().set(**values)
        return self.plan_text

    def train(self) -> dict[str, Any]:
        """Press Train: train with live curves, then show the verdict."""
        v = self.values()

        def run(callback: Callable[[History], None]) -> tuple[Sequential, History]:
            return train_network(
                v["network"],
                v["n_train"],
                v["augment"],
                v["weight_decay"],
                v["epochs"],
                seed=self.seed,
                data=self._data,
                progress="auto",
                callback=callback,
            )

        return train_in_view(
            self,
            run,
            live=lambda history: plot_overfitting(history, total_epochs=v["epochs"]),
            final=lambda history: [
                plot_overfitting(history, best_epoch=best_epoch(history.val_loss)),
                textwrap.fill(_verdict(history), 90),
            ],
        )


def generalisation_explorer(**values: Any) -> GeneralisationExplorer:
    """A :class:`GeneralisationExplorer` with its controls at ``values`` (defaults otherwise)."""
    return GeneralisationExplorer(**values)
