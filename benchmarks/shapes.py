"""The convolutions the benchmark times: the ones the course itself runs."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ConvShape(NamedTuple):
    label: str
    batch: int
    in_channels: int
    out_channels: int
    size: int  # square input, size x size
    kernel: int
    stride: int
    padding: int

    @property
    def out_hw(self) -> tuple[int, int]:
        n = (self.size + 2 * self.padding - self.kernel) // self.stride + 1
        return n, n

    def describe(self) -> str:
        return (
            f"{self.batch}x{self.in_channels}x{self.size}x{self.size}, "
            f"{self.out_channels} kernels {self.kernel}x{self.kernel}, "
            f"stride {self.stride}, padding {self.padding}"
        )


CONV_SHAPES = {
    "A": ConvShape("digits, first layer", 64, 1, 8, 8, 3, 1, 1),
    "B": ConvShape("LeNet-sized", 64, 1, 16, 28, 5, 1, 0),
    "C": ConvShape("a second layer", 64, 16, 32, 14, 3, 1, 1),
    "D": ConvShape("stride example, 128x128x3", 1, 3, 28, 128, 6, 4, 0),
}

#: conv2d_naive is pure Python loops: it is timed on this many images and scaled up.
NAIVE_BATCH = 4
#: Max pooling after each convolution: 2x2 windows, stride 2.
POOL_KERNEL = 2


def conv_inputs(spec: ConvShape, dtype: str, batch: int | None = None):
    """Seeded x, weight, bias and dout for one shape (the same numbers in every process)."""
    rng = np.random.default_rng(0)
    n = spec.batch if batch is None else min(batch, spec.batch)
    x = rng.standard_normal((spec.batch, spec.in_channels, spec.size, spec.size))[:n]
    w = rng.standard_normal((spec.out_channels, spec.in_channels, spec.kernel, spec.kernel))
    w *= np.sqrt(2.0 / w[0].size)
    b = rng.standard_normal(spec.out_channels)
    dout = rng.standard_normal((spec.batch, spec.out_channels, *spec.out_hw))[:n]
    return tuple(np.ascontiguousarray(a, dtype=dtype) for a in (x, w, b, dout))
