"""cnnkit.interpret, cnnkit.strokes and cnnkit.own_image: input gradients against numerical
gradients, occlusion against its loop version, activation maximisation, kernel similarity,
the bars data set and reading pictures."""

from __future__ import annotations

import io

import numpy as np
import pytest

import cnnkit


@pytest.fixture(scope="module")
def model():
    return cnnkit.small_digits_cnn(seed=3)


def _tie_free(shape, seed=0):
    """Inputs with no ties in max pooling: a numerical gradient is then well defined."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, shape)


@pytest.mark.parametrize("target", [0, 4, 9])
def test_input_gradient_matches_numerical(model, target):
    x = _tie_free((1, 8, 8), target)
    grad = cnnkit.input_gradient(model, x, target)
    numeric = cnnkit.numerical_gradient(
        lambda v: float(model.forward(v[None])[0, target]), x.copy()
    )
    assert grad.shape == x.shape
    assert cnnkit.relative_error(grad, numeric) < 1e-6


def test_input_gradient_of_loss_matches_numerical(model):
    x = _tie_free((3, 1, 8, 8), 5)
    t = np.array([1, 2, 7])
    grad = cnnkit.input_gradient(model, x, t, of="loss")

    def loss(v):
        return float(cnnkit.softmax_cross_entropy(model.forward(v), t)[0])

    assert cnnkit.relative_error(grad, cnnkit.numerical_gradient(loss, x.copy())) < 1e-6


def test_linear_model_gradient_is_the_weight_row():
    model = cnnkit.Sequential(cnnkit.Flatten(), cnnkit.Dense(64, 10, rng=1))
    grad = cnnkit.input_gradient(model, np.random.default_rng(0).random((4, 1, 8, 8)), 6)
    weight = model.layers[1].params["weight"]
    assert np.allclose(grad, weight[6].reshape(1, 1, 8, 8))


def test_input_gradient_keeps_weights(model):
    before = [p["weight"].copy() for p, _ in model.params()]
    cnnkit.input_gradient(model, _tie_free((1, 8, 8)), 2)
    assert all(np.array_equal(b, p["weight"]) for b, (p, _) in zip(before, model.params()))


@pytest.mark.parametrize(
    "bad, error",
    [(10, ValueError), (-1, ValueError), (1.5, TypeError), ("3", TypeError), ([1, 2], ValueError)],
)
def test_input_gradient_bad_target(model, bad, error):
    with pytest.raises(error, match="target"):
        cnnkit.input_gradient(model, np.zeros((1, 8, 8)), bad)


def test_input_gradient_bad_input_and_of(model):
    with pytest.raises(ValueError, match="x has shape"):
        cnnkit.input_gradient(model, np.zeros((8, 8)), 0)
    with pytest.raises(ValueError, match="of="):
        cnnkit.input_gradient(model, np.zeros((1, 8, 8)), 0, of="probability")


def test_saliency_is_abs_gradient(model):
    x = _tie_free((2, 1, 8, 8), 9)
    sal = cnnkit.saliency_map(model, x, [3, 4])
    assert sal.shape == (2, 8, 8) and np.all(sal >= 0)
    assert np.allclose(sal[1], np.abs(cnnkit.input_gradient(model, x[1], 4))[0])


@pytest.mark.parametrize(
    "patch, stride, fill", [(1, 1, 0.0), (2, 1, 0.0), (3, 2, 0.5), (8, 1, 1.0), (2, 3, 0.0)]
)
def test_occlusion_matches_loops(model, patch, stride, fill):
    x = _tie_free((1, 8, 8), 2)
    fast = cnnkit.occlusion_map(model, x, 5, patch, stride, fill)
    slow = cnnkit.occlusion_map_naive(model, x, 5, patch, stride, fill)
    side = cnnkit.conv_output_size(8, patch, stride)
    assert fast.shape == (side, side)
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_occlusion_of_nothing_changes_nothing(model):
    """Covering an empty image with 'no ink' leaves it as it was: no drop anywhere."""
    assert np.allclose(cnnkit.occlusion_map(model, np.zeros((1, 8, 8)), 0, 3), 0.0)


def test_occlusion_bad_patch(model):
    with pytest.raises(ValueError, match="patch=9"):
        cnnkit.occlusion_map(model, np.zeros((1, 8, 8)), 0, patch=9)
    with pytest.raises(ValueError, match="one image"):
        cnnkit.occlusion_map(model, np.zeros((2, 1, 8, 8)), 0)


def test_maximise_activation_raises_the_score(model):
    start = 0.5 * np.ones((1, 8, 8))
    image = cnnkit.maximise_activation(model, len(model.layers) - 1, 2, steps=40)
    assert image.shape == (1, 8, 8) and image.min() >= 0 and image.max() <= 1

    def score(v):
        return float(cnnkit.unit_activation(model, v, len(model.layers) - 1, 2))

    assert score(image) > score(start) + 1.0
    again = cnnkit.maximise_activation(model, len(model.layers) - 1, 2, steps=40)
    assert np.array_equal(image, again)  # seeded


def test_maximise_activation_options_and_errors(model):
    img = cnnkit.maximise_activation(model, 1, 0, steps=5, jitter=2, blur=0.0, l2=0.0)
    assert img.shape == (1, 8, 8)
    with pytest.raises(ValueError, match="layer_index"):
        cnnkit.maximise_activation(model, 99, 0)
    with pytest.raises(ValueError, match="unit"):
        cnnkit.maximise_activation(model, 0, 8)


def test_cosine_and_movement():
    a = np.random.default_rng(0).standard_normal((4, 1, 3, 3))
    assert np.allclose(cnnkit.kernel_movement(a, 2 * a), 1.0)
    assert np.allclose(cnnkit.kernel_movement(a, -a), -1.0)
    assert cnnkit.cosine_similarity(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == 0.0
    assert cnnkit.cosine_similarity(np.zeros(3), np.ones(3)) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        cnnkit.cosine_similarity(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="conv weight"):
        cnnkit.kernel_movement(np.zeros((3, 3)), np.zeros((3, 3)))


def test_oriented_kernels_are_the_classic_ones():
    """Sobel typed by hand in cnnkit.filters, against the recipe at angles 0 and 270."""
    assert (
        abs(
            cnnkit.cosine_similarity(
                cnnkit.oriented_edge_kernel(3, 0), cnnkit.get_kernel("sobel_vertical")
            )
            - 1
        )
        < 1e-12
    )
    assert (
        abs(
            cnnkit.cosine_similarity(
                cnnkit.oriented_edge_kernel(3, 270), cnnkit.get_kernel("sobel_horizontal")
            )
            - 1
        )
        < 1e-12
    )
    line = cnnkit.oriented_line_kernel(5, 0)
    assert abs(line.sum()) < 1e-12 and line[2, 2] > 0 and line[0, 2] < 0  # bright middle row
    assert np.allclose(cnnkit.oriented_line_kernel(5, 90), line.T)


def test_best_orientation_match_finds_the_angle():
    kernels = np.stack([cnnkit.oriented_edge_kernel(5, 45), cnnkit.oriented_line_kernel(5, 135)])
    best, angle = cnnkit.best_orientation_match(kernels, "edge")
    assert best[0] == pytest.approx(1.0) and angle[0] == 45
    best, angle = cnnkit.best_orientation_match(kernels, "line")
    assert best[1] == pytest.approx(1.0) and angle[1] % 180 == 135
    with pytest.raises(ValueError, match="kind"):
        cnnkit.best_orientation_match(kernels, "corner")
    with pytest.raises(ValueError, match="square"):
        cnnkit.best_orientation_match(np.zeros((2, 3, 4)))


def test_make_bars_is_seeded_and_balanced():
    a, la = cnnkit.make_bars(40, 16, seed=1)
    b, lb = cnnkit.make_bars(40, 16, seed=1)
    assert a.shape == (40, 1, 16, 16) and np.array_equal(a, b) and np.array_equal(la, lb)
    assert a.min() >= 0 and a.max() <= 1
    assert np.array_equal(np.bincount(la), [10, 10, 10, 10])
    with pytest.raises(ValueError, match="size=4"):
        cnnkit.make_bars(4, 4)


def test_make_bars_direction_is_the_label():
    """Without noise, a horizontal bar's ink spreads along the rows, a vertical bar's along
    the columns."""
    images, labels = cnnkit.make_bars(80, 16, seed=2, noise=0.0)
    ink = images[:, 0]
    spread_cols = (ink.sum(axis=1) > 0.5).sum(axis=1)  # columns the bar touches
    spread_rows = (ink.sum(axis=2) > 0.5).sum(axis=1)
    horizontal, vertical = labels == 0, labels == 2
    assert np.all(spread_cols[horizontal] > spread_rows[horizontal])
    assert np.all(spread_rows[vertical] > spread_cols[vertical])


def test_networks_shapes():
    assert cnnkit.bars_cnn().forward(np.zeros((2, 1, 16, 16))).shape == (2, 4)
    assert cnnkit.small_digits_cnn().forward(np.zeros((2, 1, 8, 8))).shape == (2, 10)
    with pytest.raises(ValueError, match="kernel_size"):
        cnnkit.bars_cnn(kernel_size=15)


def _png(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="png")
    return buffer.getvalue()


def test_read_image_and_not_an_image():
    gray = cnnkit.read_image(_png(np.full((5, 7), 255)))
    assert gray.shape == (5, 7) and np.allclose(gray, 1.0)
    for bad in (b"", b"hello", b"\x89PNG\r\n\x1a\n broken", bytes(range(256))):
        with pytest.raises(ValueError, match="not an image"):
            cnnkit.read_image(bad, "x.bin")
    with pytest.raises(TypeError, match="bytes"):
        cnnkit.read_image("picture.png")


def test_to_digit_counts_ink_like_the_digits():
    paper = np.ones((32, 32))
    paper[:, 4:8] = 0.0  # one dark column band: block column 1 full
    digit = cnnkit.to_digit(paper)
    assert digit.shape == (1, 8, 8)
    assert np.allclose(digit[0, :, 1], 1.0) and np.allclose(np.delete(digit[0], 1, 1), 0)
    assert np.allclose(cnnkit.to_digit(1 - paper), digit)  # light ink on dark paper
    assert np.allclose(cnnkit.resize_area(np.ones((10, 7)), 3, 4), 1.0)
    with pytest.raises(ValueError, match="2-D"):
        cnnkit.resize_area(np.ones((2, 3, 4)), 3, 3)
