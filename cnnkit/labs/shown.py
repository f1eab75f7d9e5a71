"""Text that shows well in a notebook: hints as a note, code as a code block."""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Shown"]


@dataclass(frozen=True)
class Shown:
    """A hint (``code=False``) or source code (``code=True``) to display."""

    title: str
    text: str
    code: bool = False

    def __str__(self) -> str:
        return f"{self.title}\n\n{self.text}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        if self.code:
            return f"**{self.title}**\n\n```python\n{self.text}\n```"
        return f"**{self.title}** {self.text}"

    def _repr_html_(self) -> str:
        title = f"<b>{html.escape(self.title)}</b>"
        if self.code:
            return f"{title}<pre><code>{html.escape(self.text)}</code></pre>"
        return (
            f'<div style="border-left:4px solid #0969da;padding:4px 8px">{title} '
            f"{html.escape(self.text)}</div>"
        )
