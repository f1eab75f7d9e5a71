"""Train the course's digits network, in cnnkit and in PyTorch, from the same start.

Both runs use ``cnnkit.digits_cnn(seed=0)``'s initial weights, the settings in
``cnnkit.DIGITS_TRAINING``, the same train/test split, and the same minibatch order (the
permutation ``cnnkit.fit`` draws each epoch from ``np.random.default_rng(seed)``), so they
compute the same thing and their times can be compared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SEED = 0


def _data(dtype: str):
    import cnnkit

    X, y = cnnkit.load_digits()
    X_train, X_test, y_train, y_test = cnnkit.train_test_split(X, y, test_size=0.2, seed=SEED)
    return X_train.astype(dtype), X_test.astype(dtype), y_train, y_test


def _settings() -> dict:
    import cnnkit

    settings = dict(cnnkit.DIGITS_TRAINING)
    known = {"epochs", "batch_size", "lr", "momentum", "weight_decay"}
    unknown = set(settings) - known
    if unknown:
        raise ValueError(
            f"DIGITS_TRAINING has settings this benchmark does not know how to "
            f"copy to PyTorch: {sorted(unknown)}; teach benchmarks/training.py"
        )
    return settings


def _model(dtype: str):
    """The course's network with its parameters (and gradients) in ``dtype``."""
    import cnnkit

    model = cnnkit.digits_cnn(seed=SEED)
    for layer in model.layers:
        for name in layer.params:
            layer.params[name] = layer.params[name].astype(dtype)
            layer.grads[name] = layer.grads[name].astype(dtype)
    return model


def cnnkit_training(dtype: str) -> Callable[[], dict]:
    import cnnkit

    X_train, X_test, y_train, y_test = _data(dtype)
    s = _settings()

    def run() -> dict:
        model = _model(dtype)
        optimizer = cnnkit.SGD(
            model.params(),
            lr=s["lr"],
            momentum=s.get("momentum", 0.0),
            weight_decay=s.get("weight_decay", 0.0),
        )
        history = cnnkit.fit(
            model,
            X_train,
            y_train,
            s["epochs"],
            s["batch_size"],
            optimizer,
            seed=SEED,
            progress="off",
        )
        _, accuracy = cnnkit.evaluate(model, X_test, y_test)
        return {"accuracy": accuracy, "loss": history.train_loss}

    return run


def to_torch(model, dtype: str):
    """The same network as a ``torch.nn.Sequential``, with the same weights."""
    import torch
    from torch import nn

    import cnnkit

    layers = []
    for layer in model.layers:
        if isinstance(layer, cnnkit.Conv2D):
            t = nn.Conv2d(
                layer.in_channels,
                layer.out_channels,
                layer.kernel_size,
                layer.stride,
                layer.padding,
                layer.dilation,
            )
        elif isinstance(layer, cnnkit.Dense):
            t = nn.Linear(layer.in_features, layer.out_features)
        elif isinstance(layer, cnnkit.ReLU):
            t = nn.ReLU()
        elif isinstance(layer, cnnkit.MaxPool2D):
            t = nn.MaxPool2d(layer.kernel_size, layer.stride)
        elif isinstance(layer, cnnkit.Flatten):
            t = nn.Flatten()
        else:
            raise ValueError(f"no PyTorch counterpart for {layer!r}; teach benchmarks/training.py")
        t = t.to(getattr(torch, dtype))
        with torch.no_grad():
            for name, value in layer.params.items():
                getattr(t, name).copy_(torch.from_numpy(value))
        layers.append(t)
    return nn.Sequential(*layers)


def torch_training(dtype: str) -> Callable[[], dict]:
    import torch
    import torch.nn.functional as F

    X_train, X_test, y_train, y_test = (torch.from_numpy(a) for a in _data(dtype))
    s = _settings()

    def run() -> dict:
        net = to_torch(_model(dtype), dtype)
        optimizer = torch.optim.SGD(
            net.parameters(),
            lr=s["lr"],
            momentum=s.get("momentum", 0.0),
            weight_decay=s.get("weight_decay", 0.0),
        )
        rng = np.random.default_rng(SEED)  # the batch order cnnkit.fit uses
        n, losses = len(X_train), []
        for _ in range(s["epochs"]):
            order = torch.from_numpy(rng.permutation(n))
            total = 0.0
            for start in range(0, n, s["batch_size"]):
                batch = order[start : start + s["batch_size"]]
                loss = F.cross_entropy(net(X_train[batch]), y_train[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            losses.append(total / n)
        with torch.no_grad():
            accuracy = (net(X_test).argmax(1) == y_test).double().mean().item()
        return {"accuracy": accuracy, "loss": losses}

    return run
