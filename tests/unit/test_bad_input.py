"""The bad-input table run over every public name (see the bad_input package beside this file).

A case that expects an error asserts the exact exception type and that the message names
the argument (never numpy's wording from deep inside); a case with a legal input asserts
the correct result.
"""

from __future__ import annotations

import collections

import pytest
from bad_input import CASES, CATEGORIES  # the table, in the package beside this file

import cnnkit as ck

NUMPY_WORDING = (
    "broadcast",
    "could not be",
    "zero-size array",
    "index out of bounds",
    "unsupported operand",
    "object of type",
    "not subscriptable",
    "Maximum allowed dimension",
    "cannot reshape",
    "matmul",
    "values to unpack",
    "takes from",
    "positional argument",
)

# Cases that fail today, each for a reason in the file named; strict, so a fix shows up as
# an XPASS to be removed here.
XFAIL: dict[str, str] = {}


def _params():
    out = []
    for case in CASES:
        marks = []
        key = f"{case.name}:{case.category}:{case.id}"
        if key in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[key]))
        out.append(pytest.param(case, id=key, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_case(case):
    if case.raises is None:
        case.check(case.call())
        return
    with pytest.raises(Exception) as info:
        case.call()
    assert type(info.value) is case.raises, (
        f"expected {case.raises.__name__}, got {type(info.value).__name__}: {info.value}"
    )
    message = str(info.value)
    for word in case.words:
        assert word in message, f"{word!r} not in {message!r}"
    for wording in NUMPY_WORDING:
        assert wording not in message, f"numpy's own message leaked: {message!r}"


def test_every_public_name_has_cases():
    covered = {case.name for case in CASES}
    missing = [name for name in ck.__all__ if name not in covered]
    assert not missing, f"public names without a bad-input case: {missing}"
    unknown = covered - set(ck.__all__)
    assert not unknown, f"cases for names that are not public: {sorted(unknown)}"


def test_every_category_is_used_and_counted():
    counts = collections.Counter(case.category for case in CASES)
    assert set(counts) <= set(CATEGORIES), set(counts) - set(CATEGORIES)
    for category in CATEGORIES:
        assert counts[category] >= 10, (category, counts[category])


def test_every_expected_failure_names_a_case():
    keys = {f"{c.name}:{c.category}:{c.id}" for c in CASES}
    assert set(XFAIL) <= keys, set(XFAIL) - keys


def test_ids_are_unique():
    keys = collections.Counter(f"{c.name}:{c.category}:{c.id}" for c in CASES)
    assert [k for k, n in keys.items() if n > 1] == []


# -- one regression test for each class of mistake found in the issue --------------------
# (the table above has many cases of each; these name the class and pin the exact symptom)

import numpy as np  # noqa: E402
from bad_input import XT, YT, ref_conv, ref_conv_backward, ref_pool_backward  # noqa: E402


def _weights(net):
    return [p.copy() for values, _ in net.params() for p in values.values()]


def _small():
    return ck.Sequential(
        ck.Conv2D(1, 2, 3, rng=0), ck.ReLU(), ck.MaxPool2D(2), ck.Flatten(), ck.Dense(18, 5, rng=1)
    )


@pytest.mark.parametrize(
    "layer, x",
    [
        (ck.ReLU(), np.ones((2, 3))),
        (ck.Flatten(), np.ones((2, 1, 2, 2))),
        (ck.Dense(3, 2, rng=0), np.ones((2, 3))),
        (ck.Conv2D(1, 2, 3, rng=0), np.ones((2, 1, 4, 4))),
        (ck.MaxPool2D(2), np.ones((2, 1, 4, 4))),
    ],
)
def test_class_backward_checks_dout_and_keeps_grads(layer, x):
    out = layer.forward(x)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    for wrong in (np.ones(out.shape[1:]), np.ones((1,) + out.shape[1:]), np.ones(out.size)):
        with pytest.raises(ValueError, match="dout"):
            layer.backward(wrong)  # not broadcast, not reshaped, no matmul message
    for k, v in grads.items():
        np.testing.assert_array_equal(layer.grads[k], v)


def test_class_fit_checks_everything_before_the_first_step():
    for late in (
        dict(y=np.r_[YT[:-1], 7]),
        dict(X_val=XT[:3], y_val=np.array([0, 1, 9])),
        dict(callback=42),
    ):
        net = _small()
        before = _weights(net)
        kw = dict(X=XT, y=YT) | late
        with pytest.raises((ValueError, TypeError)):
            ck.fit(
                net,
                kw.pop("X"),
                kw.pop("y"),
                3,
                4,
                ck.SGD(net.params(), lr=0.5),
                progress="off",
                **kw,
            )
        for a, b in zip(_weights(net), before):
            np.testing.assert_array_equal(a, b)


def test_class_sizes_seeds_dtypes_and_steps_are_validated():
    net = _small()
    with pytest.raises(ValueError, match="batch_size=-5"):
        ck.evaluate(net, XT, YT, batch_size=-5)  # was an accuracy of 0
    with pytest.raises(TypeError, match="batch_size=2.5"):
        ck.predict(net, XT, batch_size=2.5)
    with pytest.raises(TypeError, match="dtype="):
        ck.Dense(3, 2, dtype=int)  # was all-zero weights
    with pytest.raises(TypeError, match="size=2.5"):
        ck.sample_image(size=2.5)  # was silently truncated
    with pytest.raises(ValueError, match="seed=-1"):
        ck.fit(net, XT, YT, 1, 4, ck.SGD(net.params(), lr=0.1), seed=-1, progress="off")
    with pytest.raises(ValueError, match="seed=-1"):
        ck.train_test_split(XT, YT, seed=-1)
    with pytest.raises(TypeError, match="input_shape=8"):
        net.summary(8)
    with pytest.raises(TypeError, match="float16"):
        ck.numerical_gradient(lambda v: float(v.sum()), np.ones(3, np.float16))  # was zeros
    with pytest.raises(ValueError, match="h=0"):
        ck.numerical_gradient(lambda v: float(v.sum()), np.ones(3), h=0)
    with pytest.raises(TypeError, match="params must be a list"):
        ck.SGD(net, lr=0.1)
    # a complex value keeps its imaginary part: |1j - 0| / |1j| = 1, not 0
    assert ck.relative_error(np.array([1j]), np.array([0j])) == 1.0
    with pytest.raises(TypeError, match="name=3"):
        ck.get_kernel(3)
    with pytest.raises(TypeError, match="layers='conv'"):
        ck.receptive_field_sizes("conv")


def test_class_empty_batches_give_empty_results():
    net = _small()
    empty = np.zeros((0, 1, 8, 8))
    assert ck.predict(net, empty).shape == (0,)
    assert ck.predict_proba(net, empty).shape == (0, 5)
    assert ck.Flatten().forward(empty).shape == (0, 64)
    assert ck.softmax(np.zeros((0, 4))).shape == (0, 4)
    # the mean loss over no examples has no value: refused (PyTorch returns nan)
    with pytest.raises(ValueError, match="PyTorch returns nan"):
        ck.softmax_cross_entropy(np.zeros((0, 4)), np.zeros(0, int))


def test_class_nan_in_a_max_pool_window_receives_the_gradient():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    dx = ck.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)
    assert dx[0, 0, 0, 1] == 1.0 and dx[0, 0, :2, :2].sum() == 1.0
    np.testing.assert_array_equal(dx, ref_pool_backward("max", np.ones((1, 1, 2, 2)), x, 2))


def test_class_nan_in_an_unread_pixel_does_not_poison_the_weight_gradient():
    x = np.random.default_rng(0).normal(size=(1, 1, 6, 6))
    x[0, 0, :, 5] = np.nan  # stride 2 with a 3x3 kernel never reads the last column
    w = np.random.default_rng(1).normal(size=(2, 1, 3, 3))
    dout = np.ones((1, 2, 2, 2))
    dx, dw, db = ck.conv2d_backward(dout, x, w, stride=2)
    assert np.all(np.isfinite(dw)) and np.all(np.isfinite(dx))
    ref = ref_conv_backward(dout, x, w, stride=2)
    np.testing.assert_allclose(dw, ref[1], rtol=1e-10)


def test_class_a_huge_stride_gives_one_output_at_once():
    x = np.random.default_rng(0).normal(size=(1, 1, 8, 8))
    w = np.ones((1, 1, 3, 3))
    out = ck.conv2d(x, w, stride=10**18)
    np.testing.assert_allclose(out, ref_conv(x, w, stride=8), rtol=1e-12)
    assert out.shape == (1, 1, 1, 1)
    import time

    start = time.perf_counter()
    ck.explain_output_size(8, 3, stride=10**18)
    assert time.perf_counter() - start < 1.0


def test_class_sequential_names_the_layer_that_refused():
    net = _small()
    with pytest.raises(ValueError, match=r"^layer 4 \(Dense\(20, 5\)\) rejected its input"):
        ck.Sequential(*net.layers[:4], ck.Dense(20, 5)).forward(np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError) as info:
        net.forward(np.zeros((1, 3, 8, 8)))
    assert str(info.value).startswith("layer 0 (Conv2D(1, 2, kernel_size=3)) rejected its input: ")
    assert isinstance(info.value.__cause__, ValueError)  # the layer's own error, kept


# -- random values in every argument ----------------------------------------------------

import signal  # noqa: E402

from bad_input import SPECS  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SMALL_INTS = st.integers(-3, 12)
GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    SMALL_INTS,
    st.just(10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=4),
    st.text(max_size=4),
    st.lists(SMALL_INTS, max_size=3),
    st.tuples(SMALL_INTS, SMALL_INTS),
    st.dictionaries(st.text(max_size=2), SMALL_INTS, max_size=2),
    hnp.arrays(
        st.sampled_from(
            [np.float64, np.float32, np.float16, np.int64, np.uint8, bool, np.complex128]
        ),
        hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4),
    ),
)


def _arguments(spec):
    named = (
        list(spec.legal())
        + list(spec.counts)
        + list(spec.indices)
        + list(spec.reals)
        + list(spec.seeds)
        + list(spec.flags)
    )
    return sorted(set(named))


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


@settings(max_examples=400, derandomize=True, database=None)
@given(st.data())
def test_random_values_in_any_argument_give_a_result_or_a_clear_error(data):
    """Any value in any argument of any public function: a result, or a ValueError or
    TypeError in cnnkit's own words, within a few seconds (no hang, no numpy message)."""
    spec = data.draw(st.sampled_from(SPECS), label="function")
    arg = data.draw(st.sampled_from(_arguments(spec)), label="argument")
    value = data.draw(GARBAGE, label="value")
    if arg == "padding" and isinstance(value, int) and value > 12:
        value = 12  # a padding of 10**18 asks for that much memory, as in PyTorch
    kwargs = spec.legal()
    kwargs[arg] = value
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        spec.call(**kwargs)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert message, f"{spec.name}({arg}={value!r}) raised an empty {type(exc).__name__}"
        for wording in NUMPY_WORDING:
            assert wording not in message, f"{spec.name}({arg}={value!r}): {message}"
    except _Hang:
        raise AssertionError(f"{spec.name}({arg}={value!r}) took more than 20 seconds") from None
    except (RuntimeError, NotImplementedError):
        raise
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
