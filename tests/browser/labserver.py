"""The JupyterLab server of the browser tests, and the facts about this machine they need.

- :func:`browser_skip_reason` says why the browser tests cannot run here (no Chromium, no
  Python playwright), or ``None`` when they can.
- :class:`LabServer` starts ``jupyter lab`` on 127.0.0.1 with a token and throwaway config,
  data, runtime, settings and workspace folders (news pop-up and autosave off), and stops it
  by the process group it started, and only that.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"

#: A folder of notebooks to test instead of ``notebooks/`` (used to try the harness itself).
NOTEBOOKS_ENV = "CNNKIT_BROWSER_NOTEBOOKS"
#: Set to 1 to make a missing Chromium or playwright an error instead of a skip (CI).
REQUIRE_ENV = "CNNKIT_REQUIRE_BROWSER"


def find_chromium() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, or ``chromium`` on PATH."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_skip_reason() -> str | None:
    """One line saying how to enable the browser tests, or None when they can run."""
    if find_chromium() is None:
        return (
            "Chromium not found; install Debian's chromium (apt-get install chromium) "
            "to run the browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Python playwright not installed; pip install playwright (the browser is "
            "Debian's chromium: never run 'playwright install')"
        )
    return None


def discover_notebooks() -> list[Path]:
    """Every ``NN_*.ipynb`` in notebooks/ (or in the folder named by CNNKIT_BROWSER_NOTEBOOKS)."""
    folder = Path(os.environ.get(NOTEBOOKS_ENV) or NOTEBOOK_DIR)
    return sorted(folder.glob("[0-9][0-9]*_*.ipynb"))


def server_root(notebook: Path) -> Path:
    """Serve the repository for course notebooks (as ``make lab`` does), else their folder."""
    notebook = notebook.resolve()
    return REPO if REPO in notebook.parents else notebook.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_environment(folder: Path) -> dict[str, str]:
    """Environment variables pointing every Jupyter folder into ``folder`` (created here).

    The user settings turn off the news pop-up and update check (no network, no dialog
    over the page) and autosave (the test must never write into the repository).
    """
    env = dict(os.environ)
    for var, name in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
        ("IPYTHONDIR", "ipython"),
    ]:
        path = folder / name
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env.pop("JUPYTER_PATH", None)
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "docmanager-extension/plugin": {"autosave": False},
    }
    for plugin, values in settings.items():
        target = folder / "settings" / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    return env


def server_args(port: int, token: str) -> list[str]:
    args = [
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args


def wait_until_serving(
    base: str, token: str, proc: subprocess.Popen, log: Path, timeout: float = 90
) -> None:
    """Poll /api/status until the server answers; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter exited with {proc.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"jupyter did not answer within {timeout} s:\n{tail(log)}")
        time.sleep(0.2)  # polling interval of a readiness check, not a wait for an outcome


def stop_process_group(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group we started (leader = proc), then SIGKILL what is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # anyone left in our group (the kernel, say)?
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.wait(timeout=5)


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def http_get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class LabServer:
    """``jupyter lab`` of this Python environment, in its own process group."""

    def __init__(self, root_dir: Path, workdir: Path) -> None:
        self.root_dir = Path(root_dir)
        self.workdir = Path(workdir)
        self.token = secrets.token_hex(16)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = self.workdir / "jupyter.log"
        self.startup_s = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LabServer:
        env = lab_environment(self.workdir / "jupyter")
        started = time.perf_counter()
        for attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "jupyterlab",
                *server_args(self.port, self.token),
                f"--ServerApp.root_dir={self.root_dir}",
                "--LabApp.expose_app_in_browser=True",
                # JupyterLab checkpoints a file when it opens it: keep that out of the repo
                f"--FileCheckpoints.checkpoint_dir={self.workdir / 'checkpoints'}",
                # a safety net if the test process itself is killed hard
                "--ServerApp.shutdown_no_activity_timeout=900",
            ]
            with open(self.log, "w") as log:
                self.proc = subprocess.Popen(
                    cmd,
                    env=env,
                    cwd=self.root_dir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            try:
                wait_until_serving(self.base, self.token, self.proc, self.log)
                break
            except RuntimeError:
                self.stop()
                if attempt == 2 or "address already in use" not in tail(self.log).lower():
                    raise
        self.startup_s = time.perf_counter() - started
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_group(self.proc)
            self.proc = None

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def shutdown_kernels(self) -> None:
        """End every session (and so its kernel) of this server, e.g. between notebooks."""
        status, body = http_get(f"{self.base}/api/sessions", self.token)
        if status != 200:
            return
        for session in json.loads(body):
            request = urllib.request.Request(
                f"{self.base}/api/sessions/{session['id']}",
                method="DELETE",
                headers={"Authorization": f"token {self.token}"},
            )
            try:
                urllib.request.urlopen(request, timeout=30).close()
            except urllib.error.URLError:
                pass

    def lab_url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"


def file_state(path: Path) -> tuple[bytes, int]:
    """What must not change on disk while a notebook is tested: bytes and mtime."""
    return path.read_bytes(), path.stat().st_mtime_ns


def checkpoint_of(notebook: Path) -> Path:
    return notebook.parent / ".ipynb_checkpoints" / f"{notebook.stem}-checkpoint.ipynb"
