"""Explorers of notebook 08: why the network decided (saliency and occlusion for any test
digit), a drawing pad, and your own picture through a kernel and a network.

Each draws through a pure function, tested over every control position:

- :func:`why_view` for :func:`why_explorer`;
- :func:`pad_view` for :class:`DrawingPad` (an 8x8 grid of buttons; click, or Tab to a cell
  and press Enter or Space, to paint it with the chosen ink);
- :func:`own_image_view` for :class:`OwnImageExplorer` (the shipped photo or an uploaded
  file; a file that is not a picture gets a message in words).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from ..conv import conv2d
from ..data import sample_image
from ..filters import KERNELS
from ..interpret import input_gradient, occlusion_map
from ..losses import softmax
from ..model import Sequential
from ..own_image import read_image, to_digit
from ..viz.what_the_network_learned import plot_own_image, plot_pad_view, plot_why
from ._explorer import Explorer

__all__ = [
    "PAD_LEVELS",
    "PHOTO",
    "UPLOAD",
    "DrawingPad",
    "OwnImageExplorer",
    "drawing_pad",
    "own_image_explorer",
    "own_image_view",
    "pad_view",
    "why_explorer",
    "why_view",
]


def why_view(
    model: Sequential,
    images: np.ndarray,
    labels: np.ndarray,
    index: int,
    target: Any = "predicted",
    patch: int = 2,
):
    """Saliency and occlusion for test image ``index`` and class ``target``
    ("predicted", "true", or a class number)."""
    image = np.asarray(images)[int(index)]
    probs = softmax(model.forward(image[None]))[0]
    if target == "predicted":
        cls = int(np.argmax(probs))
    elif target == "true":
        cls = int(labels[int(index)])
    else:
        cls = int(target)
    grad = input_gradient(model, image, cls)
    drop = occlusion_map(model, image, cls, patch=patch)
    title = (
        f"test digit {int(index)}: label {int(labels[int(index)])}, read as "
        f"{int(np.argmax(probs))}; explaining class {cls}, patch {patch}x{patch}"
    )
    return plot_why(image, grad, drop, probs, cls, title)


def why_explorer(
    model: Sequential,
    images: np.ndarray,
    labels: np.ndarray,
    index: int = 0,
    target: Any = "predicted",
    patch: int = 2,
) -> Explorer:
    """Pick a test digit, a class and a patch size; see the gradient and the occlusion map."""
    style = {"description_width": "initial"}
    side = int(np.asarray(images).shape[-1])
    controls = {
        "index": widgets.IntSlider(
            value=index,
            min=0,
            max=len(images) - 1,
            description="test digit",
            continuous_update=False,
            style=style,
        ),
        "target": widgets.Dropdown(
            options=["predicted", "true", *range(10)],
            value=target,
            description="explain class",
            style=style,
        ),
        "patch": widgets.IntSlider(
            value=patch, min=1, max=side, description="patch", continuous_update=False, style=style
        ),
    }
    return Explorer(
        controls, lambda **v: why_view(model, images, labels, **v), title="Why did it decide that?"
    )


#: The inks a pad cell can hold (the digits' counts 0, 8 and 16 out of 16).
PAD_LEVELS = {"full ink": 1.0, "half ink": 0.5, "eraser": 0.0}


def _maps_to_show(model: Sequential, digit: np.ndarray):
    """The outputs of every ReLU and pooling layer (feature maps), with their names."""
    outputs = model.forward_all(digit[None])
    maps, names = [], []
    for i, (layer, out) in enumerate(zip(model.layers, outputs[1:])):
        if out.ndim == 4 and type(layer).__name__ in ("ReLU", "MaxPool2D"):
            maps.append(out[0])
            names.append(f"layer {i} {type(layer).__name__}")
    return softmax(outputs[-1])[0], maps, names


def pad_view(model: Sequential, digit: np.ndarray, brush: float = 1.0):
    """The drawing pad's view: the digit, the probabilities and every layer's feature maps."""
    digit = np.asarray(digit, dtype=np.float64).reshape(1, 8, 8)
    probs, maps, names = _maps_to_show(model, digit)
    name = {v: k for k, v in PAD_LEVELS.items()}.get(float(brush), f"ink {brush}")
    return plot_pad_view(digit, probs, maps, names, note=f"(brush: {name})")


class DrawingPad(Explorer):
    """An 8x8 grid of buttons to paint a digit, with the network's view updating.

    Click a cell to paint it with the brush's ink. Keyboard only: Tab moves from cell to cell
    (row by row), Enter or Space paints the cell that has the focus. Clear, Invert and
    Next test digit act on the whole pad. ``grid`` holds the digit (8x8, values 0..1).
    """

    def __init__(
        self, model: Sequential, test_images: np.ndarray | None = None, brush: float = 1.0
    ) -> None:
        self.model = model
        self.test_images = test_images
        self.grid = np.zeros((8, 8))
        self._next = 0
        self.cells = []
        for r in range(8):
            for c in range(8):
                cell = widgets.Button(
                    description="",
                    tooltip=f"row {r}, column {c}",
                    layout=widgets.Layout(
                        width="30px",
                        height="30px",
                        padding="0",
                        margin="1px",
                        border="1px solid #999",
                    ),
                )
                cell.add_class("cnnkit-pad-cell")
                cell.on_click(lambda _, r=r, c=c: self.paint(r, c))
                self.cells.append(cell)
        pad = widgets.GridBox(
            self.cells,
            layout=widgets.Layout(grid_template_columns="repeat(8, 32px)", width="270px"),
        )
        pad.add_class("cnnkit-pad")
        brush_control = widgets.ToggleButtons(
            options=list(PAD_LEVELS.items()), value=brush, description="brush"
        )
        self.clear_button = widgets.Button(description="Clear", icon="eraser")
        self.invert_button = widgets.Button(description="Invert")
        self.load_button = widgets.Button(description="Next test digit")
        self.clear_button.on_click(lambda _: self.set_digit(np.zeros((8, 8))))
        self.invert_button.on_click(lambda _: self.set_digit(1.0 - self.grid))
        self.load_button.on_click(lambda _: self.load_test_digit())
        self.load_button.disabled = test_images is None
        self._colour_cells()
        super().__init__(
            {"brush": brush_control},
            lambda brush: pad_view(self.model, self.grid, brush),
            title="Draw a digit (click cells, or Tab to one and press Enter)",
            columns=4,
            buttons=[self.clear_button, self.invert_button, self.load_button],
        )
        self.children = (*self.children[:-1], pad, self.children[-1])

    def _colour_cells(self) -> None:
        for cell, value in zip(self.cells, self.grid.reshape(-1)):
            shade = round(255 * (1 - value))
            cell.style.button_color = f"#{shade:02x}{shade:02x}{shade:02x}"

    def paint(self, row: int, column: int) -> None:
        """Paint one cell with the brush's ink (as a click does) and redraw."""
        self.grid[int(row), int(column)] = float(self.controls["brush"].value)
        self._colour_cells()
        self.refresh()

    def set_digit(self, digit: np.ndarray) -> None:
        """Put a whole 8x8 digit (values 0..1) on the pad and redraw."""
        self.grid = np.clip(np.asarray(digit, dtype=np.float64).reshape(8, 8), 0.0, 1.0)
        self._colour_cells()
        self.refresh()

    def load_test_digit(self) -> None:
        """Put the next test digit on the pad."""
        if self.test_images is None:
            return
        self.set_digit(self.test_images[self._next % len(self.test_images)])
        self._next += 1

    def probabilities(self) -> np.ndarray:
        """The network's probabilities for what the pad holds now, shape (10,)."""
        return softmax(self.model.forward(self.grid[None, None]))[0]


def drawing_pad(model: Sequential, test_images: np.ndarray | None = None) -> DrawingPad:
    """A :class:`DrawingPad` for ``model``."""
    return DrawingPad(model, test_images)


PHOTO = "the photo (Grace Hopper)"
UPLOAD = "your uploaded file"


def own_image_view(image: np.ndarray | None, kernel: str, model: Sequential, error: str = ""):
    """A picture through one classic kernel and through the network (as an 8x8 digit).

    Raises ``ValueError`` with ``error`` (or a hint to upload) when there is no picture.
    """
    if error:
        raise ValueError(error)
    if image is None:
        raise ValueError(
            "no file uploaded yet: press Upload and choose a picture, or pick the photo"
        )
    weight = KERNELS[kernel]
    fmap = conv2d(image, weight, padding=1)
    digit = to_digit(image)
    probs = softmax(model.forward(digit[None]))[0]
    return plot_own_image(image, weight, fmap, kernel, digit, probs)


class OwnImageExplorer(Explorer):
    """The shipped photo or your own file, through a kernel of notebook 02 and a network.

    ``upload`` is the :class:`ipywidgets.FileUpload`; :meth:`use_bytes` does from code what
    an upload does.
    """

    def __init__(self, model: Sequential, kernel: str = "sobel_vertical", size: int = 96) -> None:
        self.model = model
        self.size = size
        self.photo = sample_image(size=size)
        self.uploaded: np.ndarray | None = None
        self.upload_error = ""
        self.upload = widgets.FileUpload(accept="", multiple=False, description="Upload")
        controls = {
            "picture": widgets.Dropdown(
                options=[PHOTO, UPLOAD], value=PHOTO, description="picture"
            ),
            "kernel": widgets.Dropdown(options=list(KERNELS), value=kernel, description="kernel"),
        }
        super().__init__(
            controls, self._draw, title="Your own picture", columns=3, buttons=[self.upload]
        )
        self.upload.observe(self._on_upload, names="value")

    def _draw(self, picture: str, kernel: str):
        if picture == PHOTO:
            return own_image_view(self.photo, kernel, self.model)
        return own_image_view(self.uploaded, kernel, self.model, self.upload_error)

    def use_bytes(self, data: bytes, name: str = "file") -> None:
        """Read ``data`` as the uploaded picture (or remember why it cannot be read)."""
        try:
            image = read_image(data, name)
            if max(image.shape) > self.size:  # shrink large pictures, keeping the shape
                scale = self.size / max(image.shape)
                from ..own_image import resize_area

                image = resize_area(
                    image,
                    max(1, round(image.shape[0] * scale)),
                    max(1, round(image.shape[1] * scale)),
                )
            self.uploaded, self.upload_error = image, ""
        except ValueError as exc:
            self.uploaded, self.upload_error = None, str(exc)
        if self.controls["picture"].value != UPLOAD:
            self.controls["picture"].value = UPLOAD  # redraws
        else:
            self.refresh()

    def _on_upload(self, change: Any) -> None:
        files = change["new"]
        if files:
            item = files[-1]
            self.use_bytes(bytes(item["content"]), item.get("name", "file"))


def own_image_explorer(model: Sequential) -> OwnImageExplorer:
    """An :class:`OwnImageExplorer` for ``model``."""
    return OwnImageExplorer(model)
