"""Output-size arithmetic: conv_output_size, pool_output_size, explain_output_size."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnkit import conv_output_size, explain_output_size, pool_output_size
from cnnkit.shapes import same_padding, uncovered_pixels, window_starts


def count_windows(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Slide a dilated window over the padded axis and count the positions it fits."""
    span = d * (k - 1) + 1
    count, start = 0, 0
    while start + span <= n + 2 * p:
        count += 1
        start += s
    return count


GRID = [
    (n, k, s, p, d)
    for n in (1, 5, 8, 13)
    for k in (1, 2, 3, 5)
    for s in (1, 2, 3)
    for p in (0, 1, 2)
    for d in (1, 2)
    if d * (k - 1) + 1 <= n + 2 * p
]


@pytest.mark.parametrize("n, k, s, p, d", GRID)
def test_conv_output_size_counts_window_positions(n, k, s, p, d):
    assert conv_output_size(n, k, stride=s, padding=p, dilation=d) == count_windows(n, k, s, p, d)


@pytest.mark.parametrize(
    "n, k, s, expected",
    [
        # Worked by hand: floor((128 - 11) / 2) + 1 = floor(58.5) + 1 = 59, and so on.
        (128, 11, 2, 59),
        (128, 11, 6, 20),
        (128, 6, 4, 31),
        (28, 5, 1, 24),
        (8, 3, 1, 6),
    ],
)
def test_conv_output_size_course_examples(n, k, s, expected):
    assert conv_output_size(n, k, stride=s) == expected


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_same_padding_keeps_the_size(k, d):
    assert conv_output_size(17, k, padding="same", dilation=d) == 17


def test_valid_padding_is_no_padding():
    assert conv_output_size(10, 3, padding="valid") == conv_output_size(10, 3, padding=0) == 8


@pytest.mark.parametrize(
    "k, d, expected",
    [
        (3, 1, (1, 1)),
        (4, 1, (1, 2)),
        (2, 1, (0, 1)),
        (5, 2, (4, 4)),
        (4, 3, (4, 5)),
        (1, 1, (0, 0)),
    ],
)
def test_same_padding_puts_the_odd_pixel_after(k, d, expected):
    # total d*(k-1); the smaller half before (top/left), as PyTorch does.
    assert same_padding(k, d) == expected
    before, after = same_padding(k, d)
    assert before + after == d * (k - 1)


def test_window_starts_and_uncovered_pixels():
    # 7 pixels, kernel 3, stride 2: windows start at 0, 2, 4 and cover everything.
    assert window_starts(7, 3, stride=2) == [0, 2, 4]
    assert uncovered_pixels(7, 3, stride=2) == 0
    # 8 pixels: the same three windows reach pixel 6, so pixel 7 is dropped.
    assert window_starts(8, 3, stride=2) == [0, 2, 4]
    assert uncovered_pixels(8, 3, stride=2) == 1
    # 128 with 11x11 kernels at stride 6: 117 = 6*19 + 3, so 3 pixels are dropped.
    assert uncovered_pixels(128, 11, stride=6) == 3


@pytest.mark.parametrize("n, k, s, p, d", GRID)
def test_window_starts_agree_with_the_output_size(n, k, s, p, d):
    starts = window_starts(n, k, s, p, d)
    assert len(starts) == conv_output_size(n, k, s, p, d)
    span = d * (k - 1) + 1
    assert starts[-1] + span <= n + 2 * p
    assert uncovered_pixels(n, k, s, p, d) == n + 2 * p - (starts[-1] + span)
    assert 0 <= uncovered_pixels(n, k, s, p, d) < s


def count_pool_windows(n: int, k: int, s: int, p: int, ceil_mode: bool) -> int:
    """Count pooling windows directly, following PyTorch's description of ceil_mode.

    Full windows always count. With ceil_mode a partial last window counts too, as long
    as the window before it did not already reach the end and it starts inside the input
    or the left padding (not in the right padding).
    """
    padded = n + 2 * p
    count, start = 0, 0
    while True:
        if start + k <= padded:
            count += 1
        elif ceil_mode and start < n + p and start - s + k < padded:
            count += 1
        else:
            return count
        start += s


POOL_GRID = [
    (n, k, s, p)
    for n in (1, 2, 3, 5, 7, 8, 11)
    for k in (1, 2, 3, 4, 5)
    for s in (1, 2, 3, 5)
    for p in range(k // 2 + 1)
]


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("n, k, s, p", POOL_GRID)
def test_pool_output_size_counts_windows(n, k, s, p, ceil_mode):
    expected = count_pool_windows(n, k, s, p, ceil_mode)
    if expected == 0:
        with pytest.raises(ValueError, match=f"kernel_size={k} is larger than the padded input"):
            pool_output_size(n, k, s, p, ceil_mode)
    else:
        assert pool_output_size(n, k, s, p, ceil_mode) == expected


def test_ceil_mode_keeps_a_window_larger_than_the_input_like_pytorch():
    # 3 pixels, kernel 4, stride 4: no full window, but with ceil_mode the first window
    # starts inside the input and PyTorch keeps it (partly outside).
    assert pool_output_size(3, 4, 4, ceil_mode=True) == 1
    with pytest.raises(ValueError, match="kernel_size=4"):
        pool_output_size(3, 4, 4)
    with pytest.raises(ValueError, match="kernel_size=4"):
        pool_output_size(3, 4, 1, ceil_mode=True)  # stride 1: the next start is too close


def test_pool_output_size_examples():
    assert pool_output_size(8, 2) == 4  # stride defaults to the kernel size
    assert pool_output_size(7, 2) == 3
    assert pool_output_size(7, 2, ceil_mode=True) == 4  # the last, one-pixel window is kept
    assert pool_output_size(8, 2, ceil_mode=True) == 4  # nothing left over: no extra window


def test_pool_padding_is_at_most_half_the_kernel():
    assert pool_output_size(8, 4, 4, padding=2) == 3
    with pytest.raises(ValueError, match=r"padding=3 .*kernel_size=4"):
        pool_output_size(8, 4, 4, padding=3)


def test_explain_output_size_exact_division():
    text = explain_output_size(7, 3, stride=2)
    assert text.splitlines()[-1] == "out = 2 + 1 = 3"
    assert "the last window ends on the last pixel" in text
    assert "dropped" not in text
    assert "note:" not in text  # stride 2 < kernel 3: no pixel skipped between windows


def test_explain_output_size_notes_pixels_skipped_between_windows():
    # Windows of 2 pixels every 3: starts 0, 3, 6 read pixels 0-1, 3-4, 6-7; 2 and 5 never.
    text = explain_output_size(8, 2, stride=3)
    assert "dropped" not in text
    assert "1 pixel between neighbouring windows is read by no window" in text


def test_uncovered_pixels_accepts_same_padding():
    assert uncovered_pixels(8, 3, 1, "same") == 0
    assert uncovered_pixels(8, 4, 1, "same") == 0


def test_explain_output_size_says_what_is_dropped():
    text = explain_output_size(128, 11, stride=6)
    assert text.splitlines()[-1] == "out = 19 + 1 = 20"
    assert "117" in text  # the room to slide: 128 - 11
    assert "last 3 rows/columns" in text and "dropped" in text


def test_explain_output_size_mentions_dilation_and_same():
    assert "spans" in explain_output_size(10, 3, dilation=2)
    text = explain_output_size(10, 4, padding="same")
    assert text.splitlines()[-1].endswith("= 10")


@pytest.mark.parametrize("n, k, s, p, d", [g for g in GRID if g[2] > 1])
def test_explain_output_size_fix_suggestion_is_right(n, k, s, p, d):
    """When pixels are dropped, the suggested symmetric padding really uses every pixel."""
    text = explain_output_size(n, k, s, p, d)
    assert (
        text.splitlines()[-1] == f"out = {conv_output_size(n, k, s, p, d) - 1} + 1 = "
        f"{conv_output_size(n, k, s, p, d)}"
    )
    match = re.search(r"padding=(\d+) on each side gives (\d+)", text)
    if uncovered_pixels(n, k, s, p, d) == 0:
        assert match is None
        return
    if match is None:
        assert "no equal padding" in text
        # Check the claim: no padding step up to the stride fits exactly.
        span = d * (k - 1) + 1
        assert all((n + 2 * q - span) % s for q in range(p + 1, p + s + 1))
        return
    q, out = int(match.group(1)), int(match.group(2))
    assert q > p
    assert conv_output_size(n, k, s, q, d) == out
    assert uncovered_pixels(n, k, s, q, d) == 0


def test_sizes_accept_numpy_integers():
    assert conv_output_size(np.int64(9), np.int32(3)) == 7
