"""Figures for the start notebook (00): a digit drawn as an image, with its pixel values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._common import INK_CMAP, show_image

__all__ = ["plot_digit", "plot_digit_gallery"]

#: The gaps between examples in a gallery: gray, so they are not mistaken for white paper.
GAP_COLOR = "#b4bcc4"


def plot_digit(
    ax: plt.Axes,
    image: np.ndarray,
    title: str = "",
    show_values: bool = False,
    fmt: str = "{:.2f}",
    vmin: float | None = 0.0,
    vmax: float | None = None,
) -> plt.Axes:
    """Draw one digit as ink on paper (:data:`INK_CMAP`), optionally with every pixel's value.

    Parameters
    ----------
    ax : matplotlib Axes
    image : ndarray, shape (H, W) or (1, H, W)
        Pixel values: the amount of ink, drawn dark on white (0 is white paper).
    title : str
        Shown above the image.
    show_values : bool
        Write each pixel's value in its square (legible for images up to about 10x10).
    fmt : str
        Format of the written values, e.g. ``"{:.0f}"`` for whole counts.
    vmin, vmax : float, optional
        Colour scale; ``vmax`` defaults to the largest pixel value (or 1 for a blank image).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> plot_digit(ax, np.eye(8), "a diagonal").get_title()
    'a diagonal'
    >>> plt.close(fig)
    """
    image = np.asarray(image, dtype=float)
    if image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 2:
        raise ValueError(f"image must have shape (H, W) or (1, H, W), got {image.shape}")
    if vmax is None:
        vmax = float(image.max()) if image.size and image.max() > 0 else 1.0
    show_image(ax, image, title, cmap=INK_CMAP, vmin=vmin, vmax=vmax)
    if show_values:
        middle = ((vmin or 0.0) + vmax) / 2
        size = 8 if image.shape[1] <= 8 else 6
        for (row, col), value in np.ndenumerate(image):
            ax.text(
                col,
                row,
                fmt.format(value),
                ha="center",
                va="center",
                fontsize=size,
                color="white" if value > middle else "black",
            )
    return ax


def plot_digit_gallery(
    images: np.ndarray, labels: np.ndarray, per_class: int = 1, size: float = 0.85
) -> plt.Figure:
    """The first ``per_class`` examples of every digit, one column per digit, in one picture.

    Parameters
    ----------
    images : ndarray, shape (N, 1, H, W)
        Pixel values in [0, 1].
    labels : ndarray of int, shape (N,)
    per_class : int
        How many rows of examples to show.
    size : float
        Width of one example in inches.

    Returns
    -------
    fig : matplotlib Figure
        One Axes whose x tick labels are the digits.

    Examples
    --------
    >>> images, labels = np.zeros((4, 1, 8, 8)), np.array([0, 1, 0, 1])
    >>> fig = plot_digit_gallery(images, labels, per_class=2)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['0', '1']
    >>> plt.close(fig)
    """
    images = np.asarray(images, dtype=float)
    classes = np.unique(labels)
    h, w = images.shape[-2:]
    gap = 1
    # One big array with a gap (NaN, drawn as the background) between examples.
    mosaic = np.full((per_class * (h + gap) - gap, len(classes) * (w + gap) - gap), np.nan)
    for col, digit in enumerate(classes):
        members = np.flatnonzero(labels == digit)[:per_class]
        for row, index in enumerate(members):
            top, left = row * (h + gap), col * (w + gap)
            mosaic[top : top + h, left : left + w] = images[index].reshape(h, w)
    fig, ax = plt.subplots(figsize=(size * len(classes), size * per_class + 0.7))
    cmap = plt.get_cmap(INK_CMAP).with_extremes(bad=GAP_COLOR)
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0)
    ax.set_xticks(
        [c * (w + gap) + (w - 1) / 2 for c in range(len(classes))], [str(int(c)) for c in classes]
    )
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Examples of every digit (the label is above each column; ink is dark)", pad=18)
    fig.tight_layout()
    return fig
