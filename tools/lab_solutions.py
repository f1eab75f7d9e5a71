"""Write a solved copy of each lab notebook: the reference solutions in place of the stubs.

Usage: ``python tools/lab_solutions.py OUT_DIR [notebooks/NN[a-z]_lab_x.ipynb ...]`` (all
lab notebooks by default). In each copy:

- every cell tagged ``lab-stub`` gets, for each function it defines, the reference solution
  of that lab (``cnnkit.labs`` ``solution_source``; ``train`` is the capstone's);
- every cell tagged ``lab-check`` keeps its code but must now pass: its last expression is
  kept as ``_lab_result``, followed by ``assert _lab_result.passed`` (and, for the capstone,
  ``accuracy >= 0.95``) before it is shown;
- every cell tagged ``lab-explorer`` (it moves an explorer running the learner's function,
  ``NAME.set(...)``) must then show the learner's result the same as cnnkit's.

The tests execute these copies (``tests/notebooks/test_labs_solved.py``); the committed
notebooks stay the learner's starting point, with stubs.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: The capstone's pass mark, asserted in its solved copy.
CAPSTONE_ACCURACY = 0.95


def lab_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9][a-z]_lab_*.ipynb"))


def defined_functions(source: str) -> list[str]:
    """Names of the top-level functions a cell defines, in order."""
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]


def solved_source(source: str) -> str:
    """The reference solutions of every function a stub cell defines."""
    from cnnkit.labs.sources import solution_source

    names = defined_functions(source)
    if not names:
        raise ValueError(f"a cell tagged lab-stub defines no function:\n{source}")
    return "\n\n\n".join(solution_source("capstone" if n == "train" else n) for n in names)


def asserting_source(source: str) -> str:
    """A check cell whose result must pass (the capstone's also >= 95% test accuracy)."""
    tree = ast.parse(source)
    last = tree.body[-1]
    if not isinstance(last, ast.Expr):
        raise ValueError(f"a cell tagged lab-check must end with the check's result:\n{source}")
    lines = source.splitlines()
    head = "\n".join(lines[: last.lineno - 1])
    expr = ast.get_source_segment(source, last)
    checks = ["assert _lab_result.passed, str(_lab_result)"]
    if "capstone" in source:
        checks.append(f"assert _lab_result.accuracy >= {CAPSTONE_ACCURACY}, _lab_result.accuracy")
    return "\n".join([head, f"_lab_result = {expr}", *checks, "_lab_result"]).lstrip("\n")


def explorer_asserting_source(source: str) -> str:
    """An explorer cell that also asserts the view says the learner's result matches cnnkit's."""
    names = re.findall(r"(\w+)\.set\(", source)
    if not names:
        raise ValueError(
            f"a cell tagged lab-explorer must move an explorer (NAME.set(...)):\n{source}"
        )
    view = (
        f"_view = '\\n'.join(str(getattr(item, 'data', item)) for item in "
        f"{names[-1]}.last_result if isinstance(item, str) or hasattr(item, 'data'))"
    )
    check = (
        'assert "the same" in _view and "differs" not in _view and "Your code" not in _view, _view'
    )
    return "\n".join([source, view, check])


def solve(path: Path, out_dir: Path) -> Path:
    nb = nbformat.read(path, as_version=4)
    stubs = checks = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "lab-stub" in tags:
            cell.source, stubs = solved_source(cell.source), stubs + 1
        if "lab-check" in tags:
            cell.source, checks = asserting_source(cell.source), checks + 1
        if "lab-explorer" in tags:
            cell.source = explorer_asserting_source(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if not stubs or not checks:
        raise ValueError(
            f"{path.name} has {stubs} lab-stub and {checks} lab-check cells; "
            "a lab notebook needs at least one of each"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / path.name
    nbformat.write(nb, target)
    return target


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out_dir = Path(argv[0])
    for path in [Path(a) for a in argv[1:]] or lab_notebooks():
        print(f"wrote {solve(path, out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
