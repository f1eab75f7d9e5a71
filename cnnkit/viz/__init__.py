"""Matplotlib figures for the course: each helper draws on an Axes it is given or returns a
Figure; none calls ``plt.show()``. One module per notebook topic, all importable from here."""
from ._common import *  # noqa: F401,F403
from .start import *  # noqa: F401,F403
from .network import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .arithmetic import *  # noqa: F401,F403
from .backprop import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from . import _common, arithmetic, backprop, kernels, network, start, training

__all__ = [name for mod in (_common, start, network, kernels, arithmetic, backprop, training)
           for name in mod.__all__]
