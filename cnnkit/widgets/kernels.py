"""widgets helpers for the kernels notebook."""
from __future__ import annotations

__all__: list[str] = []
