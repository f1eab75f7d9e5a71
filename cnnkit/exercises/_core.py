"""Instant feedback for exercises.

Every check returns a :class:`Feedback` that shows as a green or orange box in a notebook (and
as one line of text elsewhere): *Correct!* with the reason, or *Not yet:* with a hint. The
worked solution is never shown with the hint; ``show_solution("01.2")`` prints it on request.

Every answer a learner can type gets feedback, never a traceback. Checkers read answers through
the helpers below (:func:`as_number`, :func:`as_whole_number`, :func:`as_whole_numbers`,
:func:`as_shape`, :func:`as_grid`), which accept every reasonable spelling of an answer (an
int, a float, a numpy scalar, a one-element list or array, a tuple or an array for a shape)
and turn anything else into an :class:`AnswerError` whose message says in plain words what was
given and what the question expects. Anything a checker did not foresee still ends as a plain
"Not yet" that names what the question expects.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Feedback",
    "Exercise",
    "exercise",
    "show_solution",
    "show_question",
    "Question",
    "EXERCISES",
    "AnswerError",
    "describe",
    "as_number",
    "as_whole_number",
    "as_whole_numbers",
    "as_shape",
    "as_grid",
]


class AnswerError(ValueError):
    """An answer of the wrong kind; the message is written for the learner."""


@dataclass(frozen=True)
class Feedback:
    """The result of a check: ``bool(feedback)`` is True when the answer is right."""

    correct: bool
    message: str
    solution: str = ""
    name: str = ""

    def __bool__(self) -> bool:
        return self.correct

    def _reveal(self) -> str:
        if self.correct or not self.name:
            return ""
        return f"Stuck? show_solution({self.name!r}) prints a worked solution."

    def __repr__(self) -> str:
        if self.correct:
            return f"Correct! {self.message}"
        reveal = f" ({self._reveal()})" if self._reveal() else ""
        return f"Not yet: {self.message}{reveal}"

    def _repr_html_(self) -> str:
        color, head = ("#1a7f37", "Correct!") if self.correct else ("#9a6700", "Not yet:")
        body = (
            f'<div style="border-left:4px solid {color};padding:4px 8px">'
            f'<b style="color:{color}">{head}</b> {html.escape(self.message)}'
        )
        if self._reveal():
            body += f'<br><span style="color:#57606a">{html.escape(self._reveal())}</span>'
        return body + "</div>"


@dataclass(frozen=True)
class Exercise:
    """One exercise: a name, a checker, its written solution and what kind of answer it expects.

    ``expects`` is said in plain words ("one whole number, such as 42") and is part of every
    message about an answer of the wrong kind.
    """

    name: str
    checker: Callable[..., tuple[bool, str]]
    solution: str
    expects: str = "the answer the question asks for"
    question: str = ""

    def __call__(self, *args: Any, **kwargs: Any) -> Feedback:
        if not args and not kwargs or args and all(a is None or a is ... for a in args):
            return self._feedback(
                False, f"replace None with your answer ({self.expects}), then run the cell again."
            )
        try:
            ok, message = self.checker(*args, **kwargs)
        except AnswerError as exc:
            ok, message = False, str(exc)
        except Exception:  # noqa: BLE001 - a learner's answer must never end in a traceback
            given = describe(args[0]) if len(args) == 1 else "that answer"
            ok, message = (
                False,
                (f"{given} could not be checked; the question asks for {self.expects}."),
            )
        return self._feedback(bool(ok), str(message))

    def _feedback(self, ok: bool, message: str) -> Feedback:
        return Feedback(ok, message, self.solution, self.name)


EXERCISES: dict[str, Exercise] = {}


def exercise(
    name: str, solution: str, expects: str | None = None, question: str = ""
) -> Callable[[Callable[..., tuple[bool, str]]], Exercise]:
    """Decorator: turn ``checker(answer) -> (ok, message)`` into a registered exercise.

    Write ``question`` and ``solution`` with the question's constants (f-strings), so that
    neither can disagree with the check; the notebook shows the question with
    :func:`show_question`. ``expects`` says what kind of answer the question wants.
    """

    def wrap(checker: Callable[..., tuple[bool, str]]) -> Exercise:
        ex = Exercise(
            name,
            checker,
            solution.strip(),
            expects or "the answer the question asks for",
            " ".join(question.split()),
        )
        EXERCISES[name] = ex
        return ex

    return wrap


def show_solution(name: str) -> None:
    """Print the worked solution of the exercise called ``name`` (for example ``"01.2"``)."""
    key = str(name).strip()
    if key not in EXERCISES:
        print(f"There is no exercise called {name!r}. Known: {', '.join(sorted(EXERCISES))}.")
        return
    print(EXERCISES[key].solution)


@dataclass(frozen=True)
class Question:
    """An exercise's question as a notebook shows it: Markdown, with the exercise's name."""

    name: str
    text: str

    def __repr__(self) -> str:
        return f"{self.name} {self.text}".replace("`", "").replace("**", "")

    def _repr_markdown_(self) -> str:
        return f"**{self.name}** {self.text}"


def show_question(name: str) -> Question:
    """The question of the exercise called ``name``, written from its constants.

    A notebook shows it by ending a cell with ``show_question("03.1")``, so the numbers in
    the question are always those the check uses.
    """
    key = str(name).strip()
    if key not in EXERCISES or not EXERCISES[key].question:
        known = ", ".join(sorted(k for k, ex in EXERCISES.items() if ex.question))
        raise ValueError(f"no question is written for exercise {name!r}; written: {known}")
    return Question(key, EXERCISES[key].question)


# ----------------------------------------------------------------------------------------------
# Reading answers


def describe(answer: Any) -> str:
    """Say in plain words what ``answer`` is, for a message to the learner.

    Examples
    --------
    >>> describe([1, 2]), describe("12"), describe(True), describe(np.zeros((2, 3)))
    ('a list of 2 items', "the text '12'", 'True (a yes/no value)', 'an array of shape (2, 3)')
    """
    if answer is None:
        return "None"
    if isinstance(answer, (bool, np.bool_)):
        return f"{bool(answer)} (a yes/no value)"
    if isinstance(answer, str):
        text = answer if len(answer) <= 30 else answer[:27] + "..."
        return f"the text {text!r}"
    if isinstance(answer, numbers.Number):
        return f"the number {_short(answer)}"
    if isinstance(answer, np.ndarray):
        if answer.ndim == 0:
            return f"the number {_short(answer.item())}"
        return f"an array of shape {tuple(answer.shape)}"
    if isinstance(answer, (list, tuple, set, frozenset)):
        kind = type(answer).__name__
        if kind == "frozenset":
            kind = "set"
        n = len(answer)
        return f"a {kind} of {n} item{'s' if n != 1 else ''}"
    if isinstance(answer, dict):
        return "a dict"
    if callable(answer):
        return "a function (did you mean to call it, with ()?)"
    return f"a {type(answer).__name__}"


def _short(value: Any) -> str:
    if isinstance(value, complex):
        return f"{value}"
    value = float(value)
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _plain_number(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def as_number(answer: Any, what: str) -> float:
    """One finite real number from an int, float, numpy scalar or a one-element list/array.

    ``what`` names the quantity ("the output size"). Anything else raises
    :class:`AnswerError` with a message that says what was given and what is expected.

    Examples
    --------
    >>> as_number(np.array([0.5]), "a probability")
    0.5
    """
    value = answer
    if isinstance(value, (list, tuple, np.ndarray)):
        flat = _flatten(value)
        if flat is not None and len(flat) == 1:
            value = flat[0]
        elif flat is not None and len(flat) == 0:
            raise AnswerError(f"that is empty ({describe(answer)}); give {what} as one number.")
        elif flat is not None:
            raise AnswerError(
                f"that holds {len(flat)} numbers ({describe(answer)}); give {what} as one number."
            )
    if isinstance(value, str):
        hint = ""
        try:
            hint = f": write {_short(float(value.strip()))} without quotes"
        except ValueError:
            pass
        raise AnswerError(
            f"that is {describe(value)}, not a number{hint}; give {what} as one number."
        )
    if isinstance(value, (bool, np.bool_)):
        raise AnswerError(f"that is {describe(value)}; give {what} as a number.")
    if not _plain_number(value):
        raise AnswerError(f"that is {describe(answer)}; give {what} as one number.")
    number = float(value)
    if not np.isfinite(number):
        raise AnswerError(f"{number} is not a finite number; give {what} as an ordinary number.")
    return number


def as_whole_number(answer: Any, what: str) -> int:
    """One whole number (accepts 17, 17.0, np.int64(17), [17], np.array([17]))."""
    number = as_number(answer, what)
    if not number.is_integer():
        raise AnswerError(f"{number:g} is not a whole number; {what} is a whole number.")
    return int(number)


def as_whole_numbers(answer: Any, what: str) -> list[int]:
    """A list of whole numbers from a list, tuple, set, range or array (one number gives a
    list of one)."""
    if isinstance(answer, str) and re.fullmatch(r"[\s\[\](),\d+-]*\d[\s\[\](),\d+-]*", answer):
        text = answer.strip()
        if not text.startswith(("(", "[")):
            text = f"[{text}]"
        raise AnswerError(
            f"that is {describe(answer)}; write {text} without quotes, so that "
            "the answer is numbers, not text."
        )
    if isinstance(answer, (str, bytes, dict)) or callable(answer):
        raise AnswerError(
            f"that is {describe(answer)}; give {what} as a list of whole numbers, such as [1, 2]."
        )
    if _plain_number(answer) or isinstance(answer, (bool, np.bool_)):
        return [as_whole_number(answer, what)]
    if isinstance(answer, (set, frozenset, range)):
        answer = sorted(answer, key=lambda v: (str(type(v)), v))
    flat = _flatten(answer)
    if flat is None:
        raise AnswerError(
            f"that is {describe(answer)}; give {what} as a list of whole numbers, such as [1, 2]."
        )
    out = []
    for item in flat:
        if not _plain_number(item):
            raise AnswerError(
                f"{describe(item)} is not a whole number; give {what} as a list "
                "of whole numbers, such as [1, 2]."
            )
        out.append(as_whole_number(item, "each entry"))
    return out


def as_shape(answer: Any, what: str = "the shape") -> tuple[int, ...]:
    """A shape: a tuple, list or 1-D array of whole numbers (``np.array([2, 16, 32, 32])`` is a
    shape too)."""
    if isinstance(answer, np.ndarray) and answer.ndim > 1:
        raise AnswerError(
            f"that is {describe(answer)}, an array of values; give {what} itself "
            "(its .shape), a tuple such as (2, 3)."
        )
    if _plain_number(answer):
        raise AnswerError(f"that is one number; give {what} as a tuple of numbers, such as (2, 3).")
    if isinstance(answer, (set, frozenset)):
        raise AnswerError(
            "a set has no order, and the order of a shape matters; give a tuple such as (2, 3)."
        )
    values = as_whole_numbers(answer, what)
    if any(v < 0 for v in values):
        raise AnswerError(f"a shape counts sizes, which cannot be negative; got {tuple(values)}.")
    return tuple(values)


def as_grid(answer: Any, what: str) -> np.ndarray:
    """A 2-D array of finite numbers from a list of equally long rows or an array."""
    if (
        isinstance(answer, (str, bytes, dict))
        or callable(answer)
        or _plain_number(answer)
        or isinstance(answer, (bool, np.bool_, set, frozenset))
    ):
        raise AnswerError(
            f"that is {describe(answer)}; give {what} as a 2-D array, such as "
            "np.array([[1, 0], [0, 1]]) (a list of rows)."
        )
    if isinstance(answer, (list, tuple)):
        rows = list(answer)
        if rows and all(isinstance(r, (list, tuple, np.ndarray)) for r in rows):
            lengths = [len(r) for r in rows]
            if len(set(lengths)) > 1:
                raise AnswerError(
                    f"the rows have different lengths {lengths}; every row of "
                    f"{what} needs the same number of values."
                )
    try:
        grid = np.asarray(answer)
    except (TypeError, ValueError):
        raise AnswerError(
            f"give {what} as a 2-D array of numbers (a list of equally long rows)."
        ) from None
    if grid.dtype == object or grid.dtype.kind not in "iuf":
        raise AnswerError(f"{what} must hold numbers only; give a 2-D array of numbers.")
    if grid.ndim != 2:
        raise AnswerError(
            f"{what} is a 2-D array (rows and columns); yours has "
            f"{grid.ndim} dimension{'s' if grid.ndim != 1 else ''}."
        )
    grid = grid.astype(np.float64)
    if not np.isfinite(grid).all():
        raise AnswerError(f"{what} holds a value that is not a finite number (nan or inf).")
    return grid


def _flatten(value: Any) -> list | None:
    """The items of a flat list/tuple/1-D array (or a 0-d array); None when nested or ragged."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            items = value.reshape(-1).tolist()
        elif value.ndim <= 1 or value.size <= 1:
            return value.reshape(-1).tolist()
        else:
            return None
    else:
        try:
            items = list(value)
        except TypeError:
            return None
    out = []
    for item in items:
        if isinstance(item, np.ndarray) and item.size == 1 and item.ndim <= 1:
            item = item.reshape(-1)[0].item()
        elif isinstance(item, (list, tuple, np.ndarray, set, dict)):
            return None
        out.append(item)
    return out
