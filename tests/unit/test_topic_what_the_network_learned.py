"""Notebook 08 (what the network learned): the figures, every explorer control over its whole
range (why explorer, drawing pad, own picture), and every exercise check with right answers
and wrong ones of many types."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import cnnkit
from cnnkit.exercises import EXERCISES
from cnnkit.exercises import what_the_network_learned as ex
from cnnkit.viz import what_the_network_learned as viz
from cnnkit.widgets import what_the_network_learned as wt


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def model():
    return cnnkit.small_digits_cnn(seed=0)


@pytest.fixture(scope="module")
def digits():
    X, y = cnnkit.load_digits()
    return X[:3], y[:3]  # the index slider's whole range is these three


# ------------------------------------------------------------------ figures


def test_figures_draw():
    k = np.random.default_rng(0).standard_normal((4, 3, 3))
    assert isinstance(viz.plot_kernel_movement(k, 2 * k, np.ones(4), "t"), plt.Figure)
    assert isinstance(viz.plot_learned_vs_template(k, k, np.ones(4), "t"), plt.Figure)
    probs = np.full(10, 0.1)
    fig = viz.plot_why(np.zeros((1, 8, 8)), np.zeros((1, 8, 8)), np.zeros((7, 7)), probs, 3)
    assert isinstance(fig, plt.Figure)
    fig = viz.plot_mistakes_with_saliency(
        np.zeros((2, 8, 8)), np.ones((2, 8, 8)), [1, 2], [3, 4], [0.9, 0.8]
    )
    assert isinstance(fig, plt.Figure)


# ------------------------------------------------------------------ why explorer


def test_why_view_every_control(model, digits):
    X, y = digits
    for index in range(len(X)):
        for target in ["predicted", "true", *range(10)][index :: len(X)]:
            fig = wt.why_view(model, X, y, index, target, patch=2)
            assert isinstance(fig, plt.Figure)
            plt.close(fig)
    for patch in range(1, 9):
        assert isinstance(wt.why_view(model, X, y, 0, "true", patch), plt.Figure)
        plt.close("all")


def test_why_explorer_moves(model, digits):
    X, y = digits
    e = wt.why_explorer(model, X, y)
    assert e.controls["patch"].max == 8 and e.controls["index"].max == len(X) - 1
    e.set(index=len(X) - 1, target=9, patch=8)
    assert e.last_message == "" and isinstance(e.last_result, plt.Figure)


# ------------------------------------------------------------------ drawing pad


def test_pad_view_every_brush_and_extremes(model):
    for brush in wt.PAD_LEVELS.values():
        for digit in (np.zeros((8, 8)), np.ones((8, 8)), np.eye(8)):
            assert isinstance(wt.pad_view(model, digit, brush), plt.Figure)
            plt.close("all")


def test_drawing_pad_paints_every_cell_with_every_brush(model, digits):
    X, _ = digits
    pad = wt.drawing_pad(model, X[:, 0])
    assert len(pad.cells) == 64
    for brush in wt.PAD_LEVELS.values():
        pad.set(brush=brush)
        for cell in pad.cells[::9]:
            cell.click()
    pad.set(brush=1.0)
    with pad.hold():  # every cell, one redraw at the end
        for i, cell in enumerate(pad.cells):
            cell.click()
            assert pad.grid.reshape(-1)[i] == 1.0
    assert pad.cells[0].style.button_color == "#000000"
    assert pad.last_message == ""


def test_drawing_pad_buttons_and_probabilities(model, digits):
    X, _ = digits
    pad = wt.DrawingPad(model, X[:, 0])
    empty = pad.probabilities()
    pad.paint(3, 3)
    assert not np.allclose(pad.probabilities(), empty)
    pad.load_button.click()
    assert np.array_equal(pad.grid, X[0, 0])
    assert np.allclose(pad.probabilities(), cnnkit.predict_proba(model, X[:1])[0])
    pad.invert_button.click()
    assert np.allclose(pad.grid, 1 - X[0, 0])
    pad.clear_button.click()
    assert pad.grid.sum() == 0 and pad.cells[5].style.button_color == "#ffffff"
    for _ in range(len(X) + 2):  # wraps round the test digits
        pad.load_test_digit()
    no_digits = wt.DrawingPad(model)
    assert no_digits.load_button.disabled
    no_digits.load_test_digit()  # does nothing, no error
    assert no_digits.grid.sum() == 0


# ------------------------------------------------------------------ own picture


def _png(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="png")
    return buffer.getvalue()


def test_own_image_every_kernel_and_picture(model):
    e = wt.own_image_explorer(model)
    for kernel in cnnkit.KERNELS:
        e.set(picture=wt.PHOTO, kernel=kernel)
        assert e.last_message == "" and isinstance(e.last_result, plt.Figure)
        plt.close("all")
    e.set(picture=wt.UPLOAD)
    assert "no file uploaded" in e.last_message
    e.use_bytes(_png(np.random.default_rng(0).integers(0, 255, (300, 200))), "big.png")
    assert e.last_message == "" and max(e.uploaded.shape) == e.size
    for kernel in cnnkit.KERNELS:
        e.set(kernel=kernel)
        assert e.last_message == ""
        plt.close("all")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"plain text",
        b"%PDF-1.4 not a picture",
        bytes(range(256)),
        b"\x89PNG\r\n\x1a\n cut short",
    ],
)
def test_own_image_not_a_picture(model, data):
    e = wt.OwnImageExplorer(model)
    e.use_bytes(data, "notes.txt")
    assert "notes.txt is not an image" in e.last_message
    assert e.controls["picture"].value == wt.UPLOAD
    e.use_bytes(_png(np.full((20, 20), 255)), "white.png")  # a good file after a bad one
    assert e.last_message == ""


def test_own_image_through_the_upload_widget(model):
    e = wt.OwnImageExplorer(model)
    e._on_upload({"new": ({"name": "t.txt", "content": memoryview(b"abc")},)})
    assert "t.txt is not an image" in e.last_message
    e._on_upload({"new": ()})  # cleared: nothing happens
    e._on_upload({"new": ({"name": "p.png", "content": memoryview(_png(np.zeros((9, 9))))},)})
    assert e.last_message == "" and e.uploaded.shape == (9, 9)


# ------------------------------------------------------------------ exercises


def _never_raises(check, answers):
    for answer in answers:
        fb = check(answer)
        assert isinstance(fb.correct, bool) and fb.message


WRONG_TYPES = [
    None,
    "36",
    "abc",
    3.5,
    -1,
    [1, 2],
    (36,),
    {"a": 1},
    {1, 2},
    np.zeros((2, 2)),
    True,
    float("nan"),
    print,
    b"36",
    np.array([[1.0]]),
    [[1, 2], [3]],
]


def test_08_1():
    right = cnnkit.conv_output_size(8, 3, 1) ** 2
    for answer in (right, float(right), np.int64(right), [right], np.array([right])):
        assert ex.check_occlusion_positions(answer)
    for wrong, hint in (
        (6, "one row"),
        (64, "one position per pixel"),
        (25, "+ 1"),
        (30, "output-size"),
    ):
        fb = ex.check_occlusion_positions(wrong)
        assert not fb and hint in fb.message
    _never_raises(ex.check_occlusion_positions, WRONG_TYPES)
    assert "08.1" in EXERCISES


def test_08_2():
    weight = ex.linear_model().layers[1].params["weight"]
    right = weight[ex.LINEAR_CLASS].reshape(8, 8)
    for answer in (right, right.tolist(), right.reshape(1, 8, 8), right.reshape(64)):
        assert ex.check_linear_gradient(answer)
    cases = [
        (-right, "sign"),
        (weight, "whole weight matrix"),
        (weight[0].reshape(8, 8), "class 0"),
        (np.zeros((8, 8)), "weight[class]"),
        (np.zeros((3, 3)), "shape"),
    ]
    for wrong, hint in cases:
        fb = ex.check_linear_gradient(wrong)
        assert not fb and hint in fb.message, (hint, fb.message)
    _never_raises(ex.check_linear_gradient, WRONG_TYPES)


def test_08_3():
    def right(a, b):
        a, b = np.ravel(a), np.ravel(b)
        return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))

    assert ex.check_cosine_function(right)
    assert ex.check_cosine_function(lambda a, b: cnnkit.cosine_similarity(np.ravel(a), np.ravel(b)))
    cases = [
        (lambda a, b: np.sum(a * b), "dot product"),
        (lambda a, b: np.sum(a * b) / np.linalg.norm(a), "BOTH"),
        (lambda a, b: a * b, "one number"),
        (lambda a, b: 1 / 0, "error"),
        (lambda a: 1, "error"),
        (lambda a, b: "1", "one number"),
        (lambda a, b: None, "one number"),
        (lambda a, b: 0.5, "cosine"),
    ]
    for wrong, hint in cases:
        fb = ex.check_cosine_function(wrong)
        assert not fb and hint in fb.message, (hint, fb.message)
    _never_raises(ex.check_cosine_function, WRONG_TYPES)


def test_solutions_are_right():
    import cnnkit as ck

    for name, check in (
        ("08.1", ex.check_occlusion_positions),
        ("08.2", ex.check_linear_gradient),
        ("08.3", ex.check_cosine_function),
    ):
        scope = {"np": np, "cnnkit": ck, "linear_model": ex.linear_model}
        exec(EXERCISES[name].solution, scope)  # noqa: S102 - the solution text itself
        assert check(scope["answer"]), name
