"""The output_size lab: right answers pass, each classic mistake is named, odd returns get
a plain message. Every wrong function is written the way a learner would write it."""

from __future__ import annotations

import math

import pytest

from cnnkit.labs import check


def right(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def right_by_counting(n, kernel_size, stride, padding, dilation):
    # another style: slide the window and count the positions where it fits
    reach = dilation * (kernel_size - 1) + 1
    count, start = 0, 0
    while start + reach <= n + 2 * padding:
        count += 1
        start += stride
    return count


def right_with_floor(n, kernel_size, stride, padding, dilation):
    return int(math.floor((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride)) + 1


def rounds_up(n, kernel_size, stride, padding, dilation):
    return math.ceil((n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1


def pads_once(n, kernel_size, stride, padding, dilation):
    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1


def no_stride(n, kernel_size, stride, padding, dilation):
    return n + 2 * padding - dilation * (kernel_size - 1) - 1 + 1


def no_dilation(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - kernel_size) // stride + 1


def dilation_times_k(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * kernel_size) // stride + 1


def forgets_plus_one(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


@pytest.mark.parametrize("fn", [right, right_by_counting, right_with_floor])
def test_right_answers_pass(fn):
    result = check("output_size", fn)
    assert result.passed, result.message
    assert result.mistake is None and "passed" in str(result)


@pytest.mark.parametrize(
    "fn, mistake",
    [
        (rounds_up, "rounding_up"),
        (pads_once, "padding_once"),
        (no_stride, "stride_ignored"),
        (no_dilation, "dilation_ignored"),
        (dilation_times_k, "dilation_times_kernel"),
        (forgets_plus_one, "off_by_one"),
    ],
)
def test_each_mistake_is_named(fn, mistake):
    result = check("output_size", fn)
    assert not result.passed
    assert result.mistake == mistake, result.message
    assert "Hint:" in result.message


def off_for_big_inputs(n, kernel_size, stride, padding, dilation):
    out = (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
    return out - 1 if n > 100 else out


def no_padding_no_dilation_no_stride(n, kernel_size, stride, padding, dilation):
    return n - kernel_size + 1


@pytest.mark.parametrize("fn", [off_for_big_inputs, no_padding_no_dilation_no_stride])
def test_other_wrong_answers_fail_with_the_case(fn):
    result = check("output_size", fn)
    assert not result.passed and result.mistake is None
    assert "The first failing case" in result.message and "expected" in result.message


def test_float_answer_is_a_type_message():
    def true_division(n, kernel_size, stride, padding, dilation):
        return (n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1

    result = check("output_size", true_division)
    assert not result.passed and "should be an int" in result.message and "//" in result.message
