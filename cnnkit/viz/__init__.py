"""Matplotlib figures for the course: each helper draws on an Axes it is given or returns a
Figure; none calls ``plt.show()``. One module per notebook topic, all importable from here."""
from ._common import image_grid, setup_notebook, show_image

__all__ = ["image_grid", "setup_notebook", "show_image"]
