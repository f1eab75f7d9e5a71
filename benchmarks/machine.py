"""Print the facts that make the benchmark's figures comparable (as JSON): CPU, cores,
Python, numpy and its BLAS, PyTorch and its back ends."""

from __future__ import annotations

import json
import os
import platform
import re

import numpy as np


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _numpy_blas() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas['name']} {blas['version']}"
    except Exception:  # older numpy: no dict mode
        return "unknown"
    core = _openblas_core()
    return f"{text}, kernels for {core}" if core else text


def _openblas_core() -> str:
    """The CPU type OpenBLAS picked its kernels for (it matters: AVX2 vs AVX-512)."""
    import ctypes
    import glob

    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in glob.glob(libs):
        for name in (
            "scipy_openblas_get_corename64_",
            "scipy_openblas_get_corename",
            "openblas_get_corename64_",
            "openblas_get_corename",
        ):
            try:
                get = getattr(ctypes.CDLL(path), name)
            except (OSError, AttributeError):
                continue
            get.restype = ctypes.c_char_p
            return get().decode()
    return ""


def _torch_facts() -> dict:
    try:
        import torch
    except ImportError:
        return {"torch": "not installed"}
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    onednn = re.search(r"MKL-DNN (v[\d.]+)", config)
    return {
        "torch": torch.__version__,
        "torch_backends": ", ".join(
            filter(
                None,
                [
                    f"BLAS {blas.group(1)}" if blas else None,
                    f"oneDNN {onednn.group(1)}" if onednn else None,
                    f"CPU capability {torch.backends.cpu.get_cpu_capability()}",
                ],
            )
        ),
    }


def _thread_pools() -> dict:
    """Which BLAS and OpenMP libraries numpy and PyTorch loaded, as threadpoolctl sees them
    (the library, its version, the CPU type its kernels were picked for, its threads)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"thread_pools": "threadpoolctl not installed (make bench installs it)"}
    seen = {}
    for owner in ("numpy", "torch"):
        try:
            __import__(owner)
        except ImportError:
            continue
        for pool in threadpool_info():
            path = pool.get("filepath", "")
            if path in seen:
                continue
            who = "torch" if "torch" in path else "numpy" if "numpy" in path else "other"
            text = f"{pool.get('internal_api')} {pool.get('version') or ''}".strip()
            if pool.get("architecture"):
                text += f", kernels for {pool['architecture']}"
            text += f", {pool.get('num_threads')} threads ({os.path.basename(path)})"
            seen[path] = (who, text)
    pools: dict[str, list[str]] = {}
    for who, text in seen.values():
        pools.setdefault(who, []).append(text)
    return {"thread_pools": {who: "; ".join(texts) for who, texts in pools.items()}}


if __name__ == "__main__":
    facts = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": _numpy_blas(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
        **_torch_facts(),
        **_thread_pools(),
    }
    print(json.dumps(facts))
