"""Notebook 03's helpers: window layouts, the explorers' drawings, and the exercises.

The explorer's controls are small, so the pure functions are checked over every
combination of them; figures (slower) over a grid that reaches every value of every control.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnkit import (  # noqa: E402
    conv2d,
    conv2d_backward,
    conv_output_size,
    explain_output_size,
    sample_image,  # noqa: E402
)
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises.stride_padding_output_size import (  # noqa: E402
    DROPPED_QUESTION,
    KEEP_SIZE_QUESTION,
    OUTPUT_SIZE_QUESTION,
    SHAPE_QUESTION,
    check_conv_output_shape,
    check_dropped_pixels,
    check_keep_size_padding,
    check_stride_output_size,
)
from cnnkit.shapes import same_padding, uncovered_pixels, window_starts  # noqa: E402
from cnnkit.viz.stride_padding_output_size import (  # noqa: E402
    axis_layout,
    plot_output_staircase,
    plot_photo_stride,
    plot_windows_1d,
    plot_windows_2d,
)
from cnnkit.widgets import Explorer  # noqa: E402
from cnnkit.widgets.stride_padding_output_size import (  # noqa: E402
    draw_output_size,
    draw_photo_stride,
    output_size_explorer,
    output_size_report,
    padding_argument,
    photo_stride_explorer,
    strided_feature_map,
)

# The ranges of the output-size explorer's sliders (kept in step with the widget below).
NS, KS, SS, PS, DS = range(1, 17), range(1, 10), range(1, 7), range(0, 5), range(1, 4)
ALL = list(itertools.product(NS, KS, SS, PS, DS))


def direct_starts(n, k, s, before, after, d):
    """Every start that leaves room for the whole dilated kernel, counted one by one."""
    padded, span = n + before + after, d * (k - 1) + 1
    return [start for start in range(padded) if start % s == 0 and start + span <= padded]


def fits(n, k, p, d):
    return d * (k - 1) + 1 <= n + 2 * p


@pytest.fixture(autouse=True)
def no_figures_left_open():
    before = set(plt.get_fignums())
    yield
    leaked = set(plt.get_fignums()) - before
    plt.close("all")
    assert not leaked, f"figures left open: {leaked}"


def test_explorer_slider_ranges_are_the_ones_tested():
    explorer = output_size_explorer()
    for name, values in [
        ("n", NS),
        ("kernel_size", KS),
        ("stride", SS),
        ("padding", PS),
        ("dilation", DS),
    ]:
        control = explorer.controls[name]
        assert (control.min, control.max) == (values[0], values[-1]), name
    assert [v for _, v in explorer.controls["mode"].options] == ["number", "valid", "same"]


# ---------------------------------------------------------------------- axis_layout


def test_axis_layout_agrees_with_shapes_and_a_direct_count_everywhere():
    for n, k, s, p, d in ALL:
        if not fits(n, k, p, d):
            with pytest.raises(ValueError, match="larger than the padded input"):
                axis_layout(n, k, s, p, d)
            continue
        layout = axis_layout(n, k, s, p, d)
        starts = direct_starts(n, k, s, p, p, d)
        assert list(layout.starts) == starts == window_starts(n, k, s, p, d)
        assert layout.out == conv_output_size(n, k, s, p, d)
        assert layout.dropped_tail == uncovered_pixels(n, k, s, p, d)
        assert layout.padded == n + 2 * p and layout.span == d * (k - 1) + 1
        read = {start + j * d for start in starts for j in range(k)}
        assert layout.reached == tuple(c in read for c in range(n + 2 * p))
        assert layout.unreached_pixels == tuple(i for i in range(n) if i + p not in read)


def test_unread_pixels_are_exactly_those_with_no_gradient():
    # An independent witness: the gradient of sum(conv) reaches exactly the pixels read.
    for n, k, s, p, d in ALL[::3]:
        if not fits(n, k, p, d):
            continue
        layout = axis_layout(n, k, s, p, d)
        x, w = np.ones((1, 1, 1, n)), np.ones((1, 1, 1, k))
        out = conv2d(x, w, stride=(1, s), padding=(0, p), dilation=(1, d))
        assert out.shape[-1] == layout.out
        dx, _, _ = conv2d_backward(
            np.ones_like(out), x, w, stride=(1, s), padding=(0, p), dilation=(1, d)
        )
        assert tuple(np.flatnonzero(dx[0, 0, 0] == 0)) == layout.unreached_pixels


def test_axis_layout_same_and_valid_and_uneven_padding():
    for n, k, d in itertools.product(NS, KS, DS):
        before, after = same_padding(k, d)
        same = axis_layout(n, k, 1, "same", d)
        assert (same.pad_before, same.pad_after) == (before, after)
        assert same.out == n and after - before in (0, 1)
        if d == 1:
            assert not same.unreached_pixels  # without gaps, stride 1 reads every pixel
        if fits(n, k, 0, d):
            assert axis_layout(n, k, 1, "valid", d).starts == axis_layout(n, k, 1, 0, d).starts
    layout = axis_layout(128, 11, 2, (0, 1))
    assert layout.out == 60 and layout.dropped_tail == 0
    assert axis_layout(8, 4, 1, "same").starts == tuple(direct_starts(8, 4, 1, 1, 2, 1))


def test_axis_layout_rejects_bad_input_with_named_arguments():
    with pytest.raises(ValueError, match="stride=1"):
        axis_layout(8, 3, 2, "same")
    with pytest.raises(ValueError, match="padding"):
        axis_layout(8, 3, 1, -1)
    with pytest.raises(ValueError, match="padding"):
        axis_layout(8, 3, 1, (1, 2, 3))
    with pytest.raises(TypeError, match="kernel_size"):
        axis_layout(8, 2.5)
    with pytest.raises(ValueError, match="stride"):
        axis_layout(8, 3, 0)


def test_axis_layout_matches_pytorch_output_sizes():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for n, k, s, p, d in ALL[::7]:
        if not fits(n, k, p, d):
            continue
        y = F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
        assert y.shape[-1] == axis_layout(n, k, s, p, d).out


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_pytorch_same_padding_puts_the_extra_zero_after():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    gen = torch.Generator().manual_seed(0)
    for k, d in itertools.product(KS, DS):
        n = 12 + d * k
        x = torch.randn(1, 1, n, generator=gen, dtype=torch.float64)
        w = torch.randn(1, 1, k, generator=gen, dtype=torch.float64)
        layout = axis_layout(n, k, 1, "same", d)
        by_hand = F.conv1d(F.pad(x, (layout.pad_before, layout.pad_after)), w, dilation=d)
        assert torch.allclose(F.conv1d(x, w, padding="same", dilation=d), by_hand)


# ---------------------------------------------------------------------- explorer 1


def test_report_over_every_control_position():
    for (n, k, s, p, d), mode in itertools.product(ALL, ["number", "valid", "same"]):
        pad = padding_argument(p, mode)
        try:
            text = output_size_report(n, k, s, pad, d)
        except ValueError as exc:  # only an impossible combination may fail
            message = str(exc)
            assert "larger than the padded input" in message or (
                mode == "same" and s > 1 and "stride=1" in message
            ), message
            continue
        assert text.startswith(explain_output_size(n, k, s, pad, d))
        layout = axis_layout(n, k, s, pad, d)
        reached = n - len(layout.unreached_pixels)
        assert text.splitlines()[-1] == (
            f"in 2-D ({n}x{n} input): {layout.out}x{layout.out} outputs; "
            f"{n * n - reached * reached} of the {n * n} pixels are read by no window"
        )
        if layout.unreached_pixels:
            assert f"no window reads (red): {len(layout.unreached_pixels)} " in text
        else:
            assert "every input pixel is read" in text


def test_report_two_d_count_matches_a_real_2d_gradient():
    for n, k, s, p, d in [
        (10, 3, 3, 0, 1),
        (10, 2, 3, 0, 1),
        (12, 3, 2, 0, 2),
        (7, 3, 2, 1, 1),
        (16, 4, 5, 2, 3),
        (5, 5, 1, 0, 1),
    ]:
        x, w = np.ones((n, n)), np.ones((k, k))
        out = conv2d(x, w, stride=s, padding=p, dilation=d)
        dx, _, _ = conv2d_backward(np.ones_like(out), x, w, stride=s, padding=p, dilation=d)
        unread = int((dx == 0).sum())
        assert output_size_report(n, k, s, p, d).endswith(
            f"{unread} of the {n * n} pixels are read by no window"
        )


def test_report_explains_pixels_skipped_between_windows():
    stride_report = output_size_report(10, 2, 3)
    dilation_report = output_size_report(12, 3, 2, 0, 2)
    assert "2 of them are not at the end of the row: they lie between windows" in stride_report
    assert "gaps between the dilated kernel's taps" in dilation_report
    assert "between windows" not in dilation_report
    # the extra line only follows a "note:" line explaining the same pixels
    for report in (stride_report, dilation_report):
        lines = report.splitlines()
        extra = next(i for i, line in enumerate(lines) if "not at the end of the row" in line)
        assert any(line.startswith("note:") for line in lines[:extra])
    assert "not at the end of the row" not in output_size_report(10, 3, 3)


def _grid():
    """Every value of every control (the others at a default where everything fits), some
    mixed combinations, and the extremes."""
    default = (10, 3, 3, 1, 1)
    combos = set()
    for axis, values in enumerate([NS, KS, SS, PS, DS]):
        for value in values:
            combo = list(default)
            combo[axis] = value
            combos.add(tuple(combo))
    combos |= {
        (NS[i], KS[(2 * i) % 9], SS[(5 * i) % 6], PS[(3 * i) % 5], DS[i % 3])
        for i in range(0, 16, 2)
    }
    combos |= {
        (16, 1, 1, 4, 1),
        (16, 9, 1, 4, 3),
        (1, 1, 6, 0, 3),
        (1, 1, 1, 4, 1),
        (16, 2, 1, 4, 1),
    }
    return sorted(combos)


@pytest.mark.parametrize("view", ["1-D", "2-D"])
def test_draw_output_size_makes_a_figure_or_a_friendly_error(view):
    grid = _grid()
    cases = [(combo, "number") for combo in grid] + [
        (combo, mode) for combo in grid[::5] for mode in ("valid", "same")
    ]
    for (n, k, s, p, d), mode in cases:
        open_before = set(plt.get_fignums())
        try:
            fig, text = draw_output_size(n, k, s, p, d, mode, view)
        except ValueError:
            assert set(plt.get_fignums()) == open_before  # nothing drawn, nothing leaked
            continue
        assert isinstance(fig, plt.Figure) and text == output_size_report(
            n, k, s, padding_argument(p, mode), d
        )
        plt.close(fig)  # draw_output_size already laid it out (tight_layout draws it)


def test_draw_output_size_rejects_unknown_view_and_mode():
    with pytest.raises(ValueError, match="view"):
        draw_output_size(5, 3, 1, 0, 1, "number", "3-D")
    with pytest.raises(ValueError, match="mode"):
        draw_output_size(5, 3, 1, 0, 1, "full", "1-D")


def test_output_size_explorer_moves_and_explains():
    explorer = output_size_explorer()
    assert isinstance(explorer, Explorer) and explorer.last_message == ""
    fig, text = explorer.set(n=12, kernel_size=3, stride=2, padding=0, dilation=2)
    assert isinstance(fig, plt.Figure)
    assert f"out = 3 + 1 = {len(direct_starts(12, 3, 2, 0, 0, 2))}" in text.splitlines()
    explorer.set(n=4, kernel_size=7, padding=1, dilation=1)
    assert "larger than the padded input" in explorer.last_message
    explorer.set(kernel_size=3, mode="same", stride=2)
    assert "stride=1" in explorer.last_message
    fig, text = explorer.set(stride=1, view="2-D")
    assert explorer.last_message == "" and "out = 3 + 1 = 4" in text


# ---------------------------------------------------------------------- figures


def test_plot_windows_1d_zoom_and_legend():
    fig, axes = plt.subplots(2, 1)
    layout = plot_windows_1d(axes[0], 128, 11, stride=2, show=(112, 127))
    assert layout.out == 59 and layout.unreached_pixels == (127,)
    assert axes[0].get_xlim()[0] > 100  # zoomed in on the end
    labels = [t.get_text() for t in axes[0].texts]
    assert "127" in labels and "5" not in labels  # only the visible pixels are labelled
    plot_windows_1d(axes[1], 8, 4, padding="same", legend=False, title="t")
    assert axes[1].get_legend() is None and axes[1].get_title() == "t"
    plt.close(fig)


def test_plot_windows_2d_and_staircase():
    fig, axes = plt.subplots(1, 3)
    layout = plot_windows_2d(axes[0], 7, 3, stride=2, padding=1)
    assert layout.out == 4 and "7x7 input -> 4x4 output" in axes[0].get_title()
    assert len(axes[0].collections[-1].get_offsets()) == 16  # one dot per output node
    plot_windows_2d(axes[1], 3, 3, legend=False)  # a single window
    plot_output_staircase(axes[2], 3, 2)
    ys = axes[2].lines[0].get_ydata()  # the unrounded line, for n = 3 .. 18
    assert np.allclose(ys, (np.arange(3, 19) - 3) / 2 + 1)
    plot_output_staircase(axes[2], 5, 3, padding=2, dilation=2, sizes=range(6, 20))
    fig.canvas.draw()
    plt.close(fig)


# ---------------------------------------------------------------------- explorer 2


def test_strided_feature_map_every_slider_position():
    image = sample_image(size=120)
    h, w = image.shape
    for k, s in itertools.product(range(1, 10), range(1, 9)):
        fmap = strided_feature_map(image, k, s)
        assert fmap.shape == (conv_output_size(h, k, s), conv_output_size(w, k, s))
        i, j = fmap.shape[0] - 1, fmap.shape[1] // 2
        assert np.isclose(fmap[i, j], image[i * s : i * s + k, j * s : j * s + k].mean())


@pytest.mark.parametrize("k, s", [(1, 1), (3, 2), (9, 8), (5, 4), (9, 1), (1, 8)])
def test_draw_photo_stride(k, s):
    image = sample_image(size=120)
    fig, text = draw_photo_stride(image, k, s)
    oh, ow = conv_output_size(image.shape[0], k, s), conv_output_size(image.shape[1], k, s)
    assert f"feature map {oh} x {ow} = {oh * ow:,} nodes" in text
    assert f"feature map: {oh} x {ow}" in fig.axes[1].get_title()
    plt.close(fig)


def test_photo_stride_explorer_and_plot():
    explorer = photo_stride_explorer(image=np.linspace(0, 1, 40 * 30).reshape(40, 30))
    fig, text = explorer.set(kernel_size=9, stride=8)
    assert text.startswith("input 40 x 30 = 1,200 pixels -> feature map 4 x 3 = 12 nodes")
    assert explorer.last_message == ""
    fig = plot_photo_stride(np.zeros((6, 5)), np.zeros((2, 2)), 3, 2)
    assert len(fig.axes) == 3
    plt.close(fig)


# ---------------------------------------------------------------------- exercises


def test_exercises_are_registered_with_solutions():
    for name in ["03.1", "03.2", "03.3", "03.4"]:
        assert name in EXERCISES and EXERCISES[name].solution
        assert "replace None" in repr(EXERCISES[name](None))


def test_output_size_exercise():
    q = OUTPUT_SIZE_QUESTION
    right = len(direct_starts(q["n"], q["kernel_size"], q["stride"], q["padding"], q["padding"], 1))
    assert check_stride_output_size(right)
    assert check_stride_output_size(float(right))
    rounded_up = -(-(q["n"] + 2 * q["padding"] - q["kernel_size"]) // q["stride"]) + 1
    assert "rounded the division up" in check_stride_output_size(rounded_up).message
    unpadded = len(direct_starts(q["n"], q["kernel_size"], q["stride"], 0, 0, 1))
    assert "without padding" in check_stride_output_size(unpadded).message
    assert "both sides" in check_stride_output_size(right - 1).message
    assert not check_stride_output_size(right + 40)
    assert not check_stride_output_size("17")
    assert not check_stride_output_size(16.5)


def test_keep_size_exercise():
    n, k = KEEP_SIZE_QUESTION["n"], KEEP_SIZE_QUESTION["kernel_size"]
    keeps = [p for p in range(10) if len(direct_starts(n, k, 1, p, p, 1)) == n]
    assert len(keeps) == 1
    assert check_keep_size_padding(keeps[0])
    assert "EACH side" in check_keep_size_padding(k - 1).message
    assert not check_keep_size_padding(1)
    assert "negative" in check_keep_size_padding(-2).message


def test_dropped_pixels_exercise():
    q = DROPPED_QUESTION
    starts = direct_starts(q["n"], q["kernel_size"], q["stride"], 0, 0, 1)
    dropped = q["n"] - (starts[-1] + q["kernel_size"])
    assert check_dropped_pixels(dropped)
    assert "output size" in check_dropped_pixels(len(starts)).message
    assert not check_dropped_pixels(dropped + 1)
    assert not check_dropped_pixels(None)


def test_output_shape_exercise():
    q = SHAPE_QUESTION
    shape = conv2d(
        np.zeros(q["x_shape"]),
        np.zeros(q["weight_shape"]),
        stride=q["stride"],
        padding=q["padding"],
    ).shape
    assert check_conv_output_shape(shape)
    assert check_conv_output_shape(list(shape))
    n, f, h, w = shape
    assert "batch" in check_conv_output_shape((1, f, h, w)).message
    assert "one per kernel" in check_conv_output_shape((n, 3, h, w)).message
    assert "height and width" in check_conv_output_shape((n, f, h + 1, w)).message
    assert "tuple of four" in check_conv_output_shape((f, h, w)).message
    assert not check_conv_output_shape(("a", f, h, w))
