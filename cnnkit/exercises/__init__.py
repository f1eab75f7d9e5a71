"""Exercise checks for the notebooks: ``check_*`` functions with instant feedback.

Each notebook's checks live in their own module and are all importable from here.
"""

from . import (
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
from ._core import EXERCISES, Exercise, Feedback, Question, exercise, show_question, show_solution
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
__all__ = [
    "EXERCISES",
    "Exercise",
    "Feedback",
    "Question",
    "exercise",
    "show_question",
    "show_solution",
] + [name for mod in _TOPICS for name in mod.__all__]
