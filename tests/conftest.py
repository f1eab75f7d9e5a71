"""Settings shared by the whole test suite.

Hypothesis runs a moderate number of examples by default so that the unit tests stay
quick on a small machine; set ``HYPOTHESIS_PROFILE=thorough`` for a longer search.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "quick",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

# conftest.py files hold fixtures, not doctests. Under --doctest-modules pytest would import
# each one again as a module named "conftest", and two of them (here and in a subfolder)
# clash on that name; they are still loaded as conftest files as usual.
collect_ignore_glob = ["*conftest.py"]


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every random test input is the same on every run."""
    return np.random.default_rng(20240611)


# Notebooks whose stored outputs were made with PyTorch (the optional oracle): without it
# they print how to install it instead, so their outputs, their browser run and their
# explorer cannot match. They are skipped, with the way out, when torch is missing (CI
# installs it, so there they always run).
NEEDS_TORCH = ("11_from_cnnkit_to_pytorch", "twin_explorer")


def pytest_collection_modifyitems(config, items):
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="needs PyTorch (make torch installs the pinned CPU build)")
    for item in items:
        if any(name in item.nodeid for name in NEEDS_TORCH):
            item.add_marker(skip)
