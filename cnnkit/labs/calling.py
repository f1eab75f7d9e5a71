"""Call the learner's function safely on one case and say, in plain words, what came back.

Nothing the learner's code does (raise, return the wrong thing, change its input) escapes
from here: every outcome becomes an :class:`Outcome` with a sentence describing it.
"""

from __future__ import annotations

import linecache
import os
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .spec import Case, Lab, Part

__all__ = [
    "Outcome",
    "call",
    "compare",
    "fresh_args",
    "as_parts",
    "close",
    "loose",
    "plain",
    "where_raised",
]

_HERE = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


@dataclass
class Outcome:
    """What one call gave. ``status`` is one of "ok", "not_written", "raised",
    "bad_return", "mutated", "shape", "dtype", "values"; ``problem`` says it in words."""

    status: str
    parts: tuple[Any, ...] | None = None
    problem: str = ""
    where: str = ""


def fresh_args(case: Case) -> dict[str, Any]:
    """Copies of the case's arguments, so no call can change the case itself."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in case.args.items()}


def where_raised(exc: BaseException) -> str:
    """ "line 7 of conv2d_forward: out[i] = ..." for the learner's last line in the traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    theirs = [f for f in frames if not os.path.abspath(f.filename).startswith((_HERE, _NUMPY))]
    if not theirs:
        return ""
    f = theirs[-1]
    line = (f.line or linecache.getline(f.filename, f.lineno)).strip()
    text = f"line {f.lineno} of {f.name}"
    return f"{text}: {line}" if line else text


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {_short(value)}"


def plain(value: Any) -> str:
    """``str(value)`` without memory addresses (so a message reads the same every run)."""
    try:
        return re.sub(r" at 0x[0-9a-fA-F]+", "", str(value))
    except Exception:
        return "(which cannot be shown)"


def _short(value: Any) -> str:
    try:
        text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # no memory addresses
    except Exception:
        text = "(which cannot be shown)"
    return text if len(text) <= 60 else text[:57] + "..."


def _one_part(value: Any, part: Part) -> tuple[Any, str]:
    """(value as checked, "") or (None, what is wrong with its type)."""
    if part.kind == "int":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            extra = ""
            if isinstance(value, (float, np.floating)):
                extra = " (a float: use // for whole-number division, or wrap it in int())"
            return None, f"{part.name} should be an int, but it is {_describe(value)}{extra}"
        return int(value), ""
    if part.kind == "scalar":
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)
        ):
            return None, f"{part.name} should be a real number, but it is {_describe(value)}"
        return float(value), ""
    if not isinstance(value, np.ndarray):
        extra = " (wrap it with np.array(...))" if isinstance(value, (list, tuple)) else ""
        return None, f"{part.name} should be a numpy array, but it is {_describe(value)}{extra}"
    if value.dtype.kind not in "fiu":
        return None, (f"{part.name} should hold real numbers, but its dtype is {value.dtype}")
    return value, ""


def as_parts(raw: Any, lab: Lab) -> tuple[tuple[Any, ...] | None, str]:
    """Split a return value into the lab's parts: (parts, "") or (None, what is wrong)."""
    if len(lab.returns) == 1:
        value, problem = _one_part(raw, lab.returns[0])
        return (None, problem) if problem else ((value,), "")
    names = ", ".join(p.name for p in lab.returns)
    if not isinstance(raw, (tuple, list)) or len(raw) != len(lab.returns):
        got = f"{len(raw)} values" if isinstance(raw, (tuple, list)) else _describe(raw)
        return None, f"the function should return {len(lab.returns)} values ({names}), got {got}"
    out = []
    for value, part in zip(raw, lab.returns):
        checked, problem = _one_part(value, part)
        if problem:
            return None, problem
        out.append(checked)
    return tuple(out), ""


def loose(case: Case) -> bool:
    """True when the case has float32 inputs, so answers are compared to float32 precision."""
    return any(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in case.args.values())


def _tolerance(single: bool, *values: Any) -> tuple[float, float]:
    single = single or any(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in values)
    return (1e-4, 1e-5) if single else (1e-9, 1e-10)


def close(a: Any, b: Any, single: bool = False) -> bool:
    """True when two checked values agree (same shape; NaN equals NaN; dtype not compared).
    ``single`` compares to float32 precision."""
    try:
        rtol, atol = _tolerance(single, a, b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a_, b_ = np.asarray(a), np.asarray(b)
            if a_.shape != b_.shape:
                return False
            with np.errstate(all="ignore"):
                return bool(np.allclose(a_, b_, rtol=rtol, atol=atol, equal_nan=True))
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        with np.errstate(all="ignore"):
            return bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol, equal_nan=True))
    except Exception:  # values that cannot be compared simply do not match
        return False


def quietly(fn: Callable[..., Any], args: dict[str, Any]) -> Any:
    """Call ``fn`` with numpy warnings silenced (overflow in a wrong softmax, say)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args.values())


def _changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    for name, old in before.items():
        new = after[name]
        if not isinstance(old, np.ndarray):
            continue
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            return f"your function changed the shape of its input {name}"
        diff = ~(
            (new == old) | (np.isnan(new) & np.isnan(old))
            if old.dtype.kind == "f"
            else (new == old)
        )
        if diff.any():
            idx = tuple(int(i) for i in np.argwhere(diff)[0])
            return (
                f"your function changed its input {name}: {name}[{', '.join(map(str, idx))}] "
                f"was {old[idx]:g} and is {new[idx]:g} after the call"
            )
    return ""


def call(fn: Callable[..., Any], lab: Lab, case: Case, expected: tuple[Any, ...]) -> Outcome:
    """Run ``fn`` on ``case`` and compare with ``expected`` (the lab's parts)."""
    args = fresh_args(case)
    try:
        raw = quietly(fn, args)
    except NotImplementedError:
        return Outcome(
            "not_written", problem="the function is not written yet (it raises NotImplementedError)"
        )
    except Exception as exc:  # the learner's code failed: say how and where
        where = where_raised(exc)
        return Outcome(
            "raised", problem=f"the function raised {type(exc).__name__}: {plain(exc)}", where=where
        )
    parts, problem = as_parts(raw, lab)
    changed = _changed(case.args, args)
    if changed:
        return Outcome(
            "mutated",
            parts,
            changed + "; work on a copy (np.pad and x.copy() "
            "give new arrays) and leave the inputs as they came",
        )
    if parts is None:
        return Outcome("bad_return", None, problem)
    return compare(parts, expected, lab, loose(case))


def compare(
    parts: tuple[Any, ...], expected: tuple[Any, ...], lab: Lab, single: bool = False
) -> Outcome:
    """Outcome of checked parts against the right ones: shape, then dtype, then values."""
    for got, want, part in zip(parts, expected, lab.returns):
        if isinstance(want, np.ndarray) and got.shape != want.shape:
            return Outcome(
                "shape",
                parts,
                f"{part.name} has shape {got.shape}, but the right answer has shape {want.shape}",
            )
    for got, want, part in zip(parts, expected, lab.returns):
        if isinstance(want, np.ndarray) and got.dtype != want.dtype:
            return Outcome(
                "dtype",
                parts,
                f"{part.name} has dtype {got.dtype}, but the inputs "
                f"are {want.dtype}, so it should be {want.dtype} too (create arrays "
                "with dtype=x.dtype, e.g. np.zeros(shape, dtype=x.dtype))",
            )
    for got, want, part in zip(parts, expected, lab.returns):
        if not close(got, want, single):
            return Outcome("values", parts, _value_problem(part, got, want, single))
    return Outcome("ok", parts)


def _value_problem(part: Part, got: Any, want: Any, single: bool) -> str:
    if not isinstance(want, np.ndarray):
        return f"{part.name} is {got!r}, but the right answer is {want!r}"
    rtol, atol = _tolerance(single, got, want)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    at = ", ".join(map(str, idx))
    return (
        f"{part.name} differs from the right answer in {int(bad.sum())} of {bad.size} "
        f"values; the first at [{at}]: expected {want[idx]:.6g}, got {got[idx]:.6g}"
    )
