"""Bad-input cases: asking a trained network why (gradients, occlusion, kernel comparisons).

A tiny network (one conv layer of two 3x3 kernels, a pooling, a Dense of three classes) on
6x6 images keeps every case fast; the expected values are worked out another way (a
numerical gradient, the loop version, a cosine written out by hand).
"""

from __future__ import annotations

import math

import numpy as np

import cnnkit as ck

from .table import Spec, bad, equals, from_spec, good, rand, readonly, same, shaped, strided


def tiny(seed=0):
    """(1, 6, 6) -conv 3x3-> (2, 4, 4) -relu, pool 2-> (2, 2, 2) -> 8 -dense-> 3"""
    return ck.Sequential(
        ck.Conv2D(1, 2, 3, rng=seed),
        ck.ReLU(),
        ck.MaxPool2D(2),
        ck.Flatten(),
        ck.Dense(8, 3, rng=seed + 1),
    )


XI = rand(1, 6, 6, seed=4)
MODEL = tiny()


def _numerical_score_gradient(x, target):
    """d logits[target] / d x by central differences, on a separate copy of the network."""
    net = tiny()
    return ck.numerical_gradient(lambda v: float(net.forward(v[None])[0, target]), x.copy())


def _model_wrong(call_with_model):
    for _id, _m, _word in (
        ("none", None, "model=None"),
        ("function", ck.conv2d, "model="),
        ("layer", ck.Dense(36, 3), "model=Dense"),
        ("list-of-layers", [ck.ReLU()], "model=["),
    ):
        yield _id, (lambda m=_m: call_with_model(m)), _word


TARGET_BAD = [  # (id, value, exception, category, word)
    ("bool", True, TypeError, "numbers", "target=True"),
    ("fraction", 2.5, TypeError, "numbers", "target=2.5"),
    ("nan", float("nan"), TypeError, "nan/inf", "target=nan"),
    ("inf", float("inf"), TypeError, "nan/inf", "target=inf"),
    ("huge-float", 1e30, ValueError, "numbers", "target=1e+30"),
    ("string", "1", TypeError, "strings", "target='1'"),
    ("none", None, TypeError, "types", "target=None"),
    ("dict", {"a": 1}, TypeError, "types", "target={'a': 1}"),
    ("negative", -1, ValueError, "numbers", "target=-1"),
    ("too-large", 3, ValueError, "numbers", "target=3"),
    ("huge", 10**18, ValueError, "numbers", "target=1000000000000000000"),
    ("two-for-one-image", [0, 1], ValueError, "lists", "target=[0, 1]"),
]

# -- input_gradient and saliency_map ---------------------------------------------------

for _name, _fn in (("input_gradient", ck.input_gradient), ("saliency_map", ck.saliency_map)):
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(tiny(), **kw),
            lambda: dict(x=XI.copy(), target=1),
            arrays={
                "x": dict(
                    ndim=[XI[0], XI[None, None]],
                    empty=(
                        np.zeros((0, 1, 6, 6)),
                        shaped((0, 1, 6, 6) if _name == "input_gradient" else (0, 6, 6)),
                    ),
                    tol=dict(rtol=1e-10, atol=1e-12),
                )
            },
        )
    )
    for _id, _t, _exc, _cat, _word in TARGET_BAD:
        bad(_name, _cat, f"target-{_id}", lambda f=_fn, t=_t: f(MODEL, XI, t), _exc, _word)
    for _id, _call, _word in _model_wrong(lambda m, f=_fn: f(m, XI, 0)):
        bad(_name, "types", f"model-{_id}", _call, TypeError, _word)
    bad(
        _name,
        "ndim",
        "x-two-channels",
        lambda f=_fn: f(MODEL, np.zeros((2, 6, 6)), 0),
        ValueError,
        "2 channels",
    )
    bad(
        _name,
        "empty",
        "x-no-width",
        lambda f=_fn: f(MODEL, np.zeros((1, 6, 0)), 0),
        ValueError,
        "x with shape (1, 1, 6, 0)",
    )
    good(
        _name,
        "lists",
        "target-per-example-list",
        lambda f=_fn: f(tiny(), np.stack([XI, XI]), [0, 2]),
        lambda r, f=_fn: same(
            r, np.stack([f(tiny(), XI, 0), f(tiny(), XI, 2)]), rtol=1e-12, atol=1e-15
        ),
    )
    good(
        _name,
        "numbers",
        "target-numpy-int-and-whole-float",
        lambda f=_fn: [f(tiny(), XI, np.int8(2)), f(tiny(), XI, 2.0)],
        lambda r, f=_fn: same(r, [f(tiny(), XI, 2)] * 2),
    )
    good(
        _name,
        "nan/inf",
        "x-nan-gives-a-result",
        lambda f=_fn: _with_nan(f),
        shaped((1, 6, 6) if _name == "input_gradient" else (6, 6)),
    )
for _id, _of, _exc, _cat in (
    ("word", "gradient", ValueError, "strings"),
    ("capitals", "Score", ValueError, "strings"),
    ("empty-word", "", ValueError, "strings"),
    ("none", None, TypeError, "types"),
    ("list", ["score"], TypeError, "lists"),
    ("int", 1, TypeError, "types"),
):
    bad(
        "input_gradient",
        _cat,
        f"of-{_id}",
        lambda o=_of: ck.input_gradient(MODEL, XI, 0, of=o),
        _exc,
        f"of={_of!r}",
    )
good(
    "input_gradient",
    "numbers",
    "matches-a-numerical-gradient",
    lambda: ck.input_gradient(tiny(), XI, 1),
    equals(lambda: _numerical_score_gradient(XI, 1), rtol=1e-5, atol=1e-8),
)
good(
    "input_gradient",
    "numbers",
    "loss-is-minus-softmax-gap",
    lambda: ck.input_gradient(tiny(), XI, 0, of="loss"),
    lambda r: _loss_gradient_check(r),
)
good(
    "input_gradient",
    "mutation",
    "weights-unchanged",
    lambda: _weights_kept(lambda m: ck.input_gradient(m, XI, 0)),
    lambda r: same(r, True),
)
good(
    "saliency_map",
    "numbers",
    "absolute-gradient",
    lambda: ck.saliency_map(tiny(), XI, 1),
    equals(lambda: np.abs(_numerical_score_gradient(XI, 1))[0], rtol=1e-5, atol=1e-8),
)


def _with_nan(f):
    x = XI.copy()
    x[0, 0, 0] = np.nan
    return f(tiny(), x, 0)


def _loss_gradient_check(grad):
    """d loss / d x = sum_k (p_k - [k = t]) d logit_k / d x, from the score gradients."""
    p = ck.softmax(tiny().forward(XI[None]))[0]
    expected = sum((p[k] - (k == 0)) * _numerical_score_gradient(XI, k) for k in range(3))
    np.testing.assert_allclose(grad, expected, rtol=1e-5, atol=1e-8)


def _weights_kept(call):
    net = tiny()
    before = [v.copy() for params, _ in net.params() for v in params.values()]
    call(net)
    after = [v for params, _ in net.params() for v in params.values()]
    return all(np.array_equal(a, b) for a, b in zip(after, before))


# -- occlusion maps --------------------------------------------------------------------

for _name, _fn in (
    ("occlusion_map", ck.occlusion_map),
    ("occlusion_map_naive", ck.occlusion_map_naive),
):
    other = ck.occlusion_map_naive if _fn is ck.occlusion_map else ck.occlusion_map
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(MODEL, **kw),
            lambda: dict(x=XI.copy(), target=2),
            arrays={
                "x": dict(
                    ndim=[XI[0], XI[None, None]],
                    empty=(np.zeros((0, 1, 6, 6)), None),
                    tol=dict(rtol=1e-10, atol=1e-12),
                )
            },
            counts={
                "patch": "larger than the 6x6 image",
                "stride": lambda r: same(r.shape, (1, 1)),
            },
            reals={},
            pure=True,
        )
    )
    for _id, _t, _exc, _cat, _word in TARGET_BAD:
        if _id != "two-for-one-image":
            bad(_name, _cat, f"target-{_id}", lambda f=_fn, t=_t: f(MODEL, XI, t), _exc, _word)
    for _id, _call, _word in _model_wrong(lambda m, f=_fn: f(m, XI, 0)):
        bad(_name, "types", f"model-{_id}", _call, TypeError, _word)
    for _id, _fill, _exc, _cat in (
        ("string", "0", TypeError, "types"),
        ("none", None, TypeError, "types"),
        ("bool", True, TypeError, "numbers"),
        ("list", [0.0], TypeError, "lists"),
    ):
        bad(
            _name,
            _cat,
            f"fill-{_id}",
            lambda f=_fn, v=_fill: f(MODEL, XI, 0, fill=v),
            _exc,
            "fill=",
        )
    bad(
        _name,
        "ndim",
        "x-two-images",
        lambda f=_fn: f(MODEL, np.stack([XI, XI]), 0),
        ValueError,
        "x holds 2 images",
    )
    good(
        _name,
        "numbers",
        "equals-the-other-version",
        lambda f=_fn: f(MODEL, XI, 1, patch=3, stride=2, fill=0.5),
        equals(
            lambda o=other: o(MODEL, XI, 1, patch=3, stride=2, fill=0.5), rtol=1e-12, atol=1e-15
        ),
    )
    good(
        _name,
        "numbers",
        "whole-image-patch",
        lambda f=_fn: f(MODEL, XI, 1, patch=6, fill=0.0),
        equals(lambda: _drop_of_blank(1)),
    )
    good(
        _name,
        "numbers",
        "patch-over-nothing-drops-nothing",
        lambda f=_fn: f(MODEL, np.zeros((1, 6, 6)), 0, fill=0.0),
        equals(lambda: np.zeros((5, 5))),
    )
    good(
        _name,
        "nan/inf",
        "fill-nan-gives-nan",
        lambda f=_fn: bool(np.isnan(f(MODEL, XI, 0, patch=6, fill=float("nan"))).all()),
        lambda r: same(r, True),
    )
    good(
        _name,
        "numbers",
        "fill-numpy-float",
        lambda f=_fn: f(MODEL, XI, 0, fill=np.float32(1)),
        equals(lambda f=_fn: f(MODEL, XI, 0, fill=1.0)),
    )


def _drop_of_blank(target):
    p = ck.softmax(MODEL.forward(np.stack([XI, np.zeros_like(XI)])))
    return np.array([[p[0, target] - p[1, target]]])


# -- unit_activation -------------------------------------------------------------------

from_spec(
    Spec(
        "unit_activation",
        lambda **kw: ck.unit_activation(MODEL, **kw),
        lambda: dict(x=XI.copy(), layer_index=0, unit=1),
        arrays={
            "x": dict(
                ndim=[XI[0], XI[None, None]],
                empty=(np.zeros((0, 1, 6, 6)), shaped((0,))),
                tol=dict(rtol=1e-12, atol=1e-15),
            )
        },
        indices=("layer_index", "unit"),
    )
)
for _id, _k, _u, _word in (
    ("layer-past-end", 5, 0, "layer_index=5 but the model has 5 layers"),
    ("unit-past-channels", 0, 2, "unit=2 but layer 0 has 2 channels"),
    ("unit-past-classes", 4, 3, "unit=3 but layer 4 has 3"),
    ("layer-huge", 10**18, 0, "layer_index=1000000000000000000"),
):
    bad(
        "unit_activation",
        "numbers",
        _id,
        lambda k=_k, u=_u: ck.unit_activation(MODEL, XI, k, u),
        ValueError,
        _word,
    )
for _id, _call, _word in _model_wrong(lambda m: ck.unit_activation(m, XI, 0, 0)):
    bad("unit_activation", "types", f"model-{_id}", _call, TypeError, _word)
good(
    "unit_activation",
    "numbers",
    "mean-of-the-feature-map",
    lambda: float(ck.unit_activation(MODEL, XI, 1, 1)),
    lambda r: same(
        r,
        float(
            np.maximum(
                ck.conv2d(
                    XI[None], MODEL.layers[0].params["weight"], MODEL.layers[0].params["bias"]
                ),
                0,
            )[0, 1].mean()
        ),
    ),
)
good(
    "unit_activation",
    "numbers",
    "last-layer-is-the-class-score",
    lambda: ck.unit_activation(MODEL, np.stack([XI, 2 * XI]), 4, 2),
    equals(lambda: MODEL.forward(np.stack([XI, 2 * XI]))[:, 2]),
)
good(
    "unit_activation",
    "numbers",
    "numpy-ints",
    lambda: ck.unit_activation(MODEL, XI, np.int64(0), np.uint8(1)),
    equals(lambda: ck.unit_activation(MODEL, XI, 0, 1)),
)

# -- maximise_activation ---------------------------------------------------------------


def _maximise(**kw):
    args = dict(layer_index=0, unit=1, shape=(1, 6, 6), steps=3)
    args.update(kw)
    return ck.maximise_activation(MODEL, **args)


from_spec(
    Spec(
        "maximise_activation",
        _maximise,
        lambda: dict(layer_index=0, unit=1),
        indices=("layer_index", "unit", "jitter"),
        seeds=(),
        reals={"lr": 0.1},
    )
)
for _id, _kw, _exc, _cat, _word in (
    ("steps-negative", dict(steps=-1), ValueError, "numbers", "steps=-1"),
    ("steps-fraction", dict(steps=2.5), TypeError, "numbers", "steps=2.5"),
    ("steps-huge", dict(steps=10**18), ValueError, "numbers", "steps=1000000000000000000"),
    ("steps-string", dict(steps="3"), TypeError, "types", "steps='3'"),
    ("shape-int", dict(shape=8), TypeError, "types", "shape=8"),
    ("shape-two", dict(shape=(6, 6)), ValueError, "lists", "shape=(6, 6)"),
    ("shape-zero", dict(shape=(1, 0, 6)), ValueError, "numbers", "shape=(1, 0, 6)"),
    ("shape-fraction", dict(shape=(1, 6.5, 6)), TypeError, "numbers", "shape=(1, 6.5, 6)"),
    ("shape-huge", dict(shape=(1, 10**6, 10**6)), ValueError, "numbers", "shape=(1, 1000000"),
    ("shape-empty", dict(shape=()), ValueError, "empty", "shape=()"),
    (
        "shape-wrong-for-model",
        dict(shape=(1, 8, 8), layer_index=4, unit=0),
        ValueError,
        "ndim",
        "shape=(1, 8, 8) does not fit",
    ),
    ("shape-too-small", dict(shape=(1, 2, 2)), ValueError, "numbers", "shape=(1, 2, 2)"),
    ("l2-negative", dict(l2=-0.1), ValueError, "numbers", "l2=-0.1"),
    ("l2-nan", dict(l2=float("nan")), ValueError, "nan/inf", "l2=nan"),
    ("blur-above-one", dict(blur=2.0), ValueError, "numbers", "blur=2.0"),
    ("blur-string", dict(blur="a"), TypeError, "types", "blur='a'"),
    ("clip-reversed", dict(clip=(1.0, 0.0)), ValueError, "numbers", "clip=(1.0, 0.0)"),
    ("clip-one-number", dict(clip=1.0), TypeError, "types", "clip=1.0"),
    ("clip-nan", dict(clip=(0.0, float("nan"))), ValueError, "nan/inf", "clip=(0.0, nan)"),
    ("clip-strings", dict(clip=("0", "1")), TypeError, "strings", "clip="),
    ("seed-none", dict(seed=None), TypeError, "types", "seed=None"),
    ("seed-negative", dict(seed=-1), ValueError, "numbers", "seed=-1"),
    ("seed-fraction", dict(seed=0.5), TypeError, "numbers", "seed=0.5"),
    ("unit-past-channels", dict(unit=2), ValueError, "numbers", "unit=2"),
):
    bad("maximise_activation", _cat, _id, lambda kw=_kw: _maximise(**kw), _exc, _word)
for _id, _call, _word in _model_wrong(lambda m: ck.maximise_activation(m, 0, 0, steps=1)):
    bad("maximise_activation", "types", f"model-{_id}", _call, TypeError, _word)
good(
    "maximise_activation",
    "numbers",
    "no-steps-is-the-start",
    lambda: _maximise(steps=0, clip=(0.0, 1.0)),
    equals(lambda: np.clip(0.5 + 0.01 * np.random.default_rng(0).standard_normal((1, 6, 6)), 0, 1)),
)
good(
    "maximise_activation",
    "numbers",
    "raises-the-activation",
    lambda: [
        float(ck.unit_activation(MODEL, img, 0, 1))
        for img in (_maximise(steps=0), _maximise(steps=20))
    ],
    lambda r: None if r[1] > r[0] else same(r, "rising"),
)
good(
    "maximise_activation",
    "numbers",
    "stays-inside-clip",
    lambda: _maximise(steps=5, lr=10.0, clip=(-0.25, 0.75)),
    lambda r: same((bool(r.min() >= -0.25), bool(r.max() <= 0.75)), (True, True)),
)
good(
    "maximise_activation",
    "numbers",
    "huge-jitter-same-as-image-size",
    lambda: _maximise(jitter=10**18, steps=2),
    equals(lambda: _maximise(jitter=6, steps=2)),
)
good(
    "maximise_activation",
    "lists",
    "shape-list",
    lambda: _maximise(shape=[1, 6, 6]),
    equals(lambda: _maximise(shape=(1, 6, 6))),
)
good(
    "maximise_activation",
    "numbers",
    "seed-repeats",
    lambda: _maximise(seed=7, jitter=2),
    equals(lambda: _maximise(seed=7, jitter=2)),
)
good(
    "maximise_activation",
    "mutation",
    "weights-unchanged",
    lambda: _weights_kept(lambda m: ck.maximise_activation(m, 0, 0, (1, 6, 6), steps=2)),
    lambda r: same(r, True),
)

# -- comparing kernels -----------------------------------------------------------------

KA, KB = rand(3, 1, 3, 3, seed=1), rand(3, 1, 3, 3, seed=2)


def _cosines(a, b):
    out = []
    for u, v in zip(a, b):
        u, v = u.ravel(), v.ravel()
        out.append(
            sum(p * q for p, q in zip(u, v))
            / math.sqrt(sum(p * p for p in u) * sum(q * q for q in v))
        )
    return np.array(out)


for _name, _fn in (
    ("cosine_similarity", ck.cosine_similarity),
    ("kernel_movement", ck.kernel_movement),
):
    _a, _b = ("a", "b") if _fn is ck.cosine_similarity else ("before", "after")
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(*kw.values()),
            lambda a=_a, b=_b: {a: KA.copy(), b: KB.copy()},
            arrays={
                _a: dict(
                    ndim=[] if _name == "cosine_similarity" else [KA[0]],
                    empty=(np.zeros((0, 1, 3, 3)), None),
                    tol=dict(rtol=1e-12, atol=1e-15),
                ),
                _b: dict(
                    ndim=[KB[0]],
                    empty=(np.zeros((0, 1, 3, 3)), None),
                    tol=dict(rtol=1e-12, atol=1e-15),
                ),
            },
        )
    )
    good(_name, "numbers", "by-hand", lambda f=_fn: f(KA, KB), equals(lambda: _cosines(KA, KB)))
    good(
        _name,
        "numbers",
        "scaled-copy-is-one",
        lambda f=_fn: f(KA, 3.5 * KA),
        equals(lambda: np.ones(3), rtol=1e-12),
    )
    good(
        _name,
        "numbers",
        "negated-is-minus-one",
        lambda f=_fn: f(KA, -KA),
        equals(lambda: -np.ones(3), rtol=1e-12),
    )
    good(
        _name,
        "numbers",
        "huge-values-do-not-overflow",
        lambda f=_fn: f(KA * 1e200, KB * 1e200),
        equals(lambda: _cosines(KA, KB), rtol=1e-12),
    )
    good(
        _name,
        "numbers",
        "tiny-values-do-not-underflow",
        lambda f=_fn: f(KA * 1e-200, KB * 1e-200),
        equals(lambda: _cosines(KA, KB), rtol=1e-12),
    )
    good(
        _name,
        "numbers",
        "zero-kernel-is-zero",
        lambda f=_fn: f(np.zeros_like(KA), KB),
        equals(lambda: np.zeros(3)),
    )
    good(
        _name,
        "nan/inf",
        "nan-kernel-gives-nan",
        lambda f=_fn: f(np.where(np.arange(27).reshape(3, 1, 3, 3) == 0, np.nan, KA), KB),
        lambda r: same(np.isnan(r), np.array([True, False, False])),
    )
    good(
        _name,
        "empty",
        "no-kernels",
        lambda f=_fn: f(np.zeros((0, 1, 3, 3)), np.zeros((0, 1, 3, 3))),
        shaped((0,)),
    )
    bad(_name, "ndim", "different-shapes", lambda f=_fn: f(KA, KB[:2]), ValueError, "(3, 1, 3, 3)")
good(
    "cosine_similarity",
    "lists",
    "two-vectors",
    lambda: ck.cosine_similarity([1, 2], [2, 4]),
    lambda r: same(r, 1.0),
)
good(
    "cosine_similarity",
    "numbers",
    "one-kernel-gives-a-float",
    lambda: ck.cosine_similarity(KA[0, 0], KB[0, 0]),
    lambda r: same((type(r), r), (float, float(_cosines(KA[:1], KB[:1])[0]))),
)
good(
    "cosine_similarity",
    "empty",
    "empty-vectors",
    lambda: ck.cosine_similarity([], []),
    lambda r: same(r, 0.0),
)

# -- oriented kernels ------------------------------------------------------------------

for _name, _fn, _size in (
    ("oriented_edge_kernel", ck.oriented_edge_kernel, 3),
    ("oriented_line_kernel", ck.oriented_line_kernel, 5),
):
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(**kw),
            lambda s=_size: dict(size=s),
            counts={"size": "too large"},
            reals={"sigma": 1.0},
        )
    )
    for _id, _v, _exc, _cat in (
        ("string", "45", TypeError, "types"),
        ("none", None, TypeError, "types"),
        ("nan", float("nan"), ValueError, "nan/inf"),
        ("inf", float("inf"), ValueError, "nan/inf"),
        ("list", [45], TypeError, "lists"),
        ("bool", True, TypeError, "numbers"),
    ):
        bad(_name, _cat, f"angle-{_id}", lambda f=_fn, v=_v: f(angle=v), _exc, "angle=")
    bad(_name, "numbers", "size-one-has-no-pattern", lambda f=_fn: f(1), ValueError, "size=1")
    bad(
        _name,
        "numbers",
        "sigma-tiny",
        lambda f=_fn, s=_size: f(s, sigma=1e-300),
        ValueError,
        "sigma=1e-300",
    )
    good(
        _name,
        "numbers",
        "unit-length",
        lambda f=_fn: float(np.linalg.norm(f(7, 30.0))),
        lambda r: same(r, 1.0),
    )
    good(
        _name,
        "numbers",
        "angle-wraps-round",
        lambda f=_fn, s=_size: f(s, 400.0),
        equals(lambda f=_fn, s=_size: f(s, 40.0), rtol=1e-9, atol=1e-12),
    )
    good(
        _name,
        "numbers",
        "numpy-angle",
        lambda f=_fn, s=_size: f(s, np.float32(45)),
        equals(lambda f=_fn, s=_size: f(s, 45.0)),
    )
good(
    "oriented_edge_kernel",
    "numbers",
    "is-sobel-up-to-scale",
    lambda: abs(ck.cosine_similarity(ck.oriented_edge_kernel(3), ck.KERNELS["sobel_vertical"])),
    lambda r: same(r, 1.0),
)
good(
    "oriented_edge_kernel",
    "numbers",
    "huge-sigma-is-a-ramp",
    lambda: ck.oriented_edge_kernel(3, 0.0, sigma=1e300),
    equals(lambda: np.tile([-1.0, 0.0, 1.0], (3, 1)) / math.sqrt(6), rtol=1e-12),
)
good(
    "oriented_line_kernel",
    "numbers",
    "zero-mean",
    lambda: abs(float(ck.oriented_line_kernel(5, 20.0).sum())) < 1e-12,
    lambda r: same(r, True),
)
bad(
    "oriented_line_kernel",
    "numbers",
    "size-two-flat-at-zero-degrees",
    lambda: ck.oriented_line_kernel(2, 0.0),
    ValueError,
    "size=2",
    "without a pattern",
)
bad(
    "oriented_line_kernel",
    "numbers",
    "huge-sigma-flat",
    lambda: ck.oriented_line_kernel(5, sigma=1e300),
    ValueError,
    "sigma=1e+300",
)

# -- best_orientation_match ------------------------------------------------------------

EDGES = np.stack([ck.oriented_edge_kernel(3, a) for a in (0.0, 90.0, 210.0)])
from_spec(
    Spec(
        "best_orientation_match",
        lambda **kw: ck.best_orientation_match(**kw),
        lambda: dict(kernels=EDGES.copy()),
        arrays={
            "kernels": dict(
                ndim=[EDGES[0], EDGES[None]],
                empty=(np.zeros((0, 3, 3)), lambda r: same((r[0].shape, r[1].shape), ((0,), (0,)))),
                tol=dict(rtol=1e-12, atol=1e-15),
            )
        },
    )
)
for _id, _kw, _exc, _cat, _word in (
    ("kind-unknown", dict(kind="blob"), ValueError, "strings", "kind='blob'"),
    ("kind-capitals", dict(kind="Edge"), ValueError, "strings", "kind='Edge'"),
    ("kind-none", dict(kind=None), TypeError, "types", "kind=None"),
    ("kind-list", dict(kind=["edge"]), TypeError, "lists", "kind=['edge']"),
    ("angles-empty", dict(angles=[]), ValueError, "empty", "angles is empty"),
    ("angles-one-number", dict(angles=45), TypeError, "types", "angles=45"),
    ("angles-string", dict(angles="0,45"), TypeError, "strings", "angles='0,45'"),
    ("angles-nan", dict(angles=[0.0, float("nan")]), ValueError, "nan/inf", "angles"),
    ("angles-2d", dict(angles=[[0.0, 90.0]]), TypeError, "ndim", "angles="),
    (
        "kernels-not-square",
        dict(kernels=np.zeros((2, 3, 4))),
        ValueError,
        "ndim",
        "kernels has shape (2, 3, 4)",
    ),
    (
        "kernels-one-pixel",
        dict(kernels=np.ones((2, 1, 1))),
        ValueError,
        "numbers",
        "kernels has shape (2, 1, 1)",
    ),
    (
        "kernels-no-pixels",
        dict(kernels=np.ones((2, 0, 0))),
        ValueError,
        "empty",
        "kernels has shape (2, 0, 0)",
    ),
):
    bad(
        "best_orientation_match",
        _cat,
        _id,
        lambda kw=_kw: ck.best_orientation_match(**({"kernels": EDGES} | kw)),
        _exc,
        _word,
    )
good(
    "best_orientation_match",
    "numbers",
    "finds-the-angles",
    lambda: ck.best_orientation_match(EDGES),
    lambda r: same((r[0], r[1]), (np.ones(3), np.array([0.0, 90.0, 210.0])), rtol=1e-12),
)
good(
    "best_orientation_match",
    "numbers",
    "lines",
    lambda: ck.best_orientation_match(
        np.stack([ck.oriented_line_kernel(5, 45.0)]), "line", angles=np.array([0.0, 45.0, 90.0])
    ),
    lambda r: same((r[0], r[1]), (np.ones(1), np.array([45.0])), rtol=1e-12),
)
good(
    "best_orientation_match",
    "lists",
    "angles-tuple-of-ints",
    lambda: ck.best_orientation_match(EDGES, angles=(0, 90, 210)),
    lambda r: same(r[1], np.array([0.0, 90.0, 210.0])),
)
good(
    "best_orientation_match",
    "nan/inf",
    "zero-kernel-scores-zero",
    lambda: ck.best_orientation_match(np.zeros((1, 3, 3)))[0],
    equals(lambda: np.zeros(1)),
)
good(
    "best_orientation_match",
    "readonly/non-contiguous",
    "angles-readonly-strided",
    lambda: ck.best_orientation_match(EDGES, angles=strided(readonly([0.0, 90.0, 210.0]))),
    lambda r: same(r[1], np.array([0.0, 90.0, 210.0])),
)
