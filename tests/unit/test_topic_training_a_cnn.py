"""Notebook 05 (training a CNN): the digits network, the confusion matrix, the figures, the
training explorer's pure functions over every control position, the widget itself, and the
exercises."""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit import Conv2D, Dense, MaxPool2D, Sequential  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import training_a_cnn as ex  # noqa: E402
from cnnkit.train import History  # noqa: E402
from cnnkit.viz import training_a_cnn as viz  # noqa: E402
from cnnkit.widgets import training_a_cnn as wt  # noqa: E402

CHOICES = wt.EXPLORER_CHOICES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits():
    X, y = cnnkit.load_digits()
    return cnnkit.train_test_split(X, y, test_size=0.2, seed=0)


@pytest.fixture(scope="module")
def tiny_data(digits):
    """A small slice of the split, so training in tests stays quick."""
    X_train, X_test, y_train, y_test = digits
    return X_train[:96], X_test[:40], y_train[:96], y_test[:40]


# ------------------------------------------------------------------ the digits network


def test_digits_cnn_defaults_shape_and_settings():
    model = cnnkit.digits_cnn()
    assert model.forward(np.zeros((3, 1, 8, 8))).shape == (3, 10)
    assert model.summary((1, 8, 8)).rows[-1].output_shape == (10,)
    assert set(cnnkit.DIGITS_TRAINING) == {"epochs", "batch_size", "lr", "momentum"}
    assert isinstance(cnnkit.DIGITS_TRAINING["epochs"], int)
    assert cnnkit.DIGITS_TRAINING["epochs"] >= 1 and cnnkit.DIGITS_TRAINING["lr"] > 0


def test_digits_cnn_is_seeded():
    a, b, c = cnnkit.digits_cnn(seed=0), cnnkit.digits_cnn(seed=0), cnnkit.digits_cnn(seed=1)
    for la, lb in zip(a.layers, b.layers):
        for key in la.params:
            assert np.array_equal(la.params[key], lb.params[key])
    assert not np.array_equal(a.layers[0].params["weight"], c.layers[0].params["weight"])


def test_digits_cnn_channels_keyword():
    model = cnnkit.digits_cnn(channels=(4, 8, 12))
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    assert [conv.out_channels for conv in convs] == [4, 8, 12]
    assert model.forward(np.zeros((1, 1, 8, 8))).shape == (1, 10)
    with pytest.raises(ValueError, match="channels"):
        cnnkit.digits_cnn(channels=(4, 8))
    with pytest.raises(ValueError, match="channels"):
        cnnkit.digits_cnn(channels=(4, 0, 8))


def test_digits_cnn_learns_on_a_small_slice(tiny_data):
    X_train, _, y_train, _ = tiny_data
    model = cnnkit.digits_cnn(seed=0)
    optimizer = cnnkit.SGD(model.params(), lr=0.05, momentum=0.9)
    history = cnnkit.fit(model, X_train, y_train, 10, 16, optimizer, progress="off")
    assert history.train_loss[-1] < history.train_loss[0] / 2


# ------------------------------------------------------------------ confusion matrix


def _confusion_by_loops(y_true, y_pred, k):
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def test_confusion_matrix_matches_a_loop_count():
    rng = np.random.default_rng(3)
    for k, n in [(2, 1), (3, 17), (10, 359)]:
        y_true, y_pred = rng.integers(0, k, n), rng.integers(0, k, n)
        cm = viz.confusion_matrix(y_true, y_pred, k)
        assert cm.dtype == np.int64 and cm.shape == (k, k)
        assert np.array_equal(cm, _confusion_by_loops(y_true, y_pred, k))
        assert cm.sum() == n
        assert np.array_equal(cm.sum(axis=1), np.bincount(y_true, minlength=k))
        assert np.array_equal(cm.sum(axis=0), np.bincount(y_pred, minlength=k))
        assert np.trace(cm) == np.sum(y_true == y_pred)


def test_confusion_matrix_small_example_by_hand():
    cm = viz.confusion_matrix([1, 1, 0, 2], [1, 0, 0, 0])
    assert cm.tolist() == [[1, 0, 0], [1, 1, 0], [1, 0, 0]]


def test_confusion_matrix_infers_classes_and_checks_input():
    assert viz.confusion_matrix([0, 4], [4, 4]).shape == (5, 5)
    assert viz.confusion_matrix([], [], n_classes=3).sum() == 0
    with pytest.raises(ValueError, match="same length"):
        viz.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="n_classes"):
        viz.confusion_matrix([0, 5], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="class numbers"):
        viz.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="class numbers"):
        viz.confusion_matrix([0.5, 1.0], [0, 1])


# ------------------------------------------------------------------ figures


def _history(epochs: int, with_test: bool = True) -> History:
    h = History()
    for e in range(epochs):
        h.train_loss.append(1.0 / (e + 1))
        h.train_acc.append(0.5 + 0.04 * e)
        if with_test:
            h.val_loss.append(1.2 / (e + 1))
            h.val_acc.append(0.45 + 0.04 * e)
    return h


@pytest.mark.parametrize("epochs,with_test", [(0, True), (1, True), (5, True), (5, False)])
def test_plot_history_draws_train_and_test_curves(epochs, with_test):
    fig = viz.plot_history(_history(epochs, with_test), total_epochs=8)
    ax_loss, ax_acc = fig.axes
    assert len(ax_loss.lines) == (2 if with_test and epochs else 1)
    assert list(ax_acc.lines[0].get_ydata()) == pytest.approx(
        [100 * (0.5 + 0.04 * e) for e in range(epochs)]
    )
    assert ax_loss.get_xlim() == (0.5, 8.5)
    assert ax_acc.get_xlabel() == "epoch"


def test_plot_history_with_diverged_numbers_does_not_raise():
    h = _history(3)
    h.train_loss[-1] = h.val_loss[-1] = float("inf")
    h.val_acc[-1] = float("nan")
    viz.plot_history(h)


def test_plot_learned_kernels_one_panel_per_kernel():
    weight = np.random.default_rng(0).normal(size=(16, 1, 3, 3))
    fig = viz.plot_learned_kernels(weight)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 16
    assert np.array_equal(shown[5].images[0].get_array(), weight[5, 0])
    lo, hi = shown[5].images[0].get_clim()
    assert lo == -hi  # centred on zero
    assert (
        len([ax for ax in viz.plot_learned_kernels(weight[:5, 0], ncols=3).axes if ax.images]) == 5
    )
    with pytest.raises(ValueError, match="input channels"):
        viz.plot_learned_kernels(np.zeros((4, 3, 3, 3)))


def test_plot_layer_outputs_one_row_per_image_layer():
    model = cnnkit.digits_cnn()
    image = cnnkit.load_digits()[0][0]
    fig = viz.plot_layer_outputs(model, image, max_maps=4)
    outputs = model.forward_all(image[None])
    image_outputs = [out[0] for out in outputs if out.ndim == 4]  # the input and 4-D outputs
    rows = [ax for ax in fig.axes if ax.images]
    assert len(rows) == len(image_outputs)
    # Row 0: the input, as it is.
    assert np.array_equal(rows[0].images[0].get_array(), image[0])
    # Row 1: the first conv layer's first 4 maps, side by side with one NaN column between.
    first = rows[1].images[0].get_array()
    assert first.shape == (8, 4 * 8 + 3)
    assert np.allclose(first[:, :8], image_outputs[1][0])
    assert np.allclose(first[:, 9:17], image_outputs[1][1])
    assert np.all(np.ma.getmaskarray(first)[:, 8]) or np.all(np.isnan(np.ma.getdata(first)[:, 8]))
    # The last row's 2x2 maps are enlarged to 8x8: each value fills a 4x4 block.
    last = np.ma.getdata(rows[-1].images[0].get_array())
    assert np.allclose(last[:, :8], np.kron(image_outputs[-1][0], np.ones((4, 4))))
    labels = [t.get_text() for ax in rows for t in ax.texts]
    assert labels[1].endswith("16 x 8 x 8") and labels[-1].endswith("64 x 2 x 2")
    viz.plot_layer_outputs(model, image[0])  # a 2-D image works too
    with pytest.raises(ValueError):
        viz.plot_layer_outputs(model, np.zeros((2, 1, 8, 8)))


def test_plot_layer_outputs_of_an_all_zero_layer():
    # ReLU of an all-negative map is all zeros: a flat colour scale must not fail.
    model = cnnkit.digits_cnn()
    viz.plot_layer_outputs(model, np.zeros((8, 8)))


def test_plot_confusion_matrix_writes_every_nonzero_count():
    cm = viz.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    ax = viz.plot_confusion_matrix(cm)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(str(v) for v in cm.ravel() if v)
    assert "4 of 6" in ax.get_title()
    with pytest.raises(ValueError):
        viz.plot_confusion_matrix(np.zeros((2, 3)))


def test_plot_mistakes_titles_true_and_predicted():
    images = np.random.default_rng(0).random((6, 1, 8, 8))
    y_true, y_pred = np.array([1, 2, 3, 4, 5, 6]), np.array([1, 7, 3, 9, 5, 0])
    fig = viz.plot_mistakes(images, y_true, y_pred)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == ["true 2\npred 7", "true 4\npred 9", "true 6\npred 0"]
    fig = viz.plot_mistakes(images, y_true, y_pred, max_images=2)
    assert len([ax for ax in fig.axes if ax.images]) == 2
    fig = viz.plot_mistakes(images, y_true, y_true)
    assert "No mistakes" in fig.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="same length"):
        viz.plot_mistakes(images, y_true[:3], y_pred)


# ------------------------------------------------------------------ explorer network builder


def _fits(kernel_size: int, stride: int, n: int = 8) -> bool:
    """Independent of cnnkit: does the conv output leave room for 2x2 pooling?"""
    if kernel_size > n:
        return False
    side = (n - kernel_size) // stride + 1
    return side >= 2


def test_explorer_cnn_over_every_control_combination():
    x = np.zeros((2, 1, 8, 8))
    built = impossible = 0
    for n_kernels, k, s in itertools.product(
        CHOICES["n_kernels"], CHOICES["kernel_size"], CHOICES["stride"]
    ):
        if _fits(k, s):
            model = wt.explorer_cnn(n_kernels, k, s)
            assert model.forward(x).shape == (2, 10)
            side = ((8 - k) // s + 1) // 2
            assert model.layers[-1].in_features == n_kernels * side * side
            text = wt.describe_explorer_cnn(n_kernels, k, s)
            assert f"{n_kernels} x {side} x {side} = {n_kernels * side * side}" in text
            assert f"{model.n_params:,}" in text
            built += 1
        else:
            with pytest.raises(ValueError, match="choose a smaller kernel"):
                wt.explorer_cnn(n_kernels, k, s)
            with pytest.raises(ValueError):
                wt.describe_explorer_cnn(n_kernels, k, s)
            impossible += 1
    assert built and impossible  # both kinds of combination exist in the control ranges


def test_explorer_cnn_messages_quote_the_arithmetic():
    with pytest.raises(ValueError) as info:
        wt.explorer_cnn(8, 7, 2)
    assert "floor((8 - 7) / 2) + 1 = 1" in str(info.value) and "pooling" in str(info.value)
    with pytest.raises(ValueError, match="does not fit"):
        wt.explorer_cnn(8, 9, 1)


def test_explorer_cnn_layers_and_seed():
    model = wt.explorer_cnn(4, 3, 1, seed=5)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "ReLU",
        "MaxPool2D",
        "Flatten",
        "Dense",
    ]
    assert isinstance(model.layers[0], Conv2D) and model.layers[0].stride == (1, 1)
    assert isinstance(model.layers[2], MaxPool2D) and isinstance(model.layers[-1], Dense)
    again = wt.explorer_cnn(4, 3, 1, seed=5)
    assert np.array_equal(model.layers[0].params["weight"], again.layers[0].params["weight"])


@pytest.mark.parametrize("lr", CHOICES["lr"])
def test_train_explorer_cnn_over_every_learning_rate(lr, tiny_data):
    model, history = wt.train_explorer_cnn(4, 3, 1, lr=lr, epochs=1, data=tiny_data)
    assert isinstance(model, Sequential)
    assert history.epochs == 1 and len(history.val_acc) == 1
    assert 0.0 <= history.val_acc[0] <= 1.0
    assert wt._verdict(history).startswith("Test accuracy after 1 epochs")


@pytest.mark.parametrize("epochs", [CHOICES["epochs"][0], 2])
def test_train_explorer_cnn_epochs_and_callback(epochs, tiny_data):
    seen = []
    _, history = wt.train_explorer_cnn(
        2, 3, 2, lr=0.03, epochs=epochs, data=tiny_data, callback=lambda h: seen.append(h.epochs)
    )
    assert seen == list(range(1, epochs + 1)) and history.epochs == epochs


def test_train_explorer_cnn_learns(digits):
    _, history = wt.train_explorer_cnn(8, 3, 1, lr=0.03, epochs=2, data=digits)
    assert history.val_acc[-1] > 0.7 and history.val_loss[-1] < history.val_loss[0] * 1.01


def test_verdict_explains_a_diverged_run():
    h = _history(2)
    h.val_loss[-1] = float("nan")
    assert "learning rate is too large" in wt._verdict(h)


# ------------------------------------------------------------------ the widget


@pytest.fixture()
def small_explorer(monkeypatch, tiny_data):
    monkeypatch.setattr(wt, "_digits_split", lambda seed=0: tiny_data)
    return wt.training_explorer(n_kernels=4, epochs=1)


def test_explorer_conventions_and_controls(small_explorer):
    e = small_explorer
    assert "cnnkit-explorer" in e._dom_classes and "cnnkit-view" in e.view._dom_classes
    assert set(e.values()) == set(CHOICES)
    for name, control in e.controls.items():
        assert tuple(control.options) == CHOICES[name] and control.description
    assert e.last_result is None and not e.button.disabled


def test_explorer_train_from_code(small_explorer):
    e = small_explorer
    text = e.set(kernel_size=5, stride=1, epochs=2, lr=0.01)
    assert "floor((8 - 5) / 1) + 1 = 4" in text
    assert "2 epochs x 3 iterations = 6 weight updates, learning rate 0.01" in text  # 96 images
    result = e.train()
    assert result is e.last_result and result["history"].epochs == 2
    assert result["values"]["kernel_size"] == 5 and e.last_message == ""
    assert 0.0 <= result["test_acc"] <= 1.0


def test_explorer_impossible_choice_shows_a_message(small_explorer):
    e = small_explorer
    text = e.set(kernel_size=7, stride=2)
    assert "too small" in text and e.last_message == text and e.button.disabled
    assert e.train() is None and "too small" in e.last_message
    shown = " ".join(str(o.get("data", {}).get("text/html", "")) for o in e.view.outputs)
    assert "cnnkit-message" in shown and "too small" in shown
    e.set(kernel_size=3, stride=1)
    assert e.last_message == "" and not e.button.disabled
    assert e.view.outputs == ()  # the stale explanation is wiped from the view
    curves = ({"output_type": "stream", "name": "stdout", "text": "curves\n"},)
    e.view.outputs = curves
    e.set(kernel_size=5)  # a further valid move leaves the view alone
    assert e.view.outputs == curves


def test_explorer_unknown_control_and_unexpected_error(small_explorer, monkeypatch):
    e = small_explorer
    with pytest.raises(ValueError, match="no control"):
        e.set(padding=1)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(wt, "train_explorer_cnn", broken)
    with pytest.raises(RuntimeError):
        e.train()


# ------------------------------------------------------------------ exercises


def test_exercises_registered_with_notebook_names():
    for name, check in [
        ("05.1", ex.check_explorer_features),
        ("05.2", ex.check_largest_kernel),
        ("05.3", ex.check_accuracy_from_confusion),
        ("05.4", ex.check_most_confused),
    ]:
        assert EXERCISES[name] is check
        assert not check(None) and "replace None" in check(None).message


def test_exercise_explorer_features():
    side = ((8 - 5) // 2 + 1) // 2
    assert ex.check_explorer_features(16 * side * side)
    wrong = ex.check_explorer_features(16 * 2 * 2)
    assert not wrong and "before pooling" in wrong.message
    assert not ex.check_explorer_features(7)


def test_exercise_largest_kernel():
    largest = max(k for k in range(1, 9) if _fits(k, 1))
    assert ex.check_largest_kernel(largest)
    assert "1x1" in ex.check_largest_kernel(largest + 1).message
    assert not ex.check_largest_kernel(3)


def test_exercise_accuracy_from_confusion():
    assert ex.check_accuracy_from_confusion(lambda cm: np.trace(cm) / cm.sum())
    assert (
        "percentage"
        in ex.check_accuracy_from_confusion(lambda cm: 100 * np.trace(cm) / cm.sum()).message
    )
    per_class = ex.check_accuracy_from_confusion(lambda cm: np.mean(np.diag(cm) / cm.sum(axis=1)))
    assert not per_class and "per-class" in per_class.message
    assert not ex.check_accuracy_from_confusion(0.98)


def test_exercise_most_confused():
    def right(cm):
        off = cm.copy()
        np.fill_diagonal(off, 0)
        t, p = np.unravel_index(off.argmax(), off.shape)
        return int(t), int(p)

    assert ex.check_most_confused(right)
    assert "swapped" in ex.check_most_confused(lambda cm: right(cm)[::-1]).message
    diagonal = ex.check_most_confused(lambda cm: np.unravel_index(cm.argmax(), cm.shape))
    assert not diagonal and "diagonal" in diagonal.message
    assert not ex.check_most_confused((3, 5))


# ------------------------------------------------------------------ kernels before and after


def test_kernel_movement_against_a_loop_and_known_cases():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(5, 1, 3, 3)), rng.normal(size=(5, 1, 3, 3))
    moved = viz.kernel_movement(a, b)
    for i in range(5):
        u, v = a[i].ravel(), b[i].ravel()
        dot = sum(p * q for p, q in zip(u, v))
        size_u, size_v = math.sqrt(sum(p * p for p in u)), math.sqrt(sum(q * q for q in v))
        assert math.isclose(moved["cosine"][i], dot / (size_u * size_v), rel_tol=1e-12)
        diff = math.sqrt(sum((q - p) ** 2 for p, q in zip(u, v)))
        assert math.isclose(moved["relative_change"][i], diff / size_u, rel_tol=1e-12)
    same = viz.kernel_movement(a, 3 * a)  # same pattern, three times as large
    assert np.allclose(same["cosine"], 1) and np.allclose(same["relative_change"], 2)
    assert np.allclose(viz.kernel_movement(a, -a)["cosine"], -1)
    zero = viz.kernel_movement(np.zeros((1, 3, 3)), np.ones((1, 3, 3)))
    assert np.isnan(zero["cosine"][0]) and np.isnan(zero["relative_change"][0])
    with pytest.raises(ValueError, match="same shape"):
        viz.kernel_movement(a, b[:3])
    with pytest.raises(ValueError, match="start"):
        viz.kernel_movement(np.zeros((2, 3, 3, 3)), np.zeros((2, 3, 3, 3)))


def test_plot_kernels_before_after_rows_scale_and_titles():
    rng = np.random.default_rng(4)
    a = rng.normal(size=(6, 1, 3, 3))
    b = a + 0.1 * rng.normal(size=a.shape)
    fig = viz.plot_kernels_before_after(a, b)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 18  # three rows of six
    assert np.array_equal(panels[6 + 2].images[0].get_array(), b[2, 0])
    assert np.allclose(panels[12 + 2].images[0].get_array(), b[2, 0] - a[2, 0])
    clims = {ax.images[0].get_clim() for ax in panels}
    assert len(clims) == 1 and next(iter(clims))[0] == -next(iter(clims))[1]  # one scale
    cos = viz.kernel_movement(a, b)["cosine"]
    assert [ax.get_title() for ax in panels[:6]] == [f"{c:.2f}" for c in cos]
    assert fig._suptitle.get_text() and len(fig.axes) == 19  # a title and one colour bar


def test_plot_layer_outputs_uses_ink_then_signed_colours():
    model = cnnkit.digits_cnn()
    image = cnnkit.load_digits()[0][0]
    fig = viz.plot_layer_outputs(model, image)
    rows = [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
    assert rows[0].images[0].get_cmap().name.startswith("gray_r")
    assert rows[0].images[0].get_clim() == (0.0, 1.0)
    for ax in rows[1:]:
        lo, hi = ax.images[0].get_clim()
        assert ax.images[0].get_cmap().name.startswith("RdBu_r") and lo == -hi


def test_exercise_05_1_question_quotes_the_checks_constants():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "notebooks" / "05_training_a_cnn.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    text = next(c for c in cells if "**05.1**" in c and c.lstrip().startswith("## Ex"))
    f = ex.FEATURES_CHOICE
    assert (
        f"{f['n_kernels']} kernels of size {f['kernel_size']}x{f['kernel_size']} with "
        f"stride {f['stride']}"
    ) in text
    assert f"explorer_cnn({f['n_kernels']}, {f['kernel_size']}, {f['stride']})" in text


def test_verdict_reads_the_gap_in_loss():
    h = _history(4)
    h.val_acc[:] = [0.9] * 4
    h.val_loss[:] = [0.30, 0.20, 0.25, 0.30]  # lowest after epoch 2, then rising
    h.train_loss[:] = [0.5, 0.1, 0.05, 0.01]
    text = wt._verdict(h)
    assert "lowest after epoch 2 (0.200)" in text and "overfitting" in text
    h.val_loss[:] = [0.30, 0.20, 0.15, 0.12]  # still falling, far above training
    text = wt._verdict(h)
    assert "12 times smaller" in text and "overfitting" not in text
    h.train_loss[:] = [0.5, 0.3, 0.2, 0.1]  # no large gap: nothing to add
    assert wt._verdict(h) == "Test accuracy after 4 epochs: 90.0% (test loss 0.120)."
