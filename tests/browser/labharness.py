"""Drive the course the way a learner does: JupyterLab in headless Chromium.

The harness is in small parts, all importable from here (``import labharness as lh``):

- labserver.py: this machine (Chromium, playwright) and the JupyterLab server (:class:`LabServer`);
- page_helpers.js: helpers loaded into JupyterLab's page as ``window.__cnnkit``;
- controls.py: one driver per kind of explorer control, looked up in a table;
- explorers.py: moves every control of one explorer and judges what its view does;
- steps.py: the steps run on one notebook (open, clear, run all, check outputs, move
  explorers, screenshots, forensics) and :func:`exercise_notebook` / :func:`inspect_stored`;
- report.py: :class:`NotebookReport`, what a test found.
"""

from __future__ import annotations

import secrets  # noqa: F401  (the make-lab test draws its token through lh.secrets)

from controls import DRIVERS, NONSENSE, Control, find_controls  # noqa: F401
from explorers import ExplorerDriver  # noqa: F401
from labserver import (  # noqa: F401
    NOTEBOOK_DIR,
    NOTEBOOKS_ENV,
    REPO,
    REQUIRE_ENV,
    LabServer,
    browser_skip_reason,
    checkpoint_of,
    discover_notebooks,
    file_state,
    find_chromium,
    free_port,
    http_get,
    lab_environment,
    server_args,
    server_root,
    stop_process_group,
    tail,
    wait_until_serving,
)
from report import NotebookReport  # noqa: F401
from steps import (  # noqa: F401
    ARTIFACTS,
    BUTTON_TIMEOUT_S,
    MOVE_TIMEOUT_S,
    RUN_ALL_TIMEOUT_S,
    VIEWPORT,
    exercise_notebook,
    inspect_stored,
)
