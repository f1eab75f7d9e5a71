"""Turn the benchmark's rows into a markdown table and a bar chart."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
from shapes import CONV_SHAPES, NAIVE_BATCH, POOL_KERNEL  # noqa: E402

#: The speed goals (float32, cnnkit time / PyTorch time; lower is better).
TARGETS = {
    ("conv", "fwd+bwd", "A"): 0.8,
    ("conv", "fwd+bwd", "B"): 0.8,
    ("conv", "fwd+bwd", "C"): 2.0,
    ("conv", "fwd+bwd", "D"): 0.8,
    ("train", "train", "digits"): 1.5,
}
#: conv2d must beat conv2d_naive by at least this much (float32) on these shapes.
SPEEDUP_TARGETS = {"B": 10.0, "D": 10.0}
#: The numpy peers (peers.py), timed on float32 convolution forward + backward and pooling.
PEER_NAMES = {"chainer": "chainer", "numpy-ml": "numpy-ml"}


def conv_flops(shape: str, mode: str) -> float:
    """Multiply-adds x 2 of one convolution call (x 3 for forward + backward: the forward
    product, dweight and dx each do as many)."""
    spec = CONV_SHAPES[shape]
    oh, ow = spec.out_hw
    forward = 2 * spec.batch * spec.out_channels * oh * ow * spec.in_channels * spec.kernel**2
    return forward * (3 if mode == "fwd+bwd" else 1)


def peak_flops() -> float:
    from worker import PEAK_SIZE

    return 2 * PEAK_SIZE**3


def _gflops(flops: float, seconds: float) -> str:
    return (
        f"{flops / seconds / 1e9:.0f}"
        if flops / seconds >= 1e10
        else f"{flops / seconds / 1e9:.2g}"
    )


def _spread_ms(row: dict, name: str) -> str:
    t = row["times"].get(name)
    if t is None:
        return "-"
    return f"{_ms(t['median'])} ({_ms(t['low'])}-{_ms(t['high'])})"


def _spread_s(row: dict, name: str) -> str:
    t = row["times"][name]
    return f"{t['median']:.2f} ({t['low']:.2f}-{t['high']:.2f})"


def _paired(row: dict, name: str, other: str) -> tuple[float, float, float]:
    """Median, lowest and highest over rounds of name's time / other's time in one round."""
    pairs = [a / b for a, b in zip(row["round_times"][name], row["round_times"][other])]
    return statistics.median(pairs), min(pairs), max(pairs)


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.3g}"


def _ratio(row: dict) -> str:
    low, high = row["ratio_range"]
    return f"**{row['ratio']:.2f}x** ({low:.2f}-{high:.2f})"


def _best(row: dict) -> str:
    return f"{row['best_ratio']:.2f}x"


def _header(machine: dict, rows: list[dict]) -> list[str]:
    pools = machine.get("thread_pools", "not read")
    if isinstance(pools, dict):
        pools = "; ".join(f"{who}: {text}" for who, text in pools.items())
    lines = [
        "# Speed: cnnkit against its loop versions, PyTorch and the numpy peers",
        "",
        f"Measured {machine['date']} with `benchmarks/run.py --threads {machine['threads']}` "
        f"(`make bench` runs it with 2), {machine['threads']} thread(s) per implementation, "
        f"{machine['rounds']} alternating rounds, {machine['seconds']} s in all.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores; load average "
        f"{machine['load']} (the machine was shared: ratios matter, not absolute times)",
        f"- Python {machine['python']}; numpy {machine['numpy']} with {machine['numpy_blas']}"
        + _coretype(machine),
        f"- PyTorch {machine['torch']} ({machine.get('torch_backends', '')})",
        f"- Thread pools loaded (threadpoolctl): {pools}",
    ]
    for row in rows:
        if row["kind"] == "peak":
            flops = peak_flops()
            rates = {
                name: (
                    f"{_gflops(flops, t['median'])} GFLOP/s "
                    f"({_gflops(flops, t['high'])}-{_gflops(flops, t['low'])})"
                )
                for name, t in row["times"].items()
            }
            lines.append(
                f"- Peak float32 matrix-product rate (one {_peak_size()}x{_peak_size()} "
                f"product, median of rounds, lowest-highest round): numpy {rates['cnnkit']}, "
                f"PyTorch {rates['torch']}"
            )
    return lines + [
        "",
        "Every implementation runs in its own process with OMP/MKL/OPENBLAS_NUM_THREADS and "
        "`torch.set_num_threads` set to the same count. Times are medians over rounds (each "
        "round's value is its fastest call, the one least disturbed by other programs), with "
        "the lowest and highest round in brackets. **cnnkit / PyTorch** is the median over "
        "rounds of the two times measured in the same round (lower is better; below 1 means "
        "cnnkit is faster), with the lowest and highest round in brackets; **best calls** "
        "is the ratio of the two fastest calls of all rounds. GFLOP/s counts 2 x the "
        "multiply-adds of the convolution (x 3 for forward + backward) over the median time. "
        f"`conv2d_naive` is pure Python loops: it is timed on {NAIVE_BATCH} images and scaled "
        "to the batch (its time grows linearly with the batch).",
        "",
    ]


def _coretype(machine: dict) -> str:
    """Who chose OpenBLAS's kernels: OpenBLAS itself, or OPENBLAS_CORETYPE in the environment."""
    chosen = machine.get("openblas_coretype")
    if not chosen:
        return " (OpenBLAS's own choice for this CPU)"
    return (
        f" (forced by OPENBLAS_CORETYPE={chosen} in the environment; unset it, and "
        "OPENBLAS_L2_SIZE, to time the kernels OpenBLAS picks for this CPU)"
    )


def _peak_size() -> int:
    from worker import PEAK_SIZE

    return PEAK_SIZE


def _conv_table(rows: list[dict], mode: str) -> list[str]:
    title = {
        "fwd": "Convolution, forward",
        "fwd+bwd": "Convolution, forward + backward (gradients of input, weight, bias)",
    }
    what = {
        "fwd": "`conv2d_naive` / `conv2d` / `F.conv2d` under `no_grad`",
        "fwd+bwd": "`conv2d_naive` + `conv2d_backward_naive` / `Conv2D.forward` + "
        "`.backward` / `F.conv2d` + `.backward()`",
    }
    lines = [
        f"## {title[mode]}",
        "",
        f"Compared: {what[mode]}.",
        "",
        "| shape | input, kernels | dtype | naive (ms) | cnnkit (ms) | PyTorch (ms) "
        "| GFLOP/s cnnkit / PyTorch | cnnkit / PyTorch | best calls | naive / cnnkit |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["kind"] == "conv" and row["mode"] == mode:
            spec = CONV_SHAPES[row["shape"]]
            flops = conv_flops(row["shape"], mode)
            lines.append(
                f"| {row['shape']} ({spec.label}) | {spec.describe()} | {row['dtype']} "
                f"| {_spread_ms(row, 'naive')} | {_spread_ms(row, 'cnnkit')} "
                f"| {_spread_ms(row, 'torch')} "
                f"| {_gflops(flops, row['cnnkit'])} / {_gflops(flops, row['torch'])} "
                f"| {_ratio(row)} | {_best(row)} | {row['speedup']:,.0f}x |"
            )
    return lines + [""]


def _peer_table(rows: list[dict]) -> list[str]:
    """float32 forward + backward of every implementation that ran, and pooling."""
    names = ["cnnkit", "torch", *PEER_NAMES]
    label = {"cnnkit": "cnnkit", "torch": "PyTorch", **PEER_NAMES}
    lines = [
        "## cnnkit, PyTorch and the numpy peers (float32, forward + backward)",
        "",
        "The peers install from PyPI (`make bench` installs the versions in "
        "`requirements-bench.txt`); each is first checked against PyTorch on the same "
        "numbers (output and every gradient, within 1e-4 of the largest value) and timed "
        "only if it agrees. chainer: `F.convolution_2d` / `F.max_pooling_2d` on numpy arrays "
        "(its CPU path); numpy-ml: its `Conv2D` / `Pool2D` layers, in their own (N, H, W, C) "
        "layout. A call slower than 0.3 s is timed in 3 rounds only. Each cell: ms, median "
        "(lowest-highest round); GFLOP/s for the convolutions; time / PyTorch's time.",
        "",
        "| case | " + " | ".join(label[n] for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for row in rows:
        if row["dtype"] != "float32" or (row["kind"], row["mode"]) not in (
            ("conv", "fwd+bwd"),
            ("pool", "fwd+bwd"),
        ):
            continue
        case = f"{'conv' if row['kind'] == 'conv' else 'max pool'} {row['shape']}"
        cells = []
        for name in names:
            if name in row["times"]:
                text = _spread_ms(row, name)
                if row["kind"] == "conv":
                    flops = conv_flops(row["shape"], "fwd+bwd")
                    text += f"; {_gflops(flops, row['times'][name]['median'])} GFLOP/s"
                if name != "torch":
                    text += f"; {row['ratios'][name]['median']:.2f}x"
                cells.append(text)
            else:
                cells.append(row["errors"].get(name, "not run").replace("|", "/"))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return lines + [""]


def _pool_table(rows: list[dict]) -> list[str]:
    lines = [
        f"## Max pooling {POOL_KERNEL}x{POOL_KERNEL}, stride {POOL_KERNEL}, forward + backward",
        "",
        "On the feature maps each convolution above outputs (after a ReLU): "
        "`MaxPool2D.forward` + `.backward` against `F.max_pool2d` + `.backward()`.",
        "",
        "| maps of | feature maps | dtype | cnnkit (ms) | PyTorch (ms) | cnnkit / PyTorch "
        "| best calls |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["kind"] == "pool":
            spec = CONV_SHAPES[row["shape"]]
            maps = f"{spec.batch}x{spec.out_channels}x{spec.out_hw[0]}x{spec.out_hw[1]}"
            lines.append(
                f"| {row['shape']} | {maps} | {row['dtype']} | {_spread_ms(row, 'cnnkit')} "
                f"| {_spread_ms(row, 'torch')} | {_ratio(row)} | {_best(row)} |"
            )
    return lines + [""]


def _train_rounds(rows: list[dict]) -> str:
    counts = sorted({len(r["round_times"]["cnnkit"]) for r in rows if r["kind"] == "train"})
    return " or ".join(str(c) for c in counts) or "no"


def _training_table(rows: list[dict]) -> list[str]:
    lines = [
        "## Training the course's digits network",
        "",
        "`cnnkit.digits_cnn(0)` trained with `cnnkit.DIGITS_TRAINING` on 80% of the digits "
        "(`train_test_split(X, y, test_size=0.2, seed=0)`), accuracy on the other 20%. "
        "PyTorch trains the same network from the same initial weights with the same "
        "minibatch order (`benchmarks/training.py`). Each training run is one round: "
        f"{_train_rounds(rows)} rounds, so its range rests on that many values.",
        "",
        "| dtype | cnnkit (s) | PyTorch (s) | cnnkit / PyTorch | best runs "
        "| test accuracy cnnkit | test accuracy PyTorch "
        "| last epoch's training loss cnnkit / PyTorch |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row["kind"] == "train":
            ours, theirs = row["info"]["cnnkit"], row["info"]["torch"]
            lines.append(
                f"| {row['dtype']} | {_spread_s(row, 'cnnkit')} | {_spread_s(row, 'torch')} "
                f"| {_ratio(row)} "
                f"| {_best(row)} | {ours['accuracy']:.2%} | {theirs['accuracy']:.2%} "
                f"| {ours['loss'][-1]:.6g} / {theirs['loss'][-1]:.6g} |"
            )
    return lines + [""]


def _verdict(measured: float, goal: float) -> str:
    """'met', or by how much the goal is missed (how many times faster cnnkit must get)."""
    if measured <= goal:
        return "met"
    return f"missed by {measured / goal:.2f}x ({measured - goal:.2f} over)"


def _rounds_over(row: dict, goal: float) -> str:
    """For a met goal: how many rounds were over it (a median can hide them)."""
    ratios = [a / b for a, b in zip(row["round_times"]["cnnkit"], row["round_times"]["torch"])]
    over = sum(r > goal for r in ratios)
    return f" ({over} of {len(ratios)} rounds over the goal)" if over else ""


def _why(row: dict) -> str:
    """Why a convolution target is missed: what its matrix products alone take."""
    products, rest = row["products"]["median"], row["cnnkit"] - row["products"]["median"]
    return (
        f"; why: its three matrix products alone (the same sizes, timed on their own) take "
        f"{_ms(products)} ms, {row['products_ratio']:.2f}x PyTorch's whole step; the rest "
        f"of the step (total minus products: column copy, col2im, layouts) takes "
        f"{_ms(max(rest, 0.0))} ms, in numpy's element-wise steps, which run on one thread"
    )


def _targets(rows: list[dict]) -> list[str]:
    lines = [
        "## Targets (float32)",
        "",
        "Ratios are cnnkit's time / the other's time, median of the alternating rounds "
        "(lowest-highest round); below the goal is met.",
        "",
        "| goal | measured | verdict | best calls |",
        "|---|---:|---|---:|",
    ]
    for row in rows:
        if row["dtype"] != "float32":
            continue
        goal = TARGETS.get((row["kind"], row["mode"], row["shape"]))
        if goal is not None:
            kind = {"conv": f"convolution {row['mode']}", "train": "training"}[row["kind"]]
            verdict = _verdict(row["ratio"], goal)
            if verdict == "met":
                verdict += _rounds_over(row, goal)
            elif "products" in row:
                verdict += _why(row)
            lines.append(
                f"| {kind} {row['shape']}: cnnkit / PyTorch <= {goal:g} | {_ratio(row)} "
                f"| {verdict} | {_best(row)} |"
            )
        need = SPEEDUP_TARGETS.get(row["shape"])
        if row["kind"] == "conv" and row["mode"] == "fwd" and need is not None:
            met = "met" if row["speedup"] >= need else f"missed by {need / row['speedup']:.2f}x"
            lines.append(
                f"| conv2d at least {need:g}x faster than conv2d_naive, {row['shape']} "
                f"| {row['speedup']:,.0f}x | {met} | |"
            )
        if (row["kind"], row["mode"]) in (("conv", "fwd+bwd"), ("pool", "fwd+bwd")):
            kind = "convolution fwd+bwd" if row["kind"] == "conv" else "max pool fwd+bwd"
            for peer in PEER_NAMES:
                if peer not in row["round_times"]:
                    reason = row["errors"].get(peer, "not run (run.py --no-peers)")
                    lines.append(
                        f"| {kind} {row['shape']}: ahead of {peer} | - | not measured: "
                        f"{reason.replace('|', '/')} | |"
                    )
                    continue
                median, low, high = _paired(row, "cnnkit", peer)
                lines.append(
                    f"| {kind} {row['shape']}: ahead of {peer} (cnnkit / {peer} < 1) "
                    f"| **{median:.3g}x** ({low:.3g}-{high:.3g}) "
                    f"| {'met' if median < 1 else f'missed by {median:.2f}x'} | |"
                )
    return lines + [""]


def plot(rows: list[dict], path: Path) -> None:
    """Bars of cnnkit / PyTorch per case and dtype (log scale; the dashed line is parity)."""
    groups = [
        ("conv", "fwd", "conv forward"),
        ("conv", "fwd+bwd", "conv forward+backward"),
        ("pool", "fwd+bwd", "max pool forward+backward"),
    ]
    labels, values = [], {"float32": [], "float64": []}
    for kind, mode, name in groups:
        for shape in CONV_SHAPES:
            labels.append(f"{name} {shape}")
            for dtype in values:
                match = [
                    r
                    for r in rows
                    if (r["kind"], r["mode"], r["shape"], r["dtype"]) == (kind, mode, shape, dtype)
                ]
                values[dtype].append(match[0]["ratio"] if match else float("nan"))
    for row in rows:
        if row["kind"] == "train" and row["dtype"] == "float32":
            labels.append("training the digits network")
            for dtype in values:
                match = [r for r in rows if r["kind"] == "train" and r["dtype"] == dtype]
                values[dtype].append(match[0]["ratio"] if match else float("nan"))

    fig, ax = plt.subplots(figsize=(8, 0.42 * len(labels) + 1.4))
    height = 0.38
    for k, (dtype, color) in enumerate((("float32", "#3572b0"), ("float64", "#a8c6e6"))):
        ys = [i + (k - 0.5) * height for i in range(len(labels))]
        ax.barh(ys, values[dtype], height=height, color=color, label=dtype)
        for y, v in zip(ys, values[dtype]):
            if v == v:  # not NaN
                ax.text(v * 1.03, y, f"{v:.2f}", va="center", fontsize=7)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    finite = [v for vs in values.values() for v in vs if v == v and v > 0] or [1.0]
    low, high = min(0.5, min(finite)) / 1.3, max(2.0, max(finite)) * 1.5  # room for labels
    ax.set_xlim(low, high)
    ax.set_xticks(
        [t for t in (0.01, 0.03, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 100) if low <= t <= high]
    )
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("cnnkit time / PyTorch time (log scale; below 1 = cnnkit faster)")
    ax.set_title("cnnkit against PyTorch, same thread count")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(rows: list[dict], machine: dict, out: Path) -> str:
    """Write README.md, speed.png and results.json into ``out``; return the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    lines = _header(machine, rows)
    lines += _targets(rows)
    lines += _conv_table(rows, "fwd") + _conv_table(rows, "fwd+bwd")
    lines += _peer_table(rows)
    lines += _pool_table(rows) + _training_table(rows)
    lines += ["![cnnkit time / PyTorch time per case](speed.png)", ""]
    lines += [
        "Where the time goes: cnnkit's convolution is one column copy (im2col) and one "
        "matrix product per pass (forward, dweight, dx), numpy's OpenBLAS doing the "
        "products; PyTorch runs oneDNN's convolution kernels. The targets table's \"why\" "
        "splits a missed step into its matrix products, timed alone on the same sizes, and "
        "the rest (the step's time minus the products). numpy's element-wise steps (column "
        "copy, col2im, pooling) run on one thread whatever the thread count, so a second "
        "thread helps PyTorch more than cnnkit. On a loaded machine every range widens: "
        "compare ratios within one run, and read a range that crosses a goal as not settled.",
        "",
    ]
    others = sorted(p.parent.name for p in out.glob("*/README.md"))
    if others:
        lines += [
            "Other runs: "
            + ", ".join(f"[{name}]({name}/README.md)" for name in others)
            + " (one thread: `python benchmarks/run.py --threads 1 --no-peers --out "
            "benchmarks/results/one-thread`).",
            "",
        ]
    text = "\n".join(lines)
    (out / "README.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    plot(rows, out / "speed.png")
    return text
