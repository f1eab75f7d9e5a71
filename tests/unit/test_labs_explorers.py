"""The explorers running the learner's own function: every control position, with a correct
function, a wrong one, one that raises and ones that return garbage, gives a view and never a
traceback; the view says whether the learner's result matches cnnkit's, and where it differs.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

matplotlib.use("Agg")

from cnnkit import conv2d, conv2d_backward, max_pool2d, max_pool2d_backward  # noqa: E402
from cnnkit.widgets import (  # noqa: E402
    draw_pool,
    kernel_explorer,
    kernel_learning_explorer,
    output_size_explorer,
    photo_stride_explorer,
    pool_explorer,
)
from cnnkit.widgets._learner import call_learner, compare_arrays, latest  # noqa: E402

# ----------------------------------------------------------------- learner functions
# Written as a learner would: right ones, classic mistakes, and broken ones.


def good_output_size(n, kernel_size, stride, padding, dilation):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def rounds_up(n, kernel_size, stride, padding, dilation):
    return -(-(n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride) + 1


def good_conv(x, weight, bias, stride, padding):
    return conv2d(x, weight, bias, stride=stride, padding=padding)


def flipped_conv(x, weight, bias, stride, padding):  # true convolution: the kernel flipped
    return conv2d(x, weight[:, :, ::-1, ::-1], bias, stride=stride, padding=padding)


def ignores_stride(x, weight, bias, stride, padding):
    return conv2d(x, weight, bias, stride=1, padding=padding)


def good_pool(x, kernel_size, stride):
    return max_pool2d(x, kernel_size, stride)


def good_pool_backward(dout, x, kernel_size, stride):
    return max_pool2d_backward(dout, x, kernel_size, stride)


def overwrites(dout, x, kernel_size, stride):  # `=` instead of `+=` for overlapping windows
    dx = np.zeros_like(x)
    oh, ow = dout.shape[2:]
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * stride, i * stride + kernel_size)
            window = x[0, 0, rows, j * stride : j * stride + kernel_size]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            dx[0, 0, i * stride + a, j * stride + b] = dout[0, 0, i, j]
    return dx


def good_backward(dout, x, weight, stride, padding):
    return conv2d_backward(dout, x, weight, stride=stride, padding=padding)


def dweight_not_summed(dout, x, weight, stride, padding):  # only the first image counts
    dx, dw, db = conv2d_backward(dout, x, weight, stride=stride, padding=padding)
    return dx, conv2d_backward(dout[:1], x[:1], weight, stride=stride, padding=padding)[1], db


def stub(*args):
    raise NotImplementedError("write it here")


def crashes(*args):
    return [1, 2][5]


def forgets_return(*args):
    pass


def returns_text(*args):
    return "done"


def mutates_and_returns_nan(*args):
    args[-1 if not isinstance(args[0], np.ndarray) else 0][...] = 0  # type: ignore[index]
    return np.full((2, 2), np.nan)


BROKEN = [stub, crashes, forgets_return, returns_text]


def _text(result) -> str:
    """Everything the view shows in words (strings and HTML notes)."""
    items = result if isinstance(result, list) else [result]
    return "\n".join(getattr(item, "data", item) for item in items if not hasattr(item, "savefig"))


def sweep(explorer, control, values):
    """Move one control over ``values`` and return what the view says at each position.

    The explorer's own draw function is called as its callback would call it (a ValueError
    is an impossible combination, shown as a friendly message; anything else would be a
    traceback and fails the test). Figures are closed without being rendered, which keeps
    the sweeps fast; the last position is also set through the widget itself.
    """
    texts = []
    for value in values:
        state = {**explorer.values(), control: value}
        try:
            result = explorer.draw(**state)
        except ValueError as exc:
            result = f"Not possible: {exc}"
        texts.append(_text(result))
        for item in result if isinstance(result, list) else [result]:
            if hasattr(item, "savefig"):
                plt.close(item)
    explorer.set(**{control: values[-1] if isinstance(values, list) else list(values)[-1]})
    assert texts[-1] == _text(explorer.last_result) or "Not possible" in texts[-1]
    return texts


# ----------------------------------------------------------------- the shared helpers


def test_call_learner_names_each_problem():
    want = np.zeros((2, 2))
    assert "not written yet" in call_learner(stub, [want], expected=want).problem
    assert "raised IndexError" in call_learner(crashes, [want], expected=want).problem
    assert "returned None" in call_learner(forgets_return, [want], expected=want).problem
    assert "not an array" in call_learner(returns_text, [want], expected=want).problem
    assert "shape (3,)" in call_learner(lambda a: np.ones(3), [want], expected=want).problem
    assert "NaN" in call_learner(lambda a: a * np.nan, [want], expected=want).problem
    assert "whole number" in call_learner(lambda *a: 2.5, [1], expected=2).problem
    assert "3 arrays" in call_learner(lambda *a: (1, 2), [want], expected=(want,) * 3).problem
    assert call_learner(lambda a: a + 1, [want], expected=want).problem == ""


def test_call_learner_gives_copies_and_swallows_prints(capsys):
    x = np.ones((2, 2))
    run = call_learner(lambda a: (print("hello"), a.fill(7), a)[2], [x], expected=x)
    assert run.problem == "" and run.printed == "hello\n"
    assert (x == 1).all(), "the learner's function changed the explorer's own array"
    assert capsys.readouterr().out == ""


def test_compare_arrays_marks_the_differing_cells():
    c = compare_arrays(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.5], [3.0, 4.0]]))
    assert not c.matches and c.wrong.tolist() == [[False, True], [False, False]]
    assert c.largest == 0.5


def test_latest_finds_the_newest_definition_by_name():
    import sys
    import types

    module = types.ModuleType("learner_notebook")
    exec("def f(x):\n    raise NotImplementedError\n", module.__dict__)
    old = module.f
    sys.modules["learner_notebook"] = module
    try:
        exec("def f(x):\n    return x\n", module.__dict__)  # the learner runs the cell again
        assert latest(old) is module.f and latest(old)(3) == 3
    finally:
        del sys.modules["learner_notebook"]


# ----------------------------------------------------------------- output size


@pytest.mark.parametrize(
    "control,values",
    [
        ("n", range(1, 17)),
        ("kernel_size", range(1, 10)),
        ("stride", range(1, 7)),
        ("padding", range(0, 5)),
        ("dilation", range(1, 4)),
        ("mode", ["number", "valid", "same"]),
    ],
)
def test_output_size_explorer_with_learner_code_sweeps(control, values):
    for fn, expect in [
        (good_output_size, "the same as cnnkit"),
        (rounds_up, None),
        (stub, "not written yet"),
    ]:
        explorer = output_size_explorer(output_size=fn)
        for value, text in zip(values, sweep(explorer, control, values)):
            if "Not possible" in text or "'same'" in text:
                continue  # impossible combination or 'same': a message, not a comparison
            if expect:
                assert expect in text, (fn.__name__, control, value, text)
            else:  # rounding up is wrong exactly where the stride does not divide evenly
                right = "the same as cnnkit" in text
                assert right or "but cnnkit gives" in text, text


def test_output_size_explorer_with_garbage():
    for fn in BROKEN + [lambda *a: 2.5, lambda *a: True]:
        explorer = output_size_explorer(output_size=fn)
        explorer.set(n=9, stride=2)
        assert "Your code:" in _text(explorer.last_result)


# ----------------------------------------------------------------- convolution


@pytest.mark.parametrize(
    "fn", [good_conv, flipped_conv, stub, returns_text, mutates_and_returns_nan]
)
def test_kernel_explorer_with_learner_conv(fn):
    from cnnkit.filters import KERNELS

    explorer = kernel_explorer(conv=fn)
    kernels = list(KERNELS) + ["custom"]
    texts = sweep(explorer, "kernel", kernels)
    texts += sweep(explorer, "view", ["raw", "ReLU", "absolute"])
    texts += sweep(explorer, "weights", ["1 2; 3 4", "?", "1 0 -1; 2 0 -2; 1 0 -1"])
    if fn is good_conv:
        assert all("gives the same feature map" in t for t in texts if "Not possible" not in t)
    elif fn is flipped_conv:  # a flip changes every kernel that is not symmetric
        assert any("differs from cnnkit" in t for t in texts)
        assert "differs from cnnkit" in _text(explorer.set(weights="1 2; 3 4"))
    else:
        assert all("Your code:" in t for t in texts if "Not possible" not in t)


@pytest.mark.parametrize("fn", [good_conv, ignores_stride, stub, returns_text])
def test_photo_stride_explorer_with_learner_conv(fn):
    explorer = photo_stride_explorer(conv=fn, size=40)
    texts = sweep(explorer, "kernel_size", range(1, 10)) + sweep(explorer, "stride", range(1, 9))
    if fn is good_conv:
        assert all("gives the same feature map" in t for t in texts)
    elif fn is ignores_stride:
        assert "shape" in _text(explorer.set(stride=3))  # a stride-1 map is too large
    else:
        assert all("Your code:" in t for t in texts)


# ----------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    "pool,backward",
    [
        (good_pool, good_pool_backward),
        (None, overwrites),
        (stub, crashes),
        (returns_text, forgets_return),
    ],
)
def test_pool_explorer_sweeps_every_control(pool, backward):
    explorer = pool_explorer(pool=pool, backward=backward)
    texts = []
    for show in ["forward", "backward"]:
        explorer.set(show=show, kernel_size=2, stride=2)
        texts += [(show, t) for t in sweep(explorer, "kernel_size", range(1, 5))]
        texts += [(show, t) for t in sweep(explorer, "stride", range(1, 5))]
    texts += [("backward", t) for t in sweep(explorer, "digit", range(10))]
    for show, text in texts:
        fn = pool if show == "forward" else backward
        if fn is None:
            assert "Your code" not in text and "windows" in text
        elif fn in (good_pool, good_pool_backward):
            assert "gives the same" in text, text
        elif fn is not overwrites:
            assert "Your code:" in text


def test_pool_backward_that_overwrites_differs_exactly_where_windows_overlap():
    for k in range(1, 5):
        for s in range(1, 5):
            figure, text = draw_pool(5, k, s, "backward", backward=overwrites)
            plt.close(figure)
            if s >= k:  # windows side by side: overwriting loses nothing
                assert "gives the same gradient" in text, (k, s, text)
            elif "differs from cnnkit" not in text:  # overlap, yet no pixel wins twice
                assert "gives the same gradient" in text, (k, s, text)
    assert "differs from cnnkit" in draw_pool(3, 3, 1, "backward", backward=overwrites)[1]


# ----------------------------------------------------------------- backprop


@pytest.mark.parametrize("fn", [good_backward, dweight_not_summed, crashes, lambda *a: (1, 2)])
def test_kernel_learning_explorer_with_learner_backward(fn):
    explorer = kernel_learning_explorer(backward=fn)
    texts = sweep(explorer, "steps", [0, 1, 50, 200])
    texts += sweep(explorer, "lr", [0.001, 0.3, 3.16])  # 3.16 blows up: training stops
    texts += sweep(explorer, "target", ["horizontal Sobel", "simple edge [-1, 1]"])
    texts += sweep(explorer, "train_on", ["photo patches", "random noise"])
    for k, text in enumerate(texts):
        if fn is good_backward:
            assert text.count("gives the same") == 3, text
        elif fn is dweight_not_summed:  # wrong while there is something to learn; once the
            lines = text.splitlines()  # kernel has converged every gradient is 0 and equal
            assert "differs from cnnkit" in lines[1] or k >= 2, text
            assert "gives the same dx" in lines[2] and "gives the same dbias" in lines[3]
        else:
            assert "Your code:" in text
