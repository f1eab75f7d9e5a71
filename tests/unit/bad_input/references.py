"""References for the bad-input cases: PyTorch itself when it is installed, else
cnnkit's loop versions (which the oracle tests hold equal to PyTorch)."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

import cnnkit as ck

from .table import *  # noqa: F403
from .table import _fail, _timed, _with  # noqa: F401


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is optional
        return None
    return torch


def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1):
    torch = _torch()
    if torch is None:
        return ck.conv2d_naive(x, w, b, stride, padding, dilation)
    t = lambda a: None if a is None else torch.from_numpy(np.array(a, dtype=float))  # noqa: E731
    return torch.nn.functional.conv2d(t(x), t(w), t(b), stride, padding, dilation).numpy()


def ref_conv_backward(dout, x, w, stride=1, padding=0, dilation=1):
    torch = _torch()
    if torch is None:
        return ck.conv2d_backward_naive(dout, x, w, stride, padding, dilation)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    tw = torch.tensor(np.array(w, float), requires_grad=True)
    out = torch.nn.functional.conv2d(tx, tw, None, stride, padding, dilation)
    out.backward(torch.from_numpy(np.array(dout, float)))
    return tx.grad.numpy(), tw.grad.numpy(), np.array(dout, float).sum(axis=(0, 2, 3))


def ref_pool(kind, x, k, s=None):
    torch = _torch()
    if torch is None:
        return getattr(ck, f"{kind}_pool2d_naive")(x, k, s)
    fn = getattr(torch.nn.functional, f"{kind}_pool2d")
    return fn(torch.from_numpy(np.array(x, float)), k, s).numpy()


def ref_pool_backward(kind, dout, x, k, s=None):
    torch = _torch()
    if torch is None:
        return getattr(ck, f"{kind}_pool2d_backward_naive")(dout, x, k, s)
    tx = torch.tensor(np.array(x, float), requires_grad=True)
    getattr(torch.nn.functional, f"{kind}_pool2d")(tx, k, s).backward(
        torch.from_numpy(np.array(dout, float))
    )
    return tx.grad.numpy()


def ref_softmax(z, log=False):
    torch = _torch()
    if torch is None:
        z = np.asarray(z, float)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        return np.log(p) if log else p
    fn = torch.log_softmax if log else torch.softmax
    return fn(torch.from_numpy(np.array(z, float)), dim=-1).numpy()


def ref_cross_entropy(z, y):
    torch = _torch()
    if torch is None:
        p = ref_softmax(z)
        n = len(y)
        d = p.copy()
        d[np.arange(n), y] -= 1
        return float(-np.log(p[np.arange(n), y]).mean()), d / n
    tz = torch.tensor(np.array(z, float), requires_grad=True)
    loss = torch.nn.functional.cross_entropy(tz, torch.from_numpy(np.asarray(y)))
    loss.backward()
    return float(loss), tz.grad.numpy()
