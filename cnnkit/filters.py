"""Classic hand-made 3x3 kernels: edge detectors, blurs, sharpen and identity.

Before networks learned their kernels, image processing used kernels designed by hand. They
are the clearest way to see what one kernel does to a picture, and networks trained on photos
end up learning kernels that look much like them.

Every kernel here is a read-only float64 array of shape (3, 3), to be used with
:func:`cnnkit.conv2d`, which (like PyTorch) slides the kernel *without flipping it*. So the
numbers read as "weight of the pixel at this place in the window": ``SOBEL_VERTICAL`` has
negative weights on the left column and positive ones on the right, so it answers strongly
where the image gets brighter from left to right, i.e. on a *vertical* edge.

``KERNELS`` maps a short name to each kernel; :func:`get_kernel` returns a writable copy and
:func:`stack_kernels` turns several into a conv weight of shape (F, 1, 3, 3).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np

__all__ = [
    "IDENTITY",
    "BOX_BLUR",
    "GAUSSIAN_BLUR",
    "SHARPEN",
    "SOBEL_VERTICAL",
    "SOBEL_HORIZONTAL",
    "PREWITT_VERTICAL",
    "PREWITT_HORIZONTAL",
    "LAPLACIAN",
    "KERNELS",
    "get_kernel",
    "stack_kernels",
]


def _frozen(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    kernel = np.array(rows, dtype=np.float64) * scale
    kernel.setflags(write=False)
    return kernel


#: Copies the centre pixel: the output equals the input (away from the border).
IDENTITY = _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]])

#: The mean of the 3x3 window: every weight 1/9, so a flat region keeps its brightness.
BOX_BLUR = _frozen([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1 / 9)

#: A weighted mean that trusts the centre most (a small Gaussian); weights sum to 1.
GAUSSIAN_BLUR = _frozen([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16)

#: The pixel plus its difference from its four neighbours; weights sum to 1.
SHARPEN = _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])

#: Right column minus left column, centre row counted twice: large on vertical edges.
SOBEL_VERTICAL = _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])

#: Bottom row minus top row, centre column counted twice: large on horizontal edges.
SOBEL_HORIZONTAL = _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])

#: Like Sobel, with equal weights on the three rows: right column minus left column.
PREWITT_VERTICAL = _frozen([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])

#: Like Sobel, with equal weights on the three columns: bottom row minus top row.
PREWITT_HORIZONTAL = _frozen([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])

#: Four neighbours minus four times the centre: zero on flat and evenly sloped regions,
#: large on edges and fine detail in any direction; weights sum to 0.
LAPLACIAN = _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]])

#: Every classic kernel by name.
KERNELS: dict[str, np.ndarray] = {
    "identity": IDENTITY,
    "box_blur": BOX_BLUR,
    "gaussian_blur": GAUSSIAN_BLUR,
    "sharpen": SHARPEN,
    "sobel_vertical": SOBEL_VERTICAL,
    "sobel_horizontal": SOBEL_HORIZONTAL,
    "prewitt_vertical": PREWITT_VERTICAL,
    "prewitt_horizontal": PREWITT_HORIZONTAL,
    "laplacian": LAPLACIAN,
}


def get_kernel(name: str) -> np.ndarray:
    """A writable copy of the classic kernel called ``name``.

    Parameters
    ----------
    name : str
        One of the keys of :data:`KERNELS`, e.g. ``"sobel_vertical"``.

    Returns
    -------
    ndarray of float64, shape (3, 3)

    Examples
    --------
    >>> get_kernel("box_blur").shape
    (3, 3)
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name={name!r} must be a kernel name (a string) such as "
            f"'sobel_vertical', not {type(name).__name__}"
        )
    if name not in KERNELS:
        close = difflib.get_close_matches(name.lower().replace(" ", "_"), KERNELS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"no kernel called {name!r}; {hint}choose one of: {', '.join(KERNELS)}")
    return KERNELS[name].copy()


def stack_kernels(names: Iterable[str]) -> np.ndarray:
    """Several classic kernels as one conv weight for a one-channel (grayscale) input.

    Parameters
    ----------
    names : iterable of str
        Keys of :data:`KERNELS`, one per output feature map.

    Returns
    -------
    ndarray of float64, shape (F, 1, 3, 3)
        ``F = len(names)``, ready for ``conv2d(x, weight)`` with ``x`` of shape (N, 1, H, W).

    Examples
    --------
    >>> stack_kernels(["sobel_vertical", "sobel_horizontal"]).shape
    (2, 1, 3, 3)
    """
    if isinstance(names, str):
        raise TypeError(f"names={names!r} is one string; pass a list of names, such as [{names!r}]")
    try:
        names = list(names)
    except TypeError:
        raise TypeError(
            f"names={names!r} must be a list of kernel names, such as "
            "['sobel_vertical', 'sobel_horizontal']"
        ) from None
    if not names:
        raise ValueError("names is empty; give at least one kernel name, e.g. ['sharpen']")
    return np.stack([get_kernel(n) for n in names])[:, None]
