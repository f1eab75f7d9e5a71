"""Figures of notebook 08 (what the network learned): kernels before and after training,
learned kernels beside classic ones, saliency and occlusion, the drawing pad's view, and an
own picture through a kernel and a network.

Signed values (kernels, gradients, probability drops) use the course's :data:`SIGNED_CMAP`
on a scale centred on 0; digits are ink on paper (:data:`INK_CMAP`).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from ._common import (
    PHOTO_CMAP,
    ink_imshow,
    show_image,
    signed_colorbar,
    signed_imshow,
    signed_limit,
)

__all__ = [
    "mosaic",
    "plot_kernel_movement",
    "plot_learned_vs_template",
    "plot_mistakes_with_saliency",
    "plot_own_image",
    "plot_pad_view",
    "plot_probabilities",
    "plot_why",
]


def plot_kernel_movement(
    before: np.ndarray, after: np.ndarray, movement: np.ndarray, title: str = ""
) -> plt.Figure:
    """Two rows of kernels (F, KH, KW): at the start (top) and after training (bottom), each
    row on its own signed scale, with the cosine similarity to the start above each kernel."""
    before, after = np.asarray(before), np.asarray(after)
    f = len(before)
    fig, axes = plt.subplots(2, f, figsize=(1.2 * f + 0.8, 3.0), squeeze=False)
    for row, (kernels, name) in enumerate([(before, "start"), (after, "trained")]):
        lim = signed_limit(kernels)
        im = None
        for i in range(f):
            label = f"cos {movement[i]:.2f}" if row == 1 else f"#{i}"
            im = signed_imshow(axes[row, i], kernels[i], label, limit=lim, colorbar=False)
        axes[row, 0].set_ylabel(name)
        signed_colorbar(im, axes[row], "weight")
    if title:
        fig.suptitle(title)
    return fig


def plot_learned_vs_template(
    kernels: np.ndarray, templates: np.ndarray, scores: np.ndarray, title: str = ""
) -> plt.Figure:
    """Learned kernels (top) above the classic kernel each matches best (bottom), with the
    cosine similarity between them."""
    f = len(kernels)
    fig, axes = plt.subplots(2, f, figsize=(1.2 * f + 0.8, 3.0), squeeze=False)
    for i in range(f):
        signed_imshow(axes[0, i], kernels[i], f"#{i}", colorbar=False)
        signed_imshow(axes[1, i], templates[i], f"cos {scores[i]:.2f}", colorbar=False)
    axes[0, 0].set_ylabel("learned")
    axes[1, 0].set_ylabel("classic")
    if title:
        fig.suptitle(title)
    return fig


def plot_probabilities(
    ax: plt.Axes,
    probs: np.ndarray,
    highlight: int | None = None,
    labels: Sequence[str] | None = None,
) -> None:
    """A bar per class; the most likely one (or ``highlight``) in orange."""
    probs = np.asarray(probs, dtype=float)
    colors = ["#bbbbbb"] * len(probs)
    colors[int(np.argmax(probs)) if highlight is None else int(highlight)] = "#d9730d"
    ax.bar(np.arange(len(probs)), probs, color=colors)
    ax.set_xticks(np.arange(len(probs)), labels or [str(i) for i in range(len(probs))])
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")


def plot_why(
    image: np.ndarray,
    gradient: np.ndarray,
    occlusion: np.ndarray,
    probs: np.ndarray,
    target: int,
    title: str = "",
) -> plt.Figure:
    """The digit, the gradient of the target's score, the occlusion drop, the probabilities."""
    fig, axes = plt.subplots(
        1,
        4,
        figsize=(13, 3.1),
        layout="constrained",
        gridspec_kw={"width_ratios": [1, 1.2, 1.2, 1.3]},
    )
    ink_imshow(axes[0], image, "the digit")
    signed_imshow(
        axes[1],
        np.asarray(gradient)[0],
        f"d score[{target}] / d pixel",
        label="gradient (0 = white)",
    )
    signed_imshow(axes[2], occlusion, "drop of p when covered", label="drop in p (0 = white)")
    plot_probabilities(axes[3], probs, target)
    axes[3].set_title(f"p({target}) = {probs[target]:.2f}")
    if title:
        fig.suptitle(title)
    return fig


def mosaic(maps: np.ndarray, per_row: int = 8) -> np.ndarray:
    """Feature maps (C, H, W) side by side in rows of ``per_row``, a NaN gap between them
    (drawn blank), as one 2-D array: one picture per layer draws much faster than C."""
    maps = np.asarray(maps, dtype=np.float64)
    c, h, w = maps.shape
    rows = -(-c // per_row)
    out = np.full((rows * (h + 1) - 1, per_row * (w + 1) - 1), np.nan)
    for k in range(c):
        r, q = divmod(k, per_row)
        out[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = maps[k]
    return out


def plot_pad_view(
    digit: np.ndarray,
    probs: np.ndarray,
    maps: Sequence[np.ndarray],
    names: Sequence[str],
    note: str = "",
) -> plt.Figure:
    """The drawing pad's view: the digit as the network sees it, the probabilities, and the
    feature maps of each layer given (each (C, H, W), drawn as one mosaic per layer, on its
    own signed scale)."""
    n = len(maps)
    fig = plt.figure(figsize=(11, 2.4 + 1.6 * ((n + 1) // 2)))
    grid = fig.add_gridspec(1 + (n + 1) // 2, 2, height_ratios=[1.3] + [1.0] * ((n + 1) // 2))
    top = grid[0, :].subgridspec(1, 3, width_ratios=[1, 0.2, 3])
    ink_imshow(fig.add_subplot(top[0, 0]), digit, "what the network sees")
    ax = fig.add_subplot(top[0, 2])
    plot_probabilities(ax, probs)
    ax.set_title(
        f"it reads a {int(np.argmax(probs))} (p = {float(np.max(probs)):.2f})"
        + (f"   {note}" if note else "")
    )
    for i, (fmap, name) in enumerate(zip(maps, names)):
        sub = fig.add_subplot(grid[1 + i // 2, i % 2])
        signed_imshow(
            sub,
            mosaic(fmap),
            f"{name}: {len(fmap)} maps of {fmap.shape[1]}x{fmap.shape[2]}",
            label="value",
        )
    return fig


def plot_own_image(
    image: np.ndarray,
    kernel: np.ndarray,
    feature_map: np.ndarray,
    kernel_name: str,
    digit: np.ndarray,
    probs: np.ndarray,
) -> plt.Figure:
    """A picture, one kernel's feature map of it, and the picture as an 8x8 digit with the
    network's probabilities."""
    fig, axes = plt.subplots(
        1,
        5,
        figsize=(15, 3.0),
        layout="constrained",
        gridspec_kw={"width_ratios": [1.2, 0.6, 1.3, 0.9, 1.5]},
    )
    show_image(axes[0], image, f"the picture {image.shape[0]}x{image.shape[1]}", PHOTO_CMAP, 0, 1)
    signed_imshow(axes[1], kernel, kernel_name, colorbar=False, label="weight")
    signed_imshow(axes[2], feature_map, "feature map", label="value (0 = white)")
    ink_imshow(axes[3], digit, "as an 8x8 digit")
    plot_probabilities(axes[4], probs)
    axes[4].set_title(f"the network reads a {int(np.argmax(probs))}")
    return fig


def plot_mistakes_with_saliency(
    images: np.ndarray,
    saliency: np.ndarray,
    true: Sequence[int],
    pred: Sequence[int],
    conf: Sequence[float],
) -> plt.Figure:
    """Each mistake (top) above its saliency for the predicted class (bottom)."""
    k = len(images)
    fig, axes = plt.subplots(
        2, k, figsize=(1.5 * k + 1.0, 3.6), squeeze=False, layout="constrained"
    )
    lim = signed_limit(saliency)
    im = None
    for i in range(k):
        ink_imshow(axes[0, i], images[i], f"{true[i]} read as {pred[i]}")
        im = signed_imshow(axes[1, i], saliency[i], f"p = {conf[i]:.2f}", limit=lim, colorbar=False)
    axes[0, 0].set_ylabel("digit")
    axes[1, 0].set_ylabel("saliency")
    if im is not None:
        signed_colorbar(im, axes[1], "|gradient|")
    return fig
