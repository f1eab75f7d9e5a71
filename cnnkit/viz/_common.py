"""Small plotting helpers shared by the notebooks' figures."""
from __future__ import annotations

from typing import Optional

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["setup_notebook", "show_image", "image_grid"]


def setup_notebook(dpi: int = 80) -> None:
    """The course's common settings: fixed figure dpi and short numpy printing."""
    plt.rcParams.update({"figure.dpi": dpi, "savefig.dpi": dpi, "figure.max_open_warning": 0,
                         "image.interpolation": "nearest"})
    np.set_printoptions(precision=3, suppress=True, linewidth=100)


def show_image(ax: plt.Axes, image: np.ndarray, title: str = "", cmap: str = "gray",
               vmin: Optional[float] = None, vmax: Optional[float] = None,
               colorbar: bool = False) -> plt.Axes:
    """Draw a 2-D array as an image on ``ax`` without ticks."""
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def image_grid(images: np.ndarray, titles: Optional[list[str]] = None, ncols: int = 8,
               cmap: str = "gray", size: float = 1.4, symmetric: bool = False) -> plt.Figure:
    """A figure with one small panel per 2-D image in ``images`` (shape (K, H, W)).

    ``symmetric=True`` centres the colour scale on 0 (useful for kernels and gradients).
    """
    images = np.asarray(images)
    k = len(images)
    ncols = max(1, min(ncols, k))
    nrows = -(-k // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.axis("off")
            continue
        lim = float(np.abs(images[i]).max()) or 1.0
        show_image(ax, images[i], titles[i] if titles else "", cmap,
                   -lim if symmetric else None, lim if symmetric else None)
    fig.tight_layout()
    return fig
