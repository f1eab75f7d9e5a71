"""cnnkit's input gradient, saliency and occlusion map against PyTorch on the same network
with copied weights. Tolerances: float64 1e-10."""

from __future__ import annotations

import numpy as np
import pytest

import cnnkit

torch = pytest.importorskip("torch")


def _torch_copy(model: cnnkit.Sequential):
    layers = []
    for layer in model.layers:
        name = type(layer).__name__
        if name == "Conv2D":
            t = torch.nn.Conv2d(
                layer.params["weight"].shape[1],
                layer.params["weight"].shape[0],
                layer.kernel_size,
                stride=layer.stride,
                padding=layer.padding,
            )
        elif name == "Dense":
            t = torch.nn.Linear(layer.params["weight"].shape[1], layer.params["weight"].shape[0])
        elif name == "ReLU":
            layers.append(torch.nn.ReLU())
            continue
        elif name == "MaxPool2D":
            layers.append(torch.nn.MaxPool2d(layer.kernel_size, layer.stride))
            continue
        else:
            layers.append(torch.nn.Flatten())
            continue
        t = t.double()
        t.weight.data = torch.tensor(layer.params["weight"])
        t.bias.data = torch.tensor(layer.params["bias"])
        layers.append(t)
    return torch.nn.Sequential(*layers).double()


@pytest.mark.parametrize(
    "make, shape",
    [
        (cnnkit.small_digits_cnn, (5, 1, 8, 8)),
        (cnnkit.bars_cnn, (3, 1, 16, 16)),
        (cnnkit.digits_cnn, (2, 1, 8, 8)),
    ],
)
@pytest.mark.parametrize("of", ["score", "loss"])
def test_input_gradient_against_torch(make, shape, of):
    model = make(seed=4)
    x = np.random.default_rng(1).uniform(0, 1, shape)
    target = np.arange(shape[0]) % 4
    ours = cnnkit.input_gradient(model, x, target, of=of)
    net = _torch_copy(model)
    xt = torch.tensor(x, requires_grad=True)
    out = net(xt)
    tt = torch.tensor(target)
    value = (
        out[torch.arange(shape[0]), tt].sum()
        if of == "score"
        else torch.nn.functional.cross_entropy(out, tt)
    )
    value.backward()
    np.testing.assert_allclose(ours, xt.grad.numpy(), rtol=0, atol=1e-10)


def test_saliency_and_occlusion_against_torch():
    model = cnnkit.small_digits_cnn(seed=2)
    x = np.random.default_rng(3).uniform(0, 1, (1, 8, 8))
    net = _torch_copy(model)
    xt = torch.tensor(x[None], requires_grad=True)
    net(xt)[0, 7].backward()
    np.testing.assert_allclose(
        cnnkit.saliency_map(model, x, 7), xt.grad.abs().amax(dim=1)[0].numpy(), rtol=0, atol=1e-10
    )
    # occlusion: PyTorch's probabilities of every covered copy, built by hand
    with torch.no_grad():
        base = torch.softmax(net(torch.tensor(x[None])), 1)[0, 7].item()
        expect = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                covered = x.copy()
                covered[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = 0.0
                p = torch.softmax(net(torch.tensor(covered[None])), 1)[0, 7].item()
                expect[i, j] = base - p
    np.testing.assert_allclose(
        cnnkit.occlusion_map(model, x, 7, patch=2, stride=2), expect, rtol=0, atol=1e-10
    )
