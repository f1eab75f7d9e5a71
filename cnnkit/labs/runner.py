"""Check a learner's function against a lab: run every case, name the mistake, build the
result. Nothing the learner's code does makes this raise."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .calling import Outcome, as_parts, call, fresh_args
from .diagnose import matching_mistakes
from .result import CaseView, LabResult
from .spec import Case, Lab

__all__ = ["run_lab"]

_LOOK = {
    "raised": "Look at the line named above; run your function on the case below by hand "
    "and print the shapes just before it.",
    "bad_return": "Look at your return statement.",
    "mutated": "Look for lines that assign into an input (x[...] = ..., x += ..., "
    "x -= ...); make a copy first.",
    "shape": "Look at how you compute the output size and create the output array.",
    "dtype": "Look at where you create the output array.",
    "values": "Work the case below by hand and compare with your loops.",
}


def _expected(lab: Lab, case: Case) -> tuple[Any, ...]:
    parts, problem = as_parts(lab.expected(**fresh_args(case)), lab)
    if parts is None:  # the course's own answer is broken: that is a bug in cnnkit
        raise RuntimeError(f"lab {lab.name}: the right answer has the wrong form ({problem})")
    return parts


def _view(lab: Lab, cases: list[Case], expected: list, outcomes: list[Outcome], i: int) -> CaseView:
    names = tuple(p.name for p in lab.returns)
    return CaseView(i, len(cases), cases[i], names, expected[i], outcomes[i].parts)


def _signature_problem(lab: Lab, fn: Callable[..., Any]) -> str | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # some built-in callables have no signature to read
        return None
    try:
        sig.bind(*lab.arg_names)
    except TypeError:
        wanted = ", ".join(lab.arg_names)
        return (
            f"{lab.name}: your function takes {sig}, but the lab calls it as "
            f"{lab.name}({wanted}); give it exactly these {len(lab.arg_names)} parameters, "
            "in this order."
        )
    return None


def run_lab(lab: Lab, fn: Callable[..., Any], seed: int = 0) -> LabResult:
    """The verdict on ``fn`` for ``lab`` (see :func:`cnnkit.labs.check`)."""
    if not callable(fn):
        return LabResult(
            lab.name,
            False,
            "failed",
            f"{lab.name}: check needs your function itself, e.g. "
            f"check({lab.name!r}, {lab.name}), but it got {type(fn).__name__}.",
        )
    problem = _signature_problem(lab, fn)
    if problem:
        return LabResult(lab.name, False, "failed", problem)
    cases = lab.make_cases(seed)
    expected = [_expected(lab, c) for c in cases]
    outcomes = [call(fn, lab, c, e) for c, e in zip(cases, expected)]
    unwritten = [i for i, o in enumerate(outcomes) if o.status == "not_written"]
    if len(unwritten) == len(cases):
        return LabResult(
            lab.name,
            False,
            "not_written",
            f"{lab.name}: not written yet. Replace `raise NotImplementedError` "
            "with your code, then run this check again.",
        )
    if unwritten:  # written for some cases only, e.g. ints but not (h, w) pairs yet
        view = _view(lab, cases, expected, outcomes, unwritten[0])
        return LabResult(
            lab.name,
            False,
            "failed",
            f"{lab.name}: not finished yet. Your function raises "
            f"NotImplementedError in {view.title()}; the other cases run.\n\n"
            f"{view.text()}",
            case=cases[unwritten[0]],
            view=view,
        )
    bad = [i for i, o in enumerate(outcomes) if o.status != "ok"]
    if not bad:
        problem = lab.extra_check(fn) if lab.extra_check is not None else None
        if problem is None:
            return LabResult(
                lab.name,
                True,
                "passed",
                f"{lab.name}: passed. All {len(cases)} cases are right ({lab.what}).",
            )
        return LabResult(
            lab.name,
            False,
            "failed",
            f"{lab.name}: the numbers are right, but {problem.says}\n\nHint: {problem.hint}",
            mistake=problem.name,
        )
    first = bad[0]
    mutated = [i for i in bad if outcomes[i].status == "mutated"]
    if mutated:
        first = mutated[0]
        view = _view(lab, cases, expected, outcomes, first)
        return LabResult(
            lab.name,
            False,
            "failed",
            f"{lab.name}: {outcomes[first].problem}.\n\n{_LOOK['mutated']}",
            case=cases[first],
            view=view,
        )
    view = _view(lab, cases, expected, outcomes, first)
    found = matching_mistakes(lab, cases, outcomes, expected)
    case_text = view.text()
    if found:
        said = "\n\n".join(f"It looks like {m.says}\n\nHint: {m.hint}" for m in found)
        return LabResult(
            lab.name,
            False,
            "failed",
            f"{lab.name}: not right yet. {said}\n\n{case_text}",
            mistake=found[0].name,
            case=cases[first],
            view=view,
        )
    o = outcomes[first]
    where = f" (at {o.where})" if o.where else ""
    return LabResult(
        lab.name,
        False,
        "failed",
        f"{lab.name}: not right yet. In {view.title()}, {o.problem}{where}.\n\n"
        f"{_LOOK[o.status]}\n\n{case_text}",
        case=cases[first],
        view=view,
    )
