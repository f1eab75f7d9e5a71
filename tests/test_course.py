"""Course-wide checks: links resolve, the README maps every notebook, nav links are current."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
LINK = re.compile(
    r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)|(?:src|href)=\"([^\"]+)\""
)


def _nav_module():
    spec = importlib.util.spec_from_file_location("nav_links", ROOT / "tools" / "nav_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _markdown_sources() -> list[tuple[str, Path, str]]:
    """(label, folder the links are relative to, markdown text) for README and notebooks."""
    sources = [("README.md", ROOT, (ROOT / "README.md").read_text())]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                sources.append((f"{path.name} cell {i}", path.parent, cell.source))
    return sources


def _targets(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in LINK.finditer(text)]


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


def test_link_pattern_finds_markdown_and_html_links():
    text = '[a](x.ipynb) ![b](img/y.png) <img src="z.png"> [web](https://example.org)'
    assert _targets(text) == ["x.ipynb", "img/y.png", "z.png", "https://example.org"]


@pytest.mark.parametrize("label,folder,text", _markdown_sources(), ids=lambda v: str(v)[:40])
def test_every_local_link_resolves(label, folder, text):
    broken = []
    for target in _targets(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses and in-page anchors
        path = (folder / unquote(target.split("#")[0])).resolve()
        if not path.exists():
            broken.append(target)
    assert broken == [], f"{label} links to missing files: {broken}"


def test_readme_course_map_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    missing = [p.name for p in NOTEBOOKS if f"(notebooks/{p.name})" not in readme]
    assert missing == [], f"README's course map does not link {missing}"


def test_index_course_map_lists_every_notebook_in_order():
    cells = json.loads((ROOT / "notebooks" / "00_index.ipynb").read_text())["cells"]
    course_map = next(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("## The course map")
    )
    listed = re.findall(r"\]\(([0-9][0-9][a-z]?_\w+\.ipynb)\)", course_map)
    assert listed == [p.name for p in NOTEBOOKS], "00_index's course map is not every notebook"


def test_nav_links_are_current():
    nav = _nav_module()
    stale = []
    for path, text in nav.expected_links().items():
        nb = nbformat.read(path, as_version=4)
        cells = [c.source for c in nb.cells if "nav" in c.metadata.get("tags", [])]
        if len(cells) != 2 or any(c != text for c in cells):
            stale.append(path.name)
    assert stale == [], f"nav links out of date in {stale}; run `make links`"


@pytest.mark.parametrize("package", ["viz", "widgets", "exercises"])
def test_topic_modules_are_named_after_their_notebooks(package):
    """cnnkit/<package>/<name>.py belongs to notebooks/NN_<name>.ipynb, so each finds the other."""
    slugs = {re.sub(r"^\d\d[a-z]?_", "", p.stem) for p in NOTEBOOKS}
    modules = {p.stem for p in (ROOT / "cnnkit" / package).glob("[a-z]*.py")}
    orphans = sorted(modules - slugs)
    assert not orphans, f"cnnkit/{package}: no notebook is named after {orphans}"


def _pins(lines, separator):
    pins = {}
    for line in lines:
        line = line.strip().lstrip("- ").strip()
        if separator in line and not line.startswith("#"):
            name, version = line.split(separator, 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_environment_yml_pins_the_same_versions_as_the_lock():
    lock = _pins((ROOT / "requirements-lock.txt").read_text().splitlines(), "==")
    conda = _pins((ROOT / "environment.yml").read_text().splitlines(), "=")
    conda.pop("python")
    assert conda, "environment.yml pins no package"
    drift = {
        name: (version, lock.get(name))
        for name, version in conda.items()
        if lock.get(name) != version
    }
    assert not drift, f"environment.yml vs requirements-lock.txt (yml, lock): {drift}"


@pytest.mark.parametrize("package", ["viz", "widgets", "exercises"])
def test_no_two_topic_modules_export_the_same_name(package):
    """A name exported by two topic modules would silently hide one of them in the package."""
    module = importlib.import_module(f"cnnkit.{package}")
    seen: dict[str, str] = {}
    clashes = []
    for topic in module._TOPICS:
        for name in topic.__all__:
            if name in seen:
                clashes.append(f"{name}: {seen[name]} and {topic.__name__}")
            seen[name] = topic.__name__
    assert not clashes, clashes
