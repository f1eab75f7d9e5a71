"""``make lab`` starts JupyterLab that serves the course, starting at the index notebook.

The server gets throwaway Jupyter folders and a token, answers on 127.0.0.1, and is stopped
through the process group this test started (make and its jupyter child), nothing else.
Needs ``make`` and JupyterLab, not a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import labharness as lh
import nbformat
import pytest


@pytest.mark.skipif(shutil.which("make") is None, reason="make not found")
def test_make_lab_serves_the_index_notebook(tmp_path):
    index = lh.NOTEBOOK_DIR / "00_index.ipynb"
    before = index.read_bytes()
    port, token = lh.free_port(), "t" + lh.secrets.token_hex(12)
    venv = Path(sys.prefix)
    # Without --allow-root: as root (as in CI or a container) make lab must add it by itself.
    args = [a for a in lh.server_args(port, token) if a != "--allow-root"]
    # INSTALL: never (re)build the environment from a test; VENV: the one running the tests.
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(lh.REPO),
        "lab",
        f"VENV={venv}",
        "INSTALL=--no-install",
        "LAB_ARGS=" + " ".join(args),
    ]
    log = tmp_path / "make-lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd,
            env=lh.lab_environment(tmp_path / "jupyter"),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        lh.wait_until_serving(base, token, proc, log)
        print(f"make lab answered after {time.perf_counter() - started:.1f} s")

        status, body = lh.http_get(f"{base}/lab", token)
        assert status == 200 and b"JupyterLab" in body, f"/lab answered {status}"

        # make lab opens notebooks/00_index.ipynb; the server root is its folder or the repo
        for path in ("00_index.ipynb", "notebooks/00_index.ipynb"):
            status, body = lh.http_get(f"{base}/api/contents/{path}?content=1", token)
            if status == 200:
                break
        assert status == 200, f"the contents API does not serve the index notebook:\n{lh.tail(log)}"
        served = json.loads(body)
        assert served["type"] == "notebook" and served["name"] == "00_index.ipynb"
        on_disk = nbformat.read(index, as_version=4)
        served_sources = [c["source"] for c in served["content"]["cells"]]
        assert served_sources == [c.source for c in on_disk.cells]

        if hasattr(os, "geteuid") and os.geteuid() == 0:
            assert "starting JupyterLab with --allow-root" in log.read_text(), lh.tail(log)

        status, _ = lh.http_get(f"{base}/api/status", "wrong-token")
        assert status == 403, "the server must refuse a wrong token"
    finally:
        lh.stop_process_group(proc)
    assert proc.returncode is not None
    assert index.read_bytes() == before
