"""check() for every lab: the references pass, stubs are "not written yet", and whatever the
learner's function does (raise, return something odd, change its input) gives a message,
never an exception."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from cnnkit.labs import LABS, LabResult, check, show_hint, show_solution, solutions, stub_source
from cnnkit.labs.registry import get_lab

COMPONENT_LABS = [lab for lab in LABS if lab != "capstone"]


def _exec(source: str, name: str):
    space: dict = {"np": np}
    exec(compile(source, f"<{name} cell>", "exec"), space)
    return space[name]


def test_labs_are_in_course_order():
    assert LABS == (
        "output_size",
        "conv2d_forward",
        "max_pool2d_forward",
        "max_pool2d_backward",
        "conv2d_backward",
        "conv2d_im2col",
        "softmax_cross_entropy",
        "capstone",
    )


@pytest.mark.parametrize("lab", COMPONENT_LABS)
def test_reference_passes(lab):
    for seed in (0, 1):
        result = check(lab, getattr(solutions, lab), seed=seed)
        assert result.passed and result.status == "passed", result.message


@pytest.mark.parametrize("lab", COMPONENT_LABS)
def test_solution_source_runs_and_passes(lab):
    source = show_solution(lab).text
    assert check(lab, _exec(source, lab)).passed


@pytest.mark.parametrize("lab", COMPONENT_LABS)
def test_stub_is_not_written_yet(lab):
    stub = stub_source(lab)
    assert "raise NotImplementedError" in stub and "Parameters" in stub and "Returns" in stub
    assert lab == "output_size" or "shape (N, " in stub
    fn = _exec(stub, lab)
    assert inspect.signature(fn) == inspect.signature(getattr(solutions, lab))
    result = check(lab, fn)
    assert result.status == "not_written" and not result.passed
    assert "not written yet" in result.message
    assert "not written yet" in result._repr_html_() and "#9a6700" in result._repr_html_()


def test_unknown_lab_is_the_callers_mistake():
    with pytest.raises(ValueError, match="output_size, conv2d_forward"):
        check("conv2d", lambda *a: None)
    for fn in (show_solution, stub_source, show_hint):
        with pytest.raises(ValueError, match="the labs are"):
            fn("pooling")


def test_hints_grow_more_specific():
    for lab in LABS:
        texts = [show_hint(lab, level).text for level in (1, 2, 3)]
        assert len(set(texts)) == 3 and all(texts)
        assert f"Hint 2 of 3 for {lab}" in str(show_hint(lab, 2))
    with pytest.raises(ValueError, match="1, 2 or 3"):
        show_hint("output_size", 4)


def _args(lab):
    return get_lab(lab).make_cases(0)[0].args


def _odd(value):
    def learner(*args):
        return value

    return learner


ODD_RETURNS = [
    None,
    [1, 2, 3],
    (1,),
    (1, 2, 3, 4),
    1 + 2j,
    np.array([1 + 1j]),
    float("nan"),
    np.full((2, 2), np.nan),
    "text",
    np.array(["a"]),
    object(),
]


@pytest.mark.parametrize("lab", COMPONENT_LABS)
@pytest.mark.parametrize("value", ODD_RETURNS, ids=[type(v).__name__ for v in ODD_RETURNS])
def test_odd_returns_give_a_message_not_an_exception(lab, value):
    result = check(lab, _odd(value))
    assert isinstance(result, LabResult) and not result.passed and result.status == "failed"
    assert result.message and "0x" not in result.message  # no memory addresses
    assert "0x" not in result._repr_html_() and result._repr_markdown_()


def _raiser(*args):
    data = [1, 2, 3]
    return data[10]  # the line the message should name


@pytest.mark.parametrize("lab", COMPONENT_LABS)
def test_an_exception_is_named_with_its_line(lab):
    result = check(lab, _raiser)
    assert not result.passed
    assert "raised IndexError: list index out of range" in result.message
    assert "return data[10]" in result.message and "_raiser" in result.message


def _right_but(lab, change):
    ref = getattr(solutions, lab)

    def learner(*args):
        return change(ref(*args), args)

    return learner


def _as_float64(out, args):
    if isinstance(out, tuple):
        return tuple(
            np.asarray(o, dtype=np.float64) if isinstance(o, np.ndarray) else o for o in out
        )
    return out.astype(np.float64)


@pytest.mark.parametrize("lab", [lab for lab in COMPONENT_LABS if lab != "output_size"])
def test_float32_must_stay_float32(lab):
    result = check(lab, _right_but(lab, _as_float64))
    assert not result.passed and "dtype float64" in result.message and "float32" in result.message
    assert result.case is not None and "float32" in result.case.note


def _first_array(args):
    return next(a for a in args if isinstance(a, np.ndarray))


def _mutates(out, args):
    _first_array(args)[...] = 0
    return out


@pytest.mark.parametrize("lab", [lab for lab in COMPONENT_LABS if lab != "output_size"])
def test_a_changed_input_is_reported(lab):
    result = check(lab, _right_but(lab, _mutates))
    assert not result.passed and "changed its input" in result.message
    name = get_lab(lab).arg_names[0]
    assert f"input {name}" in result.message


def _wrong_shape(out, args):
    if isinstance(out, tuple):  # the first returned array loses its last column
        k = next(i for i, o in enumerate(out) if isinstance(o, np.ndarray))
        return out[:k] + (out[k][..., :-1],) + out[k + 1 :]
    return out[..., :-1]


@pytest.mark.parametrize("lab", [lab for lab in COMPONENT_LABS if lab != "output_size"])
def test_a_wrong_shape_is_reported(lab):
    result = check(lab, _right_but(lab, _wrong_shape))
    assert not result.passed and "has shape" in result.message, result.message


def test_a_list_instead_of_an_array():
    result = check("conv2d_forward", _right_but("conv2d_forward", lambda o, a: o.tolist()))
    assert "should be a numpy array, but it is list" in result.message


def test_a_function_is_needed():
    result = check("conv2d_forward", None)
    assert not result.passed and "your function itself" in result.message


def test_results_are_the_same_for_the_same_seed_and_differ_across_seeds():
    wrong = _right_but("conv2d_forward", lambda o, a: o + 1)
    assert check("conv2d_forward", wrong).message == check("conv2d_forward", wrong).message
    assert check("conv2d_forward", wrong).message != check("conv2d_forward", wrong, seed=5).message


def test_panels_show_the_failing_case_with_differences_marked():
    wrong = _right_but("conv2d_forward", lambda o, a: o + (np.arange(o.size).reshape(o.shape) % 2))
    result = check("conv2d_forward", wrong)
    page = result._repr_html_()
    assert "#cf222e" in page and "expected" in page and "#ffd7d5" in page  # red cells
    assert result.case is not None and "case 1 of 8" in result.message
    passed = check("conv2d_forward", solutions.conv2d_forward)._repr_html_()
    assert "#1a7f37" in passed


def test_wrong_parameters_are_named_before_any_call():
    def conv2d_forward(x, weight, bias):
        return x

    result = check("conv2d_forward", conv2d_forward)
    assert not result.passed
    assert "conv2d_forward(x, weight, bias, stride, padding)" in result.message
    assert "(x, weight, bias)" in result.message


def test_an_exception_message_has_no_memory_address():
    class Thing:
        pass

    def learner(*args):
        raise RuntimeError(f"bad {Thing()}")

    result = check("output_size", learner)
    assert "RuntimeError: bad" in result.message and "0x" not in result.message


def test_arguments_the_wrong_way_round():
    with pytest.raises(ValueError, match="the lab's name comes first"):
        check(solutions.output_size, "output_size")


def test_a_function_written_for_some_cases_only_is_not_finished():
    def conv2d_forward(x, weight, bias, stride, padding):
        if not isinstance(stride, int) or not isinstance(padding, int):
            raise NotImplementedError("pairs come later")
        return solutions.conv2d_forward(x, weight, bias, stride, padding)

    result = check("conv2d_forward", conv2d_forward)
    assert result.status == "failed" and "not finished yet" in result.message
    assert "stride (1, 2)" in result.message  # the first case with a pair
