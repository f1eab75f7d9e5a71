"""ipywidgets explorers: thin wiring from controls to pure functions in cnnkit.

One module per notebook topic, all importable from here. Every explorer's drawing logic is a
pure function (tested over the whole range of every control); the widget only connects
control values to it, and shows a friendly message for impossible combinations.
"""
from ._explorer import Explorer, friendly_message
from .start import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .arithmetic import *  # noqa: F401,F403
from .backprop import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from . import arithmetic, backprop, kernels, network, start, training

__all__ = ["Explorer", "friendly_message"] + [name for mod in (start, network, kernels, arithmetic, backprop, training)
           for name in mod.__all__]
