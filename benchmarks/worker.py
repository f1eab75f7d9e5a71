"""One benchmark worker: times one implementation, in a process of its own.

``run.py`` starts one worker per implementation (``naive``, ``cnnkit``, ``torch``) with the
thread count already fixed in the environment, then sends it requests, one JSON object a
line on stdin, and reads one JSON answer a line from stdout::

    {"case": ["conv", "B", "float32", "fwd+bwd"], "repeats": 20}
    -> {"times": [0.0012, ...]}          seconds, one per call

Cases: ``["conv", shape, dtype, "fwd" | "fwd+bwd"]``, ``["pool", shape, dtype]`` (max-pool
forward and backward), ``["train", dtype]`` (the digits network, see ``training.py``) and
``["peak", dtype]`` (one large square matrix product, numpy's or PyTorch's) and
``["products", shape, dtype]`` (the three matrix products of cnnkit's forward + backward
on that shape, alone: numpy's, whichever worker is asked). The peers
(``chainer``, ``numpy-ml``, see ``peers.py``) answer ``{"error": ...}`` when they are not
installed or their result differs from PyTorch's.

A case is set up (inputs made, one warm-up call) the first time it is asked for and kept,
so every later round times only the computation itself. Separate processes mean the
implementations never share warm caches, thread pools or BLAS state.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import PEERS, PeerMismatch, build_peer  # noqa: E402
from shapes import CONV_SHAPES, NAIVE_BATCH, POOL_KERNEL, conv_inputs  # noqa: E402

Timed = Callable[[], object]


# --------------------------------------------------------------------------- cnnkit, naive


def _cnnkit_conv(shape: str, dtype: str, mode: str, naive: bool) -> Timed:
    import cnnkit
    from cnnkit.layers import Conv2D

    spec = CONV_SHAPES[shape]
    x, w, b, dout = conv_inputs(spec, dtype, batch=NAIVE_BATCH if naive else None)
    stride, padding = spec.stride, spec.padding
    if naive:
        if mode == "fwd":
            return lambda: cnnkit.conv2d_naive(x, w, b, stride, padding)

        def naive_step():
            cnnkit.conv2d_naive(x, w, b, stride, padding)
            cnnkit.conv2d_backward_naive(dout, x, w, stride, padding)

        return naive_step

    if mode == "fwd":
        return lambda: cnnkit.conv2d(x, w, b, stride, padding)
    layer = Conv2D(
        spec.in_channels, spec.out_channels, spec.kernel, stride, padding, dtype=np.dtype(dtype)
    )
    layer.params["weight"][...] = w

    def step():
        layer.forward(x)
        layer.backward(dout)

    return step


def _cnnkit_pool(shape: str, dtype: str) -> Timed:
    from cnnkit.layers import MaxPool2D

    maps, dmaps = _feature_maps(shape, dtype)
    pool = MaxPool2D(POOL_KERNEL)

    def step():
        pool.forward(maps)
        pool.backward(dmaps)

    return step


def _feature_maps(shape: str, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Stand-ins for the ReLU'd output of convolution ``shape``, and a gradient for its pool."""
    spec = CONV_SHAPES[shape]
    rng = np.random.default_rng(1)
    maps = np.maximum(rng.standard_normal((spec.batch, spec.out_channels, *spec.out_hw)), 0)
    pooled = tuple(n // POOL_KERNEL for n in spec.out_hw)
    dmaps = rng.standard_normal((spec.batch, spec.out_channels, *pooled))
    return maps.astype(dtype), dmaps.astype(dtype)


def _cnnkit_products(shape: str, dtype: str) -> Timed:
    """The three matrix products cnnkit's forward + backward does on ``shape``, alone.

    ``W (F, K) @ cols (K, M)``, ``cols @ dout.T (M, F)`` and ``W.T @ dout (F, M)``, with K the
    C*KH*KW numbers of a window and M the N*OH*OW nodes: the arithmetic of the convolution
    with none of the copies around it, so its time is the floor any im2col on numpy's
    matrix products can reach.
    """
    spec = CONV_SHAPES[shape]
    rng = np.random.default_rng(3)
    k = spec.in_channels * spec.kernel**2
    m = spec.batch * spec.out_hw[0] * spec.out_hw[1]
    weight = rng.standard_normal((spec.out_channels, k)).astype(dtype)
    cols = rng.standard_normal((k, m)).astype(dtype)
    dgrid = rng.standard_normal((spec.out_channels, m)).astype(dtype)
    product, dcols = np.empty_like(dgrid), np.empty_like(cols)

    def step():
        np.matmul(weight, cols, out=product)
        cols @ dgrid.T
        np.matmul(weight.T, dgrid, out=dcols)

    return step


# --------------------------------------------------------------------------- PyTorch


def _torch_conv(shape: str, dtype: str, mode: str) -> Timed:
    import torch
    import torch.nn.functional as F

    spec = CONV_SHAPES[shape]
    x, w, b, dout = (torch.from_numpy(a) for a in conv_inputs(spec, dtype))
    stride, padding = spec.stride, spec.padding
    if mode == "fwd":

        def forward():
            with torch.no_grad():
                return F.conv2d(x, w, b, stride, padding)

        return forward

    leaves = [t.requires_grad_() for t in (x, w, b)]

    def step():
        for t in leaves:  # start each step without gradients, as zero_grad() does
            t.grad = None
        F.conv2d(x, w, b, stride, padding).backward(dout)

    return step


def _torch_pool(shape: str, dtype: str) -> Timed:
    import torch
    import torch.nn.functional as F

    maps, dmaps = (torch.from_numpy(a) for a in _feature_maps(shape, dtype))
    maps.requires_grad_()

    def step():
        maps.grad = None
        F.max_pool2d(maps, POOL_KERNEL).backward(dmaps)

    return step


# --------------------------------------------------------------------------- peak rate

#: The square matrix product that measures the machine's peak matrix-product rate.
PEAK_SIZE = 1024


def _peak(impl: str, dtype: str) -> Timed:
    """One (PEAK_SIZE x PEAK_SIZE) @ (PEAK_SIZE x PEAK_SIZE) product: numpy's, or PyTorch's."""
    rng = np.random.default_rng(2)
    a, b = (rng.standard_normal((PEAK_SIZE, PEAK_SIZE)).astype(dtype) for _ in range(2))
    out = np.empty_like(a)
    if impl == "torch":
        import torch

        ta, tb, tout = (torch.from_numpy(m) for m in (a, b, out))
        return lambda: torch.matmul(ta, tb, out=tout)
    return lambda: np.matmul(a, b, out=out)


# --------------------------------------------------------------------------- the loop


def build(impl: str, case: list) -> Timed:
    kind, *rest = case
    if kind == "peak":
        return _peak(impl, rest[0])
    if impl in PEERS:
        return build_peer(impl, case, _feature_maps)
    if kind == "conv":
        shape, dtype, mode = rest
        if impl == "torch":
            return _torch_conv(shape, dtype, mode)
        return _cnnkit_conv(shape, dtype, mode, naive=impl == "naive")
    if kind == "pool":
        shape, dtype = rest
        return _torch_pool(shape, dtype) if impl == "torch" else _cnnkit_pool(shape, dtype)
    if kind == "products":  # cnnkit's matrix products alone (numpy's, whoever asks)
        return _cnnkit_products(*rest)
    if kind == "train":
        from training import cnnkit_training, torch_training

        (dtype,) = rest
        return torch_training(dtype) if impl == "torch" else cnnkit_training(dtype)
    raise ValueError(f"unknown case {case!r}")


def main(impl: str, threads: int) -> None:
    if impl == "torch":
        import torch

        torch.set_num_threads(threads)
    cases: dict[str, Timed] = {}
    for line in sys.stdin:
        request = json.loads(line)
        key = json.dumps(request["case"])
        if key not in cases:
            try:
                cases[key] = build(impl, request["case"])
            except (ImportError, PeerMismatch) as error:  # a peer missing or computing wrong
                print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
                continue
            if request.get("warm_up", True):
                cases[key]()  # first-call costs (allocation, kernel selection) are not timed
        fn, times, info = cases[key], [], None
        for _ in range(request["repeats"]):
            start = time.perf_counter()
            info = fn()
            times.append(time.perf_counter() - start)
        answer = {"times": times}
        if isinstance(info, dict):  # training also reports its accuracy and losses
            answer["info"] = info
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
