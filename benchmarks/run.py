"""Speed benchmark: cnnkit against its own loop versions and against PyTorch.

``make bench`` runs this file. It times

- convolution forward, and forward + backward, on four shapes the course uses, in float32
  and float64: ``conv2d_naive`` (loops), ``conv2d`` / ``Conv2D``, and PyTorch;
- max pooling (2x2, stride 2) forward + backward on those convolutions' feature maps;
- training the course's digits network, in cnnkit and in PyTorch from the same start;
- the numpy peers chainer and numpy-ml (``peers.py``; ``make bench`` installs them) on float32
  convolution forward + backward and pooling, each checked against PyTorch before it is timed;
- one large float32 matrix product in numpy and in PyTorch: the machine's peak rate, against
  which the GFLOP/s each implementation reaches on each shape can be read;

then writes ``benchmarks/results/README.md`` (the table) and ``benchmarks/results/speed.png``
(a bar chart) and prints the table.

How it measures, so that the ratios mean something on a shared, noisy machine:

- every implementation runs in a process of its own (``worker.py``) with the same thread
  count (``--threads``, default 2) fixed through OMP/MKL/OPENBLAS_NUM_THREADS and
  ``torch.set_num_threads``, so they share no caches, thread pools or BLAS state;
- a round times a few calls of each implementation in turn, alternating which goes first;
  a round's value is its fastest call (the one least disturbed by other programs), and a
  figure is the median over the rounds;
- the cnnkit / PyTorch ratio is the median over rounds of the two values of the same round,
  so that slow and fast moments of the machine hit both sides alike; every time is reported
  with its lowest and highest round;
- after each worker's turn the run pauses briefly, so that the idle BLAS threads of one
  worker (OpenBLAS spins about 0.1 s after a call) never share the cores with the next.

Usage: ``python benchmarks/run.py [--rounds 7] [--threads 2] [--quick] [--no-peers]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from peers import PEERS  # noqa: E402
from report import write_report  # noqa: E402
from shapes import CONV_SHAPES, NAIVE_BATCH  # noqa: E402

#: Seconds of calls one implementation gets per round (the repeat count is set from this).
ROUND_SECONDS = 0.06
#: A worker whose call takes longer than this many seconds is timed in SLOW_ROUNDS rounds only.
SLOW_SECONDS = 0.3
SLOW_ROUNDS = 3
#: Seconds of pause after each worker's turn (see compare).
SETTLE_SECONDS = 0.15


class PeerError(RuntimeError):
    """A worker could not time a case (a peer not installed, or not agreeing with PyTorch)."""


class Worker:
    """A worker process timing one implementation (see worker.py)."""

    def __init__(self, impl: str, threads: int) -> None:
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(threads)
        self.impl = impl
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), impl, str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def time(self, case: list, repeats: int, warm_up: bool = True) -> dict:
        request = {"case": case, "repeats": repeats, "warm_up": warm_up}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.impl} worker stopped while timing {case}")
        answer = json.loads(line)
        if "error" in answer:
            raise PeerError(answer["error"])
        return answer

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def compare(
    workers: dict[str, Worker],
    case: list,
    rounds: int,
    warm_up: bool = True,
    repeats: int | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, dict]:
    """Alternating rounds of ``case`` on every worker; per-round values and extra info.

    A worker slower than SLOW_SECONDS a call (the numpy peers on the larger shapes) takes
    part in the first SLOW_ROUNDS rounds only. A worker that cannot time the case is left
    out, its reason in ``errors``.
    """
    counts = {}
    for name, worker in list(workers.items()):
        try:
            first = min(worker.time(case, 1, warm_up)["times"])  # also sets the case up
        except PeerError as error:
            if errors is None:
                raise
            errors[name] = str(error)
            workers = {k: v for k, v in workers.items() if k != name}
            continue
        counts[name] = repeats or max(
            1 if first > SLOW_SECONDS else 3, min(200, round(ROUND_SECONDS / max(first, 1e-7)))
        )
        if first > SLOW_SECONDS:
            counts[name] = -counts[name]  # marks a slow worker
    result = {name: {"rounds": [], "best": float("inf"), "info": None} for name in workers}
    names = list(workers)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            if counts[name] < 0 and r >= SLOW_ROUNDS:
                continue
            answer = workers[name].time(case, abs(counts[name]), warm_up)
            # OpenBLAS's threads spin for about 0.1 s after a call before they sleep: let
            # them stop before the next worker is timed, so no worker is timed while
            # another one's idle threads take the cores.
            time.sleep(SETTLE_SECONDS)
            # A round's value is its fastest call: the call least disturbed by other
            # programs on a shared machine (the median over rounds then guards against luck).
            result[name]["rounds"].append(min(answer["times"]))
            result[name]["best"] = min(result[name]["best"], *answer["times"])
            result[name]["info"] = answer.get("info", result[name]["info"])
    return result


def paired_ratio(a: list[float], b: list[float]) -> float:
    """Median over rounds of a[r] / b[r]."""
    return statistics.median(x / y for x, y in zip(a, b))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--naive-rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no float64 training")
    parser.add_argument("--no-peers", action="store_true", help="leave out chainer and numpy-ml")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    started = time.perf_counter()
    load_before = os.getloadavg()

    workers = {name: Worker(name, args.threads) for name in ("cnnkit", "torch")}
    naive = {"naive": Worker("naive", args.threads)}
    peers = {} if args.no_peers else {name: Worker(name, args.threads) for name in PEERS}
    rows: list[dict] = []
    try:
        # The machine's peak: numpy's and PyTorch's rate on one large square product.
        timed = compare(workers, ["peak", "float32"], rounds)
        rows.append(_row("peak", "matmul", "float32", "fwd", timed))
        print(_progress(rows[-1]), flush=True)
        for dtype in ("float32", "float64"):
            for shape in CONV_SHAPES:
                for mode in ("fwd", "fwd+bwd"):
                    case = ["conv", shape, dtype, mode]
                    with_peers = peers if (dtype, mode) == ("float32", "fwd+bwd") else {}
                    errors: dict[str, str] = {}
                    timed = compare({**workers, **with_peers}, case, rounds, errors=errors)
                    slow = compare(
                        naive, case, rounds=1 if args.quick else args.naive_rounds, repeats=1
                    )
                    scale = CONV_SHAPES[shape].batch / min(NAIVE_BATCH, CONV_SHAPES[shape].batch)
                    rows.append(
                        _row(
                            "conv",
                            shape,
                            dtype,
                            mode,
                            timed,
                            naive=[t * scale for t in slow["naive"]["rounds"]],
                            errors=errors,
                        )
                    )
                    if mode == "fwd+bwd":
                        # The floor: cnnkit's three matrix products alone (median over
                        # rounds), against the median of PyTorch's whole step above.
                        floor = compare(
                            {"cnnkit": workers["cnnkit"]}, ["products", shape, dtype], rounds
                        )
                        rows[-1]["products"] = _spread(floor["cnnkit"]["rounds"])
                        rows[-1]["products_ratio"] = (
                            rows[-1]["products"]["median"] / (rows[-1]["torch"])
                        )
                    print(_progress(rows[-1]), flush=True)
                errors = {}
                with_peers = peers if dtype == "float32" else {}
                timed = compare(
                    {**workers, **with_peers}, ["pool", shape, dtype], rounds, errors=errors
                )
                rows.append(_row("pool", shape, dtype, "fwd+bwd", timed, errors=errors))
                print(_progress(rows[-1]), flush=True)
        for dtype in ("float32",) if args.quick else ("float32", "float64"):
            timed = compare(
                workers,
                ["train", dtype],
                rounds=3 if not args.quick else 1,
                warm_up=False,
                repeats=1,
            )
            rows.append(_row("train", "digits", dtype, "train", timed))
            print(_progress(rows[-1]), flush=True)
    finally:
        for worker in (*workers.values(), *naive.values(), *peers.values()):
            worker.close()

    machine = _machine_facts(
        args.threads, load_before, os.getloadavg(), time.perf_counter() - started, rounds
    )
    table = write_report(rows, machine, args.out)
    print()
    print(table)


def _spread(values: list[float]) -> dict:
    """Median, lowest and highest of one implementation's rounds."""
    return {"median": statistics.median(values), "low": min(values), "high": max(values)}


def _row(
    kind: str, shape: str, dtype: str, mode: str, timed: dict, naive=None, errors=None
) -> dict:
    ours, torch = timed["cnnkit"]["rounds"], timed["torch"]["rounds"]
    row = {
        "kind": kind,
        "shape": shape,
        "dtype": dtype,
        "mode": mode,
        "cnnkit": statistics.median(ours),
        "torch": statistics.median(torch),
        "ratio": paired_ratio(ours, torch),
        "ratio_range": [
            min(a / b for a, b in zip(ours, torch)),
            max(a / b for a, b in zip(ours, torch)),
        ],
        "rounds": len(ours),
        # The fastest single call of each: what an idle machine would show, about.
        "best_ratio": timed["cnnkit"]["best"] / timed["torch"]["best"],
        # Every implementation's time: median, lowest and highest round.
        "times": {name: _spread(t["rounds"]) for name, t in timed.items()},
        # Every implementation's time / PyTorch's time in the same round: median, low, high.
        "ratios": {
            name: _spread([a / b for a, b in zip(t["rounds"], torch)]) for name, t in timed.items()
        },
        "round_times": {name: t["rounds"] for name, t in timed.items()},
        "errors": errors or {},
    }
    if naive is not None:
        row["naive"] = statistics.median(naive)
        row["speedup"] = row["naive"] / row["cnnkit"]
        row["times"]["naive"] = _spread(naive)
    if kind == "train":
        row["info"] = {name: timed[name]["info"] for name in timed}
    return row


def _progress(row: dict) -> str:
    text = (
        f"{row['kind']:5} {row['shape']:6} {row['dtype']:7} {row['mode']:7} "
        f"cnnkit {row['cnnkit'] * 1e3:9.3f} ms  torch {row['torch'] * 1e3:9.3f} ms  "
        f"ratio {row['ratio']:6.2f} (best calls {row['best_ratio']:5.2f})"
    )
    if "naive" in row:
        text += f"  naive/cnnkit {row['speedup']:7.0f}"
    return text


def _machine_facts(threads: int, load_before, load_after, seconds: float, rounds: int) -> dict:
    """Versions, CPU and BLAS, read in a fresh process with the benchmark's environment."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(threads)  # as the workers had them
    probe = subprocess.run(
        [sys.executable, str(HERE / "machine.py")],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    facts = json.loads(probe.stdout)
    facts.update(
        threads=threads,
        rounds=rounds,
        seconds=round(seconds),
        load=f"{load_before[0]:.1f} before, {load_after[0]:.1f} after",
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    )
    return facts


if __name__ == "__main__":
    main()
