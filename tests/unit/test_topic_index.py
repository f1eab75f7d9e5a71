"""The start notebook's helpers: environment check, digit figures, first explorer, exercises."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cnnkit  # noqa: E402
import cnnkit.exercises as exercises_pkg  # noqa: E402
import cnnkit.viz as viz_pkg  # noqa: E402
import cnnkit.widgets as widgets_pkg  # noqa: E402
from cnnkit.exercises import index as ex  # noqa: E402
from cnnkit.viz.index import plot_digit, plot_digit_gallery  # noqa: E402
from cnnkit.widgets.index import (  # noqa: E402
    MINIMUM_VERSIONS,
    _version_tuple,
    digit_explorer,
    draw_digit,
    environment_report,
)

IMAGES, LABELS = cnnkit.load_digits()
GOOD = {
    "python": "3.11.7",
    "numpy": "2.4.0",
    "matplotlib": "3.11.0",
    "ipywidgets": "8.1.9",
    "cnnkit": "0.1.0",
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _extension_folder(tmp_path):
    folder = tmp_path / "labextensions" / "@jupyter-widgets" / "jupyterlab-manager"
    folder.mkdir(parents=True)
    manifest = {"name": "@jupyter-widgets/jupyterlab-manager"}
    (folder / "package.json").write_text(json.dumps(manifest))
    return tmp_path / "labextensions"


# --- every name this topic exports is reachable from its package, and not shadowed ---------


@pytest.mark.parametrize(
    "pkg, module",
    [
        (viz_pkg, viz_pkg.index),
        (widgets_pkg, widgets_pkg.index),
        (exercises_pkg, exercises_pkg.index),
    ],
)
def test_exports_reach_the_package_unshadowed(pkg, module):
    for name in module.__all__:
        assert getattr(pkg, name) is getattr(module, name), name


# --- environment check ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3.11.7", (3, 11, 7)),
        ("2.0.0rc1", (2, 0, 0)),
        ("8.1", (8, 1)),
        ("1.26.4+local", (1, 26, 4)),
        ("10", (10,)),
    ],
)
def test_version_tuple(text, expected):
    assert _version_tuple(text) == expected


def test_report_passes_for_good_versions_and_an_extension(tmp_path):
    report = environment_report(versions=GOOD, extension_paths=[_extension_folder(tmp_path)])
    assert report.ok
    assert [row.name for row in report.rows] == [
        *MINIMUM_VERSIONS,
        "cnnkit",
        "digits data",
        "widget extension",
    ]
    assert str(report).endswith("Everything is ready.")


@pytest.mark.parametrize("name", list(MINIMUM_VERSIONS))
def test_report_flags_each_too_old_version(tmp_path, name):
    major, minor = _version_tuple(MINIMUM_VERSIONS[name])[:2]
    old = f"{major}.{minor - 1}.0" if minor else f"{major - 1}.99"
    report = environment_report(
        versions={**GOOD, name: old},
        extension_paths=[_extension_folder(tmp_path)],
        check_data=False,
    )
    assert not report.ok
    assert [row.name for row in report.rows if not row.ok] == [name]
    assert f"needs {MINIMUM_VERSIONS[name]} or newer" in str(report)


def test_report_flags_missing_packages_and_extension(tmp_path):
    versions = {k: v for k, v in GOOD.items() if k not in ("ipywidgets", "cnnkit")}
    report = environment_report(versions=versions, extension_paths=[tmp_path], check_data=False)
    failed = {row.name: row for row in report.rows if not row.ok}
    assert set(failed) == {"ipywidgets", "cnnkit", "widget extension"}
    assert failed["ipywidgets"].found == "not installed"
    assert failed["widget extension"].found == "not found"
    assert "restart JupyterLab" in str(report)
    assert "NO " in str(report) and "Something is missing" in str(report)


def test_report_on_this_environment_finds_the_digits():
    report = environment_report()
    row = report["digits data"]
    assert row.ok and f"{len(IMAGES):,} images" in row.found
    assert report["numpy"].found == np.__version__
    with pytest.raises(KeyError):
        report["no such check"]


# --- figures --------------------------------------------------------------------------------


def test_plot_digit_writes_every_value_when_asked():
    fig, ax = plt.subplots()
    plot_digit(ax, IMAGES[0], "t", show_values=True, fmt="{:.1f}")
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == IMAGES[0].size
    assert texts[3] == f"{IMAGES[0, 0, 0, 3]:.1f}"
    fig2, ax2 = plt.subplots()
    plot_digit(ax2, np.zeros((8, 8)))  # a blank image must not divide by zero
    assert len(ax2.texts) == 0


def test_plot_digit_rejects_a_batch():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="shape"):
        plot_digit(ax, IMAGES[:2])


@pytest.mark.parametrize("per_class", [1, 2, 3])
def test_gallery_shows_the_first_examples_of_each_digit(per_class):
    fig = plot_digit_gallery(IMAGES, LABELS, per_class=per_class)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(d) for d in range(10)]
    mosaic = ax.images[0].get_array()
    for digit in (0, 9):
        first = np.flatnonzero(LABELS == digit)[per_class - 1]
        top, left = (per_class - 1) * 9, digit * 9
        assert np.array_equal(np.asarray(mosaic[top : top + 8, left : left + 8]), IMAGES[first, 0])


# --- the first explorer ---------------------------------------------------------------------


# The slider covers 0 .. 1796: every 17th position and the ends without the pixel values,
# every 199th and the ends with them (writing 64 numbers makes those figures slower).
def _indices(step: int) -> list[int]:
    return sorted(set(range(0, len(IMAGES), step)) | {len(IMAGES) - 1})


@pytest.mark.parametrize("show_values, step", [(False, 17), (True, 199)])
def test_draw_digit_over_the_whole_slider(show_values, step):
    for index in _indices(step):
        fig = draw_digit(index, IMAGES, LABELS, show_values)
        ax = fig.axes[0]
        assert ax.get_title() == f"image #{index}: label {int(LABELS[index])}"
        assert np.array_equal(np.asarray(ax.images[0].get_array()), IMAGES[index, 0])
        assert len(ax.texts) == (64 if show_values else 0)
        plt.close(fig)


@pytest.mark.parametrize("index", [-1, len(IMAGES)])
def test_draw_digit_outside_the_data_is_a_value_error(index):
    with pytest.raises(ValueError, match="outside the data set"):
        draw_digit(index, IMAGES, LABELS)


def test_digit_explorer_follows_its_controls():
    explorer = digit_explorer(IMAGES, LABELS)
    assert explorer.controls["index"].min == 0
    assert explorer.controls["index"].max == len(IMAGES) - 1
    fig = explorer.set(index=len(IMAGES) - 1, show_values=True)
    assert fig.axes[0].get_title().startswith(f"image #{len(IMAGES) - 1}:")
    assert explorer.last_message == ""
    default = digit_explorer()  # loads the shipped digits itself
    assert default.last_result.axes[0].get_title() == f"image #0: label {int(LABELS[0])}"


# --- exercises ------------------------------------------------------------------------------


def test_exercise_number_of_images():
    assert ex.check_number_of_images(IMAGES.shape[0])
    assert ex.check_number_of_images(float(IMAGES.shape[0]))
    wrong = ex.check_number_of_images(64)
    assert not wrong and "pixels" in wrong.message
    assert not ex.check_number_of_images(IMAGES.shape[0] + 1)
    assert not ex.check_number_of_images("many")
    assert "replace None" in ex.check_number_of_images(None).message


def test_exercise_pixels_per_image():
    assert ex.check_pixels_per_image(8 * 8)
    hint = ex.check_pixels_per_image(8)
    assert not hint and "rows" in hint.message
    assert not ex.check_pixels_per_image(65)
    assert not ex.check_pixels_per_image(63.5)


def test_exercise_most_common_digit():
    counts = {d: int((LABELS == d).sum()) for d in range(10)}
    best = max(counts, key=counts.get)
    assert ex.check_most_common_digit(best)
    for d in range(10):
        if d != best:
            assert not ex.check_most_common_digit(d)
    assert "0 to 9" in ex.check_most_common_digit(12).message


def test_solutions_run_and_pass():
    for name, check in [
        ("00.1", ex.check_number_of_images),
        ("00.2", ex.check_pixels_per_image),
        ("00.3", ex.check_most_common_digit),
    ]:
        scope = {"np": np, "cnnkit": cnnkit}
        exec(exercises_pkg.EXERCISES[name].solution, scope)
        assert check(scope["answer"]), name
