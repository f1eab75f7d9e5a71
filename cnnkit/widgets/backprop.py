"""widgets helpers for the backprop notebook."""
from __future__ import annotations

__all__: list[str] = []
