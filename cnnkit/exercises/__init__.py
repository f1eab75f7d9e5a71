"""Exercise checks for the notebooks: ``check_*`` functions with instant feedback.

Each notebook's checks live in their own module and are all importable from here.
"""
from ._core import EXERCISES, Exercise, Feedback, exercise, show_solution
from .start import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .arithmetic import *  # noqa: F401,F403
from .backprop import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from . import arithmetic, backprop, kernels, network, start, training

__all__ = ["EXERCISES", "Exercise", "Feedback", "exercise", "show_solution"] + [
    name for mod in (start, network, kernels, arithmetic, backprop, training) for name in mod.__all__
]
