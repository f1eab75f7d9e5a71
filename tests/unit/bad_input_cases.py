"""The table of bad (and odd but legal) inputs for every public name of cnnkit.

Each :class:`Case` calls one public name once. A case either expects an exception, of an
exact type and with a message that names the argument, or expects the correct result
(equal to the same call on a clean input, or to a value worked out independently).

The table is built from small specs, one per public name: which arguments are arrays,
which are whole numbers, which are real numbers, and what a legal call looks like. The
generators below turn each spec into cases of every category:

    types, ndim, empty, nan/inf, numbers, strings, lists, readonly/non-contiguous, mutation

``tests/unit/test_bad_input.py`` runs them and fails if a name in ``cnnkit.__all__`` has no
case, so a new public name must be added here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

import cnnkit as ck

CATEGORIES = ("types", "ndim", "empty", "nan/inf", "numbers", "strings", "lists",
              "readonly/non-contiguous", "mutation")


@dataclass
class Case:
    name: str  # the public name in cnnkit.__all__ this case exercises
    category: str
    id: str
    call: Callable[[], Any]
    raises: Optional[type] = None  # the exact exception type expected, or None
    words: tuple[str, ...] = ()  # what the message must contain (the argument's name first)
    check: Optional[Callable[[Any], None]] = None  # for a legal input: asserts the result
    note: str = ""


CASES: list[Case] = []


def bad(name, category, id_, call, exc, *words):
    CASES.append(Case(name, category, id_, call, raises=exc, words=tuple(words)))


def good(name, category, id_, call, check):
    CASES.append(Case(name, category, id_, call, check=check))


# ---------------------------------------------------------------------------------------
# comparing results


def same(a, b, rtol=1e-12, atol=0.0):
    """Assert two results are equal: arrays (NaN equal to NaN), tuples, dicts, numbers."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)
    elif isinstance(a, (tuple, list)) and not hasattr(a, "_fields"):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            same(u, v, rtol, atol)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k], rtol, atol)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b)
    elif isinstance(a, float):
        assert math.isclose(a, b, rel_tol=rtol, abs_tol=atol), (a, b)
    elif isinstance(a, ck.History):
        same(a.train_loss, b.train_loss, rtol, atol)
        same(a.train_acc, b.train_acc, rtol, atol)
    else:
        assert a == b, (a, b)


def equals(reference: Callable[[], Any], **tol) -> Callable[[Any], None]:
    """A check: the result equals ``reference()`` (computed lazily, at test time)."""
    return lambda result: same(result, reference(), **tol)


def shaped(shape, dtype=None) -> Callable[[Any], None]:
    def check(result):
        arr = result[0] if isinstance(result, tuple) else result
        assert np.shape(arr) == shape, (np.shape(arr), shape)
        if dtype is not None:
            assert np.asarray(arr).dtype == dtype
    return check


# ---------------------------------------------------------------------------------------
# inputs


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def strided(a):
    """The same values in a non-contiguous array (every other element of a bigger one)."""
    a = np.asarray(a)
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype) if a.ndim else None
    if big is None:
        return a
    big[..., ::2] = a
    view = big[..., ::2]
    assert not view.flags.c_contiguous or a.size <= 1
    return view


def fortran(a):
    return np.asfortranarray(a)


# ---------------------------------------------------------------------------------------
# spec-driven generators


@dataclass
class Spec:
    """How to call one public name legally, and what kind each argument is.

    ``call(**kwargs)`` runs it; ``legal()`` returns fresh legal kwargs; ``arrays`` maps an
    array argument to a dict of expectations: ``ndim`` (a wrong-ndim value), ``empty`` (a
    value with no examples, with ``empty_ok`` True if the result is an empty array and a
    ValueError naming the argument otherwise), ``nan`` ("propagate": compare with
    ``nan_ref``; "reject": ValueError naming the argument).
    """

    name: str
    call: Callable[..., Any]
    legal: Callable[[], dict]
    arrays: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)  # arg -> huge-value check (None: must raise)
    indices: tuple = ()  # whole numbers >= 0
    reals: dict = field(default_factory=dict)  # arg -> example of a legal value
    seeds: tuple = ()
    flags: tuple = ()
    words: dict = field(default_factory=dict)  # arg -> wrong words for an arg taking words
    pure: bool = True  # no argument may be changed by the call
    tag: str = ""  # prefixes the ids when one name has several specs (forward, backward)


def _with(spec, **over):
    kw = spec.legal()
    kw.update(over)
    return lambda: spec.call(**kw)


COUNT_BAD = [  # (id, value, exception, category)
    ("bool", True, TypeError, "numbers"),
    ("fraction", 2.5, TypeError, "numbers"),
    ("whole-float", 2.0, TypeError, "numbers"),
    ("numpy-float", np.float64(3.0), TypeError, "numbers"),
    ("zero", 0, ValueError, "numbers"),
    ("negative", -3, ValueError, "numbers"),
    ("string", "2", TypeError, "types"),
    ("list-of-three", [1, 1, 1], ValueError, "lists"),
    ("nan", float("nan"), TypeError, "nan/inf"),
    ("inf", float("inf"), TypeError, "nan/inf"),
]
SCALAR_COUNT_BAD = [c for c in COUNT_BAD if c[0] != "list-of-three"] + [
    ("list", [2], TypeError, "lists")]
REAL_BAD = [
    ("zero", 0.0, ValueError, "numbers"),
    ("negative", -0.5, ValueError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "0.1", TypeError, "types"),
    ("none", None, TypeError, "types"),
    ("complex", 0.1 + 0j, TypeError, "types"),
    ("nan", float("nan"), ValueError, "nan/inf"),
    ("inf", float("inf"), ValueError, "nan/inf"),
    ("list", [0.1], TypeError, "lists"),
]
SEED_BAD = [
    ("negative", -1, ValueError, "numbers"),
    ("fraction", 0.5, TypeError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "0", TypeError, "types"),
    ("nan", float("nan"), TypeError, "nan/inf"),
    ("list", [0], TypeError, "lists"),
]
INDEX_BAD = [
    ("negative", -1, ValueError, "numbers"),
    ("fraction", 1.5, TypeError, "numbers"),
    ("bool", True, TypeError, "numbers"),
    ("string", "1", TypeError, "types"),
    ("nan", float("nan"), TypeError, "nan/inf"),
]


#: Every spec, for the property-based test that throws random values at each argument.
SPECS: list[Spec] = []


def from_spec(spec: Spec, pair_args: tuple = ()) -> None:
    SPECS.append(spec)
    n = spec.name
    first = len(CASES)
    for arg, huge_check in spec.counts.items():
        table = COUNT_BAD if arg in pair_args else SCALAR_COUNT_BAD
        for id_, value, exc, cat in table:
            if id_ == "list-of-three":
                bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
            else:
                bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        if huge_check is None or isinstance(huge_check, str):
            bad(n, "numbers", f"{arg}-huge", _with(spec, **{arg: 10**18}), ValueError,
                huge_check or arg)
        else:
            good(n, "numbers", f"{arg}-huge", _with(spec, **{arg: 10**18}), huge_check)
        if arg in pair_args:
            v = spec.legal().get(arg, 1)
            good(n, "lists", f"{arg}-list-pair", _with(spec, **{arg: [v, v]}),
                 equals(_with(spec, **{arg: (v, v)})))
    for arg in spec.indices:
        for id_, value, exc, cat in INDEX_BAD:
            if id_ == "string" and arg in spec.words:  # the argument also takes words
                exc, cat = ValueError, "strings"
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        for word in spec.words.get(arg, ()):
            bad(n, "strings", f"{arg}-word-{word}", _with(spec, **{arg: word}), ValueError,
                f"{arg}={word!r}")
    for arg, example in spec.reals.items():
        for id_, value, exc, cat in REAL_BAD:
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        good(n, "numbers", f"{arg}-numpy-float", _with(spec, **{arg: np.float32(example)}),
             equals(_with(spec, **{arg: float(np.float32(example))})))
    for arg in spec.seeds:
        for id_, value, exc, cat in SEED_BAD:
            bad(n, cat, f"{arg}-{id_}", _with(spec, **{arg: value}), exc, f"{arg}=")
        good(n, "numbers", f"{arg}-huge-repeats", _with(spec, **{arg: 2**100}),
             equals(_with(spec, **{arg: 2**100})))
    for arg in spec.flags:
        for id_, value in (("string", "yes"), ("int", 1), ("none", None)):
            bad(n, "types", f"{arg}-{id_}", _with(spec, **{arg: value}), TypeError, f"{arg}=")
    for arg, exp in spec.arrays.items():
        clean = spec.legal()[arg]
        ref = _with(spec)
        tol = exp.get("tol", {})
        bad(n, "types", f"{arg}-strings", _with(spec, **{arg: np.full(np.shape(clean), "a")}),
            TypeError, arg)
        if "none" in exp:
            good(n, "types", f"{arg}-none", _with(spec, **{arg: None}), exp["none"])
        else:
            bad(n, "types", f"{arg}-none", _with(spec, **{arg: None}), TypeError, arg)
        if "complex" in exp:
            good(n, "types", f"{arg}-complex", _with(spec, **{arg: np.asarray(clean) + 1j}),
                 exp["complex"])
        else:
            bad(n, "types", f"{arg}-complex", _with(spec, **{arg: np.asarray(clean) + 1j}),
                TypeError, arg)
        bad(n, "types", f"{arg}-dict", _with(spec, **{arg: {"x": 1}}), TypeError, arg)
        if "ndim" in exp:
            for i, wrong in enumerate(exp["ndim"]):
                bad(n, "ndim", f"{arg}-ndim-{np.ndim(wrong)}-{i}", _with(spec, **{arg: wrong}),
                    ValueError, arg)
        if "empty" in exp:
            value, ok = exp["empty"]
            if ok is None:
                bad(n, "empty", f"{arg}-empty", _with(spec, **{arg: value}), ValueError, arg)
            else:
                good(n, "empty", f"{arg}-empty", _with(spec, **{arg: value}), ok)
        if exp.get("nan") == "reject":
            for label, v in (("nan", np.nan), ("inf", np.inf)):
                dirty = np.array(clean, dtype=float)
                dirty.flat[0] = v
                bad(n, "nan/inf", f"{arg}-{label}", _with(spec, **{arg: dirty}), ValueError, arg,
                    "NaN or infinite")
        elif exp.get("nan") is not None:  # a reference that handles NaN as it should
            dirty = np.array(clean, dtype=float)
            dirty.flat[0] = np.nan
            good(n, "nan/inf", f"{arg}-nan", _with(spec, **{arg: dirty}),
                 equals(lambda d=dirty, f=exp["nan"]: f(d), rtol=1e-9, atol=1e-12))
        if exp.get("lists", True):
            good(n, "lists", f"{arg}-as-list", _with(spec, **{arg: np.asarray(clean).tolist()}),
                 equals(ref, **tol))
        if exp.get("views", True):
            good(n, "readonly/non-contiguous", f"{arg}-readonly",
                 _with(spec, **{arg: readonly(clean)}), equals(ref, **tol))
            good(n, "readonly/non-contiguous", f"{arg}-strided",
                 _with(spec, **{arg: strided(clean)}), equals(ref, **tol))
            good(n, "readonly/non-contiguous", f"{arg}-fortran",
                 _with(spec, **{arg: fortran(clean)}), equals(ref, **tol))
            good(n, "types", f"{arg}-int", _with(spec, **{arg: np.round(clean).astype(int)}),
                 equals(_with(spec, **{arg: np.round(clean).astype(float)}), **tol))
    if spec.pure and any(isinstance(v, np.ndarray) for v in spec.legal().values()):
        kw = spec.legal()
        copies = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else None)
                  for k, v in kw.items()}

        def unchanged(result, kw=kw, copies=copies):
            for k, c in copies.items():
                if c is not None:
                    np.testing.assert_array_equal(kw[k], c, err_msg=f"{k} was changed")
        good(n, "mutation", "inputs-unchanged", lambda kw=kw: spec.call(**kw), unchanged)
    if spec.tag:
        for case in CASES[first:]:
            case.id = f"{spec.tag}-{case.id}"


# ---------------------------------------------------------------------------------------
# references that handle NaN the way PyTorch does (PyTorch itself when it is installed,
# else cnnkit's loop versions, which the oracle tests hold equal to PyTorch)


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional
        return None
    return torch


def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1):
    torch = _torch()
    if torch is None:
        return ck.conv2d_naive(x, w, b, stride, padding, dilation)
    t = lambda a: None if a is None else torch.from_numpy(np.array(a, dtype=float))  # noqa: E731
    return torch.nn.functional.conv2d(t(x), t(w), t(b), stride, padding, dilation).numpy()


def ref_conv_backward(dout, x, w, stride=1, padding=0, dilation=1):
    torch = _torch()
    if torch is None:
        return ck.conv2d_backward_naive(dout, x, w, stride, padding, dilation)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    tw = torch.tensor(np.array(w, float), requires_grad=True)
    out = torch.nn.functional.conv2d(tx, tw, None, stride, padding, dilation)
    out.backward(torch.from_numpy(np.array(dout, float)))
    return tx.grad.numpy(), tw.grad.numpy(), np.array(dout, float).sum(axis=(0, 2, 3))


def ref_pool(kind, x, k, s=None):
    torch = _torch()
    if torch is None:
        return getattr(ck, f"{kind}_pool2d_naive")(x, k, s)
    fn = getattr(torch.nn.functional, f"{kind}_pool2d")
    return fn(torch.from_numpy(np.array(x, float)), k, s).numpy()


def ref_pool_backward(kind, dout, x, k, s=None):
    torch = _torch()
    if torch is None:
        return getattr(ck, f"{kind}_pool2d_backward_naive")(dout, x, k, s)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    getattr(torch.nn.functional, f"{kind}_pool2d")(tx, k, s).backward(
        torch.from_numpy(np.array(dout, float)))
    return tx.grad.numpy()


def ref_softmax(z, log=False):
    torch = _torch()
    if torch is None:
        z = np.asarray(z, float)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return np.log(p) if log else p
    fn = torch.log_softmax if log else torch.softmax
    return fn(torch.from_numpy(np.array(z, float)), dim=-1).numpy()


def ref_cross_entropy(z, y):
    torch = _torch()
    if torch is None:
        p = ref_softmax(z)
        n = len(y)
        d = p.copy()
        d[np.arange(n), y] -= 1
        return float(-np.log(p[np.arange(n), y]).mean()), d / n
    tz = torch.tensor(np.array(z, float), requires_grad=True)
    loss = torch.nn.functional.cross_entropy(tz, torch.from_numpy(np.asarray(y)))
    loss.backward()
    return float(loss), tz.grad.numpy()


# ---------------------------------------------------------------------------------------
# the specs: one or more per public name

X4 = rand(2, 1, 8, 8)
W4 = rand(3, 1, 3, 3, seed=1)
B3 = rand(3, seed=2)
DOUT_CONV = rand(2, 3, 6, 6, seed=3)
DOUT_POOL = rand(2, 1, 4, 4, seed=4)
IMAGE_NDIM = [rand(8), rand(1, 1, 1, 8, 8)]

for _name in ("conv2d", "conv2d_naive", "conv2d_im2col", "conv2d_forward"):
    _fn = getattr(ck, _name)
    _call = ((lambda f: lambda **kw: f(**kw)[0]) if _name == "conv2d_forward"
             else (lambda f: lambda **kw: f(**kw)))(_fn)
    from_spec(Spec(
        _name, _call,
        lambda: dict(x=X4.copy(), weight=W4.copy(), bias=B3.copy()),
        arrays={
            "x": dict(ndim=IMAGE_NDIM, empty=(rand(0, 1, 8, 8), shaped((0, 3, 6, 6))),
                      nan=lambda d: ref_conv(d, W4, B3), tol=dict(rtol=1e-10, atol=1e-12)),
            "weight": dict(ndim=[rand(3, 3, 3), rand(1, 3, 1, 3, 3)],
                           nan=lambda d: ref_conv(X4, d, B3), tol=dict(rtol=1e-10, atol=1e-12)),
            "bias": dict(ndim=[rand(3, 1)], nan=lambda d: ref_conv(X4, W4, d),
                         none=equals(lambda: ref_conv(X4, W4), rtol=1e-10, atol=1e-12)),
        },
        counts={"stride": shaped((2, 3, 1, 1)), "dilation": "dilated kernel"},
        indices=("padding",), words={"padding": ("full", "half", "")},
    ), pair_args=("stride", "dilation"))

for _name in ("conv2d_backward", "conv2d_backward_naive", "conv2d_backward_im2col"):
    from_spec(Spec(
        _name, getattr(ck, _name),
        lambda: dict(dout=DOUT_CONV.copy(), x=X4.copy(), weight=W4.copy()),
        arrays={
            "dout": dict(ndim=[rand(3, 6, 6), rand(2, 3, 36)],
                         nan=lambda d: ref_conv_backward(d, X4, W4),
                         tol=dict(rtol=1e-10, atol=1e-12)),
            "x": dict(ndim=IMAGE_NDIM, nan=lambda d: ref_conv_backward(DOUT_CONV, d, W4),
                      tol=dict(rtol=1e-10, atol=1e-12)),
            "weight": dict(ndim=[rand(3, 3, 3)], nan=lambda d: ref_conv_backward(DOUT_CONV, X4, d),
                           tol=dict(rtol=1e-10, atol=1e-12)),
        },
        counts={"dilation": "dilated kernel"},
        indices=("padding",), words={"padding": ("full",)},
    ), pair_args=("dilation",))
    good(_name, "empty", "empty-batch",
         lambda f=getattr(ck, _name): f(np.zeros((0, 3, 6, 6)), np.zeros((0, 1, 8, 8)), W4),
         lambda r: (shaped((0, 1, 8, 8))(r[0]), same(r[1], np.zeros_like(W4)),
                    same(r[2], np.zeros(3))))

for _kind in ("max", "avg"):
    for _suffix in ("", "_naive", "_windows", "_forward"):
        _name = f"{_kind}_pool2d{_suffix}"
        if not hasattr(ck, _name):
            continue
        _fn = getattr(ck, _name)
        _call = ((lambda f: lambda **kw: f(**kw)[0]) if _suffix == "_forward"
                 else (lambda f: lambda **kw: f(**kw)))(_fn)
        from_spec(Spec(
            _name, _call, lambda: dict(x=X4.copy(), kernel_size=2),
            arrays={"x": dict(ndim=IMAGE_NDIM, empty=(rand(0, 1, 8, 8), shaped((0, 1, 4, 4))),
                              nan=lambda d, k=_kind: ref_pool(k, d, 2))},
            counts={"kernel_size": None, "stride": shaped((2, 1, 1, 1))},
        ), pair_args=("kernel_size", "stride"))
    for _suffix in ("", "_naive", "_windows"):
        _name = f"{_kind}_pool2d_backward{_suffix}"
        if not hasattr(ck, _name):
            continue
        from_spec(Spec(
            _name, getattr(ck, _name),
            lambda: dict(dout=DOUT_POOL.copy(), x=X4.copy(), kernel_size=2),
            arrays={
                "dout": dict(ndim=[rand(1, 4, 4), rand(2, 1, 16)],
                             nan=lambda d, k=_kind: ref_pool_backward(k, d, X4, 2)),
                "x": dict(ndim=IMAGE_NDIM,
                          nan=lambda d, k=_kind: ref_pool_backward(k, DOUT_POOL, d, 2)),
            },
            counts={"kernel_size": None},
        ), pair_args=("kernel_size",))
        good(_name, "empty", "empty-batch",
             lambda f=getattr(ck, _name): f(np.zeros((0, 1, 4, 4)), np.zeros((0, 1, 8, 8)), 2),
             shaped((0, 1, 8, 8)))

for _name, _log in (("softmax", False), ("log_softmax", True)):
    from_spec(Spec(
        _name, getattr(ck, _name), lambda: dict(logits=rand(3, 5)),
        arrays={"logits": dict(ndim=[np.float64(1.0)], empty=(rand(0, 5), shaped((0, 5))),
                               nan=lambda d, lg=_log: ref_softmax(d, lg))},
    ))
    good(_name, "nan/inf", "logits-inf",
         lambda f=getattr(ck, _name): f(np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0]])),
         equals(lambda lg=_log: ref_softmax(np.array([[np.inf, 0.0, 1.0],
                                                      [-np.inf, 0.0, 1.0]]), lg)))
    good(_name, "empty", "no-classes", lambda f=getattr(ck, _name): f(np.zeros((2, 0))),
         shaped((2, 0)))

Y3 = np.array([0, 4, 2])
from_spec(Spec(
    "softmax_cross_entropy", ck.softmax_cross_entropy, lambda: dict(logits=rand(3, 5),
                                                                   labels=Y3.copy()),
    arrays={"logits": dict(ndim=[rand(5), rand(3, 1, 5)], empty=(rand(0, 5), None),
                           nan=lambda d: ref_cross_entropy(d, Y3))},
))

# -- output-size arithmetic -----------------------------------------------------------

_LAST = lambda text: text.splitlines()[-1]  # noqa: E731 - the "out = ... = size" line
for _name, _n_huge, _stride_huge in (
        ("conv_output_size", lambda r: same(r, 10**18 - 2), lambda r: same(r, 1)),
        ("explain_output_size", lambda r: same(_LAST(r), f"out = {10**18 - 3} + 1 = {10**18 - 2}"),
         lambda r: same(_LAST(r), "out = 0 + 1 = 1"))):
    from_spec(Spec(
        _name, getattr(ck, _name), lambda: dict(n=8, kernel_size=3),
        counts={"n": _n_huge, "kernel_size": "kernel_size",
                "stride": _stride_huge, "dilation": "dilat"},
        indices=("padding",), words={"padding": ("full",)},
    ))
good("conv_output_size", "numbers", "n-huge-exact", lambda: ck.conv_output_size(10**30, 3),
     lambda r: same(r, 10**30 - 2))
good("conv_output_size", "numbers", "stride-huge-one", lambda: ck.conv_output_size(8, 3, 10**18),
     lambda r: same(r, 1))
good("explain_output_size", "numbers", "stride-huge-quick",
     lambda: _timed(lambda: ck.explain_output_size(8, 3, stride=10**18), 1.0),
     lambda r: (None if "out = 0 + 1 = 1" in r else _fail(r)))
good("explain_output_size", "numbers", "padding-huge-quick",
     lambda: _timed(lambda: ck.explain_output_size(8, 3, stride=7, padding=10**15), 1.0),
     lambda r: same(_LAST(r), "out = 285714285714286 + 1 = 285714285714287"))
from_spec(Spec(
    "pool_output_size", ck.pool_output_size, lambda: dict(n=8, kernel_size=2),
    counts={"n": lambda r: same(r, 5 * 10**17), "kernel_size": "kernel_size",
            "stride": lambda r: same(r, 1)},
    indices=("padding",), flags=("ceil_mode",),
))


def _timed(fn, limit):
    import time
    start = time.perf_counter()
    out = fn()
    assert time.perf_counter() - start < limit, "took longer than {limit} s"
    return out


def _fail(text):
    raise AssertionError(text)


# -- caches --------------------------------------------------------------------------

bad("ConvCache", "types", "cache-not-a-cache",
    lambda: ck.conv2d_backward(DOUT_CONV, X4, W4, cache={"cols": 1}), TypeError, "cache")
bad("ConvCache", "types", "reuse-not-a-cache",
    lambda: ck.conv2d_forward(X4, W4, reuse=np.zeros(3)), TypeError, "reuse")
bad("ConvCache", "numbers", "cache-of-another-call",
    lambda: ck.conv2d_backward(DOUT_CONV, X4, W4, cache=ck.conv2d_forward(
        X4, W4, stride=1, padding=1)[1]), ValueError, "cache")
good("ConvCache", "mutation", "cache-gives-the-same-gradients",
     lambda: ck.conv2d_backward(DOUT_CONV, X4, W4, cache=ck.conv2d_forward(X4, W4)[1]),
     equals(lambda: ref_conv_backward(DOUT_CONV, X4, W4), rtol=1e-10, atol=1e-12))
bad("PoolCache", "types", "cache-not-a-cache",
    lambda: ck.max_pool2d_backward(DOUT_POOL, X4, 2, cache="winner"), TypeError, "cache")
good("PoolCache", "mutation", "cache-gives-the-same-gradient",
     lambda: ck.max_pool2d_backward(DOUT_POOL, X4, 2, cache=ck.max_pool2d_forward(X4, 2)[1]),
     equals(lambda: ref_pool_backward("max", DOUT_POOL, X4, 2)))

# -- labels, wherever labels are taken -----------------------------------------------

LABEL_BAD = [  # (id, labels for 3 examples of 5 classes, exception, category, words)
    ("too-big", np.array([0, 5, 1]), ValueError, "numbers", ("label 5", "0..4")),
    ("negative", np.array([0, -1, 1]), ValueError, "numbers", ("label -1",)),
    ("huge", np.array([0, 10**18, 1]), ValueError, "numbers", ("label 1000000000000000000",)),
    ("fraction", np.array([0.0, 1.5, 2.0]), TypeError, "numbers", ("whole class numbers",)),
    ("bool", np.array([True, False, True]), TypeError, "numbers", ("dtype bool",)),
    ("nan", np.array([0.0, np.nan, 1.0]), TypeError, "nan/inf", ("whole class numbers",)),
    ("inf", np.array([0.0, np.inf, 1.0]), TypeError, "nan/inf", ("whole class numbers",)),
    ("strings", np.array(["0", "1", "2"]), TypeError, "types", ("dtype <U1", "astype(int)")),
    ("none", None, ValueError, "types", ("shape (3,)",)),
    ("too-few", np.array([0, 1]), ValueError, "ndim", ("shape (3,)", "(2,)")),
    ("column", np.array([[0], [1], [2]]), ValueError, "ndim", ("ravel()",)),
    ("one-hot", np.eye(5)[[0, 1, 2]], ValueError, "ndim", ("one-hot", "argmax(axis=1)")),
    ("scalar", 1, ValueError, "ndim", ("shape (3,)",)),
]
LABEL_GOOD = [  # (id, labels, category): the same result as np.array([0, 4, 2])
    ("whole-floats", np.array([0.0, 4.0, 2.0]), "numbers"),
    ("list", [0, 4, 2], "lists"),
    ("uint8", np.array([0, 4, 2], dtype=np.uint8), "types"),
    ("readonly", readonly([0, 4, 2]), "readonly/non-contiguous"),
    ("strided", strided(np.array([0, 4, 2])), "readonly/non-contiguous"),
]
Z35 = rand(3, 5)
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    bad("softmax_cross_entropy", _cat, f"labels-{_id}",
        lambda y=_y: ck.softmax_cross_entropy(Z35, y), _exc, "labels", *_words)
for _id, _y, _cat in LABEL_GOOD:
    good("softmax_cross_entropy", _cat, f"labels-{_id}",
         lambda y=_y: ck.softmax_cross_entropy(Z35, y),
         equals(lambda: ref_cross_entropy(Z35, Y3), rtol=1e-10, atol=1e-14))
bad("softmax_cross_entropy", "empty", "no-classes",
    lambda: ck.softmax_cross_entropy(np.zeros((3, 0)), Y3), ValueError, "logits", "no classes")
good("softmax_cross_entropy", "nan/inf", "logits-inf",
     lambda: ck.softmax_cross_entropy(np.array([[np.inf, 0.0], [1.0, 2.0]]), [0, 1]),
     equals(lambda: ref_cross_entropy(np.array([[np.inf, 0.0], [1.0, 2.0]]), np.array([0, 1]))))

# -- layers --------------------------------------------------------------------------

X2 = rand(4, 6)


def _after_forward(layer, x):
    layer.forward(x)
    return layer


LAYER_FORWARD = {  # name -> (a fresh layer, a legal input, wrong-ndim inputs, empty result)
    "Conv2D": (lambda: ck.Conv2D(1, 3, 3, rng=0), X4, IMAGE_NDIM, (0, 3, 6, 6)),
    "MaxPool2D": (lambda: ck.MaxPool2D(2), X4, IMAGE_NDIM, (0, 1, 4, 4)),
    "ReLU": (lambda: ck.ReLU(), X4, [], (0, 1, 8, 8)),
    "Flatten": (lambda: ck.Flatten(), X4, [np.float64(2.0)], (0, 64)),
    "Dense": (lambda: ck.Dense(6, 5, rng=0), X2, [rand(6), rand(4, 1, 6)], (0, 5)),
}
for _name, (_make, _x, _ndim, _empty) in LAYER_FORWARD.items():
    _reference = {"Conv2D": lambda d, m=_make: ref_conv(d, m().params["weight"],
                                                       m().params["bias"]),
                  "MaxPool2D": lambda d: ref_pool("max", d, 2),
                  "ReLU": lambda d: np.maximum(d, 0.0),  # NaN stays NaN, as torch.relu
                  "Flatten": lambda d: np.reshape(d, (len(d), -1)),
                  "Dense": lambda d, m=_make: d @ m().params["weight"].T + m().params["bias"]}
    from_spec(Spec(
        _name, lambda x, m=_make: m().forward(x), lambda x=_x: dict(x=x.copy()),
        tag="forward",
        arrays={"x": dict(ndim=_ndim, empty=(np.zeros((0,) + _x.shape[1:]), shaped(_empty)),
                          nan=_reference[_name], tol=dict(rtol=1e-10, atol=1e-12))},
    ))
    _out = _make().forward(_x)
    from_spec(Spec(
        _name, lambda dout, m=_make, x=_x: _after_forward(m(), x).backward(dout),
        lambda o=_out: dict(dout=np.ones_like(o)), tag="backward",
        arrays={"dout": dict(ndim=[np.ones(_out.shape[1:]), np.ones(_out.shape + (1,))])},
    ))
    bad(_name, "ndim", "dout-wrong-shape",
        lambda m=_make, x=_x, o=_out: _after_forward(m(), x).backward(np.ones(o.shape[:-1] + (
            o.shape[-1] + 1,))), ValueError, "dout", str(_out.shape))
    bad(_name, "types", "backward-before-forward", lambda m=_make, o=_out: m().backward(
        np.ones_like(o)), RuntimeError, "backward called before forward")
    good(_name, "mutation", "failed-backward-keeps-grads",
         lambda m=_make, x=_x, o=_out: _failed_backward(m(), x, o), lambda r: None)


def _in_repr(text):
    return lambda state: None if text in state[0] else _fail(f"{text!r} not in {state[0]!r}")


def _layer_state(layer):
    """What a constructor made, in a form two results can be compared by."""
    return repr(layer), layer.params


def _failed_backward(layer, x, out):
    """A backward that fails on a wrong dout must leave the layer's grads as they were."""
    layer.forward(x)
    before = {k: v.copy() for k, v in layer.grads.items()}
    try:
        layer.backward(np.ones(out.shape[:-1] + (out.shape[-1] + 1,)))
    except ValueError:
        pass
    else:
        raise AssertionError("a dout of the wrong shape was accepted")
    for k, v in before.items():
        np.testing.assert_array_equal(layer.grads[k], v, err_msg=f"grads[{k!r}] changed")


from_spec(Spec(
    "Conv2D", lambda **kw: _layer_state(ck.Conv2D(**kw)),
    lambda: dict(in_channels=1, out_channels=2, kernel_size=3, rng=0), tag="init",
    counts={"in_channels": "in_channels", "out_channels": "out_channels",
            "kernel_size": "kernel_size", "stride": _in_repr("stride=1000000000000000000"),
            "dilation": _in_repr("dilation=1000000000000000000")},
    indices=("padding",), words={"padding": ("full",)}, seeds=("rng",),
), pair_args=("kernel_size", "stride", "dilation"))
from_spec(Spec(
    "Dense", lambda **kw: _layer_state(ck.Dense(**kw)),
    lambda: dict(in_features=3, out_features=2, rng=0), tag="init",
    counts={"in_features": "in_features", "out_features": "out_features"}, seeds=("rng",),
))
from_spec(Spec(
    "MaxPool2D", lambda **kw: _layer_state(ck.MaxPool2D(**kw)), lambda: dict(kernel_size=2),
    tag="init",
    counts={"kernel_size": _in_repr("kernel_size=1000000000000000000"),
            "stride": _in_repr("stride=1000000000000000000")},
), pair_args=("kernel_size", "stride"))
for _name, _make in (("Conv2D", lambda **kw: ck.Conv2D(1, 2, 3, **kw)),
                     ("Dense", lambda **kw: ck.Dense(3, 2, **kw))):
    for _id, _dtype, _cat in (("int", int, "types"), ("int64", np.int64, "types"),
                              ("bool", bool, "types"), ("complex", np.complex128, "types"),
                              ("word", "floaty", "strings"), ("object", object, "types"),
                              ("float16", np.float16, "numbers"), ("none", None, "types"),
                              ("longdouble", np.longdouble, "numbers")):
        bad(_name, _cat, f"dtype-{_id}", lambda m=_make, d=_dtype: m(dtype=d), TypeError,
            "dtype=")
    for _dtype in (np.float32, "float32", np.dtype("float64")):
        good(_name, "types", f"dtype-{np.dtype(_dtype).name}-as-{type(_dtype).__name__}",
             lambda m=_make, d=_dtype: m(dtype=d, rng=0),
             lambda layer, d=_dtype: [None for v in layer.params.values()
                                      if v.dtype != np.dtype(d) and _fail(v.dtype)])
    good(_name, "types", "rng-generator",
         lambda m=_make: m(rng=np.random.default_rng(5)).params["weight"],
         equals(lambda m=_make: m(rng=5).params["weight"]))
    bad(_name, "types", "rng-legacy-randomstate",
        lambda m=_make: m(rng=np.random.RandomState(0)), TypeError, "rng=")

for _name, _layer in (("Conv2D", lambda: ck.Conv2D(1, 2, 3)), ("MaxPool2D", lambda: ck.MaxPool2D(2))):
    for _shape in ((8, 8), (8,)):
        bad(_name, "ndim", f"output_shape-{len(_shape)}d", lambda m=_layer, s=_shape:
            m().output_shape(s), ValueError, str(_shape))
good("Layer", "types", "base-layer-passes-shapes", lambda: ck.Layer().output_shape([2, 3]),
     lambda r: same(r, (2, 3)))
bad("Layer", "types", "base-layer-has-no-forward", lambda: ck.Layer().forward(X4),
    NotImplementedError)
good("Layer", "mutation", "base-layer-has-no-params", lambda: ck.Layer().n_params,
     lambda r: same(r, 0))

# -- the model -----------------------------------------------------------------------


def small_net(seed=0):
    """(N, 1, 8, 8) -> conv 3x3 -> (2, 6, 6) -> pool -> (2, 3, 3) -> 18 -> 5 classes."""
    return ck.Sequential(ck.Conv2D(1, 2, 3, rng=seed), ck.ReLU(), ck.MaxPool2D(2), ck.Flatten(),
                         ck.Dense(18, 5, rng=seed + 1))


from_spec(Spec(
    "Sequential", lambda x: small_net().forward(x), lambda: dict(x=X4.copy()),
    tag="forward",
    arrays={"x": dict(ndim=IMAGE_NDIM, empty=(rand(0, 1, 8, 8), shaped((0, 5))),
                      nan=lambda d: _nan_rows(small_net().forward(np.nan_to_num(d)), d))},
))


def _nan_rows(out, x):
    out = out.copy()
    out[np.isnan(x).reshape(len(x), -1).any(axis=1)] = np.nan  # a NaN pixel reaches Dense
    return out


bad("Sequential", "ndim", "forward-names-the-layer", lambda: small_net().forward(rand(2, 3, 8, 8)),
    ValueError, "layer 0 (Conv2D", "channels")
bad("Sequential", "ndim", "forward-names-a-later-layer",
    lambda: ck.Sequential(ck.Flatten(), ck.Dense(10, 2)).forward(X4), ValueError,
    "layer 1 (Dense", "10 features")
bad("Sequential", "types", "forward-strings-name-layer-0",
    lambda: small_net().forward(np.full((1, 1, 8, 8), "a")), TypeError, "layer 0 (Conv2D",
    "x must be an array of numbers")
bad("Sequential", "ndim", "backward-names-the-layer",
    lambda: _forwarded(small_net()).backward(np.ones((2, 4))), ValueError, "layer 4 (Dense",
    "dout")
bad("Sequential", "types", "backward-before-forward",
    lambda: small_net().backward(np.ones((2, 5))), RuntimeError, "layer 4 (Dense",
    "before forward")
bad("Sequential", "lists", "layers-in-a-list",
    lambda: ck.Sequential([ck.ReLU(), ck.Flatten()]), TypeError, "Sequential(*layers)")
bad("Sequential", "types", "a-class-not-an-instance", lambda: ck.Sequential(ck.ReLU),
    TypeError, "layer 0", "instances")
bad("Sequential", "types", "a-function", lambda: ck.Sequential(ck.conv2d), TypeError,
    "layer 0", "not a cnnkit layer")
good("Sequential", "empty", "no-layers-passes-x-through", lambda: ck.Sequential().forward(X4),
     equals(lambda: X4))
SUMMARY_BAD = [
    ("int", 8, TypeError, "types", ("input_shape=8", "(8,)")),
    ("string", "1, 8, 8", TypeError, "strings", ("input_shape='1, 8, 8'",)),
    ("none", None, TypeError, "types", ("input_shape=None",)),
    ("fraction", (1, 8.5, 8), TypeError, "numbers", ("input_shape=(1, 8.5, 8)", "8.5")),
    ("whole-float", (1.0, 8, 8), TypeError, "numbers", ("input_shape=(1.0, 8, 8)",)),
    ("bool", (True, 8, 8), TypeError, "numbers", ("input_shape=(True, 8, 8)",)),
    ("zero", (1, 0, 8), ValueError, "numbers", ("input_shape=(1, 0, 8) contains 0",)),
    ("negative", (1, -8, 8), ValueError, "numbers", ("input_shape=(1, -8, 8) contains -8",)),
    ("empty", (), ValueError, "empty", ("input_shape=()",)),
    ("nan", (1, float("nan"), 8), TypeError, "nan/inf", ("input_shape=",)),
    ("wrong-channels", (3, 8, 8), ValueError, "ndim", ("layer 0", "(3, 8, 8)")),
    ("too-small", (1, 2, 2), ValueError, "numbers", ("layer 0", "kernel_size=3")),
]
for _id, _shape, _exc, _cat, _words in SUMMARY_BAD:
    bad("Sequential", _cat, f"summary-{_id}", lambda s=_shape: small_net().summary(s), _exc,
        *_words)
for _id, _shape, _cat in (("list", [1, 8, 8], "lists"), ("array", np.array([1, 8, 8]), "types"),
                          ("numpy-ints", (np.int64(1), np.int32(8), 8), "numbers")):
    good("Sequential", _cat, f"summary-{_id}", lambda s=_shape: small_net().summary(s).rows,
         equals(lambda: small_net().summary((1, 8, 8)).rows))
good("Sequential", "numbers", "summary-huge-exact",
     lambda: ck.Sequential(ck.Flatten()).summary((10**6, 10**6, 10**6)).total_nodes,
     lambda r: same(r, 10**18))
good("Summary", "types", "str-is-the-table", lambda: str(small_net().summary((1, 8, 8))),
     lambda text: None if ("total" in text and f"{small_net().n_params:,}" in text)
     else _fail(text))
good("Summary", "lists", "rows-iterate", lambda: [r.params for r in small_net().summary([1, 8, 8])],
     lambda r: same(r, [20, 0, 0, 0, 18 * 5 + 5]))
good("Summary", "numbers", "input-shape-stored-as-ints",
     lambda: small_net().summary((np.int64(1), 8, 8)).input_shape,
     lambda r: same([type(v) for v in r], [int, int, int]))


def _forwarded(net):
    net.forward(X4)
    return net


# -- the optimizer -------------------------------------------------------------------

from_spec(Spec(
    "SGD", lambda **kw: _sgd_step(**kw), lambda: dict(lr=0.1),
    reals={"lr": 0.1},
))


def _sgd_step(**kw):
    net = _forwarded(small_net())
    net.backward(np.ones((2, 5)))
    opt = ck.SGD(net.params(), **kw)
    opt.step()
    return [p.copy() for values, _ in net.params() for p in values.values()]


for _arg, _values in (("momentum", [(-0.1, ValueError, "numbers"), (1.0, ValueError, "numbers"),
                                    (float("nan"), ValueError, "nan/inf"),
                                    ("0.9", TypeError, "types"), (True, TypeError, "numbers")]),
                      ("weight_decay", [(-1e-4, ValueError, "numbers"),
                                        (float("inf"), ValueError, "nan/inf"),
                                        (float("nan"), ValueError, "nan/inf"),
                                        (None, TypeError, "types"),
                                        ([1e-4], TypeError, "lists")])):
    for _v, _exc, _cat in _values:
        bad("SGD", _cat, f"{_arg}-{_v!r}", lambda a=_arg, v=_v: _sgd_step(lr=0.1, **{a: v}),
            _exc, f"{_arg}=")
PARAMS_BAD = [
    ("model", lambda net: net, TypeError, "types", ("params must be a list", "a model")),
    ("layer", lambda net: net.layers[0], TypeError, "types", ("a model or a layer",)),
    ("one-dict", lambda net: net.layers[0].params, TypeError, "types", ("got dict",)),
    ("empty", lambda net: [], ValueError, "empty", ("params is empty",)),
    ("bare-arrays", lambda net: [net.layers[0].params["weight"]], TypeError, "lists",
     ("params[0]", "pair of dicts")),
    ("triple", lambda net: [(net.layers[0].params, net.layers[0].grads, {})], TypeError, "lists",
     ("params[0]",)),
    ("keys-differ", lambda net: [(net.layers[0].params, {"weight": np.zeros((2, 1, 3, 3))})],
     ValueError, "strings", ("params[0]", "same keys")),
    ("grad-shape", lambda net: [({"w": np.zeros(3)}, {"w": np.zeros(4)})], ValueError, "ndim",
     ("params[0][1]['w']", "(3,)")),
    ("int-param", lambda net: [({"w": np.zeros(3, int)}, {"w": np.zeros(3)})], TypeError,
     "types", ("params[0][0]['w']", "float")),
    ("list-param", lambda net: [({"w": [0.0, 1.0]}, {"w": np.zeros(2)})], TypeError, "lists",
     ("params[0][0]['w']",)),
    ("readonly-param", lambda net: [({"w": readonly(np.zeros(2))}, {"w": np.zeros(2)})],
     ValueError, "readonly/non-contiguous", ("params[0][0]['w']", "read-only")),
]
for _id, _make, _exc, _cat, _words in PARAMS_BAD:
    bad("SGD", _cat, f"params-{_id}", lambda m=_make: ck.SGD(m(small_net()), lr=0.1), _exc,
        *_words)
good("SGD", "lists", "params-as-lists-and-generator",
     lambda: _sgd_pairs_step(lambda net: ([p, g] for p, g in net.params())),
     equals(lambda: _sgd_pairs_step(lambda net: net.params())))
good("SGD", "readonly/non-contiguous", "strided-param-updated-in-place",
     lambda: _strided_sgd(), lambda r: same(r, np.array([-0.1, 0.9, 1.9])))
good("SGD", "mutation", "failed-step-changes-nothing", lambda: _failed_step(), lambda r: None)


def _sgd_pairs_step(pairs):
    net = _forwarded(small_net())
    net.backward(np.ones((2, 5)))
    ck.SGD(pairs(net), lr=0.1, momentum=0.9).step()
    return [p.copy() for values, _ in net.params() for p in values.values()]


def _strided_sgd():
    big = np.arange(6, dtype=float)
    w = big[::2]  # 0, 2, 4 as a view
    w -= np.array([0.0, 1.0, 2.0])  # 0, 1, 2
    ck.SGD([({"w": w}, {"w": np.ones(3)})], lr=0.1).step()
    assert big[2] == w[1]  # the update went into the viewed array
    return w


def _failed_step():
    good_w, bad_w = np.ones(2), np.ones(3)
    grads = {"a": np.ones(2), "b": np.ones(3)}
    opt = ck.SGD([({"a": good_w, "b": bad_w}, grads)], lr=0.1, momentum=0.9)
    grads["b"] = np.ones(4)  # a layer stored a gradient of the wrong shape
    try:
        opt.step()
    except ValueError as exc:
        assert "params[0][1]['b']" in str(exc), exc
    else:
        raise AssertionError("a gradient of the wrong shape was accepted")
    same(good_w, np.ones(2))  # nothing moved, not even the parameter checked first
    assert opt.velocity == [{}]

# -- training ------------------------------------------------------------------------

XT = rand(12, 1, 8, 8, seed=7)
YT = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])


_DEFAULT = object()


def _fit(X=_DEFAULT, y=_DEFAULT, epochs=2, batch_size=4, seed=0, **kw):
    net = small_net()
    kw.setdefault("progress", "off")
    history = ck.fit(net, XT if X is _DEFAULT else X, YT if y is _DEFAULT else y, epochs,
                     batch_size,
                     ck.SGD(net.params(), lr=0.1, momentum=0.9), seed=seed, **kw)
    return history, [p.copy() for values, _ in net.params() for p in values.values()]


from_spec(Spec(
    "fit", _fit, lambda: dict(X=XT.copy(), y=YT.copy()),
    arrays={"X": dict(ndim=[rand(12, 64), rand(12)], empty=(rand(0, 1, 8, 8), None),
                      nan="reject", tol=dict(rtol=1e-10, atol=1e-12))},
    counts={"epochs": "epochs", "batch_size": equals(lambda: _fit(batch_size=12))},
    seeds=("seed",),
))
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    _y12 = np.resize(_y, 12) if np.ndim(_y) == 1 and len(_y) == 3 else _y
    if _id in ("too-big", "negative", "huge"):  # the bad label only in the last batch
        _y12 = YT.copy()
        _y12[-1] = {"too-big": 5, "negative": -1, "huge": 10**18}[_id]
        _words = _words[:1]
    if _id == "too-few":
        _y12 = YT[:10]
        _words = ("y has shape (10,)",)
    if _id in ("column", "one-hot"):
        _y12 = YT[:, None] if _id == "column" else np.eye(5)[YT]
    if _id in ("none", "scalar"):
        _words = ("shape (12,)",)
    bad("fit", _cat, f"y-{_id}", lambda y=_y12: _fit(y=y), _exc, "y", *_words)
for _id, _conv, _cat in (("whole-floats", lambda y: y.astype(float), "numbers"),
                         ("list", lambda y: y.tolist(), "lists"),
                         ("uint8", lambda y: y.astype(np.uint8), "types"),
                         ("readonly", readonly, "readonly/non-contiguous"),
                         ("strided", strided, "readonly/non-contiguous")):
    good("fit", _cat, f"y-{_id}", lambda c=_conv: _fit(y=c(YT)), equals(_fit))
VAL_BAD = [
    ("val-labels-late", dict(X_val=XT[:3], y_val=np.array([0, 1, 7])), ValueError, "numbers",
     ("y_val has a label 7",)),
    ("val-nan", dict(X_val=np.full((3, 1, 8, 8), np.nan), y_val=np.array([0, 1, 2])), ValueError,
     "nan/inf", ("X_val contains",)),
    ("val-shape", dict(X_val=rand(3, 1, 6, 6), y_val=np.array([0, 1, 2])), ValueError, "ndim",
     ("X_val has shape (3, 1, 6, 6)",)),
    ("val-empty", dict(X_val=rand(0, 1, 8, 8), y_val=np.zeros(0, int)), ValueError, "empty",
     ("X_val is empty",)),
    ("val-only-X", dict(X_val=XT[:3]), ValueError, "types", ("X_val and y_val",)),
    ("callback-not-callable", dict(callback="plot"), TypeError, "types", ("callback='plot'",)),
    ("callback-a-list", dict(callback=[print]), TypeError, "lists", ("callback=",)),
    ("progress-word", dict(progress="fancy"), ValueError, "strings", ("progress='fancy'",)),
    ("progress-number", dict(progress=1), TypeError, "types", ("progress=1",)),
    ("epochs-too-many", dict(epochs=10**7), ValueError, "numbers", ("epochs=10000000",)),
]
for _id, _kw, _exc, _cat, _words in VAL_BAD:
    bad("fit", _cat, _id, lambda kw=_kw: _fit(**kw), _exc, *_words)
bad("fit", "types", "model-a-layer",
    lambda: ck.fit(ck.Dense(64, 5), XT, YT, 1, 4, ck.SGD(small_net().params(), lr=0.1)),
    TypeError, "model=", "Sequential(layer)")
bad("fit", "types", "optimizer-a-number", lambda: ck.fit(small_net(), XT, YT, 1, 4, 0.1),
    TypeError, "optimizer=0.1")
bad("fit", "types", "optimizer-of-another-model",
    lambda: ck.fit(small_net(), XT, YT, 1, 4, ck.SGD(small_net().params(), lr=0.1)),
    ValueError, "optimizer does not update this model")
bad("fit", "ndim", "model-ends-in-maps",
    lambda: _fit_model(ck.Sequential(ck.Conv2D(1, 2, 3, rng=0))), ValueError,
    "one score per class")
good("fit", "mutation", "digits-training-settings-untouched",
     lambda: _fit(epochs=ck.DIGITS_TRAINING["epochs"] // 8,
                  batch_size=ck.DIGITS_TRAINING["batch_size"]),
     lambda r: same(ck.DIGITS_TRAINING, {"epochs": 8, "batch_size": 32, "lr": 0.05,
                                         "momentum": 0.9}))


def _fit_model(net):
    return ck.fit(net, XT, YT, 1, 4, ck.SGD(net.params(), lr=0.1), progress="off")


for _name in ("evaluate", "predict", "predict_proba"):
    _with_y = _name == "evaluate"
    _call = ((lambda f: lambda X, **kw: f(small_net(), X, YT[: np.shape(X)[0]]
                                          if np.ndim(X) else YT, **kw)) if _with_y
             else (lambda f: lambda X, **kw: f(small_net(), X, **kw)))(getattr(ck, _name))
    _empty = {"evaluate": None, "predict": shaped((0,)), "predict_proba": shaped((0, 5))}[_name]
    from_spec(Spec(
        _name, _call, lambda: dict(X=XT.copy()),
        arrays={"X": dict(ndim=[rand(12, 64), rand(12)], empty=(rand(0, 1, 8, 8), _empty),
                          nan="reject", tol=dict(rtol=1e-10, atol=1e-12))},
        counts={"batch_size": equals(lambda c=_call: c(XT, batch_size=5), rtol=1e-10)},
    ))
    bad(_name, "types", "model-a-function", lambda f=getattr(ck, _name), y=_with_y: (
        f(ck.conv2d, XT, YT) if y else f(ck.conv2d, XT)), TypeError, "model=")
    bad(_name, "ndim", "X-does-not-fit", lambda c=_call: c(rand(12, 3, 8, 8)), ValueError,
        "X has shape (12, 3, 8, 8)", "layer 0")
    bad(_name, "ndim", "X-one-image", lambda c=_call: c(rand(1, 8, 8)), ValueError,
        "X has shape (1, 8, 8)", "X[None]")
    bad(_name, "ndim", "X-channels-last", lambda c=_call: c(rand(12, 8, 8, 1)), ValueError,
        "X has shape (12, 8, 8, 1)", "X.transpose(0, 3, 1, 2)")
for _id, _y, _exc, _cat, _words in LABEL_BAD:
    _y12 = np.resize(_y, 12) if np.ndim(_y) == 1 and len(_y) == 3 else _y
    if _id == "too-few":
        _y12 = YT[:10]
        _words = ("y has shape (10,)",)
    if _id in ("column", "one-hot"):
        _y12 = YT[:, None] if _id == "column" else np.eye(5)[YT]
    if _id in ("none", "scalar"):
        _words = ("shape (12,)",)
    bad("evaluate", _cat, f"y-{_id}", lambda y=_y12: ck.evaluate(small_net(), XT, y), _exc,
        "y", *_words)
good("History", "empty", "no-epochs-repr", lambda: repr(ck.History()),
     lambda r: same(r, "History(no epochs yet)"))
good("History", "numbers", "counts-epochs", lambda: _fit(epochs=3)[0],
     lambda h: same((h.epochs, h.iterations, len(h.seconds)), (3, 9, 3)))
good("History", "mutation", "callback-sees-each-epoch",
     lambda: _callback_epochs(), lambda r: same(r, [1, 2]))


def _callback_epochs():
    seen = []
    _fit(callback=lambda h: seen.append(h.epochs))
    return seen


# -- the digits network --------------------------------------------------------------

from_spec(Spec(
    "digits_cnn", lambda **kw: ck.digits_cnn(**kw).layers[0].params["weight"],
    lambda: dict(seed=0), seeds=("seed",),
))
for _id, _ch, _exc, _cat in (("two", (16, 32), ValueError, "lists"),
                             ("fraction", (16, 32.5, 64), TypeError, "numbers"),
                             ("bool", (True, 32, 64), TypeError, "numbers"),
                             ("zero", (16, 0, 64), ValueError, "numbers"),
                             ("string", "abc", TypeError, "strings"),
                             ("int", 16, TypeError, "types"),
                             ("huge", (10**6, 10**6, 10), ValueError, "numbers")):
    bad("digits_cnn", _cat, f"channels-{_id}", lambda c=_ch: ck.digits_cnn(channels=c), _exc,
        "channels" if _id != "huge" else "in_channels=1000000")
bad("digits_cnn", "types", "seed-none", lambda: ck.digits_cnn(None), TypeError, "seed=None")
good("digits_cnn", "lists", "channels-list", lambda: ck.digits_cnn(channels=[4, 8, 8]).n_params,
     lambda r: same(r, ck.digits_cnn(channels=(4, 8, 8)).n_params))
good("DIGITS_TRAINING", "numbers", "settings-are-valid",
     lambda: ck.SGD(ck.digits_cnn().params(), lr=ck.DIGITS_TRAINING["lr"],
                    momentum=ck.DIGITS_TRAINING["momentum"]).lr,
     lambda r: same(r, 0.05))
good("DIGITS_TRAINING", "types", "counts-are-ints",
     lambda: [type(ck.DIGITS_TRAINING[k]) for k in ("epochs", "batch_size")],
     lambda r: same(r, [int, int]))

# -- data ----------------------------------------------------------------------------

XS, YS = rand(20, 2), np.repeat([0, 1], 10)
from_spec(Spec(
    "train_test_split", lambda **kw: ck.train_test_split(**kw), lambda: dict(X=XS.copy(),
                                                                            y=YS.copy()),
    arrays={},
    seeds=("seed",), flags=("stratify",),
))
for _id, _v, _exc, _cat in (("zero", 0, ValueError, "numbers"), ("one", 1.0, ValueError, "numbers"),
                            ("percent", 20, ValueError, "numbers"),
                            ("negative", -0.2, ValueError, "numbers"),
                            ("bool", True, TypeError, "numbers"),
                            ("nan", float("nan"), ValueError, "nan/inf"),
                            ("string", "0.2", TypeError, "types"),
                            ("none", None, TypeError, "types"),
                            ("too-small-for-any-test", 0.01, ValueError, "numbers")):
    bad("train_test_split", _cat, f"test_size-{_id}",
        lambda v=_v: ck.train_test_split(XS, YS, test_size=v), _exc, "test_size=")
for _id, _X, _y, _exc, _cat, _word in (
        ("lengths", XS, YS[:5], ValueError, "ndim", "y has 5"),
        ("y-2d", XS, YS[:, None], ValueError, "ndim", "y must have one label per example"),
        ("X-scalar", 3.0, YS, ValueError, "ndim", "X=3.0"),
        ("X-empty", XS[:0], YS[:0], ValueError, "empty", "X is empty"),
        ("y-none", XS, None, ValueError, "types", "y=None")):
    bad("train_test_split", _cat, _id, lambda X=_X, y=_y: ck.train_test_split(X, y), _exc, _word)
for _id, _X, _cat in (("list", XS.tolist(), "lists"), ("readonly", readonly(XS),
                                                      "readonly/non-contiguous"),
                      ("strided", strided(XS), "readonly/non-contiguous"),
                      ("strings", XS.astype(str), "types")):
    good("train_test_split", _cat, f"X-{_id}",
         lambda X=_X: [np.asarray(a).astype(float) for a in ck.train_test_split(X, YS)],
         equals(lambda: ck.train_test_split(XS, YS)))
good("train_test_split", "numbers", "numpy-fraction",
     lambda: ck.train_test_split(XS, YS, test_size=np.float32(0.25)),
     lambda r: same((len(r[0]), len(r[1])), (16, 4)))
good("load_digits", "mutation", "fresh-arrays-each-call", lambda: _load_twice(),
     lambda r: same(r, (0.0, (1797, 1, 8, 8), np.dtype(np.float64), np.dtype(np.int64))))
good("load_digits", "numbers", "range-and-labels", lambda: ck.load_digits(),
     lambda r: same((float(r[0].min()), float(r[0].max()), sorted(set(r[1].tolist()))),
                    (0.0, 1.0, list(range(10)))))


def _load_twice():
    X, y = ck.load_digits()
    X[:] = 7.0
    y[:] = 3
    X2, y2 = ck.load_digits()
    return float(X2.min()), X2.shape, X2.dtype, y2.dtype


from_spec(Spec(
    "sample_image", lambda **kw: ck.sample_image(**kw), lambda: dict(size=64),
    counts={"size": equals(lambda: ck.sample_image())}, flags=("color",),
))
good("sample_image", "types", "size-none-full-photo", lambda: ck.sample_image(size=None).shape,
     lambda r: same(r, (600, 512)))
good("sample_image", "mutation", "fresh-array-each-call", lambda: _image_twice(),
     lambda r: same(r, True))


def _image_twice():
    a = ck.sample_image(size=32)
    a[:] = -1
    return bool(ck.sample_image(size=32).min() >= 0)


# -- gradient checks -----------------------------------------------------------------


def _square_sum(v):
    return float(np.sum(v ** 2))


XG = rand(2, 3, seed=9)
from_spec(Spec(
    "numerical_gradient", lambda **kw: ck.numerical_gradient(_square_sum, **kw),
    lambda: dict(x=XG.copy()), reals={"h": 1e-6},
))
for _id, _x, _exc, _cat, _words in (
        ("list", XG.tolist(), TypeError, "lists", ("x must be a float ndarray", "got list")),
        ("ints", np.arange(3), TypeError, "types", ("dtype int64",)),
        ("float16", XG.astype(np.float16), TypeError, "numbers", ("float16",)),
        ("readonly", readonly(XG), ValueError, "readonly/non-contiguous", ("x is read-only",)),
        ("complex", XG + 1j, TypeError, "types", ("complex128",)),
        ("strings", np.full(3, "a"), TypeError, "types", ("x must be a float ndarray",))):
    bad("numerical_gradient", _cat, f"x-{_id}",
        lambda x=_x: ck.numerical_gradient(_square_sum, x), _exc, *_words)
bad("numerical_gradient", "numbers", "h-lost-in-float32",
    lambda: ck.numerical_gradient(_square_sum, np.full(3, 1e4, np.float32)), ValueError,
    "h=1e-06", "too small", "float32")
bad("numerical_gradient", "numbers", "h-huge-overflows",
    lambda: ck.numerical_gradient(_square_sum, np.full(2, 1e308), h=1e308), ValueError,
    "h=1e+308", "too large")
bad("numerical_gradient", "types", "f-not-callable", lambda: ck.numerical_gradient(3.0, XG.copy()),
    TypeError, "f=3.0")
bad("numerical_gradient", "ndim", "f-returns-an-array",
    lambda: ck.numerical_gradient(lambda v: v * 2, XG.copy()), TypeError, "f must return one",
    "shape (2, 3)")
bad("numerical_gradient", "types", "f-returns-complex",
    lambda: ck.numerical_gradient(lambda v: complex(v.sum()), XG.copy()), TypeError,
    "f must return one real number")
good("numerical_gradient", "readonly/non-contiguous", "x-strided-is-restored",
     lambda: _strided_gradient(), lambda r: same(r, True))
good("numerical_gradient", "numbers", "x-float32-close",
     lambda: ck.numerical_gradient(_square_sum, XG.astype(np.float32), h=1e-2),
     equals(lambda: 2 * XG, rtol=1e-3, atol=1e-3))
good("numerical_gradient", "empty", "x-empty", lambda: ck.numerical_gradient(_square_sum,
                                                                            np.zeros((0, 3))),
     shaped((0, 3)))
good("numerical_gradient", "nan/inf", "x-nan-gives-nan",
     lambda: ck.numerical_gradient(_square_sum, np.array([1.0, np.nan])),
     lambda r: same(np.isnan(r), np.array([True, True])))


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
        ("readonly", readonly([1.0, 2.0]), strided(np.array([1.0, 2.5])), 0.2,
         "readonly/non-contiguous"),
        ("nan", np.array([np.nan, 1.0]), np.array([1.0, 1.0]), float("nan"), "nan/inf"),
        ("inf", np.array([np.inf]), np.array([np.inf]), float("nan"), "nan/inf")):
    good("relative_error", _cat, _id, lambda a=_a, b=_b: ck.relative_error(a, b),
         lambda r, e=_expected: same(r, e) if math.isnan(e) else np.testing.assert_allclose(
             r, e, rtol=1e-12))
for _id, _a, _b, _exc, _cat, _word in (
        ("shapes", np.zeros(3), np.zeros(2), ValueError, "ndim", "same shape"),
        ("2d-vs-1d", np.zeros((1, 3)), np.zeros(3), ValueError, "ndim", "(1, 3)"),
        ("strings", np.array(["a"]), np.zeros(1), TypeError, "types", "a must be an array"),
        ("none", np.zeros(1), None, TypeError, "types", "b must be an array"),
        ("dict", {"a": 1}, np.zeros(1), TypeError, "types", "a must be an array")):
    bad("relative_error", _cat, _id, lambda a=_a, b=_b: ck.relative_error(a, b), _exc, _word)
good("relative_error", "mutation", "inputs-unchanged", lambda: _relative_error_pure(),
     lambda r: same(r, True))


def _relative_error_pure():
    a, b = rand(3), rand(3, seed=1)
    a0, b0 = a.copy(), b.copy()
    ck.relative_error(a, b)
    return bool(np.array_equal(a, a0) and np.array_equal(b, b0))


from_spec(Spec(
    "check_layer_gradients", lambda **kw: ck.check_layer_gradients(ck.Dense(3, 2, rng=0), **kw),
    lambda: dict(x=rand(2, 3)),
    arrays={"x": dict(ndim=[rand(3), rand(2, 1, 3)], tol=dict(rtol=1e-6, atol=1e-9),
                      nan=None)},
    reals={"h": 1e-6}, seeds=("seed",),
))
bad("check_layer_gradients", "types", "layer-a-function",
    lambda: ck.check_layer_gradients(ck.conv2d, rand(2, 3)), TypeError, "layer=")
bad("check_layer_gradients", "types", "layer-a-class",
    lambda: ck.check_layer_gradients(ck.ReLU, rand(2, 3)), TypeError, "layer=")
good("check_layer_gradients", "numbers", "errors-are-small",
     lambda: ck.check_layer_gradients(ck.Conv2D(1, 2, 3, rng=0), rand(1, 1, 5, 5)),
     lambda r: None if max(r.values()) < 1e-6 else _fail(r))

# -- classic kernels -----------------------------------------------------------------

for _id, _v, _exc, _cat, _words in (
        ("unknown", "sobel", ValueError, "strings", ("no kernel called 'sobel'", "sobel_vertical")),
        ("capitals", "Sobel_Vertical", ValueError, "strings", ("did you mean 'sobel_vertical'",)),
        ("spaces", "box blur", ValueError, "strings", ("did you mean 'box_blur'",)),
        ("empty-string", "", ValueError, "strings", ("no kernel called ''",)),
        ("int", 3, TypeError, "types", ("name=3",)),
        ("none", None, TypeError, "types", ("name=None",)),
        ("array", KERNELS_SOBEL := ck.KERNELS["sobel_vertical"], TypeError, "types", ("name=",)),
        ("list", ["sharpen"], TypeError, "lists", ("name=['sharpen']",))):
    bad("get_kernel", _cat, _id, lambda v=_v: ck.get_kernel(v), _exc, *_words)
good("get_kernel", "mutation", "a-writable-copy", lambda: _kernel_copy(),
     lambda r: same(r, True))
good("get_kernel", "numbers", "numpy-string", lambda: ck.get_kernel(np.str_("sharpen")),
     equals(lambda: ck.KERNELS["sharpen"]))


def _kernel_copy():
    k = ck.get_kernel("identity")
    k[1, 1] = 5.0
    return bool(ck.KERNELS["identity"][1, 1] == 1.0)


for _id, _v, _exc, _cat, _words in (
        ("one-string", "sharpen", TypeError, "strings", ("names='sharpen' is one string",
                                                         "['sharpen']")),
        ("empty", [], ValueError, "empty", ("names is empty",)),
        ("unknown", ["sharpen", "blur"], ValueError, "strings", ("no kernel called 'blur'",)),
        ("int", 3, TypeError, "types", ("names=3",)),
        ("ints", [1, 2], TypeError, "lists", ("name=1",)),
        ("none", None, TypeError, "types", ("names=None",))):
    bad("stack_kernels", _cat, _id, lambda v=_v: ck.stack_kernels(v), _exc, *_words)
good("stack_kernels", "lists", "tuple-and-generator",
     lambda: ck.stack_kernels(n for n in ("sharpen", "laplacian")),
     equals(lambda: ck.stack_kernels(["sharpen", "laplacian"])))
good("stack_kernels", "mutation", "a-new-array", lambda: _stack_copy(), lambda r: same(r, True))


def _stack_copy():
    w = ck.stack_kernels(["identity"])
    w[:] = 0
    return bool(ck.KERNELS["identity"][1, 1] == 1.0)


good("KERNELS", "readonly/non-contiguous", "every-kernel-read-only",
     lambda: [k.flags.writeable for k in ck.KERNELS.values()],
     lambda r: same(r, [False] * len(ck.KERNELS)))
good("KERNELS", "readonly/non-contiguous", "read-only-kernels-convolve",
     lambda: ck.conv2d(X4[0, 0], ck.KERNELS["laplacian"]),
     equals(lambda: ref_conv(X4[:1], ck.KERNELS["laplacian"][None, None])[0, 0], rtol=1e-10,
            atol=1e-12))
bad("KERNELS", "mutation", "a-kernel-cannot-be-changed",
    lambda: ck.KERNELS["sharpen"].__setitem__((0, 0), 1.0), ValueError, "read-only")

# -- receptive fields ----------------------------------------------------------------

from_spec(Spec(
    "node_window", lambda **kw: ck.node_window(**kw), lambda: dict(row=1, col=2, kernel_size=3),
    counts={"kernel_size": lambda r: same(tuple(r), (1, 1 + 10**18, 2, 2 + 10**18)),
            "stride": lambda r: same(tuple(r), (10**18, 10**18 + 3, 2 * 10**18, 2 * 10**18 + 3)),
            "dilation": lambda r: same(tuple(r), (1, 2 + 2 * 10**18, 2, 3 + 2 * 10**18))},
    indices=("row", "col", "padding"), words={"padding": ("full",)},
), pair_args=("kernel_size", "stride", "dilation"))
good("node_window", "numbers", "huge-stride-exact",
     lambda: ck.node_window(2, 0, 3, stride=10**18), lambda r: same(tuple(r), (
         2 * 10**18, 2 * 10**18 + 3, 0, 3)))
from_spec(Spec(
    "receptive_field", lambda **kw: ck.receptive_field(**kw),
    lambda: dict(row=1, col=1, layers=[3, 3]), indices=("row", "col"),
))
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
    _call = ((lambda L: ck.receptive_field(0, 0, L)) if _name == "receptive_field"
             else ck.receptive_field_sizes)
    for _id, _layers, _exc, _cat, _words in LAYERS_BAD:
        bad(_name, _cat, f"layers-{_id}", lambda c=_call, L=_layers: c(L), _exc, *_words)
    good(_name, "lists", "model-or-its-layers",
         lambda c=_call: c(ck.Sequential(ck.Conv2D(1, 2, 3), ck.ReLU(), ck.MaxPool2D(2))),
         equals(lambda c=_call: c([(3,), (1,), (2, 2)])))
    good(_name, "numbers", "huge-kernel-exact", lambda c=_call: c([10**12]),
         lambda r: same(r if isinstance(r, list) else [r.shape], [(10**12, 10**12)]))
for _id, _hw, _exc, _cat, _words in (
        ("zero", (0, 5), ValueError, "numbers", ("input_hw=(0, 5)",)),
        ("fraction", (5.5, 5), TypeError, "numbers", ("input_hw=(5.5, 5)",)),
        ("three", (5, 5, 5), ValueError, "lists", ("input_hw=(5, 5, 5)",)),
        ("string", "5x5", TypeError, "types", ("input_hw='5x5'",)),
        ("node-outside", (3, 3), ValueError, "numbers", ("outside the last feature map",))):
    bad("receptive_field", _cat, f"input_hw-{_id}",
        lambda hw=_hw: ck.receptive_field(1, 1, [3], input_hw=hw), _exc, *_words)
good("receptive_field", "lists", "input_hw-list",
     lambda: ck.receptive_field(1, 1, [3], input_hw=[6, 6]),
     equals(lambda: ck.receptive_field(1, 1, [3], input_hw=(6, 6))))


if __name__ == "__main__":  # print the count of cases per category and per public name
    import collections

    by_category = collections.Counter(case.category for case in CASES)
    print(f"{len(CASES)} cases over {len({c.name for c in CASES})} public names")
    for category in CATEGORIES:
        errors = sum(1 for c in CASES if c.category == category and c.raises is not None)
        print(f"  {category:25s} {by_category[category]:5d}  ({errors} errors, "
              f"{by_category[category] - errors} correct results)")
