"""Batch normalisation, global average pooling and residual blocks against PyTorch.

Tolerances (cnnkit.relative_error, the largest difference over the largest magnitude):
float64 below 1e-10, float32 below 1e-5. Skipped when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from oracle_helpers import close, t  # noqa: E402

import cnnkit as ck  # noqa: E402

torch.set_num_threads(1)

TOL = {np.float64: 1e-10, np.float32: 1e-5}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


# ----------------------------------------------------------------- batch normalisation


def _pair(c, dtype, seed, momentum=0.1, eps=1e-5):
    """A cnnkit BatchNorm2D and a torch BatchNorm2d with the same random weight and bias."""
    rng = np.random.default_rng(seed)
    ours = ck.BatchNorm2D(c, eps=eps, momentum=momentum, dtype=dtype)
    ours.params["weight"][...] = rng.normal(size=c)
    ours.params["bias"][...] = rng.normal(size=c)
    theirs = nn.BatchNorm2d(c, eps=eps, momentum=momentum, dtype=TORCH_DTYPE[dtype])
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.params["weight"].copy()))
        theirs.bias.copy_(torch.from_numpy(ours.params["bias"].copy()))
    return ours, theirs


def _compare_step(ours, theirs, x, g, tol):
    """One forward and backward pass of both; outputs and every gradient compared."""
    out = ours.forward(x)
    dx = ours.backward(g)
    tx = t(x, grad=True)
    theirs.zero_grad()
    tout = theirs(tx)
    tout.backward(torch.from_numpy(g))
    close(out, tout, tol)
    close(dx, tx.grad, tol)
    close(ours.grads["weight"], theirs.weight.grad, tol)
    close(ours.grads["bias"], theirs.bias.grad, tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "shape, momentum, eps",
    [((4, 3, 5, 6), 0.1, 1e-5), ((2, 5, 1, 3), 0.3, 1e-3), ((7, 2, 2, 2), 1.0, 1e-9)],
)
def test_batch_norm_layer_trains_and_evaluates_as_pytorch(dtype, shape, momentum, eps):
    tol = TOL[dtype]
    ours, theirs = _pair(shape[1], dtype, 0, momentum, eps)
    rng = np.random.default_rng(1)
    for step in range(5):  # training mode: batch statistics, running ones updated
        x = rng.normal(step, 1 + step, shape).astype(dtype)
        _compare_step(ours, theirs, x, rng.normal(size=shape).astype(dtype), tol)
    close(ours.running_mean, theirs.running_mean, tol)  # after 5 steps
    close(ours.running_var, theirs.running_var, tol)
    ours.eval()
    theirs.eval()
    x = rng.normal(2, 3, shape).astype(dtype)
    _compare_step(ours, theirs, x, rng.normal(size=shape).astype(dtype), tol)
    close(ours.running_mean, theirs.running_mean, tol)  # evaluation changes them in neither
    close(ours.running_var, theirs.running_var, tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    "fn, backward",
    [
        (ck.batch_norm2d, ck.batch_norm2d_backward),
        (ck.batch_norm2d_naive, ck.batch_norm2d_backward_naive),
    ],
)
def test_batch_norm_functions_are_f_batch_norm(dtype, training, fn, backward):
    tol = TOL[dtype]
    rng = np.random.default_rng(2)
    x = rng.normal(1, 2, (3, 4, 3, 5)).astype(dtype)
    w, b = rng.normal(size=4).astype(dtype), rng.normal(size=4).astype(dtype)
    rm, rv = rng.normal(size=4).astype(dtype), rng.uniform(0.5, 2, 4).astype(dtype)
    trm, trv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    tx, tw, tb = t(x, True), t(w, True), t(b, True)
    g = rng.normal(size=x.shape).astype(dtype)
    dx, dw, db = backward(g, x, w, rm, rv, training, 1e-4)
    out = fn(x, w, b, rm, rv, training, 0.2, 1e-4)
    tout = F.batch_norm(tx, trm, trv, tw, tb, training, 0.2, 1e-4)
    tout.backward(torch.from_numpy(g))
    close(out, tout, tol)
    close(rm, trm, tol)
    close(rv, trv, tol)
    for ours, theirs in ((dx, tx), (dw, tw), (db, tb)):
        close(ours, theirs.grad, tol)


def test_one_value_per_channel_in_training_is_refused_by_both():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm2d(3)(torch.ones(1, 3, 1, 1))
    with pytest.raises(ValueError, match="one value per channel"):
        ck.BatchNorm2D(3).forward(np.ones((1, 3, 1, 1)))
    theirs = nn.BatchNorm2d(3, dtype=torch.float64).eval()  # evaluation mode takes it
    ours = ck.BatchNorm2D(3).eval()
    one = np.full((1, 3, 1, 1), 2.0)
    close(ours.forward(one), theirs(torch.from_numpy(one)), TOL[np.float64])


# ----------------------------------------------------------------- global average pooling


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 8, 1, 1), (3, 2, 7, 3)])
@pytest.mark.parametrize(
    "forward, backward",
    [
        (ck.global_avg_pool2d, ck.global_avg_pool2d_backward),
        (ck.global_avg_pool2d_naive, ck.global_avg_pool2d_backward_naive),
    ],
)
def test_global_avg_pool_is_adaptive_avg_pool_1_then_flatten(dtype, shape, forward, backward):
    tol = TOL[dtype]
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape).astype(dtype)
    g = rng.normal(size=shape[:2]).astype(dtype)
    tx = t(x, grad=True)
    tout = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())(tx)
    tout.backward(torch.from_numpy(g))
    close(forward(x), tout, tol)
    close(backward(g, x), tx.grad, tol)
    layer = ck.GlobalAvgPool2D()
    close(layer.forward(x), tout, tol)
    close(layer.backward(g), tx.grad, tol)


# ----------------------------------------------------------------- residual blocks


class TorchResidual(nn.Module):
    """The PyTorch block whose parameter names cnnkit's Residual uses."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = nn.Sequential(*body)
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


def _blocks(kind, dtype):
    """(cnnkit block, torch block) of one kind; the torch weights are copied by name."""
    td = TORCH_DTYPE[dtype]
    if kind == "identity":
        ours = ck.Residual(
            ck.Conv2D(4, 4, 3, padding=1, rng=0, dtype=dtype),
            ck.BatchNorm2D(4, dtype=dtype),
            ck.ReLU(),
            ck.Conv2D(4, 4, 3, padding=1, rng=1, dtype=dtype),
            ck.BatchNorm2D(4, dtype=dtype),
        )
        theirs = TorchResidual(
            [
                nn.Conv2d(4, 4, 3, padding=1, dtype=td),
                nn.BatchNorm2d(4, dtype=td),
                nn.ReLU(),
                nn.Conv2d(4, 4, 3, padding=1, dtype=td),
                nn.BatchNorm2d(4, dtype=td),
            ]
        )
    else:
        ours = ck.Residual(
            ck.Conv2D(4, 6, 3, stride=2, padding=1, rng=0, dtype=dtype),
            ck.BatchNorm2D(6, dtype=dtype),
            ck.ReLU(),
            ck.Conv2D(6, 6, 3, padding=1, rng=1, dtype=dtype),
            ck.BatchNorm2D(6, dtype=dtype),
            shortcut=ck.Conv2D(4, 6, 1, stride=2, rng=2, dtype=dtype),
        )
        theirs = TorchResidual(
            [
                nn.Conv2d(4, 6, 3, stride=2, padding=1, dtype=td),
                nn.BatchNorm2d(6, dtype=td),
                nn.ReLU(),
                nn.Conv2d(6, 6, 3, padding=1, dtype=td),
                nn.BatchNorm2d(6, dtype=td),
            ],
            nn.Conv2d(4, 6, 1, stride=2, dtype=td),
        )
    rng = np.random.default_rng(7)
    for key, p in ours.params.items():  # random batch-norm scales and shifts too
        if ".1." in key or ".4." in key or p.ndim == 1:
            p[...] = rng.normal(size=p.shape)
    torch_params = dict(theirs.named_parameters())
    assert sorted(torch_params) == sorted(ours.params)  # the same names as PyTorch
    with torch.no_grad():
        for key, p in ours.params.items():
            torch_params[key].copy_(torch.from_numpy(p.copy()))
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["identity", "conv-shortcut"])
def test_residual_block_matches_pytorch_in_both_modes(kind, dtype):
    tol = TOL[dtype]
    ours, theirs = _blocks(kind, dtype)
    rng = np.random.default_rng(8)
    for step in range(6):
        if step == 5:  # the last step in evaluation mode, with the running statistics
            ours.eval()
            theirs.eval()
        x = rng.normal(size=(3, 4, 6, 6)).astype(dtype)
        out = ours.forward(x)
        tx = t(x, grad=True)
        theirs.zero_grad()
        tout = theirs(tx)
        g = rng.normal(size=out.shape).astype(dtype)
        dx = ours.backward(g)
        tout.backward(torch.from_numpy(g))
        close(out, tout, tol)
        close(dx, tx.grad, tol)
        scale = max(float(p.grad.abs().max()) for p in theirs.parameters())
        for name, p in theirs.named_parameters():  # every parameter gradient
            if name in ("body.0.bias", "body.3.bias") and ours.training:
                # a conv bias right before batch norm in training mode: the batch mean takes
                # it away again, so its gradient is 0 and both are rounding noise; compared
                # against the scale of the block's gradients
                assert np.abs(ours.grads[name] - p.grad.numpy()).max() < tol * scale
                assert float(p.grad.abs().max()) < tol * scale
            else:
                close(ours.grads[name], p.grad, tol)
    for name, buffer in theirs.named_buffers():  # running statistics after 5 training steps
        if "running" in name:
            prefix, stat = name.rsplit(".", 1)
            layer = dict(ours._parts())[prefix]
            close(getattr(layer, stat), buffer, tol)
