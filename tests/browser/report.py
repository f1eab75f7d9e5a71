"""What one browser test found in one notebook: problems, explorers, timings, pictures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NotebookReport:
    notebook: str
    problems: list[str] = field(default_factory=list)
    explorers: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    #: a notebook opened without running it: each stored widget output and what it shows
    stored: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.notebook}: {len(self.explorers)} explorer(s), "
            + (f"{len(self.stored)} stored widget output(s), " if self.stored else "")
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        ]
        for out in self.stored:
            lines.append(f"  {out['where']}: shown as {out['mime']}, {out['pictures']} picture(s)")
        for ex in self.explorers:
            lines.append(
                f"  explorer {ex['index']} {ex['title']!r} ({ex['seconds']:.1f} s): "
                + ", ".join(f"{name} {verdict}" for name, verdict in ex["controls"].items())
            )
        return "\n".join(lines)

    def raise_for_problems(self) -> None:
        if self.problems:
            extra = (
                "\nbrowser console errors:\n  " + "\n  ".join(self.console_errors[:10])
                if self.console_errors
                else ""
            )
            raise AssertionError(
                f"{self.notebook}: {len(self.problems)} problem(s):\n- "
                + "\n- ".join(self.problems)
                + extra
            )
