"""Notebook 07 (CNN versus dense): shifts (vectorised against loops), random shifts,
augmented training, early stopping, the dense network, the figures, the generalisation
explorer over every control position, and the exercises with right and wrong answers."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import cnn_versus_dense as ex  # noqa: E402
from cnnkit.train import History  # noqa: E402
from cnnkit.viz import cnn_versus_dense as viz  # noqa: E402
from cnnkit.widgets import cnn_versus_dense as wg  # noqa: E402

CHOICES = wg.GENERALISATION_CHOICES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tiny_data():
    X, y = cnnkit.load_digits()
    X_train, X_test, y_train, y_test = cnnkit.train_test_split(X, y, test_size=0.2, seed=0)
    return X_train[:120], X_test[:40], y_train[:120], y_test[:40]


# ------------------------------------------------------------------ shifts


def test_shift_images_matches_the_loop_version_for_every_shift():
    X = np.random.default_rng(0).random((3, 2, 5, 6))
    for dy, dx in itertools.product(range(-6, 7), range(-7, 8)):
        fast, slow = cnnkit.shift_images(X, dy, dx), cnnkit.shift_images_naive(X, dy, dx)
        assert np.array_equal(fast, slow), (dy, dx)
        assert fast.shape == X.shape and fast.dtype == X.dtype


def test_shift_images_by_hand_and_its_inverse():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    assert cnnkit.shift_images(image, 0, 1).tolist() == [[0, 1, 2], [0, 4, 5], [0, 7, 8]]
    assert cnnkit.shift_images(image, -1, 0).tolist() == [[4, 5, 6], [7, 8, 9], [0, 0, 0]]
    assert not cnnkit.shift_images(image, 3, 0).any()
    # shifting back restores everything except what fell off the edge
    back = cnnkit.shift_images(cnnkit.shift_images(image, 1, 1), -1, -1)
    assert np.array_equal(back[:2, :2], image[:2, :2]) and not back[2].any()
    assert cnnkit.shift_images(image.astype(np.float32), 1, 0).dtype == np.float32


@pytest.mark.parametrize("bad", [1.5, "1", None, True])
def test_shift_images_rejects_non_integer_shifts(bad):
    with pytest.raises(TypeError, match="whole number"):
        cnnkit.shift_images(np.zeros((4, 4)), bad, 0)


def test_shift_images_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="shape"):
        cnnkit.shift_images(np.zeros((2, 4, 4)), 1, 0)


def test_random_shifts_are_seeded_and_are_real_shifts():
    X = np.random.default_rng(1).random((50, 1, 6, 6))
    a, b = cnnkit.random_shifts(X, 1, seed=3), cnnkit.random_shifts(X, 1, seed=3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, cnnkit.random_shifts(X, 1, seed=4))
    kinds = set()
    for original, moved in zip(X, a):
        matches = [
            (dy, dx)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if np.array_equal(cnnkit.shift_images(original[None], dy, dx)[0], moved)
        ]
        assert matches, "every image is one of its 9 possible shifts"
        kinds.add(matches[0])
    assert len(kinds) == 9  # 50 images draw every one of the 9 shifts
    assert np.array_equal(cnnkit.random_shifts(X, 0), X)
    with pytest.raises(ValueError):
        cnnkit.random_shifts(X, -1)


def test_fit_augmented_without_shift_equals_fit_epoch_by_epoch(tiny_data):
    X_train, X_test, y_train, y_test = tiny_data
    a, b = cnnkit.digits_mlp(seed=2), cnnkit.digits_mlp(seed=2)
    opt_a, opt_b = cnnkit.SGD(a.params(), lr=0.05), cnnkit.SGD(b.params(), lr=0.05)
    h = cnnkit.fit_augmented(
        a,
        X_train,
        y_train,
        3,
        16,
        opt_a,
        max_shift=0,
        X_val=X_test,
        y_val=y_test,
        seed=5,
        progress="off",
    )
    for epoch in range(3):  # the same epochs, run by hand with fit's own shuffling seeds
        cnnkit.fit(b, X_train, y_train, 1, 16, opt_b, seed=10_000 * 5 + epoch, progress="off")
    assert np.array_equal(a.layers[1].params["weight"], b.layers[1].params["weight"])
    assert h.epochs == 3 and len(h.val_acc) == 3 and h.iterations == 3 * 8


def test_fit_augmented_anneal_lowers_and_restores_the_learning_rate(tiny_data):
    X_train, _, y_train, _ = tiny_data
    net = cnnkit.digits_mlp()
    opt = cnnkit.SGD(net.params(), lr=0.1)
    seen = []
    cnnkit.fit_augmented(
        net,
        X_train,
        y_train,
        4,
        32,
        opt,
        anneal=True,
        progress="off",
        callback=lambda h: seen.append(opt.lr),
    )
    assert seen == pytest.approx([0.1, 0.075, 0.05, 0.025]) and opt.lr == 0.1


# ------------------------------------------------------------------ early stopping


def test_best_epoch_counts_from_one_and_skips_nan():
    assert cnnkit.best_epoch([0.9, 0.4, 0.5, 0.4]) == 2
    assert cnnkit.best_epoch([np.nan, 0.7, np.inf]) == 2
    with pytest.raises(ValueError):
        cnnkit.best_epoch([])


def test_best_weights_restores_the_best_epoch(tiny_data):
    X_train, X_test, y_train, y_test = tiny_data
    net = cnnkit.digits_mlp(seed=0)
    keeper = cnnkit.BestWeights(net)
    snapshots = []

    def record(history):
        keeper(history)
        snapshots.append(net.layers[1].params["weight"].copy())

    opt = cnnkit.SGD(net.params(), lr=0.2, momentum=0.9)
    h = cnnkit.fit(
        net, X_train, y_train, 6, 16, opt, X_test, y_test, progress="off", callback=record
    )
    assert keeper.best_epoch == cnnkit.best_epoch(h.val_loss)
    assert keeper.restore() == keeper.best_epoch
    assert np.array_equal(net.layers[1].params["weight"], snapshots[keeper.best_epoch - 1])
    assert np.isclose(cnnkit.evaluate(net, X_test, y_test)[0], min(h.val_loss))
    with pytest.raises(ValueError, match="validation"):
        keeper(History(train_loss=[1.0], train_acc=[0.5]))
    with pytest.raises(ValueError):
        cnnkit.BestWeights(cnnkit.digits_mlp()).restore()
    with pytest.raises(TypeError):
        cnnkit.BestWeights("model")


# ------------------------------------------------------------------ networks


def test_digits_mlp_shape_and_parameters():
    net = cnnkit.digits_mlp(seed=0)
    assert net.forward(np.zeros((3, 1, 8, 8))).shape == (3, 10)
    assert net.n_params == 64 * 256 + 256 + 256 * 10 + 10
    assert cnnkit.digits_mlp(hidden=(32, 16)).n_params == 64 * 32 + 32 + 32 * 16 + 16 + 170
    with pytest.raises(ValueError, match="hidden"):
        cnnkit.digits_mlp(hidden=())
    with pytest.raises(ValueError, match="hidden"):
        cnnkit.digits_mlp(hidden=(0,))


def test_training_subset_is_stratified():
    X, y = cnnkit.load_digits()
    for n in CHOICES["n_train"]:
        Xs, ys = wg.training_subset(X[:1438], y[:1438], n)
        assert abs(len(ys) - n) <= 5 and len(Xs) == len(ys)
        if n >= 100:
            counts = np.bincount(ys, minlength=10)
            assert counts.min() >= 0.8 * n / 10 - 1
    with pytest.raises(ValueError):
        wg.training_subset(X, y, 5)


# ------------------------------------------------------------------ figures


def _history(epochs: int) -> History:
    h = History()
    for e in range(epochs):
        h.train_loss.append(1.0 / (e + 1))
        h.train_acc.append(0.5 + 0.04 * e)
        h.val_loss.append(0.8 + 0.05 * (e - 3) ** 2 / 4)
        h.val_acc.append(0.45 + 0.03 * e)
    return h


def test_best_weights_restores_batch_norm_running_statistics_too(tiny_data):
    X_train, X_test, y_train, y_test = tiny_data
    bn = cnnkit.BatchNorm2D(4)
    inner_bn = cnnkit.BatchNorm2D(4)
    net = cnnkit.Sequential(
        cnnkit.Conv2D(1, 4, 3, padding=1, rng=0),
        bn,
        cnnkit.ReLU(),
        cnnkit.Residual(cnnkit.Conv2D(4, 4, 3, padding=1, rng=1), inner_bn),
        cnnkit.GlobalAvgPool2D(),
        cnnkit.Dense(4, 10, rng=2),
    )
    keeper = cnnkit.BestWeights(net)
    stats = []

    def record(history):
        keeper(history)
        stats.append([s.copy() for s in (bn.running_mean, inner_bn.running_var)])

    opt = cnnkit.SGD(net.params(), lr=0.1, momentum=0.9)
    h = cnnkit.fit(
        net, X_train, y_train, 4, 16, opt, X_test, y_test, progress="off", callback=record
    )
    best = keeper.restore()
    assert best < h.epochs  # else the statistics would already be that epoch's
    assert np.array_equal(bn.running_mean, stats[best - 1][0])
    assert np.array_equal(inner_bn.running_var, stats[best - 1][1])
    # with the weights and the statistics of that epoch, evaluation gives that epoch's loss
    assert np.isclose(cnnkit.evaluate(net, X_test, y_test)[0], h.val_loss[best - 1])


def test_plot_overfitting_lines_gap_and_best_epoch():
    h = _history(8)
    fig = viz.plot_overfitting(h, best_epoch=4, total_epochs=10, title="t")
    ax_loss, ax_acc = fig.axes
    assert list(ax_loss.lines[1].get_ydata()) == pytest.approx(h.val_loss)
    assert ax_loss.collections  # the shaded gap
    assert ax_loss.lines[-1].get_xdata()[0] == 4  # the early-stopping line
    assert ax_loss.get_xlim() == (0.5, 10.5) and ax_loss.get_ylabel() and ax_acc.get_ylabel()
    h.val_loss[-1] = float("inf")
    viz.plot_overfitting(h)
    viz.plot_overfitting(History())


def test_other_figures_are_labelled():
    fig = viz.plot_shift_accuracy([0, 1, 2], {"CNN": [0.98, 0.8, 0.4], "dense": [0.95, 0.4, 0.1]})
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 2 and ax.get_xlabel() and ax.get_title()
    assert list(ax.lines[0].get_ydata()) == pytest.approx([98, 80, 40])
    fig = viz.plot_learning_curves([50, 100], {"CNN": [0.8, 0.9], "x": [0.7, 0.8]})
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_ylabel()
    fig = viz.plot_regularisation(["a", "b"], [0.9, 0.95], [0.5, 0.2])
    assert [p.get_height() for p in fig.axes[0].patches] == pytest.approx([90, 95])
    assert all(ax.get_title() for ax in fig.axes)


# ------------------------------------------------------------------ explorer


@pytest.mark.parametrize(
    "network,augment", itertools.product(CHOICES["network"], CHOICES["augment"])
)
def test_train_network_over_network_and_augment(network, augment, tiny_data):
    model, history = wg.train_network(network, 60, augment, 0.0, 2, data=tiny_data)
    assert history.epochs == 2 and 0 <= history.val_acc[-1] <= 1
    assert wg._verdict(history).startswith("After 2 epochs")


@pytest.mark.parametrize("weight_decay", CHOICES["weight_decay"])
def test_train_network_over_every_weight_decay(weight_decay, tiny_data):
    _, history = wg.train_network("dense", 50, False, weight_decay, 1, data=tiny_data)
    assert history.epochs == 1


def test_describe_run_over_every_control_combination():
    for network, n, aug, wd, epochs in itertools.product(*CHOICES.values()):
        text = wg.describe_run(network, n, aug, wd, epochs)
        per_epoch = -(-n // 32)
        assert f"{epochs} epochs x {per_epoch} iterations = {epochs * per_epoch}" in text
        assert ("shifted" in text) == aug
    with pytest.raises(ValueError):
        wg.train_network("resnet")


def test_every_epoch_and_size_choice_trains(tiny_data, monkeypatch):
    # every epochs value and every training-set size (capped by the tiny data) trains
    for epochs in CHOICES["epochs"]:
        _, h = wg.train_network("dense", 50, False, 0.0, epochs, data=tiny_data)
        assert h.epochs == epochs
    for n in CHOICES["n_train"]:
        _, h = wg.train_network("dense", n, False, 0.0, 1, data=tiny_data)
        assert h.epochs == 1


@pytest.fixture()
def small_explorer(monkeypatch, tiny_data):
    monkeypatch.setattr(wg, "_digits_split", lambda seed=0: tiny_data)
    return wg.generalisation_explorer(n_train=50, epochs=5)


def test_explorer_controls_and_training(small_explorer):
    e = small_explorer
    assert "cnnkit-explorer" in e._dom_classes and "cnnkit-view" in e.view._dom_classes
    assert set(e.values()) == set(CHOICES)
    for name, control in e.controls.items():
        options = getattr(control, "options", None)
        if options is not None:
            assert tuple(options) == CHOICES[name]
    plan = e.set(network="dense", augment=True, weight_decay=0.01)
    assert "dense network" in plan and "weight decay: 0.01" in plan
    result = e.train()
    assert result is e.last_result and result["history"].epochs == 5
    assert any("image/png" in o.get("data", {}) for o in e.view.outputs)
    with pytest.raises(ValueError, match="no control"):
        e.set(lr=1)


def test_explorer_unexpected_error_is_raised(small_explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(wg, "train_network", broken)
    with pytest.raises(RuntimeError):
        small_explorer.train()
    assert small_explorer.view.outputs[0]["output_type"] == "error"


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
    object(),
]


@pytest.mark.parametrize(
    "name,check",
    [
        ("07.1", ex.check_dense_parameters),
        ("07.2", ex.check_shift_right),
        ("07.3", ex.check_best_epoch),
        ("07.4", ex.check_which_overfits),
    ],
)
def test_exercises_never_raise_and_explain(name, check):
    assert EXERCISES[name] is check
    bad_functions = [lambda *a: 1 / 0, lambda *a: None, lambda *a: "x", lambda *a: [[1]]]
    for wrong in NOT_ANSWERS + bad_functions:
        feedback = check(wrong)
        assert not feedback and feedback.message, (name, wrong)


def test_exercise_dense_parameters():
    assert ex.check_dense_parameters(64 * 256 + 256)
    assert ex.check_dense_parameters(16640.0)
    assert "bias" in ex.check_dense_parameters(64 * 256).message
    assert "per pixel" in ex.check_dense_parameters(64 * 256 + 64).message
    assert "multiply" in ex.check_dense_parameters(320).message


def test_exercise_shift_right():
    def right(image):
        out = np.zeros_like(image)
        out[:, 1:] = image[:, :-1]
        return out

    assert ex.check_shift_right(right)
    assert ex.check_shift_right(lambda im: cnnkit.shift_images(im, 0, 1))
    assert "np.roll" in ex.check_shift_right(lambda im: np.roll(im, 1, axis=1)).message
    assert "left" in ex.check_shift_right(lambda im: cnnkit.shift_images(im, 0, -1)).message
    assert "down" in ex.check_shift_right(lambda im: cnnkit.shift_images(im, 1, 0)).message
    assert "shape" in ex.check_shift_right(lambda im: im[:, 1:]).message


def test_exercise_best_epoch():
    assert ex.check_best_epoch(lambda v: int(np.argmin(v)) + 1)
    assert ex.check_best_epoch(cnnkit.best_epoch)
    assert "add 1" in ex.check_best_epoch(lambda v: int(np.argmin(v))).message
    assert "last epoch" in ex.check_best_epoch(lambda v: len(v)).message
    assert "lowest" in ex.check_best_epoch(lambda v: int(np.argmax(v)) + 1).message


def test_exercise_which_overfits():
    for ok in ("b", "B", " b", "'b'"):
        assert ex.check_which_overfits(ok)
    assert "underfitting" in ex.check_which_overfits("a").message
    assert "generalises" in ex.check_which_overfits("c").message
    assert not ex.check_which_overfits("d") and not ex.check_which_overfits(2)
