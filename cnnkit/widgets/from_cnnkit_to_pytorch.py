"""Explorer for notebook 11: pick a layer of the digits network and see its numbers computed
by cnnkit and by PyTorch side by side (the forward output or the weight gradient).

:func:`layer_twins` computes both (pure, cached), :func:`draw_layer_twins` draws them, and
:func:`twin_explorer` wires a layer menu and a choice of quantity to them. Without PyTorch
the drawing is a sentence saying how to install it.
"""

from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..gradcheck import relative_error
from ..losses import softmax_cross_entropy
from ..networks import digits_cnn
from ..torch_bridge import have_torch, to_torch, torch_missing_message
from ..torch_distributed import digits_batch
from ..viz.from_cnnkit_to_pytorch import plot_twin_arrays
from ._explorer import Explorer

__all__ = ["LAYER_NAMES", "QUANTITIES", "draw_layer_twins", "layer_twins", "twin_explorer"]

#: What the explorer can compare.
QUANTITIES = ("output", "weight gradient")
#: The digits network's layers, as the menu names them.
LAYER_NAMES = tuple(f"{i}: {layer!r}" for i, layer in enumerate(digits_cnn().layers))
_BATCH = 8


@lru_cache(maxsize=1)
def _both(seed: int = 0):
    import torch

    model = digits_cnn(seed)
    net = to_torch(model)
    x, labels = digits_batch(_BATCH, seed)
    outs = model.forward_all(x)
    model.backward(softmax_cross_entropy(outs[-1], labels)[1])
    h, theirs = torch.tensor(x), []
    for module in net:
        h = module(h)
        h.retain_grad()
        theirs.append(h)
    torch.nn.functional.cross_entropy(h, torch.tensor(labels)).backward()
    return model, net, outs, [t.detach().numpy() for t in theirs]


def layer_twins(layer: int, quantity: str) -> tuple[np.ndarray, np.ndarray]:
    """cnnkit's and PyTorch's array for one layer of the digits network on 8 digits.

    Parameters
    ----------
    layer : int
        0 to 9, the index in ``digits_cnn().layers``.
    quantity : str
        ``"output"``: the layer's output, shape (8, C, H, W) or (8, K);
        ``"weight gradient"``: the gradient of the loss for the layer's weight,
        shape (F, C, KH, KW) or (out_features, in_features).

    Raises
    ------
    ValueError
        For a layer without weights and ``"weight gradient"``, or an unknown quantity.
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r} must be one of {QUANTITIES}")
    if not 0 <= int(layer) < len(LAYER_NAMES):
        raise ValueError(f"layer={layer} must be 0 to {len(LAYER_NAMES) - 1}")
    model, net, outs, theirs = _both()
    i = int(layer)
    if quantity == "output":
        return outs[i + 1], theirs[i]  # outs[0] is the input itself
    if "weight" not in model.layers[i].grads:
        raise ValueError(
            f"{model.layers[i]!r} has no weights, so no weight gradient; pick a "
            "Conv2D or Dense layer (0, 2, 5 or 9)"
        )
    return model.layers[i].grads["weight"], net[i].weight.grad.numpy()


def _as_picture(a: np.ndarray) -> np.ndarray:
    """A 2-D view: the first map of the first digit, or one row per kernel / digit."""
    if a.ndim == 4 and a.shape[2] > 1:
        return a[0, 0] if a.shape[0] == _BATCH else a.reshape(a.shape[0], -1)
    return a.reshape(a.shape[0], -1)


def draw_layer_twins(layer: str, quantity: str) -> plt.Figure | str:
    """Draw cnnkit's and PyTorch's numbers for the layer named ``layer`` (from LAYER_NAMES)."""
    if not have_torch():
        return torch_missing_message()
    index = LAYER_NAMES.index(layer) if layer in LAYER_NAMES else int(str(layer).split(":")[0])
    ours, theirs = layer_twins(index, quantity)
    err = relative_error(ours, theirs)
    what = (
        "first map of the first digit"
        if ours.ndim == 4 and quantity == "output" and ours.shape[2] > 1
        else f"shape {ours.shape} drawn as rows"
    )
    return plot_twin_arrays(
        _as_picture(ours),
        _as_picture(theirs),
        f"layer {LAYER_NAMES[index]}, {quantity} ({what})\n"
        f"whole layer, all 8 digits: max relative error {err:.1e}",
    )


def twin_explorer(layer: int = 0, quantity: str = "output") -> Explorer:
    """A layer menu and a quantity choice wired to :func:`draw_layer_twins`."""
    controls = {
        "layer": widgets.Dropdown(
            options=LAYER_NAMES, value=LAYER_NAMES[layer], description="layer"
        ),
        "quantity": widgets.ToggleButtons(
            options=QUANTITIES, value=quantity, description="compare"
        ),
    }
    return Explorer(
        controls, draw_layer_twins, title="cnnkit and PyTorch, layer by layer", columns=2
    )
