"""Notebook 06 (pooling and receptive fields): the window walk against the formula and
PyTorch, the figures, the stack explorer over every control position, the network without
pooling, and the exercises with right and wrong answers of many types."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import pooling_and_receptive_fields as ex  # noqa: E402
from cnnkit.viz import pooling_and_receptive_fields as viz  # noqa: E402
from cnnkit.widgets import pooling_and_receptive_fields as wp  # noqa: E402

CHOICES = wp.STACK_CHOICES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ window walk


def _pool_cases():
    for n, k, s, p, ceil in itertools.product(
        range(1, 13), range(1, 6), range(1, 6), range(0, 3), (False, True)
    ):
        if p <= k // 2:
            yield n, k, s, p, ceil


def test_window_walk_agrees_with_pool_output_size():
    checked = 0
    for n, k, s, p, ceil in _pool_cases():
        starts = viz.pool_window_starts(n, k, s, p, ceil)
        try:
            out = cnnkit.pool_output_size(n, k, stride=s, padding=p, ceil_mode=ceil)
        except ValueError:
            out = 0
        assert len(starts) == out, (n, k, s, p, ceil)
        assert starts == [-p + i * s for i in range(out)]
        checked += 1
    assert checked > 1000


def test_window_walk_drop_rule_cases_by_hand():
    assert viz.pool_window_starts(5, 2, 2, 1, True) == [-1, 1, 3]
    assert viz.pool_window_starts(5, 2, 2, 1, True, drop_rule=False) == [-1, 1, 3, 5]
    assert viz.pool_window_starts(7, 2) == [0, 2, 4]
    assert viz.pool_window_starts(7, 2, ceil_mode=True) == [0, 2, 4, 6]
    assert viz.pool_window_starts(8, 2, ceil_mode=True) == [0, 2, 4, 6]  # divides: no extra


def test_window_walk_matches_torch_pooling():
    torch = pytest.importorskip("torch")
    x = torch.zeros(1, 1, 12, dtype=torch.float64)
    for n, k, s, p, ceil in _pool_cases():
        pool = torch.nn.MaxPool1d(k, stride=s, padding=p, ceil_mode=ceil)
        try:
            out = pool(x[..., :n]).shape[-1]
        except RuntimeError:  # torch refuses an empty output
            out = 0
        assert len(viz.pool_window_starts(n, k, s, p, ceil)) == out, (n, k, s, p, ceil)


# ------------------------------------------------------------------ figures


def test_plot_max_vs_avg_panels_share_a_centred_scale():
    fmap = np.random.default_rng(0).normal(size=(8, 8))
    fig = viz.plot_max_vs_avg(fmap, 2, title="t")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3
    assert np.allclose(shown[1].images[0].get_array(), cnnkit.max_pool2d(fmap, 2))
    assert np.allclose(shown[2].images[0].get_array(), cnnkit.avg_pool2d(fmap, 2))
    for ax in shown:
        lo, hi = ax.images[0].get_clim()
        assert lo == -hi == -np.abs(fmap).max()
        assert ax.images[0].get_cmap().name == viz.DIVERGING and ax.get_title()
    assert any(ax.get_ylabel() == "value" for ax in fig.axes)  # the colour bar's label
    viz.plot_max_vs_avg(np.zeros((4, 4)))  # an all-zero map must not fail


def test_plot_pool_backward_draws_the_routes():
    x = np.arange(16.0).reshape(4, 4)
    dout = np.array([[1.0, -2.0], [0.5, 3.0]])
    fig = viz.plot_pool_backward(x, dout, 2)
    grids = [ax for ax in fig.axes if ax.images]
    assert len(grids) == 4
    assert np.array_equal(grids[2].images[0].get_array(), cnnkit.max_pool2d_backward(dout, x, 2))
    assert np.allclose(grids[3].images[0].get_array(), cnnkit.avg_pool2d_backward(dout, x, 2))
    assert any(ax.get_ylabel() == "gradient" for ax in fig.axes)
    viz.plot_pool_backward(np.ones((5, 5)), np.ones((3, 3)), 3, stride=1)


@pytest.mark.parametrize(
    "n,k,s,p,ceil",
    [(5, 2, 2, 1, True), (7, 2, None, 0, False), (7, 2, None, 0, True), (1, 1, 1, 0, False)],
)
def test_plot_pool_windows_marks_kept_and_dropped(n, k, s, p, ceil):
    fig = viz.plot_pool_windows(n, k, s, p, ceil)
    texts = [t.get_text() for t in fig.axes[0].texts]
    kept = cnnkit.pool_output_size(n, k, stride=s, padding=p, ceil_mode=ceil)
    assert sum(t.startswith("window") for t in texts) == kept
    assert sum(t.startswith("dropped") for t in texts) == (1 if (n, p, ceil) == (5, 1, True) else 0)
    assert f"{kept} windows" in fig.axes[0].get_title()


def test_plot_shift_test_bars():
    fig = viz.plot_shift_test(["a", "b"], [0.9, 0.5], [0.98, 0.97], [0.8, 0.4])
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert sorted(round(p.get_height(), 6) for p in ax.patches) == sorted(
        [90.0, 50.0, 98.0, 97.0, 80.0, 40.0]
    )
    assert ax.get_ylabel() and ax.get_title()


def test_plot_receptive_field_growth_one_panel_per_window():
    windows = [cnnkit.receptive_field(1, 1, [(3,)] * i) for i in (1, 2, 3)]
    fig = viz.plot_receptive_field_growth(["a", "b", "c"], windows, (8, 8))
    assert len(fig.axes) == 3
    assert "sees 7x7" in fig.axes[2].get_title()
    with pytest.raises(ValueError):
        viz.plot_receptive_field_growth([], [], (8, 8))


# ------------------------------------------------------------------ stack explorer


def _side(n: int, k: int) -> int:
    return n - k + 1


def test_stack_rows_by_independent_arithmetic():
    rows = wp.stack_rows(16, 3, 3)
    assert [r.size for r in rows] == [14, 12, 10]
    assert [r.field for r in rows] == [3, 5, 7]
    assert [r.params for r in rows] == [3 * 3 * 1 * 8 + 8, 3 * 3 * 8 * 8 + 8, 3 * 3 * 8 * 8 + 8]
    rows = wp.stack_rows(32, 2, 3, pool=True)
    assert [r.size for r in rows] == [30, 15, 13, 6]
    assert [r.field for r in rows] == [3, 4, 8, 10]
    assert rows[1].params == 0


def test_draw_stack_over_every_control_combination():
    # Every position of every control, one combination at a time for the shape controls and
    # every node position for each: the draw either returns a figure and a table, or raises
    # ValueError with a message (shown as a friendly note), never anything else.
    drawn = refused = 0
    for size, layers, k, s, pool in itertools.product(
        CHOICES["input_size"],
        CHOICES["n_layers"],
        CHOICES["kernel_size"],
        CHOICES["stride"],
        CHOICES["pool"],
    ):
        try:
            rows = wp.stack_rows(size, layers, k, s, pool)
        except ValueError as exc:
            assert "use fewer layers" in str(exc)
            with pytest.raises(ValueError):
                wp.draw_stack(size, layers, k, s, pool, 0, 0)
            refused += 1
            continue
        last = rows[-1].size
        for node in (0, last - 1, last, CHOICES["node_row"][-1]):
            if node < last:
                fig, table = wp.draw_stack(size, layers, k, s, pool, node, node)
                assert isinstance(fig, plt.Figure) and "total parameters" in table
                plt.close(fig)
                drawn += 1
            else:
                with pytest.raises(ValueError, match="does not exist"):
                    wp.draw_stack(size, layers, k, s, pool, node, 0)
    assert drawn and refused


def test_node_sliders_sweep_their_whole_range():
    for node in CHOICES["node_row"]:
        for kwargs in (dict(node_row=node), dict(node_col=node)):
            try:
                fig, _ = wp.draw_stack(32, 1, 1, 1, False, **kwargs)
                plt.close(fig)
            except ValueError as exc:  # only a node outside the 32x32 map could be refused
                pytest.fail(f"node {node} refused: {exc}")


def test_stack_explorer_widget_moves_and_messages():
    e = wp.stack_explorer()
    assert "cnnkit-explorer" in e._dom_classes
    assert set(e.controls) == set(CHOICES)
    fig, table = e.set(n_layers=1, kernel_size=7)
    assert "sees 7x7" in table and e.last_message == ""
    e.set(input_size=8, n_layers=4, kernel_size=3, pool=True)
    assert "use fewer layers" in e.last_message
    e.set(n_layers=1, pool=False, node_row=31)
    assert "does not exist" in e.last_message
    for _name, control in e.controls.items():  # every control from code, over its range
        values = (
            getattr(control, "options", None) or range(control.min, control.max + 1)
            if not isinstance(control.value, bool)
            else (False, True)
        )
        for value in values:
            control.value = value  # an unexpected error would raise here
    plt.close("all")


def test_build_stack_layers():
    layers = wp.build_stack(2, 5, stride=2, pool=True)
    assert [type(layer).__name__ for layer in layers] == ["Conv2D", "MaxPool2D"] * 2
    assert layers[0].in_channels == 1 and layers[2].in_channels == wp.CHANNELS


# ------------------------------------------------------------------ networks and shifts


def test_digits_cnn_without_pooling():
    model = cnnkit.digits_cnn_without_pooling(seed=1)
    assert not any(isinstance(layer, cnnkit.MaxPool2D) for layer in model.layers)
    assert model.forward(np.zeros((2, 1, 8, 8))).shape == (2, 10)
    assert model.layers[-1].in_features == 64 * 8 * 8
    pooled = cnnkit.digits_cnn(seed=1)
    assert np.array_equal(model.layers[0].params["weight"], pooled.layers[0].params["weight"])
    with pytest.raises(ValueError, match="channels"):
        cnnkit.digits_cnn_without_pooling(channels=(1, 2))


# ------------------------------------------------------------------ exercises

NOT_ANSWERS = [
    None,
    "three",
    "",
    True,
    False,
    [],
    [1, 2],
    {"a": 1},
    2.5,
    float("nan"),
    np.array([1.0, 2.0]),
    lambda: 3,
    object(),
]


@pytest.mark.parametrize(
    "name,check",
    [
        ("06.1", ex.check_ceil_mode_size),
        ("06.2", ex.check_overlapping_max_grad),
        ("06.3", ex.check_deep_receptive_field),
        ("06.4", ex.check_stack_parameters),
    ],
)
def test_exercises_never_raise_and_explain(name, check):
    assert EXERCISES[name] is check
    for wrong in NOT_ANSWERS:
        feedback = check(wrong)
        assert not feedback and feedback.message, (name, wrong)


def test_exercise_ceil_mode_size():
    right = cnnkit.pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    assert right == 3
    for ok in (3, 3.0, np.int64(3), np.array(3)):
        assert ex.check_ceil_mode_size(ok)
    assert "ceil formula alone" in ex.check_ceil_mode_size(4).message
    assert not ex.check_ceil_mode_size(2) and not ex.check_ceil_mode_size(-3)


def test_exercise_overlapping_max_grad():
    right = np.zeros((3, 3))
    right[1, 1] = 4
    assert ex.check_overlapping_max_grad(right)
    assert ex.check_overlapping_max_grad(right.tolist())
    assert ex.check_overlapping_max_grad(right.astype(int))
    one = np.zeros((3, 3))
    one[1, 1] = 1
    assert "add up" in ex.check_overlapping_max_grad(one).message
    avg = cnnkit.avg_pool2d_backward(np.ones((2, 2)), ex.OVERLAP_X, 2, 1)
    assert "average" in ex.check_overlapping_max_grad(avg).message
    assert "shape" in ex.check_overlapping_max_grad(np.zeros((2, 2))).message
    spread = np.zeros((3, 3))
    spread[0, 0] = spread[0, 1] = spread[1, 0] = spread[1, 1] = 1
    assert "own largest" in ex.check_overlapping_max_grad(spread).message
    assert not ex.check_overlapping_max_grad([[0, 0, 0], [0, 4, 0]])  # ragged rows


def test_exercise_deep_receptive_field():
    assert ex.check_deep_receptive_field(10)
    assert "pooling" in ex.check_deep_receptive_field(7).message
    assert "padding" in ex.check_deep_receptive_field(8).message
    assert not ex.check_deep_receptive_field(12)


def test_exercise_stack_parameters():
    right = (7 * 7 * 8 * 8 + 8) - 3 * (3 * 3 * 8 * 8 + 8)
    assert ex.check_stack_parameters(right)
    assert "biases" in ex.check_stack_parameters(49 * 64 - 27 * 64).message
    assert "difference" in ex.check_stack_parameters(7 * 7 * 8 * 8 + 8).message
    assert "subtract" in ex.check_stack_parameters(-right).message
    assert not ex.check_stack_parameters(right + 1)
