"""Figures for the CNN-versus-dense notebook (07): accuracy against shift distance, learning
curves against training-set size, overfitting curves with early stopping, and the effect of
regularisation. Each returns a Figure; none calls ``plt.show()``.

Colours are the Okabe-Ito palette (readable with every common colour-vision deficiency), and
every line also has its own marker and line style, so nothing depends on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..train import History

__all__ = [
    "NETWORK_STYLES",
    "plot_shift_accuracy",
    "plot_learning_curves",
    "plot_overfitting",
    "plot_regularisation",
]

_PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00"]
_MARKERS = ["o", "s", "^", "D", "v", "P"]
_LINES = ["-", "--", "-.", ":", "-", "--"]

#: How each network is drawn in every figure of this notebook.
NETWORK_STYLES = {
    "CNN": dict(color=_PALETTE[0], marker="o", linestyle="-"),
    "dense": dict(color=_PALETTE[1], marker="s", linestyle="--"),
}


def _style(name: str, i: int) -> dict:
    return NETWORK_STYLES.get(
        name, dict(color=_PALETTE[i % 6], marker=_MARKERS[i % 6], linestyle=_LINES[i % 6])
    )


def plot_shift_accuracy(
    shifts: Sequence[int], accuracy: Mapping[str, Sequence[float]]
) -> plt.Figure:
    """Test accuracy (%) against how many pixels the test digits were shifted, per network."""
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    for i, (name, values) in enumerate(accuracy.items()):
        values = 100 * np.asarray(values, dtype=float)
        ax.plot(shifts, values, label=name, lw=2, **_style(name, i))
        for s, v in zip(shifts, values):
            ax.annotate(f"{v:.0f}%", (s, v), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xticks(list(shifts))
    ax.set_xlabel("shift of every test digit (pixels)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.axhline(10, color="gray", lw=0.8, ls=":")
    ax.text(max(shifts), 12, "guessing: 10%", ha="right", fontsize=8, color="gray")
    ax.set_title("Moving the digits: which network still reads them?")
    ax.legend()
    return fig


def plot_learning_curves(
    sizes: Sequence[int], accuracy: Mapping[str, Sequence[float]]
) -> plt.Figure:
    """Test accuracy (%) against the number of training images (log scale), per network."""
    fig, ax = plt.subplots(figsize=(5.6, 3.3))
    for i, (name, values) in enumerate(accuracy.items()):
        ax.plot(sizes, 100 * np.asarray(values, dtype=float), label=name, lw=2, **_style(name, i))
    ax.set_xscale("log")
    ax.set_xticks(list(sizes))
    ax.set_xticklabels([str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training images (log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Learning curves: accuracy against training-set size")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_overfitting(
    history: History,
    best_epoch: int | None = None,
    total_epochs: int | None = None,
    title: str = "",
    val_label: str = "test",
) -> plt.Figure:
    """Training and test loss (with the gap between them shaded) and accuracy per epoch.

    ``best_epoch`` (from 1) draws a vertical line where early stopping would keep the
    weights. Works on a history still growing (``total_epochs`` fixes the x range) and on
    numbers that overflowed (inf or nan are left out of the curves). ``val_label`` names
    the held-out set the history was measured on ("test" or "validation").
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9.0, 3.2))
    epochs = np.arange(1, history.epochs + 1)
    with np.errstate(all="ignore"):
        train_loss = np.asarray(history.train_loss, dtype=float)
        test_loss = np.asarray(history.val_loss, dtype=float)
    ax_loss.plot(epochs, train_loss, label="training loss", color=_PALETTE[0], lw=2)
    if len(test_loss):
        ax_loss.plot(epochs, test_loss, label=f"{val_label} loss", color=_PALETTE[1], lw=2, ls="--")
        ok = np.isfinite(train_loss) & np.isfinite(test_loss)
        ax_loss.fill_between(
            epochs, train_loss, test_loss, where=ok, color=_PALETTE[1], alpha=0.15, label="gap"
        )
    ax_acc.plot(
        epochs,
        100 * np.asarray(history.train_acc, dtype=float),
        label="training accuracy",
        color=_PALETTE[0],
        lw=2,
    )
    if history.val_acc:
        ax_acc.plot(
            epochs,
            100 * np.asarray(history.val_acc, dtype=float),
            label=f"{val_label} accuracy",
            color=_PALETTE[1],
            lw=2,
            ls="--",
        )
    last = total_epochs or max(history.epochs, 1)
    for ax in (ax_loss, ax_acc):
        ax.set_xlim(0.5, last + 0.5)
        ax.set_xlabel("epoch")
        if best_epoch:
            label = f"lowest {val_label} loss (epoch {best_epoch})"
            ax.axvline(
                best_epoch,
                color=_PALETTE[2],
                lw=1.5,
                ls=":",
                label=label if ax is ax_loss else None,
            )
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    ax_loss.set_ylabel("cross-entropy loss")
    ax_acc.set_ylabel("accuracy (%)")
    ax_loss.set_title("Loss")
    ax_acc.set_title("Accuracy")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_regularisation(
    names: Sequence[str],
    test_acc: Sequence[float],
    loss_gap: Sequence[float],
    gap_label: str = "validation loss - training loss",
) -> plt.Figure:
    """Two bar charts, one bar per training setting: test accuracy (%) and the gap between
    a held-out loss (``gap_label`` says which) and the training loss at the end of training."""
    fig, (ax_a, ax_g) = plt.subplots(1, 2, figsize=(9.0, 3.0))
    x = np.arange(len(names))
    colors = [_PALETTE[i % 6] for i in range(len(names))]
    hatches = ["", "//", "..", "xx", "\\\\", "++"]
    for ax, values, label, fmt in [
        (ax_a, 100 * np.asarray(test_acc, dtype=float), "test accuracy (%)", "{:.1f}"),
        (ax_g, np.asarray(loss_gap, dtype=float), gap_label, "{:.2f}"),
    ]:
        bars = ax.bar(x, values, color=colors, edgecolor="black", lw=0.5)
        for bar, hatch, v in zip(bars, hatches, values):
            bar.set_hatch(hatch)
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                v,
                fmt.format(v),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(x)
        ax.set_xticklabels(names, fontsize=8)
        ax.set_ylabel(label)
    lo = float(np.nanmin(100 * np.asarray(test_acc, dtype=float))) if len(test_acc) else 0
    ax_a.set_ylim(max(0.0, lo - 10), 100)
    ax_a.set_title("Test accuracy")
    ax_g.set_title("Gap in losses (overfitting)")
    fig.tight_layout()
    return fig
