"""Reference solutions, written the way a learner would: plain numpy, loops where they make
the idea clear. :func:`cnnkit.labs.show_solution` shows their source, and the stubs the
notebooks start from are these signatures and docstrings with ``raise NotImplementedError``.

Each function stands alone (it reads an int or an (h, w) pair itself), so its source can be
pasted into a notebook as it is.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "output_size",
    "conv2d_forward",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "conv2d_backward",
    "conv2d_im2col",
    "softmax_cross_entropy",
]


def output_size(n, kernel_size, stride, padding, dilation):
    """How many positions a kernel takes along one axis (PyTorch's floor rule).

    Parameters
    ----------
    n : int
        Input length along the axis (its height or its width).
    kernel_size : int
        Kernel length along the axis.
    stride : int
        Step between two windows.
    padding : int
        Zeros added on each side (so 2 * padding in all).
    dilation : int
        Spacing between kernel taps (1 = taps side by side).

    Returns
    -------
    int
        The number of output positions.
    """
    reach = dilation * (kernel_size - 1) + 1  # the kernel's span, holes included
    return (n + 2 * padding - reach) // stride + 1  # whole steps that fit, plus the first


def conv2d_forward(x, weight, bias, stride, padding):
    """2-D convolution (cross-correlation, as in PyTorch) written with loops.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        N images with C channels each.
    weight : ndarray, shape (F, C, KH, KW)
        F kernels, each as deep as the input.
    bias : ndarray, shape (F,)
        One number added to each output channel.
    stride : int or (int, int)
        Step between windows, the same for both axes or (along H, along W).
    padding : int or (int, int)
        Zeros added on each side, the same for both axes or (top and bottom, left and right).

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW), the dtype of x
        OH = (H + 2 * padding_h - KH) // stride_h + 1, and the same for OW.
    """
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    n_images, _, h, w = x.shape
    n_kernels, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros on every side
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n_images, n_kernels, oh, ow), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_kernels):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    # sum of products over all channels and taps, then the kernel's bias
                    out[n, f, i, j] = np.sum(window * weight[f]) + bias[f]
    return out


def max_pool2d_forward(x, kernel_size, stride):
    """Max pooling: the largest value of each window, channel by channel.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
        Window size (KH, KW).
    stride : int or (int, int)
        Step between windows; smaller than the kernel makes windows overlap.

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW), the dtype of x
        OH = (H - KH) // stride_h + 1, and the same for OW.
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            out[:, :, i, j] = window.max(axis=(2, 3))  # every image and channel at once
    return out


def max_pool2d_backward(dout, x, kernel_size, stride):
    """Gradient of max pooling: each window's gradient goes to its first maximum.

    Parameters
    ----------
    dout : ndarray, shape (N, C, OH, OW)
        Gradient of the loss with respect to the pooled output.
    x : ndarray, shape (N, C, H, W)
        The input the forward pass saw.
    kernel_size, stride : int or (int, int)
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), the dtype of x
        Zero except at window maxima; a pixel that wins several overlapping windows
        collects (adds) the gradient of each.
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    n, c, _, _ = x.shape
    _, _, oh, ow = dout.shape
    dx = np.zeros_like(x)
    images, channels = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].reshape(n, c, kh * kw)
            first = window.argmax(axis=2)  # argmax picks the first maximum in reading order
            a, b = np.unravel_index(first, (kh, kw))
            # += (not =): overlapping windows may send gradient to the same pixel
            dx[images, channels, i * sh + a, j * sw + b] += dout[:, :, i, j]
    return dx


def conv2d_backward(dout, x, weight, stride, padding):
    """Gradients of :func:`conv2d_forward` with respect to x, weight and bias.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the convolution's output.
    x : ndarray, shape (N, C, H, W)
    weight : ndarray, shape (F, C, KH, KW)
    stride, padding : int or (int, int)
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dweight : ndarray, shape (F, C, KH, KW)
    dbias : ndarray, shape (F,)
        All in the dtype of x.
    """
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    _, _, h, w = x.shape
    _, _, kh, kw = weight.shape
    _, _, oh, ow = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dweight = np.zeros_like(weight)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            g = dout[:, :, i, j]  # (N, F): how much each output node moves the loss
            # out[n, f, i, j] = sum(xp[n, :, rows, cols] * weight[f]) + bias[f], so
            # d/dweight[f] = sum over images of g[n, f] * window[n]
            dweight += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
            # and d/dwindow[n] = sum over kernels of g[n, f] * weight[f] (added: windows overlap)
            dxp[:, :, rows, cols] += np.tensordot(g, weight, axes=([1], [0]))
    dbias = dout.sum(axis=(0, 2, 3))  # the bias touches every output node of its channel
    dx = dxp[:, :, ph : ph + h, pw : pw + w]  # the padding was not part of x: crop it off
    return dx, dweight, dbias


def conv2d_im2col(x, weight, bias, stride, padding):
    """2-D convolution as one matrix product (im2col): no Python loop over output pixels.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weight : ndarray, shape (F, C, KH, KW)
    bias : ndarray, shape (F,)
    stride, padding : int or (int, int)

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW), the dtype of x
        The same numbers as :func:`conv2d_forward`.
    """
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    n, c, h, w = x.shape
    f, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - kh) // sh + 1
    ow = (w + 2 * pw - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for a in range(kh):  # a loop over the kernel's taps (a few), never over pixels
        for b in range(kw):
            # the pixel under tap (a, b) for every output position at once
            cols[:, :, a, b] = xp[
                :, :, a : a + sh * (oh - 1) + 1 : sh, b : b + sw * (ow - 1) + 1 : sw
            ]
    cols = cols.reshape(n, c * kh * kw, oh * ow)  # one column per output pixel
    out = weight.reshape(f, c * kh * kw) @ cols  # (F, CKK) @ (N, CKK, P) -> (N, F, P)
    return out.reshape(n, f, oh, ow) + bias.reshape(1, f, 1, 1)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against the labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
        One score per class for each of N examples.
    labels : ndarray of int, shape (N,)
        The right class of each example, 0 <= label < K.

    Returns
    -------
    loss : float
        mean over n of -log(softmax(logits[n])[labels[n]]).
    dlogits : ndarray, shape (N, K), the dtype of logits
        (softmax(logits) - onehot(labels)) / N.
    """
    n = logits.shape[0]
    rows = np.arange(n)
    z = logits - logits.max(axis=1, keepdims=True)  # the largest score becomes 0: no overflow
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log-softmax, stable
    loss = -log_probs[rows, labels].mean()
    dlogits = np.exp(log_probs)  # softmax
    dlogits[rows, labels] -= 1  # minus one at the right class
    return loss, dlogits / n  # the loss is a mean, so is its gradient
