"""Does a function run Python code once per output pixel? Count the lines of Python it runs
(numpy's and the standard library's own lines aside) on a small and on a large image: a
vectorised function runs the same lines for both, a loop over pixels runs many more.

Counting lines is exact and does not depend on how busy the machine is, unlike timing.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable
from typing import Any

import numpy as np

from .calling import quietly
from .spec import Mistake

__all__ = ["count_lines", "loop_over_pixels"]

_SKIP = tuple(
    os.path.abspath(p)
    for p in {
        os.path.dirname(np.__file__),
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
)


def _theirs(filename: str) -> bool:
    return not os.path.abspath(filename).startswith(_SKIP) if filename[:1] != "<" else True


def count_lines(fn: Callable[..., Any], args: dict[str, Any]) -> int:
    """How many lines (and calls) of the learner's Python ``fn(**args)`` runs."""
    count = 0
    mine: dict[Any, bool] = {}

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        nonlocal count
        code = frame.f_code
        if code not in mine:
            mine[code] = _theirs(code.co_filename)
        if not mine[code]:
            return None
        count += 1
        return local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        quietly(fn, args)
    finally:
        sys.settrace(previous)
    return count


def _case(h: int, w: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return dict(
        x=rng.normal(size=(2, 3, h, w)),
        weight=rng.normal(size=(4, 3, 3, 2)),
        bias=rng.normal(size=4),
        stride=1,
        padding=1,
    )


_LOOP = Mistake(
    "loop_over_pixels",
    "your function runs Python code once per output pixel (or per row): on an image with "
    "20 times as many output pixels it ran {big} lines of Python instead of {small}.",
    "loop over the kernel's taps (a, b) only, a few of them, and take the pixel under tap "
    "(a, b) for every output position at once with a strided slice; then one matrix product.",
    lambda **_: None,
)


def loop_over_pixels(fn: Callable[..., Any]) -> Mistake | None:
    """A mistake saying so when ``fn`` loops over output pixels, else None."""
    try:
        small = count_lines(fn, _case(3, 4))  # 3 x 5 output pixels
        big = count_lines(fn, _case(15, 19))  # 15 x 20 output pixels
    except Exception:  # the cases already ran; a failure here is not about loops
        return None
    # A vectorised function runs exactly the same lines for both sizes; one more line for
    # each of the 12 extra output rows is already a loop.
    if big < small + 10:
        return None
    return Mistake(_LOOP.name, _LOOP.says.format(big=big, small=small), _LOOP.hint, _LOOP.compute)
