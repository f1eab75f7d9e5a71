"""Figures for notebook 11 (from cnnkit to PyTorch): side-by-side training and a layer's numbers
in both libraries."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ._common import signed_imshow

__all__ = ["plot_step_differences", "plot_twin_arrays"]


def plot_step_differences(
    ax: plt.Axes,
    difference: Sequence[float],
    tolerance: float,
    title: str = "cnnkit and PyTorch trained side by side",
) -> plt.Axes:
    """The largest relative weight difference after each training step, on a log axis.

    Parameters
    ----------
    ax : Axes
    difference : sequence of float, shape (steps,)
        ``train_side_by_side(...)["difference"]``.
    tolerance : float
        Drawn as a dashed line: the bound the notebook asserts.
    """
    diff = np.asarray(difference, dtype=float)
    steps = np.arange(1, len(diff) + 1)
    # An exact 0 has no place on a log axis: draw it at the smallest positive float64 step.
    shown = np.maximum(diff, np.finfo(np.float64).eps / 16)
    ax.semilogy(steps, shown, "o-", ms=3, color="#0969da", label="max relative difference")
    ax.axhline(tolerance, ls="--", color="#cf222e", label=f"tolerance {tolerance:g}")
    ax.axhline(
        np.finfo(np.float64).eps, ls=":", color="#57606a", label="float64 precision (2.2e-16)"
    )
    ax.set_ylim(np.finfo(np.float64).eps / 32, tolerance * 100)
    ax.set_xlabel("training step (one minibatch)")
    ax.set_ylabel("max relative weight difference")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_twin_arrays(ours: np.ndarray, theirs: np.ndarray, title: str) -> plt.Figure:
    """Three panels: cnnkit's array, PyTorch's array, and their difference, all (H, W).

    The first two share one colour scale; the third has its own, so rounding-level
    differences (about 1e-16) are visible at all.
    """
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    limit = max(float(np.abs(ours).max()), float(np.abs(theirs).max()), 1e-300)
    signed_imshow(axes[0], ours, "cnnkit", limit=limit, colorbar=False)
    im = signed_imshow(axes[1], theirs, "PyTorch", limit=limit, colorbar=False)
    fig.colorbar(im, ax=axes[:2], shrink=0.8, label="value (0 = white)")
    signed_imshow(axes[2], ours - theirs, "cnnkit - PyTorch", label="difference")
    fig.suptitle(title, fontsize=10)
    return fig
