"""cnnkit: a small, readable numpy library for learning how convolutional networks work.

Everything the course uses is importable from here, e.g. ``from cnnkit import conv2d``.
"""

from __future__ import annotations

from .augment import fit_augmented, random_shifts, shift_images, shift_images_naive
from .conv import (
    ConvCache,
    conv2d,
    conv2d_backward,
    conv2d_backward_im2col,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_im2col,
    conv2d_naive,
)
from .conv_transpose import (
    ConvTranspose2D,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_naive,
)
from .data import load_digits, sample_image, train_test_split
from .early_stopping import BestWeights, best_epoch
from .filters import KERNELS, get_kernel, stack_kernels
from .gradcheck import check_layer_gradients, numerical_gradient, relative_error
from .interpret import (
    best_orientation_match,
    cosine_similarity,
    input_gradient,
    kernel_movement,
    maximise_activation,
    occlusion_map,
    occlusion_map_naive,
    oriented_edge_kernel,
    oriented_line_kernel,
    saliency_map,
    unit_activation,
)
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .losses import log_softmax, softmax, softmax_cross_entropy
from .model import Sequential, Summary
from .networks import DIGITS_TRAINING, digits_cnn, digits_cnn_without_pooling, digits_mlp
from .optim import SGD
from .own_image import read_image, resize_area, to_digit
from .pool import (
    PoolCache,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_backward_naive,
    avg_pool2d_backward_windows,
    avg_pool2d_naive,
    avg_pool2d_windows,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_naive,
    max_pool2d_backward_windows,
    max_pool2d_forward,
    max_pool2d_naive,
    max_pool2d_windows,
)
from .receptive import node_window, receptive_field, receptive_field_sizes
from .shapes import (
    conv_output_size,
    conv_transpose_output_size,
    explain_output_size,
    pool_output_size,
)
from .strokes import BAR_ANGLES, bars_cnn, make_bars, small_digits_cnn
from .train import History, evaluate, fit, predict, predict_proba

__version__ = "0.1.0"

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "explain_output_size",
    "conv2d",
    "conv2d_naive",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_im2col",
    "conv2d_backward_im2col",
    "conv2d_forward",
    "ConvCache",
    # transposed convolution
    "conv_transpose_output_size",
    "conv_transpose2d",
    "conv_transpose2d_naive",
    "conv_transpose2d_backward",
    "ConvTranspose2D",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_naive",
    "max_pool2d_backward_naive",
    "max_pool2d_windows",
    "max_pool2d_backward_windows",
    "max_pool2d_forward",
    "PoolCache",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_naive",
    "avg_pool2d_backward_naive",
    "avg_pool2d_windows",
    "avg_pool2d_backward_windows",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy",
    "Layer",
    "Conv2D",
    "ReLU",
    "MaxPool2D",
    "Flatten",
    "Dense",
    "Sequential",
    "Summary",
    "SGD",
    "digits_cnn",
    "DIGITS_TRAINING",
    "fit",
    "evaluate",
    "predict",
    "predict_proba",
    "History",
    "numerical_gradient",
    "relative_error",
    "check_layer_gradients",
    "load_digits",
    "sample_image",
    "train_test_split",
    "KERNELS",
    "get_kernel",
    "stack_kernels",
    "node_window",
    "receptive_field",
    "receptive_field_sizes",
    "input_gradient",
    "saliency_map",
    "occlusion_map",
    "occlusion_map_naive",
    "unit_activation",
    "maximise_activation",
    "cosine_similarity",
    "kernel_movement",
    "oriented_edge_kernel",
    "oriented_line_kernel",
    "best_orientation_match",
    "read_image",
    "resize_area",
    "to_digit",
    "BAR_ANGLES",
    "make_bars",
    "bars_cnn",
    "small_digits_cnn",
    "digits_mlp",
    "digits_cnn_without_pooling",
    "shift_images",
    "shift_images_naive",
    "random_shifts",
    "fit_augmented",
    "BestWeights",
    "best_epoch",
]
