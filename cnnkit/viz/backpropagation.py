"""Figures and worked equations for notebook 04, backpropagation.

- :func:`plot_training_cycle`: the five steps of one training iteration, drawn as a cycle;
- :func:`plot_epoch_batches` and :func:`plot_iteration_losses`: iterations and epochs;
- :func:`plot_chain`: a chain of operations with forward values and backward gradients;
- :func:`conv_equations` and :func:`plot_number_grids`: the tiny convolution, written out;
- :func:`plot_step_size_errors`: how the step ``h`` of a numerical gradient matters;
- :func:`plot_descent_paths`: gradient descent with and without momentum on a valley;
- :func:`plot_kernel_learning` and :func:`plot_learning_rates`: learning a kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from ._common import PHOTO_CMAP, SIGNED_CMAP, show_image, signed_imshow

__all__ = [
    "plot_training_cycle",
    "plot_epoch_batches",
    "plot_iteration_losses",
    "plot_chain",
    "conv_equations",
    "draw_number_grid",
    "plot_number_grids",
    "plot_step_size_errors",
    "plot_kernel_learning",
    "plot_learning_rates",
    "plot_descent_paths",
]

CYCLE_STEPS = [
    ("1  forward pass", "input -> layers -> prediction"),
    ("2  loss", "one number: how wrong?"),
    ("3  gradient of the loss", "dL/d(prediction)"),
    ("4  backward pass", "chain rule, last layer first:\ndL/dW for every layer"),
    ("5  weight update", "W <- W - lr * dL/dW"),
]


def plot_training_cycle(highlight: int | None = None) -> plt.Figure:
    """The training loop as a cycle of five boxes; ``highlight`` (1-5) colours one box."""
    fig, ax = plt.subplots(figsize=(8.5, 5.6))
    ax.set_xlim(-2.15, 2.15)
    ax.set_ylim(-1.5, 1.35)
    ax.axis("off")
    angles = np.pi / 2 - 2 * np.pi * np.arange(5) / 5  # clockwise from the top
    centres = [(1.45 * np.cos(a), 1.05 * np.sin(a)) for a in angles]
    boxes = []
    for k, ((title, detail), (cx, cy)) in enumerate(zip(CYCLE_STEPS, centres), start=1):
        face = "#ffe9a8" if k == highlight else "#e8f0fb"
        box = FancyBboxPatch(
            (cx - 0.6, cy - 0.24),
            1.2,
            0.48,
            facecolor=face,
            edgecolor="#2a5599",
            boxstyle="round,pad=0.03",
        )
        ax.add_patch(box)
        boxes.append(box)
        ax.text(cx, cy + 0.1, title, ha="center", va="center", fontsize=10.5, fontweight="bold")
        ax.text(cx, cy - 0.08, detail, ha="center", va="center", fontsize=8.5, linespacing=1.1)
    for k in range(5):
        a, b = (k, (k + 1) % 5)
        ax.add_patch(
            FancyArrowPatch(
                centres[a],
                centres[b],
                patchA=boxes[a],
                patchB=boxes[b],
                arrowstyle="-|>",
                mutation_scale=18,
                color="#2a5599",
                lw=1.8,
                shrinkA=3,
                shrinkB=3,
                connectionstyle="arc3,rad=-0.2",
            )
        )
    ax.text(0, 0.08, "one iteration", ha="center", fontsize=12, fontweight="bold")
    ax.text(0, -0.14, "then repeat with the next batch", ha="center", fontsize=9.5, style="italic")
    ax.set_title("The training loop")
    fig.tight_layout()
    return fig


def plot_epoch_batches(n_examples: int, batch_size: int) -> plt.Figure:
    """One epoch cut into batches (minibatches): each coloured block is one iteration."""
    if n_examples < 1 or batch_size < 1:
        raise ValueError(f"n_examples={n_examples} and batch_size={batch_size} must be >= 1")
    iterations = -(-n_examples // batch_size)
    fig, ax = plt.subplots(figsize=(10, 2.3))
    for k in range(iterations):
        start = k * batch_size
        size = min(batch_size, n_examples - start)
        last = k == iterations - 1 and size < batch_size
        ax.add_patch(
            Rectangle(
                (start, 0),
                size,
                1,
                facecolor="#f4a261" if last else ("#8ab6e8" if k % 2 else "#2a6fbb"),
                edgecolor="white",
                lw=0.6,
            )
        )
    ax.set_xlim(0, n_examples)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("training examples (shuffled once per epoch)")
    last_size = n_examples - (iterations - 1) * batch_size
    ax.set_title(
        f"{n_examples:,} examples, batch size {batch_size}: {iterations} iterations "
        f"= 1 epoch (last batch: {last_size} examples)"
    )
    fig.tight_layout()
    return fig


def plot_iteration_losses(losses: Sequence[float], per_epoch: int) -> plt.Figure:
    """Loss after every iteration, with the epochs marked."""
    losses = np.asarray(losses, dtype=float)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    steps = np.arange(1, len(losses) + 1)
    ax.plot(steps, losses, color="#2a6fbb", lw=1, label="loss of each batch (one iteration)")
    n_epochs = -(-len(losses) // per_epoch)
    means = [losses[e * per_epoch : (e + 1) * per_epoch].mean() for e in range(n_epochs)]
    for e, m in enumerate(means):
        lo, hi = e * per_epoch + 1, min((e + 1) * per_epoch, len(losses))
        ax.hlines(
            m, lo, hi, color="#d62728", lw=2.5, label="mean loss of the epoch" if e == 0 else None
        )
        ax.text(
            (lo + hi) / 2,
            0.97,
            f"epoch {e + 1}",
            ha="center",
            va="top",
            fontsize=10,
            transform=ax.get_xaxis_transform(),
        )
        if e:
            ax.axvline(lo - 0.5, color="gray", ls="--", lw=1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cross-entropy loss")
    ax.set_xlim(0, len(losses) + 1)
    ax.legend(loc="center right")
    ax.set_title(f"{len(losses)} iterations = {n_epochs} epochs of {per_epoch} iterations")
    fig.tight_layout()
    return fig


def plot_chain(
    names: Sequence[str], values: Sequence[float], grads: Sequence[float], ops: Sequence[str]
) -> plt.Figure:
    """A chain of operations: forward values left to right, gradients right to left.

    Parameters
    ----------
    names, values, grads : sequences of length K
        Each quantity's name, its value in the forward pass and ``dL/d(quantity)``.
    ops : sequence of length K - 1
        The operation between quantity k and k + 1, with its local derivative.
    """
    k = len(names)
    if not (len(values) == len(grads) == k and len(ops) == k - 1):
        raise ValueError("names, values and grads need one entry per quantity, ops one fewer")
    fig, ax = plt.subplots(figsize=(2.6 * k, 2.5))
    ax.set_xlim(-0.6, 2 * (k - 1) + 0.6)
    ax.set_ylim(-1.15, 0.95)
    ax.axis("off")
    for i, (name, value, grad) in enumerate(zip(names, values, grads)):
        x = 2 * i
        ax.add_patch(
            FancyBboxPatch(
                (x - 0.45, -0.28),
                0.9,
                0.56,
                boxstyle="round,pad=0.02",
                facecolor="#e8f0fb",
                edgecolor="#2a5599",
            )
        )
        ax.text(x, 0.07, name, ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(x, -0.14, f"= {value:g}", ha="center", va="center", fontsize=10)
        ax.text(
            x, -0.62, f"dL/d{name}\n= {grad:g}", ha="center", va="top", fontsize=10, color="#c0392b"
        )
    for i, op in enumerate(ops):
        x0, x1 = 2 * i + 0.5, 2 * i + 1.5
        ax.annotate("", (x1, 0.12), (x0, 0.12), arrowprops={"arrowstyle": "-|>", "color": "k"})
        ax.annotate(
            "", (x0, -0.12), (x1, -0.12), arrowprops={"arrowstyle": "-|>", "color": "#c0392b"}
        )
        ax.text(2 * i + 1, 0.3, op, ha="center", va="bottom", fontsize=9.5, linespacing=1.2)
    ax.text(-0.5, 0.9, "forward: values, left to right", fontsize=10, va="top")
    ax.text(
        -0.5,
        -1.12,
        "backward: gradients (red), right to left; each = the gradient on "
        "its right x the local derivative",
        fontsize=10,
        color="#c0392b",
        va="bottom",
    )
    ax.set_title("The chain rule, one step at a time")
    fig.tight_layout()
    return fig


def _conv_terms(input_shape: tuple[int, int], kernel_shape: tuple[int, int]):
    """Every product of a stride-1 convolution: (i, j, r, c, a, b) means that
    out[i, j] contains x[r, c] * w[a, b]."""
    (h, w), (kh, kw) = input_shape, kernel_shape
    if not (1 <= kh <= h and 1 <= kw <= w):
        raise ValueError(f"kernel_shape={kernel_shape} must fit inside input_shape={input_shape}")
    return [
        (i, j, i + a, j + b, a, b)
        for i in range(h - kh + 1)
        for j in range(w - kw + 1)
        for a in range(kh)
        for b in range(kw)
    ]


def conv_equations(
    input_shape: tuple[int, int], kernel_shape: tuple[int, int], wrt: str = "out"
) -> list[str]:
    """The sums of products of a small convolution (stride 1, no padding), written out.

    Parameters
    ----------
    input_shape, kernel_shape : (int, int)
    wrt : {"out", "weight", "input"}
        ``"out"``: each output as a sum of products. ``"weight"``: ``dW[a,b]``, collecting
        every product that holds ``w[a,b]``. ``"input"``: ``dx[r,c]``, collecting every
        product that holds ``x[r,c]``. Each collected term is ``dout`` of its output times
        the derivative of the product (the other factor): the chain rule.

    Examples
    --------
    >>> conv_equations((3, 3), (2, 2), "input")[0]
    'dx[0,0] = dout[0,0]*w[0,0]'
    """
    terms = _conv_terms(input_shape, kernel_shape)
    lines: dict[tuple[int, int], list[str]] = {}
    for i, j, r, c, a, b in terms:
        if wrt == "out":
            lines.setdefault((i, j), []).append(f"x[{r},{c}]*w[{a},{b}]")
        elif wrt == "weight":
            lines.setdefault((a, b), []).append(f"dout[{i},{j}]*x[{r},{c}]")
        elif wrt == "input":
            lines.setdefault((r, c), []).append(f"dout[{i},{j}]*w[{a},{b}]")
        else:
            raise ValueError(f"wrt={wrt!r} must be 'out', 'weight' or 'input'")
    head = {"out": "y", "weight": "dW", "input": "dx"}[wrt]
    return [f"{head}[{p},{q}] = " + " + ".join(parts) for (p, q), parts in sorted(lines.items())]


def draw_number_grid(
    ax: plt.Axes,
    values: np.ndarray,
    title: str = "",
    fmt: str = "{:g}",
    limit: float | None = None,
    fontsize: float = 11,
) -> plt.Axes:
    """Draw a small 2-D array as coloured cells with each value written in its cell.

    The course's signed colours (blue negative, red positive, white zero), pale so the
    numbers stay readable; the numbers written in the cells label the colours. ``limit``
    fixes the colour scale.
    """
    values = np.asarray(values, dtype=float)
    lim = limit if limit else (float(np.abs(values).max()) or 1.0)
    ax.imshow(values, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim, alpha=0.6)
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=fontsize)
    rows, cols = values.shape
    ax.hlines(np.arange(rows + 1) - 0.5, -0.5, cols - 0.5, color="k", lw=0.8)
    ax.vlines(np.arange(cols + 1) - 0.5, -0.5, rows - 0.5, color="k", lw=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_number_grids(
    rows: Sequence[Sequence[tuple[str, np.ndarray]]],
    between: Sequence[Sequence[str]] | None = None,
    size: float = 2.3,
    title: str = "",
) -> plt.Figure:
    """Rows of small number grids, e.g. ``x``, ``w`` and their output side by side.

    Parameters
    ----------
    rows : list of rows, each a list of (title, 2-D array)
    between : list of rows of str, optional
        A symbol written between consecutive panels of a row ("*", "=").
    title : str
        A title above the whole figure.
    """
    ncols = max(len(r) for r in rows)
    big = max(max(np.shape(a)) for row in rows for _, a in row)
    fig, axes = plt.subplots(
        len(rows),
        ncols,
        figsize=(size * ncols, size * len(rows) + 0.3 + 0.3 * bool(title)),
        squeeze=False,
    )
    if title:
        fig.suptitle(title)
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            if c >= len(row):
                ax.axis("off")
                continue
            values = np.asarray(row[c][1])
            draw_number_grid(ax, values, row[c][0])
            # The same cell size in every panel: a 2x2 grid looks smaller than a 3x3 one.
            dh, dw = (big - values.shape[0]) / 2, (big - values.shape[1]) / 2
            ax.set_xlim(-0.5 - dw, values.shape[1] - 0.5 + dw)
            ax.set_ylim(values.shape[0] - 0.5 + dh, -0.5 - dh)
            for spine in ax.spines.values():
                spine.set_visible(False)
    fig.tight_layout(w_pad=3.0)
    if between:
        for r, symbols in enumerate(between):
            for c, symbol in enumerate(symbols):
                left, right = axes[r][c].get_position(), axes[r][c + 1].get_position()
                fig.text(
                    (left.x1 + right.x0) / 2,
                    (left.y0 + left.y1) / 2,
                    symbol,
                    ha="center",
                    va="center",
                    fontweight="bold",
                    fontsize=32 if symbol in ("⋆", "*") else 20,
                )
    return fig


def plot_step_size_errors(steps: Sequence[float], errors: Sequence[float]) -> plt.Figure:
    """Relative error of a numerical gradient against the step ``h`` (log-log)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    errors = np.maximum(np.asarray(errors, dtype=float), 1e-17)
    ax.loglog(steps, errors, "o-", color="#2a6fbb")
    ax.axhline(1e-7, color="#d62728", ls="--", lw=1)
    ax.text(min(steps), 7e-8, "below 1e-7: a passing check", color="#d62728", fontsize=9, va="top")
    ax.set_xlabel("step h of the central difference")
    ax.set_ylabel("relative error vs backward")
    ax.set_title("Too large an h: curvature errors. Too small: rounding errors.")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


#: A loss of exactly 0 cannot be drawn on a log scale; it is drawn at this value instead.
LOSS_FLOOR = 1e-40


def _loss_axes(ax: plt.Axes, losses: np.ndarray, label: str = "", color: str = "#2a6fbb"):
    floor = LOSS_FLOOR
    ax.semilogy(
        np.arange(len(losses)),
        np.maximum(losses, floor),
        color=color,
        lw=1.8,
        marker="o" if len(losses) < 2 else None,
        label=label or None,
    )
    ax.set_xlabel("step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("loss (log scale)")
    ax.grid(True, which="major", alpha=0.3)


def plot_kernel_learning(
    run, photo: np.ndarray, photo_target: np.ndarray, photo_current: np.ndarray
) -> plt.Figure:
    """The explorer's picture: kernels, loss curve, and both kernels applied to a photo.

    Parameters
    ----------
    run : KernelRun
        From :func:`cnnkit.widgets.learn_kernel`.
    photo, photo_target, photo_current : 2-D ndarray
        A photo, and what the target and the current kernel make of it.
    """
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 6.8))
    lim = float(np.abs(run.target_kernel).max())
    big = float(np.abs(run.kernel).max()) >= 100
    draw_number_grid(
        axes[0, 0],
        run.kernel,
        f"current kernel (step {run.steps_done})",
        fmt="{:.1e}" if big else "{:.2f}",
        limit=lim,
        fontsize=8 if big else 10,
    )
    draw_number_grid(
        axes[0, 1], run.target_kernel, f"target: {run.target}", fmt="{:.2f}", limit=lim, fontsize=10
    )
    ax = axes[0, 2]
    _loss_axes(ax, run.losses)
    ax.set_title(f"loss, learning rate {run.lr:.3g}")
    ax.set_xlim(-0.5, max(run.steps_done, 1) + 0.5)
    if run.diverged_at is not None:
        ax.text(
            0.05,
            0.95,
            f"loss blew up at step {run.diverged_at}:\nlearning rate too large,\ntraining stopped",
            transform=ax.transAxes,
            ha="left",
            va="top",
            color="#c0392b",
            fontsize=10,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "#c0392b"},
        )
    out_lim = float(np.abs(photo_target).max()) or 1.0
    show_image(axes[1, 0], photo, "photo (not used for training)", cmap=PHOTO_CMAP)
    signed_imshow(
        axes[1, 1], photo_current, "current kernel on the photo", limit=out_lim, colorbar=False
    )
    im = signed_imshow(
        axes[1, 2], photo_target, "target kernel on the photo", limit=out_lim, colorbar=False
    )
    fig.suptitle(
        f"Learning the {run.target} kernel from {run.train_on}: step "
        f"{run.steps_done}, loss {run.losses[-1]:.2e}",
        fontsize=12,
    )
    # Fixed margins instead of tight_layout: the same layout every time, and much faster.
    fig.subplots_adjust(left=0.03, right=0.93, bottom=0.04, top=0.9, wspace=0.3, hspace=0.28)
    bar = fig.add_axes((0.945, 0.06, 0.012, 0.36))
    fig.colorbar(im, cax=bar).set_label("kernel output (0 = white)")
    return fig


def plot_learning_rates(runs: Sequence) -> plt.Figure:
    """Loss curves of several :class:`KernelRun` runs that differ in learning rate."""
    fig, ax = plt.subplots(figsize=(7.5, 4))
    colors = [plt.get_cmap("tab10")(i % 10) for i in range(len(runs))]
    for run, color in zip(runs, colors):
        label = f"lr = {run.lr:g}" + (
            f" (blew up at step {run.diverged_at})" if run.diverged_at is not None else ""
        )
        _loss_axes(ax, run.losses, label, color)
    ax.set_title("Same start, same data, different learning rates")
    if any(np.min(run.losses) < LOSS_FLOOR for run in runs):
        ax.text(
            0.99,
            0.97,
            f"a loss below {LOSS_FLOOR:.0e} is drawn at {LOSS_FLOOR:.0e}",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8,
            color="gray",
        )
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_descent_paths(
    paths: Sequence[tuple[str, np.ndarray]], curvature: Sequence[float], ax: plt.Axes | None = None
) -> plt.Axes:
    """Paths of gradient descent on the valley ``L(w) = (c0 w0**2 + c1 w1**2) / 2``.

    Parameters
    ----------
    paths : list of (label, points)
        ``points`` has shape (steps + 1, 2): the two weights after every step.
    curvature : (c0, c1)
        The valley's steepness along each weight (the contour lines are drawn from it).
    ax : Axes, optional
        A new 8 x 3.6 inch figure otherwise.
    """
    c0, c1 = (float(c) for c in curvature)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.6))
    every = np.concatenate([np.asarray(p, dtype=float) for _, p in paths])
    span0 = max(1.0, float(np.abs(every[:, 0]).max())) * 1.1
    span1 = max(1.0, float(np.abs(every[:, 1]).max())) * 1.1
    g0, g1 = np.meshgrid(np.linspace(-span0, span0, 200), np.linspace(-span1, span1, 200))
    ax.contour(g0, g1, (c0 * g0**2 + c1 * g1**2) / 2, levels=12, colors="#bbbbbb", linewidths=0.7)
    colors = [plt.get_cmap("tab10")(i % 10) for i in range(len(paths))]
    for (label, points), color in zip(paths, colors):
        points = np.asarray(points, dtype=float)
        ax.plot(points[:, 0], points[:, 1], "o-", ms=2.5, lw=1.2, color=color, label=label)
    ax.plot(0, 0, "k*", ms=12, label="lowest loss")
    ax.set_xlabel("weight w0 (gentle slope)")
    ax.set_ylabel("weight w1 (steep slope)")
    ax.set_title("Gradient descent on a long, narrow valley (grey: lines of equal loss)")
    ax.legend(fontsize=8, loc="lower right")
    ax.figure.tight_layout()
    return ax
