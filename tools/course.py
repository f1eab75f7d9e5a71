"""The course's commands in one place, for every platform.

``make lab`` / ``make test`` call this script, and on Windows (no ``make``) you call it
directly, so the two can never drift apart::

    python tools/course.py lab          # create .venv once from the lock, open JupyterLab
    python tools/course.py test         # the whole test suite
    python tools/course.py test-fast    # unit tests only

Other commands: ``venv``, ``site`` (the course website, in build/site), ``bench``,
``outputs``, ``links``, ``lock``, and ``torch`` (installs the optional PyTorch, the pinned
CPU build, for notebook 11 and the comparison tests). Arguments after the
command go to the program it runs (``python tools/course.py lab --no-browser``). Only the
standard library is used: this runs before the environment exists.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_PYTHON = (3, 11)
INDEX = "notebooks/00_index.ipynb"
PYTEST_ALL = [
    "tests",
    "cnnkit",
    "notebooks",
    "--doctest-modules",
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    "tests/notebooks/sanitize.cfg",
]
#: PyTorch is optional (notebook 11 and the oracle tests). The exact version, never unpinned.
TORCH_PIN = "torch==2.13.0"
#: PyTorch's own index of CPU-only builds. On Linux, PyPI's torch is the build for NVIDIA GPUs
#: and pulls gigabytes of CUDA libraries; from this index pip prefers ``2.13.0+cpu``. On macOS
#: and Windows PyPI's torch is already the CPU build.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: Exact versions of the optional benchmark packages (threadpoolctl and the numpy peers chainer
#: and numpy-ml), installed by ``bench`` only, never by ``venv``/``test``. chainer 7.8.1 ships as
#: source whose setup.py imports pkg_resources, which setuptools 81 removed: BENCH_BUILD
#: constrains the setuptools pip builds it with.
BENCH_LOCK = "requirements-bench.txt"
BENCH_BUILD = "benchmarks/build-constraints.txt"
ROOT_NOTICE = "Running as root (a container or a cloud VM?): starting JupyterLab with --allow-root."


def venv_python(venv: Path, windows: bool = os.name == "nt") -> Path:
    """The interpreter inside a virtual environment, on Windows and elsewhere."""
    if windows:
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(python: Path, extra: list[str], root: bool) -> tuple[list[str], str | None]:
    """The JupyterLab command line and the notice to print (None when there is nothing to say).

    JupyterLab refuses to start as root ("Running as root is not recommended") unless it is
    given ``--allow-root``, which is what a learner in a Docker container or a VM needs.
    """
    args = [str(python), "-m", "jupyter", "lab", *extra]
    notice = None
    if root and "--allow-root" not in extra:
        args.append("--allow-root")
        notice = ROOT_NOTICE
    return [*args, INDEX], notice


def torch_command(python: Path, platform: str = sys.platform) -> list[str]:
    """The pip command that installs the pinned CPU build of PyTorch into the course's venv."""
    cmd = [str(python), "-m", "pip", "install", TORCH_PIN]
    if platform.startswith("linux"):
        cmd += ["--extra-index-url", TORCH_CPU_INDEX]
    return cmd


def needs_install(venv: Path) -> bool:
    """True when the environment is missing or older than the lock or pyproject.toml."""
    stamp = venv / ".installed"
    if not venv_python(venv).exists() or not stamp.exists():
        return True
    newest = max(
        (ROOT / name).stat().st_mtime for name in ("requirements-lock.txt", "pyproject.toml")
    )
    return stamp.stat().st_mtime < newest


def ensure_venv(venv: Path, install: bool = True) -> Path:
    """Create ``venv`` from the lock and install cnnkit into it (once); return its python."""
    python = venv_python(venv)
    if not install:
        return python
    if sys.version_info < MIN_PYTHON:
        sys.exit(
            f"The pinned versions need Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; "
            f"found {sys.version.split()[0]}. Run e.g.: make lab PYTHON=python3.12 "
            f"(Windows: py -3.12 tools\\course.py lab)"
        )
    if not needs_install(venv):
        return python
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    run([str(python), "-m", "pip", "install", "--quiet", "-r", "requirements-lock.txt"])
    run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."])
    (venv / ".installed").touch()
    return python


def _name(pin: str) -> str:
    return pin.split("==")[0].strip().lower().replace("_", "-")


def split_pins(frozen: list[str], bench_lock: list[str]) -> tuple[list[str], list[str]]:
    """``pip freeze`` lines split into the course's lock and the benchmark's lock.

    A package goes to the benchmark's lock when that lock already names it; the benchmark's
    pins that ``pip freeze`` does not list (setuptools) are kept as they are.
    """
    bench = {_name(line): line for line in bench_lock if line.strip() and line[0] != "#"}
    main = [pin for pin in frozen if _name(pin) not in bench]
    fresh = {_name(pin): pin for pin in frozen if _name(pin) in bench}
    return main, [fresh.get(name, line) for name, line in bench.items()]


def install_bench(python: str) -> None:
    """Install the benchmark's optional packages (the exact versions of BENCH_LOCK)."""
    env = dict(os.environ, PIP_CONSTRAINT=str(ROOT / BENCH_BUILD))
    cmd = [python, "-m", "pip", "install", "--quiet", "-r", BENCH_LOCK]
    if subprocess.call(cmd, cwd=ROOT, env=env):
        print(
            f"Could not install the benchmark's optional packages ({BENCH_LOCK}); "
            "the benchmark runs without the peers it could not import.",
            flush=True,
        )


def run(cmd: list[str]) -> None:
    """Run ``cmd`` in the repository; stop with its exit code if it fails."""
    code = subprocess.call(cmd, cwd=ROOT)
    if code:
        sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=[
            "venv",
            "lab",
            "test",
            "test-fast",
            "site",
            "bench",
            "outputs",
            "links",
            "lock",
            "torch",
        ],
    )
    parser.add_argument("--venv", default=".venv", help="the environment folder (.venv)")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="use the environment as it is; never create or update it",
    )
    args, extra = parser.parse_known_args(argv)
    venv = Path(args.venv)
    venv = venv if venv.is_absolute() else ROOT / venv
    python = ensure_venv(venv, install=not args.no_install)
    py = str(python)
    if args.command == "lab":
        cmd, notice = lab_command(python, extra, is_root())
        if notice:
            print(notice, flush=True)
        run(cmd)
    elif args.command == "test":
        run([py, "-m", "pytest", *PYTEST_ALL, *extra])
    elif args.command == "test-fast":
        run([py, "-m", "pytest", "tests/unit", "-q", *extra])
    elif args.command == "site":
        run([py, "tools/build_site.py", *extra])
    elif args.command == "bench":
        if not args.no_install:
            install_bench(py)
        run([py, "benchmarks/run.py", *extra])
    elif args.command == "outputs":
        run([py, "tools/nav_links.py"])
        run([py, "tools/run_notebooks.py", *extra])
    elif args.command == "links":
        run([py, "tools/nav_links.py"])
    elif args.command == "torch":
        run(torch_command(python) + extra)
    elif args.command == "lock":
        frozen = subprocess.run(
            [py, "-m", "pip", "freeze", "--exclude-editable"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        pins = [line for line in frozen.splitlines() if not line.startswith("cnnkit")]
        main_pins, bench_pins = split_pins(pins, (ROOT / BENCH_LOCK).read_text().splitlines())
        for name, chosen in (("requirements-lock.txt", main_pins), (BENCH_LOCK, bench_pins)):
            old = (ROOT / name).read_text().splitlines()
            header = [line for line in old if line.startswith("#")]
            (ROOT / name).write_text("\n".join(header + chosen) + "\n")


if __name__ == "__main__":
    main()
