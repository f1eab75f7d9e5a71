"""Build-it-yourself labs: the learner writes each piece of a CNN, :func:`check` says
whether it is right and, when it is not, which classic mistake it makes.

>>> from cnnkit.labs import check, LABS
>>> def output_size(n, kernel_size, stride, padding, dilation):
...     return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
>>> check("output_size", output_size).passed
True
"""

from __future__ import annotations

from typing import Any

from .hints import HINTS
from .registry import LABS, get_lab
from .result import LabResult
from .runner import run_lab
from .shown import Shown
from .sources import solution_source, stub_from

__all__ = ["check", "LABS", "LabResult", "show_hint", "show_solution", "stub_source"]


def check(lab_name: str, function: Any, *, seed: int = 0) -> LabResult:
    """Check the learner's function for one lab on cases made from ``seed``.

    Parameters
    ----------
    lab_name : str
        One of :data:`LABS`.
    function : callable (a dict of callables for "capstone")
        The learner's code, with the lab's signature.
    seed : int
        Seeds the random cases, so a failure can be reproduced.

    Returns
    -------
    LabResult
        ``.passed``, ``.message``, ``.mistake``, ``.case``; shows as a panel in a notebook.
        Never raises because of the learner's code.

    Raises
    ------
    ValueError
        When ``lab_name`` is not one of :data:`LABS`.
    """
    if lab_name == "capstone":
        from .capstone import check_capstone

        return check_capstone(function, seed=seed)
    return run_lab(get_lab(lab_name), function, seed=seed)


def _known(lab_name: str) -> str:
    if lab_name != "capstone":
        get_lab(lab_name)  # a ValueError listing the labs for an unknown name
    return lab_name


def show_hint(lab_name: str, level: int = 1) -> Shown:
    """Hint number ``level`` (1, 2 or 3, each more specific) for a lab."""
    hints = HINTS[_known(lab_name)]
    if level not in (1, 2, 3):
        raise ValueError(f"level={level!r} must be 1, 2 or 3 (3 says the most)")
    return Shown(f"Hint {level} of 3 for {lab_name}:", hints[level - 1])


def show_solution(lab_name: str) -> Shown:
    """The reference solution of a lab, as a code block."""
    return Shown(
        f"A reference solution for {_known(lab_name)}:", solution_source(lab_name), code=True
    )


def stub_source(lab_name: str) -> str:
    """The stub a lab starts from: signature, docstring with shapes, NotImplementedError."""
    return stub_from(solution_source(_known(lab_name)))
