"""The shipped digits, the seeded stratified split, and the sample photo."""

from __future__ import annotations

import numpy as np
import pytest

from cnnkit import load_digits, sample_image, train_test_split


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_digits_shapes_dtypes_and_range(digits):
    images, labels = digits
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    # pixel counts 0..16 scaled by 1/16
    np.testing.assert_array_equal(images * 16, np.round(images * 16))


def test_digits_labels_are_balanced(digits):
    _, labels = digits
    counts = np.bincount(labels)
    assert len(counts) == 10 and set(np.unique(labels)) == set(range(10))
    assert counts.sum() == 1797
    assert np.all(np.abs(counts - 180) <= 10)


def test_digits_are_fresh_copies(digits):
    images, _ = digits
    images[0] = -1.0  # changing one copy leaves the next load untouched
    again, _ = load_digits()
    assert again.min() == 0.0


def test_split_is_stratified_disjoint_and_covering(digits):
    images, labels = digits
    idx = np.arange(len(labels))
    X_train, X_test, y_train, y_test = train_test_split(idx, labels, test_size=0.2, seed=0)
    assert len(X_test) == len(y_test) and len(X_train) == len(y_train)
    assert len(np.intersect1d(X_train, X_test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test])), idx)
    np.testing.assert_array_equal(labels[X_train], y_train)
    np.testing.assert_array_equal(labels[X_test], y_test)
    for digit in range(10):
        total = np.sum(labels == digit)
        assert abs(np.sum(y_test == digit) - 0.2 * total) <= 1, digit


def test_split_carries_images_with_their_labels(digits):
    images, labels = digits
    X_train, X_test, y_train, y_test = train_test_split(images, labels, seed=1)
    assert X_train.shape[1:] == (1, 8, 8) and len(X_train) + len(X_test) == 1797
    # each test image is one of the originals, with its own label
    first = X_test[0]
    match = np.flatnonzero(np.all(images == first, axis=(1, 2, 3)))
    assert y_test[0] in labels[match]


def test_split_is_seeded():
    X, y = np.arange(100), np.repeat(np.arange(5), 20)
    a = train_test_split(X, y, seed=7)
    b = train_test_split(X, y, seed=7)
    c = train_test_split(X, y, seed=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])


def test_unstratified_split_sizes():
    X, y = np.arange(50), np.arange(50) % 3
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.3, stratify=False)
    assert len(X_test) == 15 and len(X_train) == 35


def test_sample_image_is_gray_in_unit_range():
    img = sample_image()
    assert img.ndim == 2 and img.dtype == np.float64
    assert img.min() >= 0.0 and img.max() <= 1.0 and img.std() > 0.05


def test_sample_image_color_and_size():
    rgb = sample_image(color=True)
    assert rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.shape[:2] == sample_image().shape
    small = sample_image(size=64)
    assert small.ndim == 2 and small.min() >= 0.0 and small.max() <= 1.0


@pytest.mark.parametrize("size", [1, 7, 64, 120, 128, 160, 333, 600])
def test_sample_image_size_is_the_longer_side_exactly(size):
    # the photo is 600 x 512: the height becomes `size`, the width shrinks by the same factor,
    # rounded to the nearest pixel with a half rounding up
    h, w = sample_image(size=size).shape
    assert h == size
    assert w == max(1, int(512 * size / 600 + 0.5))


def test_sample_image_size_pair_is_the_exact_shape_and_averages_areas():
    full = sample_image()
    assert sample_image(size=(32, 40)).shape == (32, 40)
    assert sample_image(color=True, size=(32, 40)).shape == (32, 40, 3)
    # halving both sides averages each 2x2 block of the photo
    half = sample_image(size=(300, 256))
    assert np.allclose(half, full.reshape(300, 2, 256, 2).mean(axis=(1, 3)))
    assert np.allclose(sample_image(size=600), full)


@pytest.mark.parametrize("size", [0, -3, (10,), (0, 5)])
def test_sample_image_bad_size_names_the_argument(size):
    with pytest.raises(ValueError, match="size"):
        sample_image(size=size)
