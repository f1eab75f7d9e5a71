"""Drive the course the way a learner does: JupyterLab in headless Chromium.

The pieces, used by the tests in this folder:

- :func:`browser_skip_reason` says why the browser tests cannot run here (no Chromium, no
  Python playwright), or ``None`` when they can.
- :class:`LabServer` starts ``jupyter lab`` on 127.0.0.1 with a token and throwaway config,
  data, runtime, settings and workspace folders (news pop-up and autosave off), and stops it
  by the process group it started, and only that.
- :func:`exercise_notebook` opens one notebook, runs all cells from the Run menu, checks
  that no cell shows an error and that widgets really render, then finds every explorer
  (CSS class ``cnnkit-explorer``) and moves each of its controls, checking that the view
  (class ``cnnkit-view``) changes and never shows a traceback. It collects every problem
  it sees in a :class:`NotebookReport` instead of stopping at the first one.

Nothing here waits by sleeping: every wait is a condition polled in the page (kernel idle,
execution counts present, the view's content changed) with a time limit.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: A folder of notebooks to test instead of ``notebooks/`` (used to try the harness itself).
NOTEBOOKS_ENV = "CNNKIT_BROWSER_NOTEBOOKS"
#: Set to 1 to make a missing Chromium or playwright an error instead of a skip (CI).
REQUIRE_ENV = "CNNKIT_REQUIRE_BROWSER"

RUN_ALL_TIMEOUT_S = 300     # a whole notebook, training included
MOVE_TIMEOUT_S = 30         # one control change redrawn by the kernel
BUTTON_TIMEOUT_S = 120      # a button such as "Train" runs for a while


# --------------------------------------------------------------------------- environment

def find_chromium() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, or ``chromium`` on PATH."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_skip_reason() -> str | None:
    """One line saying how to enable the browser tests, or None when they can run."""
    if find_chromium() is None:
        return ("Chromium not found; install Debian's chromium (apt-get install chromium) "
                "to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("Python playwright not installed; pip install playwright (the browser is "
                "Debian's chromium: never run 'playwright install')")
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
    for var, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
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
    args = ["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args


def wait_until_serving(base: str, token: str, proc: subprocess.Popen, log: Path,
                       timeout: float = 90) -> None:
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

    def start(self) -> "LabServer":
        env = lab_environment(self.workdir / "jupyter")
        started = time.perf_counter()
        for attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            cmd = [sys.executable, "-m", "jupyterlab", *server_args(self.port, self.token),
                   f"--ServerApp.root_dir={self.root_dir}",
                   "--LabApp.expose_app_in_browser=True",
                   # JupyterLab checkpoints a file when it opens it: keep that out of the repo
                   f"--FileCheckpoints.checkpoint_dir={self.workdir / 'checkpoints'}",
                   # a safety net if the test process itself is killed hard
                   "--ServerApp.shutdown_no_activity_timeout=900"]
            with open(self.log, "w") as log:
                self.proc = subprocess.Popen(cmd, env=env, cwd=self.root_dir, stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             start_new_session=True)
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

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def shutdown_kernels(self) -> None:
        """End every session (and so its kernel) of this server, e.g. between notebooks."""
        status, body = http_get(f"{self.base}/api/sessions", self.token)
        if status != 200:
            return
        for session in json.loads(body):
            request = urllib.request.Request(f"{self.base}/api/sessions/{session['id']}", method="DELETE",
                                             headers={"Authorization": f"token {self.token}"})
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


# --------------------------------------------------------------------------- in the page

# Helpers installed in the page as window.__cnnkit. They read JupyterLab's own objects
# (exposed with --LabApp.expose_app_in_browser) together with the DOM the learner sees.
PAGE_HELPERS = r"""
(path) => {
  const hash = (s) => {
    let h = 2166136261 >>> 0;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return h.toString(16) + ':' + s.length;
  };
  const TRACE = /Traceback \(most recent call last\)/;
  const RAW_WIDGET = /\b[A-Za-z_]\w*\(children=\(/;
  const api = {
    path,
    panel() {
      for (const w of window.jupyterapp.shell.widgets('main')) {
        if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
      }
      return null;
    },
    codeCells() {
      const p = api.panel();
      return p ? p.content.widgets.filter((c) => c.model.type === 'code') : [];
    },
    kernelStatus() {
      const p = api.panel();
      const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
      return k ? k.status : 'none';
    },
    statusBarText() {
      for (const el of document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')) {
        if (/\|\s*(Idle|Busy|Starting|Restarting|Connecting|Unknown|Dead|No Kernel)/i.test(el.textContent))
          return el.textContent.trim();
      }
      return '';
    },
    idle() { return api.kernelStatus() === 'idle' && /\|\s*Idle\s*$/.test(api.statusBarText()); },
    tags(cell) { return (cell.model.getMetadata && cell.model.getMetadata('tags')) || []; },
    prompt(cell) {
      const el = cell.node.querySelector('.jp-InputPrompt');
      return el ? el.textContent.trim() : '';
    },
    cleared() {
      return api.codeCells().every((c) => c.model.executionCount === null && c.model.outputs.length === 0);
    },
    runState() {
      const cells = api.codeCells();
      const counted = cells.filter((c) => c.model.executionCount !== null && /\[\d+\]/.test(api.prompt(c))).length;
      const errors = cells.filter((c) => c.model.outputs.toJSON().some((o) => o.output_type === 'error')).length;
      const running = cells.filter((c) => /\[\*\]/.test(api.prompt(c))).length;
      return { total: cells.length, counted, errors, running, idle: api.idle() };
    },
    runFinished() {
      const s = api.runState();
      // all cells ran, or the run stopped at an error (later cells then never run)
      return s.idle && s.running === 0 && (s.counted === s.total || s.errors > 0);
    },
    widgetsSettled() {
      // every widget output has rendered, or has visibly failed to
      const p = api.panel();
      const outs = p.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]');
      return [...outs].every((o) => o.querySelector('.jupyter-widgets, .lm-Widget') || /Error displaying widget/.test(o.textContent));
    },
    cellProblems() {
      const problems = [];
      api.codeCells().forEach((cell, i) => {
        const where = `code cell ${i + 1} (${(cell.model.sharedModel.getSource().split('\n')[0] || '').slice(0, 60)})`;
        const intended = api.tags(cell).includes('raises-exception');
        for (const o of cell.model.outputs.toJSON()) {
          if (o.output_type === 'error' && !intended)
            problems.push(`${where} shows an error: ${o.ename}: ${String(o.evalue).slice(0, 300)}`);
          if (o.output_type === 'stream' && o.name === 'stderr' && TRACE.test(String(o.text)) && !intended)
            problems.push(`${where} printed a traceback on stderr:\n${String(o.text).slice(-800)}`);
        }
        if (cell.model.executionCount === null)
          problems.push(`${where} has no execution count after Run All`);
        for (const out of cell.node.querySelectorAll('.jp-OutputArea-output')) {
          const text = out.textContent || '';
          if (out.dataset.mimeType === 'text/plain' && RAW_WIDGET.test(text))
            problems.push(`${where} shows only the raw text of a widget (${text.trim().slice(0, 80)}...): ` +
                          'the widget extension is not active (jupyterlab_widgets missing or disabled)');
          if (/Error displaying widget/.test(text))
            problems.push(`${where}: ${text.trim().slice(0, 200)}`);
          // explorers' views are checked one by one; any other widget output here
          if (!intended && TRACE.test(text) && out.closest('.widget-output') && !out.closest('.cnnkit-view'))
            problems.push(`${where}: a widget output shows a traceback:\n${text.slice(-1500)}`);
        }
      });
      return problems;
    },
    explorers() {
      const p = api.panel();
      return p ? [...p.node.querySelectorAll('.cnnkit-explorer')] : [];
    },
    view(i) {
      const ex = api.explorers()[i];
      return ex ? [...ex.querySelectorAll('.cnnkit-view')].find((v) => v.closest('.cnnkit-explorer') === ex) : null;
    },
    outputs(i) {
      // everything the explorer shows: its view and any other output area it has (a plan,
      // a progress bar), but not those of an explorer nested inside it
      const ex = api.explorers()[i];
      return ex ? [...ex.querySelectorAll('.widget-output')].filter((o) => o.closest('.cnnkit-explorer') === ex) : [];
    },
    sig(i) {
      return hash(api.outputs(i).map((v) => {
        const imgs = [...v.querySelectorAll('img')].map((x) => x.src).join('|');
        const svgs = [...v.querySelectorAll('svg')].map((x) => x.outerHTML).join('|');
        return imgs + '\n' + svgs + '\n' + v.textContent;
      }).join('\n--\n'));
    },
    resultSig(i) {  // the view alone: a progress bar next to it may differ run to run
      const v = api.view(i);
      return v ? hash([...v.querySelectorAll('img')].map((x) => x.src).join('|') + '\n' + v.textContent) : 'no view';
    },
    viewFilled(i) {
      return api.outputs(i).some((v) => v.querySelector('img, svg, canvas') !== null || v.textContent.trim().length > 0);
    },
    viewProblem(i) {
      if (!api.view(i)) return 'the explorer has no element with class cnnkit-view';
      for (const v of api.outputs(i)) {
        const text = v.textContent || '';
        if (TRACE.test(text)) return 'traceback in the view:\n' + text.slice(-1500);
        const err = v.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
        if (err && TRACE.test(err.textContent)) return 'error output in the view:\n' + err.textContent.slice(-1500);
      }
      return '';
    },
    viewMessage(i) {
      const v = api.view(i);
      const m = v && v.querySelector('.cnnkit-message');
      return m ? m.textContent.trim() : '';
    },
    sent: [],
    answered_ids: new Set(),
    watchKernel() {
      // Remember the id of every widget message sent to the kernel, and which of them the
      // kernel has finished with (its idle status names the message as parent).
      const kernel = api.panel().sessionContext.session.kernel;
      if (api.watched === kernel) return;
      api.watched = kernel;
      kernel.anyMessage.connect((_, { msg, direction }) => {
        if (direction === 'send' && msg.header.msg_type === 'comm_msg') api.sent.push(msg.header.msg_id);
        if (direction === 'recv' && msg.header.msg_type === 'status' &&
            msg.content.execution_state === 'idle' && msg.parent_header && msg.parent_header.msg_id)
          api.answered_ids.add(msg.parent_header.msg_id);
      });
    },
    // every widget message sent since `since` has been answered, and the kernel is idle
    answered(since) {
      const ids = api.sent.slice(since);
      return ids.length > 0 && ids.every((id) => api.answered_ids.has(id)) && api.idle();
    },
    frames() { return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); },
    title(i) {
      const ex = api.explorers()[i];
      const b = ex && ex.querySelector('.widget-html-content b, .widget-html-content h3, .widget-html-content h4');
      return b ? b.textContent.trim() : '';
    },
  };
  window.__cnnkit = api;
  return true;
}
"""

# Controls inside an explorer, not inside its view (a view may hold widgets of its own).
# Buttons come last: they often cannot be undone (Train, next step).
NOT_IN_VIEW = ":not(.cnnkit-view *)"
CONTROL_KINDS = {
    "toggle-buttons": f".widget-toggle-buttons{NOT_IN_VIEW}",
    "radio": f".widget-radio-box{NOT_IN_VIEW}",
    "dropdown": f".widget-dropdown select{NOT_IN_VIEW}",
    "checkbox": f".widget-checkbox input[type=checkbox]{NOT_IN_VIEW}",
    "toggle": f"button.widget-toggle-button:not(.widget-toggle-buttons *){NOT_IN_VIEW}",
    "slider": f".noUi-handle{NOT_IN_VIEW}",
    "number": f".widget-text input[type=number]{NOT_IN_VIEW}",
    "text": f".widget-text input[type=text]{NOT_IN_VIEW}, .widget-textarea textarea{NOT_IN_VIEW}",
    "button": f"button.widget-button{NOT_IN_VIEW}",
}
#: Text typed into a text box: nonsense, which an explorer must answer with a friendly message.
NONSENSE = "?"
UNSUPPORTED = f".widget-play{NOT_IN_VIEW}, .widget-colorpicker{NOT_IN_VIEW}, .widget-datepicker{NOT_IN_VIEW}"


@dataclass
class NotebookReport:
    notebook: str
    problems: list[str] = field(default_factory=list)
    explorers: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.notebook}: {len(self.explorers)} explorer(s), "
                 + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())]
        for ex in self.explorers:
            lines.append(f"  explorer {ex['index']} {ex['title']!r} ({ex['seconds']:.1f} s): "
                         + ", ".join(f"{name} {verdict}" for name, verdict in ex["controls"].items()))
        return "\n".join(lines)

    def raise_for_problems(self) -> None:
        if self.problems:
            extra = ("\nbrowser console errors:\n  " + "\n  ".join(self.console_errors[:10])
                     if self.console_errors else "")
            raise AssertionError(f"{self.notebook}: {len(self.problems)} problem(s):\n- "
                                 + "\n- ".join(self.problems) + extra)


@dataclass
class Control:
    """One control of an explorer: how to move it, and how to move it back (if possible)."""
    name: str
    forward: Callable[[], None]
    back: Callable[[], None] | None = None
    slow: bool = False  # a button that runs for a while (Train)
    element: Any = None
    to_start: Callable[[], None] | None = None  # to its first value (slider minimum, first option)
    at_start: Callable[[], bool] = lambda: True

    def disabled(self) -> bool:
        return self.element is not None and self.element.evaluate(
            "(e) => e.disabled === true || e.closest('[disabled], .mod-disabled') !== null")


def _slider(handle: Any, name: str) -> Control:
    keys: list[str] = []

    def forward() -> None:  # one step right, or left when already at the maximum
        before = handle.get_attribute("aria-valuenow")
        handle.focus()
        handle.press("ArrowRight")
        keys.append("ArrowRight")
        if handle.get_attribute("aria-valuenow") == before:
            handle.press("ArrowLeft")
            keys[-1] = "ArrowLeft"

    def back() -> None:
        handle.focus()
        handle.press("ArrowLeft" if keys.pop() == "ArrowRight" else "ArrowRight")

    def to_start() -> None:
        handle.focus()
        handle.press("Home")

    return Control(name, forward, back, to_start=to_start, at_start=lambda: (
        handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin")))


def _dropdown(select: Any, name: str) -> Control:
    previous: list[str] = []

    def forward() -> None:
        options = select.evaluate("(s) => [...s.options].map((o) => o.value)")
        current = select.input_value()
        k = options.index(current) if current in options else -1
        previous.append(current)
        select.select_option(value=options[(k + 1) % len(options)])

    return Control(name, forward, lambda: select.select_option(value=previous.pop()),
                   to_start=lambda: select.select_option(index=0),
                   at_start=lambda: select.evaluate("(s) => s.selectedIndex === 0"))


def _choice_group(items: Any, name: str, is_active: str) -> Control:
    previous: list[int] = []

    def forward() -> None:
        states = [items.nth(k).evaluate(is_active) for k in range(items.count())]
        current = states.index(True) if True in states else -1
        previous.append(current)
        items.nth((current + 1) % len(states)).click()

    def back() -> None:
        k = previous.pop()
        if k >= 0:
            items.nth(k).click()

    return Control(name, forward, back, to_start=lambda: items.nth(0).click(),
                   at_start=lambda: items.nth(0).evaluate(is_active))


def _number(box: Any, name: str) -> Control:
    previous: list[str] = []

    def forward() -> None:
        original = box.input_value()
        previous.append(original)
        box.focus()
        box.press("ArrowUp")
        if box.input_value() == original:  # at the maximum
            box.press("ArrowDown")
        box.press("Enter")
        box.blur()

    def back() -> None:
        box.fill(previous.pop())
        box.press("Enter")
        box.blur()

    return Control(name, forward, back)


def _text(box: Any, name: str) -> Control:
    previous: list[str] = []

    def forward() -> None:
        previous.append(box.input_value())
        box.fill(NONSENSE)
        box.press("Enter")
        box.blur()

    def back() -> None:
        box.fill(previous.pop())
        box.press("Enter")
        box.blur()

    return Control(f"{name} (typed {NONSENSE!r})", forward, back)


def _label(element: Any, fallback: str) -> str:
    """The control's description as the learner reads it, for messages."""
    text = element.evaluate(
        """(e) => { const w = e.closest('.widget-inline-hbox, .widget-toggle-buttons, .widget-radio-box');
                   const l = w && w.querySelector('.widget-label');
                   return (l && l.textContent.trim()) || (e.tagName === 'BUTTON' && e.textContent.trim()) || ''; }""")
    return f"{fallback} {text!r}" if text and text != "\u200b" else fallback


class _Explorer:
    """Moves the controls of explorer ``index`` and checks its view after each move."""

    def __init__(self, page: Any, index: int, report: NotebookReport,
                 move_timeout_s: float, button_timeout_s: float) -> None:
        self.page = page
        self.index = index
        self.report = report
        self.locator = page.locator(".jp-NotebookPanel:visible .cnnkit-explorer").nth(index)
        self.move_timeout_ms = move_timeout_s * 1000
        self.button_timeout_ms = button_timeout_s * 1000
        self.title = f"#{index}"
        self.verdicts: dict[str, str] = {}

    def where(self) -> str:
        return f"explorer {self.index} ({self.title})"

    def move(self, control: Control, label: str, back: bool = False) -> str:
        """Move ``control`` (or move it back); "disabled" when the learner could not either."""
        if control.disabled():
            return "disabled"
        action = control.back if back else control.forward
        assert action is not None
        return self.act(f"{control.name} {label}", action, control.slow)

    def act(self, label: str, action: Callable[[], None], slow: bool = False) -> str:
        """Do ``action``; wait until the kernel has answered it; return changed/unchanged/timeout.

        The kernel has answered when it has reported idle for every widget message the
        action sent: the view's new output arrives before that.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        old, since = self.page.evaluate("(i) => [window.__cnnkit.sig(i), window.__cnnkit.sent.length]",
                                        self.index)
        action()
        timeout = self.button_timeout_ms if slow else self.move_timeout_ms
        try:
            self.page.wait_for_function("(since) => window.__cnnkit.answered(since)",
                                        arg=since, polling=100, timeout=timeout)
        except PlaywrightTimeout:
            self.report.problems.append(f"{self.where()}: no answer from the kernel within "
                                        f"{timeout / 1000:.0f} s after: {label}")
            return "timeout"
        self.page.evaluate("() => window.__cnnkit.frames()")  # let the page paint what arrived
        problem = self.page.evaluate("(i) => window.__cnnkit.viewProblem(i)", self.index)
        if problem:
            self.report.problems.append(f"{self.where()} after {label}: {problem}")
            return "error"
        return "changed" if self.page.evaluate("(i) => window.__cnnkit.sig(i)", self.index) != old else "unchanged"

    def controls(self) -> list[Control]:
        found: list[Control] = []
        for kind, selector in CONTROL_KINDS.items():
            elements = self.locator.locator(selector)
            for k in range(elements.count()):
                element = elements.nth(k)
                name = _label(element, f"{kind} {k + 1}")
                if kind == "slider":
                    found.append(_slider(element, name))
                elif kind == "dropdown":
                    found.append(_dropdown(element, name))
                elif kind == "toggle-buttons":
                    found.append(_choice_group(element.locator("button.widget-toggle-button"), name,
                                               "(b) => b.classList.contains('mod-active')"))
                elif kind == "radio":
                    found.append(_choice_group(element.locator("input[type=radio]"), name, "(r) => r.checked"))
                elif kind in ("toggle", "checkbox"):
                    found.append(Control(name, element.click, element.click))
                elif kind == "number":
                    found.append(_number(element, name))
                elif kind == "text":
                    found.append(_text(element, name))
                elif kind == "button":
                    found.append(Control(name, element.click, None, slow=True))
                found[-1].element = element
        return found

    def retry(self, control: Control, controls: list[Control]) -> str:
        """Try ``control`` again in other states; return its verdict.

        1. after moving each other control one step (then both are moved back);
        2. after putting the other controls, one by one and cumulatively, to their first value
           (slider minimum, first option), where impossible combinations are rarer;
        3. for a control that acts through a button (Train): press the button, move the
           control, press the button again; the result must differ from the first press.
        """
        others = [c for c in controls if c is not control]
        for other in (c for c in others if c.back is not None):
            first = self.move(other, f"moved (to retry {control.name})")
            if first in ("timeout", "error"):
                return first
            outcome = self.move(control, "moved again")
            if outcome in ("changed", "unchanged") and control.back is not None:
                self.move(control, "moved back", back=True)
            if first != "disabled":
                self.move(other, "moved back", back=True)
            if outcome not in ("unchanged", "disabled"):
                return f"{outcome} (after {other.name})"
        for other in (c for c in others if c.to_start is not None):
            if other.disabled() or other.at_start() or \
                    self.act(f"{other.name} to its first value", other.to_start) in ("timeout", "error"):
                continue
            outcome = self.move(control, "moved again")
            if outcome not in ("unchanged", "disabled"):
                return f"{outcome} (with {other.name} at its first value)"
        buttons = [c for c in others if c.back is None] if control.back is not None else []
        for button in buttons:
            if self.move(button, f"pressed (before {control.name})") != "changed" and button.disabled():
                continue
            result = self.page.evaluate("(i) => window.__cnnkit.resultSig(i)", self.index)
            if self.move(control, "moved") in ("timeout", "error", "disabled"):
                continue
            outcome = self.move(button, f"pressed (after {control.name})")
            if outcome in ("timeout", "error"):
                return outcome
            if self.page.evaluate("(i) => window.__cnnkit.resultSig(i)", self.index) != result:
                return f"changed (applied by {button.name})"
        return "unchanged"

    def exercise(self) -> None:
        started = time.perf_counter()
        self.title = self.page.evaluate("(i) => window.__cnnkit.title(i)", self.index) or f"#{self.index}"
        self.locator.scroll_into_view_if_needed()
        problem = self.page.evaluate("(i) => window.__cnnkit.viewProblem(i)", self.index)
        if problem:
            self.report.problems.append(f"{self.where()} as first drawn: {problem}")
        controls = self.controls()
        inert: list[Control] = []
        for control in controls:
            outcome = self.move(control, "moved")
            self.verdicts[control.name] = outcome
            if outcome in ("unchanged", "disabled"):
                inert.append(control)
            if outcome in ("changed", "unchanged") and control.back is not None:
                self.move(control, "moved back", back=True)
        # A control can be without effect, or disabled, in one state (padding while the mode
        # is "same"; Train while the network cannot be built; a learning rate until Train is
        # pressed): try it again in other states, see retry().
        for control in inert:
            self.verdicts[control.name] = self.retry(control, controls)
            if self.verdicts[control.name] in ("unchanged", "disabled"):
                self.report.problems.append(
                    f"{self.where()}: {control.name} never changed what the explorer shows "
                    f"({self.verdicts[control.name]}, also after moving the other controls)")
        self.report.explorers.append({
            "index": self.index, "title": self.title, "controls": dict(self.verdicts),
            "not_exercised": self.locator.locator(UNSUPPORTED).count(),
            "seconds": time.perf_counter() - started})
        if not controls:
            self.report.problems.append(f"{self.where()} has no control the test can move")


VIEWPORT = {"width": 1280, "height": 900}


def _screenshot(page: Any, locator: Any, path: Path) -> None:
    """Screenshot one explorer whole: grow the window first if it is taller than the page."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    tall = box is not None and box["height"] + 200 > VIEWPORT["height"]
    if tall:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": int(box["height"]) + 300})
        page.evaluate("() => window.__cnnkit.frames()")
        locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(path))
    if tall:
        page.set_viewport_size(VIEWPORT)
        page.evaluate("() => window.__cnnkit.frames()")


def _click_menu(page: Any, menu: str, item: str) -> bool:
    """Open a top menu and click one of its items; False if that item is not there."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).first.click()
    entry = page.locator(".lm-Menu-content .lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel",
                         has_text=re.compile(f"^{re.escape(item)}$")).first
    try:
        entry.wait_for(state="visible", timeout=5000)
    except Exception:
        page.keyboard.press("Escape")
        return False
    entry.click()
    return True


def exercise_notebook(browser: Any, server: LabServer, notebook: Path, artifacts: Path,
                      run_timeout_s: float = RUN_ALL_TIMEOUT_S, move_timeout_s: float = MOVE_TIMEOUT_S,
                      button_timeout_s: float = BUTTON_TIMEOUT_S,
                      after_run: Callable[[Any], None] | None = None) -> NotebookReport:
    """Open ``notebook`` in JupyterLab, Run All, check the outputs, move every explorer control.

    ``after_run(page)``, if given, is called once all cells have run (the self-check uses it).
    """
    rel = notebook.resolve().relative_to(server.root_dir.resolve()).as_posix()
    report = NotebookReport(notebook.stem)
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob(f"{notebook.stem}__*.png"):
        old.unlink()  # this run's pictures only
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("console", lambda msg: report.console_errors.append(msg.text[:300]) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: report.console_errors.append(f"page error: {exc}"[:300]))

    def watch_writes(request: Any) -> None:
        # the only way the page writes a file is the contents API (checkpoints go to a temp dir)
        if "/api/contents/" in request.url and (
                request.method in ("PUT", "PATCH", "DELETE")
                or (request.method == "POST" and "/checkpoints" not in request.url)):
            report.problems.append(f"the page asked the server to write: {request.method} "
                                   f"{request.url.split('?')[0]}")

    page.on("request", watch_writes)
    t0 = time.perf_counter()
    try:
        page.goto(server.lab_url(rel))
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=60_000)
        page.evaluate(PAGE_HELPERS, rel)
        page.wait_for_function("() => window.__cnnkit.panel() !== null", timeout=60_000)
        # The status bar, not the toolbar: Run All is ignored while the kernel is starting.
        page.wait_for_function("() => window.__cnnkit.idle()", polling=100, timeout=90_000)
        page.evaluate("() => window.__cnnkit.watchKernel()")
        report.timings["open"] = time.perf_counter() - t0

        # Clear the stored outputs first, so every execution count seen later is a new one.
        page.evaluate("() => window.jupyterapp.shell.activateById(window.__cnnkit.panel().id)")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.wait_for_function("() => window.__cnnkit.cleared()", polling=100, timeout=30_000)

        t1 = time.perf_counter()
        if not _click_menu(page, "Run", "Run All Cells"):
            report.problems.append("the Run menu has no enabled 'Run All Cells' item")
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function("() => window.__cnnkit.runFinished()", polling=200,
                               timeout=run_timeout_s * 1000)
        page.wait_for_function("() => window.__cnnkit.widgetsSettled()", polling=200, timeout=60_000)
        report.timings["run_all"] = time.perf_counter() - t1
        report.problems.extend(page.evaluate("() => window.__cnnkit.cellProblems()"))
        if after_run is not None:
            after_run(page)

        t2 = time.perf_counter()
        count = page.evaluate("() => window.__cnnkit.explorers().length")
        for i in range(count):
            page.wait_for_function("(i) => window.__cnnkit.viewFilled(i)", arg=i, polling=100, timeout=30_000)
            explorer = _Explorer(page, i, report, move_timeout_s, button_timeout_s)
            shot = artifacts / f"{notebook.stem}__explorer{i}.png"
            _screenshot(page, explorer.locator, shot)
            report.screenshots.append(str(shot))
            explorer.exercise()
            if any(name.startswith("button") for name in explorer.verdicts):
                after = artifacts / f"{notebook.stem}__explorer{i}_after.png"
                _screenshot(page, explorer.locator, after)
                report.screenshots.append(str(after))
        report.timings["explorers"] = time.perf_counter() - t2
        # Widget callbacks may also print elsewhere in the notebook: look once more.
        for problem in page.evaluate("() => window.__cnnkit.cellProblems()"):
            if problem not in report.problems:
                report.problems.append(problem)
    except Exception as exc:
        import traceback
        step = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == __file__][-1]
        report.problems.append(f"{type(exc).__name__} at line {step.lineno} ({step.line}): "
                               f"{str(exc).splitlines()[0] if str(exc) else ''}")
        try:
            state = page.evaluate("""() => { const a = window.__cnnkit; if (!a) return 'no helpers';
                return JSON.stringify(a.runState()) + ' ' + a.statusBarText() + ' | explorers: ' +
                  JSON.stringify(a.explorers().map((e, i) => ({ title: a.title(i), filled: a.viewFilled(i),
                    view: a.view(i) ? a.view(i).innerHTML.slice(0, 300) : null }))); }""")
            report.problems.append(f"page state: {state}")
        except Exception as again:
            report.problems.append(f"(page state unavailable: {again})")
        page.screenshot(path=str(artifacts / f"{notebook.stem}__failure.png"), full_page=True)
        report.problems.append(f"server log tail:\n{tail(server.log, 1500)}")
    finally:
        report.timings["browser_total"] = time.perf_counter() - t0
        context.close()
    return report
