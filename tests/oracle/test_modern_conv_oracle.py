"""Grouped and transposed convolution against PyTorch, value for value and gradient for
gradient: ``F.conv2d(groups=)``, ``F.conv_transpose2d``, ``nn.Conv2d(groups=)`` and
``nn.ConvTranspose2d``.

Tolerances (cnnkit.relative_error, the largest difference over the largest magnitude):
float64 below 1e-10, float32 below 1e-5. Skipped when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

from oracle_helpers import close, t  # noqa: E402

import cnnkit as ck  # noqa: E402

torch.set_num_threads(1)

TOL64 = 1e-10
TOL32 = 1e-5
DTYPES = [(np.float64, TOL64), (np.float32, TOL32)]


GROUPED = [
    # (N, C, H, W), F, (KH, KW), stride, padding, dilation, groups
    ((2, 4, 9, 9), 6, (3, 3), 1, 0, 1, 2),
    ((2, 6, 8, 7), 6, (3, 3), 1, 1, 1, 6),  # depthwise
    ((1, 4, 10, 9), 8, (3, 2), (2, 1), (1, 0), 1, 4),  # depthwise, multiplier 2
    ((2, 6, 11, 10), 9, (2, 3), (1, 2), (0, 2), (2, 1), 3),
    ((1, 8, 9, 9), 4, (3, 3), 1, "same", 2, 4),
    ((2, 4, 7, 8), 4, (1, 1), 1, 0, 1, 2),  # grouped 1x1
]


@pytest.mark.parametrize("xshape, f, k, stride, padding, dilation, groups", GROUPED)
@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_grouped_conv2d_values_and_gradients(
    xshape, f, k, stride, padding, dilation, groups, dtype, tol, rng
):
    x = rng.normal(size=xshape).astype(dtype)
    w = rng.normal(size=(f, xshape[1] // groups, *k)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    out_t = F.conv2d(xt, wt, bt, stride, padding, dilation, groups)
    args = (stride, padding, dilation)
    for forward in (ck.conv2d, ck.conv2d_im2col, ck.conv2d_naive):
        out = forward(x, w, b, *args, groups=groups)
        assert out.dtype == dtype
        close(out, out_t, tol)
    g = rng.normal(size=out_t.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    for backward in (ck.conv2d_backward, ck.conv2d_backward_im2col, ck.conv2d_backward_naive):
        dx, dw, db = backward(g, x, w, *args, groups=groups)
        assert dx.dtype == dw.dtype == db.dtype == dtype
        close(dx, xt.grad, tol)
        close(dw, wt.grad, tol)
        close(db, bt.grad, tol)


TRANSPOSED = [
    # (N, C_in, H, W), C_out, (KH, KW), stride, padding, output_padding, groups, dilation
    ((2, 3, 5, 5), 4, (3, 3), 1, 0, 0, 1, 1),
    ((2, 3, 5, 5), 2, (3, 3), 2, 1, 1, 1, 1),
    ((1, 4, 4, 6), 6, (4, 4), 2, 1, 0, 2, 1),
    ((2, 4, 3, 4), 4, (3, 2), (3, 2), (1, 0), (2, 1), 4, 1),  # depthwise
    ((1, 2, 4, 4), 3, (3, 3), 1, 0, 1, 1, 2),  # output_padding >= stride, < dilation
    ((2, 6, 4, 3), 3, (2, 3), (2, 1), (0, 1), (1, 0), 3, (1, 2)),
    ((1, 1, 6, 6), 1, (3, 3), 2, 1, 1, 1, 1),  # the checkerboard shape of the notebook
]


@pytest.mark.parametrize("xshape, c_out, k, stride, padding, out_pad, groups, dilation", TRANSPOSED)
@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_conv_transpose2d_values_and_gradients(
    xshape, c_out, k, stride, padding, out_pad, groups, dilation, dtype, tol, rng
):
    x = rng.normal(size=xshape).astype(dtype)
    w = rng.normal(size=(xshape[1], c_out // groups, *k)).astype(dtype)
    b = rng.normal(size=c_out).astype(dtype)
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    args = (stride, padding, out_pad, groups, dilation)
    out_t = F.conv_transpose2d(xt, wt, bt, *args)
    for forward in (ck.conv_transpose2d, ck.conv_transpose2d_naive):
        out = forward(x, w, b, *args)
        assert out.dtype == dtype
        close(out, out_t, tol)
    hw = tuple(
        ck.conv_transpose_output_size(
            xshape[2 + a],
            k[a],
            *(v if isinstance(v, int) else v[a] for v in (stride, padding, out_pad)),
            dilation if isinstance(dilation, int) else dilation[a],
        )
        for a in (0, 1)
    )
    assert tuple(out_t.shape[2:]) == hw
    g = rng.normal(size=out_t.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    dx, dw, db = ck.conv_transpose2d_backward(g, x, w, *args)
    assert dx.dtype == dw.dtype == db.dtype == dtype
    close(dx, xt.grad, tol)
    close(dw, wt.grad, tol)
    close(db, bt.grad, tol)


@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_conv_transpose2d_is_pytorchs_input_gradient_of_conv2d(dtype, tol, rng):
    """The identity, checked on PyTorch's side too: the gradient torch's autograd gives a
    conv2d input is what cnnkit's conv_transpose2d computes from the output gradient."""
    w = rng.normal(size=(4, 3, 3, 3)).astype(dtype)
    inp = t(rng.normal(size=(2, 3, 9, 9)).astype(dtype), True)
    out = F.conv2d(inp, t(w), stride=2, padding=1)  # (2, 4, 5, 5)
    g = rng.normal(size=tuple(out.shape)).astype(dtype)
    (out * t(g)).sum().backward()
    close(ck.conv_transpose2d(g, w, stride=2, padding=1), inp.grad, tol)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2),
        dict(in_channels=3, out_channels=3, kernel_size=3, stride=2, groups=3),
        dict(in_channels=4, out_channels=8, kernel_size=(3, 2), dilation=(2, 1), groups=4),
    ],
)
@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_grouped_conv2d_layer_matches_nn_conv2d(kwargs, dtype, tol, rng):
    layer = ck.Conv2D(**kwargs, rng=0, dtype=dtype)
    twin = nn.Conv2d(**kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    assert tuple(twin.weight.shape) == layer.params["weight"].shape
    assert sum(p.numel() for p in twin.parameters()) == layer.n_params
    _compare_layers(layer, twin, kwargs["in_channels"], dtype, tol, rng)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(in_channels=3, out_channels=2, kernel_size=3),
        dict(in_channels=4, out_channels=2, kernel_size=4, stride=2, padding=1),
        dict(in_channels=2, out_channels=4, kernel_size=3, stride=2, padding=1, output_padding=1),
        dict(in_channels=4, out_channels=6, kernel_size=(2, 3), stride=(2, 1), groups=2),
        dict(
            in_channels=3,
            out_channels=3,
            kernel_size=3,
            stride=1,
            output_padding=1,
            dilation=2,
            groups=3,
        ),
    ],
)
@pytest.mark.parametrize("dtype, tol", DTYPES)
def test_conv_transpose2d_layer_matches_nn_conv_transpose2d(kwargs, dtype, tol, rng):
    layer = ck.ConvTranspose2D(**kwargs, rng=0, dtype=dtype)
    twin = nn.ConvTranspose2d(**kwargs).to(torch.float64 if dtype == np.float64 else torch.float32)
    assert tuple(twin.weight.shape) == layer.params["weight"].shape
    assert sum(p.numel() for p in twin.parameters()) == layer.n_params
    _compare_layers(layer, twin, kwargs["in_channels"], dtype, tol, rng)


def _compare_layers(layer, twin, channels, dtype, tol, rng):
    """Copy cnnkit's weights into the torch twin; compare outputs, dx and every grad, and
    the output shape the layer predicts."""
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.params["weight"]))
        twin.bias.copy_(torch.from_numpy(rng.normal(size=layer.params["bias"].shape).astype(dtype)))
    layer.params["bias"][...] = twin.bias.detach().numpy()
    x = rng.normal(size=(2, channels, 6, 5)).astype(dtype)
    xt = t(x, True)
    out_t = twin(xt)
    out = layer.forward(x)
    assert out.dtype == dtype
    assert layer.output_shape(x.shape) == tuple(out_t.shape)
    close(out, out_t, tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(layer.backward(g), xt.grad, tol)
    close(layer.grads["weight"], twin.weight.grad, tol)
    close(layer.grads["bias"], twin.bias.grad, tol)


@pytest.mark.parametrize(
    "args",
    [
        dict(stride=2, output_padding=2),
        dict(stride=1, output_padding=1),
        dict(stride=2, dilation=2, output_padding=2),
    ],
)
def test_output_padding_is_refused_where_pytorch_refuses_it(args):
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    with pytest.raises(RuntimeError):
        F.conv_transpose2d(t(x), t(w), **args)
    with pytest.raises(ValueError, match="must be smaller than stride"):
        ck.conv_transpose2d(x, w, **args)
