"""The conv2d_forward lab (loops) and the conv2d_im2col lab (no loop over pixels): the same
cases and the same catalogue of classic mistakes."""

from __future__ import annotations

from ..conv import conv2d
from .conv_cases import conv_cases
from .kit import correlate, pad4, pair
from .loops import loop_over_pixels
from .spec import Lab, Mistake, Part

__all__ = ["FORWARD", "IM2COL", "MISTAKES"]


def _right(x, weight, bias, stride, padding):
    return conv2d(x, weight, bias, pair(stride), pair(padding))


def _padded(x, padding):
    ph, pw = pair(padding)
    return pad4(x, ph, ph, pw, pw)


def _flipped(x, weight, bias, stride, padding):
    return correlate(_padded(x, padding), weight[:, :, ::-1, ::-1], stride) + bias[:, None, None]


def _stride_ignored(x, weight, bias, stride, padding):
    return correlate(_padded(x, padding), weight, 1) + bias[:, None, None]


def _stride_in_size_only(x, weight, bias, stride, padding):
    # output sized for the stride, but window (i, j) starts at (i, j), not (i*sh, j*sw)
    oh, ow = _right(x, weight, bias, stride, padding).shape[2:]
    return (correlate(_padded(x, padding), weight, 1) + bias[:, None, None])[:, :, :oh, :ow]


def _padding_ignored(x, weight, bias, stride, padding):
    return correlate(x, weight, stride) + bias[:, None, None]


def _padding_top_left(x, weight, bias, stride, padding):
    ph, pw = pair(padding)
    return correlate(pad4(x, ph, 0, pw, 0), weight, stride) + bias[:, None, None]


def _padding_bottom_right(x, weight, bias, stride, padding):
    ph, pw = pair(padding)
    return correlate(pad4(x, 0, ph, 0, pw), weight, stride) + bias[:, None, None]


def _bias_missing(x, weight, bias, stride, padding):
    return correlate(_padded(x, padding), weight, stride)


def _bias_per_channel(x, weight, bias, stride, padding):
    # bias added inside the loop over input channels: once per channel
    return correlate(_padded(x, padding), weight, stride) + x.shape[1] * bias[:, None, None]


def _bias_by_column_loop(x, weight, bias, stride, padding):
    out = correlate(_padded(x, padding), weight, stride)
    ow = out.shape[3]
    if ow > len(bias):
        raise IndexError("index out of range")  # bias[j] for a column j past the end
    return out + bias[:ow]


def _bias_by_column_broadcast(x, weight, bias, stride, padding):
    return correlate(_padded(x, padding), weight, stride) + bias  # lines up with the width


def _last_channel_only(x, weight, bias, stride, padding):
    xp = _padded(x, padding)[:, -1:]
    return correlate(xp, weight[:, -1:], stride) + bias[:, None, None]


def _first_channel_only(x, weight, bias, stride, padding):
    xp = _padded(x, padding)[:, :1]
    return correlate(xp, weight[:, :1], stride) + bias[:, None, None]


def _pairs_swapped(x, weight, bias, stride, padding):
    sh, sw = pair(stride)
    ph, pw = pair(padding)
    return correlate(pad4(x, pw, pw, ph, ph), weight, (sw, sh)) + bias[:, None, None]


MISTAKES = (
    Mistake(
        "flipped_kernel",
        "your function flips the kernel (a true convolution), but "
        "PyTorch's conv2d is a cross-correlation.",
        "multiply window[a, b] by "
        "weight[f, c, a, b], the same position; no [::-1] and no KH - 1 - a.",
        _flipped,
    ),
    Mistake(
        "stride_ignored",
        "your function ignores the stride: it slides the window one pixel at a time.",
        "output size (H + 2*ph - KH) // sh + 1, and window (i, j) "
        "starts at row i * sh, column j * sw.",
        _stride_ignored,
    ),
    Mistake(
        "stride_ignored",
        "your output has the right size, but window (i, j) starts at "
        "(i, j) instead of (i * stride_h, j * stride_w).",
        "slice the window as xp[n, :, i*sh:i*sh+KH, j*sw:j*sw+KW].",
        _stride_in_size_only,
    ),
    Mistake(
        "padding_ignored",
        "your function ignores the padding.",
        "pad the input with zeros first: np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).",
        _padding_ignored,
    ),
    Mistake(
        "padding_one_side",
        "your function pads only the top and the left.",
        "padding goes on both sides: (ph, ph) rows and (pw, pw) columns.",
        _padding_top_left,
    ),
    Mistake(
        "padding_one_side",
        "your function pads only the bottom and the right.",
        "padding goes on both sides: (ph, ph) rows and (pw, pw) columns.",
        _padding_bottom_right,
    ),
    Mistake(
        "bias_missing",
        "your function leaves out the bias.",
        "add bias[f] to every value of output channel f.",
        _bias_missing,
    ),
    Mistake(
        "bias_per_channel",
        "your function adds the bias once per input channel (inside the channel loop).",
        "add bias[f] once per output value, after summing over the channels.",
        _bias_per_channel,
    ),
    Mistake(
        "bias_wrong_axis",
        "your function adds the bias along the width (bias[j] for "
        "column j) instead of along the kernels.",
        "bias has one value per kernel: "
        "out[n, f] gets bias[f]; with arrays, bias.reshape(1, F, 1, 1).",
        _bias_by_column_loop,
    ),
    Mistake(
        "bias_wrong_axis",
        "your function adds the bias along the width (out + bias lines "
        "it up with the last axis) instead of along the kernels.",
        "bias has one value per kernel: add bias.reshape(1, F, 1, 1) or bias[:, None, None].",
        _bias_by_column_broadcast,
    ),
    Mistake(
        "channels_not_summed",
        "your output uses only the last input channel: the "
        "channels overwrite each other instead of adding up.",
        "sum the products over "
        "all channels (np.sum(window * weight[f]) over the whole (C, KH, KW) block, or "
        "+= in the channel loop).",
        _last_channel_only,
    ),
    Mistake(
        "channels_not_summed",
        "your output uses only the first input channel.",
        "a kernel is as deep as the input: sum the products over all C channels.",
        _first_channel_only,
    ),
    Mistake(
        "pairs_swapped",
        "your function reads the (h, w) pairs the wrong way round "
        "(the height's stride or padding used for the width).",
        "stride=(sh, sw) means "
        "sh along the rows (height) and sw along the columns (width); the same for "
        "padding.",
        _pairs_swapped,
    ),
)

FORWARD = Lab(
    name="conv2d_forward",
    what="NCHW, bias, stride and padding as ints and pairs, float32 kept",
    arg_names=("x", "weight", "bias", "stride", "padding"),
    returns=(Part("out", "array"),),
    make_cases=conv_cases,
    expected=_right,
    mistakes=MISTAKES,
)

IM2COL = Lab(
    name="conv2d_im2col",
    what="the same numbers as conv2d, with no Python loop over output pixels",
    arg_names=FORWARD.arg_names,
    returns=FORWARD.returns,
    make_cases=conv_cases,
    expected=_right,
    mistakes=MISTAKES,
    extra_check=loop_over_pixels,
)
