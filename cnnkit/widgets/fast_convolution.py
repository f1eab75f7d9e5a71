"""Notebook 10 (how convolution is computed fast): counting, timing, and the cost explorer.

The pure functions count what each algorithm does for one layer shape
(:func:`count_multiplications`, :func:`memory_bytes`), time a function on this machine
(:func:`time_call`, :func:`peak_matmul_gflops`, :func:`time_algorithms`), and
:func:`draw_costs` draws all of it for the explorer; :func:`cost_explorer` only wires
sliders to it.
"""

from __future__ import annotations

import ctypes
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import ipywidgets as widgets
import numpy as np

from ..conv import conv2d_im2col, conv2d_naive
from ..conv_algorithms import conv2d_fft, conv2d_winograd
from ..shapes import conv_output_size
from ..viz.fast_convolution import plot_costs
from ._explorer import Explorer, int_slider

__all__ = [
    "ALGORITHMS",
    "Timing",
    "LayerShape",
    "count_multiplications",
    "memory_bytes",
    "fft_itemsizes",
    "time_call",
    "blas_threads",
    "peak_matmul_gflops",
    "time_algorithms",
    "draw_costs",
    "cost_explorer",
]

#: The four ways to compute a convolution, in the order the notebook builds them.
ALGORITHMS = ("loop", "im2col", "winograd", "fft")
#: The function that computes each (all take x, weight, bias=None, padding=...).
FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "loop": conv2d_naive,
    "im2col": conv2d_im2col,
    "winograd": conv2d_winograd,
    "fft": conv2d_fft,
}


class LayerShape(NamedTuple):
    """One convolution layer, stride 1: N images of C x H x W, F kernels of C x K x K."""

    batch: int
    channels: int
    kernels: int
    height: int
    width: int
    kernel_size: int
    padding: int = 0

    @property
    def out_hw(self) -> tuple[int, int]:
        """(OH, OW) by the output-size rule at stride 1."""
        k, p = self.kernel_size, self.padding
        return conv_output_size(self.height, k, 1, p), conv_output_size(self.width, k, 1, p)

    @property
    def padded_hw(self) -> tuple[int, int]:
        """The padded input's (H + 2p, W + 2p)."""
        return self.height + 2 * self.padding, self.width + 2 * self.padding


def count_multiplications(layer: LayerShape) -> dict[str, int | None]:
    """How many multiplications each algorithm does for ``layer`` (None: it cannot do it).

    - loop and im2col: one per kernel weight per output: N F OH OW C K K (the matrix
      product does exactly the loop's multiplications, in another order);
    - winograd (3x3 kernels only): 16 per 4x4 tile per channel per kernel, one tile per 2x2
      block of outputs: N F C ceil(OH/2) ceil(OW/2) 16. The tile and output transforms are
      additions; the kernel transform's (16 x 9 per kernel and channel) is counted too;
    - fft: an estimate. A radix-2 FFT of n complex numbers does (n / 2) log2(n) complex
      multiplications, 4 real ones each; a real input needs about half: n log2(n) real
      multiplications for the n = h w values of a padded h x w grid. There are N C + F C
      forward transforms and N F inverse ones; then 4 real multiplications per complex
      product, N F C h (w // 2 + 1) of them.
    """
    n, c, f, k = layer.batch, layer.channels, layer.kernels, layer.kernel_size
    oh, ow = layer.out_hw
    direct = n * f * oh * ow * c * k * k
    counts: dict[str, int | None] = {"loop": direct, "im2col": direct, "winograd": None}
    if k == 3:
        tiles = math.ceil(oh / 2) * math.ceil(ow / 2)
        counts["winograd"] = n * f * c * tiles * 16 + f * c * 16 * 9
    h, w = layer.padded_hw
    per_fft = round(h * w * math.log2(h * w)) if h * w > 1 else 0
    counts["fft"] = (n * c + f * c + n * f) * per_fft + 4 * n * f * c * h * (w // 2 + 1)
    return counts


def memory_bytes(layer: LayerShape, itemsize: int = 4) -> dict[str, int | None]:
    """Bytes of the input, the output, and the largest copy each algorithm builds.

    - "input", "output": x (N, C, H, W) and out (N, F, OH, OW);
    - "loop": the padded input (nothing else: each window is read in place);
    - "im2col": the rows matrix, (N*OH*OW, C*K*K): every window written out;
    - "winograd": the tiles, (16, C, N*th*tw), and the 16 sums per tile, (16, F, N*th*tw);
    - "fft": the spectra of the inputs (N, C, h, w//2+1) and kernels (F, C, h, w//2+1) and
      their product (N, F, h, w//2+1), complex (two numbers each), and the inverse (N, F, h, w).
      Their sizes are those of the arrays this numpy's FFT returns: numpy 2 keeps float32 as
      complex64 (8 bytes), numpy 1 turns every input into complex128 (16 bytes) and float64.

    ``itemsize``: 4 for float32, 8 for float64.
    """
    n, c, f, k = layer.batch, layer.channels, layer.kernels, layer.kernel_size
    (oh, ow), (h, w) = layer.out_hw, layer.padded_hw
    sizes: dict[str, int | None] = {
        "input": n * c * layer.height * layer.width,
        "output": n * f * oh * ow,
        "loop": n * c * h * w,
        "im2col": n * oh * ow * c * k * k,
        "winograd": None,
    }
    if k == 3:
        tiles = n * math.ceil(oh / 2) * math.ceil(ow / 2)
        sizes["winograd"] = 16 * c * tiles + 16 * f * tiles
    spectrum = h * (w // 2 + 1)
    complex_size, inverse_size = fft_itemsizes(np.dtype(f"f{itemsize}"))
    fft = (n * c + f * c + n * f) * spectrum * complex_size + n * f * h * w * inverse_size
    out: dict[str, int | None] = {
        name: None if v is None else v * itemsize for name, v in sizes.items()
    }
    out["fft"] = fft
    return out


def fft_itemsizes(dtype: Any = np.float32) -> tuple[int, int]:
    """Bytes per number of numpy's real FFT of a ``dtype`` array: (spectrum, inverse).

    Found by transforming a tiny array, so it is right for the numpy installed: numpy 2
    gives (8, 4) for float32 (complex64 and float32), numpy 1 gives (16, 8) for any input.
    """
    spectrum = np.fft.rfft2(np.zeros((2, 2), dtype=dtype))
    return spectrum.dtype.itemsize, np.fft.irfft2(spectrum, s=(2, 2)).dtype.itemsize


def _openblas() -> tuple[Any, str] | None:
    """numpy's own OpenBLAS library and its symbol prefix, or None (another BLAS)."""
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for lib in sorted(folder.glob("*openblas*.so*")) if folder.is_dir() else []:
        try:
            handle = ctypes.CDLL(str(lib))
        except OSError:  # pragma: no cover - a library that cannot be loaded here
            continue
        for get, put in (
            ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"),
        ):
            if hasattr(handle, get) and hasattr(handle, put):
                return handle, get + "|" + put
    return None


@contextmanager
def blas_threads(n: int = 1) -> Iterator[int | None]:
    """Run the block with numpy's matrix products on ``n`` threads, then restore the count.

    On a machine shared with other programs, a matrix product split over two threads waits
    for the slower one, and a product of 0.1 ms can take 10 ms now and then: timings on one
    thread are steadier. Yields the number of threads numpy's BLAS used before, or None
    (and changes nothing) when numpy's BLAS is not the OpenBLAS it ships with.
    """
    found = _openblas()
    if found is None:
        yield None
        return
    handle, names = found
    get, put = (getattr(handle, name) for name in names.split("|"))
    before = int(get())
    put(int(n))
    try:
        yield before
    finally:
        put(before)


class Timing(NamedTuple):
    """Seconds per call: the median of the repeats, and the fastest and slowest."""

    median: float
    fastest: float
    slowest: float
    repeats: int

    def __str__(self) -> str:
        return f"{_ms(self.median)} (fastest {_ms(self.fastest)}, slowest {_ms(self.slowest)})"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


def time_call(
    fn: Callable[[], Any],
    repeats: int = 7,
    budget: float = 0.5,
    warmup: int = 1,
    threads: int | None = 1,
) -> Timing:
    """Time ``fn()`` robustly: after ``warmup`` calls, ``repeats`` rounds, each the mean of
    as many calls as fit in about ``budget / repeats`` seconds; the median round is the
    figure to quote, the fastest and slowest say how much the machine's load moved it.

    Parameters
    ----------
    fn : callable with no arguments
    repeats : int
        Rounds (at least 1); an odd number gives a true median.
    budget : float
        Seconds to spend in total, roughly (a slow ``fn`` is still called ``repeats`` times).
    warmup : int
        Calls before timing (the first call of a function often pays for memory set-up).
    threads : int or None
        numpy's matrix products run on this many threads while timing (see
        :func:`blas_threads`); None leaves numpy's setting alone.

    Returns
    -------
    Timing

    Examples
    --------
    >>> t = time_call(lambda: sum(range(100)), repeats=3, budget=0.01)
    >>> t.fastest <= t.median <= t.slowest
    True
    """
    if threads is not None:
        with blas_threads(threads):
            return time_call(fn, repeats, budget, warmup, threads=None)
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(budget / repeats / once))
    rounds = []
    for _ in range(max(1, int(repeats))):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - start) / calls)
    return Timing(float(np.median(rounds)), min(rounds), max(rounds), len(rounds))


def peak_matmul_gflops(
    size: int = 512,
    dtype: type = np.float32,
    repeats: int = 7,
    budget: float = 1.0,
    statistic: str = "median",
) -> float:
    """numpy's matrix-product speed: GFLOP/s of ``a @ b`` on two (size, size) matrices.

    A product of two n x n matrices does n^3 multiplications and as many additions:
    2 n^3 floating-point operations. Measured with :func:`time_call` (on one BLAS thread
    when :func:`blas_threads` can pin it), from the median round, like every timing of the
    notebook (``statistic="fastest"``: the least disturbed round). A reference for the
    other speeds, not a limit of the processor: other code (PyTorch's, say) can pass it.
    """
    if statistic not in ("median", "fastest"):
        raise ValueError(f"statistic={statistic!r} must be 'median' or 'fastest'")
    rng = np.random.default_rng(0)
    a = rng.random((size, size)).astype(dtype)
    b = rng.random((size, size)).astype(dtype)
    timing = time_call(lambda: a @ b, repeats=repeats, budget=budget)
    return 2 * size**3 / getattr(timing, statistic) / 1e9


def time_algorithms(
    layer: LayerShape,
    algorithms: tuple[str, ...] = ALGORITHMS,
    dtype: type = np.float32,
    repeats: int = 5,
    budget: float = 0.3,
    seed: int = 0,
) -> dict[str, Timing]:
    """Time each algorithm on random data of ``layer``'s shape (Winograd only for 3x3)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(layer.batch, layer.channels, layer.height, layer.width)).astype(dtype)
    shape = (layer.kernels, layer.channels, layer.kernel_size, layer.kernel_size)
    weight = rng.normal(size=shape).astype(dtype)
    timings = {}
    for name in algorithms:
        if name == "winograd" and layer.kernel_size != 3:
            continue
        fn = FUNCTIONS[name]
        timings[name] = time_call(
            lambda fn=fn: fn(x, weight, padding=layer.padding), repeats=repeats, budget=budget
        )
    return timings


#: The explorer times the loop only up to this many output values (N*F*OH*OW), and any
#: algorithm only while its largest copy stays below this many bytes, so a move of a
#: slider answers within a second or two.
LOOP_OUTPUTS_LIMIT = 4096
MEASURE_BYTES_LIMIT = 32 * 2**20


def draw_costs(
    batch: int,
    channels: int,
    kernels: int,
    size: int,
    kernel_size: int,
    padding: str,
    measure: bool,
) -> list:
    """The explorer's view: multiplications, memory and (optionally) measured times.

    Parameters
    ----------
    batch, channels, kernels, size, kernel_size : int
        The layer: ``batch`` images of ``channels`` x ``size`` x ``size``, ``kernels``
        kernels of ``kernel_size`` x ``kernel_size``, stride 1, float32.
    padding : {"valid", "same"}
        No padding, or ``kernel_size // 2`` on each side (odd kernels keep the size).
    measure : bool
        Also time every algorithm that can run this layer quickly enough here.

    Raises
    ------
    ValueError
        For a kernel larger than the padded input (said in words by the explorer).
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"padding={padding!r} must be 'valid' or 'same'")
    pad = kernel_size // 2 if padding == "same" else 0
    if kernel_size > size + 2 * pad:
        raise ValueError(
            f"a {kernel_size}x{kernel_size} kernel does not fit in a {size}x{size} image "
            f"with padding {pad}; make the image larger, the kernel smaller, or pad"
        )
    layer = LayerShape(batch, channels, kernels, size, size, kernel_size, pad)
    counts, memory = count_multiplications(layer), memory_bytes(layer)
    timings: dict[str, Timing] = {}
    notes = []
    if measure:
        wanted = []
        for name in ALGORITHMS:
            if counts[name] is None:
                continue
            oh, ow = layer.out_hw
            if name == "loop" and batch * kernels * oh * ow > LOOP_OUTPUTS_LIMIT:
                notes.append(f"loop not timed: {batch * kernels * oh * ow:,} outputs, too slow")
            elif (memory[name] or 0) > MEASURE_BYTES_LIMIT:
                notes.append(f"{name} not timed: it would build {memory[name] / 2**20:.0f} MB")
            else:
                wanted.append(name)
        timings = time_algorithms(layer, tuple(wanted), repeats=3, budget=0.1)
    fig = plot_costs(layer, counts, memory, timings)
    oh, ow = layer.out_hw
    lines = [
        f"Layer: {batch} x {channels} x {size} x {size} input, {kernels} kernels of "
        f"{channels} x {kernel_size} x {kernel_size}, padding {pad}: output "
        f"{batch} x {kernels} x {oh} x {ow}.",
        f"Direct method: {counts['loop']:,} multiplications. "
        + (
            f"Winograd: {counts['winograd']:,} ({counts['loop'] / counts['winograd']:.2f}x fewer)."
            if counts["winograd"]
            else "Winograd F(2x2, 3x3) needs 3x3 kernels."
        )
        + f" FFT (estimate): {counts['fft']:,}.",
        f"im2col's rows matrix is {memory['im2col'] / memory['input']:.1f}x the input's "
        f"{memory['input']:,} bytes.",
    ]
    if timings:
        fastest = min(timings, key=lambda name: timings[name].median)
        lines.append(
            "Measured (median): "
            + ", ".join(f"{name} {_ms(t.median)}" for name, t in timings.items())
            + f"; fastest here: {fastest}."
        )
    lines.extend(notes)
    return [fig, "\n".join(lines)]


def cost_explorer(
    batch: int = 4,
    channels: int = 16,
    kernels: int = 16,
    size: int = 16,
    kernel_size: int = 3,
    padding: str = "same",
    measure: bool = False,
) -> Explorer:
    """Sliders for a layer's shape wired to :func:`draw_costs`."""

    controls = {
        "batch": int_slider(batch, 1, 16, "images N"),
        "channels": int_slider(channels, 1, 64, "channels C"),
        "kernels": int_slider(kernels, 1, 64, "kernels F"),
        "size": int_slider(size, 4, 64, "image size"),
        "kernel_size": int_slider(kernel_size, 1, 9, "kernel size"),
        "padding": widgets.ToggleButtons(
            options=("valid", "same"), value=padding, description="padding"
        ),
        "measure": widgets.Checkbox(value=measure, description="measure times"),
    }
    return Explorer(controls, draw_costs, title="What each algorithm costs", columns=3)
