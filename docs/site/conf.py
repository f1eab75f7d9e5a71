"""Sphinx settings for the course website (``make site``; built by tools/build_site.py).

Everything the pages need ships with the site: the theme's files, the search index and
MathJax (from the jupyter-server-mathjax package). No page loads anything from another host.
"""

from __future__ import annotations

project = "cnnkit: how a convolutional network works, from the inside"
author = "the cnnkit authors"
html_title = "cnnkit course"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# Notebooks are shown with their stored outputs; nothing is executed at build time.
nb_execution_mode = "off"
# A stored explorer carries a picture of its view beside the widget view; the site has no
# kernel, so it shows the picture. No ipywidgets scripts from a CDN.
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

# MathJax from the site itself (copied into _static/mathjax by the build).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# The package ships MathJax 2 with its STIX-Web fonts only (as the classic notebook uses it).
mathjax3_config = None
mathjax2_config = {
    # MathJax's blank test font points at about:blank, which Chromium refuses with a console
    # error; a local() source requests nothing.
    "HTML-CSS": {
        "availableFonts": [],
        "webFont": "STIX-Web",
        "imageFont": None,
        "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}},
    },
    "SVG": {"font": "STIX-Web"},
    # Sphinx marks the page body tex2jax_ignore and each formula's element "math".
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processClass": "math",
        "processRefs": False,
        "processEnvironments": False,
    },
}

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

html_theme = "furo"
html_static_path = ["_static"]
html_favicon = "_static/favicon.png"
html_copy_source = False
html_show_sourcelink = False
