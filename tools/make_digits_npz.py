"""Rebuild ``cnnkit/data/digits.npz`` from the copy of the UCI digits bundled with scikit-learn.

Run once by a maintainer (scikit-learn is not a dependency of cnnkit)::

    python tools/make_digits_npz.py

The CSV has one row per image: 64 pixel counts (0..16) followed by the label.
"""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np


def main() -> None:
    source = resources.files("sklearn.datasets.data") / "digits.csv.gz"
    with gzip.open(source, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
    labels = table[:, 64].astype(np.uint8)
    if images.shape != (1797, 8, 8) or images.max() > 16:
        raise SystemExit(f"unexpected digits table: {images.shape}, max {images.max()}")
    target = Path(__file__).resolve().parents[1] / "cnnkit" / "data" / "digits.npz"
    np.savez_compressed(target, images=images, labels=labels)
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
