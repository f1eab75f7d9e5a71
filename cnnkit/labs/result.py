"""The result of a lab check: a panel in a notebook (green passed, amber not written yet,
red with a diagnosis and the failing case) and the same words as plain text elsewhere."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calling import close, loose
from .grid import value_html, value_text
from .spec import Case

__all__ = ["LabResult", "CaseView"]

_COLORS = {
    "passed": ("#1a7f37", "#dafbe1"),
    "not_written": ("#9a6700", "#fff8c5"),
    "failed": ("#cf222e", "#ffebe9"),
}


@dataclass(frozen=True)
class CaseView:
    """A case to show: where it sits, its inputs, the right answer and what came back."""

    index: int
    total: int
    case: Case
    names: tuple[str, ...]
    expected: tuple[Any, ...]
    got: tuple[Any, ...] | None

    def title(self) -> str:
        return f"case {self.index + 1} of {self.total} ({self.case.note})"

    def text(self) -> str:
        lines = [f"The first failing case, {self.title()}:"]
        lines += [f"  {k} = {value_text(v)}" for k, v in self.case.args.items()]
        for i, name in enumerate(self.names):
            lines.append(f"  expected {name} = {value_text(self.expected[i])}")
            if self.got is not None:
                got = self.got[i]
                same = close(got, self.expected[i], loose(self.case))
                lines.append(
                    f"  got      {name} = " + ("the same (right)" if same else value_text(got))
                )
        return "\n".join(lines)

    def html(self) -> str:
        rows = [
            f"<tr><td><code>{html.escape(k)}</code></td><td>{value_html(v)}</td></tr>"
            for k, v in self.case.args.items()
        ]
        for i, name in enumerate(self.names):
            want = self.expected[i]
            got = None if self.got is None else self.got[i]
            bad = _differences(got, want)
            rows.append(
                f"<tr><td>expected <code>{html.escape(name)}</code></td>"
                f"<td>{value_html(want, bad)}</td></tr>"
            )
            if self.got is not None:
                same = close(got, want, loose(self.case))
                mark = "" if same else ' <span style="color:#cf222e">(differs)</span>'
                shown = "the same (right)" if same else value_html(got, bad)
                rows.append(
                    f"<tr><td>got <code>{html.escape(name)}</code>{mark}</td><td>{shown}</td></tr>"
                )
        return (
            f"<details open><summary>The first failing case, {html.escape(self.title())}"
            "; differing cells in red</summary>"
            f'<table style="border-collapse:collapse">{"".join(rows)}</table></details>'
        )


def _differences(got: Any, want: Any) -> np.ndarray | None:
    if not (isinstance(got, np.ndarray) and isinstance(want, np.ndarray)):
        return None
    if got.shape != want.shape:
        return None
    single = got.dtype == np.float32 or want.dtype == np.float32
    rtol, atol = (1e-4, 1e-5) if single else (1e-9, 1e-10)
    with np.errstate(all="ignore"):
        return ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@dataclass(frozen=True)
class LabResult:
    """What :func:`cnnkit.labs.check` found.

    Attributes
    ----------
    lab : str
        The lab's name.
    passed : bool
        True when every case is right.
    status : str
        "passed", "not_written" or "failed".
    message : str
        The whole verdict in plain words (also ``str(result)``).
    mistake : str or None
        The name of the catalogued mistake the code makes, if one matches.
    case : Case or None
        The first failing case.
    accuracy, history
        Capstone only: the test accuracy (a fraction) and the dict ``train`` returned.
    """

    lab: str
    passed: bool
    status: str
    message: str
    mistake: str | None = None
    case: Case | None = None
    view: CaseView | None = field(default=None, repr=False, compare=False)
    accuracy: float | None = None
    history: dict | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        head, _, rest = self.message.partition("\n\n")
        return f"**{head}**" + (f"\n\n```text\n{rest}\n```" if rest else "")

    def _repr_html_(self) -> str:
        edge, back = _COLORS[self.status]
        paragraphs = self.message.split("\n\n")
        if self.view is not None:  # the case is drawn below instead of printed
            paragraphs = [p for p in paragraphs if not p.startswith("The first failing case")]
        body = "".join(
            f"<p style='margin:4px 0;white-space:pre-wrap'>"
            f"{'<b>' if i == 0 else ''}{html.escape(p)}{'</b>' if i == 0 else ''}</p>"
            for i, p in enumerate(paragraphs)
        )
        case = self.view.html() if self.view is not None else ""
        return (
            f'<div style="border-left:6px solid {edge};background:{back};'
            f'padding:6px 10px;margin:4px 0">{body}{case}</div>'
        )
