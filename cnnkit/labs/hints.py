"""Hints for every lab, from a nudge (level 1) to nearly the answer (level 3)."""

from __future__ import annotations

__all__ = ["HINTS"]

HINTS: dict[str, tuple[str, str, str]] = {
    "output_size": (
        "Draw the padded input as a row of n + 2 * padding pixels and count where the first "
        "and the last window can start.",
        "A dilated kernel reaches dilation * (kernel_size - 1) + 1 pixels. The room left for "
        "the window to move is (padded length - reach); it moves `stride` pixels a step.",
        "Whole steps that fit: room // stride (round down: a window that sticks out is "
        "dropped). The number of windows is that plus one, the first window.",
    ),
    "conv2d_forward": (
        "Start with one image, one kernel, stride 1, no padding: four nested loops over "
        "images, kernels, output rows and output columns, and one sum of products inside.",
        "Turn an int into a pair first (sh, sw = (stride, stride) if np.isscalar(stride) "
        "else stride), pad once with np.pad on the last two axes only, and size the output "
        "with the floor rule on the padded input.",
        "out[n, f, i, j] = np.sum(xp[n, :, i*sh:i*sh+KH, j*sw:j*sw+KW] * weight[f]) + bias[f]. "
        "No flipping of the kernel: PyTorch's conv2d is a cross-correlation.",
    ),
    "max_pool2d_forward": (
        "Pooling is a convolution without weights: the same windows, but a max instead of a "
        "sum of products, and each channel on its own.",
        "The window of output (i, j) starts at row i * stride_h and column j * stride_w and is "
        "kernel_size wide; with stride < kernel_size neighbouring windows overlap.",
        "out[:, :, i, j] = x[:, :, i*sh:i*sh+KH, j*sw:j*sw+KW].max(axis=(2, 3)), with "
        "OH = (H - KH) // sh + 1.",
    ),
    "max_pool2d_backward": (
        "Only the pixel that won a window moved the output; the others get no gradient from "
        "that window.",
        "When a window holds the maximum twice, PyTorch gives the whole gradient to the first "
        "one in reading order (np.argmax does exactly this on the flattened window).",
        "For each window: k = window.reshape(-1).argmax(); a, b = divmod(k, KW); "
        "dx[n, c, i*sh + a, j*sw + b] += dout[n, c, i, j]. Use += : overlapping windows can "
        "send gradient to the same pixel.",
    ),
    "conv2d_backward": (
        "Go back to the forward loop: each output node is sum(window * weight[f]) + bias[f]. "
        "Differentiate that one line with respect to the window, weight[f] and bias[f].",
        "dbias[f] adds dout over images and positions; dweight[f] adds dout[n, f, i, j] * "
        "window over images and positions; the window gets dout[n, f, i, j] * weight[f].",
        "Accumulate into a padded dxp with += at the same slices the forward pass read "
        "(stride included), then crop: dx = dxp[:, :, ph:ph+H, pw:pw+W].",
    ),
    "conv2d_im2col": (
        "Lay every window out as one column of a matrix; then the whole convolution is one "
        "matrix product with the kernels laid out as rows.",
        "Loop over the kernel's taps (a, b), not over pixels: xp[:, :, a:a+sh*OH:sh, "
        "b:b+sw*OW:sw] is the pixel under tap (a, b) for every output position at once.",
        "Collect those into cols of shape (N, C*KH*KW, OH*OW); out = weight.reshape(F, -1) @ "
        "cols has shape (N, F, OH*OW); reshape and add bias.reshape(1, F, 1, 1).",
    ),
    "softmax_cross_entropy": (
        "Write the loss of one example first: -log of the probability softmax gives its "
        "right class. Then average over the batch.",
        "Subtract each row's maximum before exp (nothing changes mathematically, nothing "
        "overflows), and take log-softmax as z - log(sum(exp(z))) instead of log(softmax).",
        "dlogits = (softmax - onehot(labels)) / N: the softmax, minus 1 at each right class, "
        "divided by the batch size because the loss is a mean.",
    ),
    "capstone": (
        "Build it in the order of the forward pass: conv, ReLU, conv, ReLU, pool, conv, ReLU, "
        "pool, flatten, dense, softmax cross-entropy; then the backward pass in reverse.",
        "Keep the parameters in a dict (params['w1'], params['b1'], ...) and their gradients "
        "in a dict with the same keys; ReLU's gradient is dout * (input > 0).",
        "Plain SGD with momentum: v = momentum * v - lr * grad; param += v, for every key, "
        "after each minibatch; shuffle the training set at the start of each epoch.",
    ),
}
