"""Exercises for notebook 02 (kernels, feature maps and nodes)."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d
from ..receptive import receptive_field_sizes
from ._core import as_grid, as_number, as_shape, exercise

__all__ = [
    "EXERCISE_PATCH",
    "EXERCISE_KERNEL",
    "check_sum_of_products",
    "check_rgb_weight_shape",
    "check_conv_params",
    "check_receptive_field",
    "check_horizontal_edge_kernel",
    "RGB_QUESTION",
    "CONV_PARAMS_QUESTION",
    "RECEPTIVE_STACK",
]

#: The input patch and kernel of exercise 02.1.
EXERCISE_PATCH = np.array([[3, 0, 1], [2, 4, 0], [1, 5, 2]], dtype=np.float64)
EXERCISE_KERNEL = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 3]], dtype=np.float64)
EXERCISE_PATCH.setflags(write=False)
EXERCISE_KERNEL.setflags(write=False)


#: 02.2: a conv layer with this many kernels of this size on images with this many channels.
RGB_QUESTION = {"out_channels": 16, "in_channels": 3, "kernel_size": 5, "image_side": 32}
#: 02.3: a conv layer from in_channels to out_channels feature maps with square kernels.
CONV_PARAMS_QUESTION = {"in_channels": 16, "out_channels": 32, "kernel_size": 3}
#: 02.4: conv 3x3, conv 3x3, max pool 2x2 (stride 2), conv 3x3 (receptive_field_sizes's notation).
RECEPTIVE_STACK = (3, 3, (2, 2), 3)


def _describe_stack(stack: tuple) -> str:
    """RECEPTIVE_STACK in words: "a 3x3 conv, ..., then a 3x3 conv"."""
    words = []
    for layer in stack:
        if isinstance(layer, tuple):  # (kernel, stride): a max pooling
            k, s = layer
            words.append(f"a {k}x{k} max pooling with stride {s}")
        else:
            words.append(f"a {layer}x{layer} conv")
    return ", ".join(words[:-1]) + ", then " + words[-1] if len(words) > 1 else words[0]


_PRODUCTS = (EXERCISE_PATCH * EXERCISE_KERNEL).ravel()
_SUM_TEXT = " ".join(f"{'-' if v < 0 else '+'} {abs(v):g}" for v in _PRODUCTS).lstrip("+ ")


@exercise(
    "02.1",
    expects="one number, such as -3",
    question="""**· One node by hand.** Put `EXERCISE_KERNEL` on `EXERCISE_PATCH` (both printed
below). What number does the node compute (no bias)? Work it out on paper first, then in
code if you like.""",
    solution=f"""
products = EXERCISE_PATCH * EXERCISE_KERNEL   # element by element, no flipping
answer = products.sum()   # {_SUM_TEXT} = {_PRODUCTS.sum():g}
""",
)
def check_sum_of_products(answer: float) -> tuple[bool, str]:
    """02.1: the output of EXERCISE_KERNEL placed on EXERCISE_PATCH (no bias)."""
    value = as_number(answer, "the sum of products")
    expected = float(conv2d(EXERCISE_PATCH, EXERCISE_KERNEL)[0, 0])
    flipped = float(conv2d(EXERCISE_PATCH, EXERCISE_KERNEL[::-1, ::-1])[0, 0])
    if np.isclose(value, expected):
        return True, f"the node's value is {expected:g}: nine products, added up."
    if np.isclose(value, flipped):
        return False, (
            "that is the answer with the kernel flipped (the textbook 'convolution'); "
            "cnnkit and PyTorch do not flip: multiply cells at the same place."
        )
    if np.isclose(value, float((EXERCISE_PATCH @ EXERCISE_KERNEL).sum())):
        return False, (
            "that is a matrix product; here each cell of the patch is multiplied "
            "only by the kernel cell at the same place (patch * kernel)."
        )
    return False, (
        "multiply each patch cell by the kernel cell at the same place "
        "(nine products), then add the nine numbers; watch the signs."
    )


_F, _C, _K, _S = (
    RGB_QUESTION[key] for key in ("out_channels", "in_channels", "kernel_size", "image_side")
)


@exercise(
    "02.2",
    expects="a shape: a tuple of whole numbers, such as (2, 3)",
    question=f"""**· The shape of an RGB conv layer.** A conv layer takes {_S}x{_S} colour images
({_C} channels: red, green, blue) and has {_F} kernels of size {_K}x{_K}. What is the shape of
its weight array? Give a tuple.""",
    solution=f"""
# {_F} kernels, each as deep as the input ({_C} channels: red, green, blue), each {_K}x{_K}:
answer = ({_F}, {_C}, {_K}, {_K})     # (out_channels, in_channels, kernel height, kernel width)
""",
)
def check_rgb_weight_shape(answer: tuple) -> tuple[bool, str]:
    """02.2: the weight shape of the conv layer of RGB_QUESTION."""
    shape = as_shape(answer, "the weight's shape")
    right = (_F, _C, _K, _K)
    if shape == right:
        return True, (
            f"{_F} kernels, each {_C} deep and {_K}x{_K}: "
            f"{_F}*{_C}*{_K}*{_K} = {int(np.prod(right))} weights."
        )
    if shape in ((_F, 1, _K, _K), (_F, _K, _K)):
        return False, f"an RGB input has {_C} channels, so every kernel must be {_C} deep."
    if sorted(shape) == sorted(right):
        return False, (
            "the numbers are right but the order is not: PyTorch and cnnkit use "
            "(out_channels, in_channels, KH, KW)."
        )
    if len(shape) != 4:
        return False, f"a conv weight has 4 axes; your answer has {len(shape)}."
    return False, "one kernel per output feature map, each as deep as the input: (F, C, KH, KW)."


_PC, _PF, _PK = (
    CONV_PARAMS_QUESTION[key] for key in ("in_channels", "out_channels", "kernel_size")
)
_PW = _PF * _PC * _PK * _PK


@exercise(
    "02.3",
    expects="one whole number, such as 100",
    question=f"""**· Counting parameters.** A conv layer takes {_PC} feature maps and produces
{_PF}, with {_PK}x{_PK} kernels. How many learnable parameters does it have, biases
included? Does the answer depend on the size of the image?""",
    solution=f"""
weights = {_PF} * {_PC} * {_PK} * {_PK}   # {_PF} kernels, each {_PC} deep and {_PK}x{_PK}
biases = {_PF}                 # one per kernel
answer = weights + biases   # {_PW + _PF}
""",
)
def check_conv_params(answer: int) -> tuple[bool, str]:
    """02.3: the parameters of the conv layer of CONV_PARAMS_QUESTION, biases included."""
    value = as_number(answer, "a number of parameters")
    weights, biases = _PW, _PF
    if value == weights + biases:
        return True, (
            f"{weights} weights + {biases} biases = {weights + biases}; "
            "it does not depend on the image size."
        )
    if value == weights:
        return False, "you counted the weights; add one bias per kernel."
    if value in (_PF * _PK * _PK + _PF, _PF * _PK * _PK):
        return False, f"each kernel is as deep as its input: {_PC} slices of {_PK}x{_PK}."
    return False, (
        f"count (kernels) x (input channels) x {_PK} x {_PK} weights, plus one bias per kernel."
    )


_SIZES = [h for h, _ in receptive_field_sizes(list(RECEPTIVE_STACK))]
#: Each layer's kernel, the step between its windows in input pixels, and what it adds.
_KERNELS = [layer[0] if isinstance(layer, tuple) else layer for layer in RECEPTIVE_STACK]
_STEPS = [
    int(np.prod([la[1] for la in RECEPTIVE_STACK[:i] if isinstance(la, tuple)]))
    for i in range(len(RECEPTIVE_STACK))
]
_ADDED = [(k - 1) * step for k, step in zip(_KERNELS, _STEPS)]
_K_LAST, _STEP_LAST = _KERNELS[-1], _STEPS[-1]


@exercise(
    "02.4",
    expects="one whole number of pixels, such as 7",
    question=f"""**· How far does a node see?** A network has {_describe_stack(RECEPTIVE_STACK)}
(every conv with stride 1). How many pixels wide is the receptive field of a node of the
last layer? Work it out, then check with `receptive_field_sizes`.""",
    solution=f"""
from cnnkit.receptive import receptive_field_sizes
# from 1 pixel, each layer adds (kernel - 1) x (the product of the strides before it):
# {", ".join(f"+{a}" for a in _ADDED)}, so the field grows {" -> ".join(map(str, _SIZES))}
answer = receptive_field_sizes({list(RECEPTIVE_STACK)})[-1][0]    # {_SIZES[-1]}
""",
)
def check_receptive_field(answer: int) -> tuple[bool, str]:
    """02.4: the receptive field (one side) of a node after the layers of RECEPTIVE_STACK."""
    value = as_number(answer, "the side of the receptive field in pixels")
    sizes = _SIZES
    if value == sizes[-1]:
        return True, f"the field grows {' -> '.join(map(str, sizes))}: {sizes[-1]}x{sizes[-1]}."
    if _STEP_LAST > 1 and value == sizes[-2] + _K_LAST - 1:
        return False, (
            f"after the pooling each step of the last layer moves {_STEP_LAST} input pixels, "
            f"so its {_K_LAST}x{_K_LAST} kernel adds {_K_LAST - 1}*{_STEP_LAST} = "
            f"{_ADDED[-1]}, not {_K_LAST - 1}."
        )
    return False, (
        "follow it layer by layer: a k x k layer adds (k - 1) x (the product of the "
        "strides before it); a pooling with stride s multiplies the step of later layers by s."
    )


def _edge_images() -> dict[str, np.ndarray]:
    """Test images for 02.5: flat, a horizontal edge (dark above), a vertical edge."""
    flat = np.full((6, 6), 0.5)
    horizontal = np.zeros((6, 6))
    horizontal[3:] = 1.0
    return {"flat": flat, "horizontal": horizontal, "vertical": horizontal.T.copy()}


@exercise(
    "02.5",
    expects="a 3x3 array of numbers, such as np.zeros((3, 3))",
    question="""**· Design a kernel.** Write a 3x3 kernel (a numpy array) that gives a
**positive** value on a horizontal edge that is dark above and bright below, **0** on a flat
region, and **0** on a vertical edge. Try it in the kernel explorer above first.""",
    solution="""
answer = np.array([[-1, -2, -1],
                   [ 0,  0,  0],
                   [ 1,  2,  1]])   # Sobel: bottom row minus top row
""",
)
def check_horizontal_edge_kernel(answer: np.ndarray) -> tuple[bool, str]:
    """02.5: a 3x3 kernel that is positive on a horizontal edge (dark above, bright below),
    zero on a flat region and zero on a vertical edge."""
    kernel = as_grid(answer, "the kernel")
    if kernel.shape != (3, 3):
        return False, f"the kernel should be 3x3, got shape {kernel.shape}."
    out = {name: conv2d(img, kernel) for name, img in _edge_images().items()}
    if not np.allclose(out["flat"], 0):
        return False, (
            f"on a flat grey image it gives {float(out['flat'][0, 0]):g}, not 0: "
            "make the weights add up to 0."
        )
    if out["horizontal"].max() <= 1e-9:
        return False, (
            "on a dark-above, bright-below edge it never gives a positive value: "
            "put positive weights in the bottom row, negative in the top row."
        )
    if not np.allclose(out["vertical"], 0):
        return False, (
            "it also answers to a vertical edge: make the weights of each column "
            "add up to 0, so a change from left to right cancels out."
        )
    return True, (
        f"it gives {float(out['horizontal'].max()):g} on the edge, 0 on flat "
        "regions and 0 on vertical edges."
    )
