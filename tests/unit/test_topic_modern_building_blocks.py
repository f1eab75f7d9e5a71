"""Notebook 09 (modern building blocks): the footprint of dilated stacks against
backpropagation, the transposed-convolution overlap against the gradient of a convolution
(and PyTorch), the cost counts against real layers, every explorer control over its whole
range, the figures, and the exercises with right answers and wrong ones written as a learner
would write them."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import modern_building_blocks as ex  # noqa: E402
from cnnkit.viz import modern_building_blocks as viz  # noqa: E402
from cnnkit.widgets import modern_building_blocks as wm  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ dilation footprint


def _paths_by_backprop(kernel_size, dilations):
    """Paths from each input pixel to one output node: the input gradient with weights 1."""
    layers = [cnnkit.Conv2D(1, 1, kernel_size, dilation=d) for d in dilations]
    for layer in layers:
        layer.params["weight"][:] = 1.0
    side = 1 + sum(d * (kernel_size - 1) for d in dilations)
    net = cnnkit.Sequential(*layers)
    out = net.forward(np.zeros((1, 1, side, side)))
    assert out.shape == (1, 1, 1, 1)
    return net.backward(np.ones_like(out))[0, 0]


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_footprint_equals_the_gradient_of_the_stack(k):
    for n in (1, 2, 3):
        for dilations in itertools.product((1, 2, 3, 4), repeat=n):
            got = wm.dilated_footprint(k, dilations)
            assert np.array_equal(got, _paths_by_backprop(k, dilations)), (k, dilations)
            sizes = cnnkit.receptive_field_sizes(
                [cnnkit.Conv2D(1, 1, k, dilation=d) for d in dilations]
            )
            assert sizes[-1] == got.shape


def test_footprint_cases_by_hand():
    assert wm.dilated_footprint(3, [2])[0].tolist() == [1, 0, 1, 0, 1]
    assert wm.dilated_footprint(3, [1, 1])[2].tolist() == [3, 6, 9, 6, 3]  # 1 2 3 2 1, x3
    grid = wm.dilated_footprint(3, [2, 2, 2])
    assert grid.shape == (13, 13) and np.count_nonzero(grid) == 49  # only even offsets
    assert np.count_nonzero(wm.dilated_footprint(3, [1, 2, 4]) == 0) == 0
    with pytest.raises(ValueError, match="dilations"):
        wm.dilated_footprint(3, [1, 0])
    with pytest.raises(TypeError, match="kernel_size"):
        wm.dilated_footprint(2.5, [1])


def _one_at_a_time(choices, draw):
    """Every value of every control, the others at the drawing function's defaults."""
    defaults = dict(zip(choices, draw.__defaults__))
    for name, options in choices.items():
        for value in options:
            yield {**defaults, name: value}


def test_dilation_numbers_over_every_combination():
    c = wm.DILATION_CHOICES
    seen = set()
    for values in itertools.product(*c.values()):
        kwargs = dict(zip(c, values))
        dilations = [kwargs[f"dilation_{i + 1}"] for i in range(kwargs["layers"])]
        text = wm.describe_dilation(kwargs["kernel_size"], dilations)
        assert "one node sees" in text
        seen.add(text)
    assert len(seen) > 50


def test_draw_dilation_over_every_control():
    for kwargs in _one_at_a_time(wm.DILATION_CHOICES, wm.draw_dilation):
        for layers in wm.DILATION_CHOICES["layers"]:
            fig, text = wm.draw_dilation(**{**kwargs, "layers": layers})
            assert isinstance(fig, plt.Figure) and "one node sees" in text
            assert len([ax for ax in fig.axes if ax.images]) == layers
            plt.close(fig)


def test_describe_dilation_numbers():
    text = wm.describe_dilation(3, [2, 2, 2])
    assert "13x13" in text and "49 of 169" in text and "holes (gridding): 120" in text
    assert "weights per channel pair: 27" in text and "only 7x7" in text


# ------------------------------------------------------------------ transposed overlap


@pytest.mark.parametrize("n,k,s", itertools.product((1, 2, 4), (1, 2, 3, 5), (1, 2, 3)))
def test_overlap_is_the_input_gradient_of_a_convolution(n, k, s):
    # A transposed convolution is the input gradient of a convolution: with ones
    # everywhere that gradient counts how many windows cover each pixel.
    side = (n - 1) * s + k
    dx, _, _ = cnnkit.conv2d_backward(
        np.ones((1, 1, n, n)), np.zeros((1, 1, side, side)), np.ones((1, 1, k, k)), stride=s
    )
    assert np.array_equal(wm.transposed_overlap(n, k, s), dx[0, 0])


def test_overlap_matches_torch_conv_transpose():
    torch = pytest.importorskip("torch")
    for n, k, s in itertools.product((2, 3), (2, 3, 4), (1, 2, 3)):
        out = torch.nn.functional.conv_transpose2d(
            torch.ones(1, 1, n, n, dtype=torch.float64),
            torch.ones(1, 1, k, k, dtype=torch.float64),
            stride=s,
        )
        assert np.array_equal(wm.transposed_overlap(n, k, s), out[0, 0].numpy())


def test_describe_transposed_verdicts():
    assert "checkerboard" in wm.describe_transposed(4, 3, 2)
    assert "1, 2, 4" in wm.describe_transposed(4, 3, 2)
    even = wm.describe_transposed(4, 4, 2)
    assert "no checkerboard" in even and "away from the border: 4" in even
    assert "gaps" in wm.describe_transposed(3, 2, 3)
    assert "all border" in wm.describe_transposed(2, 3, 1)


def test_transposed_numbers_over_every_combination():
    c = wm.TRANSPOSED_CHOICES
    for k, stride, n in itertools.product(*c.values()):
        text = wm.describe_transposed(n, k, stride)
        side = (n - 1) * stride + k
        assert f"output {side}x{side}" in text


def test_draw_transposed_over_every_control():
    for kwargs in _one_at_a_time(wm.TRANSPOSED_CHOICES, wm.draw_transposed):
        fig, text = wm.draw_transposed(**kwargs)
        assert isinstance(fig, plt.Figure) and "output" in text
        plt.close(fig)


# ------------------------------------------------------------------ costs


def test_conv_cost_against_counting_by_hand():
    for cin, cout, k, g, size in itertools.product((4, 8, 12), (4, 8), (1, 3), (1, 2, 4), (5, 8)):
        cost = wm.conv_cost(cin, cout, k, g, size)
        weights = cout * (cin // g) * k * k
        assert cost.params == weights + cout
        # every weight is used once at each output pixel ("same" padding, stride 1)
        assert cost.multiplications == weights * size * size
    assert wm.conv_cost(8, 8, 3, 1).params == cnnkit.Conv2D(8, 8, 3).n_params
    with pytest.raises(ValueError, match="groups=3 must divide"):
        wm.conv_cost(8, 8, 3, 3)


def test_conv_cost_multiplications_by_counting_a_loop():
    # count the multiplications of a grouped convolution written as loops
    cin, cout, k, g, size = 4, 6, 3, 2, 5
    count = 0
    for _f in range(cout):
        for _i in range(size):
            for _j in range(size):
                count += (cin // g) * k * k  # one product per weight of the kernel
    assert wm.conv_cost(cin, cout, k, g, size).multiplications == count


def test_separable_cost():
    cost = wm.separable_cost(32, 64, 3, size=8)
    assert cost.params == (9 * 32 + 32) + (32 * 64 + 64)
    assert cost.multiplications == (9 * 32 + 32 * 64) * 64
    assert wm.separable_cost(32, 64, 3, bias=False).params == 9 * 32 + 32 * 64


def test_group_costs_over_every_combination():
    c = wm.GROUPS_CHOICES
    described = refused = 0
    for values in itertools.product(*c.values()):
        kwargs = dict(zip(c, values))
        try:
            text = wm.describe_costs(**kwargs)
        except ValueError as exc:
            assert "must divide" in str(exc)
            assert kwargs["in_channels"] % kwargs["groups"] or (
                kwargs["out_channels"] % kwargs["groups"]
            )
            with pytest.raises(ValueError, match="must divide"):
                wm.draw_groups(**kwargs)
            refused += 1
            continue
        assert "full convolution" in text
        described += 1
    assert described and refused


def test_draw_groups_over_every_control():
    for kwargs in _one_at_a_time(wm.GROUPS_CHOICES, wm.draw_groups):
        for groups in (1, 4):
            fig, text = wm.draw_groups(**{**kwargs, "groups": groups})
            assert "full convolution" in text and isinstance(fig, plt.Figure)
            plt.close(fig)


# ------------------------------------------------------------------ explorers as widgets


def _sweep(explorer):
    # the drawing functions are swept over every value above; here the widget wiring is
    # moved to both ends of every control
    for control in explorer.controls.values():
        start = control.value
        for value in (control.options[0], control.options[-1]):
            control.value = value  # an unexpected error would raise here
        control.value = start


def test_explorers_move_and_explain():
    d = wm.dilation_explorer()
    assert set(d.controls) == set(wm.DILATION_CHOICES)
    _, text = d.set(dilation_1=1, dilation_2=2, dilation_3=4)
    assert "holes (gridding): 0" in text
    _sweep(d)
    t = wm.transposed_explorer()
    assert set(t.controls) == set(wm.TRANSPOSED_CHOICES)
    _, text = t.set(kernel_size=4, stride=2)
    assert "no checkerboard" in text
    _sweep(t)
    g = wm.groups_explorer()
    assert set(g.controls) == set(wm.GROUPS_CHOICES)
    g.set(groups=64)
    assert "must divide" in g.last_message
    g.set(groups=16)
    assert g.last_message == ""
    _sweep(g)
    for e in (d, t, g):
        assert "cnnkit-explorer" in e._dom_classes


def test_every_control_changes_the_view():
    # the browser test moves each control and expects the view to change: here its text
    def dilation(kernel_size, layers, dilation_1, dilation_2, dilation_3):
        return wm.describe_dilation(kernel_size, (dilation_1, dilation_2, dilation_3)[:layers])

    def transposed(kernel_size, stride, input_size):
        return wm.describe_transposed(input_size, kernel_size, stride)

    for describe, draw, choices in (
        (dilation, wm.draw_dilation, wm.DILATION_CHOICES),
        (transposed, wm.draw_transposed, wm.TRANSPOSED_CHOICES),
        (wm.describe_costs, wm.draw_groups, wm.GROUPS_CHOICES),
    ):
        base = dict(zip(choices, draw.__defaults__))
        for name, options in choices.items():
            texts = set()
            for value in options:
                try:
                    texts.add(describe(**{**base, name: value}))
                except ValueError:
                    continue
            assert len(texts) > 1, (draw.__name__, name)


# ------------------------------------------------------------------ figures


def test_figures_have_titles_and_panels():
    rng = np.random.default_rng(0)
    fig = viz.plot_channel_mixing(rng.normal(size=(3, 4, 4)), np.ones((2, 3)), np.ones((2, 4, 4)))
    assert fig.get_suptitle() and len([a for a in fig.axes if a.images]) == 6
    fig = viz.plot_footprints([wm.dilated_footprint(3, [2])], ["one"], suptitle="s")
    assert "holes" in fig.axes[0].get_title()
    with pytest.raises(ValueError):
        viz.plot_footprints([], [])
    fig, ax = plt.subplots()
    viz.plot_group_connections(ax, 8, 4, 4)
    assert ax.images[0].get_array().sum() == 8 * 4 / 4
    fig, ax = plt.subplots()
    viz.plot_block_costs(ax, ["a", "b"], [10, 5], [100, 20])
    assert sorted(round(p.get_height()) for p in ax.patches) == [20, 50, 100, 100]
    fig = viz.plot_overlap(wm.transposed_overlap(3, 3, 2), title="t")
    assert fig.get_suptitle() == "t"


def test_curve_and_gradient_figures():
    class H:
        train_loss = [1.0, 0.5]

    fig = viz.plot_curves_side_by_side({"a": H(), "b": H()}, "title")
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_title() == "title"
    with pytest.raises(ValueError):
        viz.plot_upsampled([], [], "s")
    fig = viz.plot_upsampled([np.ones((3, 3)), np.zeros((5, 5))], ["a", "b"], "s")
    assert "5x5" in fig.axes[1].get_title()
    rng = np.random.default_rng(0)
    fig = viz.plot_channel_statistics(
        rng.normal(size=(8, 4, 3, 3)), rng.normal(size=(8, 4, 3, 3)), "b"
    )
    assert fig.get_suptitle() == "b"


# ------------------------------------------------------------------ exercises

NOT_ANSWERS = [
    None,
    "three",
    "",
    True,
    False,
    [],
    [1, 2],
    {"a": 1},
    float("nan"),
    float("inf"),
    np.array([1.0, 2.0]),
    np.zeros((2, 2)),
    lambda: 3,
    object(),
    2.5,
]

CHECKS = [
    ("09.1", ex.check_pointwise_parameters),
    ("09.2", ex.check_dilated_field),
    ("09.3", ex.check_separable_parameters),
    ("09.4", ex.check_transposed_size),
    ("09.5", ex.check_batchnorm_eval),
    ("09.6", ex.check_gap_dense_parameters),
]


@pytest.mark.parametrize("name,check", CHECKS)
def test_exercises_never_raise_and_explain(name, check):
    assert EXERCISES[name] is check
    for wrong in NOT_ANSWERS:
        if name == "09.5" and isinstance(wrong, float) and wrong == 2.5:
            continue  # a number: judged below
        feedback = check(wrong)
        assert not feedback and feedback.message, (name, wrong)


def _diagnoses(check, table):
    for answer, words in table:
        feedback = check(answer)
        assert not feedback, answer
        assert words in feedback.message, (answer, feedback.message)


def test_pointwise_parameters():
    for ok in (1040, 1040.0, np.int64(1040), [1040]):
        assert ex.check_pointwise_parameters(ok)
    assert ex.check_pointwise_parameters(cnnkit.Conv2D(64, 16, 1).n_params)
    _diagnoses(
        ex.check_pointwise_parameters,
        [
            (1024, "bias"),  # 64 * 16, no biases
            (9232, "3x3"),  # a 3x3 layer
            (9216, "3x3"),
            (65, "16 kernels"),  # one kernel
            (4160, "16 kernels, not 64"),  # 64 -> 64
            (1000, "count the kernels"),
        ],
    )
    assert "without quotes" in ex.check_pointwise_parameters("1040").message


def test_dilated_field():
    assert ex.check_dilated_field(31)
    _diagnoses(
        ex.check_dilated_field,
        [
            (9, "plain 3x3"),  # dilation ignored
            (34, "overlap"),  # spans added: 3 + 5 + 9 + 17
            (17, "last layer"),
            (17.0, "last layer"),
            (15, "leaves out the last"),  # the 1, 2, 4 stack of the notebook
            (32, "start from 1"),
        ],
    )


def test_separable_parameters():
    assert ex.check_separable_parameters(976)
    _diagnoses(
        ex.check_separable_parameters,
        [
            (912, "bias"),  # no biases: 144 + 768
            (6960, "full 3x3"),  # 3*3*16*48 + 48
            (160, "one of the two"),
            (816, "one of the two"),
            (2320 + 816, "groups=16"),  # a full 3x3 on 16 channels then 1x1
            (2432, "count the two layers"),  # the notebook's 32 -> 64 pair
        ],
    )


def test_transposed_size():
    assert ex.check_transposed_size(14)
    _diagnoses(
        ex.check_transposed_size,
        [
            (13, "output_padding"),
            (18, "taken away"),  # padding added
            (4, "ordinary convolution"),
            (15, "use (n - 1)"),
        ],
    )


def test_transposed_size_matches_torch():
    torch = pytest.importorskip("torch")
    layer = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1)
    out = layer(torch.zeros(1, 1, 7, 7))
    assert ex.check_transposed_size(out.shape[-1])


def test_batchnorm_eval():
    q = ex.BATCHNORM_EVAL
    assert ex.check_batchnorm_eval(7.0) and ex.check_batchnorm_eval(6.99999)
    assert ex.check_batchnorm_eval(np.float32(7.0))
    _diagnoses(
        ex.check_batchnorm_eval,
        [
            (4.0, "standard deviation"),  # (6 - 2) / 4 * 3 + 1
            (2.0, "scale by weight"),  # normalised only
            (6.0, "add bias"),
            (3.0, "multiply by weight"),
            (0.0, "running statistics"),  # batch statistics of one value
            (1.0, "running statistics"),
            (8.0, "evaluation mode"),
        ],
    )
    assert q["x"] == 6.0  # the question the notebook prints


def test_batchnorm_eval_matches_torch():
    torch = pytest.importorskip("torch")
    q = ex.BATCHNORM_EVAL
    bn = torch.nn.BatchNorm2d(1, eps=q["eps"]).double().eval()
    with torch.no_grad():
        bn.running_mean.fill_(q["running_mean"])
        bn.running_var.fill_(q["running_var"])
        bn.weight.fill_(q["weight"])
        bn.bias.fill_(q["bias"])
        out = bn(torch.full((1, 1, 1, 1), q["x"], dtype=torch.float64)).item()
    assert ex.check_batchnorm_eval(out)


def test_gap_dense_parameters():
    assert ex.check_gap_dense_parameters(1290)
    _diagnoses(
        ex.check_gap_dense_parameters,
        [
            (20490, "after Flatten"),  # 128*4*4*10 + 10
            (2048, "values after Flatten"),
            (1280, "biases"),
            (0, "Dense layer after it"),
            (650, "count Dense(128, 10)"),  # the notebook's 64 maps
            (138, "count Dense(128, 10)"),
        ],
    )


def test_solutions_run_and_are_right():
    for name, check in CHECKS:
        scope = {"np": np, "cnnkit": cnnkit, "BATCHNORM_EVAL": ex.BATCHNORM_EVAL}
        code = EXERCISES[name].solution.replace("cnnkit.widgets.dilated_footprint", "dfp")
        scope["dfp"] = wm.dilated_footprint
        exec(code, scope)
        assert check(scope["answer"]), name
