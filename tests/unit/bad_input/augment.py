"""Bad-input cases: shifted images for augmentation, training on them, early stopping."""

from __future__ import annotations

import numpy as np

import cnnkit as ck

from .table import Spec, bad, equals, from_spec, good, rand, same, shaped

XS4 = rand(3, 1, 4, 5, seed=6)


def _shift_by_hand(x, dy, dx):
    """out[..., i, j] = x[..., i - dy, j - dx] where that pixel exists, else 0."""
    out = np.zeros_like(x)
    h, w = x.shape[-2:]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[..., i, j] = x[..., i - dy, j - dx]
    return out


for _name, _fn in (
    ("shift_images", ck.shift_images),
    ("shift_images_naive", ck.shift_images_naive),
):
    other = ck.shift_images_naive if _fn is ck.shift_images else ck.shift_images
    from_spec(
        Spec(
            _name,
            lambda f=_fn, **kw: f(**kw),
            lambda: dict(X=XS4.copy(), dy=1, dx=-2),
            arrays={
                "X": dict(
                    ndim=[XS4[0], XS4[0, 0, 0], XS4[None]],
                    empty=(np.zeros((0, 1, 4, 5)), shaped((0, 1, 4, 5))),
                    nan=lambda d: _shift_by_hand(d, 1, -2),
                )
            },
        )
    )
    for _arg in ("dy", "dx"):
        for _id, _v, _cat in (
            ("fraction", 1.5, "numbers"),
            ("whole-float", 1.0, "numbers"),
            ("bool", True, "numbers"),
            ("string", "1", "types"),
            ("none", None, "types"),
            ("nan", float("nan"), "nan/inf"),
            ("list", [1], "lists"),
        ):
            bad(
                _name,
                _cat,
                f"{_arg}-{_id}",
                lambda f=_fn, a=_arg, v=_v: f(XS4, **({"dy": 0, "dx": 0} | {a: v})),
                TypeError,
                f"{_arg}=",
            )
    for _dy, _dx in ((0, 0), (2, 3), (-3, 1), (4, 0), (0, -5), (-4, -4)):
        good(
            _name,
            "numbers",
            f"shift-{_dy}-{_dx}",
            lambda f=_fn, a=_dy, b=_dx: f(XS4, a, b),
            equals(lambda a=_dy, b=_dx: _shift_by_hand(XS4, a, b)),
        )
    good(
        _name,
        "numbers",
        "huge-shift-all-zeros",
        lambda f=_fn: f(XS4, -(10**18), 10**18),
        equals(lambda: np.zeros_like(XS4)),
    )
    good(
        _name,
        "numbers",
        "numpy-int-shift",
        lambda f=_fn: f(XS4, np.int8(1), np.uint16(2)),
        equals(lambda: _shift_by_hand(XS4, 1, 2)),
    )
    good(
        _name,
        "ndim",
        "one-2d-image",
        lambda f=_fn: f(np.eye(3), 0, 1),
        equals(lambda: np.array([[0.0, 1, 0], [0, 0, 1], [0, 0, 0]])),
    )
    good(
        _name,
        "types",
        "float32-kept",
        lambda f=_fn: f(XS4.astype(np.float32), 1, 1).dtype,
        lambda r: same(r, np.dtype(np.float32)),
    )
    good(
        _name,
        "numbers",
        "equals-the-other-version",
        lambda f=_fn: f(XS4, -1, 2),
        equals(lambda o=other: o(XS4, -1, 2)),
    )

from_spec(
    Spec(
        "random_shifts",
        lambda **kw: ck.random_shifts(**kw),
        lambda: dict(X=XS4.copy()),
        arrays={
            "X": dict(
                ndim=[XS4[0], XS4[0, 0]],
                empty=(np.zeros((0, 1, 4, 5)), shaped((0, 1, 4, 5))),
                nan=lambda d: _random_by_hand(d, 1, 0),
            )
        },
        indices=("max_shift",),
        seeds=("seed",),
    )
)
good(
    "random_shifts",
    "numbers",
    "matches-the-drawn-shifts",
    lambda: ck.random_shifts(XS4, 2, seed=3),
    equals(lambda: _random_by_hand(XS4, 2, 3)),
)
good(
    "random_shifts",
    "numbers",
    "no-shift-is-a-copy",
    lambda: _zero_shift_copy(),
    lambda r: same(r, (True, False)),
)
good(
    "random_shifts",
    "numbers",
    "huge-max-shift-fast",
    lambda: _timed_shifts(10**18),
    lambda r: same(r, True),
)
bad(
    "random_shifts",
    "numbers",
    "max-shift-beyond-int64",
    lambda: ck.random_shifts(XS4, 2**63),
    ValueError,
    "max_shift=9223372036854775808",
)
good(
    "random_shifts",
    "numbers",
    "generator-seed",
    lambda: ck.random_shifts(XS4, 1, seed=np.random.default_rng(4)),
    equals(lambda: ck.random_shifts(XS4, 1, seed=4)),
)


def _random_by_hand(x, m, seed):
    shifts = np.random.default_rng(seed).integers(-m, m + 1, size=(len(x), 2))
    return np.stack([_shift_by_hand(x[i], dy, dx) for i, (dy, dx) in enumerate(shifts)])


def _zero_shift_copy():
    out = ck.random_shifts(XS4, 0)
    return bool(np.array_equal(out, XS4)), bool(np.shares_memory(out, XS4))


def _timed_shifts(m):
    import time

    start = time.perf_counter()
    out = ck.random_shifts(np.ones((4, 1, 3, 3)), m, seed=1)
    # with so large a range every drawn shift moves the image out: only zeros
    return bool(time.perf_counter() - start < 1.0 and not out.any())


# -- fit_augmented ---------------------------------------------------------------------

XF = rand(8, 1, 6, 6, seed=7)
YF = np.arange(8) % 3


def _net():
    return ck.Sequential(ck.Flatten(), ck.Dense(36, 3, rng=0))


def _fit_aug(**kw):
    net = kw.pop("model", None) or _net()
    args = dict(X=XF, y=YF, epochs=2, batch_size=4, progress="off")
    args.update(kw)
    opt = args.pop("optimizer", None) or ck.SGD(net.params(), lr=0.1)
    return ck.fit_augmented(net, optimizer=opt, **args).train_loss


from_spec(
    Spec(
        "fit_augmented",
        _fit_aug,
        lambda: dict(X=XF.copy(), y=YF.copy()),
        arrays={"X": dict(ndim=[XF[0], XF[:, 0]], empty=(XF[:0], None), views=False, lists=False)},
        counts={"epochs": None, "batch_size": lambda r: same(len(r), 2)},
        indices=("max_shift",),
        seeds=("seed",),
        flags=("anneal",),
    )
)
for _id, _kw, _exc, _cat, _word in (
    ("seed-none", dict(seed=None), TypeError, "types", "seed=None"),
    ("callback-number", dict(callback=3), TypeError, "types", "callback=3"),
    ("y-too-short", dict(y=YF[:5]), ValueError, "ndim", "y"),
    ("y-strings", dict(y=YF.astype(str)), TypeError, "strings", "y"),
    ("y-outside-classes", dict(y=YF + 5), ValueError, "numbers", "y has a label"),
    ("progress-word", dict(progress="loud"), ValueError, "strings", "progress="),
):
    bad("fit_augmented", _cat, _id, lambda kw=_kw: _fit_aug(**kw), _exc, _word)
good(
    "fit_augmented",
    "numbers",
    "no-shift-is-fit",
    lambda: _fit_aug(max_shift=0, epochs=1, seed=0),
    equals(lambda: _plain_fit_one_epoch()),
)
good("fit_augmented", "numbers", "anneal-restores-lr", lambda: _anneal_lr(), lambda r: same(r, 0.1))
good(
    "fit_augmented",
    "numbers",
    "huge-shift-trains-on-blanks",
    lambda: len(_fit_aug(max_shift=10**9, epochs=1)),
    lambda r: same(r, 1),
)
good("fit_augmented", "mutation", "X-unchanged", lambda: _fit_keeps_X(), lambda r: same(r, True))
good(
    "fit_augmented",
    "lists",
    "callback-sees-every-epoch",
    lambda: _callback_epochs(),
    lambda r: same(r, [1, 2, 3]),
)


def _plain_fit_one_epoch():
    net = _net()
    return ck.fit(
        net, XF, YF, 1, 4, ck.SGD(net.params(), lr=0.1), seed=0, progress="off"
    ).train_loss


def _anneal_lr():
    net = _net()
    opt = ck.SGD(net.params(), lr=0.1)
    ck.fit_augmented(net, XF, YF, 3, 4, opt, anneal=True, progress="off")
    return opt.lr


def _fit_keeps_X():
    X = XF.copy()
    _fit_aug(X=X, max_shift=2)
    return bool(np.array_equal(X, XF))


def _callback_epochs():
    seen = []
    _fit_aug(epochs=3, callback=lambda h: seen.append(h.epochs))
    return seen


# -- early stopping --------------------------------------------------------------------

for _id, _v, _expected, _cat in (
    ("list", [0.9, 0.4, 0.5, 0.4], 2, "lists"),
    ("tuple", (3.0, 2.0, 1.0), 3, "lists"),
    ("array-readonly", np.array([0.5, 0.2]), 2, "readonly/non-contiguous"),
    ("strided", np.array([0.3, 9, 0.1, 9])[::2], 2, "readonly/non-contiguous"),
    ("one-epoch", [7.0], 1, "numbers"),
    ("ints", [3, 1, 2], 2, "types"),
    ("nan-skipped", [np.nan, 0.8, 0.3], 3, "nan/inf"),
    ("inf-skipped", [np.inf, 0.8, 0.9], 2, "nan/inf"),
    ("float32", np.float32([0.2, 0.1]), 2, "numbers"),
    ("tie-first", [0.5, 0.5], 1, "numbers"),
):
    if _id == "array-readonly":
        _v.setflags(write=False)
    good(
        "best_epoch",
        _cat,
        _id,
        lambda v=_v: ck.best_epoch(v),
        lambda r, e=_expected: same((type(r), r), (int, e)),
    )
for _id, _v, _exc, _cat, _word in (
    ("empty", [], ValueError, "empty", "val_loss is empty"),
    ("one-number", 0.5, ValueError, "ndim", "val_loss must have 1 dimensions"),
    ("2d", [[0.5, 0.4]], ValueError, "ndim", "val_loss must have 1 dimensions"),
    ("strings", ["0.5", "0.4"], TypeError, "strings", "val_loss"),
    ("none", None, TypeError, "types", "val_loss"),
    ("complex", [0.5j], TypeError, "types", "val_loss"),
    ("all-nan", [np.nan, np.nan], ValueError, "nan/inf", "val_loss=[nan, nan] has no finite"),
    ("history-object", ck.History(), TypeError, "types", "val_loss"),
):
    bad("best_epoch", _cat, _id, lambda v=_v: ck.best_epoch(v), _exc, _word)
good(
    "best_epoch", "mutation", "list-unchanged", lambda: _best_keeps_list(), lambda r: same(r, True)
)


def _best_keeps_list():
    losses = [0.5, np.nan, 0.2]
    ck.best_epoch(losses)
    return losses[0] == 0.5 and np.isnan(losses[1]) and losses[2] == 0.2


for _id, _m, _cat in (
    ("none", None, "types"),
    ("layer", ck.Dense(2, 2, rng=0), "types"),
    ("list-of-layers", [ck.ReLU()], "lists"),
    ("string", "cnn", "strings"),
):
    bad("BestWeights", _cat, f"model-{_id}", lambda m=_m: ck.BestWeights(m), TypeError, "model=")
bad(
    "BestWeights",
    "empty",
    "restore-before-training",
    lambda: ck.BestWeights(_net()).restore(),
    ValueError,
    "no epoch has been recorded",
)
bad(
    "BestWeights",
    "empty",
    "no-validation-set",
    lambda: ck.BestWeights(_net())(ck.History(train_loss=[1.0])),
    ValueError,
    "X_val and y_val",
)
good(
    "BestWeights",
    "numbers",
    "keeps-the-lowest-epoch",
    lambda: _keeper_run([0.9, 0.3, 0.6]),
    lambda r: same(r, (2, 0.3, True)),
)
good(
    "BestWeights",
    "nan/inf",
    "nan-loss-never-best",
    lambda: _keeper_run([0.9, np.nan, 0.95]),
    lambda r: same(r, (1, 0.9, True)),
)
good(
    "BestWeights",
    "mutation",
    "restore-writes-in-place",
    lambda: _restore_in_place(),
    lambda r: same(r, True),
)


def _keeper_run(losses):
    """Feed a BestWeights made-up validation losses, changing the weights after each epoch."""
    net = _net()
    keeper = ck.BestWeights(net)
    history = ck.History()
    snapshots = []
    for epoch, loss in enumerate(losses):
        net.layers[1].params["weight"][...] = epoch + 1.0
        snapshots.append(net.layers[1].params["weight"].copy())
        history.train_loss.append(1.0)
        history.val_loss.append(loss)
        keeper(history)
    keeper.restore()
    best = keeper.best_epoch
    return (
        best,
        keeper.best_loss,
        bool(np.array_equal(net.layers[1].params["weight"], snapshots[best - 1])),
    )


def _restore_in_place():
    net = _net()
    weight = net.layers[1].params["weight"]
    keeper = ck.BestWeights(net)
    keeper(ck.History(train_loss=[1.0], val_loss=[0.5]))
    saved = weight.copy()
    weight[...] = 0.0
    keeper.restore()
    return net.layers[1].params["weight"] is weight and bool(np.array_equal(weight, saved))
