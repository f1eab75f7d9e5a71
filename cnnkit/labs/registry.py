"""All labs by name, in the order the course meets them."""

from __future__ import annotations

from . import lab_conv_backward, lab_conv_forward, lab_output_size, lab_pool, lab_softmax
from .spec import Lab

__all__ = ["LABS", "get_lab"]

LABS: tuple[str, ...] = (
    "output_size",
    "conv2d_forward",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "conv2d_backward",
    "conv2d_im2col",
    "softmax_cross_entropy",
    "capstone",
)

_REGISTRY: dict[str, Lab] = {
    lab.name: lab
    for lab in (
        lab_output_size.LAB,
        lab_conv_forward.FORWARD,
        lab_conv_forward.IM2COL,
        lab_pool.FORWARD,
        lab_pool.BACKWARD,
        lab_conv_backward.BACKWARD,
        lab_softmax.LAB,
    )
}


def get_lab(name: object) -> Lab:
    """The lab called ``name``; a ValueError listing the labs for any other name."""
    if callable(name):
        raise ValueError(
            "the lab's name comes first, then your function, e.g. check('output_size', output_size)"
        )
    if not isinstance(name, str) or name not in LABS:
        raise ValueError(f"there is no lab called {name!r}; the labs are: {', '.join(LABS)}")
    if name not in _REGISTRY:
        raise ValueError(f"the lab {name!r} is not ready yet; ready: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
