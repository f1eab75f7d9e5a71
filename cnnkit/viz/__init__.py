"""Matplotlib figures for the course: each helper draws on an Axes it is given or returns a
Figure; none calls ``plt.show()``. One module per notebook topic, all importable from here."""

from . import (
    _alt_text,
    _common,
    backpropagation,
    cnn_versus_dense,
    fast_convolution,
    from_cnnkit_to_pytorch,
    index,
    kernels_feature_maps_nodes,
    layers,
    modern_building_blocks,
    pooling_and_receptive_fields,
    stride_padding_output_size,
    training_a_cnn,
    what_the_network_learned,
)
from ._alt_text import *  # noqa: F401,F403
from ._common import *  # noqa: F401,F403
from .backpropagation import *  # noqa: F401,F403
from .cnn_versus_dense import *  # noqa: F401,F403
from .fast_convolution import *  # noqa: F401,F403
from .from_cnnkit_to_pytorch import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .kernels_feature_maps_nodes import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .modern_building_blocks import *  # noqa: F401,F403
from .pooling_and_receptive_fields import *  # noqa: F401,F403
from .stride_padding_output_size import *  # noqa: F401,F403
from .training_a_cnn import *  # noqa: F401,F403
from .what_the_network_learned import *  # noqa: F401,F403

# One module per notebook, named after it (notebooks/NN_<name>.ipynb).
_TOPICS = (
    _common,
    index,
    layers,
    kernels_feature_maps_nodes,
    stride_padding_output_size,
    backpropagation,
    training_a_cnn,
    pooling_and_receptive_fields,
    cnn_versus_dense,
    what_the_network_learned,
    modern_building_blocks,
    fast_convolution,
    from_cnnkit_to_pytorch,
)
__all__ = [name for mod in _TOPICS for name in mod.__all__] + _alt_text.__all__

# In a notebook, every figure shown gets a text alternative from its titles.
_alt_text.register_figure_alt_text()
