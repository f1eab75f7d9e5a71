"""What a lab is made of: its cases, the right answer, the shape of a return value, and the
catalogue of classic mistakes. Each lab module fills in one :class:`Lab`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "Part", "Mistake", "Lab"]


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: its arguments, in signature order, and a note
    saying what the case tests (e.g. "stride 2, padding (1, 0)")."""

    args: dict[str, Any]
    note: str


@dataclass(frozen=True)
class Part:
    """One returned value: ``kind`` is "int" (a whole number), "scalar" (a real number) or
    "array" (a numpy array whose shape and dtype must match the right answer)."""

    name: str
    kind: str


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: ``compute`` takes the case's arguments and returns what a function
    with this mistake returns (raising where such a function would fail). ``parts`` lists
    the returned values the mistake changes (all of them when empty)."""

    name: str
    says: str
    hint: str
    compute: Callable[..., Any]
    parts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Lab:
    """A lab: the learner writes ``name(*arg_names)``; ``expected(**case.args)`` is right."""

    name: str
    what: str
    arg_names: tuple[str, ...]
    returns: tuple[Part, ...]
    make_cases: Callable[[int], list[Case]]
    expected: Callable[..., Any]
    mistakes: tuple[Mistake, ...] = field(default=())
    # Called with the learner's function once every case is right; returns a problem
    # (a Mistake saying what is wrong) or None. Used for "no loop over pixels".
    extra_check: Callable[[Callable[..., Any]], Mistake | None] | None = None
