"""Exercises for notebook 02 (kernels, feature maps and nodes)."""
from __future__ import annotations

import numpy as np

from ..conv import conv2d
from ..receptive import receptive_field_sizes
from ._core import exercise

__all__ = [
    "EXERCISE_PATCH",
    "EXERCISE_KERNEL",
    "check_sum_of_products",
    "check_rgb_weight_shape",
    "check_conv_params",
    "check_receptive_field",
    "check_horizontal_edge_kernel",
]

#: The input patch and kernel of exercise 02.1.
EXERCISE_PATCH = np.array([[3, 0, 1],
                           [2, 4, 0],
                           [1, 5, 2]], dtype=np.float64)
EXERCISE_KERNEL = np.array([[1, 0, -1],
                            [2, 1, 0],
                            [0, -1, 3]], dtype=np.float64)
EXERCISE_PATCH.setflags(write=False)
EXERCISE_KERNEL.setflags(write=False)


def _number(answer: object, what: str) -> float:
    if isinstance(answer, (bool, np.bool_)) or not np.isscalar(answer):
        raise TypeError(f"the answer should be one number ({what}), got {answer!r}")
    return float(answer)  # type: ignore[arg-type]


@exercise("02.1", """
products = EXERCISE_PATCH * EXERCISE_KERNEL   # element by element, no flipping
answer = products.sum()                       # 3 + 0 - 1 + 4 + 4 + 0 + 0 - 5 + 6 = 11
""")
def check_sum_of_products(answer: float) -> tuple[bool, str]:
    """02.1: the output of EXERCISE_KERNEL placed on EXERCISE_PATCH (no bias)."""
    value = _number(answer, "the sum of products")
    expected = float(conv2d(EXERCISE_PATCH, EXERCISE_KERNEL)[0, 0])
    flipped = float(conv2d(EXERCISE_PATCH, EXERCISE_KERNEL[::-1, ::-1])[0, 0])
    if np.isclose(value, expected):
        return True, f"the node's value is {expected:g}: nine products, added up."
    if np.isclose(value, flipped):
        return False, ("that is the answer with the kernel flipped (the textbook 'convolution'); "
                       "cnnkit and PyTorch do not flip: multiply cells at the same place.")
    if np.isclose(value, float((EXERCISE_PATCH @ EXERCISE_KERNEL).sum())):
        return False, ("that is a matrix product; here each cell of the patch is multiplied "
                       "only by the kernel cell at the same place (patch * kernel).")
    return False, ("multiply each patch cell by the kernel cell at the same place "
                   "(nine products), then add the nine numbers; watch the signs.")


@exercise("02.2", """
# 16 kernels, each as deep as the input (3 channels: red, green, blue), each 5x5:
answer = (16, 3, 5, 5)     # (out_channels, in_channels, kernel height, kernel width)
""")
def check_rgb_weight_shape(answer: tuple) -> tuple[bool, str]:
    """02.2: the weight shape of a conv layer with 16 kernels of 5x5 on an RGB image."""
    shape = tuple(int(v) for v in answer)
    if shape == (16, 3, 5, 5):
        return True, "16 kernels, each 3 deep and 5x5: 16*3*5*5 = 1200 weights."
    if shape == (16, 1, 5, 5) or shape == (16, 5, 5):
        return False, "an RGB input has 3 channels, so every kernel must be 3 deep."
    if sorted(shape) == sorted((16, 3, 5, 5)):
        return False, ("the numbers are right but the order is not: PyTorch and cnnkit use "
                       "(out_channels, in_channels, KH, KW).")
    if len(shape) != 4:
        return False, f"a conv weight has 4 axes; your answer has {len(shape)}."
    return False, "one kernel per output feature map, each as deep as the input: (F, C, KH, KW)."


@exercise("02.3", """
weights = 32 * 16 * 3 * 3   # 32 kernels, each 16 deep and 3x3
biases = 32                 # one per kernel
answer = weights + biases   # 4640
""")
def check_conv_params(answer: int) -> tuple[bool, str]:
    """02.3: parameters of a 3x3 conv layer from 16 to 32 channels, with biases."""
    value = _number(answer, "a number of parameters")
    weights, biases = 32 * 16 * 3 * 3, 32
    if value == weights + biases:
        return True, (f"{weights} weights + {biases} biases = {weights + biases}; "
                      "it does not depend on the image size.")
    if value == weights:
        return False, "you counted the weights; add one bias per kernel."
    if value == 32 * 3 * 3 + 32 or value == 32 * 3 * 3:
        return False, "each kernel is as deep as its input: 16 slices of 3x3."
    return False, "count (kernels) x (input channels) x 3 x 3 weights, plus one bias per kernel."


_STACK = [3, 3, (2, 2), 3]  # conv 3x3, conv 3x3, max pool 2x2 (stride 2), conv 3x3


@exercise("02.4", """
from cnnkit.receptive import receptive_field_sizes
# conv 3x3 -> 3, conv 3x3 -> 5, pool 2x2 stride 2 -> 6 (and later steps count double),
# conv 3x3 -> 6 + 2*2 = 10
answer = receptive_field_sizes([3, 3, (2, 2), 3])[-1][0]    # 10
""")
def check_receptive_field(answer: int) -> tuple[bool, str]:
    """02.4: the receptive field (one side) of a node after conv3, conv3, pool2, conv3."""
    value = _number(answer, "the side of the receptive field in pixels")
    sizes = [h for h, _ in receptive_field_sizes(_STACK)]
    if value == sizes[-1]:
        return True, f"the field grows {' -> '.join(map(str, sizes))}: {sizes[-1]}x{sizes[-1]}."
    if value == 8:
        return False, ("after the pooling each step of the last layer moves 2 input pixels, "
                       "so its 3x3 kernel adds 2*2 = 4, not 2.")
    return False, ("follow it layer by layer: a 3x3 conv adds 2 x (product of the strides "
                   "before it); the 2x2 pool adds 1 and doubles the step of later layers.")


def _edge_images() -> dict[str, np.ndarray]:
    """Test images for 02.5: flat, a horizontal edge (dark above), a vertical edge."""
    flat = np.full((6, 6), 0.5)
    horizontal = np.zeros((6, 6))
    horizontal[3:] = 1.0
    return {"flat": flat, "horizontal": horizontal, "vertical": horizontal.T.copy()}


@exercise("02.5", """
answer = np.array([[-1, -2, -1],
                   [ 0,  0,  0],
                   [ 1,  2,  1]])   # Sobel: bottom row minus top row
""")
def check_horizontal_edge_kernel(answer: np.ndarray) -> tuple[bool, str]:
    """02.5: a 3x3 kernel that is positive on a horizontal edge (dark above, bright below),
    zero on a flat region and zero on a vertical edge."""
    kernel = np.asarray(answer, dtype=np.float64)
    if kernel.shape != (3, 3):
        return False, f"the kernel should be 3x3, got shape {kernel.shape}."
    out = {name: conv2d(img, kernel) for name, img in _edge_images().items()}
    if not np.allclose(out["flat"], 0):
        return False, (f"on a flat grey image it gives {float(out['flat'][0, 0]):g}, not 0: "
                       "make the weights add up to 0.")
    if out["horizontal"].max() <= 1e-9:
        return False, ("on a dark-above, bright-below edge it never gives a positive value: "
                       "put positive weights in the bottom row, negative in the top row.")
    if not np.allclose(out["vertical"], 0):
        return False, ("it also answers to a vertical edge: make the weights of each column "
                       "add up to 0, so a change from left to right cancels out.")
    return True, (f"it gives {float(out['horizontal'].max()):g} on the edge, 0 on flat "
                  "regions and 0 on vertical edges.")
