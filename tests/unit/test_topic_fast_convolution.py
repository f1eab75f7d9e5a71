"""Notebook 10's helpers: the counts and memory of each algorithm, the timing helpers, the
figures, the cost explorer over every position of every control, and the exercises against
tables of answers a learner might give."""

from __future__ import annotations

import itertools
import math
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit.conv import pad_input, window_view  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises.fast_convolution import (  # noqa: E402
    check_im2col_bytes,
    check_im2col_shape,
    check_winograd_multiplications,
    check_winograd_tiles,
)
from cnnkit.viz.fast_convolution import (  # noqa: E402
    plot_costs,
    plot_fft_steps,
    plot_gflops,
    plot_winograd_tiles,
)
from cnnkit.widgets import Explorer  # noqa: E402
from cnnkit.widgets import fast_convolution as fc  # noqa: E402
from cnnkit.widgets.fast_convolution import (  # noqa: E402
    LayerShape,
    Timing,
    blas_threads,
    cost_explorer,
    count_multiplications,
    draw_costs,
    memory_bytes,
    peak_matmul_gflops,
    time_algorithms,
    time_call,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------------ counting


def test_counts_worked_out_by_hand():
    # one 4x4 image, one 3x3 kernel: 2x2 outputs of 9 products; one Winograd tile of 16,
    # plus the kernel's transform, 16 x 9
    one = count_multiplications(LayerShape(1, 1, 1, 4, 4, 3, 0))
    assert one["loop"] == one["im2col"] == 36
    assert one["winograd"] == 16 + 144
    # 2 images, 3 channels of 7x7, 4 kernels 3x3, padding 1: 7x7 outputs, 4x4 tiles each
    two = count_multiplications(LayerShape(2, 3, 4, 7, 7, 3, 1))
    assert two["loop"] == 2 * 4 * 49 * 3 * 9 == 10584
    assert two["winograd"] == 2 * 4 * 3 * 16 * 16 + 4 * 3 * 144 == 7872
    # FFT on a 4x4 padded grid: 16 * log2(16) = 64 per transform, 1 + 1 + 1 transforms,
    # then 4 real multiplications for each of the 4 x 3 complex products
    fft = count_multiplications(LayerShape(1, 1, 1, 4, 4, 3, 0))["fft"]
    assert fft == 3 * 64 + 4 * 4 * 3


def test_winograd_needs_3x3_and_the_fft_does_not():
    counts = count_multiplications(LayerShape(1, 2, 2, 9, 9, 5, 2))
    assert counts["winograd"] is None and counts["fft"] > 0
    assert memory_bytes(LayerShape(1, 2, 2, 9, 9, 5, 2))["winograd"] is None


@pytest.mark.parametrize(
    "layer",
    [
        LayerShape(1, 1, 1, 5, 5, 3, 0),
        LayerShape(2, 3, 4, 9, 7, 3, 1),
        LayerShape(3, 2, 5, 8, 8, 5, 2),
        LayerShape(1, 4, 2, 6, 11, 1, 0),
    ],
)
def test_memory_matches_the_arrays_the_algorithms_build(layer):
    x = np.zeros((layer.batch, layer.channels, layer.height, layer.width), np.float32)
    k, p = layer.kernel_size, layer.padding
    xp = pad_input(x, ((p, p), (p, p)))
    oh, ow = layer.out_hw
    rows = window_view(xp, (k, k), (1, 1), (1, 1), (oh, ow)).transpose(0, 2, 3, 1, 4, 5)
    rows = rows.reshape(layer.batch * oh * ow, -1)
    mem = memory_bytes(layer)
    assert mem["im2col"] == rows.nbytes
    assert mem["input"] == x.nbytes and mem["loop"] == xp.nbytes
    assert mem["output"] == layer.batch * layer.kernels * oh * ow * 4
    assert memory_bytes(layer, itemsize=8)["im2col"] == 2 * rows.nbytes
    h, w = xp.shape[2:]
    spectrum = np.fft.rfft2(xp.astype(np.float64)).shape[-2:]
    assert spectrum == (h, w // 2 + 1)
    if k == 3:
        tiles = math.ceil(oh / 2) * math.ceil(ow / 2) * layer.batch
        assert mem["winograd"] == 4 * 16 * tiles * (layer.channels + layer.kernels)


def test_im2col_of_a_3x3_same_layer_is_nine_times_the_input():
    layer = LayerShape(8, 16, 32, 28, 28, 3, 1)
    assert memory_bytes(layer)["im2col"] == 9 * memory_bytes(layer)["input"]


SIZES, KERNELS = range(4, 65), range(1, 10)


def test_counts_and_memory_over_every_size_and_kernel():
    for size, k, pad in itertools.product(SIZES, KERNELS, (0, 1)):
        p = k // 2 if pad else 0
        if k > size + 2 * p:
            continue
        layer = LayerShape(2, 3, 4, size, size, k, p)
        counts, mem = count_multiplications(layer), memory_bytes(layer)
        assert counts["loop"] > 0 and counts["fft"] > 0
        assert all(v is None or v > 0 for v in mem.values())
        if k == 3:
            assert counts["winograd"] < 1.3 * counts["loop"] or size < 6


# ------------------------------------------------------------------------ timing


def test_time_call_reports_a_median_between_fastest_and_slowest():
    calls = []
    timing = time_call(lambda: (calls.append(1), time.sleep(0.002)), repeats=3, budget=0.03)
    assert isinstance(timing, Timing) and timing.repeats == 3
    assert timing.fastest <= timing.median <= timing.slowest
    assert 0.0019 < timing.median < 0.2
    assert len(calls) >= 5  # warm-up, first call, 3 rounds
    assert "ms (fastest" in str(timing)


def test_blas_threads_sets_and_restores():
    found = fc._openblas()
    with blas_threads(1) as before:
        if found is None:
            assert before is None
        else:
            handle, names = found
            get = getattr(handle, names.split("|")[0])
            assert get() == 1
    if found is not None:
        assert getattr(found[0], found[1].split("|")[0])() == before


def test_peak_is_a_plausible_rate():
    peak = peak_matmul_gflops(size=64, repeats=3, budget=0.05)
    assert 0.01 < peak < 1e5


def test_time_algorithms_skips_winograd_for_other_kernels():
    assert set(time_algorithms(LayerShape(1, 1, 1, 8, 8, 5, 0), budget=0.02, repeats=1)) == {
        "loop",
        "im2col",
        "fft",
    }
    assert "winograd" in time_algorithms(
        LayerShape(1, 1, 1, 8, 8, 3, 0), ("winograd",), budget=0.02, repeats=1
    )


# ------------------------------------------------------------------------ figures


def test_plot_costs_has_a_title_and_a_panel_per_quantity():
    layer = LayerShape(2, 3, 4, 8, 8, 5, 2)
    fig = plot_costs(layer, count_multiplications(layer), memory_bytes(layer))
    assert len(fig.axes) == 2 and "Cost of one layer" in fig._suptitle.get_text()
    t = Timing(0.001, 0.001, 0.002, 3)
    fig = plot_costs(layer, count_multiplications(layer), memory_bytes(layer), {"fft": t})
    assert len(fig.axes) == 3
    labels = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert labels == ["loop", "im2col", "winograd", "fft"]
    assert any(text.get_text().strip() == "n/a" for text in fig.axes[0].texts)


def test_plot_gflops_draws_the_peak():
    fig, ax = plt.subplots()
    plot_gflops(ax, {"loop": 0.05, "im2col": 20.0, "fft": 150.0}, peak=100.0)
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [100.0]
    assert any("150%" in t.get_text() for t in ax.texts)
    assert ax.get_title()


@pytest.mark.parametrize("oh, ow, tiles", [(2, 2, 1), (7, 7, 16), (7, 10, 20), (1, 5, 3)])
def test_plot_winograd_tiles_counts_tiles(oh, ow, tiles):
    fig, ax = plt.subplots()
    plot_winograd_tiles(ax, oh, ow, show=50)
    assert f"{oh}x{ow} output" in ax.get_title()
    assert len([p for p in ax.patches if p.get_gid() == "tile"]) == tiles
    outlines = {(p.get_x() // 2, p.get_y() // 2) for p in ax.patches if p.get_gid() == "tile"}
    assert len(outlines) == tiles  # every tile once


def test_plot_winograd_tiles_hatches_the_zeros_of_an_odd_output():
    fig, ax = plt.subplots()
    plot_winograd_tiles(ax, 7, 8, show=2)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1  # rows beyond 7 + 2 only; 8 columns fill their tiles
    assert [p.get_gid() for p in ax.patches].count("tile") == 2


def test_plot_fft_steps():
    image, kernel = np.random.default_rng(0).normal(size=(10, 10)), np.ones((3, 3))
    flipped = np.fft.rfft2(kernel[::-1, ::-1], s=image.shape)
    circular = np.fft.irfft2(np.fft.rfft2(image) * flipped, s=image.shape)
    fig = plot_fft_steps(image, kernel, circular, circular[2:, 2:])
    assert len(fig.axes) == 4 and "FFT" in fig._suptitle.get_text()


# ------------------------------------------------------------------------ the explorer

DEFAULTS = dict(
    batch=4, channels=16, kernels=16, size=16, kernel_size=3, padding="same", measure=False
)
RANGES = {
    "batch": range(1, 17),
    "channels": range(1, 65),
    "kernels": range(1, 65),
    "size": range(4, 65),
    "kernel_size": range(1, 10),
    "padding": ("valid", "same"),
    "measure": (False, True),
}


def _draw_or_message(**values):
    try:
        fig, text = draw_costs(**values)
    except ValueError as exc:
        assert "does not fit" in str(exc)
        return None
    assert isinstance(fig, plt.Figure) and text.startswith("Layer:")
    plt.close(fig)
    return text


def test_explorer_controls_match_the_ranges_tested_here():
    explorer = cost_explorer()
    assert isinstance(explorer, Explorer)
    for name, control in explorer.controls.items():
        if hasattr(control, "min"):
            assert range(control.min, control.max + 1) == RANGES[name], name
        elif hasattr(control, "options"):
            assert tuple(control.options) == RANGES[name]
    assert set(explorer.controls) == set(RANGES)


@pytest.mark.parametrize("name", [n for n in RANGES if n != "measure"])
def test_every_position_of_every_control_draws(name):
    for value in RANGES[name]:
        assert _draw_or_message(**{**DEFAULTS, name: value}) is not None


def test_impossible_combinations_say_so():
    for size, k in itertools.product(range(4, 10), KERNELS):
        text = _draw_or_message(**{**DEFAULTS, "size": size, "kernel_size": k, "padding": "valid"})
        assert (text is None) == (k > size)
    with pytest.raises(ValueError, match="padding"):
        draw_costs(**{**DEFAULTS, "padding": "full"})


@pytest.mark.parametrize("name", [n for n in RANGES if n not in ("measure", "padding")])
def test_measuring_at_both_ends_of_every_slider(name):
    for value in (RANGES[name][0], RANGES[name][-1]):
        text = _draw_or_message(**{**DEFAULTS, name: value, "measure": True})
        if text is not None:
            assert "Measured (median)" in text or "not timed" in text


def test_measuring_a_small_layer_times_every_algorithm():
    text = _draw_or_message(
        batch=1, channels=2, kernels=2, size=6, kernel_size=3, padding="same", measure=True
    )
    measured = text.splitlines()[3]
    assert all(name in measured for name in ("loop", "im2col", "winograd", "fft"))


def test_a_huge_layer_is_not_timed():
    text = draw_costs(
        batch=16, channels=64, kernels=64, size=64, kernel_size=9, padding="same", measure=True
    )[1]
    assert "loop not timed" in text and "im2col not timed" in text


def test_explorer_moves_and_says_why_when_impossible():
    explorer = cost_explorer()
    explorer.set(kernel_size=9, padding="valid", size=4)
    assert "does not fit" in explorer.last_message
    explorer.set(size=20)
    assert explorer.last_message == "" and "9x9" not in explorer.last_result[1].splitlines()[1]
    assert "Winograd F(2x2, 3x3) needs 3x3 kernels" in explorer.last_result[1]


# ------------------------------------------------------------------------ exercises

ODD_ANSWERS = [None, "abc", "", [], [1, 2, 3], {"a": 1}, 1.5, -3, True, np.zeros((2, 2)), print]


@pytest.mark.parametrize(
    "check",
    [check_winograd_multiplications, check_im2col_shape, check_im2col_bytes, check_winograd_tiles],
)
def test_no_answer_ends_in_a_traceback(check):
    for answer in ODD_ANSWERS:
        feedback = check(answer)
        assert not feedback and feedback.message


def test_right_answers_in_several_spellings():
    assert check_winograd_multiplications(32768)
    assert check_winograd_multiplications(np.int64(32768)) and check_winograd_multiplications(
        32768.0
    )
    assert check_im2col_shape((2048, 75)) and check_im2col_shape([2048, 75])
    assert check_im2col_shape(np.array([2048, 75]))
    assert check_im2col_bytes(614400) and check_im2col_bytes(2048 * 75 * 4)
    assert check_winograd_tiles(20) and check_winograd_tiles([20])


def test_right_answers_agree_with_cnnkit_itself():
    # 10.1: the count function for the question's layer, without the kernel transform
    layer = LayerShape(1, 8, 4, 16, 16, 3, 1)
    assert check_winograd_multiplications(count_multiplications(layer)["winograd"] - 4 * 8 * 144)
    # 10.2/10.3: the rows conv2d_im2col builds for these shapes
    x = np.zeros((2, 3, 32, 32), np.float32)
    oh = cnnkit.conv_output_size(32, 5, 1, 2)
    rows = window_view(pad_input(x, ((2, 2), (2, 2))), (5, 5), (1, 1), (1, 1), (oh, oh))
    rows = rows.transpose(0, 2, 3, 1, 4, 5).reshape(2 * oh * oh, -1)
    assert check_im2col_shape(rows.shape) and check_im2col_bytes(rows.nbytes)


WRONG = [  # (check, a learner's answer, words the diagnosis must contain)
    (check_winograd_multiplications, 73728, "direct method"),
    (check_winograd_multiplications, 37376, "kernel transforms"),
    (check_winograd_multiplications, 131072, "one tile per output"),
    (check_winograd_multiplications, 1024, "channels and the kernels"),
    (check_winograd_multiplications, 8192, "channels and the kernels"),
    (check_winograd_multiplications, 4096, "channels and the kernels"),
    (check_winograd_multiplications, 32769, "count the tiles"),
    (check_winograd_multiplications, "32768", "without quotes"),
    (check_im2col_shape, (75, 2048), "transpose"),
    (check_im2col_shape, (2048, 25), "every input channel"),
    (check_im2col_shape, (2048, 1200), "ONE window"),
    (check_im2col_shape, (1568, 75), "without the padding"),
    (check_im2col_shape, (1024, 75), "EVERY image"),
    (check_im2col_shape, (32768, 75), "rows count windows"),
    (check_im2col_shape, (2, 3, 32, 32), "2-D"),
    (check_im2col_shape, (100, 100), "one row per output node"),
    (check_im2col_bytes, 153600, "4 bytes"),
    (check_im2col_bytes, 1228800, "float64"),
    (check_im2col_bytes, 24576, "input's size"),
    (check_im2col_bytes, 6144, "input's size"),
    (check_im2col_bytes, 1000, "multiply"),
    (check_winograd_tiles, 15, "rounded down"),
    (check_winograd_tiles, 70, "one tile per output"),
    (check_winograd_tiles, 18, "round each side up"),
    (check_winograd_tiles, 3, "count the tiles"),
]


@pytest.mark.parametrize("check, answer, words", WRONG)
def test_wrong_answers_get_their_diagnosis(check, answer, words):
    feedback = check(answer)
    assert not feedback
    assert words in feedback.message, feedback.message


def test_solutions_are_registered_and_name_the_answer():
    for name, right in (
        ("10.1", "32,768"),
        ("10.2", "(2048, 75)"),
        ("10.3", "614,400"),
        ("10.4", "= 20"),
    ):
        assert right in EXERCISES[name].solution, (name, EXERCISES[name].solution)


# ------------------------------------------------------ review fixes: bytes, percent, figures


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fft_memory_is_the_bytes_of_the_arrays_numpy_returns(dtype):
    layer = LayerShape(2, 3, 4, 7, 9, 3, 1)
    xp = np.zeros((2, 3, 9, 11), dtype)
    kernels = np.zeros((4, 3, 3, 3), dtype)
    spectrum_x = np.fft.rfft2(xp)
    spectrum_w = np.fft.rfft2(kernels, s=(9, 11))
    product = np.zeros((2, 4, *spectrum_x.shape[-2:]), spectrum_x.dtype)
    inverse = np.fft.irfft2(product, s=(9, 11))
    by_hand = spectrum_x.nbytes + spectrum_w.nbytes + product.nbytes + inverse.nbytes
    assert memory_bytes(layer, itemsize=np.dtype(dtype).itemsize)["fft"] == by_hand
    assert fc.fft_itemsizes(dtype) == (spectrum_x.itemsize, inverse.itemsize)


@pytest.mark.parametrize(
    "ratio, text",
    [(0.0006, "0.06%"), (0.021, "2.1%"), (0.2071, "21%"), (1.54, "154%"), (0, "0%")],
)
def test_percent_keeps_two_significant_digits(ratio, text):
    from cnnkit.viz.fast_convolution import percent

    assert percent(ratio) == text


def test_peak_statistic_is_median_or_fastest():
    fast = peak_matmul_gflops(size=32, repeats=3, budget=0.02, statistic="fastest")
    assert fast > 0
    with pytest.raises(ValueError, match="statistic='best'"):
        peak_matmul_gflops(size=32, statistic="best")


def test_plot_gflops_calls_it_a_reference_not_a_peak():
    fig, ax = plt.subplots()
    plot_gflops(ax, {"loop": 0.0006, "im2col": 20.0}, peak=100.0)
    assert "reference" in ax.get_legend().get_texts()[0].get_text()
    assert any("0.0006%" in t.get_text() for t in ax.texts)  # not "0%"


def test_plot_winograd_tiles_marks_padding_and_cropped_outputs():
    fig, ax = plt.subplots()
    plot_winograd_tiles(ax, 7, 7, show=4)
    # the last tile's block covers outputs 6..7 x 6..7; 7 is past a 7x7 output: 3 cropped,
    # each drawn as a cross of two lines
    assert len([line for line in ax.get_lines() if line.get_gid() == "cropped"]) == 3 * 2
    assert "16 tiles (4 down x 4 across)" in ax.get_title()
    grey = [p for p in ax.patches if p.get_gid() is None and not p.get_hatch() and p.get_fill()]
    ring = 9 * 9 - 7 * 7  # a 7x7 image padded by 1 to 9x9
    assert len(grey) - 4 == ring  # minus the 4 shaded output blocks
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("padding" in label for label in labels) and "outputs cropped" in labels
    fig, ax = plt.subplots()
    plot_winograd_tiles(ax, 8, 8, show=16)
    assert not [line for line in ax.get_lines() if line.get_gid() == "cropped"]
