"""What the PyTorch oracle tests share: a numpy array as a tensor, and the closeness check.

Imported by the oracle test modules after their ``pytest.importorskip("torch")``.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # also when collected for doctests without torch

import cnnkit as ck  # noqa: E402


def t(a, grad=False):
    """A torch tensor with the numpy array's dtype (a copy)."""
    return torch.tensor(np.array(a)).requires_grad_(grad)


def close(a, b, tol):
    """Same shape, and cnnkit.relative_error (largest difference / largest value) below tol."""
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    err = ck.relative_error(a, b)
    assert err < tol, f"relative error {err:.3g} >= {tol:g}"
