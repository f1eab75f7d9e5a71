"""Every answer gets feedback: each check is called with answers of many types, written as a
learner would write them, and must answer with a helpful message (never an exception, never
numpy's wording), and right answers given in several types must pass.

The tables are per notebook: add a notebook's exercises by adding its section (its prefix to
SWEPT, its rows to WRONG and RIGHT).
"""

from __future__ import annotations

import fractions

import numpy as np
import pytest

import cnnkit
from cnnkit.exercises import EXERCISES, Feedback
from cnnkit.exercises import backpropagation as ex04
from cnnkit.exercises import index as ex00
from cnnkit.exercises import kernels_feature_maps_nodes as ex02
from cnnkit.exercises import layers as ex01
from cnnkit.exercises import stride_padding_output_size as ex03
from cnnkit.exercises import training_a_cnn as ex05

#: Notebooks whose every check is swept with ANY_TYPE below.
SWEPT = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]

#: Words from numpy or Python internals that a learner should never be shown.
JARGON = [
    "can only convert",
    "size-1 array",
    "ndarray",
    "dtype",
    "broadcast",
    "index out of",
    "IndexError",
    "TypeError",
    "ValueError",
    "Traceback",
    "object of type",
    "iterable",
    "not subscriptable",
    "truth value of an array",
    "invalid literal",
    "<function",
    "0x",
    "argument must be",
]


def _no_jargon(message: str) -> None:
    for word in JARGON:
        assert word.lower() not in message.lower(), (word, message)


#: Answers of every type a learner might write, none of them right for any exercise.
ANY_TYPE = [
    "seventeen",
    "",
    "12.5.1",
    True,
    False,
    {"answer": 3},
    print,
    lambda x: x,
    object(),
    np.nan,
    float("inf"),
    -1e300,
    1 + 2j,
    [],
    (),
    [[1, 2], [3]],
    [["a"]],
    {1, 2},
    np.array([]),
    np.array(["a", "b"]),
    np.zeros((2, 2, 2, 2, 2)),
    np.array([[1.0, np.nan]]),
    b"12",
    Ellipsis,
    [None],
    [True, False],
    range(3),
    fractions.Fraction(1, 7),
    -3,
]


def _swept() -> list[str]:
    return sorted(name for name in EXERCISES if name[:2] in SWEPT)


@pytest.mark.parametrize("name", _swept())
@pytest.mark.parametrize("answer", ANY_TYPE, ids=lambda a: type(a).__name__)
def test_any_type_gets_a_diagnosis(name, answer):
    ex = EXERCISES[name]
    feedback = ex(answer)
    assert isinstance(feedback, Feedback) and not feedback.correct, (name, answer)
    message = feedback.message
    assert message and message.endswith((".", "?")), message
    _no_jargon(message)
    assert ex.expects != "the answer the question asks for", f"{name} should say what it expects"
    _no_jargon(repr(feedback))
    _no_jargon(feedback._repr_html_())


@pytest.mark.parametrize("name", _swept())
def test_unanswered_shows_a_hint_not_the_solution(name):
    ex = EXERCISES[name]
    feedback = ex(None)
    assert not feedback.correct and "replace None" in feedback.message
    assert ex.expects in feedback.message  # says what kind of answer
    shown = repr(feedback) + feedback._repr_html_()
    assert ex.solution.splitlines()[0] not in shown  # the solution stays hidden
    assert f"show_solution('{name}')" in shown  # ... until asked for


# (check function, wrong answer as a learner writes it, a phrase the message must contain)
WRONG = [
    # 00 · index
    (ex00.check_number_of_images, 10, "len(images)"),
    (ex00.check_number_of_images, 64, "pixels in one image"),
    (ex00.check_number_of_images, np.array([64]), "pixels in one image"),
    (ex00.check_number_of_images, "1797", "without quotes"),
    (ex00.check_number_of_images, 1797.5, "not a whole number"),
    (ex00.check_pixels_per_image, 8, "number of rows"),
    (ex00.check_most_common_digit, np.array([1, 2]), "one number"),
    (ex00.check_most_common_digit, 12, "0 to 9"),
    (ex00.check_most_common_digit, 0, "another digit"),
    # 01 · layers
    (ex01.check_conv_layer_params, 600, "each kernel also has one bias"),
    (ex01.check_conv_layer_params, np.array([[208]]), "all 3 input channels"),
    (ex01.check_layers_without_params, [15], "numbered 0 to 9"),
    (ex01.check_layers_without_params, [-1], "numbered 0 to 9"),
    (ex01.check_layers_without_params, [0, 1], "does have weights"),
    (ex01.check_layers_without_params, (1,), "you found 1 of them"),
    (ex01.check_layers_without_params, "1, 3", "write [1, 3] without quotes"),
    (ex01.check_layers_without_params, "ReLU", "list of whole numbers"),
    (ex01.check_layers_without_params, [1.5], "not a whole number"),
    (ex01.check_feature_map_nodes, 6 * 28 * 28, "fewer positions"),
    (ex01.check_feature_map_nodes, 576, "one feature map"),
    (ex01.check_softmax_probability, np.array([0.1, 0.2]), "one number"),
    (ex01.check_softmax_probability, 2.0 / 3.1, "exponentials"),
    (ex01.check_softmax_probability, 7, "between 0 and 1"),
    (ex01.check_cross_entropy, -1.386, "mind the sign"),
    (ex01.check_cross_entropy, 0.602, "natural logarithm"),
    # 02 · kernels, feature maps and nodes
    (
        ex02.check_sum_of_products,
        float((ex02.EXERCISE_PATCH @ ex02.EXERCISE_KERNEL).sum()),
        "matrix product",
    ),
    (
        ex02.check_sum_of_products,
        float((ex02.EXERCISE_PATCH * ex02.EXERCISE_KERNEL[::-1, ::-1]).sum()),
        "flipped",
    ),
    (ex02.check_sum_of_products, ex02.EXERCISE_PATCH * ex02.EXERCISE_KERNEL, "one number"),
    (ex02.check_rgb_weight_shape, (16, 1, 5, 5), "3 channels"),
    (ex02.check_rgb_weight_shape, (3, 16, 5, 5), "order"),
    (ex02.check_rgb_weight_shape, (16, 5, 5), "3 channels"),
    (ex02.check_rgb_weight_shape, np.zeros((16, 3, 5, 5)), ".shape"),
    (ex02.check_rgb_weight_shape, 1200, "tuple"),
    (ex02.check_conv_params, 32 * 16 * 9, "add one bias"),
    (ex02.check_conv_params, 32 * 9 + 32, "as deep as its input"),
    (ex02.check_receptive_field, 8, "2*2 = 4"),
    (ex02.check_receptive_field, (10, 10), "one number"),
    (ex02.check_horizontal_edge_kernel, np.ones((3, 3)), "flat"),
    (
        ex02.check_horizontal_edge_kernel,
        [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
        "never gives a positive value",
    ),
    (ex02.check_horizontal_edge_kernel, [[-2, -2, 0], [-2, 0, 2], [0, 2, 2]], "vertical edge"),
    (ex02.check_horizontal_edge_kernel, np.ones((5, 5)), "3x3"),
    (ex02.check_horizontal_edge_kernel, [[1, 2, 3], [4, 5]], "different lengths"),
    # 03 · stride, padding and output size
    (ex03.check_stride_output_size, 18, "rounded the division up"),
    (ex03.check_stride_output_size, 15, "without padding"),
    (ex03.check_stride_output_size, [17, 17], "one number"),
    (ex03.check_keep_size_padding, 4, "EACH side"),
    (ex03.check_keep_size_padding, -2, "cannot be negative"),
    (ex03.check_dropped_pixels, 24, "output size"),
    (ex03.check_conv_output_shape, (2, 3, 32, 32), "one per kernel"),
    (ex03.check_conv_output_shape, (1, 16, 32, 32), "batch"),
    (ex03.check_conv_output_shape, (2, 16, 31, 31), "height and width"),
    (ex03.check_conv_output_shape, (16, 32, 32), "four numbers"),
    (ex03.check_conv_output_shape, np.zeros((2, 16, 32, 32)), ".shape"),
    (ex03.check_conv_output_shape, "(2, 16, 32, 32)", "without quotes"),
    # 04 · backpropagation
    (ex04.check_iterations_per_epoch, 15, "full batches"),
    (ex04.check_iterations_per_epoch, 15.625, "whole number"),
    (ex04.check_iterations_per_epoch, 1000, "number of images"),
    (ex04.check_iterations_per_epoch, 64, "how many batches"),
    (ex04.check_iterations_per_epoch, "16", "without quotes"),
    (ex04.check_dbias, ex04.DBIAS_DOUT, "one number"),
    (ex04.check_dbias, ex04.DBIAS_DOUT.tolist(), "one number"),
    (ex04.check_dbias, ex04.DBIAS_DOUT.mean(), "do not average"),
    (ex04.check_dbias, -1.0, "sign"),
    (ex04.check_dbias, 2.0, "d node / d bias = 1"),
    (ex04.check_dweight_shape, (16, 3, 5, 5), "batch is summed"),
    (ex04.check_dweight_shape, (8, 3, 32, 32), "image or output sizes"),
    (ex04.check_dweight_shape, (8, 3, 28, 28), "image or output sizes"),
    (ex04.check_dweight_shape, (8, 5, 5), "4 dimensions"),
    (ex04.check_dweight_shape, (3, 8, 5, 5), "how many weights"),
    (ex04.check_dweight_shape, np.zeros((8, 3, 5, 5)), ".shape"),
    (ex04.check_dweight_shape, "(8, 3, 5, 5)", "without quotes"),
    (ex04.check_loop_order, "DBEAC", "update (a) needs"),
    (ex04.check_loop_order, "DBCEA", "starts from the gradient"),
    (ex04.check_loop_order, "DEBCA", "needs the loss"),
    (ex04.check_loop_order, "BDECA", "come from the forward pass"),
    (ex04.check_loop_order, "DBEC", "missing: a"),
    (ex04.check_loop_order, "DBECAA", "more than once"),
    (ex04.check_loop_order, "DBXCA", "x is not one of them"),
    (ex04.check_loop_order, "the next step is the forward pass", "only the letters"),
    (ex04.check_loop_order, "adjust the weights", "only the letters"),
    (ex04.check_loop_order, 43521, "one string"),
    (ex04.check_dweight, -cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT), "sign is flipped"),
    (
        ex04.check_dweight,
        cnnkit.conv2d(ex04.DWEIGHT_X, np.rot90(ex04.DWEIGHT_DOUT, 2)),
        "rotated dout",
    ),
    (ex04.check_dweight, cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT.T), "transposed"),
    (ex04.check_dweight, cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT).T, "transposed"),
    (ex04.check_dweight, np.zeros((4, 4)), "like dx"),
    (ex04.check_dweight, np.zeros((5, 5)), "no padding"),
    (ex04.check_dweight, np.zeros((3, 3)), "use dout as the kernel"),
    (ex04.check_dweight, np.full((3, 3), np.nan), "not a finite number"),
    (ex04.check_dweight, [[1, 2, 3], [4, 5]], "different lengths"),
    # 05 · training a CNN
    (ex05.check_explorer_features, 64, "before pooling"),
    (ex05.check_explorer_features, 256, "with the stride"),
    (ex05.check_explorer_features, 144, "conv output side"),
    (ex05.check_explorer_features, 16.5, "not a whole number"),
    (ex05.check_largest_kernel, 8, "1x1 feature map"),
    (ex05.check_largest_kernel, 9, "larger than the 8x8 digit"),
    (ex05.check_largest_kernel, 3, "largest kernel"),
    (
        ex05.check_accuracy_from_confusion,
        lambda cm: np.mean(np.diag(cm) / cm.sum(axis=1)),
        "per-class",
    ),
    (ex05.check_accuracy_from_confusion, lambda cm: 100 * np.trace(cm) / cm.sum(), "percentage"),
    (ex05.check_accuracy_from_confusion, lambda cm: np.trace(cm), "divide it"),
    (ex05.check_accuracy_from_confusion, lambda cm: cm[10, 10], "stopped with an error"),
    (
        ex05.check_accuracy_from_confusion,
        lambda cm: undefined_name,  # noqa: F821
        "stopped with an error",
    ),
    (ex05.check_accuracy_from_confusion, lambda cm: cm / 0 + None, "stopped with an error"),
    (ex05.check_accuracy_from_confusion, lambda cm: "0.9", "return one number"),
    (ex05.check_accuracy_from_confusion, lambda cm: np.diag(cm), "return one number"),
    (ex05.check_accuracy_from_confusion, 0.97, "write a function"),
    (ex05.check_most_confused, lambda cm: (0, 0), "diagonal"),
    (ex05.check_most_confused, lambda cm: np.unravel_index(cm.argmax(), cm.shape), "diagonal"),
    (ex05.check_most_confused, lambda cm: cm[10], "stopped with an error"),
    (ex05.check_most_confused, lambda cm: undefined_name, "stopped with an error"),  # noqa: F821
    (ex05.check_most_confused, lambda cm: "4 9", "return a pair"),
    (ex05.check_most_confused, lambda cm: 4, "return a pair"),
    (ex05.check_most_confused, lambda cm: (1, 2, 3), "return a pair"),
    (ex05.check_most_confused, (3, 5), "write a function"),
]

# (check function, a right answer in one of the types a learner may use)
RIGHT = [
    (ex00.check_number_of_images, 1797),
    (ex00.check_number_of_images, 1797.0),
    (ex00.check_number_of_images, np.int64(1797)),
    (ex00.check_number_of_images, [1797]),
    (ex00.check_number_of_images, np.array([1797])),
    (ex00.check_number_of_images, np.array(1797)),
    (ex00.check_pixels_per_image, 64),
    (ex00.check_pixels_per_image, np.float32(64)),
    (ex00.check_most_common_digit, 3),
    (ex00.check_most_common_digit, np.argmax([0, 0, 0, 1])),
    (ex01.check_conv_layer_params, 608),
    (ex01.check_conv_layer_params, np.array([608.0])),
    (ex01.check_layers_without_params, [1, 3, 4, 6, 7, 8]),
    (ex01.check_layers_without_params, (8, 7, 6, 4, 3, 1)),
    (ex01.check_layers_without_params, {1, 3, 4, 6, 7, 8}),
    (ex01.check_layers_without_params, np.array([1, 3, 4, 6, 7, 8])),
    (ex01.check_feature_map_nodes, 3456),
    (ex01.check_feature_map_nodes, 3456.0),
    (ex01.check_softmax_probability, 0.66),
    (ex01.check_softmax_probability, np.float64(0.659)),
    (ex01.check_softmax_probability, np.array([0.66])),
    (ex01.check_cross_entropy, -np.log(0.25)),
    (ex01.check_cross_entropy, 1.386),
    (ex02.check_sum_of_products, 11),
    (ex02.check_sum_of_products, np.float64(11.0)),
    (ex02.check_sum_of_products, np.array([[11]])),
    (ex02.check_rgb_weight_shape, (16, 3, 5, 5)),
    (ex02.check_rgb_weight_shape, [16, 3, 5, 5]),
    (ex02.check_rgb_weight_shape, np.array([16, 3, 5, 5])),
    (ex02.check_rgb_weight_shape, np.zeros((16, 3, 5, 5)).shape),
    (ex02.check_conv_params, 4640),
    (ex02.check_conv_params, np.int32(4640)),
    (ex02.check_receptive_field, 10),
    (ex02.check_receptive_field, [10]),
    (ex02.check_horizontal_edge_kernel, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    (ex02.check_horizontal_edge_kernel, np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]) / 3),
    (ex03.check_stride_output_size, 17),
    (ex03.check_stride_output_size, 17.0),
    (ex03.check_keep_size_padding, 2),
    (ex03.check_keep_size_padding, np.array([2])),
    (ex03.check_dropped_pixels, 3),
    (ex03.check_dropped_pixels, np.int64(3)),
    (ex03.check_conv_output_shape, (2, 16, 32, 32)),
    (ex03.check_conv_output_shape, [2, 16, 32, 32]),
    (ex03.check_conv_output_shape, np.array([2, 16, 32, 32])),
    (ex03.check_conv_output_shape, np.zeros((2, 16, 32, 32)).shape),
    (ex04.check_iterations_per_epoch, 16),
    (ex04.check_iterations_per_epoch, 16.0),
    (ex04.check_iterations_per_epoch, np.int64(16)),
    (ex04.check_iterations_per_epoch, [16]),
    (ex04.check_dbias, 1),
    (ex04.check_dbias, np.float64(1.0)),
    (ex04.check_dbias, np.array([1.0])),
    (ex04.check_dbias, ex04.DBIAS_DOUT.sum()),
    (ex04.check_dweight_shape, (8, 3, 5, 5)),
    (ex04.check_dweight_shape, [8, 3, 5, 5]),
    (ex04.check_dweight_shape, np.array([8, 3, 5, 5])),
    (ex04.check_loop_order, "DBECA"),
    (ex04.check_loop_order, "d b e c a"),
    (ex04.check_loop_order, "D, B, E, C, A"),
    (ex04.check_loop_order, ["D", "B", "E", "C", "A"]),
    (ex04.check_loop_order, "D -> B -> E -> C -> A"),
    (ex04.check_dweight, cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT)),
    (ex04.check_dweight, cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT).tolist()),
    (ex04.check_dweight, cnnkit.conv2d(ex04.DWEIGHT_X[None, None], ex04.DWEIGHT_DOUT[None, None])),
    (ex05.check_explorer_features, 16),
    (ex05.check_explorer_features, np.array([16])),
    (ex05.check_largest_kernel, 7),
    (ex05.check_largest_kernel, 7.0),
    (ex05.check_accuracy_from_confusion, lambda cm: np.trace(cm) / cm.sum()),
    (ex05.check_accuracy_from_confusion, lambda cm: float(np.diag(cm).sum() / np.sum(cm))),
    (
        ex05.check_most_confused,
        lambda cm: tuple(
            int(v) for v in np.unravel_index((cm - np.diag(np.diag(cm))).argmax(), cm.shape)
        ),
    ),
    (
        ex05.check_most_confused,
        lambda cm: list(np.unravel_index((cm * (1 - np.eye(len(cm)))).argmax(), cm.shape)),
    ),
]


@pytest.mark.parametrize(
    "check, answer, phrase", WRONG, ids=[f"{c.name}-{i}" for i, (c, _, _) in enumerate(WRONG)]
)
def test_wrong_answer_gets_its_diagnosis(check, answer, phrase):
    feedback = check(answer)
    assert isinstance(feedback, Feedback) and not feedback.correct
    assert phrase.lower() in feedback.message.lower(), feedback.message
    _no_jargon(feedback.message)


@pytest.mark.parametrize(
    "check, answer", RIGHT, ids=[f"{c.name}-{i}" for i, (c, _) in enumerate(RIGHT)]
)
def test_right_answer_in_any_reasonable_type_passes(check, answer):
    feedback = check(answer)
    assert feedback.correct, feedback.message
    assert repr(feedback).startswith("Correct!")


@pytest.mark.parametrize("name", _swept())
def test_every_solution_runs_and_passes_its_check(name):
    import cnnkit

    scope = {"np": np, "cnnkit": cnnkit}
    import cnnkit.exercises as exercises  # what the notebooks import their data from

    scope.update({k: getattr(exercises, k) for k in exercises.__all__})
    scope.update({k: getattr(mod, k) for mod in (ex02,) for k in mod.__all__})
    code = EXERCISES[name].solution
    exec(code, scope)  # every solution is code a learner can run
    assert EXERCISES[name](scope["answer"]).correct


def test_show_solution_of_an_unknown_name_says_so(capsys):
    from cnnkit.exercises import show_solution

    show_solution("99.9")
    out = capsys.readouterr().out
    assert "no exercise called '99.9'" in out and "01.1" in out


# ------------------------------------------------------- 04 and 05: the questions' own data


def test_04_5_the_two_classic_mistakes_give_different_results():
    # the case is chosen so that rotating dout and flipping the sign can be told apart
    right = cnnkit.conv2d(ex04.DWEIGHT_X, ex04.DWEIGHT_DOUT)
    rotated = cnnkit.conv2d(ex04.DWEIGHT_X, np.rot90(ex04.DWEIGHT_DOUT, 2))
    assert not np.allclose(rotated, -right) and not np.allclose(rotated, right)
    assert not np.allclose(right, right.T)


def test_04_and_05_solutions_are_written_from_the_question_constants():
    import math

    assert str(math.ceil(ex04.EPOCH_IMAGES / ex04.EPOCH_BATCH)) in EXERCISES["04.1"].solution
    assert str(ex04.DBIAS_DOUT.tolist()) in EXERCISES["04.2"].solution
    assert str(ex04.DW_WEIGHT_SHAPE) in EXERCISES["04.3"].solution
    assert repr(ex04.LOOP_ORDER) in EXERCISES["04.4"].solution
    assert str(ex04.DWEIGHT_X.tolist()) in EXERCISES["04.5"].solution
    f = ex05.FEATURES_CHOICE
    assert f"explorer_cnn({f['n_kernels']}, {f['kernel_size']}, {f['stride']})" in (
        EXERCISES["05.1"].solution
    )
    assert f"answer = {ex05.DIGIT_SIDE - 1}" in EXERCISES["05.2"].solution
