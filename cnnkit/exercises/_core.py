"""Instant feedback for exercises: every check returns a :class:`Feedback` that shows as a
green or orange box in a notebook (and as one line of text elsewhere), with a hint when the
answer is not right yet and a way to reveal the solution."""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Feedback", "Exercise", "exercise", "show_solution", "EXERCISES"]


@dataclass(frozen=True)
class Feedback:
    """The result of a check: ``bool(feedback)`` is True when the answer is right."""

    correct: bool
    message: str
    solution: str = ""
    name: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        if self.correct:
            return f"Correct! {self.message}"
        reveal = f" (to see the solution, run show_solution({self.name!r}))" if self.name else ""
        return f"Not yet: {self.message}{reveal}"

    def _repr_html_(self) -> str:
        color, head = ("#1a7f37", "Correct!") if self.correct else ("#9a6700", "Not yet:")
        body = (f'<div style="border-left:4px solid {color};padding:4px 8px">'
                f'<b style="color:{color}">{head}</b> {html.escape(self.message)}')
        if not self.correct and self.solution:
            body += ("<details><summary>Show the solution</summary><pre>"
                     f"{html.escape(self.solution)}</pre></details>")
        return body + "</div>"


@dataclass(frozen=True)
class Exercise:
    """One exercise: a name, a checker and its written solution."""

    name: str
    checker: Callable[..., tuple[bool, str]]
    solution: str

    def __call__(self, *args: Any, **kwargs: Any) -> Feedback:
        if args and all(a is None or a is ... for a in args):
            return Feedback(False, "replace None with your answer, then run the cell again.",
                            self.solution, self.name)
        try:
            ok, message = self.checker(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            ok, message = False, f"that answer could not be checked ({exc})."
        return Feedback(bool(ok), message, self.solution, self.name)


EXERCISES: dict[str, Exercise] = {}


def exercise(name: str, solution: str) -> Callable[[Callable[..., tuple[bool, str]]], Exercise]:
    """Decorator: turn ``checker(answer) -> (ok, message)`` into a registered exercise."""

    def wrap(checker: Callable[..., tuple[bool, str]]) -> Exercise:
        ex = Exercise(name, checker, solution.strip())
        EXERCISES[name] = ex
        return ex

    return wrap


def show_solution(name: str) -> None:
    """Print the solution of the exercise called ``name``."""
    if name not in EXERCISES:
        raise ValueError(f"no exercise called {name!r}; known: {', '.join(sorted(EXERCISES))}")
    print(EXERCISES[name].solution)
