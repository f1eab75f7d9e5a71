"""Reusable scratch arrays for the temporaries of the vectorised convolution and pooling.

Why: a freshly allocated array of a few megabytes is new memory, and the operating system
hands it over one 4 KiB page at a time, with a page fault the first time each page is
written. On the machine the benchmark ran on, those faults cost more than the arithmetic of
a LeNet-sized convolution. Keeping the large temporaries that never leave a function (the
padded input, the GEMM results, dout rearranged) and reusing them call after call removes
that cost. Arrays handed back to the caller are always new.

Each thread has its own scratch space, so concurrent calls never share an array.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

#: Total bytes kept; the least recently used arrays are dropped beyond this.
LIMIT = 64 * 2**20


class _Scratch(threading.local):
    def __init__(self) -> None:
        self.arrays: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.nbytes = 0

    def empty(
        self, name: str, shape: tuple[int, ...], dtype: np.dtype, fill: float | None = None
    ) -> np.ndarray:
        """An uninitialised array kept under ``name`` for this shape and dtype.

        ``fill``: a value a new array is filled with (an array handed out again keeps
        whatever its last user left in it).
        """
        key = (name, shape, dtype)
        array = self.arrays.get(key)
        if array is not None:
            self.arrays.move_to_end(key)  # most recently used last
            return array
        array = self.arrays[key] = np.empty(shape, dtype)
        if fill is not None:
            array.fill(fill)
        self.nbytes += array.nbytes
        while self.nbytes > LIMIT and len(self.arrays) > 1:
            _, dropped = self.arrays.popitem(last=False)
            self.nbytes -= dropped.nbytes
        return array

    def zeros(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An array of zeros kept under ``name`` (zeroed again on every call)."""
        array = self.empty(name, shape, dtype)
        array.fill(0)
        return array

    def zeros_once(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An array zeroed when it is made, not again: for a buffer whose callers only ever
        write the same part of it (an image inside its zero padding), so the rest stays 0."""
        return self.empty(name, shape, dtype, fill=0)


scratch = _Scratch()
