"""Data-parallel training across processes with ``torch.distributed``, small enough for a CPU.

Every process holds a full copy of the network and trains on its own share of each batch.
After ``loss.backward()`` PyTorch's ``DistributedDataParallel`` averages the gradients of all
processes (an all-reduce), so every process takes the very same optimizer step and the copies
stay identical. With equal shares, the average of the shares' mean gradients is the mean
gradient of the whole batch: training in parallel gives what one process would get.

:func:`ddp_demo` runs this with the ``gloo`` backend in ``world_size`` processes on this
machine and checks both facts. The worker lives in this module (not in a notebook) because
``torch.multiprocessing.spawn`` starts fresh interpreters that must import it.
PyTorch is imported only inside the functions, so ``import cnnkit`` never needs it.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import numpy as np

from .data import load_digits
from .gradcheck import relative_error
from .networks import digits_cnn

__all__ = ["ddp_demo", "digits_batch"]


def digits_batch(batch_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random batch of the shipped digits: x (B, 1, 8, 8) float64, labels (B,)."""
    X, y = load_digits()
    pick = np.random.default_rng(seed).permutation(len(X))[:batch_size]
    return X[pick], y[pick]


def _params(net: Any, grads: bool = False) -> dict[str, np.ndarray]:
    return {
        name: (p.grad if grads else p).detach().cpu().numpy().copy()
        for name, p in net.named_parameters()
    }


def _worker(
    rank: int,
    world_size: int,
    init_file: str,
    out_dir: str,
    steps: int,
    batch_size: int,
    lr: float,
    momentum: float,
    seed: int,
) -> None:
    """One process: join the group, train its share of every batch, save what it ends with."""
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from .torch_bridge import to_torch

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size
    )
    try:
        net = to_torch(digits_cnn(seed))  # every process starts from the same weights
        model = DistributedDataParallel(net)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        x, labels = digits_batch(batch_size, seed)
        share = batch_size // world_size
        mine = slice(rank * share, (rank + 1) * share)  # this process's share of the batch
        xt, yt = torch.tensor(x[mine]), torch.tensor(labels[mine])
        first_grads = None
        for _ in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt), yt)
            loss.backward()  # gradients are averaged over all processes here
            if first_grads is None:
                first_grads = _params(net, grads=True)
            optimizer.step()
        np.savez(
            os.path.join(out_dir, f"rank{rank}.npz"),
            **{"grad:" + k: v for k, v in first_grads.items()},
            **{"weight:" + k: v for k, v in _params(net).items()},
        )
    finally:
        dist.destroy_process_group()


def ddp_demo(
    world_size: int = 2,
    steps: int = 3,
    batch_size: int = 64,
    lr: float = 0.05,
    momentum: float = 0.9,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the digits network data-parallel in ``world_size`` processes, and check it.

    Each process gets ``batch_size // world_size`` digits of the same batch, runs
    ``steps`` SGD steps through ``DistributedDataParallel``, and saves its first averaged
    gradient and its final weights. The same training is then run in this process on the
    whole batch.

    Returns
    -------
    dict
        ``"grad_vs_full_batch"``: relative error between the averaged gradient of process 0
        and the full-batch gradient of one process; ``"ranks_apart"``: largest relative
        difference between the final weights of any process and process 0 (0.0 means
        bit-identical); ``"vs_single_process"``: final weights of process 0 against
        single-process full-batch training; ``"seconds"``: wall time of the parallel run.
    """
    import torch
    import torch.multiprocessing as mp

    from .torch_bridge import to_torch

    world_size, steps, batch_size = int(world_size), int(steps), int(batch_size)
    if world_size < 1 or steps < 1 or batch_size % world_size:
        raise ValueError(
            f"batch_size={batch_size} must split evenly over world_size="
            f"{world_size} processes (and steps={steps} must be at least 1)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        mp.spawn(
            _worker,
            nprocs=world_size,
            join=True,
            args=(
                world_size,
                os.path.join(tmp, "rendezvous"),
                tmp,
                steps,
                batch_size,
                lr,
                momentum,
                seed,
            ),
        )
        seconds = time.perf_counter() - start
        ranks = [dict(np.load(os.path.join(tmp, f"rank{r}.npz"))) for r in range(world_size)]
    # The same training in one process, on the whole batch.
    net = to_torch(digits_cnn(seed))
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    x, labels = digits_batch(batch_size, seed)
    xt, yt = torch.tensor(x), torch.tensor(labels)
    full_grads = None
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        if full_grads is None:
            full_grads = _params(net, grads=True)
        optimizer.step()
    single = _params(net)
    names = list(single)
    return {
        "grad_vs_full_batch": max(
            relative_error(ranks[0]["grad:" + k], full_grads[k]) for k in names
        ),
        "ranks_apart": max(
            relative_error(r["weight:" + k], ranks[0]["weight:" + k]) for r in ranks for k in names
        ),
        "vs_single_process": max(relative_error(ranks[0]["weight:" + k], single[k]) for k in names),
        "seconds": seconds,
        "world_size": world_size,
    }
