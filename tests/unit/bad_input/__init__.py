"""The table of bad (and odd but legal) inputs for every public name of cnnkit.

``table`` holds the machinery (cases, specs, generators); each other module adds the cases of
one area of the library. Importing the package fills :data:`CASES`. Run
``python -m bad_input`` from ``tests/unit`` to print the counts per category.
"""

from __future__ import annotations

from . import (  # noqa: F401  # noqa: F401
    augment,
    conv_pool_softmax,
    helpers,
    images,
    interpret,
    layers_model,
    modern_conv,
    shapes_labels,
    training,
)
from .references import ref_conv, ref_conv_backward, ref_pool_backward  # noqa: F401
from .table import CASES, CATEGORIES, SPECS, Case  # noqa: F401
from .training import XT, YT  # noqa: F401
