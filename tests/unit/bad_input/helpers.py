"""Bad-input cases: data, gradient checks, classic kernels and receptive fields."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .conv_pool_softmax import *  # noqa: F403
from .layers_model import *  # noqa: F403
from .references import *  # noqa: F403
from .shapes_labels import *  # noqa: F403
from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401
from .training import *  # noqa: F403

XS, YS = rand(20, 2), np.repeat([0, 1], 10)
from_spec(
    Spec(
        "train_test_split",
        lambda **kw: ck.train_test_split(**kw),
        lambda: dict(X=XS.copy(), y=YS.copy()),
        arrays={},
        seeds=("seed",),
        flags=("stratify",),
    )
)
for _id, _v, _exc, _cat in (
    ("zero", 0, ValueError, "numbers"),
    ("one", 1.0, ValueError, "numbers"),
    ("percent", 20, ValueError, "numbers"),
    ("negative", -0.2, ValueError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("nan", float("nan"), ValueError, "nan/inf"),
    ("string", "0.2", TypeError, "types"),
    ("none", None, TypeError, "types"),
    ("too-small-for-any-test", 0.01, ValueError, "numbers"),
):
    bad(
        "train_test_split",
        _cat,
        f"test_size-{_id}",
        lambda v=_v: ck.train_test_split(XS, YS, test_size=v),
        _exc,
        "test_size=",
    )
for _id, _X, _y, _exc, _cat, _word in (
    ("lengths", XS, YS[:5], ValueError, "ndim", "y has 5"),
    ("y-2d", XS, YS[:, None], ValueError, "ndim", "y must have one label per example"),
    ("X-scalar", 3.0, YS, ValueError, "ndim", "X=3.0"),
    ("X-empty", XS[:0], YS[:0], ValueError, "empty", "X is empty"),
    ("y-none", XS, None, ValueError, "types", "y=None"),
):
    bad("train_test_split", _cat, _id, lambda X=_X, y=_y: ck.train_test_split(X, y), _exc, _word)
for _id, _X, _cat in (
    ("list", XS.tolist(), "lists"),
    ("readonly", readonly(XS), "readonly/non-contiguous"),
    ("strided", strided(XS), "readonly/non-contiguous"),
    ("strings", XS.astype(str), "types"),
):
    good(
        "train_test_split",
        _cat,
        f"X-{_id}",
        lambda X=_X: [np.asarray(a).astype(float) for a in ck.train_test_split(X, YS)],
        equals(lambda: ck.train_test_split(XS, YS)),
    )
good(
    "train_test_split",
    "numbers",
    "numpy-fraction",
    lambda: ck.train_test_split(XS, YS, test_size=np.float32(0.25)),
    lambda r: same((len(r[0]), len(r[1])), (16, 4)),
)
good(
    "load_digits",
    "mutation",
    "fresh-arrays-each-call",
    lambda: _load_twice(),
    lambda r: same(r, (0.0, (1797, 1, 8, 8), np.dtype(np.float64), np.dtype(np.int64))),
)
good(
    "load_digits",
    "numbers",
    "range-and-labels",
    lambda: ck.load_digits(),
    lambda r: same(
        (float(r[0].min()), float(r[0].max()), sorted(set(r[1].tolist()))),
        (0.0, 1.0, list(range(10))),
    ),
)


def _load_twice():
    X, y = ck.load_digits()
    X[:] = 7.0
    y[:] = 3
    X2, y2 = ck.load_digits()
    return float(X2.min()), X2.shape, X2.dtype, y2.dtype


from_spec(
    Spec(
        "sample_image",
        lambda **kw: ck.sample_image(**kw),
        lambda: dict(size=64),
        counts={"size": "size=1000000000000000000 is too large"},
        flags=("color",),
    ),
    pair_args=("size",),
)
for _id, _size, _shape in (
    ("pair-list", [30, 20], (30, 20)),
    ("pair-tuple", (7, 50), (7, 50)),
    ("pair-numpy", np.array([12, 9]), (12, 9)),
    ("int-is-longer-side", 60, (60, 51)),
    ("largest-allowed", (4096, 1), (4096, 1)),
):
    good(
        "sample_image",
        "lists",
        f"size-{_id}",
        lambda s=_size: ck.sample_image(size=s).shape,
        lambda r, e=_shape: same(r, e),
    )
for _id, _size, _exc, _cat, _words in (
    ("triple", (8, 8, 3), ValueError, "lists", ("size=(8, 8, 3)", "pair (height, width)")),
    ("one-element", [8], ValueError, "lists", ("size=[8]",)),
    ("pair-zero", (0, 8), ValueError, "numbers", ("size=(0, 8) contains 0",)),
    ("pair-fraction", (8.5, 8), TypeError, "numbers", ("size=(8.5, 8)",)),
    (
        "pair-huge",
        (10**9, 8),
        ValueError,
        "numbers",
        ("size=(1000000000, 8) is too large", "4,096"),
    ),
    ("int-above-limit", 4097, ValueError, "numbers", ("size=4097 is too large", "4,096")),
    ("string-word", "big", TypeError, "types", ("size='big'",)),
):
    bad("sample_image", _cat, f"size-{_id}", lambda s=_size: ck.sample_image(size=s), _exc, *_words)
good(
    "sample_image",
    "types",
    "size-none-full-photo",
    lambda: ck.sample_image(size=None).shape,
    lambda r: same(r, (600, 512)),
)
good(
    "sample_image",
    "mutation",
    "fresh-array-each-call",
    lambda: _image_twice(),
    lambda r: same(r, True),
)


def _image_twice():
    a = ck.sample_image(size=32)
    a[:] = -1
    return bool(ck.sample_image(size=32).min() >= 0)


# -- gradient checks -----------------------------------------------------------------


def _square_sum(v):
    return float(np.sum(v**2))


XG = rand(2, 3, seed=9)
from_spec(
    Spec(
        "numerical_gradient",
        lambda **kw: ck.numerical_gradient(_square_sum, **kw),
        lambda: dict(x=XG.copy()),
        reals={"h": 1e-6},
    )
)
for _id, _x, _exc, _cat, _words in (
    ("list", XG.tolist(), TypeError, "lists", ("x must be a float ndarray", "got list")),
    ("ints", np.arange(3), TypeError, "types", ("dtype int64",)),
    ("float16", XG.astype(np.float16), TypeError, "numbers", ("float16",)),
    ("readonly", readonly(XG), ValueError, "readonly/non-contiguous", ("x is read-only",)),
    ("complex", XG + 1j, TypeError, "types", ("complex128",)),
    ("strings", np.full(3, "a"), TypeError, "types", ("x must be a float ndarray",)),
):
    bad(
        "numerical_gradient",
        _cat,
        f"x-{_id}",
        lambda x=_x: ck.numerical_gradient(_square_sum, x),
        _exc,
        *_words,
    )
bad(
    "numerical_gradient",
    "numbers",
    "h-lost-in-float32",
    lambda: ck.numerical_gradient(_square_sum, np.full(3, 1e4, np.float32)),
    ValueError,
    "h=1e-06",
    "too small",
    "float32",
)
bad(
    "numerical_gradient",
    "numbers",
    "h-huge-overflows",
    lambda: ck.numerical_gradient(_square_sum, np.full(2, 1e308), h=1e308),
    ValueError,
    "h=1e+308",
    "too large",
)
bad(
    "numerical_gradient",
    "types",
    "f-not-callable",
    lambda: ck.numerical_gradient(3.0, XG.copy()),
    TypeError,
    "f=3.0",
)
bad(
    "numerical_gradient",
    "ndim",
    "f-returns-an-array",
    lambda: ck.numerical_gradient(lambda v: v * 2, XG.copy()),
    TypeError,
    "f must return one",
    "shape (2, 3)",
)
bad(
    "numerical_gradient",
    "types",
    "f-returns-complex",
    lambda: ck.numerical_gradient(lambda v: complex(v.sum()), XG.copy()),
    TypeError,
    "f must return one real number",
)
good(
    "numerical_gradient",
    "readonly/non-contiguous",
    "x-strided-is-restored",
    lambda: _strided_gradient(),
    lambda r: same(r, True),
)
good(
    "numerical_gradient",
    "numbers",
    "x-float32-close",
    lambda: ck.numerical_gradient(_square_sum, XG.astype(np.float32), h=1e-2),
    equals(lambda: 2 * XG, rtol=1e-3, atol=1e-3),
)
good(
    "numerical_gradient",
    "empty",
    "x-empty",
    lambda: ck.numerical_gradient(_square_sum, np.zeros((0, 3))),
    shaped((0, 3)),
)
good(
    "numerical_gradient",
    "nan/inf",
    "x-nan-gives-nan",
    lambda: ck.numerical_gradient(_square_sum, np.array([1.0, np.nan])),
    lambda r: same(np.isnan(r), np.array([True, True])),
)


def _strided_gradient():
    big = rand(2, 6, seed=3)
    before = big.copy()
    x = big[:, ::2]
    g = ck.numerical_gradient(_square_sum, x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)
    return bool(np.array_equal(big, before))


for _id, _a, _b, _expected, _cat in (
    ("complex", np.array([1 + 1j]), np.array([1 + 0j]), 1 / math.sqrt(2), "types"),
    ("complex-vs-real", np.array([1j, 1.0]), np.array([0.0, 1.0]), 1.0, "types"),
    ("lists", [1.0, 2.0], [1.0, 2.5], 0.2, "lists"),
    ("ints", np.array([1, 2]), np.array([1, 4]), 0.5, "types"),
    ("empty", np.zeros(0), np.zeros(0), 0.0, "empty"),
    ("zeros", np.zeros(3), np.zeros(3), 0.0, "numbers"),
    (
        "readonly",
        readonly([1.0, 2.0]),
        strided(np.array([1.0, 2.5])),
        0.2,
        "readonly/non-contiguous",
    ),
    ("nan", np.array([np.nan, 1.0]), np.array([1.0, 1.0]), float("nan"), "nan/inf"),
    ("inf", np.array([np.inf]), np.array([np.inf]), float("nan"), "nan/inf"),
):
    good(
        "relative_error",
        _cat,
        _id,
        lambda a=_a, b=_b: ck.relative_error(a, b),
        lambda r, e=_expected: (
            same(r, e) if math.isnan(e) else np.testing.assert_allclose(r, e, rtol=1e-12)
        ),
    )
for _id, _a, _b, _exc, _cat, _word in (
    ("shapes", np.zeros(3), np.zeros(2), ValueError, "ndim", "same shape"),
    ("2d-vs-1d", np.zeros((1, 3)), np.zeros(3), ValueError, "ndim", "(1, 3)"),
    ("strings", np.array(["a"]), np.zeros(1), TypeError, "types", "a must be an array"),
    ("none", np.zeros(1), None, TypeError, "types", "b must be an array"),
    ("dict", {"a": 1}, np.zeros(1), TypeError, "types", "a must be an array"),
):
    bad("relative_error", _cat, _id, lambda a=_a, b=_b: ck.relative_error(a, b), _exc, _word)
good(
    "relative_error",
    "mutation",
    "inputs-unchanged",
    lambda: _relative_error_pure(),
    lambda r: same(r, True),
)


def _relative_error_pure():
    a, b = rand(3), rand(3, seed=1)
    a0, b0 = a.copy(), b.copy()
    ck.relative_error(a, b)
    return bool(np.array_equal(a, a0) and np.array_equal(b, b0))


from_spec(
    Spec(
        "check_layer_gradients",
        lambda **kw: ck.check_layer_gradients(ck.Dense(3, 2, rng=0), **kw),
        lambda: dict(x=rand(2, 3)),
        arrays={"x": dict(ndim=[rand(3), rand(2, 1, 3)], tol=dict(rtol=1e-6, atol=1e-9), nan=None)},
        reals={"h": 1e-6},
        seeds=("seed",),
    )
)
bad(
    "check_layer_gradients",
    "types",
    "layer-a-function",
    lambda: ck.check_layer_gradients(ck.conv2d, rand(2, 3)),
    TypeError,
    "layer=",
)
bad(
    "check_layer_gradients",
    "types",
    "layer-a-class",
    lambda: ck.check_layer_gradients(ck.ReLU, rand(2, 3)),
    TypeError,
    "layer=",
)
good(
    "check_layer_gradients",
    "numbers",
    "errors-are-small",
    lambda: ck.check_layer_gradients(ck.Conv2D(1, 2, 3, rng=0), rand(1, 1, 5, 5)),
    lambda r: None if max(r.values()) < 1e-6 else _fail(r),
)

# -- classic kernels -----------------------------------------------------------------

for _id, _v, _exc, _cat, _words in (
    ("unknown", "sobel", ValueError, "strings", ("no kernel called 'sobel'", "sobel_vertical")),
    ("capitals", "Sobel_Vertical", ValueError, "strings", ("did you mean 'sobel_vertical'",)),
    ("spaces", "box blur", ValueError, "strings", ("did you mean 'box_blur'",)),
    ("empty-string", "", ValueError, "strings", ("no kernel called ''",)),
    ("int", 3, TypeError, "types", ("name=3",)),
    ("none", None, TypeError, "types", ("name=None",)),
    ("array", KERNELS_SOBEL := ck.KERNELS["sobel_vertical"], TypeError, "types", ("name=",)),
    ("list", ["sharpen"], TypeError, "lists", ("name=['sharpen']",)),
):
    bad("get_kernel", _cat, _id, lambda v=_v: ck.get_kernel(v), _exc, *_words)
good("get_kernel", "mutation", "a-writable-copy", lambda: _kernel_copy(), lambda r: same(r, True))
good(
    "get_kernel",
    "numbers",
    "numpy-string",
    lambda: ck.get_kernel(np.str_("sharpen")),
    equals(lambda: ck.KERNELS["sharpen"]),
)


def _kernel_copy():
    k = ck.get_kernel("identity")
    k[1, 1] = 5.0
    return bool(ck.KERNELS["identity"][1, 1] == 1.0)


for _id, _v, _exc, _cat, _words in (
    (
        "one-string",
        "sharpen",
        TypeError,
        "strings",
        ("names='sharpen' is one string", "['sharpen']"),
    ),
    ("empty", [], ValueError, "empty", ("names is empty",)),
    ("unknown", ["sharpen", "blur"], ValueError, "strings", ("no kernel called 'blur'",)),
    ("int", 3, TypeError, "types", ("names=3",)),
    ("ints", [1, 2], TypeError, "lists", ("name=1",)),
    ("none", None, TypeError, "types", ("names=None",)),
):
    bad("stack_kernels", _cat, _id, lambda v=_v: ck.stack_kernels(v), _exc, *_words)
good(
    "stack_kernels",
    "lists",
    "tuple-and-generator",
    lambda: ck.stack_kernels(n for n in ("sharpen", "laplacian")),
    equals(lambda: ck.stack_kernels(["sharpen", "laplacian"])),
)
good("stack_kernels", "mutation", "a-new-array", lambda: _stack_copy(), lambda r: same(r, True))


def _stack_copy():
    w = ck.stack_kernels(["identity"])
    w[:] = 0
    return bool(ck.KERNELS["identity"][1, 1] == 1.0)


good(
    "KERNELS",
    "readonly/non-contiguous",
    "every-kernel-read-only",
    lambda: [k.flags.writeable for k in ck.KERNELS.values()],
    lambda r: same(r, [False] * len(ck.KERNELS)),
)
good(
    "KERNELS",
    "readonly/non-contiguous",
    "read-only-kernels-convolve",
    lambda: ck.conv2d(X4[0, 0], ck.KERNELS["laplacian"]),
    equals(
        lambda: ref_conv(X4[:1], ck.KERNELS["laplacian"][None, None])[0, 0], rtol=1e-10, atol=1e-12
    ),
)
bad(
    "KERNELS",
    "mutation",
    "a-kernel-cannot-be-changed",
    lambda: ck.KERNELS["sharpen"].__setitem__((0, 0), 1.0),
    ValueError,
    "read-only",
)

# -- receptive fields ----------------------------------------------------------------

from_spec(
    Spec(
        "node_window",
        lambda **kw: ck.node_window(**kw),
        lambda: dict(row=1, col=2, kernel_size=3),
        counts={
            "kernel_size": lambda r: same(tuple(r), (1, 1 + 10**18, 2, 2 + 10**18)),
            "stride": lambda r: same(tuple(r), (10**18, 10**18 + 3, 2 * 10**18, 2 * 10**18 + 3)),
            "dilation": lambda r: same(tuple(r), (1, 2 + 2 * 10**18, 2, 3 + 2 * 10**18)),
        },
        indices=("row", "col", "padding"),
        words={"padding": ("full",)},
    ),
    pair_args=("kernel_size", "stride", "dilation"),
)
good(
    "node_window",
    "numbers",
    "huge-stride-exact",
    lambda: ck.node_window(2, 0, 3, stride=10**18),
    lambda r: same(tuple(r), (2 * 10**18, 2 * 10**18 + 3, 0, 3)),
)
from_spec(
    Spec(
        "receptive_field",
        lambda **kw: ck.receptive_field(**kw),
        lambda: dict(row=1, col=1, layers=[3, 3]),
        indices=("row", "col"),
    )
)
LAYERS_BAD = [
    ("empty", [], ValueError, "empty", ("layers is empty",)),
    ("string", "conv", TypeError, "strings", ("layers='conv'",)),
    ("float", 3.0, TypeError, "types", ("layers=3.0",)),
    ("none", None, TypeError, "types", ("layers=None",)),
    ("dense", [3, ck.Dense(2, 2)], ValueError, "types", ("Flatten or Dense",)),
    ("function", [ck.conv2d], TypeError, "types", ("cannot read a window geometry",)),
    ("dict-typo", [{"kernel": 3}], ValueError, "strings", ("'kernel'", "kernel_size")),
    ("tuple-of-five", [(3, 1, 0, 1, 1)], TypeError, "lists", ("(3, 1, 0, 1, 1)",)),
    ("kernel-zero", [0], ValueError, "numbers", ("kernel_size=0",)),
    ("bool", [True], TypeError, "numbers", ("True",)),
]
for _name in ("receptive_field", "receptive_field_sizes"):
    _call = (
        (lambda L: ck.receptive_field(0, 0, L))
        if _name == "receptive_field"
        else ck.receptive_field_sizes
    )
    for _id, _layers, _exc, _cat, _words in LAYERS_BAD:
        bad(_name, _cat, f"layers-{_id}", lambda c=_call, L=_layers: c(L), _exc, *_words)
    good(
        _name,
        "lists",
        "model-or-its-layers",
        lambda c=_call: c(ck.Sequential(ck.Conv2D(1, 2, 3), ck.ReLU(), ck.MaxPool2D(2))),
        equals(lambda c=_call: c([(3,), (1,), (2, 2)])),
    )
    good(
        _name,
        "numbers",
        "huge-kernel-exact",
        lambda c=_call: c([10**12]),
        lambda r: same(r if isinstance(r, list) else [r.shape], [(10**12, 10**12)]),
    )
for _id, _hw, _exc, _cat, _words in (
    ("zero", (0, 5), ValueError, "numbers", ("input_hw=(0, 5)",)),
    ("fraction", (5.5, 5), TypeError, "numbers", ("input_hw=(5.5, 5)",)),
    ("three", (5, 5, 5), ValueError, "lists", ("input_hw=(5, 5, 5)",)),
    ("string", "5x5", TypeError, "types", ("input_hw='5x5'",)),
    ("node-outside", (3, 3), ValueError, "numbers", ("outside the last feature map",)),
):
    bad(
        "receptive_field",
        _cat,
        f"input_hw-{_id}",
        lambda hw=_hw: ck.receptive_field(1, 1, [3], input_hw=hw),
        _exc,
        *_words,
    )
good(
    "receptive_field",
    "lists",
    "input_hw-list",
    lambda: ck.receptive_field(1, 1, [3], input_hw=[6, 6]),
    equals(lambda: ck.receptive_field(1, 1, [3], input_hw=(6, 6))),
)

for _kernel in ck.KERNELS:
    good(
        "get_kernel",
        "strings",
        f"name-{_kernel}",
        lambda k=_kernel: ck.get_kernel(k),
        equals(lambda k=_kernel: np.array(ck.KERNELS[k])),
    )
good(
    "stack_kernels",
    "strings",
    "every-name",
    lambda: ck.stack_kernels(list(ck.KERNELS)),
    equals(lambda: np.stack(list(ck.KERNELS.values()))[:, None]),
)
good(
    "numerical_gradient",
    "mutation",
    "x-restored-when-f-fails",
    lambda: _failing_f(),
    lambda r: same(r, True),
)


def _failing_f():
    x = XG.copy()
    try:
        ck.numerical_gradient(lambda v: v, x)  # f returns an array: refused
    except TypeError:
        pass
    return bool(np.array_equal(x, XG))
