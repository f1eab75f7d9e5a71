"""Small arrays drawn as HTML tables (differing cells highlighted) or as plain text.

An array of any number of dimensions is shown as its 2-D slices, each labelled with its
leading index ("[0, 1]" is image 0, channel 1), a few at most, so a case stays readable.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

__all__ = ["value_text", "value_html", "MAX_SLICES"]

MAX_SLICES = 6
_CELL = (
    "padding:1px 5px;text-align:right;border:1px solid #ddd;font-family:monospace;"
    "background:#fff;color:#1f2328"
)
_BAD = "background:#ffd7d5;color:#82071e;font-weight:bold"


def _number(v: Any) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if np.isnan(f) or np.isinf(f):
        return str(f)
    return f"{f:.4g}" if f != int(f) or abs(f) >= 1e6 else str(int(f))


def value_text(v: Any) -> str:
    """A value as stable plain text (no addresses, fixed precision)."""
    if isinstance(v, np.ndarray):
        if v.size > 60:
            return f"array of shape {v.shape}, dtype {v.dtype}"
        body = np.array2string(v, formatter={"all": _number}, max_line_width=90)
        if "\n" not in body:
            return f"{body}  (shape {v.shape}, dtype {v.dtype})"
        return f"shape {v.shape}, dtype {v.dtype}:\n      " + body.replace("\n", "\n      ")
    if isinstance(v, float):
        return _number(v) if np.isfinite(v) else str(v)
    return repr(v)


def _slices(a: np.ndarray) -> list[tuple[str, np.ndarray]]:
    if a.ndim <= 2:
        return [("", np.atleast_2d(a) if a.ndim else a.reshape(1, 1))]
    lead = a.shape[:-2]
    return [(f"[{', '.join(map(str, idx))}]", a[idx]) for idx in np.ndindex(*lead)]


def _table(a: np.ndarray, bad: np.ndarray | None) -> str:
    rows = []
    for i in range(a.shape[0]):
        cells = []
        for j in range(a.shape[1]):
            style = _CELL + (";" + _BAD if bad is not None and bad[i, j] else "")
            cells.append(f'<td style="{style}">{html.escape(_number(a[i, j]))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table style="border-collapse:collapse;display:inline-table;margin:2px 6px">'
        + "".join(rows)
        + "</table>"
    )


def value_html(v: Any, bad: np.ndarray | None = None) -> str:
    """A value as HTML; ``bad`` (same shape as ``v``) marks the cells to highlight."""
    if not isinstance(v, np.ndarray) or v.size == 0 or v.size > 2000:
        return f"<code>{html.escape(value_text(v))}</code>"
    slices = _slices(v)
    bad_slices = _slices(bad) if bad is not None else [(k, None) for k, _ in slices]
    order = list(range(len(slices)))
    if bad is not None:  # slices with differences first, so the picture shows them
        order.sort(key=lambda i: not bool(np.any(bad_slices[i][1])))
    parts = []
    for i in order[:MAX_SLICES]:
        label, s = slices[i]
        caption = f"<div style='font-size:85%;color:#555'>{label}</div>" if label else ""
        parts.append(
            f'<div style="display:inline-block;vertical-align:top">{caption}'
            f"{_table(s, bad_slices[i][1])}</div>"
        )
    more = len(slices) - MAX_SLICES
    note = "<div style='font-size:85%;color:#555'>{}</div>"
    tail = note.format(f"... and {more} more slices") if more > 0 else ""
    head = note.format(f"shape {v.shape}, dtype {v.dtype}")
    return head + "".join(parts) + tail
