"""cnnkit against PyTorch, value for value and gradient for gradient.

Tolerances (cnnkit.relative_error, the largest difference over the largest magnitude):
float64 below 1e-10, float32 below 1e-5. Skipped when torch is not installed.
"""

from __future__ import annotations

import warnings

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


def torch_conv(x, w, b, stride, padding, dilation):
    with warnings.catch_warnings():  # torch warns that even "same" kernels copy the input
        warnings.simplefilter("ignore", UserWarning)
        return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)


CONV_CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation
    ((2, 3, 9, 9), (4, 3, 3), 1, 0, 1),
    ((2, 3, 9, 9), (4, 3, 3), 1, 1, 1),
    ((1, 2, 11, 10), (3, 5, 3), (2, 3), (2, 1), 1),
    ((2, 1, 12, 12), (2, 4, 4), 2, 1, 1),
    ((1, 2, 10, 13), (2, 3, 2), (1, 2), (0, 3), (2, 3)),
    ((2, 2, 9, 9), (3, 3, 3), 1, 2, 2),
    ((2, 2, 8, 7), (3, 2, 2), 1, "same", 1),
    ((1, 3, 9, 8), (2, 4, 3), 1, "same", 1),
    ((1, 2, 10, 10), (2, 4, 2), 1, "same", (2, 3)),
    ((2, 2, 7, 7), (2, 3, 3), 1, "same", 2),
    ((2, 2, 7, 9), (2, 3, 2), 3, "valid", 1),
    ((1, 1, 128, 128), (1, 11, 11), 6, 0, 1),
]


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation", CONV_CASES)
@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_conv2d_values_and_gradients(xshape, wshape, stride, padding, dilation, dtype, tol, rng):
    f, kh, kw = wshape
    x = rng.normal(size=xshape).astype(dtype)
    w = rng.normal(size=(f, xshape[1], kh, kw)).astype(dtype)
    b = rng.normal(size=f).astype(dtype)
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    out_t = torch_conv(xt, wt, bt, stride, padding, dilation)
    out = ck.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    assert out.dtype == dtype
    close(out, out_t, tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    dx, dw, db = ck.conv2d_backward(g, x, w, stride=stride, padding=padding, dilation=dilation)
    assert dx.dtype == dw.dtype == db.dtype == dtype
    close(dx, xt.grad, tol)
    close(dw, wt.grad, tol)
    close(db, bt.grad, tol)


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation", CONV_CASES[:6])
def test_conv2d_naive_matches_torch(xshape, wshape, stride, padding, dilation, rng):
    f, kh, kw = wshape
    x = rng.normal(size=(1, *xshape[1:]))
    w = rng.normal(size=(f, xshape[1], kh, kw))
    out_t = torch_conv(t(x), t(w), None, stride, padding, dilation)
    close(ck.conv2d_naive(x, w, stride=stride, padding=padding, dilation=dilation), out_t, TOL64)


POOL_CASES = [
    ((2, 3, 8, 8), 2, None),
    ((1, 2, 9, 7), 3, 2),
    ((2, 1, 7, 9), (2, 3), (1, 2)),
    ((1, 2, 6, 6), 2, 1),
    ((1, 1, 5, 8), (3, 1), (2, 3)),
]


@pytest.mark.parametrize("xshape, k, s", POOL_CASES)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_max_pool2d_values_and_gradients(xshape, k, s, ties, dtype, tol, rng):
    # With ties (values from {0, 1, 2}) most windows have several maxima: both libraries
    # must send the gradient to the first one in reading order.
    x = (rng.integers(0, 3, size=xshape) if ties else rng.normal(size=xshape)).astype(dtype)
    xt = t(x, True)
    out_t = F.max_pool2d(xt, k, s)
    out = ck.max_pool2d(x, k, s)
    assert out.dtype == dtype
    close(out, out_t, tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(ck.max_pool2d_backward(g, x, k, s), xt.grad, tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_relu_values_and_gradients(dtype, tol, rng):
    x = (rng.normal(size=(2, 3, 5, 5)) * 1e-3).astype(dtype)
    x[0, 0, 0, :3] = 0.0  # exact zeros: both libraries give them gradient 0
    xt = t(x, True)
    out_t = F.relu(xt)
    layer = ck.ReLU()
    out = layer.forward(x)
    assert out.dtype == dtype
    close(out, out_t, tol)
    g = rng.normal(size=x.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(layer.backward(g), xt.grad, tol)


def test_max_pool2d_all_equal_window_sends_gradient_to_the_first():
    x = np.ones((1, 1, 2, 2))
    xt = t(x, True)
    F.max_pool2d(xt, 2).sum().backward()
    dx = ck.max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    assert dx[0, 0, 0, 0] == 1.0 and dx.sum() == 1.0


@pytest.mark.parametrize("xshape, k, s", POOL_CASES)
@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_avg_pool2d_values_and_gradients(xshape, k, s, dtype, tol, rng):
    x = rng.normal(size=xshape).astype(dtype)
    xt = t(x, True)
    out_t = F.avg_pool2d(xt, k, s)
    out = ck.avg_pool2d(x, k, s)
    assert out.dtype == dtype
    close(out, out_t, tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(ck.avg_pool2d_backward(g, x, k, s), xt.grad, tol)


@pytest.mark.parametrize("n, k, scale", [(1, 2, 1.0), (8, 10, 1.0), (16, 10, 30.0), (5, 3, 0.01)])
@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_cross_entropy_loss_and_dlogits(n, k, scale, dtype, tol, rng):
    z = (rng.normal(size=(n, k)) * scale).astype(dtype)
    y = rng.integers(0, k, size=n)
    zt = t(z, True)
    loss_t = F.cross_entropy(zt, torch.tensor(y))
    loss_t.backward()
    loss, d = ck.softmax_cross_entropy(z, y)
    assert d.dtype == dtype
    assert abs(loss - loss_t.item()) / max(1.0, abs(loss_t.item())) < tol
    close(d, zt.grad, tol)
    close(ck.softmax(z), F.softmax(t(z), dim=1), tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_dense_matches_linear(dtype, tol, rng):
    lin = nn.Linear(12, 5).to(torch.float64 if dtype == np.float64 else torch.float32)
    dense = ck.Dense(12, 5, rng=0, dtype=dtype)
    dense.params["weight"][...] = lin.weight.detach().numpy()
    dense.params["bias"][...] = lin.bias.detach().numpy()
    x = rng.normal(size=(7, 12)).astype(dtype)
    xt = t(x, True)
    out_t = lin(xt)
    out = dense.forward(x)
    assert out.dtype == dtype
    close(out, out_t, tol)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(dense.backward(g), xt.grad, tol)
    close(dense.grads["weight"], lin.weight.grad, tol)
    close(dense.grads["bias"], lin.bias.grad, tol)


LAYER_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=2, out_channels=3, kernel_size=3, padding=1),
    dict(in_channels=2, out_channels=3, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(in_channels=1, out_channels=2, kernel_size=4, padding="same"),
    dict(in_channels=2, out_channels=2, kernel_size=3, dilation=2, padding=2),
]


@pytest.mark.parametrize("cfg", LAYER_CASES, ids=repr)
@pytest.mark.parametrize("dtype, tol", [(np.float64, TOL64), (np.float32, TOL32)])
def test_conv2d_layer_matches_nn_conv2d(cfg, dtype, tol, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        conv_t = nn.Conv2d(**cfg).to(torch.float64 if dtype == np.float64 else torch.float32)
    layer = ck.Conv2D(**cfg, rng=0, dtype=dtype)
    layer.params["weight"][...] = conv_t.weight.detach().numpy()
    layer.params["bias"][...] = conv_t.bias.detach().numpy()
    x = rng.normal(size=(2, cfg["in_channels"], 9, 8)).astype(dtype)
    xt = t(x, True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out_t = conv_t(xt)
    out = layer.forward(x)
    assert out.dtype == dtype
    close(out, out_t, tol)
    assert layer.output_shape(x.shape) == tuple(out_t.shape)
    g = rng.normal(size=out.shape).astype(dtype)
    (out_t * t(g)).sum().backward()
    close(layer.backward(g), xt.grad, tol)
    close(layer.grads["weight"], conv_t.weight.grad, tol)
    close(layer.grads["bias"], conv_t.bias.grad, tol)


def _torch_twin(model: ck.Sequential) -> nn.Sequential:
    """The same network in PyTorch (float64), with cnnkit's weights copied in."""
    modules = []
    for layer in model.layers:
        if isinstance(layer, ck.Conv2D):
            m = nn.Conv2d(
                layer.in_channels,
                layer.out_channels,
                layer.kernel_size,
                stride=layer.stride,
                padding=layer.padding,
                dilation=layer.dilation,
            )
        elif isinstance(layer, ck.Dense):
            m = nn.Linear(layer.in_features, layer.out_features)
        elif isinstance(layer, ck.ReLU):
            m = nn.ReLU()
        elif isinstance(layer, ck.MaxPool2D):
            m = nn.MaxPool2d(layer.kernel_size, layer.stride)
        elif isinstance(layer, ck.Flatten):
            m = nn.Flatten()
        else:  # pragma: no cover - only the layers above are used
            raise TypeError(layer)
        m = m.double()
        if layer.params:
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(layer.params["weight"]))
                m.bias.copy_(torch.from_numpy(layer.params["bias"]))
        modules.append(m)
    return nn.Sequential(*modules)


def lenet_like(dtype=np.float64):
    """conv-relu-pool-conv-relu-pool-flatten-linear for 8x8 digits."""
    return ck.Sequential(
        ck.Conv2D(1, 8, 3, padding=1, rng=0, dtype=dtype),
        ck.ReLU(),
        ck.MaxPool2D(2),
        ck.Conv2D(8, 16, 3, padding=1, rng=1, dtype=dtype),
        ck.ReLU(),
        ck.MaxPool2D(2),
        ck.Flatten(),
        ck.Dense(16 * 2 * 2, 10, rng=2, dtype=dtype),
    )


def _train_side_by_side(model: ck.Sequential, steps: int, batch_size: int = 32) -> None:
    """SGD with momentum 0.9 on the same digit batches in both libraries: the logits, the
    loss and every weight agree with PyTorch after every step."""
    X, y = ck.load_digits()
    twin = _torch_twin(model)
    opt = ck.SGD(model.params(), lr=0.05, momentum=0.9)
    opt_t = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    ours = [p for params, _ in model.params() for p in (params["weight"], params["bias"])]
    theirs = list(twin.parameters())
    assert len(ours) == len(theirs)
    order = np.random.default_rng(0).permutation(len(X))
    for step in range(steps):
        batch = order[step * batch_size : (step + 1) * batch_size]
        xb, yb = X[batch], y[batch]
        logits = model.forward(xb)
        loss, dlogits = ck.softmax_cross_entropy(logits, yb)
        model.backward(dlogits)
        opt.step()

        opt_t.zero_grad()
        logits_t = twin(torch.from_numpy(xb))
        loss_t = F.cross_entropy(logits_t, torch.from_numpy(yb))
        loss_t.backward()
        opt_t.step()

        close(logits, logits_t, TOL64)
        assert abs(loss - loss_t.item()) < TOL64 * max(1.0, loss)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            err = ck.relative_error(a, b.detach().numpy())
            assert err < TOL64, f"step {step}, parameter {i}: relative error {err:.3g}"


def test_small_cnn_trains_exactly_like_torch():
    model = lenet_like()
    assert [type(m).__name__ for m in _torch_twin(model)] == [
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Linear",
    ]
    _train_side_by_side(model, steps=8)


def test_digits_cnn_trains_exactly_like_torch():
    _train_side_by_side(ck.digits_cnn(seed=3), steps=4)


def test_small_cnn_forward_float32_matches_torch(rng):
    model = lenet_like(np.float32)
    twin = _torch_twin(model).float()
    x = rng.random(size=(16, 1, 8, 8)).astype(np.float32)
    out = model.forward(x)
    assert out.dtype == np.float32
    close(out, twin(torch.from_numpy(x)), TOL32)


CONV_GRID = [
    (n, k, s, p, d)
    for n in (1, 4, 7, 10, 13)
    for k in (1, 2, 3, 5)
    for s in (1, 2, 3, 4)
    for p in (0, 1, 2)
    for d in (1, 2, 3)
]


@pytest.mark.parametrize("n", sorted({g[0] for g in CONV_GRID}))
def test_conv_output_size_grid_matches_torch(n):
    """Every (k, s, p, d) for this n: the same size as F.conv2d, and the same refusals."""
    for _, k, s, p, d in [g for g in CONV_GRID if g[0] == n]:
        x, w = torch.zeros(1, 1, n, n + 1), torch.zeros(1, 1, k, k)
        try:
            shape = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape
        except RuntimeError:
            with pytest.raises(ValueError, match="larger than the padded input"):
                ck.conv_output_size(n, k, s, p, d)
            continue
        assert ck.conv_output_size(n, k, s, p, d) == shape[2], (n, k, s, p, d)
        assert ck.conv_output_size(n + 1, k, s, p, d) == shape[3], (n + 1, k, s, p, d)
        # and the explanation arrives at the same number
        assert ck.explain_output_size(n, k, s, p, d).endswith(f"= {shape[2]}")


def test_same_padding_sizes_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for n in (3, 6, 9):
            for k in (1, 2, 3, 4):
                for d in (1, 2):
                    if d * (k - 1) + 1 > n:
                        continue
                    shape = F.conv2d(
                        torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding="same", dilation=d
                    ).shape
                    assert ck.conv_output_size(n, k, padding="same", dilation=d) == shape[2]


POOL_GRID = [
    (n, k, s, p)
    for n in range(1, 13)
    for k in (1, 2, 3, 4)
    for s in (1, 2, 3, 4)
    for p in range(k // 2 + 1)
]


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_grid_matches_torch(ceil_mode):
    for n, k, s, p in POOL_GRID:
        try:
            shape = F.max_pool2d(
                torch.zeros(1, 1, n, n), k, s, padding=p, ceil_mode=ceil_mode
            ).shape
        except RuntimeError:
            with pytest.raises(ValueError):
                ck.pool_output_size(n, k, s, p, ceil_mode)
            continue
        assert ck.pool_output_size(n, k, s, p, ceil_mode) == shape[2], (n, k, s, p, ceil_mode)


# ----------------------------------------------------------------- edges: NaN, huge stride, N = 0


def test_nan_in_a_max_pool_window_gets_the_gradient_as_in_torch(rng):
    x = rng.normal(size=(2, 3, 6, 6))
    x[0, 1, 2, 3] = np.nan  # one NaN per window at most: torch and argmax agree
    x[1, 2, 5, 0] = np.nan
    dout = rng.normal(size=(2, 3, 3, 3))
    tx = t(x, grad=True)
    ty = F.max_pool2d(tx, 2)
    ty.backward(t(dout))
    for backward in (
        ck.max_pool2d_backward,
        ck.max_pool2d_backward_windows,
        ck.max_pool2d_backward_naive,
    ):
        np.testing.assert_array_equal(backward(dout, x, 2), tx.grad.numpy())
    np.testing.assert_array_equal(np.isnan(ck.max_pool2d(x, 2)), np.isnan(ty.detach().numpy()))
    pool = ck.MaxPool2D(2)
    pool.forward(x)
    np.testing.assert_array_equal(pool.backward(dout), tx.grad.numpy())


@pytest.mark.parametrize(
    "shape, kernel, stride, dilation, nan_at",
    [
        ((1, 2, 8, 8), 3, 2, 1, (0, 1, 7, 7)),  # the row and column stride 2 drops
        ((2, 1, 5, 5), 2, 1, 3, (1, 0, 2, 2)),  # between the taps of a dilated kernel
        ((1, 1, 8, 8), 3, 1, 1, None),  # no NaN: the same gradients as torch
    ],
)
def test_nan_no_window_reads_leaves_dweight_as_in_torch(
    shape, kernel, stride, dilation, nan_at, rng
):
    x = rng.normal(size=shape)
    if nan_at is not None:
        x[nan_at] = np.nan
    w = rng.normal(size=(3, shape[1], kernel, kernel))
    tx, tw = t(x, grad=True), t(w, grad=True)
    ty = F.conv2d(tx, tw, stride=stride, dilation=dilation)
    dout = rng.normal(size=tuple(ty.shape))
    ty.backward(t(dout))
    assert np.isfinite(tw.grad.numpy()).all()
    for backward in (ck.conv2d_backward, ck.conv2d_backward_im2col, ck.conv2d_backward_naive):
        dx, dw, _ = backward(dout, x, w, stride, 0, dilation)
        close(dw, tw.grad, TOL64)
        close(dx, tx.grad, TOL64)
    layer = ck.Conv2D(shape[1], 3, kernel, stride, 0, dilation)
    layer.params["weight"][...] = w
    layer.forward(x)
    close(layer.backward(dout), tx.grad, TOL64)
    close(layer.grads["weight"], tw.grad, TOL64)


@pytest.mark.parametrize("stride", [10**12, (10**12, 2), (3, 10**12)])
def test_huge_stride_matches_torch(stride, rng):
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    tx, tw, tb = t(x, grad=True), t(w, grad=True), t(b, grad=True)
    ty = F.conv2d(tx, tw, tb, stride=stride, padding=1)
    dout = rng.normal(size=tuple(ty.shape))
    ty.backward(t(dout))
    for forward in (ck.conv2d, ck.conv2d_im2col, ck.conv2d_naive):
        close(forward(x, w, b, stride, 1), ty, TOL64)
    for backward in (ck.conv2d_backward, ck.conv2d_backward_im2col, ck.conv2d_backward_naive):
        for got, expected in zip(backward(dout, x, w, stride, 1), (tx.grad, tw.grad, tb.grad)):
            close(got, expected, TOL64)
    # torch's pooling refuses a stride beyond int32; any stride past the input gives the
    # same single window (6 already does on 7x6), so compare with 6 in place of 10**12
    pairs = stride if isinstance(stride, tuple) else (stride, stride)
    tp = t(x, grad=True)
    pooled = F.max_pool2d(tp, 2, tuple(min(s, 6) for s in pairs))
    pooled.backward(torch.ones_like(pooled))
    close(ck.max_pool2d(x, 2, stride), pooled, TOL64)
    close(ck.max_pool2d_backward(np.ones(tuple(pooled.shape)), x, 2, stride), tp.grad, TOL64)
    assert ck.pool_output_size(6, 2, 10**12) == 1 == ck.conv_output_size(6, 2, 10**12)


def test_empty_batch_matches_torch():
    x, w, b = np.ones((0, 3, 7, 6)), np.ones((4, 3, 3, 3)), np.ones(4)
    tx, tw, tb = t(x, grad=True), t(w, grad=True), t(b, grad=True)
    ty = F.conv2d(tx, tw, tb, stride=2, padding=1)
    ty.backward(torch.ones_like(ty))
    for forward in (ck.conv2d, ck.conv2d_im2col, ck.conv2d_naive):
        assert forward(x, w, b, 2, 1).shape == tuple(ty.shape)
    for backward in (ck.conv2d_backward, ck.conv2d_backward_im2col, ck.conv2d_backward_naive):
        dx, dw, db = backward(np.ones(tuple(ty.shape)), x, w, 2, 1)
        assert dx.shape == tuple(tx.grad.shape)
        close(dw, tw.grad, TOL64)
        close(db, tb.grad, TOL64)
    for name in ("max", "avg"):
        tp = t(x, grad=True)
        pooled = getattr(F, f"{name}_pool2d")(tp, 2)
        pooled.backward(torch.ones_like(pooled))
        assert getattr(ck, f"{name}_pool2d")(x, 2).shape == tuple(pooled.shape)
        dx = getattr(ck, f"{name}_pool2d_backward")(np.ones(tuple(pooled.shape)), x, 2)
        assert dx.shape == tuple(tp.grad.shape)
    flat = nn.Flatten()(tx)
    assert ck.Flatten().forward(x).shape == tuple(flat.shape)
    dense = ck.Dense(126, 5, rng=0)
    out = dense.forward(x.reshape(0, 126))
    assert out.shape == tuple(nn.Linear(126, 5).double()(flat).shape)
    dense.backward(np.ones((0, 5)))
    np.testing.assert_array_equal(dense.grads["weight"], 0)
