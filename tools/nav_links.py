"""Write the previous / index / next links of every notebook from the file names.

Each notebook gets a markdown cell tagged ``nav`` at the top and at the bottom; this script
creates them if missing and rewrites them otherwise. Titles come from each notebook's first
``# `` heading. Run it through ``make links`` (``make outputs`` runs it too).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATTERN = re.compile(r"^\d\d[a-z]?_[a-z0-9_]+\.ipynb$")


def title_of(nb: nbformat.NotebookNode, path: Path) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nav" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem.replace("_", " ")


def nav_text(paths: list[Path], titles: dict[Path, str], i: int) -> str:
    parts = []
    if i > 0:
        parts.append(f"[← {titles[paths[i - 1]]}]({paths[i - 1].name})")
    if i != 0:
        parts.append(f"[Index]({paths[0].name})")
    if i + 1 < len(paths):
        parts.append(f"[{titles[paths[i + 1]]} →]({paths[i + 1].name})")
    return " | ".join(parts)


def nav_cell(text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = ["nav"]
    cell.pop("id", None)
    return cell


def expected_links() -> dict[Path, str]:
    """The nav text each notebook should carry, by path."""
    paths = notebook_paths()
    books = {p: nbformat.read(p, as_version=4) for p in paths}
    titles = {p: title_of(nb, p) for p, nb in books.items()}
    return {p: nav_text(paths, titles, i) for i, p in enumerate(paths)}


def notebook_paths() -> list[Path]:
    return sorted(p for p in NOTEBOOKS.glob("*.ipynb") if PATTERN.match(p.name))


def main() -> int:
    paths = notebook_paths()
    books = {p: nbformat.read(p, as_version=4) for p in paths}
    titles = {p: title_of(nb, p) for p, nb in books.items()}
    for i, path in enumerate(paths):
        nb = books[path]
        text = nav_text(paths, titles, i)
        cells = [c for c in nb.cells if "nav" not in c.metadata.get("tags", [])]
        top, bottom = nav_cell(text), nav_cell(text)
        top["id"], bottom["id"] = "nav-top", "nav-bottom"
        nb.cells = [top, *cells, bottom]
        before = path.read_text()
        nbformat.write(nb, path)
        if path.read_text() != before:
            print(f"updated links in {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
