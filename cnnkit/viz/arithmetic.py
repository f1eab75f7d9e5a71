"""viz helpers for the arithmetic notebook."""
from __future__ import annotations

__all__: list[str] = []
