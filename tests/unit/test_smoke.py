"""The package imports and every name of the public API is there."""

import cnnkit

PUBLIC = """conv_output_size pool_output_size explain_output_size conv2d conv2d_naive
conv2d_backward max_pool2d max_pool2d_backward avg_pool2d avg_pool2d_backward softmax
softmax_cross_entropy Conv2D ReLU MaxPool2D Flatten Dense Sequential SGD fit
numerical_gradient relative_error load_digits sample_image""".split()


def test_public_names_importable_from_top_level():
    missing = [name for name in PUBLIC if not hasattr(cnnkit, name)]
    assert missing == []
    assert set(PUBLIC) <= set(cnnkit.__all__)
