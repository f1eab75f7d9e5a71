"""exercises helpers for the training notebook."""
from __future__ import annotations

__all__: list[str] = []
