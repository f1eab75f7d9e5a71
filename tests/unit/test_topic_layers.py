"""The network notebook's helpers: layer roles, feature-map mosaics, softmax and loss
figures, the two explorers and the exercises."""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
import cnnkit.exercises as exercises_pkg  # noqa: E402
import cnnkit.viz as viz_pkg  # noqa: E402
import cnnkit.widgets as widgets_pkg  # noqa: E402
from cnnkit import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential  # noqa: E402
from cnnkit.exercises import layers as ex  # noqa: E402
from cnnkit.viz.layers import (  # noqa: E402
    _grid_columns,
    layer_table,
    plot_cross_entropy,
    plot_forward_pass,
    plot_layer_roles,
    plot_map_mosaic,
    plot_scores_and_probabilities,
    short_name,
    tile_maps,
)
from cnnkit.widgets.layers import (  # noqa: E402
    forward_pass_view,
    layers_explorer,
    pick_example,
    softmax_explorer,
    softmax_summary,
    softmax_view,
    trace_digit,
)

IMAGES, LABELS = cnnkit.load_digits()
MODEL = cnnkit.digits_cnn(seed=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "pkg, module",
    [
        (viz_pkg, viz_pkg.layers),
        (widgets_pkg, widgets_pkg.layers),
        (exercises_pkg, exercises_pkg.layers),
    ],
)
def test_exports_reach_the_package_unshadowed(pkg, module):
    for name in module.__all__:
        assert getattr(pkg, name) is getattr(module, name), name


# --- layer table and roles ------------------------------------------------------------------


def _params_from_shapes(layer) -> int:
    if isinstance(layer, Conv2D):
        f, c, kh, kw = layer.params["weight"].shape
        return f * c * kh * kw + f
    if isinstance(layer, Dense):
        return layer.out_features * layer.in_features + layer.out_features
    return 0


def test_layer_table_of_the_digits_cnn():
    rows = layer_table(MODEL, (1, 8, 8))
    assert len(rows) == len(MODEL.layers) + 1
    # the input is data, not neurons: no nodes and no parameters
    assert rows[0].role == "input" and rows[0].params == 0 and rows[0].nodes == 0
    assert rows[-1].role == "output"
    for row, layer in zip(rows[1:-1], MODEL.layers[:-1]):
        expected = _params_from_shapes(layer)
        assert row.params == expected
        assert row.role == ("hidden, learns" if expected else "hidden, no parameters")
    shape = (1, 8, 8)
    for row, layer in zip(rows[1:], MODEL.layers):
        shape = layer.output_shape(shape)
        # a node is a neuron computing a weighted sum plus a bias: Conv2D and Dense only
        neurons = math.prod(shape) if isinstance(layer, (Conv2D, Dense)) else 0
        assert row.output_shape == shape and row.nodes == neurons
    learners = [r.index for r in rows if r.role == "hidden, learns"]
    assert learners == [i for i, layer in enumerate(MODEL.layers[:-1]) if isinstance(layer, Conv2D)]


def test_short_names():
    assert short_name(Conv2D(1, 2, (3, 5))) == "Conv2D 3x5"
    assert short_name(Dense(7, 2)) == "Dense 7->2"
    assert short_name(MaxPool2D(2)) == "MaxPool2D 2x2"
    assert short_name(ReLU()) == "ReLU"


@pytest.mark.parametrize("k", range(1, 70))
def test_grid_columns_fit_every_map(k):
    cols = _grid_columns(k)
    assert 1 <= cols <= k
    assert cols * math.ceil(k / cols) >= k
    if k in (16, 32, 64):
        assert k % cols == 0


@pytest.mark.parametrize(
    "k, h, w, ncols, pad",
    [
        (16, 8, 8, None, 1),
        (32, 4, 4, None, 1),
        (5, 3, 2, 2, 2),
        (1, 4, 4, None, 1),
        (3, 2, 2, 10, 0),
    ],
)
def test_tile_maps_places_every_map(k, h, w, ncols, pad):
    maps = np.arange(k * h * w, dtype=float).reshape(k, h, w)
    mosaic = tile_maps(maps, ncols, pad)
    cols = _grid_columns(k) if ncols is None else min(ncols, k)
    rows = math.ceil(k / cols)
    assert mosaic.shape == (rows * (h + pad) - pad, cols * (w + pad) - pad)
    for i in range(k):
        r, c = divmod(i, cols)
        top, left = r * (h + pad), c * (w + pad)
        assert np.array_equal(mosaic[top : top + h, left : left + w], maps[i])
    assert np.isnan(mosaic).sum() == mosaic.size - k * h * w


def test_tile_maps_rejects_a_single_map():
    with pytest.raises(ValueError, match=r"\(K, H, W\)"):
        tile_maps(np.zeros((8, 8)))


def test_mosaic_is_symmetric_and_survives_zeros():
    fig, ax = plt.subplots()
    plot_map_mosaic(ax, np.zeros((4, 3, 3)), "zeros")
    low, high = ax.images[0].get_clim()
    assert low == -high and high > 0
    fig, ax = plt.subplots()
    plot_map_mosaic(ax, np.array([[[-1.0, 3.0]]]))
    assert ax.images[0].get_clim() == (-3.0, 3.0)


def test_mosaic_gaps_do_not_look_like_zeros():
    """The lines between maps must be told apart from a zero value (drawn white)."""
    fig, ax = plt.subplots()
    plot_map_mosaic(ax, np.zeros((4, 3, 3)))
    rgba = ax.images[0].to_rgba(ax.images[0].get_array(), bytes=True)
    gap, zero = rgba[3, 0, :3].astype(int), rgba[0, 0, :3].astype(int)  # row 3 is a gap
    assert np.abs(gap - zero).max() > 40
    plt.close(fig)


def test_scores_figure_says_which_class_is_outlined():
    fig = plot_scores_and_probabilities([1.0, 0.0, -1.0], true_class=2)
    assert all("right class 2 outlined" in ax.get_xlabel() for ax in fig.axes)
    plt.close(fig)
    fig = plot_scores_and_probabilities([1.0, 0.0, -1.0])
    assert all(ax.get_xlabel() == "class" for ax in fig.axes)
    plt.close(fig)


def test_layer_roles_figure_names_every_layer():
    fig = plot_layer_roles(MODEL, (1, 8, 8))
    texts = [t.get_text() for t in fig.axes[0].texts]
    total = sum(_params_from_shapes(layer) for layer in MODEL.layers)
    boxes = [t.splitlines() for t in texts if t.endswith("params")]
    params = [int(lines[-1].split()[0].replace(",", "")) for lines in boxes]
    assert len(params) == len(MODEL.layers) + 1 and sum(params) == total
    # nodes only where a layer computes weighted sums (Conv2D, Dense); none for the input
    nodes = [lines[0] for lines in boxes]
    assert nodes[0] == "no nodes"
    for layer, text in zip(MODEL.layers, nodes[1:]):
        assert (text != "no nodes") == isinstance(layer, (Conv2D, Dense)), (layer, text)


# --- softmax and cross-entropy --------------------------------------------------------------


def _softmax(scores):
    e = np.exp(np.asarray(scores, dtype=float))
    return e / e.sum()


def test_scores_and_probabilities_figure():
    scores = [2.0, -1.0, 0.5]
    fig = plot_scores_and_probabilities(scores, true_class=2)
    ax_s, ax_p = fig.axes
    assert [p.get_height() for p in ax_s.patches] == scores
    assert np.allclose([p.get_height() for p in ax_p.patches], _softmax(scores))
    assert ax_p.patches[2].get_linewidth() > 0 and ax_p.patches[2].get_edgecolor()[3] == 1.0


def test_cross_entropy_figure_marks_the_cases():
    fig, ax = plt.subplots()
    plot_cross_entropy(ax, [("a", 0.9), ("b", 0.02)])
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [
        f"a: p = 0.900, loss = {-np.log(0.9):.2f}",
        f"b: p = 0.020, loss = {-np.log(0.02):.2f}",
    ]
    low, high = ax.get_ylim()
    assert low == 0 and high > -np.log(0.02)  # every marked point is inside the plot


# The softmax explorer: 4 sliders over -5 .. 5 (step 0.5) and 4 choices of the right class.
SLIDER = np.arange(-5.0, 5.01, 0.5)


def test_softmax_summary_over_a_dense_grid_of_the_sliders():
    grid = [-5.0, -2.5, 0.0, 0.5, 2.5, 5.0]
    for scores in itertools.product(grid, repeat=4):
        for k in range(4):
            probs, loss, text = softmax_summary(scores, k)
            expected = _softmax(scores)
            assert np.allclose(probs, expected)
            assert math.isclose(loss, -math.log(expected[k]), rel_tol=1e-9)
            assert f"right class {k} gets p = {expected[k]:.3f}" in text


@pytest.mark.parametrize("value", SLIDER)
def test_softmax_summary_over_every_slider_position(value):
    for k in range(4):
        probs, loss, _ = softmax_summary([value, 0.0, -value, 5.0], k)
        assert np.isclose(probs.sum(), 1.0) and loss >= 0.0


def test_softmax_view_figures_at_the_extremes():
    for scores in itertools.product([-5.0, 5.0], repeat=4):
        k = int(np.argmin(scores))
        fig, text = softmax_view(scores, k)
        assert len(fig.axes) == 2 and "loss is -ln p" in text
        plt.close(fig)


@pytest.mark.parametrize("k", [-1, 4])
def test_softmax_summary_rejects_a_class_that_does_not_exist(k):
    with pytest.raises(ValueError, match="true_class"):
        softmax_summary([1.0, 2.0, 3.0, 4.0], k)


def test_softmax_explorer_follows_its_controls():
    explorer = softmax_explorer()
    assert set(explorer.controls) == {"s0", "s1", "s2", "s3", "true_class"}
    for name in ("s0", "s1", "s2", "s3"):
        control = explorer.controls[name]
        assert np.allclose(np.arange(control.min, control.max + 1e-9, control.step), SLIDER)
    fig, text = explorer.set(s0=5.0, s1=-5.0, true_class=1)
    scores = [5.0, -5.0, explorer.controls["s2"].value, explorer.controls["s3"].value]
    assert f"-ln p = {-np.log(_softmax(scores)[1]):.3f}" in text
    assert explorer.last_message == ""


# --- the layers explorer --------------------------------------------------------------------


def test_pick_example_covers_every_digit_and_example():
    for digit in range(10):
        members = np.flatnonzero(LABELS == digit)
        for example, index in enumerate(members):
            assert pick_example(LABELS, digit, example) == index
        with pytest.raises(ValueError, match="only"):
            pick_example(LABELS, digit, len(members))
        with pytest.raises(ValueError):
            pick_example(LABELS, digit, -1)
    with pytest.raises(ValueError, match="does not occur"):
        pick_example(LABELS, 11, 0)


def test_trace_digit_over_the_whole_range_of_the_controls():
    explorer_max = min(int((LABELS == d).sum()) for d in range(10)) - 1
    examples = sorted(set(range(0, explorer_max + 1, 29)) | {explorer_max})
    for digit in range(10):
        for example in examples:
            trace = trace_digit(MODEL, IMAGES, LABELS, digit, example)
            assert trace.label == digit == LABELS[trace.index]
            assert np.array_equal(trace.outputs[0], IMAGES[trace.index])
            assert len(trace.outputs) == len(MODEL.layers) + 1
            assert np.isclose(trace.probabilities.sum(), 1.0)
            assert trace.predicted == int(np.argmax(MODEL.forward(IMAGES[trace.index][None])))
            assert trace.caption().startswith(f"image #{trace.index} (label {digit}):")


def test_layers_explorer_every_slider_position_is_valid():
    explorer = layers_explorer(MODEL, IMAGES, LABELS, note="(test)")
    digit, example = explorer.controls["digit"], explorer.controls["example"]
    assert list(digit.options) == list(range(10))
    for d in digit.options:
        pick_example(LABELS, d, example.max)  # the last slider position exists for every digit
    fig, caption = explorer.set(digit=9, example=example.max)
    assert explorer.last_message == ""
    assert caption == trace_digit(MODEL, IMAGES, LABELS, 9, example.max).caption()
    assert "(test)" in fig._suptitle.get_text()


@pytest.mark.parametrize("digit", range(10))
def test_forward_pass_view_draws_every_layer(digit):
    last = int((LABELS == digit).sum()) - 1
    for example in (0, last):
        fig, caption = forward_pass_view(MODEL, IMAGES, LABELS, digit, example)
        titles = [ax.get_title() for ax in fig.axes]
        shapes = [o.shape for o in MODEL.forward_all(IMAGES[:1])[:-1]]
        # one panel per image-shaped output (the input too), one strip per vector, the bars
        panels = sum(len(s) == 4 for s in shapes) + sum(len(s) == 2 for s in shapes) + 1
        drawn = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert len(drawn) == panels
        # every signed panel (feature maps and vectors) has a labelled colour bar
        bars_ = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        assert len(bars_) == panels - 2 and all(ax.get_ylabel() for ax in bars_)
        assert titles[0] == "input\n1x8x8"
        first = MODEL.layers[0]
        assert titles[1].startswith(f"0: {short_name(first)}\n{first.out_channels} maps")
        bars = [p.get_height() for p in fig.axes[-1].patches]
        trace = trace_digit(MODEL, IMAGES, LABELS, digit, example)
        assert np.allclose(bars, trace.probabilities)
        plt.close(fig)


def test_plot_forward_pass_works_for_another_model():
    model = Sequential(Conv2D(1, 3, 3, rng=1), ReLU(), Flatten(), Dense(3 * 6 * 6, 4, rng=2))
    fig = plot_forward_pass(model, IMAGES[0], label=2, per_row=2)
    drawn = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(drawn) == 5  # input, conv, relu, flatten vector, probabilities
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        plot_forward_pass(model, IMAGES[:1])


# --- exercises ------------------------------------------------------------------------------


def test_exercise_conv_layer_params():
    assert ex.check_conv_layer_params(8 * 3 * 5 * 5 + 8)
    assert "bias" in ex.check_conv_layer_params(8 * 3 * 5 * 5).message
    assert "3 input channels" in ex.check_conv_layer_params(8 * 5 * 5 + 8).message
    assert not ex.check_conv_layer_params(7)


def test_exercise_layers_without_params():
    right = [
        i
        for i, layer in enumerate(cnnkit.digits_cnn().layers)
        if not isinstance(layer, (Conv2D, Dense))
    ]
    assert ex.check_layers_without_params(right)
    assert ex.check_layers_without_params(tuple(reversed(right)))
    assert "does have weights" in ex.check_layers_without_params([0, *right]).message
    assert "you found" in ex.check_layers_without_params(right[:2]).message
    assert not ex.check_layers_without_params(3)
    assert not ex.check_layers_without_params("ReLU")


def test_exercise_feature_map_nodes():
    side = 28 - 5 + 1
    assert ex.check_feature_map_nodes(6 * side * side)
    assert "padding" in ex.check_feature_map_nodes(6 * 28 * 28).message
    assert "one feature map" in ex.check_feature_map_nodes(side * side).message


def test_exercise_softmax_probability():
    p = math.exp(2.0) / (math.exp(2.0) + math.exp(1.0) + math.exp(0.1))
    assert ex.check_softmax_probability(round(p, 2))
    assert ex.check_softmax_probability(p)
    assert "np.exp" in ex.check_softmax_probability(2.0 / 3.1).message
    assert "between 0 and 1" in ex.check_softmax_probability(1.5).message
    assert not ex.check_softmax_probability(0.5)


def test_exercise_cross_entropy():
    assert ex.check_cross_entropy(math.log(4.0))
    assert ex.check_cross_entropy(1.386)
    assert "sign" in ex.check_cross_entropy(-math.log(4.0)).message
    assert "natural" in ex.check_cross_entropy(math.log10(4.0)).message
    assert "replace None" in ex.check_cross_entropy(None).message


def test_solutions_run_and_pass():
    checks = {
        "01.1": ex.check_conv_layer_params,
        "01.2": ex.check_layers_without_params,
        "01.3": ex.check_feature_map_nodes,
        "01.4": ex.check_softmax_probability,
        "01.5": ex.check_cross_entropy,
    }
    for name, check in checks.items():
        scope = {"np": np, "cnnkit": cnnkit}
        exec(exercises_pkg.EXERCISES[name].solution, scope)
        assert check(scope["answer"]), name
