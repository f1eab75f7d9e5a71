"""Build the course website: ``make site`` (or ``python tools/course.py site``).

Usage: ``python tools/build_site.py [OUT]`` (default ``build/site``).

The pages are made from what the repository already holds, so the site cannot drift from
the course: the home page is the README (its course map, speed and accuracy figures), each
notebook is shown with its stored outputs, "Run this notebook" is the README's set-up
section, and the API reference comes from the docstrings of ``cnnkit.__all__``. The build
is offline: MathJax is copied from the jupyter-server-mathjax package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RUN_PAGE = "run.md"
EXTRA_FILES = ["docs/AUTHORING.md", "cnnkit/data/DIGITS.md"]


def course_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))


def readme_section(title: str) -> str:
    """The text of the README section ``## title`` (up to the next ``## ``)."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not match:
        raise ValueError(f"README.md has no section '## {title}'")
    return match.group(1).strip()


def home_page(notebooks: list[Path]) -> str:
    """The README as the home page, with the site's table of contents after it."""
    readme = (ROOT / "README.md").read_text()
    readme = readme.replace("](benchmarks/results/README.md)", "](speed.md)")
    pages = [f"notebooks/{p.stem}" for p in notebooks]
    toc = "\n".join(
        [
            "",
            "```{toctree}",
            ":hidden:",
            ":caption: The course",
            "",
            *pages,
            "```",
            "",
            "```{toctree}",
            ":hidden:",
            ":caption: Using it",
            "",
            RUN_PAGE[:-3],
            "api",
            "speed",
            "speed-one-thread",
            "docs/AUTHORING",
            "cnnkit/data/DIGITS",
            "```",
            "",
        ]
    )
    return readme + "\n" + toc


def run_page() -> str:
    return (
        "# Run this notebook\n\nEvery page of this site is a notebook you can run and "
        "play with on your own machine: the explorers' sliders, the exercises and the labs "
        "need a running Python kernel.\n\n"
        + readme_section("The two commands")
        + "\n\nThen open the notebook you were reading from JupyterLab's file browser "
        "(folder `notebooks/`).\n"
    )


def api_page() -> str:
    import cnnkit

    by_module: dict[str, list[str]] = {}
    for name in cnnkit.__all__:
        obj = getattr(cnnkit, name)
        module = getattr(obj, "__module__", None) or "cnnkit"
        if not module.startswith("cnnkit"):
            module = "cnnkit"
        by_module.setdefault(module, []).append(name)
    lines = [
        "# API reference",
        "",
        "Everything below is importable from the top level (`from cnnkit import conv2d`). "
        "Arrays are NCHW, as in PyTorch.",
        "",
    ]
    for module in sorted(by_module):
        lines += [f"## `{module}`", "", "```{eval-rst}"]
        for name in by_module[module]:
            obj = getattr(cnnkit, name)
            if isinstance(obj, type):
                lines += [f".. autoclass:: cnnkit.{name}", "   :members:", ""]
            elif callable(obj):
                lines += [f".. autofunction:: cnnkit.{name}", ""]
        lines += ["```", ""]
    data = [name for name in cnnkit.__all__ if not callable(getattr(cnnkit, name))]
    if data:
        lines += ["## Constants", ""]
        lines += [f"- `cnnkit.{name}`: {type(getattr(cnnkit, name)).__name__}" for name in data]
        lines.append("")
    return "\n".join(lines)


def add_run_link(path: Path, out: Path) -> None:
    """Copy a notebook, with a line under its nav cell pointing to the run instructions."""
    nb = nbformat.read(path, as_version=4)
    note = nbformat.v4.new_markdown_cell(
        f"*Reading this on the web? The explorers and exercises need a kernel: "
        f"[run this notebook](../{RUN_PAGE}) on your machine.*"
    )
    at = 1 if nb.cells and "nav" in nb.cells[0].get("metadata", {}).get("tags", []) else 0
    nb.cells.insert(at, note)
    nbformat.write(nb, out)


def copy_mathjax(static: Path) -> None:
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, static / "mathjax")


def build(out: Path) -> Path:
    src = out.parent / (out.name + "-src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    notebooks = course_notebooks()
    for path in notebooks:
        add_run_link(path, src / "notebooks" / path.name)
    for rel in EXTRA_FILES:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, src / rel)
    shutil.copytree(ROOT / "docs" / "images", src / "docs" / "images")
    results = ROOT / "benchmarks" / "results"
    shutil.copytree(
        results, src / "benchmarks" / "results", ignore=shutil.ignore_patterns("*.md", "*.json")
    )
    for page, folder in [
        ("speed.md", "benchmarks/results"),
        ("speed-one-thread.md", "benchmarks/results/one-thread"),
    ]:
        text = (ROOT / folder / "README.md").read_text()
        text = re.sub(r"\]\((?!http)([^)]+\.png)\)", rf"]({folder}/\1)", text)
        text = text.replace("](one-thread/README.md)", "](speed-one-thread.md)")
        if "one-thread" in folder:
            text = re.sub(r"^# (.*)$", r"# \1 (one thread)", text, count=1, flags=re.M)
        (src / page).write_text(text)
    (src / "index.md").write_text(home_page(notebooks))
    (src / RUN_PAGE).write_text(run_page())
    (src / "api.md").write_text(api_page())
    shutil.copy(ROOT / "docs" / "site" / "conf.py", src / "conf.py")
    shutil.copytree(ROOT / "docs" / "site" / "_static", src / "_static")
    copy_mathjax(src / "_static")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "2", str(src), str(out)]
    subprocess.run(cmd, check=True)
    for page in out.rglob("*.html"):
        page.write_text(accessible(page.read_text()))
    return out


def accessible(html: str) -> str:
    """Two fixes to the theme's HTML that screen-reader and keyboard users need.

    A sidebar caption marked ``role="heading"`` gets the level a screen reader announces,
    and a code block (which may scroll sideways) can take the keyboard focus to scroll.
    """
    html = html.replace('role="heading">', 'role="heading" aria-level="2">')
    return re.sub(r"<pre(?![^>]*tabindex)", '<pre tabindex="0"', html)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else ROOT / "build" / "site"
    out = build(out.resolve())
    print(f"site written to {out} (open {out / 'index.html'}, or serve the folder)")


if __name__ == "__main__":
    main(sys.argv[1:])
