"""Notebook 04 (backpropagation): its equations, figures, kernel-learning explorer and
exercises. The explorer's pure functions are run over the whole range of every control."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit import conv2d, conv2d_backward, numerical_gradient  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import backpropagation as ex  # noqa: E402
from cnnkit.viz import backpropagation as viz  # noqa: E402
from cnnkit.widgets import backpropagation as wb  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _slider_lrs() -> list[float]:
    """Every position of the explorer's learning-rate slider."""
    slider = wb.kernel_learning_explorer().controls["lr"]
    n = round((slider.max - slider.min) / slider.step)
    return [slider.base ** (slider.min + k * slider.step) for k in range(n + 1)]


LRS = _slider_lrs()


# --- the written-out equations of the tiny convolution --------------------------------------


@pytest.mark.parametrize(
    "in_shape, k_shape", [((3, 3), (2, 2)), ((4, 5), (2, 3)), ((3, 3), (3, 3)), ((2, 4), (1, 1))]
)
def test_conv_equations_evaluate_to_the_convolution_and_its_gradients(in_shape, k_shape):
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=in_shape), rng.normal(size=k_shape)
    out_shape = (in_shape[0] - k_shape[0] + 1, in_shape[1] - k_shape[1] + 1)
    dout = rng.normal(size=out_shape)
    names = {"x": x, "w": w, "dout": dout}

    def evaluate(wrt, shape):
        result = np.full(shape, np.nan)
        for line in viz.conv_equations(in_shape, k_shape, wrt):
            lhs, rhs = line.split(" = ")
            index = tuple(int(v) for v in lhs[lhs.index("[") + 1 : -1].split(","))
            result[index] = eval(rhs, {}, names)  # the equations are valid numpy code
        return result

    dx, dw, _ = conv2d_backward(dout, x, w)
    assert np.allclose(evaluate("out", out_shape), conv2d(x, w))
    assert np.allclose(evaluate("weight", k_shape), dw)
    assert np.allclose(evaluate("input", in_shape), dx)


def test_conv_equations_count_of_terms():
    # x[1,1] of a 3x3 input sits in all four windows of a 2x2 kernel; a corner in one.
    lines = viz.conv_equations((3, 3), (2, 2), "input")
    assert lines[4].startswith("dx[1,1] = ") and lines[4].count("*") == 4
    assert lines[0].count("*") == 1
    assert all(line.count("*") == 4 for line in viz.conv_equations((3, 3), (2, 2), "weight"))


def test_conv_equations_reject_bad_arguments():
    with pytest.raises(ValueError, match="wrt"):
        viz.conv_equations((3, 3), (2, 2), "bias")
    with pytest.raises(ValueError, match="kernel_shape"):
        viz.conv_equations((3, 3), (4, 2))


# --- static figures ----------------------------------------------------------------------------


@pytest.mark.parametrize("highlight", [None, 1, 2, 3, 4, 5])
def test_training_cycle_figure(highlight):
    fig = viz.plot_training_cycle(highlight)
    assert isinstance(fig, plt.Figure)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for word in ("forward pass", "loss", "backward pass", "weight update"):
        assert word in texts


@pytest.mark.parametrize(
    "n, batch",
    [
        (1, 1),
        (1, 32),
        (31, 32),
        (32, 32),
        (33, 32),
        (50, 1),
        (100, 7),
        (100, 2000),
        (1437, 32),
        (1438, 32),
        (1438, 64),
    ],
)
def test_epoch_batches_figure_counts_iterations(n, batch):
    fig = viz.plot_epoch_batches(n, batch)
    iterations = math.ceil(n / batch)
    assert f"{iterations} iterations" in fig.axes[0].get_title()
    assert len(fig.axes[0].patches) == iterations


def test_epoch_batches_rejects_empty():
    with pytest.raises(ValueError):
        viz.plot_epoch_batches(0, 32)
    with pytest.raises(ValueError):
        viz.plot_epoch_batches(10, 0)


@pytest.mark.parametrize("n_losses, per_epoch", [(1, 1), (10, 3), (135, 45), (90, 45)])
def test_iteration_losses_figure(n_losses, per_epoch):
    losses = np.linspace(2.0, 0.1, n_losses)
    fig = viz.plot_iteration_losses(losses, per_epoch)
    assert f"{math.ceil(n_losses / per_epoch)} epochs" in fig.axes[0].get_title()


def test_chain_figure_and_its_checks():
    fig = viz.plot_chain(["w", "z", "L"], [1.0, 2.0, 4.0], [4.0, 4.0, 1.0], ["z = 2w", "L = z^2"])
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "dL/dw" in texts and "= 4" in texts
    with pytest.raises(ValueError):
        viz.plot_chain(["w", "z"], [1.0, 2.0], [1.0], ["z = 2w"])


def test_number_grids_and_step_size_figures():
    x = np.arange(9.0).reshape(3, 3)
    fig = viz.plot_number_grids([[("x", x), ("w", x[:2, :2])], [("dx", x)]], between=[["*"]])
    shown = [t.get_text() for t in fig.axes[0].texts]
    assert shown == [f"{v:g}" for v in x.ravel()]
    assert any(t.get_text() == "*" for t in fig.texts)
    steps = 10.0 ** -np.arange(1, 13)
    errors = np.r_[np.logspace(-2, -10, 6), 0, np.logspace(-9, -3, 5)]
    fig = viz.plot_step_size_errors(steps, errors)
    assert fig.axes[0].get_xscale() == "log"


# --- learning a kernel: the pure training function over every control position ----------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("train_on", wb.TRAINING_INPUTS)
def test_learn_kernel_over_every_learning_rate(train_on):
    for lr in LRS:
        run = wb.learn_kernel(lr, wb.MAX_STEPS, train_on=train_on)
        assert np.all(np.isfinite(run.kernel)) and np.all(np.isfinite(run.losses))
        assert len(run.losses) == run.steps_done + 1
        if run.diverged_at is None:
            assert run.steps_done == wb.MAX_STEPS
            assert run.losses[-1] <= run.losses[0]
        else:
            assert run.steps_done == run.diverged_at <= wb.MAX_STEPS
            assert run.losses[-1] > wb.BLOW_UP * run.losses[0]
    # the slider's ends: too small to learn in 200 steps, too large to converge
    assert wb.learn_kernel(LRS[0], wb.MAX_STEPS, train_on=train_on).kernel_error > 0.5
    assert wb.learn_kernel(LRS[-1], wb.MAX_STEPS, train_on=train_on).diverged_at is not None


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("target", list(wb.TARGET_KERNELS))
@pytest.mark.parametrize("train_on", wb.TRAINING_INPUTS)
def test_learn_kernel_every_target(target, train_on):
    for lr in (LRS[0], 0.1, 1.0, LRS[-1]):
        for steps in (0, 1, 17, wb.MAX_STEPS):
            run = wb.learn_kernel(lr, steps, target, train_on)
            assert run.steps_done <= steps
            assert np.array_equal(run.target_kernel, wb.TARGET_KERNELS[target])
    noise_run = wb.learn_kernel(0.5, wb.MAX_STEPS, target, "random noise")
    assert noise_run.kernel_error < 1e-6


def test_first_step_is_gradient_descent_on_the_numerical_gradient():
    lr = 0.3
    x = wb._inputs("random noise", 0)
    wanted = conv2d(x, wb.TARGET_KERNELS["vertical Sobel"][None, None])
    w0 = wb.learn_kernel(lr, 0).kernel.copy()

    def loss(k):
        return 0.5 * float(np.mean((conv2d(x, k[None, None]) - wanted) ** 2))

    expected = w0 - lr * numerical_gradient(loss, w0.copy())
    assert np.allclose(wb.learn_kernel(lr, 1).kernel, expected, atol=1e-7)
    assert wb.learn_kernel(lr, 0).losses[0] == pytest.approx(loss(w0))


def test_learn_kernel_is_deterministic_and_a_prefix_of_the_longest_run():
    full = wb.learn_kernel(0.2, wb.MAX_STEPS)
    part = wb.learn_kernel(0.2, 37)
    assert np.array_equal(part.losses, full.losses[:38])
    wb._trajectory.cache_clear()
    again = wb.learn_kernel(0.2, 37)
    assert np.array_equal(again.kernel, part.kernel)


def test_divergence_reported_only_once_reached():
    run = wb.learn_kernel(LRS[-1], wb.MAX_STEPS)
    d = run.diverged_at
    assert d is not None and d > 1
    assert wb.learn_kernel(LRS[-1], d - 1).diverged_at is None
    assert wb.learn_kernel(LRS[-1], d).diverged_at == d


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0},
        {"lr": -0.1},
        {"lr": float("nan")},
        {"lr": float("inf")},
        {"steps": -1},
        {"steps": 201},
        {"steps": 2.5},
        {"target": "Laplace"},
        {"train_on": "cats"},
    ],
)
def test_learn_kernel_rejects_bad_values(kwargs):
    args = {"lr": 0.1, "steps": 5, **kwargs}
    with pytest.raises(ValueError):
        wb.learn_kernel(**args)


# --- the explorer's drawing function and wiring ------------------------------------------------


def _check_view(result, run):
    fig, text = result
    assert isinstance(fig, plt.Figure) and isinstance(text, str)
    if run.diverged_at is not None:
        assert "blew up" in text
        assert any("blew up" in t.get_text() for t in fig.axes[2].texts)
    else:
        assert text.startswith(f"After {run.steps_done} steps")
    plt.close(fig)


@pytest.mark.filterwarnings("error")
def test_draw_over_every_learning_rate():
    for lr in LRS:
        _check_view(wb.draw_kernel_learning(lr, wb.MAX_STEPS), wb.learn_kernel(lr, wb.MAX_STEPS))


@pytest.mark.filterwarnings("error")
def test_draw_over_the_steps_slider_and_every_dropdown_choice():
    for steps in (0, 1, 2, 5, 10, 25, 50, 100, 150, wb.MAX_STEPS - 1, wb.MAX_STEPS):
        _check_view(wb.draw_kernel_learning(0.1, steps), wb.learn_kernel(0.1, steps))
    for target in wb.TARGET_KERNELS:
        for train_on in wb.TRAINING_INPUTS:
            for lr, steps in ((LRS[0], 0), (0.3, 1), (LRS[-1], wb.MAX_STEPS)):
                result = wb.draw_kernel_learning(lr, steps, target, train_on)
                if steps:  # render too: tick and text formatting happen at draw time
                    result[0].canvas.draw()
                _check_view(result, wb.learn_kernel(lr, steps, target, train_on))


def test_explorer_controls_and_buttons():
    explorer = wb.kernel_learning_explorer(lr=0.1, steps=5)
    assert set(explorer.controls) == {"lr", "steps", "target", "train_on"}
    assert all(c.description for c in explorer.controls.values())
    assert explorer.last_result[1].startswith("After 5 steps")
    explorer.buttons["+1"].click()
    assert explorer.values()["steps"] == 6
    explorer.buttons["+10"].click()
    assert explorer.values()["steps"] == 16
    explorer.set(steps=wb.MAX_STEPS - 3)
    explorer.buttons["+10"].click()
    assert explorer.values()["steps"] == wb.MAX_STEPS
    explorer.buttons["reset"].click()
    assert explorer.values()["steps"] == 0
    explorer.set(lr=LRS[-1], steps=wb.MAX_STEPS)
    assert "blew up" in explorer.last_result[1] and explorer.last_message == ""
    for target in wb.TARGET_KERNELS:
        for train_on in wb.TRAINING_INPUTS:
            explorer.set(target=target, train_on=train_on, lr=0.1, steps=3)
            assert explorer.last_result[1].startswith("After 3 steps")


# --- exercises -----------------------------------------------------------------------------------


def test_exercises_are_registered():
    assert {"04.1", "04.2", "04.3", "04.4", "04.5"} <= set(EXERCISES)


def test_exercise_iterations_per_epoch():
    assert ex.check_iterations_per_epoch(math.ceil(1000 / 64))
    for wrong in (15, 15.625, 1000, 64):
        feedback = ex.check_iterations_per_epoch(wrong)
        assert not feedback and feedback.message
    assert "replace None" in repr(ex.check_iterations_per_epoch(None))
    assert not ex.check_iterations_per_epoch("many")


def test_exercise_dbias():
    right = float(np.sum(ex.DBIAS_DOUT))
    assert ex.check_dbias(right)
    assert ex.check_dbias(np.array([right]))
    assert f"-> {right:g}" in EXERCISES["04.2"].solution and right == 1.0
    for wrong in (ex.DBIAS_DOUT, ex.DBIAS_DOUT.mean(), right + 1):
        assert not ex.check_dbias(wrong)


def test_exercise_dweight_shape():
    x, w = np.zeros(ex.DW_INPUT_SHAPE), np.zeros(ex.DW_WEIGHT_SHAPE)
    dout = np.zeros(cnnkit.Conv2D(3, 8, 5).output_shape(x.shape))
    right = conv2d_backward(dout, x, w)[1].shape
    assert ex.check_dweight_shape(right)
    assert ex.check_dweight_shape(list(right))
    for wrong in ((16, 3, 5, 5), (8, 3, 28, 28), (8, 5, 5), 7):
        assert not ex.check_dweight_shape(wrong)


def test_exercise_loop_order_matches_the_notebooks_cycle():
    # the order of the five steps as the figure of section 1 draws them
    cycle = [name.split("  ", 1)[1] for name, _ in viz.CYCLE_STEPS]
    letter = {step: key for key, step in ex.LOOP_STEPS.items()}
    assert "".join(letter[step] for step in cycle) == ex.LOOP_ORDER
    assert ex.check_loop_order(ex.LOOP_ORDER)
    # the keyword answers the old question accepted or refused are no answer now
    for words in ("the next step is the forward pass", "adjust the weights", "weight update"):
        assert not ex.check_loop_order(words)


def test_exercise_dweight():
    right = conv2d(ex.DWEIGHT_X, ex.DWEIGHT_DOUT)
    assert ex.check_dweight(right)
    # the numbers of the solution are the ones conv2d gives, and differ from its mistakes
    assert str(right.tolist()) in EXERCISES["04.5"].solution
    assert "sign" in ex.check_dweight(-right).message
    assert "rotated" in ex.check_dweight(conv2d(ex.DWEIGHT_X, np.rot90(ex.DWEIGHT_DOUT, 2))).message
    assert not ex.check_dweight(np.zeros((2, 2)))
    assert not ex.check_dweight(right + 1)


# --- momentum on a valley, and the colours ---------------------------------------------------


def test_descent_paths_figure():
    points = np.array([[-4.0, 1.0], [-3.0, -0.5], [0.0, 0.0]])
    ax = viz.plot_descent_paths([("plain", points), ("momentum", points[::-1])], (1.0, 20.0))
    assert len(ax.lines) == 3 and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert np.array_equal(ax.lines[0].get_xydata(), points)
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["plain", "momentum"]


def test_learning_rate_figure_says_nothing_false_about_float64():
    runs = [wb.learn_kernel(lr, wb.MAX_STEPS) for lr in (0.003, 0.3, 2.5)]
    ax = viz.plot_learning_rates(runs).axes[0]
    assert not any("float64" in t.get_text() for t in ax.texts)
    assert min(float(np.min(r.losses)) for r in runs) > viz.LOSS_FLOOR  # nothing clipped


def test_kernel_learning_figure_uses_the_signed_colours_with_a_colour_bar():
    fig = wb.draw_kernel_learning(0.1, 5)[0]
    signed = [
        ax
        for ax in fig.axes
        if ax.images and ax.images[0].get_cmap().name == "RdBu_r" and ax.get_label() != "<colorbar>"
    ]
    assert len(signed) >= 2
    assert all(ax.images[0].get_clim()[0] == -ax.images[0].get_clim()[1] for ax in signed)
    assert any(
        ax.get_ylabel() for ax in fig.axes if not ax.images or ax.get_label() == "<colorbar>"
    )


def test_exercise_questions_in_the_notebook_quote_the_checks_constants():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "notebooks" / "04_backpropagation.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]

    def question(tag):
        return next(c for c in cells if tag in c and c.lstrip().startswith(("**0", "## Ex")))

    assert f"{ex.EPOCH_IMAGES:,} images" in question("**04.1**")
    assert f"batch size is {ex.EPOCH_BATCH}" in question("**04.1**")
    assert str(ex.DW_WEIGHT_SHAPE) in question("**04.3**")
    assert str(ex.DW_INPUT_SHAPE) in question("**04.3**")
