"""Notebook 02 (kernels, feature maps and nodes): classic kernels, receptive fields, the
three explorers' pure functions over every control position, figures and exercises."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import cnnkit  # noqa: E402
from cnnkit import Conv2D, MaxPool2D, ReLU, Sequential, avg_pool2d, conv2d, conv2d_naive  # noqa: E402
from cnnkit.exercises import EXERCISES  # noqa: E402
from cnnkit.exercises import kernels_feature_maps_nodes as ex  # noqa: E402
from cnnkit.filters import KERNELS, get_kernel, stack_kernels  # noqa: E402
from cnnkit.receptive import (  # noqa: E402
    Window,
    as_geometry,
    conv_geometry,
    node_window,
    output_hw,
    receptive_field,
    receptive_field_sizes,
)
from cnnkit.viz import kernels_feature_maps_nodes as viz  # noqa: E402
from cnnkit.widgets import kernels_feature_maps_nodes as wk  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ classic kernels


def _window_mean_loops(img: np.ndarray) -> np.ndarray:
    """3x3 means written independently of conv2d."""
    h, w = img.shape
    out = np.empty((h - 2, w - 2))
    for i in range(h - 2):
        for j in range(w - 2):
            out[i, j] = sum(img[i + a, j + b] for a in range(3) for b in range(3)) / 9
    return out


def test_every_kernel_is_a_read_only_float64_3x3():
    assert len(KERNELS) == 9
    for name, k in KERNELS.items():
        assert k.shape == (3, 3) and k.dtype == np.float64, name
        with pytest.raises(ValueError):
            k[0, 0] = 1.0
        copy = get_kernel(name)
        copy[0, 0] = 123.0  # a copy is writable and leaves the original alone
        assert KERNELS[name][0, 0] != 123.0


def test_kernel_sums_blurs_keep_brightness_edges_ignore_flat_regions():
    for name in ("identity", "box_blur", "gaussian_blur", "sharpen"):
        assert np.isclose(KERNELS[name].sum(), 1.0), name
    for name in (
        "sobel_vertical",
        "sobel_horizontal",
        "prewitt_vertical",
        "prewitt_horizontal",
        "laplacian",
    ):
        assert KERNELS[name].sum() == 0.0, name


def test_identity_and_box_blur_against_loops():
    img = np.random.default_rng(1).random((7, 9))
    np.testing.assert_allclose(conv2d(img, KERNELS["identity"]), img[1:-1, 1:-1])
    np.testing.assert_allclose(conv2d(img, KERNELS["box_blur"]), _window_mean_loops(img))


@pytest.mark.parametrize("kind", ["sobel", "prewitt"])
def test_edge_kernels_answer_to_their_own_direction_only(kind):
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0  # dark left, bright right: a vertical edge
    vertical, horizontal = KERNELS[f"{kind}_vertical"], KERNELS[f"{kind}_horizontal"]
    assert conv2d(step, vertical).max() > 0 and conv2d(step, vertical).min() == 0
    assert np.all(conv2d(step, horizontal) == 0)
    assert conv2d(step.T, horizontal).max() > 0  # dark top, bright bottom
    assert np.all(conv2d(step.T, vertical) == 0)


def test_get_kernel_and_stack_kernels_errors_and_shapes():
    with pytest.raises(ValueError, match="no kernel called"):
        get_kernel("sobel")
    with pytest.raises(ValueError, match="empty"):
        stack_kernels([])
    w = stack_kernels(["sharpen", "laplacian"])
    assert w.shape == (2, 1, 3, 3)
    np.testing.assert_array_equal(w[1, 0], KERNELS["laplacian"])


# ------------------------------------------------------------------ receptive fields


def _brute_force_fields(forward, input_hw, rng):
    """For each output node, the set of input pixels whose change changes it."""
    base = rng.random(input_hw) + 0.5
    y0 = forward(base)
    fields: dict[tuple[int, int], set] = {}
    for r in range(input_hw[0]):
        for c in range(input_hw[1]):
            x = base.copy()
            x[r, c] += 1000.0
            changed = np.argwhere(~np.isclose(forward(x), y0, rtol=0, atol=1e-9))
            for i, j in changed:
                fields.setdefault((int(i), int(j)), set()).add((r, c))
    return y0.shape, fields


def _bounding_window(pixels: set) -> Window:
    rows, cols = [p[0] for p in pixels], [p[1] for p in pixels]
    return Window(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


STACKS = [
    [dict(kernel_size=3)],
    [dict(kernel_size=3, stride=2, padding=1)],
    [dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1))],
    [dict(kernel_size=3), dict(kernel_size=3), dict(kernel_size=3)],
    [
        dict(kernel_size=3, padding=1),
        dict(kernel_size=2, stride=2, pool=True),
        dict(kernel_size=3, padding="same"),
    ],
    [dict(kernel_size=5, stride=2), dict(kernel_size=3, dilation=2)],
    [dict(kernel_size=1, stride=2), dict(kernel_size=3)],  # holes: the field is not solid
    [dict(kernel_size=4, padding="same"), dict(kernel_size=3, stride=3, pool=True)],
]


@pytest.mark.parametrize("stack", STACKS)
def test_receptive_field_matches_perturbing_each_input_pixel(stack):
    rng = np.random.default_rng(7)
    input_hw = (17, 16)
    weights = []
    for layer in stack:  # random weights: a change in the input can't cancel out by chance
        kh, kw = np.broadcast_to(layer["kernel_size"], 2)
        weights.append(None if layer.get("pool") else rng.normal(size=(kh, kw)))

    def forward(x):
        for layer, w in zip(stack, weights):
            if layer.get("pool"):
                x = avg_pool2d(x, layer["kernel_size"], layer.get("stride"))
            else:
                x = conv2d(
                    x,
                    w,
                    stride=layer.get("stride", 1),
                    padding=layer.get("padding", 0),
                    dilation=layer.get("dilation", 1),
                )
        return x

    geoms = []
    for layer in stack:  # pooling: stride = kernel size, no padding
        pool = layer.get("pool", False)
        geoms.append(
            conv_geometry(
                layer["kernel_size"],
                layer.get("stride", layer["kernel_size"] if pool else 1),
                0 if pool else layer.get("padding", 0),
                layer.get("dilation", 1),
            )
        )
    out_shape, fields = _brute_force_fields(forward, input_hw, rng)
    assert output_hw(input_hw, geoms)[-1] == out_shape
    assert len(fields) == out_shape[0] * out_shape[1]  # every node sees some pixel
    solid = all(
        g.dilation == (1, 1) and g.kernel_size[0] >= g.stride[0] and g.kernel_size[1] >= g.stride[1]
        for g in geoms
    )
    inside = 0
    for (i, j), pixels in fields.items():
        window = receptive_field(i, j, geoms, input_hw=input_hw)
        assert all(window.contains(r, c) for r, c in pixels), (i, j)
        if solid:  # every pixel of the window is read
            assert window == _bounding_window(pixels), (i, j)
            assert len(pixels) == window.shape[0] * window.shape[1]
        elif receptive_field(i, j, geoms) == window:  # not cut by the border: the tightest box
            assert window == _bounding_window(pixels), (i, j)
            inside += 1
    assert solid or inside > 0


def test_receptive_field_of_a_model_with_relu_and_max_pooling():
    rng = np.random.default_rng(3)
    model = Sequential(
        Conv2D(1, 2, 3, padding=1, rng=0), ReLU(), MaxPool2D(2), Conv2D(2, 1, 3, rng=1)
    )
    for layer in model.layers:  # positive weights: a big bright pixel always gets through
        if "weight" in layer.params:
            layer.params["weight"] = np.abs(layer.params["weight"]) + 0.1
    out_shape, fields = _brute_force_fields(
        lambda x: model.forward(x[None, None])[0, 0], (10, 11), rng
    )
    for (i, j), pixels in fields.items():
        assert receptive_field(i, j, model.layers, input_hw=(10, 11)) == _bounding_window(pixels)
    assert output_hw((10, 11), model.layers)[-1] == out_shape


def test_node_window_follows_the_definition_for_one_conv():
    for k, s, p, d in itertools.product([1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2]):
        for i in range(4):
            w = node_window(i, i + 1, k, s, p, d)
            assert (w.row_start, w.row_stop) == (i * s - p, i * s - p + d * (k - 1) + 1)
            assert (w.col_start, w.col_stop) == ((i + 1) * s - p, (i + 1) * s - p + d * (k - 1) + 1)


def test_receptive_field_sizes_follow_the_growth_rule():
    layers = [(3, 1), (3, 2), (2, 2), (5, 1, 2), (3, 1, 1, 2)]
    size, jump, expected = 1, 1, []
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[3] if len(layer) > 3 else 1
        size += d * (k - 1) * jump  # each layer adds d(k-1) steps of the current jump
        jump *= s
        expected.append((size, size))
    assert receptive_field_sizes(layers) == expected


def test_receptive_field_errors_and_input_forms():
    with pytest.raises(ValueError, match="outside the last feature map"):
        receptive_field(10, 0, [3, 3, 3], input_hw=(16, 16))
    with pytest.raises(ValueError, match="Flatten or Dense"):
        receptive_field(0, 0, [3, cnnkit.Flatten()])
    with pytest.raises(ValueError, match="empty"):
        receptive_field(0, 0, [])
    with pytest.raises(ValueError):
        receptive_field(-1, 0, 3)
    assert as_geometry(3) == as_geometry({"kernel_size": 3}) == as_geometry((3,))
    assert receptive_field(1, 1, (3, 2)) == Window(2, 5, 2, 5)  # one tuple = one layer
    assert receptive_field(0, 0, 3, input_hw=(5, 5)).slices == (slice(0, 3), slice(0, 3))
    w = node_window(0, 0, 3, padding=1)
    assert w == Window(-1, 2, -1, 2) and w.clip(4, 4) == Window(0, 2, 0, 2)


# ------------------------------------------------------------------ explorer 1: stepping


@pytest.mark.parametrize("name", wk.STEP_KERNELS)
def test_step_state_every_position(name):
    kernel = get_kernel(name)
    full = conv2d_naive(wk.STEP_IMAGE, kernel)
    oh, ow = full.shape
    for position in range(oh * ow):
        s = wk.step_state(position, kernel)
        assert (s.row, s.col) == divmod(position, ow)
        np.testing.assert_array_equal(s.patch, wk.STEP_IMAGE[s.row : s.row + 3, s.col : s.col + 3])
        assert s.total == pytest.approx(full[s.row, s.col])
        filled = np.isfinite(s.output)
        assert filled.sum() == position + 1
        np.testing.assert_allclose(s.output[filled], full.ravel()[: position + 1])
    for bad in (-1, oh * ow):
        with pytest.raises(ValueError, match="outside"):
            wk.step_state(bad, kernel)


def test_draw_step_every_control_position():
    # step_state is checked above at every (position, kernel); here every position of the
    # slider is drawn with one kernel, and every kernel at the first and last position.
    slider = wk.step_explorer().controls["position"]
    positions = range(slider.min, slider.max + 1)
    combos = [(p, "sobel_vertical") for p in positions] + [
        (p, name) for name in wk.STEP_KERNELS for p in (slider.min, slider.max)
    ]
    for position, name in combos:
        fig, text = wk.draw_step(position, name)
        assert isinstance(fig, plt.Figure)
        s = wk.step_state(position, get_kernel(name))
        assert text.startswith(f"output[{s.row}, {s.col}] = ") and text.count("×") == 9
        assert float(text.rsplit("= ", 1)[1]) == pytest.approx(s.total)
        plt.close(fig)


# ------------------------------------------------------------------ explorer 2: kernels


def test_parse_kernel_reads_rows_and_fractions():
    np.testing.assert_allclose(wk.parse_kernel("1/9 1/9; 0.5, -2"), [[1 / 9, 1 / 9], [0.5, -2]])
    np.testing.assert_array_equal(wk.parse_kernel("0 -1 0\n-1 5 -1\n0 -1 0"), KERNELS["sharpen"])
    for bad in ["", "1 2; 3", "a b c", "1/0", ";".join(["1 " * 8] * 8), "1e5"]:
        with pytest.raises(ValueError):
            wk.parse_kernel(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-+./;, \nxe", max_size=40))
def test_parse_kernel_never_fails_other_than_value_error(text):
    try:
        k = wk.parse_kernel(text)
    except ValueError:
        return
    assert k.ndim == 2 and 1 <= max(k.shape) <= 7 and np.all(np.isfinite(k))


def test_draw_kernel_every_kernel_and_view():
    image = wk._explorer_photo()
    options = wk.kernel_explorer().controls["kernel"].options
    views = wk.kernel_explorer().controls["view"].options
    for name, view in itertools.product(options, views):  # the maps at every combination
        if view == views[0] or name == "custom":  # figures for every kernel and every view
            fig = wk.draw_kernel(name, "1 0 -1; 2 0 -2; 1 0 -1", view)
            assert isinstance(fig, plt.Figure)
            plt.close(fig)
        kernel = wk.parse_kernel("1 0 -1; 2 0 -2; 1 0 -1") if name == "custom" else KERNELS[name]
        raw = conv2d(image, kernel)
        fmap = wk.kernel_feature_map(image, kernel, view)
        expected = {"raw": raw, "ReLU": np.maximum(raw, 0), "absolute": np.abs(raw)}[view]
        np.testing.assert_allclose(fmap, expected)
    with pytest.raises(ValueError):
        wk.draw_kernel("custom", "1 2; 3", "raw")
    with pytest.raises(ValueError):
        wk.kernel_feature_map(image, KERNELS["sharpen"], "squared")


def test_kernel_explorer_shows_a_friendly_message_for_bad_weights():
    explorer = wk.kernel_explorer()
    explorer.set(kernel="custom", weights="1 2 3; 4 5")
    assert "different lengths" in explorer.last_message
    explorer.set(weights="0 1 0; 1 -4 1; 0 1 0", view="ReLU")
    assert explorer.last_message == "" and isinstance(explorer.last_result, plt.Figure)


# ------------------------------------------------------------------ explorer 3: nodes


def test_node_state_every_node_of_every_layer():
    explorer = wk.node_explorer()
    c = explorer.controls
    sizes = output_hw((16, 16), [3, 3, 3])
    for depth in range(c["depth"].min, c["depth"].max + 1):
        for row, col in itertools.product(range(c["row"].max + 1), range(c["col"].max + 1)):
            oh, ow = sizes[depth - 1]
            if row >= oh or col >= ow:
                with pytest.raises(ValueError, match="outside"):
                    wk.node_state(depth, row, col)
                continue
            s = wk.node_state(depth, row, col)
            assert s.value == pytest.approx(s.maps[depth][row, col])
            side = 2 * depth + 1
            assert s.field == Window(row, row + side, col, col + side)
            # the field holds every input pixel that changes this node, and only those
            for level in range(depth):
                assert s.windows[level].shape == (2 * (depth - level) + 1,) * 2


def test_node_field_against_perturbation():
    x0 = wk.node_input()
    for depth in (1, 2, 3):

        def forward(x, depth=depth):
            for name, b in list(zip(wk.NODE_KERNELS, wk.NODE_BIASES))[:depth]:
                x = conv2d(x, get_kernel(name)) + b
            return x

        base = forward(x0)
        row, col = 3, 2
        changed = set()
        for r, c in itertools.product(range(16), range(16)):
            x = x0.copy()
            x[r, c] += 1.0
            if not np.isclose(forward(x)[row, col], base[row, col], rtol=0, atol=1e-12):
                changed.add((r, c))
        assert _bounding_window(changed) == wk.node_state(depth, row, col).field


def test_draw_node_dense_grid_and_explorer():
    for depth, row, col in itertools.product([1, 2, 3], [0, 9, 13], [0, 13]):
        try:
            fig, text = wk.draw_node(depth, row, col)
        except ValueError as exc:
            assert "outside" in str(exc) and depth > 1
            continue
        s = wk.node_state(depth, row, col)
        assert f"= {s.value:.3f}" in text and f"{s.field.shape[0]}x{s.field.shape[1]}" in text
        plt.close(fig)
    explorer = wk.node_explorer()
    explorer.set(depth=3, row=13)
    assert "outside" in explorer.last_message
    explorer.set(row=9, col=9)
    assert explorer.last_message == "" and "7x7" in explorer.last_result[1]


# ------------------------------------------------------------------ figures


def test_figures_are_produced():
    patch, kernel = ex.EXERCISE_PATCH, ex.EXERCISE_KERNEL
    fig = viz.plot_sum_of_products(patch, kernel, bias=0.5)
    assert f"= {float((patch * kernel).sum() + 0.5):g}" in fig._suptitle.get_text()
    with pytest.raises(ValueError):
        viz.plot_sum_of_products(patch, kernel[:2])
    img = np.random.default_rng(0).random((12, 10))
    maps = conv2d(img[None, None], stack_kernels(["sharpen", "laplacian"]))[0]
    assert isinstance(
        viz.plot_feature_maps(
            img, maps, ["a", "b"], kernels=stack_kernels(["sharpen", "laplacian"])[:, 0]
        ),
        plt.Figure,
    )
    with pytest.raises(ValueError):
        viz.plot_feature_maps(img, maps, ["a"])
    rgb = np.random.default_rng(0).random((3, 8, 9))
    assert isinstance(viz.plot_rgb_convolution(rgb, np.ones((3, 3, 3))), plt.Figure)
    with pytest.raises(ValueError):
        viz.plot_rgb_convolution(rgb, np.ones((1, 3, 3)))
    assert isinstance(viz.plot_parameter_counts({"conv": 80, "dense": 4_929_792}), plt.Figure)
    fig, ax = plt.subplots()
    viz.number_grid(ax, np.array([[1.0, np.nan], [-2.5, 0.0]]), "t", symmetric=True)
    assert sorted(t.get_text() for t in ax.texts) == ["-2.5", "0", "1"]


# ------------------------------------------------------------------ exercises


NAMES = ["02.1", "02.2", "02.3", "02.4", "02.5"]


@pytest.mark.parametrize("name", NAMES)
def test_each_solution_passes_its_check(name):
    scope = {"np": np, "EXERCISE_PATCH": ex.EXERCISE_PATCH, "EXERCISE_KERNEL": ex.EXERCISE_KERNEL}
    exec(EXERCISES[name].solution, scope)
    assert EXERCISES[name](scope["answer"]).correct
    assert not EXERCISES[name](None).correct


def test_wrong_answers_get_hints():
    assert (
        "flipped"
        in ex.check_sum_of_products(
            float(conv2d(ex.EXERCISE_PATCH, ex.EXERCISE_KERNEL[::-1, ::-1])[0, 0])
        ).message
    )
    assert not ex.check_sum_of_products(
        float(conv2d(ex.EXERCISE_PATCH, ex.EXERCISE_KERNEL)[0, 0]) + 1
    )
    assert "3 channels" in ex.check_rgb_weight_shape((16, 1, 5, 5)).message
    assert "order" in ex.check_rgb_weight_shape((3, 16, 5, 5)).message
    assert "bias" in ex.check_conv_params(32 * 16 * 9).message
    assert not ex.check_receptive_field(7)
    assert "add up to 0" in ex.check_horizontal_edge_kernel(np.ones((3, 3))).message
    assert (
        "column"
        in ex.check_horizontal_edge_kernel(np.array([[-1, -1, -1], [0, 0, 0], [0, 1, 2]])).message
    )
    assert "positive" in ex.check_horizontal_edge_kernel(-KERNELS["sobel_horizontal"]).message
    assert not ex.check_horizontal_edge_kernel(np.ones((2, 2)))


def test_kernels_share_one_scale_centred_on_zero_with_a_bar():
    from cnnkit.filters import stack_kernels

    names = ["box_blur", "sobel_vertical", "sharpen"]
    fig = viz.plot_kernels(stack_kernels(names)[:, 0], names)
    images = [ax.images[0] for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
    assert len(images) == 3
    assert {im.get_clim() for im in images} == {(-5.0, 5.0)}  # sharpen's 5 sets the scale
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "weight" in bars[0].get_ylabel()
    plt.close(fig)


def test_feature_maps_signed_panels_share_one_scale_and_each_has_a_bar():
    from cnnkit.filters import stack_kernels

    names = ["box_blur", "sobel_vertical", "laplacian"]
    weight = stack_kernels(names)
    photo = np.random.default_rng(0).random((12, 10))
    maps = cnnkit.conv2d(photo[None, None], weight)[0]
    fig = viz.plot_feature_maps(photo, maps, names, kernels=weight[:, 0])
    panels = [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(panels) == 4 and len(bars) == 4 and all(b.get_ylabel() for b in bars)
    signed = {ax.images[0].get_clim() for ax in panels[2:]}
    assert len(signed) == 1 and next(iter(signed))[0] == -next(iter(signed))[1]
    assert panels[1].images[0].get_clim() == (0.0, 1.0)  # the blur keeps brightness
    plt.close(fig)
