"""The benchmark's optional packages (requirements-bench.txt) and its checks of the peers."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
course = importlib.util.module_from_spec(spec)
spec.loader.exec_module(course)


def _names(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[course._name(name)] = version
    return pins


def test_bench_lock_pins_every_bench_extra_and_nothing_of_the_course_lock():
    bench = _names(ROOT / course.BENCH_LOCK)
    main = _names(ROOT / "requirements-lock.txt")
    line = re.search(r"^bench = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    wanted = {
        course._name(re.split(r"[<>=!~ ]", req)[0]) for req in re.findall(r'"(.*?)"', line[1])
    }
    assert wanted <= set(bench), f"bench extras without an exact pin: {wanted - set(bench)}"
    assert not set(bench) & set(main), f"pinned in both locks: {set(bench) & set(main)}"
    assert bench["chainer"] == "7.8.1"


def test_lock_splits_a_freeze_between_the_two_locks():
    frozen = ["numpy==2.4.6", "chainer==7.9.0", "Threadpoolctl==3.9.0", "pytest==9.0.3"]
    bench_lock = ["# comment", "chainer==7.8.1", "threadpoolctl==3.8.0", "setuptools==80.10.2"]
    main, bench = course.split_pins(frozen, bench_lock)
    assert main == ["numpy==2.4.6", "pytest==9.0.3"]
    # new versions from the freeze; setuptools (pip freeze leaves it out) kept as it was
    assert bench == ["chainer==7.9.0", "Threadpoolctl==3.9.0", "setuptools==80.10.2"]


@pytest.fixture(scope="module")
def peers():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import peers as module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_peer_check_accepts_pytorchs_numbers(peers):
    want = np.linspace(-2, 3, 24).reshape(2, 3, 4)
    peers._check("same", want.astype(np.float32), want, "float32")
    peers._check("rounded", want + 1e-6, want, "float32")


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param(lambda w: w.reshape(4, 3, 2), id="another shape"),
        pytest.param(lambda w: w.transpose(0, 2, 1).reshape(2, 3, 4), id="axes swapped"),
        pytest.param(lambda w: w * 1.01, id="1% off"),
        pytest.param(lambda w: np.where(w > 2.9, np.nan, w), id="a NaN"),
        pytest.param(lambda w: -w, id="sign flipped"),
        pytest.param(lambda w: w.ravel()[:-1], id="one value short"),
    ],
)
def test_peer_check_refuses_another_result(peers, wrong):
    want = np.linspace(-2, 3, 24).reshape(2, 3, 4)
    with pytest.raises(peers.PeerMismatch):
        peers._check("wrong", wrong(want), want, "float32")
