"""The bad-input table run over every public name (see bad_input_cases.py).

A case that expects an error asserts the exact exception type and that the message names
the argument (never numpy's wording from deep inside); a case with a legal input asserts
the correct result.
"""
from __future__ import annotations

import collections

import pytest

import cnnkit as ck

from bad_input_cases import CASES, CATEGORIES  # noqa: I001 - the table beside this file

NUMPY_WORDING = ("broadcast", "could not be", "zero-size array", "index out of bounds",
                 "unsupported operand", "object of type", "not subscriptable",
                 "Maximum allowed dimension", "cannot reshape", "matmul")

XFAIL: dict[str, str] = {}


def _params():
    out = []
    for case in CASES:
        marks = []
        key = f"{case.name}:{case.category}:{case.id}"
        if key in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[key]))
        out.append(pytest.param(case, id=key, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_case(case):
    if case.raises is None:
        case.check(case.call())
        return
    with pytest.raises(Exception) as info:
        case.call()
    assert type(info.value) is case.raises, (
        f"expected {case.raises.__name__}, got {type(info.value).__name__}: {info.value}")
    message = str(info.value)
    for word in case.words:
        assert word in message, f"{word!r} not in {message!r}"
    for wording in NUMPY_WORDING:
        assert wording not in message, f"numpy's own message leaked: {message!r}"


def test_every_public_name_has_cases():
    covered = {case.name for case in CASES}
    missing = [name for name in ck.__all__ if name not in covered]
    assert not missing, f"public names without a bad-input case: {missing}"
    unknown = covered - set(ck.__all__)
    assert not unknown, f"cases for names that are not public: {sorted(unknown)}"


def test_every_category_is_used_and_counted():
    counts = collections.Counter(case.category for case in CASES)
    assert set(counts) <= set(CATEGORIES), set(counts) - set(CATEGORIES)
    for category in CATEGORIES:
        assert counts[category] >= 10, (category, counts[category])


def test_ids_are_unique():
    keys = collections.Counter(f"{c.name}:{c.category}:{c.id}" for c in CASES)
    assert [k for k, n in keys.items() if n > 1] == []
