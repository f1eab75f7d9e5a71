"""The course's one visual language (cnnkit/viz/_common.py): signed values on one diverging map
centred on zero with a labelled colour bar; digits drawn as ink on paper."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnkit.viz import (  # noqa: E402
    INK_CMAP,
    SIGNED_CMAP,
    image_grid,
    ink_imshow,
    signed_imshow,
    signed_limit,
)


@pytest.mark.parametrize(
    "values, limit",
    [
        (np.array([[1.0, -2.0], [0.5, 0.0]]), 2.0),
        (np.array([[3.0, 1.0]]), 3.0),  # all positive: still centred on 0
        (np.array([[-0.25, -1.0]]), 1.0),  # all negative
        (np.zeros((3, 3)), 1.0),  # flat zeros: a usable scale, all white
        (np.array([[np.nan, -4.0]]), 4.0),  # NaN cells are ignored
    ],
)
def test_signed_imshow_is_centred_on_zero_with_a_labelled_bar(values, limit):
    fig, ax = plt.subplots()
    im = signed_imshow(ax, values, "kernel", label="weight")
    lo, hi = im.get_clim()
    assert (lo, hi) == (-limit, limit)
    assert im.get_cmap().name == SIGNED_CMAP
    assert ax.get_title() == "kernel"
    bars = [a for a in fig.axes if a is not ax]
    assert len(bars) == 1 and bars[0].get_ylabel() == "weight"
    plt.close(fig)


def test_a_box_blur_is_not_drawn_as_a_flat_dark_square():
    # on a scale centred on 0, a kernel of equal positive weights is pale red, not saturated
    fig, ax = plt.subplots()
    blur = np.full((3, 3), 1 / 9)
    im = signed_imshow(ax, blur, limit=1.0, colorbar=False)
    r, g, b, _ = im.cmap(im.norm(1 / 9))
    assert r > 0.9 and g > 0.8 and b > 0.7  # close to white: a small positive weight
    plt.close(fig)


def test_signed_limit_over_several_arrays():
    assert signed_limit(np.array([1.0, -5.0]), np.array([2.0])) == 5.0
    assert signed_limit(np.array([])) == 1.0


def test_image_grid_symmetric_shares_one_scale_and_one_bar():
    kernels = np.stack([np.full((3, 3), 1 / 9), np.array([[-1, 0, 1]] * 3, float)])
    fig = image_grid(kernels, ["blur", "edge"], symmetric=True)
    images = [a.images[0] for a in fig.axes if a.images]
    assert {im.get_clim() for im in images} == {(-1.0, 1.0)}
    assert any(a.get_ylabel() for a in fig.axes)  # the colour bar has a label
    plt.close(fig)


def test_ink_is_dark_on_white_paper():
    fig, ax = plt.subplots()
    im = ink_imshow(ax, np.eye(4)[None], "a stroke")
    assert im.get_cmap().name == INK_CMAP and im.get_clim() == (0.0, 1.0)
    assert im.cmap(im.norm(0.0))[0] > 0.99 and im.cmap(im.norm(1.0))[0] < 0.01
    plt.close(fig)


# Notebooks held to the course's headings (add a notebook's name when it follows them).
#: Every topic notebook (the labs have a shape of their own).
HEADED = sorted(
    p.stem
    for p in (__import__("pathlib").Path(__file__).resolve().parents[2] / "notebooks").glob(
        "[0-9][0-9]_*.ipynb"
    )
)


@pytest.mark.parametrize("name", HEADED)
def test_every_notebook_has_the_same_headings_in_order(name):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "notebooks" / f"{name}.ipynb"
    cells = json.loads(path.read_text())["cells"]
    headings = [
        line
        for c in cells
        if c["cell_type"] == "markdown"
        for line in "".join(c["source"]).splitlines()
        if line.startswith("## ")
    ]
    wanted = ["## Learning goals", "## Summary", "## Exercises"]
    found = [h for h in headings if h in wanted]
    assert found == wanted, headings
