"""From cnnkit to PyTorch: build the same network in PyTorch, copy weights both ways, compare.

PyTorch is optional for the course, so this module imports ``torch`` only inside its
functions: ``import cnnkit`` works without it, and :func:`have_torch` says whether it is
there. Install it with ``make torch`` (the pinned CPU build).

Every cnnkit layer has a PyTorch twin with the same argument names and the same weight
shapes (:data:`NAME_MAP` lists them all), so copying weights is copying arrays:

==================  =====================  ===========================================
cnnkit              PyTorch                weight shape (both)
==================  =====================  ===========================================
Conv2D(C, F, k)     nn.Conv2d(C, F, k)     weight (F, C, k, k), bias (F,)
Dense(i, o)         nn.Linear(i, o)        weight (o, i), bias (o,)
==================  =====================  ===========================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .gradcheck import relative_error
from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from .losses import softmax_cross_entropy
from .model import Sequential

__all__ = [
    "NAME_MAP",
    "TORCH_INSTALL",
    "compare_models",
    "copy_to_torch",
    "from_torch",
    "have_torch",
    "max_weight_difference",
    "to_torch",
    "torch_conv_gradients",
    "torch_missing_message",
    "train_side_by_side",
]

#: The one documented command that installs PyTorch for the course (the pinned CPU build).
TORCH_INSTALL = "make torch"

#: Every cnnkit name the course uses and its PyTorch counterpart, with what changes.
NAME_MAP: tuple[tuple[str, str, str], ...] = (
    (
        "conv2d(x, weight, bias, stride, padding)",
        "torch.nn.functional.conv2d",
        "same arguments, same NCHW shapes",
    ),
    (
        "conv2d_backward(dout, x, weight, ...)",
        "autograd: loss.backward()",
        "PyTorch derives every backward pass itself",
    ),
    ("max_pool2d(x, kernel_size, stride)", "torch.nn.functional.max_pool2d", "same"),
    ("Conv2D(in_channels, out_channels, kernel_size)", "nn.Conv2d", "weight (F, C, KH, KW)"),
    ("ReLU()", "nn.ReLU", "no parameters"),
    ("MaxPool2D(kernel_size)", "nn.MaxPool2d", "no parameters"),
    ("Flatten()", "nn.Flatten", "keeps the batch axis"),
    ("Dense(in_features, out_features)", "nn.Linear", "weight (out_features, in_features)"),
    ("Sequential(*layers)", "nn.Sequential", "same order of layers"),
    ("layer.params['weight']", "layer.weight (a Parameter)", "tensor with requires_grad"),
    ("layer.grads['weight']", "layer.weight.grad", "filled by loss.backward()"),
    (
        "softmax_cross_entropy(logits, labels)",
        "nn.CrossEntropyLoss / F.cross_entropy",
        "mean over the batch; PyTorch returns the loss only",
    ),
    ("softmax(logits)", "torch.softmax(logits, dim=1)", "same"),
    (
        "SGD(model.params(), lr, momentum)",
        "torch.optim.SGD(model.parameters(), lr, momentum)",
        "same update rule",
    ),
    ("model.backward(dlogits)", "loss.backward()", "PyTorch accumulates: zero_grad() first"),
    (
        "fit(model, X, y, epochs, batch_size, optimizer)",
        "a training loop you write",
        "for x, y in loader: zero_grad, forward, loss, backward, step",
    ),
    (
        "load_digits() + batches in fit",
        "TensorDataset + DataLoader(shuffle=True)",
        "DataLoader shuffles and batches",
    ),
    (
        "numerical_gradient / check_layer_gradients",
        "torch.autograd.gradcheck",
        "finite differences against the backward pass",
    ),
    ("relative_error(a, b)", "torch.testing.assert_close", "PyTorch asserts with rtol/atol"),
    ("digits_cnn(seed)", "to_torch(digits_cnn(seed))", "the same network, weights copied"),
)


def have_torch() -> bool:
    """True when PyTorch can be imported (a broken or blocked install counts as missing)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_missing_message() -> str:
    """What to do when PyTorch is not installed, in plain words."""
    return (
        "PyTorch is not installed, so the cells of this notebook that use it are "
        f"skipped. To run them, install it once with `{TORCH_INSTALL}` in the course "
        "folder (it installs the pinned CPU build, torch==2.13.0, into .venv), then "
        "restart the kernel and run the notebook again."
    )


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(torch_missing_message()) from None
    return torch


def _dtype(torch: Any, dtype: Any) -> Any:
    if dtype is None:
        return torch.float64
    if isinstance(dtype, torch.dtype) and dtype in (torch.float64, torch.float32):
        return dtype
    try:
        return {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[
            np.dtype(dtype)
        ]
    except (KeyError, TypeError):
        raise ValueError(
            f"dtype={dtype!r} is not float64 or float32; pass np.float64 (the "
            "default, cnnkit's own) or np.float32"
        ) from None


def _plain(value: Any) -> Any:
    """(2, 2) -> 2, so the PyTorch layer reads as it would be written by hand."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return value[0]
    return value


def to_torch(model: Sequential, dtype: Any = None) -> Any:
    """Build the PyTorch ``nn.Sequential`` that matches ``model`` and copy its weights.

    Parameters
    ----------
    model : Sequential
        A cnnkit network of Conv2D, ReLU, MaxPool2D, Flatten and Dense layers.
    dtype : torch or numpy dtype, optional
        float64 (default, so both compute the very same numbers) or float32.

    Returns
    -------
    torch.nn.Sequential
        Layer ``i`` is the twin of ``model.layers[i]``; Conv2d weight (F, C, KH, KW),
        Linear weight (out_features, in_features), each a copy of cnnkit's array.

    Examples
    --------
    >>> import torch, cnnkit                                       # doctest: +SKIP
    >>> net = to_torch(cnnkit.digits_cnn())                        # doctest: +SKIP
    >>> net(torch.zeros(2, 1, 8, 8, dtype=torch.float64)).shape    # doctest: +SKIP
    torch.Size([2, 10])
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, Sequential):
        raise TypeError(f"model={model!r} must be a cnnkit Sequential, e.g. cnnkit.digits_cnn()")
    modules = []
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Conv2D):
            modules.append(
                nn.Conv2d(
                    layer.in_channels,
                    layer.out_channels,
                    layer.kernel_size,
                    stride=layer.stride,
                    padding=layer.padding,
                    dilation=layer.dilation,
                    groups=layer.groups,
                )
            )
        elif isinstance(layer, ReLU):
            modules.append(nn.ReLU())
        elif isinstance(layer, MaxPool2D):
            modules.append(nn.MaxPool2d(_plain(layer.kernel_size), stride=_plain(layer.stride)))
        elif isinstance(layer, Flatten):
            modules.append(nn.Flatten())
        elif isinstance(layer, Dense):
            modules.append(nn.Linear(layer.in_features, layer.out_features))
        else:
            raise TypeError(
                f"layer {i} ({layer!r}) has no PyTorch twin here; to_torch knows "
                "Conv2D, ReLU, MaxPool2D, Flatten and Dense"
            )
    net = nn.Sequential(*modules).to(_dtype(torch, dtype))
    copy_to_torch(model, net)
    return net


def _pairs(model: Sequential, net: Any):
    if len(model.layers) != len(net):
        raise ValueError(
            f"the cnnkit model has {len(model.layers)} layers and the PyTorch one "
            f"{len(net)}; build the PyTorch one with to_torch(model)"
        )
    for i, (layer, module) in enumerate(zip(model.layers, net)):
        for name, value in layer.params.items():
            tensor = getattr(module, name, None)
            if tensor is None or tuple(tensor.shape) != value.shape:
                got = None if tensor is None else tuple(tensor.shape)
                raise ValueError(
                    f"layer {i}: cnnkit's {name} has shape {value.shape}, "
                    f"PyTorch's {module!r} has {got}; the two networks differ"
                )
            yield i, name, layer, tensor


def copy_to_torch(model: Sequential, net: Any) -> None:
    """Copy every cnnkit parameter into the matching PyTorch parameter (in place)."""
    torch = _torch()
    with torch.no_grad():
        for _, name, layer, tensor in _pairs(model, net):
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(layer.params[name])))


def from_torch(net: Any, model: Sequential) -> Sequential:
    """Copy the PyTorch network's weights into the cnnkit ``model`` (in place) and return it.

    Parameters
    ----------
    net : torch.nn.Sequential
        Built like ``to_torch(model)``.
    model : Sequential
        Its cnnkit twin; each ``params`` array keeps its dtype and shape.
    """
    for _, name, layer, tensor in _pairs(model, net):
        value = tensor.detach().cpu().numpy()
        layer.params[name][...] = value.astype(layer.params[name].dtype)
    return model


def _flat(model: Sequential, net: Any, which: str):
    """(label, cnnkit array, torch array) for every parameter or gradient."""
    for i, name, layer, tensor in _pairs(model, net):
        if which == "weights":
            yield f"{i}.{name}", layer.params[name], tensor.detach().cpu().numpy()
        else:
            grad = tensor.grad
            theirs = np.zeros_like(layer.grads[name]) if grad is None else grad.cpu().numpy()
            yield f"{i}.{name}", layer.grads[name], theirs


def compare_models(
    model: Sequential, net: Any, x: np.ndarray, labels: np.ndarray
) -> dict[str, Any]:
    """Forward and backward through both networks on the same batch; compare everything.

    Parameters
    ----------
    model, net : cnnkit Sequential and its PyTorch twin (``to_torch(model)``)
    x : ndarray, shape (N, C, H, W)
    labels : ndarray of int, shape (N,)

    Returns
    -------
    dict
        ``"output"``: relative error of the logits (N, K); ``"loss"``: of the loss;
        ``"input_grad"``: of the gradient with respect to ``x``; ``"grads"``: a dict from
        ``"<layer>.<weight|bias>"`` to the relative error of that parameter's gradient;
        ``"max"``: the largest of them all; ``"loss_cnnkit"``, ``"loss_torch"``: the losses.
    """
    torch = _torch()
    dtype = next(net.parameters()).dtype
    logits = model.forward(x)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    dx = model.backward(dlogits)
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    net.zero_grad()
    out = net(xt)
    loss_t = torch.nn.functional.cross_entropy(out, torch.as_tensor(labels, dtype=torch.long))
    loss_t.backward()
    grads = {label: relative_error(a, b) for label, a, b in _flat(model, net, "grads")}
    result = {
        "output": relative_error(logits, out.detach().numpy()),
        "loss": relative_error(loss, loss_t.item()),
        "input_grad": relative_error(dx, xt.grad.numpy()),
        "grads": grads,
        "loss_cnnkit": float(loss),
        "loss_torch": float(loss_t.item()),
    }
    result["max"] = max([result["output"], result["loss"], result["input_grad"], *grads.values()])
    return result


def max_weight_difference(model: Sequential, net: Any) -> float:
    """The largest relative difference between any cnnkit weight and its PyTorch twin."""
    return max(relative_error(a, b) for _, a, b in _flat(model, net, "weights"))


def train_side_by_side(
    model: Sequential,
    net: Any,
    X: np.ndarray,
    y: np.ndarray,
    steps: int,
    batch_size: int,
    lr: float,
    momentum: float = 0.0,
    seed: int | None = 0,
) -> dict[str, np.ndarray]:
    """Train both networks on the same minibatches with SGD; compare weights after each step.

    cnnkit: forward, ``softmax_cross_entropy``, ``backward``, ``cnnkit.SGD.step``.
    PyTorch: ``zero_grad``, forward, ``F.cross_entropy``, ``backward``,
    ``torch.optim.SGD.step``. Both start from the same weights (copy them first).

    Parameters
    ----------
    X : ndarray, shape (N, C, H, W); y : ndarray of int, shape (N,)
    steps, batch_size : int
        Minibatches are drawn in a seeded shuffled order, reshuffled after each pass.
    lr, momentum : float

    Returns
    -------
    dict
        ``"difference"``: shape (steps,), the max relative weight difference after each
        step; ``"loss_cnnkit"``, ``"loss_torch"``: shape (steps,), each step's loss.
    """
    from .optim import SGD

    torch = _torch()
    steps = int(steps)
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps={steps} and batch_size={batch_size} must be at least 1")
    dtype = next(net.parameters()).dtype
    ours = SGD(model.params(), lr=lr, momentum=momentum)
    theirs = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    rng = np.random.default_rng(seed)
    order = np.array([], dtype=int)
    diff, loss_a, loss_b = (np.zeros(steps) for _ in range(3))
    for step in range(steps):
        if len(order) < batch_size:
            order = np.concatenate([order, rng.permutation(len(X))])
        batch, order = order[:batch_size], order[batch_size:]
        xb, yb = X[batch], y[batch]
        loss, dlogits = softmax_cross_entropy(model.forward(xb), yb)  # cnnkit
        model.backward(dlogits)
        ours.step()
        theirs.zero_grad()  # PyTorch
        loss_t = torch.nn.functional.cross_entropy(
            net(torch.tensor(xb, dtype=dtype)), torch.as_tensor(yb, dtype=torch.long)
        )
        loss_t.backward()
        theirs.step()
        diff[step] = max_weight_difference(model, net)
        loss_a[step], loss_b[step] = float(loss), float(loss_t.item())
    return {"difference": diff, "loss_cnnkit": loss_a, "loss_torch": loss_b}


def torch_conv_gradients(
    dout: np.ndarray,
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    stride: int = 1,
    padding: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The gradients of a convolution as PyTorch's autograd computes them.

    Runs ``F.conv2d(x, weight, bias)`` on tensors that record the computation, then
    ``out.backward(dout)``: PyTorch works out what notebook 04 derived by hand.

    Parameters
    ----------
    dout : ndarray, shape (N, F, OH, OW)
    x : ndarray, shape (N, C, H, W); weight : (F, C, KH, KW); bias : (F,)

    Returns
    -------
    dx, dweight, dbias : ndarrays, shapes (N, C, H, W), (F, C, KH, KW), (F,)
        The same as ``cnnkit.conv2d_backward(dout, x, weight, stride, padding)``.
    """
    torch = _torch()
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
    out.backward(torch.tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()
