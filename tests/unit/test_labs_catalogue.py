"""The catalogues themselves: every mistake shows on the cases of every seed, and each is
told apart from the mistakes of other names (so a diagnosis never depends on luck)."""

from __future__ import annotations

import pytest

from cnnkit.labs import LABS, check
from cnnkit.labs.calling import close, loose
from cnnkit.labs.diagnose import mistake_results
from cnnkit.labs.registry import get_lab

ENTRIES = [(lab, i) for lab in LABS if lab != "capstone" for i in range(len(get_lab(lab).mistakes))]


@pytest.mark.parametrize(
    "lab, index", ENTRIES, ids=[f"{lab}-{get_lab(lab).mistakes[i].name}-{i}" for lab, i in ENTRIES]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_mistake_itself_is_diagnosed_as_itself(lab, index, seed):
    mistake = get_lab(lab).mistakes[index]
    result = check(lab, mistake.compute, seed=seed)
    assert not result.passed
    assert result.mistake == mistake.name, result.message
    assert mistake.says in result.message


@pytest.mark.parametrize("lab", [lab for lab in LABS if lab != "capstone"])
def test_mistakes_of_different_names_differ_somewhere(lab):
    spec = get_lab(lab)
    cases = spec.make_cases(0)
    outputs = [mistake_results(m, spec, cases) for m in spec.mistakes]
    for i, a in enumerate(spec.mistakes):
        for j, b in enumerate(spec.mistakes[:i]):
            if a.name == b.name:
                continue
            same = all(
                (x is None) == (y is None)
                and (x is None or all(close(x[p], y[p], loose(c)) for p in range(len(x))))
                for x, y, c in zip(outputs[i], outputs[j], cases)
            )
            assert not same, f"{a.name} and {b.name} give the same results on every case"
