"""The bad-input table: cases, the specs they are made from, and the generators.

Each :class:`Case` calls one public name once. A case either expects an exception, of an
exact type and with a message that names the argument, or expects the correct result
(equal to the same call on a clean input, or to a value worked out independently).

The table is built from small specs, one per public name: which arguments are arrays,
which are whole numbers, which are real numbers, and what a legal call looks like. The
generators below turn each spec into cases of every category:

    types, ndim, empty, nan/inf, numbers, strings, lists, readonly/non-contiguous, mutation

This module holds the machinery; the cases themselves are in the modules beside it, one per
area of the library. ``tests/unit/test_bad_input.py`` runs them and fails if a name in
``cnnkit.__all__`` has no case, so a new public name must be added to one of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import cnnkit as ck

CATEGORIES = (
    "types",
    "ndim",
    "empty",
    "nan/inf",
    "numbers",
    "strings",
    "lists",
    "readonly/non-contiguous",
    "mutation",
)


@dataclass
class Case:
    name: str  # the public name in cnnkit.__all__ this case exercises
    category: str
    id: str
    call: Callable[[], Any]
    raises: type | None = None  # the exact exception type expected, or None
    words: tuple[str, ...] = ()  # what the message must contain (the argument's name first)
    check: Callable[[Any], None] | None = None  # for a legal input: asserts the result
    note: str = ""


CASES: list[Case] = []


def bad(name, category, id_, call, exc, *words):
    CASES.append(Case(name, category, id_, call, raises=exc, words=tuple(words)))


def good(name, category, id_, call, check):
    CASES.append(Case(name, category, id_, call, check=check))


# ---------------------------------------------------------------------------------------
# comparing results


def same(a, b, rtol=1e-12, atol=0.0):
    """Assert two results are equal: arrays (NaN equal to NaN), tuples, dicts, numbers."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)
    elif isinstance(a, (tuple, list)) and not hasattr(a, "_fields"):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            same(u, v, rtol, atol)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k], rtol, atol)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b)
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=rtol, abs_tol=atol), (a, b)
    elif isinstance(a, ck.History):
        same(a.train_loss, b.train_loss, rtol, atol)
        same(a.train_acc, b.train_acc, rtol, atol)
    else:
        assert a == b, (a, b)


def equals(reference: Callable[[], Any], **tol) -> Callable[[Any], None]:
    """A check: the result equals ``reference()`` (computed lazily, at test time)."""
    return lambda result: same(result, reference(), **tol)


def shaped(shape, dtype=None) -> Callable[[Any], None]:
    def check(result):
        arr = result[0] if isinstance(result, tuple) else result
        assert np.shape(arr) == shape, (np.shape(arr), shape)
        if dtype is not None:
            assert np.asarray(arr).dtype == dtype

    return check


# ---------------------------------------------------------------------------------------
# inputs


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def strided(a):
    """The same values in a non-contiguous array (every other element of a bigger one)."""
    a = np.asarray(a)
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype) if a.ndim else None
    if big is None:
        return a
    big[..., ::2] = a
    view = big[..., ::2]
    assert not view.flags.c_contiguous or a.size <= 1
    return view


def fortran(a):
    return np.asfortranarray(a)


# ---------------------------------------------------------------------------------------
# spec-driven generators


@dataclass
class Spec:
    """How to call one public name legally, and what kind each argument is.

    ``call(**kwargs)`` runs it; ``legal()`` returns fresh legal kwargs; ``arrays`` maps an
    array argument to a dict of expectations: ``ndim`` (a wrong-ndim value), ``empty`` (a
    value with no examples, with ``empty_ok`` True if the result is an empty array and a
    ValueError naming the argument otherwise), ``nan`` ("propagate": compare with
    ``nan_ref``; "reject": ValueError naming the argument).
    """

    name: str
    call: Callable[..., Any]
    legal: Callable[[], dict]
    arrays: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)  # arg -> huge-value check (None: must raise)
    indices: tuple = ()  # whole numbers >= 0
    reals: dict = field(default_factory=dict)  # arg -> example of a legal value
    seeds: tuple = ()
    flags: tuple = ()
    words: dict = field(default_factory=dict)  # arg -> wrong words for an arg taking words
    pure: bool = True  # no argument may be changed by the call
    tag: str = ""  # prefixes the ids when one name has several specs (forward, backward)


def _with(spec, **over):
    kw = spec.legal()
    kw.update(over)
    return lambda: spec.call(**kw)


COUNT_BAD = [  # (id, value, exception, category)
    ("bool", True, TypeError, "numbers"),
    ("fraction", 2.5, TypeError, "numbers"),
    ("whole-float", 2.0, TypeError, "numbers"),
    ("numpy-float", np.float64(3.0), TypeError, "numbers"),
    ("zero", 0, ValueError, "numbers"),
    ("negative", -3, ValueError, "numbers"),
    ("string", "2", TypeError, "types"),
    ("list-of-three", [1, 1, 1], ValueError, "lists"),
    ("nan", float("nan"), TypeError, "nan/inf"),
    ("inf", float("inf"), TypeError, "nan/inf"),
]
SCALAR_COUNT_BAD = [c for c in COUNT_BAD if c[0] != "list-of-three"] + [
    ("list", [2], TypeError, "lists")
]
REAL_BAD = [
    ("zero", 0.0, ValueError, "numbers"),
    ("negative", -0.5, ValueError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "0.1", TypeError, "types"),
    ("none", None, TypeError, "types"),
    ("complex", 0.1 + 0j, TypeError, "types"),
    ("nan", float("nan"), ValueError, "nan/inf"),
    ("inf", float("inf"), ValueError, "nan/inf"),
    ("list", [0.1], TypeError, "lists"),
]
SEED_BAD = [
    ("negative", -1, ValueError, "numbers"),
    ("fraction", 0.5, TypeError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "0", TypeError, "types"),
    ("nan", float("nan"), TypeError, "nan/inf"),
    ("list", [0], TypeError, "lists"),
]
INDEX_BAD = [
    ("negative", -1, ValueError, "numbers"),
    ("fraction", 1.5, TypeError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "1", TypeError, "types"),
    ("nan", float("nan"), TypeError, "nan/inf"),
]


#: Every spec, for the property-based test that throws random values at each argument.
SPECS: list[Spec] = []


def from_spec(spec: Spec, pair_args: tuple = ()) -> None:
    SPECS.append(spec)
    n = spec.name
    first = len(CASES)
    for arg, huge_check in spec.counts.items():
        table = COUNT_BAD if arg in pair_args else SCALAR_COUNT_BAD
        for id_, value, exc, cat in table:
            if id_ == "list-of-three":
                bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
            else:
                bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        if huge_check is None or isinstance(huge_check, str):
            bad(
                n,
                "numbers",
                f"{arg}-huge",
                _with(spec, **{arg: 10**18}),
                ValueError,
                huge_check or arg,
            )
        else:
            good(n, "numbers", f"{arg}-huge", _with(spec, **{arg: 10**18}), huge_check)
        if arg in pair_args:
            v = spec.legal().get(arg, 1)
            good(
                n,
                "lists",
                f"{arg}-list-pair",
                _with(spec, **{arg: [v, v]}),
                equals(_with(spec, **{arg: (v, v)})),
            )
    for arg in spec.indices:
        for id_, value, exc, cat in INDEX_BAD:
            if id_ == "string" and arg in spec.words:  # the argument also takes words
                exc, cat = ValueError, "strings"
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        for word in spec.words.get(arg, ()):
            bad(
                n,
                "strings",
                f"{arg}-word-{word}",
                _with(spec, **{arg: word}),
                ValueError,
                f"{arg}={word!r}",
            )
    for arg, example in spec.reals.items():
        for id_, value, exc, cat in REAL_BAD:
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        good(
            n,
            "numbers",
            f"{arg}-numpy-float",
            _with(spec, **{arg: np.float32(example)}),
            equals(_with(spec, **{arg: float(np.float32(example))})),
        )
    for arg in spec.seeds:
        for id_, value, exc, cat in SEED_BAD:
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        good(
            n,
            "numbers",
            f"{arg}-huge-repeats",
            _with(spec, **{arg: 2**100}),
            equals(_with(spec, **{arg: 2**100})),
        )
    for arg in spec.flags:
        for id_, value in (("string", "yes"), ("int", 1), ("none", None)):
            bad(n, "types", f"{arg}-{id_}", _with(spec, **{arg: value}), TypeError, f"{arg}=")
    for arg, exp in spec.arrays.items():
        clean = spec.legal()[arg]
        ref = _with(spec)
        tol = exp.get("tol", {})
        bad(
            n,
            "types",
            f"{arg}-strings",
            _with(spec, **{arg: np.full(np.shape(clean), "a")}),
            TypeError,
            arg,
        )
        if "none" in exp:
            good(n, "types", f"{arg}-none", _with(spec, **{arg: None}), exp["none"])
        else:
            bad(n, "types", f"{arg}-none", _with(spec, **{arg: None}), TypeError, arg)
        if "complex" in exp:
            good(
                n,
                "types",
                f"{arg}-complex",
                _with(spec, **{arg: np.asarray(clean) + 1j}),
                exp["complex"],
            )
        else:
            bad(
                n,
                "types",
                f"{arg}-complex",
                _with(spec, **{arg: np.asarray(clean) + 1j}),
                TypeError,
                arg,
            )
        bad(n, "types", f"{arg}-dict", _with(spec, **{arg: {"x": 1}}), TypeError, arg)
        if "ndim" in exp:
            for i, wrong in enumerate(exp["ndim"]):
                bad(
                    n,
                    "ndim",
                    f"{arg}-ndim-{np.ndim(wrong)}-{i}",
                    _with(spec, **{arg: wrong}),
                    ValueError,
                    arg,
                )
        if "empty" in exp:
            value, ok = exp["empty"]
            if ok is None:
                bad(n, "empty", f"{arg}-empty", _with(spec, **{arg: value}), ValueError, arg)
            else:
                good(n, "empty", f"{arg}-empty", _with(spec, **{arg: value}), ok)
        if exp.get("nan") == "reject":
            for label, v in (("nan", np.nan), ("inf", np.inf)):
                dirty = np.array(clean, dtype=float)
                dirty.flat[0] = v
                bad(
                    n,
                    "nan/inf",
                    f"{arg}-{label}",
                    _with(spec, **{arg: dirty}),
                    ValueError,
                    arg,
                    "NaN or infinite",
                )
        elif exp.get("nan") is not None:  # a reference that handles NaN as it should
            dirty = np.array(clean, dtype=float)
            dirty.flat[0] = np.nan
            good(
                n,
                "nan/inf",
                f"{arg}-nan",
                _with(spec, **{arg: dirty}),
                equals(lambda d=dirty, f=exp["nan"]: f(d), rtol=1e-9, atol=1e-12),
            )
        if exp.get("lists", True):
            good(
                n,
                "lists",
                f"{arg}-as-list",
                _with(spec, **{arg: np.asarray(clean).tolist()}),
                equals(ref, **tol),
            )
        if exp.get("views", True):
            good(
                n,
                "readonly/non-contiguous",
                f"{arg}-readonly",
                _with(spec, **{arg: readonly(clean)}),
                equals(ref, **tol),
            )
            good(
                n,
                "readonly/non-contiguous",
                f"{arg}-strided",
                _with(spec, **{arg: strided(clean)}),
                equals(ref, **tol),
            )
            good(
                n,
                "readonly/non-contiguous",
                f"{arg}-fortran",
                _with(spec, **{arg: fortran(clean)}),
                equals(ref, **tol),
            )
            good(
                n,
                "types",
                f"{arg}-int",
                _with(spec, **{arg: np.round(clean).astype(int)}),
                equals(_with(spec, **{arg: np.round(clean).astype(float)}), **tol),
            )
    if spec.pure and any(isinstance(v, np.ndarray) for v in spec.legal().values()):
        kw = spec.legal()
        copies = {
            k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else None)
            for k, v in kw.items()
        }

        def unchanged(result, kw=kw, copies=copies):
            for k, c in copies.items():
                if c is not None:
                    np.testing.assert_array_equal(kw[k], c, err_msg=f"{k} was changed")

        good(n, "mutation", "inputs-unchanged", lambda kw=kw: spec.call(**kw), unchanged)
    if spec.tag:
        for case in CASES[first:]:
            case.id = f"{spec.tag}-{case.id}"


def _timed(fn, limit):
    import time

    start = time.perf_counter()
    out = fn()
    assert time.perf_counter() - start < limit, f"took longer than {limit} s"
    return out


def _fail(text):
    raise AssertionError(text)
