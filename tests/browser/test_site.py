"""The course website (``make site``), opened page by page in headless Chromium.

The site is built into a temporary folder from the repository as it is, served on
127.0.0.1, and every page is opened. Each page must: load every image, link only to pages
and files that exist, show a picture in every explorer cell (never a raw widget repr),
log no console error, and request nothing from any host but 127.0.0.1. The search page
must find a word of the course, and axe-core (when installed, as CI does) must find no
serious or critical accessibility violation on the home page and a notebook page.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("CNNKIT_REQUIRE_BROWSER") == "1"
AXE = Path(
    os.environ.get("CNNKIT_AXE", ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js")
)
WIDGET = "application/vnd.jupyter.widget-view+json"
RAW_REPRS = (
    "Explorer(children=",
    "HBox(children=",
    "VBox(children=",
    "IntProgress(",
    "interactive(children=",
)

pytestmark = pytest.mark.browser


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    missing = [m for m in ("sphinx", "myst_nb", "furo", "jupyter_server_mathjax") if _missing(m)]
    if missing:
        message = f"the site needs {missing} (in requirements-lock.txt: run make venv)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    return build_site.build(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


@pytest.fixture
def page(chromium, server):
    """A fresh page that records every outside request, failed response and console error."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.problems = []
    host = urlparse(server).netloc

    def on_request(request):
        url = urlparse(request.url)
        if url.scheme not in ("data", "blob", "about") and url.netloc != host:
            pg.problems.append(f"request to another host: {request.url}")

    pg.on("request", on_request)
    pg.on("response", lambda r: r.status >= 400 and pg.problems.append(f"{r.status} {r.url}"))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    try:
        yield pg
    finally:
        context.close()


def _pages(site: Path) -> list[str]:
    return sorted(
        str(p.relative_to(site))
        for p in site.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )


def _explorer_cells(notebook: Path) -> list[int]:
    """Indexes (among code cells) of the cells whose stored output is a widget view."""
    code = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    return [
        i
        for i, cell in enumerate(code)
        if any(WIDGET in out.get("data", {}) for out in cell.get("outputs", []))
    ]


def _broken_links(pg, site: Path, base: str) -> list[str]:
    hrefs = pg.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    broken = []
    for href in hrefs:
        url = urlparse(href)
        if not href.startswith(base):
            continue  # a link to another site is fine: it loads nothing until followed
        target = site / unquote(url.path[len(urlparse(base).path) :])
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            broken.append(f"broken link: {href}")
    return broken


def test_every_page_loads_cleanly(site, server, page):
    pages = _pages(site)
    assert len(pages) >= 8, f"too few pages built: {pages}"
    problems = []
    for rel in pages:
        page.problems.clear()
        page.goto(urljoin(server, rel), wait_until="load")
        page.wait_for_load_state("networkidle")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth])"
        )
        problems += [f"{rel}: image not loaded: {src}" for src, ok in images if not ok]
        problems += [f"{rel}: {p}" for p in _broken_links(page, site, server)]
        text = page.inner_text("body")
        problems += [f"{rel}: raw widget text {r!r}" for r in RAW_REPRS if r in text]
        problems += [f"{rel}: {p}" for p in page.problems]
    assert not problems, "\n".join(problems)


def test_every_explorer_shows_its_picture(site, server, page):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    checked, missing = 0, []
    for notebook in notebooks:
        cells = _explorer_cells(notebook)
        if not cells:
            continue
        page.goto(urljoin(server, f"notebooks/{notebook.stem}.html"), wait_until="load")
        rendered = page.locator("div.cell")
        for index in cells:
            cell = rendered.nth(index)
            sizes = cell.locator("img, svg").evaluate_all(
                "els => els.map(e => e.naturalWidth || e.getBoundingClientRect().width)"
            )
            checked += 1
            if not any(size and size > 20 for size in sizes):
                missing.append(f"{notebook.name}: code cell {index} shows no picture")
    assert checked, "no explorer cell found in any notebook"
    assert not missing, "\n".join(missing)


def test_every_figure_has_a_text_alternative_from_its_titles(site, server, page):
    """Each picture in a notebook's outputs says what it shows: its alt text comes from the
    figure's titles (cnnkit.viz.register_figure_alt_text), never a file name or a bare
    "Figure"."""
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    seen, bad = 0, []
    for notebook in notebooks:
        page.goto(urljoin(server, f"notebooks/{notebook.stem}.html"), wait_until="load")
        alts = page.eval_on_selector_all(
            "div.cell_output img", "els => els.map(e => e.getAttribute('alt'))"
        )
        seen += len(alts)
        for alt in alts:
            words = (alt or "").removeprefix("Figure:").strip()
            if not words or words == "Figure" or words.endswith(".png") or "no titles" in words:
                bad.append(f"{notebook.name}: an image with alt {alt!r}")
    assert seen >= 50, f"only {seen} images found in the notebooks' outputs"
    assert not bad, "\n".join(bad[:20])


def test_math_is_typeset_from_the_site_itself(server, page):
    page.goto(urljoin(server, "notebooks/01_layers.html"), wait_until="load")
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.running == 0"
        " && MathJax.Hub.queue.pending == 0",
        timeout=30_000,
    )
    page.wait_for_load_state("networkidle")
    typeset = page.locator(".MathJax, .MathJax_Display, .MathJax_SVG").count()
    assert typeset > 0, "no formula was typeset"
    assert not page.problems, "\n".join(page.problems)


def test_search_finds_a_course_word(server, page):
    page.goto(urljoin(server, "search.html?q=stride"), wait_until="load")
    page.wait_for_selector("#search-results li", timeout=30_000)
    assert page.locator("#search-results li").count() >= 1
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.parametrize("rel", ["index.html", "notebooks/03_stride_padding_output_size.html"])
def test_no_serious_accessibility_violation(server, page, rel):
    if not AXE.exists():
        message = f"axe-core not found at {AXE} (.ci/run installs it from npm)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)
    page.goto(urljoin(server, rel), wait_until="load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['html'][:160]}" for v in bad
    ]
    assert not bad, f"{rel}:\n" + "\n".join(report)
