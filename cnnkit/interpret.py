"""Asking a trained network why it decided what it decided.

Every tool here reuses the backward pass of notebook 04. A ``Sequential`` computes, layer by
layer, how a change of each layer's *input* changes the loss; the first layer's input is the
image itself. So the same backward pass that trains the weights also says how much each
*pixel* matters:

- :func:`input_gradient`: the gradient of one class score (or of the loss) with respect to
  the input pixels; :func:`saliency_map` is its size per pixel;
- :func:`occlusion_map` (and its loop version :func:`occlusion_map_naive`): cover a patch of
  the image and measure how much the probability of the class drops, at every position;
- :func:`maximise_activation`: gradient *ascent* on the input, to draw the picture that
  excites a chosen kernel or class most;
- :func:`cosine_similarity`, :func:`kernel_movement`, :func:`oriented_edge_kernel`,
  :func:`oriented_line_kernel`, :func:`best_orientation_match`: numbers for comparing
  kernels (before and after training, learned against classic).

Calling these runs the model's forward and backward passes, so the layers' ``.grads`` are
overwritten (the weights are never changed).
"""

from __future__ import annotations

import numpy as np

from . import _validate as check
from ._validate import as_float_array, nonnegative_int, positive_int
from .conv import conv2d
from .filters import GAUSSIAN_BLUR
from .losses import softmax, softmax_cross_entropy
from .model import Sequential
from .shapes import conv_output_size

__all__ = [
    "best_orientation_match",
    "cosine_similarity",
    "input_gradient",
    "kernel_movement",
    "maximise_activation",
    "occlusion_map",
    "occlusion_map_naive",
    "oriented_edge_kernel",
    "oriented_line_kernel",
    "saliency_map",
    "unit_activation",
]

Target = int | np.integer | np.ndarray | list


def _batch(x: object) -> tuple[np.ndarray, bool]:
    """``x`` as an (N, C, H, W) float array, and whether one (C, H, W) image was given."""
    x = as_float_array(x, "x")
    if x.ndim == 3:
        return x[None], True
    if x.ndim != 4:
        raise ValueError(
            f"x has shape {x.shape}; give one image (C, H, W) or a batch "
            "(N, C, H, W), e.g. a digit of shape (1, 8, 8)"
        )
    return x, False


def _model(model: object) -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(
            f"model={model!r} must be a cnnkit Sequential, such as digits_cnn(); "
            f"not {type(model).__name__}"
        )
    return model


def _targets(target: Target, n: int, n_classes: int) -> np.ndarray:
    """One class index per example, checked against the number of classes."""
    t = np.asarray(target) if not isinstance(target, (dict, set)) else np.array(None)
    whole_floats = t.dtype.kind == "f" and bool(np.all(np.isfinite(t) & (t == np.round(t))))
    if t.dtype.kind not in "iu" and not whole_floats:
        raise TypeError(
            f"target={target!r} must be a class index (a whole number) or one per example"
        )
    t = np.broadcast_to(t, (n,)) if t.ndim == 0 else t
    if t.shape != (n,):
        raise ValueError(
            f"target={target!r} has {t.size} entries for {n} examples; give one "
            "class index, or one per example"
        )
    if np.any(t < 0) or np.any(t >= n_classes):  # before the cast, so 1e30 is not wrapped
        raise ValueError(f"target={target!r} is outside the {n_classes} classes 0..{n_classes - 1}")
    return t.astype(np.int64)


def input_gradient(model: Sequential, x: object, target: Target, of: str = "score") -> np.ndarray:
    """The gradient of a class score (or of the loss) with respect to the input pixels.

    One forward pass, then the backward pass of notebook 04 started from the output: for
    ``of="score"`` the output gradient is 1 at the target class and 0 elsewhere, so what
    comes out at the input is d score[target] / d pixel. For ``of="loss"`` it starts from
    the gradient of the cross-entropy (mean over the batch), as in training.

    Parameters
    ----------
    model : Sequential
        Its output is one score (logit) per class, shape (N, K).
    x : ndarray, shape (N, C, H, W) or (C, H, W)
    target : int or ndarray of int, shape (N,)
        The class whose score (or whose label in the loss) is used.
    of : {"score", "loss"}

    Returns
    -------
    grad : ndarray, the shape of ``x``

    Examples
    --------
    >>> from cnnkit import digits_cnn
    >>> input_gradient(digits_cnn(), np.zeros((1, 8, 8)), 3).shape
    (1, 8, 8)
    """
    if not isinstance(of, str):
        raise TypeError(f"of={of!r} must be the word 'score' or 'loss'")
    if of not in ("score", "loss"):
        raise ValueError(f"of={of!r} must be 'score' or 'loss'")
    model = _model(model)
    xb, single = _batch(x)
    logits = model.forward(xb)
    t = _targets(target, len(xb), logits.shape[1])
    if of == "score":
        dlogits = np.zeros_like(logits)
        dlogits[np.arange(len(xb)), t] = 1.0  # d score[t] / d scores: 1 at t, 0 elsewhere
    else:
        _, dlogits = softmax_cross_entropy(logits, t)
    dx = model.backward(dlogits)
    return dx[0] if single else dx


def saliency_map(model: Sequential, x: object, target: Target) -> np.ndarray:
    """How strongly each pixel moves the target's score: ``|d score / d pixel|``, the largest
    over the colour channels.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or (C, H, W)

    Returns
    -------
    saliency : ndarray, shape (N, H, W) or (H, W), never negative

    Examples
    --------
    >>> from cnnkit import digits_cnn
    >>> saliency_map(digits_cnn(), np.zeros((1, 8, 8)), 0).shape
    (8, 8)
    """
    return np.abs(input_gradient(model, x, target)).max(axis=-3)


def _patch_positions(h: int, w: int, patch: object, stride: object) -> tuple[int, int, int, int]:
    patch = positive_int(patch, "patch")
    stride = positive_int(stride, "stride")
    if patch > min(h, w):
        raise ValueError(
            f"patch={patch} is larger than the {h}x{w} image; use a patch of {min(h, w)} or less"
        )
    return patch, stride, conv_output_size(h, patch, stride), conv_output_size(w, patch, stride)


def _one_image(x: object) -> np.ndarray:
    xb, _ = _batch(x)
    if len(xb) != 1:
        raise ValueError(f"x holds {len(xb)} images; the occlusion map is for one image (C, H, W)")
    return xb[0]


def occlusion_map(
    model: Sequential, x: object, target: int, patch: int = 2, stride: int = 1, fill: float = 0.0
) -> np.ndarray:
    """How much the probability of ``target`` drops when a square patch is covered.

    The patch (every channel set to ``fill``) slides over the image like a kernel, so there
    are ``conv_output_size(H, patch, stride)`` rows of positions. All occluded copies go
    through the network as one batch (no loop over positions).

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (C, H, W)
        One image.
    target : int
        The class whose probability is watched.
    patch, stride : int
        Side of the square patch and its step.
    fill : float
        The value the patch writes (0 = no ink for the digits).

    Returns
    -------
    drop : ndarray, shape (OH, OW)
        ``p(target | x) - p(target | x with the patch at (i, j))``; positive where covering
        the patch lowers the probability.

    Examples
    --------
    >>> from cnnkit import digits_cnn
    >>> occlusion_map(digits_cnn(), np.zeros((1, 8, 8)), 0, patch=3).shape
    (6, 6)
    """
    model = _model(model)
    fill = check.number(fill, "fill", "0.0")
    image = _one_image(x)
    c, h, w = image.shape
    patch, stride, oh, ow = _patch_positions(h, w, patch, stride)
    rows, cols = np.arange(h), np.arange(w)
    starts_r, starts_c = np.arange(oh) * stride, np.arange(ow) * stride
    in_r = (rows >= starts_r[:, None]) & (rows < starts_r[:, None] + patch)  # (OH, H)
    in_c = (cols >= starts_c[:, None]) & (cols < starts_c[:, None] + patch)  # (OW, W)
    covered = in_r[:, None, :, None] & in_c[None, :, None, :]  # (OH, OW, H, W)
    occluded = np.where(covered[:, :, None], float(fill), image)  # (OH, OW, C, H, W)
    probs = softmax(
        model.forward(np.concatenate([image[None], occluded.reshape(oh * ow, c, h, w)]))
    )
    t = int(_targets(target, 1, probs.shape[1])[0])
    return (probs[0, t] - probs[1:, t]).reshape(oh, ow)


def occlusion_map_naive(
    model: Sequential, x: object, target: int, patch: int = 2, stride: int = 1, fill: float = 0.0
) -> np.ndarray:
    """:func:`occlusion_map` with loops: cover one position, run the network, note the drop."""
    model = _model(model)
    fill = check.number(fill, "fill", "0.0")
    image = _one_image(x)
    _, h, w = image.shape
    patch, stride, oh, ow = _patch_positions(h, w, patch, stride)
    t = int(_targets(target, 1, model.forward(image[None]).shape[1])[0])
    base = softmax(model.forward(image[None]))[0, t]
    drop = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            covered = image.copy()
            r, s = i * stride, j * stride
            covered[:, r : r + patch, s : s + patch] = fill
            drop[i, j] = base - softmax(model.forward(covered[None]))[0, t]
    return drop


def _check_layer(model: Sequential, layer_index: object) -> int:
    model = _model(model)
    k = nonnegative_int(layer_index, "layer_index")
    if k >= len(model.layers):
        raise ValueError(
            f"layer_index={k} but the model has {len(model.layers)} layers "
            f"(0..{len(model.layers) - 1})"
        )
    return k


def _forward_to(model: Sequential, x: np.ndarray, k: int) -> np.ndarray:
    for layer in model.layers[: k + 1]:
        x = layer.forward(x)
    return x


def _backward_from(model: Sequential, dout: np.ndarray, k: int) -> np.ndarray:
    for layer in reversed(model.layers[: k + 1]):
        dout = layer.backward(dout)
    return dout


def _check_unit(out: np.ndarray, unit: object, k: int) -> int:
    u = nonnegative_int(unit, "unit")
    if u >= out.shape[1]:
        raise ValueError(
            f"unit={u} but layer {k} has {out.shape[1]} channels or outputs (0..{out.shape[1] - 1})"
        )
    return u


def unit_activation(model: Sequential, x: object, layer_index: int, unit: int) -> np.ndarray:
    """The mean output of one channel (a feature map) or one output of layer ``layer_index``.

    Returns
    -------
    ndarray, shape (N,) (or a 0-d array for one image)
    """
    k = _check_layer(model, layer_index)
    xb, single = _batch(x)
    out = _forward_to(model, xb, k)
    u = _check_unit(out, unit, k)
    unit_out = out[:, u]
    values = unit_out.mean(axis=tuple(range(1, unit_out.ndim)))  # (N,), also for N = 0
    return values[0] if single else values


#: More gradient-ascent steps than this is a typing mistake (each step is a forward and a
#: backward pass).
MAX_STEPS = 100_000


def _clip_range(clip: object) -> tuple[float, float]:
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"clip={clip!r} must be a pair (low, high), such as (0.0, 1.0)")
    low, high = (check.number(v, "clip", "(0.0, 1.0)") for v in clip)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(
            f"clip={clip!r} must be two finite numbers, low < high, such as (0.0, 1.0)"
        )
    return low, high


def maximise_activation(
    model: Sequential,
    layer_index: int,
    unit: int,
    shape: tuple[int, int, int] = (1, 8, 8),
    steps: int = 150,
    lr: float = 0.1,
    l2: float = 0.02,
    blur: float = 0.1,
    jitter: int = 0,
    seed: int = 0,
    clip: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """The input that excites one kernel (or one class score) most: gradient ascent on pixels.

    Start from faint noise; every step runs forward to layer ``layer_index``, takes the mean
    of channel ``unit`` there (a class score when the layer is the last Dense), runs the
    backward pass from that layer down to the pixels, and moves the pixels *up* the
    gradient. Without help the result is a speckle of extreme pixels, so each step also

    - shifts the image by up to ``jitter`` pixels before the forward pass (and the gradient
      back), so no single pixel position is special (off by default: on an 8x8 digit one
      pixel is an eighth of the picture);
    - shrinks the pixels toward 0 (``l2``), so only pixels that really help keep their ink;
    - mixes in a blurred copy (``blur`` of a 3x3 Gaussian blur), so neighbours agree;
    - keeps the pixels inside ``clip`` (the digits' range is 0..1).

    Parameters
    ----------
    model : Sequential
    layer_index : int
        Index into ``model.layers``.
    unit : int
        Channel of a (N, C, H, W) output, or output of a (N, K) one.
    shape : (C, H, W)
        The input shape of the model.
    steps : int
    lr : float
        Step size; each step is scaled by the gradient's largest absolute value, so ``lr``
        is the most any pixel moves per step.
    l2, blur : float
        Strength of the shrinking and of the blur (0 switches either off).
    jitter : int
        Largest random shift in pixels (0 switches it off).
    seed : int
        Seeds the starting noise and the shifts.

    Returns
    -------
    image : ndarray, shape ``shape``

    Examples
    --------
    >>> from cnnkit import digits_cnn
    >>> maximise_activation(digits_cnn(), 0, 3, steps=5).shape
    (1, 8, 8)
    """
    k = _check_layer(model, layer_index)
    shape = check.shape(shape, "shape", "(1, 8, 8)")
    if len(shape) != 3:
        raise ValueError(f"shape={shape!r} must be one image's (C, H, W), such as (1, 8, 8)")
    check.weight_shape(shape, f"shape={shape!r}")
    steps = nonnegative_int(steps, "steps")
    if steps > MAX_STEPS:
        raise ValueError(
            f"steps={steps} is too many: at most {MAX_STEPS:,}; a few hundred steps are enough"
        )
    lr = check.positive_number(lr, "lr", "0.1")
    l2 = check.nonnegative_number(l2, "l2", "0.02")
    blur = check.nonnegative_number(blur, "blur", "0.1")
    if blur > 1:
        raise ValueError(f"blur={blur!r} is the share of the blurred copy, at most 1")
    jitter = nonnegative_int(jitter, "jitter")
    jitter = min(jitter, max(shape[1:]))  # a larger roll goes round the image once more
    clip = _clip_range(clip)
    if seed is None:
        raise TypeError(
            "seed=None must be a whole number such as 0, so that the picture can be drawn again"
        )
    rng = check.as_rng(seed, "seed")
    x = 0.5 * (clip[0] + clip[1]) + 0.01 * rng.standard_normal(shape)
    try:
        first = _forward_to(model, x[None], k)
    except ValueError as exc:
        raise ValueError(f"shape={shape!r} does not fit the model's input: {exc}") from None
    u = _check_unit(first, unit, k)
    for _ in range(steps):
        dy, dx_ = rng.integers(-jitter, jitter + 1, 2) if jitter else (0, 0)
        shifted = np.roll(x, (dy, dx_), axis=(1, 2))
        out = _forward_to(model, shifted[None], k)
        dout = np.zeros_like(out)
        dout[0, u] = 1.0 / out[0, u].size  # d mean(channel u) / d outputs
        grad = np.roll(_backward_from(model, dout, k)[0], (-dy, -dx_), axis=(1, 2))
        x = x + lr * grad / (np.abs(grad).max() + 1e-12) - lr * l2 * x
        if blur:
            smooth = conv2d(x[:, None], GAUSSIAN_BLUR[None, None], padding=1)[:, 0]
            x = (1 - blur) * x + blur * smooth
        x = np.clip(x, *clip)
    return x


def _scaled(rows: np.ndarray) -> np.ndarray:
    """Each row divided by its largest absolute value (the cosine does not change), so that
    squaring large entries such as 1e200 does not overflow."""
    with np.errstate(invalid="ignore"):
        top = np.abs(rows).max(axis=1, keepdims=True) if rows.shape[1] else np.ones((len(rows), 1))
        return rows / np.where(top > 0, top, 1.0)


def cosine_similarity(a: object, b: object) -> np.ndarray:
    """Cosine of the angle between ``a[i]`` and ``b[i]``, each flattened: 1 = same pattern
    (up to a positive scale), 0 = unrelated, -1 = the opposite pattern.

    Parameters
    ----------
    a, b : ndarray, shape (F, ...) (the same shape) or one kernel each

    Returns
    -------
    ndarray, shape (F,), or a float for one kernel each

    Examples
    --------
    >>> round(float(cosine_similarity(np.array([1.0, 2.0]), np.array([2.0, 4.0]))), 6)
    1.0
    """
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} and b {b.shape}; compare arrays of the same shape")
    single = a.ndim <= 2
    rows = (1, a.size) if single else (len(a), int(np.prod(a.shape[1:])))
    fa, fb = _scaled(a.reshape(rows)), _scaled(b.reshape(rows))
    norms = np.linalg.norm(fa, axis=1) * np.linalg.norm(fb, axis=1)
    cos = (fa * fb).sum(axis=1) / np.where(norms > 0, norms, 1.0)
    return float(cos[0]) if single else cos


def kernel_movement(before: object, after: object) -> np.ndarray:
    """How far each kernel moved in training, as the cosine similarity to its start.

    Parameters
    ----------
    before, after : ndarray, shape (F, C, KH, KW)
        A conv layer's weight at the start and at the end of training.

    Returns
    -------
    ndarray, shape (F,)
        1 = the kernel kept its pattern (it may have grown or shrunk); near 0 = it turned
        into an unrelated pattern.
    """
    before, after = as_float_array(before, "before"), as_float_array(after, "after")
    if before.ndim != 4:
        raise ValueError(f"before has shape {before.shape}; give a conv weight (F, C, KH, KW)")
    if after.shape != before.shape:
        raise ValueError(
            f"after has shape {after.shape} but before {before.shape}; give the "
            "same layer's weight at the start and at the end of training"
        )
    return cosine_similarity(before, after)


#: The largest kernel side :func:`oriented_edge_kernel` draws (a typing mistake above).
MAX_KERNEL_SIZE = 1024


def _grid(size: object) -> tuple[np.ndarray, np.ndarray]:
    size = check.count(size, "size", MAX_KERNEL_SIZE, "; kernels are a few pixels wide")
    r = np.arange(size) - (size - 1) / 2
    return np.meshgrid(r, r, indexing="ij")  # (rows: y down, columns: x right)


def _angle(angle: object) -> float:
    a = check.number(angle, "angle", "45.0")
    if not np.isfinite(a):
        raise ValueError(f"angle={angle!r} must be a finite number of degrees, such as 45.0")
    return a


def _unit_length(k: np.ndarray, size: object, sigma: float, kind: str) -> np.ndarray:
    """``k`` scaled to length 1, or a ValueError when it has no pattern to scale."""
    norm = float(np.linalg.norm(k)) if np.all(np.isfinite(k)) else 0.0
    if not norm > 1e-150:
        raise ValueError(
            f"size={size} and sigma={float(sigma)!r} leave the {kind} kernel "
            "without a pattern (all weights equal or zero); use size 3 or more "
            "and a sigma near 1"
        )
    return k / norm


def oriented_edge_kernel(
    size: int = 3, angle: float = 0.0, sigma: float = 1 / np.sqrt(2 * np.log(2))
) -> np.ndarray:
    """A Sobel-like edge kernel turned by ``angle`` degrees: a smoothed derivative.

    ``x' exp(-(x^2 + y^2) / (2 sigma^2))`` with ``x'`` the coordinate along the direction
    ``angle`` (0 = brighter to the right, 90 = brighter upward, 270 = brighter downward).
    With size 3, angle 0 and the default sigma it is ``SOBEL_VERTICAL`` up to scale (angle
    270: ``SOBEL_HORIZONTAL``): the ratio of its middle to its corner weights, 2, is
    ``exp(1 / (2 sigma^2))``.

    Returns
    -------
    ndarray, shape (size, size), unit length
    """
    yy, xx = _grid(size)
    t = np.deg2rad(_angle(angle))
    sigma = np.float64(check.positive_number(sigma, "sigma", "0.85"))
    along = xx * np.cos(t) - yy * np.sin(t)
    with np.errstate(all="ignore"):
        k = along * np.exp(-(xx**2 + yy**2) / (2 * sigma**2))
    return _unit_length(k, size, sigma, "edge")


def oriented_line_kernel(size: int = 5, angle: float = 0.0, sigma: float = 1.0) -> np.ndarray:
    """A detector of a bright line at ``angle`` degrees (0 = horizontal): positive on the
    line, negative beside it (minus the second derivative of a Gaussian across the line),
    zero mean.

    Returns
    -------
    ndarray, shape (size, size), unit length
    """
    yy, xx = _grid(size)
    t = np.deg2rad(_angle(angle))
    sigma = np.float64(check.positive_number(sigma, "sigma", "1.0"))
    across = xx * np.sin(t) + yy * np.cos(t)
    with np.errstate(all="ignore"):
        k = (1 - across**2 / sigma**2) * np.exp(-(xx**2 + yy**2) / (2 * (1.5 * sigma) ** 2))
        k = k - k.mean()
    return _unit_length(k, size, sigma, "line")


def best_orientation_match(
    kernels: object, kind: str = "edge", angles: object = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each 2-D kernel, the best cosine similarity to a turned edge (or line) kernel.

    Parameters
    ----------
    kernels : ndarray, shape (F, KH, KW) with KH == KW
    kind : {"edge", "line"}
    angles : sequence of float, optional
        Degrees to try; every 15 degrees around the circle by default.

    Returns
    -------
    best : ndarray, shape (F,)
        The largest cosine similarity over the angles.
    angle : ndarray, shape (F,)
        The angle that gives it.
    """
    kernels = as_float_array(kernels, "kernels")
    if kernels.ndim != 3 or kernels.shape[1] != kernels.shape[2] or kernels.shape[1] == 0:
        raise ValueError(
            f"kernels has shape {kernels.shape}; give square 2-D kernels "
            "(F, K, K), e.g. weight[:, 0]"
        )
    if not isinstance(kind, str):
        raise TypeError(f"kind={kind!r} must be the word 'edge' or 'line'")
    if kind not in ("edge", "line"):
        raise ValueError(f"kind={kind!r} must be 'edge' or 'line'")
    if angles is None:
        angles = np.arange(0, 360, 15.0)
    else:
        if isinstance(angles, str) or np.ndim(angles) != 1:
            raise TypeError(f"angles={angles!r} must be a list of degrees, such as [0, 45, 90]")
        angles = check.array(angles, "angles", ndim=1, layout="(A,)", finite=True, nonempty=True)
    make = oriented_edge_kernel if kind == "edge" else oriented_line_kernel
    try:
        templates = np.stack([make(kernels.shape[1], a) for a in angles])  # (A, K, K)
    except ValueError as exc:
        raise ValueError(
            f"kernels has shape {kernels.shape}, too small to compare with {kind} kernels: {exc}"
        ) from None
    flat = _scaled(kernels.reshape(len(kernels), kernels.shape[1] ** 2))
    flat = flat / np.where(
        np.linalg.norm(flat, axis=1, keepdims=True) > 0,
        np.linalg.norm(flat, axis=1, keepdims=True),
        1.0,
    )
    cos = flat @ templates.reshape(len(angles), -1).T  # (F, A)
    best = cos.argmax(axis=1)
    return cos[np.arange(len(kernels)), best], angles[best]
