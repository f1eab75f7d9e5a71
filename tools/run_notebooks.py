"""Execute notebooks headless and store their outputs (``make outputs``).

Usage: ``python tools/run_notebooks.py [notebooks/NN_name.ipynb ...]`` (all by default).
Each notebook runs in its own folder with this environment's kernel. Widget state is
dropped from the metadata: every explorer and progress bar stores a still picture of its
view in its own output (text/html beside the widget view, see cnnkit/widgets/_snapshot.py),
which JupyterLab (before the notebook runs), nbviewer, GitHub and nbconvert show. Saved
widget state would add the same pictures again inside the widget models, and nbconvert's
HTML would then show the widgets through a script fetched from a CDN instead of the
pictures, so nothing at all when offline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.output_widget import OutputWidget

# nbclient mimics a front end for Output widgets and, after each captured output, sends the
# widget's state back to the kernel on the shell channel. That reply can be missed while the
# client is polling, and the cell then waits for the whole timeout (seen: 600 s stalls).
# The stored notebooks keep no widget state, so the echo is not needed: switch it off.
OutputWidget.sync_state = lambda self: None

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    lang = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {"name": "python", "version": lang.get("version", "3")}
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = run(path.resolve())
        total += seconds
        print(f"{path.name}: {seconds:.1f} s")
    print(f"all: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
