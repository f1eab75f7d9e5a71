"""Bad-input cases: your own picture (read, resize, to a digit), the bars data set and the
networks built for the comparison notebooks."""

from __future__ import annotations

import io

import numpy as np

import cnnkit as ck

from .table import Spec, bad, equals, from_spec, good, rand, readonly, same, shaped, strided


def _png(pixels, mode="L"):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8), mode=mode).save(buf, "PNG")
    return buf.getvalue()


PNG = _png([[0, 255, 51], [102, 204, 153]])
PNG_PIXELS = np.array([[0, 255, 51], [102, 204, 153]]) / 255.0

# -- read_image ------------------------------------------------------------------------

for _id, _data, _cat in (
    ("bytes", PNG, "types"),
    ("bytearray", bytearray(PNG), "types"),
    ("memoryview", memoryview(PNG), "types"),
    ("readonly-view", memoryview(bytes(PNG)).toreadonly(), "readonly/non-contiguous"),
):
    good(
        "read_image",
        _cat,
        f"data-{_id}",
        lambda d=_data: ck.read_image(d),
        equals(lambda: PNG_PIXELS, rtol=0, atol=1e-12),
    )
good(
    "read_image",
    "numbers",
    "colour-becomes-gray",
    lambda: ck.read_image(_png(np.full((2, 2, 3), [255, 0, 0]), mode="RGB")),
    lambda r: same(
        (r.shape, bool(np.allclose(r, r[0, 0])), bool(0.2 < r[0, 0] < 0.4)), ((2, 2), True, True)
    ),
)
good(
    "read_image",
    "mutation",
    "bytes-unchanged",
    lambda: _read_keeps_bytes(),
    lambda r: same(r, True),
)
for _id, _data, _exc, _cat, _words in (
    ("text", b"hello", ValueError, "strings", ("notes.txt is not an image",)),
    ("empty", b"", ValueError, "empty", ("notes.txt", "0 bytes")),
    ("cut-short", PNG[:20], ValueError, "numbers", ("notes.txt", "20 bytes")),
    ("path-string", "digit.png", TypeError, "strings", ("data is a str",)),
    ("none", None, TypeError, "types", ("data is a NoneType",)),
    ("list", list(PNG), TypeError, "lists", ("data is a list",)),
    ("array", np.frombuffer(PNG, np.uint8), TypeError, "types", ("data is a ndarray",)),
):
    bad(
        "read_image",
        _cat,
        f"data-{_id}",
        lambda d=_data: ck.read_image(d, "notes.txt"),
        _exc,
        *_words,
    )
for _id, _name, _cat in (
    ("int", 3, "types"),
    ("none", None, "types"),
    ("bytes", b"a.png", "strings"),
):
    bad(
        "read_image",
        _cat,
        f"name-{_id}",
        lambda n=_name: ck.read_image(b"x", n),
        TypeError,
        "name=",
    )


def _read_keeps_bytes():
    data = bytearray(PNG)
    ck.read_image(data)
    return bytes(data) == PNG


# -- resize_area and to_digit ----------------------------------------------------------

IMG = rand(10, 7, seed=5)
from_spec(
    Spec(
        "resize_area",
        lambda **kw: ck.resize_area(**kw),
        lambda: dict(image=IMG.copy(), height=4, width=5),
        arrays={
            "image": dict(
                ndim=[IMG[0], IMG[None]],
                empty=(np.zeros((0, 7)), None),
                nan="reject",
                tol=dict(rtol=1e-12),
            )
        },
        counts={"height": "too large", "width": "too large"},
    )
)
good(
    "resize_area",
    "numbers",
    "same-size-is-identity",
    lambda: ck.resize_area(IMG, 10, 7),
    equals(lambda: IMG, rtol=1e-12, atol=1e-15),
)
good(
    "resize_area",
    "numbers",
    "halving-averages-pairs",
    lambda: ck.resize_area(np.arange(16.0).reshape(4, 4), 2, 2),
    equals(lambda: np.array([[2.5, 4.5], [10.5, 12.5]]), rtol=1e-12),
)
good(
    "resize_area",
    "numbers",
    "to-one-pixel-is-the-mean",
    lambda: ck.resize_area(IMG, 1, 1),
    equals(lambda: np.array([[IMG.mean()]]), rtol=1e-12),
)
good(
    "resize_area",
    "numbers",
    "growing-repeats",
    lambda: ck.resize_area(np.eye(2), 4, 4),
    equals(lambda: np.kron(np.eye(2), np.ones((2, 2))), rtol=1e-12, atol=1e-15),
)
good(
    "resize_area",
    "numbers",
    "largest-side-allowed",
    lambda: ck.resize_area(np.ones((1, 1)), 8192, 1),
    shaped((8192, 1)),
)
bad(
    "resize_area",
    "empty",
    "image-no-columns",
    lambda: ck.resize_area(np.zeros((3, 0)), 2, 2),
    ValueError,
    "image has shape (3, 0)",
)
bad(
    "resize_area",
    "numbers",
    "height-above-limit",
    lambda: ck.resize_area(IMG, 8193, 2),
    ValueError,
    "height=8193 is too large",
)

BLANK, INKED = np.ones((40, 40)), np.ones((40, 40))
INKED[8:24, 4:12] = 0.0  # dark ink: rows 8..23, columns 4..11 of a 40x40 page
from_spec(
    Spec(
        "to_digit",
        lambda **kw: ck.to_digit(**kw),
        lambda: dict(image=INKED.copy()),
        arrays={
            "image": dict(
                ndim=[INKED[0], INKED[None]], empty=(np.zeros((0, 40)), None), nan="reject"
            )
        },
    )
)
for _id, _v, _cat in (("string", "yes", "types"), ("int", 1, "types"), ("list", [True], "lists")):
    bad(
        "to_digit",
        _cat,
        f"light_ink-{_id}",
        lambda v=_v: ck.to_digit(INKED, light_ink=v),
        TypeError,
        "light_ink=",
    )
good(
    "to_digit",
    "numbers",
    "blank-page-no-ink",
    lambda: ck.to_digit(BLANK),
    equals(lambda: np.zeros((1, 8, 8))),
)
good(
    "to_digit",
    "numbers",
    "ink-counted-per-block",
    lambda: ck.to_digit(INKED),
    equals(lambda: _expected_digit()),
)
good(
    "to_digit",
    "numbers",
    "light-ink-on-dark-is-the-same",
    lambda: ck.to_digit(1.0 - INKED),
    equals(lambda: ck.to_digit(INKED)),
)
good(
    "to_digit",
    "numbers",
    "forcing-light-ink-counts-the-paper",
    lambda: ck.to_digit(INKED, light_ink=True),
    equals(lambda: 1.0 - ck.to_digit(INKED)),
)
good(
    "to_digit",
    "numbers",
    "numpy-bool-light-ink",
    lambda: ck.to_digit(INKED, light_ink=np.bool_(False)),
    equals(lambda: ck.to_digit(INKED)),
)
good(
    "to_digit",
    "numbers",
    "one-pixel-picture",
    lambda: ck.to_digit(np.zeros((1, 1)), light_ink=False),
    equals(lambda: np.ones((1, 8, 8))),
)


def _expected_digit():
    """Rows 8..23 of 40 are 6.4..19.2 of 32 after shrinking, columns 4..11 are 3.2..9.6: a
    32x32 pixel is ink when more than half of it is covered."""
    rows, cols = np.zeros(32), np.zeros(32)
    rows[6], rows[7:19], rows[19] = 0.6, 1.0, 0.2  # share of each pixel row that is ink
    cols[3], cols[4:9], cols[9] = 0.8, 1.0, 0.6
    ink = np.outer(rows, cols) > 0.5  # e.g. pixel (6, 3): 0.48, paper
    return (ink.reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16.0)[None]


# -- the bars data set and its networks ------------------------------------------------

from_spec(
    Spec(
        "make_bars",
        lambda **kw: ck.make_bars(**kw)[0],
        lambda: dict(n=8, size=8),
        counts={"n": "n=1000000000000000000 images", "size": "too large"},
        seeds=("seed",),
        reals={},
    )
)
for _id, _v, _exc, _cat in (
    ("negative", -0.1, ValueError, "numbers"),
    ("nan", float("nan"), ValueError, "nan/inf"),
    ("inf", float("inf"), ValueError, "nan/inf"),
    ("string", "0.1", TypeError, "types"),
    ("bool", True, TypeError, "numbers"),
):
    bad("make_bars", _cat, f"noise-{_id}", lambda v=_v: ck.make_bars(8, 8, noise=v), _exc, "noise=")
bad("make_bars", "numbers", "size-too-small", lambda: ck.make_bars(4, 7), ValueError, "size=7")
good(
    "make_bars",
    "numbers",
    "shapes-range-labels",
    lambda: ck.make_bars(9, 12, seed=3),
    lambda r: same(
        (
            r[0].shape,
            r[1].shape,
            r[0].dtype,
            r[1].dtype,
            bool(r[0].min() >= 0),
            bool(r[0].max() <= 1),
            sorted(set(r[1].tolist())),
        ),
        ((9, 1, 12, 12), (9,), np.dtype(np.float64), np.dtype(np.int64), True, True, [0, 1, 2, 3]),
    ),
)
good(
    "make_bars",
    "numbers",
    "no-noise-horizontal-bar-is-flat-across-rows",
    lambda: _horizontal_without_noise(),
    lambda r: same(r, True),
)
good(
    "make_bars",
    "numbers",
    "balanced-labels",
    lambda: np.bincount(ck.make_bars(12, 8)[1]),
    equals(lambda: np.full(4, 3)),
)
good(
    "make_bars",
    "numbers",
    "numpy-generator-as-seed",
    lambda: ck.make_bars(4, 8, seed=np.random.default_rng(5))[0],
    equals(lambda: ck.make_bars(4, 8, seed=5)[0]),
)


def _horizontal_without_noise():
    """A bar 0 degrees (label 0) inks at most 2 rows and at least 6 columns; 90 degrees
    (label 2) the other way round."""
    images, labels = ck.make_bars(16, 16, noise=0.0)
    ink = images[:, 0] > 0.25
    rows, cols = ink.any(axis=2).sum(axis=1), ink.any(axis=1).sum(axis=1)
    flat = labels == 0
    upright = labels == 2
    return bool(
        np.all(rows[flat] <= 2)
        and np.all(cols[flat] >= 6)
        and np.all(cols[upright] <= 2)
        and np.all(rows[upright] >= 6)
    )


good(
    "BAR_ANGLES",
    "types",
    "four-angles-tuple",
    lambda: ck.BAR_ANGLES,
    lambda r: same((type(r), r), (tuple, (0, 45, 90, 135))),
)
good(
    "BAR_ANGLES",
    "mutation",
    "labels-index-it",
    lambda: sorted(ck.BAR_ANGLES[i] for i in set(ck.make_bars(8, 8)[1].tolist())),
    lambda r: same(r, [0, 45, 90, 135]),
)

from_spec(
    Spec(
        "bars_cnn",
        lambda **kw: ck.bars_cnn(**kw).n_params,
        lambda: dict(n_kernels=2, size=8, kernel_size=3),
        counts={
            "n_kernels": "n_kernels=1000000000000000000 is too large",
            "size": "size=1000000000000000000 is too large",
            "kernel_size": "kernel_size=1000000000000000000 leaves nothing",
        },
        seeds=("seed",),
    )
)
bad("bars_cnn", "types", "seed-none", lambda: ck.bars_cnn(None), TypeError, "seed=None")
good(
    "bars_cnn",
    "numbers",
    "default-shapes",
    lambda: ck.bars_cnn().forward(ck.make_bars(2)[0]).shape,
    lambda r: same(r, (2, 4)),
)
good(
    "bars_cnn",
    "numbers",
    "smallest-size",
    lambda: ck.bars_cnn(size=4, kernel_size=1).forward(np.zeros((1, 1, 4, 4))).shape,
    lambda r: same(r, (1, 4)),
)
good(
    "bars_cnn",
    "numbers",
    "numpy-ints",
    lambda: ck.bars_cnn(np.int64(1), np.uint8(2)).n_params,
    equals(lambda: ck.bars_cnn(1, 2).n_params),
)

for _name, _fn in (
    ("small_digits_cnn", ck.small_digits_cnn),
    ("digits_mlp", ck.digits_mlp),
    ("digits_cnn_without_pooling", ck.digits_cnn_without_pooling),
):
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(**kw).layers[-1].params["weight"],
            lambda: dict(seed=0),
            seeds=("seed",),
        )
    )
    bad(_name, "types", "seed-none", lambda f=_fn: f(None), TypeError, "seed=None")
    good(
        _name,
        "numbers",
        "digits-in-ten-scores-out",
        lambda f=_fn: f().forward(np.zeros((2, 1, 8, 8))).shape,
        lambda r: same(r, (2, 10)),
    )
    good(
        _name,
        "numbers",
        "same-seed-same-weights",
        lambda f=_fn: [p.copy() for ps, _ in f(4).params() for p in ps.values()],
        equals(lambda f=_fn: [p for ps, _ in f(4).params() for p in ps.values()]),
    )
for _id, _h, _exc, _cat in (
    ("empty", (), ValueError, "empty"),
    ("int", 256, TypeError, "types"),
    ("fraction", (10.5,), TypeError, "numbers"),
    ("zero", (10, 0), ValueError, "numbers"),
    ("bool", (True,), TypeError, "numbers"),
    ("string", "256", TypeError, "strings"),
    ("none", None, TypeError, "types"),
    ("huge", (10**12,), ValueError, "numbers"),
):
    bad("digits_mlp", _cat, f"hidden-{_id}", lambda h=_h: ck.digits_mlp(hidden=h), _exc, "hidden=")
good(
    "digits_mlp",
    "lists",
    "hidden-list",
    lambda: ck.digits_mlp(hidden=[5, 4]).n_params,
    lambda r: same(r, 64 * 5 + 5 + 5 * 4 + 4 + 4 * 10 + 10),
)
good(
    "digits_mlp",
    "numbers",
    "large-layers-in-a-row-are-fine",
    lambda: ck.digits_mlp(hidden=(1000, 1000, 1000)).n_params,
    lambda r: same(r, 64 * 1000 + 1000 + 2 * (1000 * 1000 + 1000) + 1000 * 10 + 10),
)
for _id, _c, _exc, _cat in (
    ("two", (16, 32), ValueError, "lists"),
    ("fraction", (16, 32.5, 64), TypeError, "numbers"),
    ("zero", (16, 0, 64), ValueError, "numbers"),
    ("bool", (True, 32, 64), TypeError, "numbers"),
    ("string", "abc", TypeError, "strings"),
    ("int", 16, TypeError, "types"),
):
    bad(
        "digits_cnn_without_pooling",
        _cat,
        f"channels-{_id}",
        lambda c=_c: ck.digits_cnn_without_pooling(channels=c),
        _exc,
        "channels=",
    )
good(
    "digits_cnn_without_pooling",
    "lists",
    "channels-list",
    lambda: ck.digits_cnn_without_pooling(channels=[2, 3, 4]).n_params,
    lambda r: same(r, (9 * 2 + 2) + (2 * 9 * 3 + 3) + (3 * 9 * 4 + 4) + (4 * 64 * 10 + 10)),
)
good(
    "digits_cnn_without_pooling",
    "readonly/non-contiguous",
    "channels-strided-array",
    lambda: ck.digits_cnn_without_pooling(channels=strided(readonly([2, 3, 4]))).n_params,
    equals(lambda: ck.digits_cnn_without_pooling(channels=(2, 3, 4)).n_params),
)
