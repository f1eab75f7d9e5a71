"""exercises helpers for the network notebook."""
from __future__ import annotations

__all__: list[str] = []
