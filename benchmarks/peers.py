"""The numpy CNN libraries cnnkit is timed against: chainer (CPU, numpy arrays) and numpy-ml.

Both install from PyPI (``make bench`` installs the versions in ``requirements-bench.txt``).
Each timed function is first checked against PyTorch on the same numbers (outputs and every
gradient; float32 within 1e-4, float64 within 1e-9, relative to the largest value): a peer
that computes something else is reported as such and not timed.

Both predate numpy 2 and Python 3.10, so two names they read are put back before importing
them (``np.sctypes`` for chainer, ``collections.Hashable`` for numpy-ml); nothing else of
their code is changed.
"""

from __future__ import annotations

import collections
import collections.abc
from collections.abc import Callable

import numpy as np
from shapes import CONV_SHAPES, POOL_KERNEL, conv_inputs

PEERS = ("chainer", "numpy-ml")
TOLERANCE = {"float32": 1e-4, "float64": 1e-9}

Timed = Callable[[], object]


class PeerMismatch(RuntimeError):
    """A peer's result differs from PyTorch's."""


def _numpy2_names() -> None:
    """The aliases numpy 2 removed that chainer 7.8.1 reads when it is imported."""
    if not hasattr(np, "sctypes"):
        np.sctypes = {
            "int": [np.int8, np.int16, np.int32, np.int64],
            "uint": [np.uint8, np.uint16, np.uint32, np.uint64],
            "float": [np.float16, np.float32, np.float64],
            "complex": [np.complex64, np.complex128],
            "others": [bool, object, bytes, str, np.void],
        }
    if not hasattr(collections, "Hashable"):  # numpy-ml 0.1.2, Python >= 3.10
        collections.Hashable = collections.abc.Hashable


def _check(name: str, got: np.ndarray, want: np.ndarray, dtype: str) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        raise PeerMismatch(f"{name}: shape {got.shape}, PyTorch's {want.shape}")
    error = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30)
    if not error <= TOLERANCE[dtype]:
        raise PeerMismatch(f"{name}: relative error {error:.2e} > {TOLERANCE[dtype]:g}")


def _torch_conv(x, w, b, dout, stride, padding):
    import torch
    import torch.nn.functional as F

    leaves = [torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b)]
    out = F.conv2d(*leaves, stride=stride, padding=padding)
    out.backward(torch.from_numpy(dout))
    return out.detach().numpy(), *(t.grad.numpy() for t in leaves)


def _torch_pool(maps, dmaps):
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(maps.copy()).requires_grad_()
    out = F.max_pool2d(x, POOL_KERNEL)
    out.backward(torch.from_numpy(dmaps))
    return out.detach().numpy(), x.grad.numpy()


# --------------------------------------------------------------------------- chainer


def _chainer_conv(shape: str, dtype: str) -> Timed:
    _numpy2_names()
    import chainer
    import chainer.functions as F

    spec = CONV_SHAPES[shape]
    x, w, b, dout = conv_inputs(spec, dtype)
    leaves = [chainer.Variable(a) for a in (x, w, b)]

    def step():
        for v in leaves:  # start each step without gradients
            v.cleargrad()
        out = F.convolution_2d(*leaves, stride=spec.stride, pad=spec.padding)
        out.grad = dout
        out.backward()
        return out

    out = step()
    want = _torch_conv(x, w, b, dout, spec.stride, spec.padding)
    for name, got, ref in zip(
        ("out", "dx", "dweight", "dbias"), (out.array, *(v.grad for v in leaves)), want
    ):
        _check(f"chainer conv {shape} {name}", got, ref, dtype)
    return step


def _chainer_pool(maps: np.ndarray, dmaps: np.ndarray, dtype: str) -> Timed:
    _numpy2_names()
    import chainer
    import chainer.functions as F

    x = chainer.Variable(maps)

    def step():
        x.cleargrad()
        out = F.max_pooling_2d(x, POOL_KERNEL, POOL_KERNEL, cover_all=False)
        out.grad = dmaps
        out.backward()
        return out

    out = step()
    want = _torch_pool(maps, dmaps)
    _check("chainer pool out", out.array, want[0], dtype)
    _check("chainer pool dx", x.grad, want[1], dtype)
    return step


# --------------------------------------------------------------------------- numpy-ml


def _numpy_ml_conv(shape: str, dtype: str) -> Timed:
    _numpy2_names()
    from numpy_ml.neural_nets.layers import Conv2D

    spec = CONV_SHAPES[shape]
    x, w, b, dout = conv_inputs(spec, dtype)
    # numpy-ml works in its own layout: x (N, H, W, C), weight (KH, KW, C, F).
    x_nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    dout_nhwc = np.ascontiguousarray(dout.transpose(0, 2, 3, 1))
    layer = Conv2D(spec.out_channels, (spec.kernel, spec.kernel), spec.padding, spec.stride)
    layer.forward(x_nhwc)  # creates the parameters; set them to the benchmark's
    layer.parameters = {
        "W": np.ascontiguousarray(w.transpose(2, 3, 1, 0)),
        "b": b.reshape(1, 1, 1, -1),
    }

    def step():
        layer.flush_gradients()  # forgets the last step's input and gradients
        out = layer.forward(x_nhwc)
        dx = layer.backward(dout_nhwc)
        return out, dx

    out, dx = step()
    want = _torch_conv(x, w, b, dout, spec.stride, spec.padding)
    got = (
        out.transpose(0, 3, 1, 2),
        dx.transpose(0, 3, 1, 2),
        layer.gradients["W"].transpose(3, 2, 0, 1),
        layer.gradients["b"].ravel(),
    )
    for name, g, ref in zip(("out", "dx", "dweight", "dbias"), got, want):
        _check(f"numpy-ml conv {shape} {name}", g, ref, dtype)
    return step


def _numpy_ml_pool(maps: np.ndarray, dmaps: np.ndarray, dtype: str) -> Timed:
    _numpy2_names()
    from numpy_ml.neural_nets.layers import Pool2D

    x = np.ascontiguousarray(maps.transpose(0, 2, 3, 1))
    d = np.ascontiguousarray(dmaps.transpose(0, 2, 3, 1))
    layer = Pool2D((POOL_KERNEL, POOL_KERNEL), stride=POOL_KERNEL, mode="max")

    def step():
        layer.flush_gradients()
        out = layer.forward(x)
        return out, layer.backward(d)

    out, dx = step()
    want = _torch_pool(maps, dmaps)
    _check("numpy-ml pool out", out.transpose(0, 3, 1, 2), want[0], dtype)
    _check("numpy-ml pool dx", dx.transpose(0, 3, 1, 2), want[1], dtype)
    return step


def build_peer(impl: str, case: list, feature_maps) -> Timed:
    """The timed function of ``impl`` for ``case``, checked against PyTorch first."""
    kind, shape, dtype, *mode = case
    if kind == "conv" and mode == ["fwd+bwd"]:
        return {"chainer": _chainer_conv, "numpy-ml": _numpy_ml_conv}[impl](shape, dtype)
    if kind == "pool":
        maps, dmaps = feature_maps(shape, dtype)
        return {"chainer": _chainer_pool, "numpy-ml": _numpy_ml_pool}[impl](maps, dmaps, dtype)
    raise ValueError(f"{impl} is timed on convolution forward + backward and pooling only")
