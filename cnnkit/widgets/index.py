"""The start notebook (00): an environment check and a first explorer (pick a digit).

Both are built from pure functions: :func:`environment_report` only looks (versions, the
data, the widget extension's files) and returns a :class:`EnvironmentReport`;
:func:`draw_digit` turns a slider position into a figure.
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..viz.index import plot_digit
from ._explorer import Explorer

__all__ = [
    "EnvironmentReport",
    "CheckRow",
    "environment_report",
    "MINIMUM_VERSIONS",
    "draw_digit",
    "digit_explorer",
]

#: The oldest versions the course works with (the same ranges as ``pyproject.toml``).
MINIMUM_VERSIONS: dict[str, str] = {
    "python": "3.10",
    "numpy": "1.26",
    "matplotlib": "3.8",
    "ipywidgets": "8.1",
}

#: Where JupyterLab finds the widget manager, inside a ``labextensions`` folder.
WIDGET_EXTENSION = ("@jupyter-widgets", "jupyterlab-manager")


@dataclass(frozen=True)
class CheckRow:
    """One line of the environment check: what was checked, what was found, and whether it
    is good enough (``ok``), with a way out in ``advice`` when it is not."""

    name: str
    found: str
    ok: bool
    advice: str = ""


@dataclass(frozen=True)
class EnvironmentReport:
    """The result of :func:`environment_report`; ``str()`` prints it as a table."""

    rows: tuple[CheckRow, ...]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(row.ok for row in self.rows)

    def __getitem__(self, name: str) -> CheckRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no check called {name!r}; checks: {[r.name for r in self.rows]}")

    def __str__(self) -> str:
        width = max(len(row.name) for row in self.rows)
        lines = []
        for row in self.rows:
            mark = "ok " if row.ok else "NO "
            line = f"{mark} {row.name.ljust(width)}  {row.found}"
            if not row.ok and row.advice:
                line += f"  -> {row.advice}"
            lines.append(line)
        verdict = (
            "Everything is ready." if self.ok else "Something is missing: see the lines marked NO."
        )
        return "\n".join([*lines, verdict])

    def _repr_pretty_(self, printer, cycle) -> None:  # shown as the table in notebooks
        printer.text(str(self))


def _version_tuple(version: str) -> tuple[int, ...]:
    """'3.11.2' -> (3, 11, 2); '2.0.0rc1' -> (2, 0, 0): only the leading numbers count."""
    numbers = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        numbers.append(int(match.group()))
        if match.group() != part:
            break
    return tuple(numbers)


def _installed_versions() -> dict[str, str]:
    import ipywidgets
    import matplotlib

    from .. import __version__

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "ipywidgets": ipywidgets.__version__,
        "cnnkit": __version__,
    }


def _labextension_paths() -> list[Path]:
    """The folders JupyterLab searches for prebuilt extensions."""
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:  # JupyterLab not installed here: look where pip would put it
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    return [Path(p) for p in jupyter_path("labextensions")]


def environment_report(
    versions: Mapping[str, str] | None = None,
    extension_paths: Sequence[Path | str] | None = None,
    check_data: bool = True,
) -> EnvironmentReport:
    """Check that this environment can run the course, and say what to fix if not.

    It checks the versions of Python, numpy, matplotlib and ipywidgets against
    :data:`MINIMUM_VERSIONS`, reports cnnkit's version, loads the digits data and checks
    its shape, and looks for JupyterLab's widget extension (without it, sliders show up as
    plain text). Nothing is changed or downloaded.

    Parameters
    ----------
    versions : mapping of str to str, optional
        Versions to check instead of the installed ones (names as in ``MINIMUM_VERSIONS``
        plus ``"cnnkit"``); for testing the report itself.
    extension_paths : sequence of path, optional
        ``labextensions`` folders to search instead of JupyterLab's own.
    check_data : bool
        Load the digits data set and check it.

    Returns
    -------
    EnvironmentReport
        ``report.ok`` is True when everything is ready; ``print(report)`` shows a table.

    Examples
    --------
    >>> report = environment_report(versions={"python": "3.9.1", "numpy": "2.0",
    ...     "matplotlib": "3.9", "ipywidgets": "8.1.5", "cnnkit": "0.1.0"},
    ...     extension_paths=[], check_data=False)
    >>> report.ok, report["python"].ok
    (False, False)
    """
    found = dict(_installed_versions() if versions is None else versions)
    rows = []
    for name, minimum in MINIMUM_VERSIONS.items():
        version = found.get(name)
        if version is None:
            rows.append(CheckRow(name, "not installed", False, f"install {name}>={minimum}"))
            continue
        ok = _version_tuple(version) >= _version_tuple(minimum)
        rows.append(CheckRow(name, version, ok, f"needs {minimum} or newer"))
    rows.append(
        CheckRow(
            "cnnkit",
            found.get("cnnkit", "not installed"),
            "cnnkit" in found,
            "install it with `pip install -e .` from the course folder",
        )
    )
    if check_data:
        rows.append(_check_digits())
    paths = _labextension_paths() if extension_paths is None else [Path(p) for p in extension_paths]
    where = [p for p in paths if (p.joinpath(*WIDGET_EXTENSION) / "package.json").is_file()]
    rows.append(
        CheckRow(
            "widget extension",
            "found" if where else "not found",
            bool(where),
            "install jupyterlab_widgets (it comes with ipywidgets 8) and restart JupyterLab",
        )
    )
    return EnvironmentReport(tuple(rows))


def _check_digits() -> CheckRow:
    from ..data import load_digits

    try:
        images, labels = load_digits()
    except Exception as exc:  # report any failure in words: this is a check
        return CheckRow(
            "digits data",
            f"could not load ({exc})",
            False,
            "reinstall cnnkit: cnnkit/data/digits.npz should ship with it",
        )
    ok = (
        images.ndim == 4
        and images.shape[1:] == (1, 8, 8)
        and len(images) == len(labels)
        and 0.0 <= float(images.min())
        and float(images.max()) <= 1.0
        and set(np.unique(labels).tolist()) == set(range(10))
    )
    return CheckRow(
        "digits data",
        f"{len(images):,} images of shape {images.shape[1:]}",
        ok,
        "the data file looks damaged: reinstall cnnkit",
    )


def draw_digit(
    index: int, images: np.ndarray, labels: np.ndarray, show_values: bool = False
) -> plt.Figure:
    """The digit at ``index`` with its label (the first explorer's drawing).

    Parameters
    ----------
    index : int
        Which image, 0 .. len(images) - 1.
    images : ndarray, shape (N, 1, H, W)
    labels : ndarray of int, shape (N,)
    show_values : bool
        Also write every pixel's value on the image.

    Returns
    -------
    fig : matplotlib Figure

    Raises
    ------
    ValueError
        When ``index`` is outside the data set.
    """
    index = int(index)
    if not 0 <= index < len(images):
        raise ValueError(f"index={index} is outside the data set; pick 0 .. {len(images) - 1}")
    fig, ax = plt.subplots(figsize=(3.4, 3.6))
    plot_digit(
        ax,
        images[index],
        f"image #{index}: label {int(labels[index])}",
        show_values=show_values,
        fmt="{:.1f}",
        vmax=1.0,
    )
    fig.tight_layout()
    return fig


def digit_explorer(images: np.ndarray | None = None, labels: np.ndarray | None = None) -> Explorer:
    """A slider that picks an image from the digits data set and shows it with its label.

    Parameters
    ----------
    images, labels : ndarray, optional
        The data to browse; the shipped digits by default.

    Returns
    -------
    Explorer
        Controls ``index`` (slider) and ``show_values`` (toggle button).
    """
    if images is None or labels is None:
        from ..data import load_digits

        images, labels = load_digits()
    controls = {
        "index": widgets.IntSlider(
            value=0, min=0, max=len(images) - 1, description="image #", continuous_update=False
        ),
        "show_values": widgets.ToggleButton(
            value=False,
            description="show pixel values",
            tooltip="write each pixel's value on the image",
        ),
    }

    def draw(index: int, show_values: bool) -> plt.Figure:
        return draw_digit(index, images, labels, show_values)

    return Explorer(controls, draw, title="Pick a digit")
