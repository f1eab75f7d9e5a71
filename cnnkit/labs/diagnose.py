"""Name the learner's mistake: compute every catalogued mistake on the same cases and see
which one the learner's results agree with."""

from __future__ import annotations

from typing import Any

from .calling import Outcome, as_parts, close, fresh_args, loose, quietly
from .spec import Case, Lab, Mistake

__all__ = ["mistake_results", "matching_mistakes"]


def mistake_results(m: Mistake, lab: Lab, cases: list[Case]) -> list[tuple[Any, ...] | None]:
    """What ``m`` returns on every case (None where such a function would fail)."""
    results: list[tuple[Any, ...] | None] = []
    for case in cases:
        try:
            parts, _ = as_parts(quietly(m.compute, fresh_args(case)), lab)
        except Exception:
            parts = None
        results.append(parts)
    return results


def _explains(
    m: Mistake,
    lab: Lab,
    cases: list[Case],
    outcomes: list[Outcome],
    expected: list[tuple[Any, ...]],
    theirs: list[tuple[Any, ...] | None],
) -> bool:
    """True when the learner's results are this mistake's on every case, and the mistake
    shows (differs from the right answer) in at least one of them."""
    parts = m.parts or tuple(range(len(lab.returns)))
    shows = False
    for case, out, want, mine in zip(cases, outcomes, expected, theirs):
        single = loose(case)
        if out.status == "raised":
            if mine is not None:
                return False
            continue
        if out.parts is None or mine is None:
            return False
        for p in parts:
            if not close(out.parts[p], mine[p], single):
                return False
            if not close(mine[p], want[p], single):
                shows = True
    return shows


def matching_mistakes(
    lab: Lab, cases: list[Case], outcomes: list[Outcome], expected: list[tuple[Any, ...]]
) -> list[Mistake]:
    """The catalogued mistakes the learner's results agree with, one per name, in order."""
    found: list[Mistake] = []
    for m in lab.mistakes:
        if any(f.name == m.name for f in found):
            continue
        if _explains(m, lab, cases, outcomes, expected, mistake_results(m, lab, cases)):
            found.append(m)
    return found
