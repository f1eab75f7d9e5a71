"""Speed benchmark: cnnkit against its own loop versions and against PyTorch.

``make bench`` runs this file. It times

- convolution forward, and forward + backward, on four shapes the course uses, in float32
  and float64: ``conv2d_naive`` (loops), ``conv2d`` / ``Conv2D``, and PyTorch;
- max pooling (2x2, stride 2) forward + backward on those convolutions' feature maps;
- training the course's digits network, in cnnkit and in PyTorch from the same start;

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
  so that slow and fast moments of the machine hit both sides alike.

Usage: ``python benchmarks/run.py [--rounds 7] [--threads 2] [--quick]``.
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
from report import write_report  # noqa: E402
from shapes import CONV_SHAPES, NAIVE_BATCH  # noqa: E402

#: Seconds of calls one implementation gets per round (the repeat count is set from this).
ROUND_SECONDS = 0.06


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
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def compare(
    workers: dict[str, Worker],
    case: list,
    rounds: int,
    warm_up: bool = True,
    repeats: int | None = None,
) -> dict[str, dict]:
    """Alternating rounds of ``case`` on every worker; per-round values and extra info."""
    counts = {}
    for name, worker in workers.items():
        first = min(worker.time(case, 1, warm_up)["times"])  # also sets the case up
        counts[name] = repeats or max(3, min(200, round(ROUND_SECONDS / max(first, 1e-7))))
    result = {name: {"rounds": [], "best": float("inf"), "info": None} for name in workers}
    names = list(workers)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            answer = workers[name].time(case, counts[name], warm_up)
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
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    started = time.perf_counter()
    load_before = os.getloadavg()

    workers = {name: Worker(name, args.threads) for name in ("cnnkit", "torch")}
    naive = {"naive": Worker("naive", args.threads)}
    rows: list[dict] = []
    try:
        for dtype in ("float32", "float64"):
            for shape in CONV_SHAPES:
                for mode in ("fwd", "fwd+bwd"):
                    case = ["conv", shape, dtype, mode]
                    timed = compare(workers, case, rounds)
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
                        )
                    )
                    print(_progress(rows[-1]), flush=True)
                timed = compare(workers, ["pool", shape, dtype], rounds)
                rows.append(_row("pool", shape, dtype, "fwd+bwd", timed))
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
        for worker in (*workers.values(), *naive.values()):
            worker.close()

    machine = _machine_facts(
        args.threads, load_before, os.getloadavg(), time.perf_counter() - started, rounds
    )
    table = write_report(rows, machine, args.out)
    print()
    print(table)


def _row(kind: str, shape: str, dtype: str, mode: str, timed: dict, naive=None) -> dict:
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
    }
    if naive is not None:
        row["naive"] = statistics.median(naive)
        row["speedup"] = row["naive"] / row["cnnkit"]
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
    probe = subprocess.run(
        [sys.executable, str(HERE / "machine.py")],
        capture_output=True,
        text=True,
        check=True,
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
