"""Exercise checks for the notebooks: ``check_*`` functions with instant feedback.

Each notebook's checks live in their own module and are all importable from here.
"""
from ._core import EXERCISES, Exercise, Feedback, exercise, show_solution

__all__ = ["EXERCISES", "Exercise", "Feedback", "exercise", "show_solution"]
