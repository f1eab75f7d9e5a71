"""Output-size arithmetic for convolution and pooling, and its explanation in words.

Along one axis a convolution slides a window of ``k`` pixels, spread out by the dilation
``d`` so it spans ``d*(k-1) + 1`` pixels, over an input of ``n`` pixels padded with ``p``
zeros on each side, moving ``s`` pixels at a time. PyTorch's rule for how many positions
that gives is::

    out = floor((n + 2p - d(k-1) - 1) / s) + 1

When ``s`` does not divide the room the window has to move, the last rows or columns that
no full window reaches are dropped (that is the ``floor``).
"""

from __future__ import annotations

import numpy as np

from ._validate import nonnegative_int, pair, positive_int

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "explain_output_size",
    "same_padding",
    "resolve_padding",
    "axis_padding",
    "window_starts",
    "uncovered_pixels",
    "conv_transpose_output_size",
    "check_output_padding",
]

Padding = int | tuple[int, int] | str


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """Padding ``(before, after)`` that keeps the size at stride 1, as PyTorch's ``"same"``.

    The total is ``d*(k-1)``; when it is odd the extra pixel goes after (bottom/right).

    >>> same_padding(4)
    (1, 2)
    """
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def resolve_padding(
    padding: object,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Turn a padding argument into ``((top, bottom), (left, right))``.

    ``padding`` is an int, an ``(h, w)`` pair (zeros on each side), ``"valid"`` (none) or
    ``"same"`` (output as large as the input; stride 1 only).
    """
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            if stride != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride=1, got stride={stride}; "
                    "use a number for padding with a larger stride"
                )
            return (
                same_padding(kernel_size[0], dilation[0]),
                same_padding(kernel_size[1], dilation[1]),
            )
        raise ValueError(
            f"padding={padding!r} is not understood; use an int, an (h, w) pair, 'valid' or 'same'"
        )
    ph, pw = pair(padding, "padding", allow_zero=True)
    return (ph, ph), (pw, pw)


def _axis_output(n: int, k: int, s: int, before: int, after: int, d: int) -> int:
    padded = n + before + after
    span = d * (k - 1) + 1
    if span > padded:
        what = f"kernel_size={k}" if d == 1 else f"the dilated kernel ({d}*({k}-1)+1 = {span})"
        pads = f"2*{before}" if before == after else f"{before} + {after}"
        raise ValueError(
            f"{what} is larger than the padded input ({n} + {pads} = {padded}); "
            "use a smaller kernel or more padding"
        )
    return (padded - span) // s + 1


def conv_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: Padding = 0,
    dilation: int = 1,
) -> int:
    """Size of a convolution's output along one axis (PyTorch's floor rule).

    Parameters
    ----------
    n : int
        Input size along the axis (height or width).
    kernel_size, stride, dilation : int
        Window size, step between windows, spacing between kernel taps.
    padding : int, (before, after) or {"valid", "same"}
        Zeros added on each side (an int), or before and after the input (a pair).

    Returns
    -------
    int
        ``floor((n + 2*padding - dilation*(kernel_size-1) - 1) / stride) + 1``.

    Examples
    --------
    >>> conv_output_size(128, 11, stride=2)
    59
    """
    n, k = _positive(n, "n"), _positive(kernel_size, "kernel_size")
    s, d = _positive(stride, "stride"), _positive(dilation, "dilation")
    if (
        type(padding) is tuple
        and len(padding) == 2
        and _plain(padding[0], 0)
        and _plain(padding[1], 0)
    ):
        before, after = padding  # already (before, after): the convolutions' own call
    else:
        before, after = axis_padding(padding, k, s, d)
    return _axis_output(n, k, s, before, after, d)


def _plain(value: object, lowest: int) -> bool:
    """True for a plain int >= lowest (the common case, checked fast)."""
    return type(value) is int and value >= lowest


def _positive(value: object, name: str) -> int:
    return value if _plain(value, 1) else positive_int(value, name)


def pool_output_size(
    n: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
) -> int:
    """Size of a pooling layer's output along one axis, as ``torch.nn.MaxPool2d`` computes it.

    ``stride`` defaults to ``kernel_size``. With ``ceil_mode=True`` the division rounds up,
    so a last partial window is kept, unless it would start inside the right padding.
    PyTorch allows at most half the kernel as padding; so does this function.

    Examples
    --------
    >>> pool_output_size(7, 2), pool_output_size(7, 2, ceil_mode=True)
    (3, 4)
    """
    n, k = _positive(n, "n"), _positive(kernel_size, "kernel_size")
    s = k if stride is None else _positive(stride, "stride")
    p = padding if _plain(padding, 0) else nonnegative_int(padding, "padding")
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise TypeError(
            f"ceil_mode={ceil_mode!r} must be True or False, not {type(ceil_mode).__name__}"
        )
    if p > k // 2:
        raise ValueError(
            f"padding={p} is more than half of kernel_size={k}; pooling allows at most "
            f"padding={k // 2}"
        )
    room = n + 2 * p - k
    if ceil_mode:
        # Rounding up keeps a last, partial window (PyTorch even keeps a first window
        # larger than the input when the stride is long enough)...
        out = -(-room // s) + 1
        # ...but drops one that would start in the right padding.
        if (out - 1) * s >= n + p:
            out -= 1
    else:
        out = room // s + 1
    if out < 1:
        raise ValueError(
            f"kernel_size={k} is larger than the padded input ({n} + 2*{p} = {n + 2 * p}); "
            "use a smaller kernel"
        )
    return out


def axis_padding(
    padding: Padding, kernel_size: int, stride: int = 1, dilation: int = 1
) -> tuple[int, int]:
    """Padding ``(before, after)`` along one axis: the one padding parser for one axis.

    ``padding`` is an int (the same on both sides), a ``(before, after)`` pair, ``"valid"``
    or ``"same"`` (read by :func:`resolve_padding`, as for a square kernel).

    >>> axis_padding("same", 4), axis_padding((0, 2), 3)
    ((1, 2), (0, 2))
    """
    if isinstance(padding, str):
        return resolve_padding(padding, (kernel_size,) * 2, (stride,) * 2, (dilation,) * 2)[0]
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(
                f"padding={padding!r} along one axis must be one int or a pair "
                f"(before, after), got {len(padding)} values"
            )
        whole = tuple(padding)
        return (
            nonnegative_int(padding[0], "padding", whole),
            nonnegative_int(padding[1], "padding", whole),
        )
    p = nonnegative_int(padding, "padding")
    return p, p


def window_starts(
    n: int, kernel_size: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> list[int]:
    """First pixel of every window along one axis, counted in the padded input.

    >>> window_starts(7, 3, stride=2)
    [0, 2, 4]
    """
    out = conv_output_size(n, kernel_size, stride, padding, dilation)
    return [i * stride for i in range(out)]


def uncovered_pixels(
    n: int, kernel_size: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> int:
    """How many pixels at the end of the padded input no window reaches (dropped).

    Pixels skipped *between* windows (stride larger than the window) or between the taps
    of a dilated kernel are not counted here: only the leftover at the end.

    >>> uncovered_pixels(128, 11, stride=2)
    1
    """
    out = conv_output_size(n, kernel_size, stride, padding, dilation)
    before, after = axis_padding(padding, kernel_size, stride, dilation)
    span = dilation * (kernel_size - 1) + 1
    return n + before + after - ((out - 1) * stride + span)


def explain_output_size(
    n: int, kernel_size: int, stride: int = 1, padding: Padding = 0, dilation: int = 1
) -> str:
    """The output-size arithmetic worked out step by step, in words.

    When the stride does not divide the room evenly, the text says how many rows/columns
    at the end no window reaches and which padding (or crop) would leave nothing over; it
    also notes pixels skipped between windows (stride longer than the window).

    Examples
    --------
    >>> print(explain_output_size(7, 3, stride=2).splitlines()[-1])
    out = 2 + 1 = 3
    """
    out = conv_output_size(n, kernel_size, stride, padding, dilation)
    k, s, d = kernel_size, stride, dilation
    before, after = axis_padding(padding, k, s, d)
    span = d * (k - 1) + 1
    padded = n + before + after
    room = padded - span
    steps, rest = divmod(room, s)
    pad_text = f"{n} + 2*{before}" if before == after else f"{n} + {before} + {after}"
    lines = [
        "out = floor((n + 2p - d(k-1) - 1) / s) + 1",
        f"with n={n}, k={k}, s={s}, p={before if before == after else (before, after)}, d={d}",
    ]
    if d != 1:
        lines.append(f"dilated kernel spans d(k-1)+1 = {d}*{k - 1}+1 = {span} pixels")
    lines += [
        f"padded input: {pad_text} = {padded} pixels",
        f"room to slide: {padded} - {span} = {room} pixels",
    ]
    if rest == 0:
        lines.append(
            f"steps: {room} / {s} = {steps} exactly, so the last window ends on the last pixel"
        )
    else:
        lines.append(
            f"steps: floor({room} / {s}) = floor({room / s:g}) = {steps}; "
            f"{room} = {s}*{steps} + {rest}"
        )
        what = (
            "row/column of the padded input is"
            if rest == 1
            else "rows/columns of the padded input are"
        )
        lines.append(
            f"the stride does not divide {room} evenly: the last {rest} {what} "
            "reached by no window and dropped"
        )
        lines.append(_how_to_fit(n, k, s, before, d, out, rest))
    if s > span and out > 1:
        gap = s - span
        lines.append(
            f"note: the stride {s} is longer than the {span}-pixel window, so {gap} "
            f"{'pixel' if gap == 1 else 'pixels'} between neighbouring windows "
            f"{'is' if gap == 1 else 'are'} read by no window"
        )
    if d > 1:
        lines.append(f"note: the dilated kernel reads one pixel in every {d} inside its window")
    lines.append(f"out = {steps} + 1 = {out}")
    return "\n".join(lines)


def _how_to_fit(n: int, k: int, s: int, p: int, d: int, out: int, rest: int) -> str:
    """Which padding or crop would leave no pixel unused (for explain_output_size)."""
    # Each extra pixel of padding on both sides adds 2 to the room, so we need the smallest
    # extra >= 1 with 2*extra = s - rest (mod s). Solved directly, so a huge stride answers
    # at once: for odd s, 2 has an inverse mod s; for even s, s - rest must be even.
    extra = None
    if s % 2 == 1:
        extra = (s - rest) * pow(2, -1, s) % s or s
    elif rest % 2 == 0:
        extra = (s - rest) // 2
    if extra is not None:
        bigger = conv_output_size(n, k, s, p + extra, d)
        symmetric = f"padding={p + extra} on each side gives {bigger} with nothing left over"
    else:
        symmetric = (
            f"no equal padding on both sides fits, since each step of padding adds 2 pixels "
            f"and stride {s} still leaves a remainder"
        )
    return (
        f"to fit: {symmetric}; or pad only the end by {s - rest} "
        f"({out + 1} outputs), or crop the input to {n - rest} ({out} outputs)"
    )


# ----------------------------------------------------------------- transposed convolution


def check_output_padding(output_padding: int, stride: int, dilation: int) -> int:
    """``output_padding`` as an int, refused unless it is smaller than ``stride`` or
    ``dilation`` (PyTorch's rule).

    A stride-s convolution maps s neighbouring input sizes to one output size (the floor),
    so going back from that size is ambiguous: ``output_padding`` (0 ... s-1) picks one.
    """
    op = (
        output_padding
        if _plain(output_padding, 0)
        else nonnegative_int(output_padding, "output_padding")
    )
    if op >= stride and op >= dilation:
        raise ValueError(
            f"output_padding={op} must be smaller than stride={stride} or dilation={dilation} "
            f"(PyTorch's rule: it only picks one of the sizes a stride-{stride} convolution "
            f"takes to the same output); use output_padding={max(stride, dilation) - 1} or less"
        )
    return op


def conv_transpose_output_size(
    n: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Size of a transposed convolution's output along one axis (PyTorch's rule).

    Each of the ``n`` input pixels stamps the (dilated) kernel into the output, ``stride``
    pixels after the one before, so the stamps cover ``(n-1)*stride + dilation*(k-1) + 1``
    pixels; ``padding`` crops that many from each side, and ``output_padding`` adds that
    many at the end::

        out = (n - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1

    It is the input size of the convolution with the same kernel_size, stride, padding and
    dilation that maps ``out`` pixels back to ``n``: the sizes invert each other.

    Parameters
    ----------
    n : int
        Input size along the axis (height or width).
    kernel_size, stride, dilation : int
    padding : int
        Pixels cropped from each side of the stamped output (the convolution's padding).
    output_padding : int
        Pixels added at the end; smaller than ``stride`` or ``dilation``.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_transpose_output_size(4, 3, stride=2, padding=1, output_padding=1)
    8
    >>> conv_output_size(8, 3, stride=2, padding=1)
    4
    """
    n, k = _positive(n, "n"), _positive(kernel_size, "kernel_size")
    s, d = _positive(stride, "stride"), _positive(dilation, "dilation")
    p = padding if _plain(padding, 0) else nonnegative_int(padding, "padding")
    op = check_output_padding(output_padding, s, d)
    stamped = (n - 1) * s + d * (k - 1) + 1 + op
    if stamped - 2 * p < 1:
        raise ValueError(
            f"padding={p} crops 2*{p} = {2 * p} pixels from the {stamped} the transposed "
            f"convolution makes ((n-1)*stride + dilation*(k-1) + 1 + output_padding), leaving "
            f"none; use padding={(stamped - 1) // 2} or less"
        )
    return stamped - 2 * p
