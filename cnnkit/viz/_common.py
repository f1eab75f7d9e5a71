"""Small plotting helpers shared by the notebooks' figures, and the course's visual language.

One visual language for every notebook:

- **Signed values** (kernels, feature maps, products, gradients) are drawn with one diverging
  colour map, :data:`SIGNED_CMAP` (``"RdBu_r"``: red positive, blue negative, white zero),
  on a scale centred on zero (``-limit`` to ``+limit``), with a labelled colour bar.
  Red against blue stays readable with the common red-green colour blindness.
  :func:`signed_imshow` does all of this in one call.
- **Ink** (the handwritten digits): drawn as ink on paper with :data:`INK_CMAP`
  (``"gray_r"``): 0 (no ink) is white, 1 (full ink) is black. :func:`ink_imshow` draws one.
- **Photos** and other values that are brightness: :data:`PHOTO_CMAP` (``"gray"``): 0 is
  black, 1 is white, as a camera records it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.image import AxesImage

__all__ = [
    "setup_notebook",
    "describe_figure",
    "FIGURE_RC",
    "show_image",
    "image_grid",
    "SIGNED_CMAP",
    "INK_CMAP",
    "PHOTO_CMAP",
    "signed_limit",
    "signed_imshow",
    "signed_colorbar",
    "ink_imshow",
]

#: The diverging colour map for every signed value: red positive, blue negative, white 0.
SIGNED_CMAP = "RdBu_r"
#: Handwritten digits as ink on paper: 0 (no ink) white, 1 (full ink) black.
INK_CMAP = "gray_r"
#: Photographs and other brightness values: 0 black, 1 white.
PHOTO_CMAP = "gray"


#: Figures on an opaque white page: black text and axes stay readable in JupyterLab's dark
#: theme too (a transparent figure would put them on a dark background).
FIGURE_RC = {
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.transparent": False,
}


def setup_notebook(dpi: int = 80) -> None:
    """The course's common settings: fixed figure dpi, white figures, short numpy printing,
    and a text alternative for every figure shown (see :func:`register_figure_alt_text`)."""
    from ._alt_text import register_figure_alt_text

    register_figure_alt_text()
    plt.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "figure.max_open_warning": 0,
            "image.interpolation": "nearest",
            **FIGURE_RC,
        }
    )
    np.set_printoptions(precision=3, suppress=True, linewidth=100)


def describe_figure(fig: plt.Figure) -> str:
    """A short text alternative for ``fig``: what it shows, read from its titles.

    The figure's own title (``suptitle``) and the title of each of its axes, in order,
    joined by "; ". Axes without a title (a colour bar, say) are described by their
    label when they have one and skipped otherwise; a title of symbols only ("k=3, s=2")
    is followed by what the axes plot ("output size against input size"). A figure with no
    title at all is described by its number of panels.

    Examples
    --------
    >>> fig, (a, b) = plt.subplots(1, 2)
    >>> _ = a.set_title("input"); _ = b.set_title("feature map")
    >>> describe_figure(fig)
    'Figure: input; feature map'
    >>> plt.close(fig)
    """
    parts: list[str] = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(suptitle.get_text().strip())
    for ax in fig.get_axes():
        title = " ".join(
            t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t.strip()
        )
        if not title:
            label = (ax.get_ylabel() or ax.get_xlabel()).strip()
            title = label if ax.get_label() == "<colorbar>" else ""
            title = f"colour bar: {title}" if title else ""
        elif not re.search(r"[A-Za-z]{3,}", title) and ax.get_xlabel() and ax.get_ylabel():
            # a title of symbols only ("k=3, s=2"): say what the axes plot, too
            title += f" ({ax.get_ylabel().strip()} against {ax.get_xlabel().strip()})"
        if title:
            parts.append(" ".join(title.split()))
    if not parts:
        n = len(fig.get_axes())
        return f"Figure with {n} panel{'s' if n != 1 else ''} and no titles"
    return "Figure: " + "; ".join(parts)


def show_image(
    ax: plt.Axes,
    image: np.ndarray,
    title: str = "",
    cmap: str = PHOTO_CMAP,
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = False,
    label: str = "",
) -> plt.Axes:
    """Draw a 2-D array as an image on ``ax`` without ticks.

    ``colorbar=True`` adds a colour bar, labelled ``label`` when given.
    """
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        bar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        if label:
            bar.set_label(label)
    return ax


def signed_limit(*arrays: np.ndarray) -> float:
    """The half-width of a colour scale centred on 0 that holds every finite value given.

    The largest absolute finite value over all ``arrays``; 1.0 when they are all zero or empty,
    so a flat map of zeros still draws (all white) instead of failing.

    Examples
    --------
    >>> signed_limit(np.array([-3.0, 1.0]), np.array([2.0]))
    3.0
    >>> signed_limit(np.zeros(4))
    1.0
    """
    lim = 0.0
    for values in arrays:
        values = np.asarray(values, dtype=np.float64)
        finite = np.abs(values[np.isfinite(values)])
        if finite.size:
            lim = max(lim, float(finite.max()))
    return lim if lim > 0 else 1.0


def signed_colorbar(
    im: AxesImage, ax: plt.Axes | Sequence[plt.Axes], label: str = "value (0 = white)"
) -> plt.Axes:
    """A labelled colour bar for a signed image, beside ``ax`` (one Axes or several sharing it).

    Returns the colour bar's own Axes.
    """
    axes = list(np.ravel(ax)) if not isinstance(ax, plt.Axes) else ax
    fig = im.axes.figure
    bar = fig.colorbar(im, ax=axes, fraction=0.046, pad=0.04)
    bar.set_label(label)
    return bar.ax


def signed_imshow(
    ax: plt.Axes,
    values: np.ndarray,
    title: str = "",
    *,
    limit: float | None = None,
    colorbar: bool = True,
    label: str = "value (0 = white)",
    ticks: bool = False,
    **imshow_kwargs,
) -> AxesImage:
    """Draw signed values with :data:`SIGNED_CMAP` on a scale centred on 0, with a colour bar.

    Parameters
    ----------
    ax : Axes
    values : ndarray, shape (H, W)
        Kernel weights, a feature map, products or gradients. NaN cells are left blank.
    title : str
        Shown above the picture.
    limit : float, optional
        The scale runs from ``-limit`` (darkest blue) to ``+limit`` (darkest red). Give the
        same limit to several panels to compare them; by default :func:`signed_limit` of
        ``values``.
    colorbar : bool
        Add a colour bar labelled ``label`` beside ``ax``.
    ticks : bool
        Keep the row and column numbers (off by default).

    Returns
    -------
    im : AxesImage
        Pass it to :func:`signed_colorbar` to share one colour bar between panels.

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> im = signed_imshow(ax, np.array([[1.0, -2.0]]), "a kernel")
    >>> im.get_clim(), im.get_cmap().name
    ((-2.0, 2.0), 'RdBu_r')
    >>> plt.close(fig)
    """
    values = np.asarray(values, dtype=np.float64)
    lim = signed_limit(values) if limit is None else float(limit)
    if not lim > 0:
        lim = 1.0
    im = ax.imshow(
        np.ma.masked_invalid(values), cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, **imshow_kwargs
    )
    if not ticks:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        signed_colorbar(im, ax, label)
    return im


def ink_imshow(
    ax: plt.Axes,
    image: np.ndarray,
    title: str = "",
    vmax: float = 1.0,
    colorbar: bool = False,
    label: str = "ink (0 = none)",
) -> AxesImage:
    """Draw a handwritten digit as ink on paper (:data:`INK_CMAP`): 0 white, ``vmax`` black."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[0] == 1:
        image = image[0]
    im = ax.imshow(image, cmap=INK_CMAP, vmin=0.0, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        bar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        bar.set_label(label)
    return im


def image_grid(
    images: np.ndarray,
    titles: Iterable[str] | None = None,
    ncols: int = 8,
    cmap: str = PHOTO_CMAP,
    size: float = 1.4,
    symmetric: bool = False,
    label: str = "value (0 = white)",
) -> plt.Figure:
    """A figure with one small panel per 2-D image in ``images`` (shape (K, H, W)).

    ``symmetric=True`` draws signed values (kernels, gradients) the course's way: every panel
    with :data:`SIGNED_CMAP` on ONE scale centred on 0, shared by all panels, and one colour
    bar labelled ``label`` (``cmap`` is then ignored).
    """
    images = np.asarray(images)
    titles = list(titles) if titles is not None else None
    k = len(images)
    ncols = max(1, min(ncols, k))
    nrows = -(-k // ncols)
    extra = 0.6 if symmetric else 0.0
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols + extra, size * nrows + 0.3), squeeze=False
    )
    lim = signed_limit(images) if symmetric else None
    im = None
    for i, ax in enumerate(axes.flat):
        if i >= k:
            ax.axis("off")
            continue
        title = titles[i] if titles else ""
        if symmetric:
            im = signed_imshow(ax, images[i], title, limit=lim, colorbar=False)
        else:
            show_image(ax, images[i], title, cmap)
    if symmetric and im is not None:
        signed_colorbar(im, axes, label)
    else:
        fig.tight_layout()
    return fig
