"""exercises helpers for the start notebook."""
from __future__ import annotations

__all__: list[str] = []
