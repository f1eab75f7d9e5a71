"""The code a learner sees: the stub a lab starts from and the reference solution."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from . import solutions

__all__ = ["reference", "solution_source", "stub_from"]


def reference(lab: str) -> Callable[..., Any]:
    """The reference function of a lab (the capstone's is its ``train``)."""
    if lab == "capstone":
        from .capstone import train

        return train
    return getattr(solutions, lab)


def solution_source(lab: str) -> str:
    """The reference solution's source code."""
    return textwrap.dedent(inspect.getsource(reference(lab))).strip()


def stub_from(source: str) -> str:
    """Keep a function's signature and docstring, replace its body with NotImplementedError."""
    func = ast.parse(source).body[0]
    assert isinstance(func, ast.FunctionDef)
    lines = source.splitlines()
    doc_end = func.body[0].end_lineno if ast.get_docstring(func) is not None else func.lineno
    head = "\n".join(lines[:doc_end])
    return f'{head}\n    raise NotImplementedError("write {func.name} here")\n'
