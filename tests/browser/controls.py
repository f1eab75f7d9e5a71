"""How the browser tests move each kind of explorer control, as a learner would.

One small driver per kind of control, looked up in :data:`DRIVERS` by kind: each takes the
control's element (a playwright locator) and its name and returns a :class:`Control` that
knows how to move it one step, move it back, and put it at its first value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Text typed into a text box: nonsense, which an explorer must answer with a friendly message.
NONSENSE = "?"
# Controls inside an explorer, not inside its view (a view may hold widgets of its own).
NOT_IN_VIEW = ":not(.cnnkit-view *)"
#: Widgets the drivers cannot move (counted in the report, not failed).
UNSUPPORTED = (
    f".widget-play{NOT_IN_VIEW}, .widget-colorpicker{NOT_IN_VIEW}, .widget-datepicker{NOT_IN_VIEW}"
)


@dataclass
class Control:
    """One control of an explorer: how to move it, and how to move it back (if possible)."""

    name: str
    forward: Callable[[], None]
    back: Callable[[], None] | None = None
    slow: bool = False  # a button that runs for a while (Train)
    element: Any = None
    to_start: Callable[[], None] | None = None  # to its first value (slider min, first option)
    at_start: Callable[[], bool] = lambda: True

    def disabled(self) -> bool:
        return self.element is not None and self.element.evaluate(
            "(e) => window.__cnnkit.disabled(e)"
        )


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

    return Control(
        name,
        forward,
        back,
        to_start=to_start,
        at_start=lambda: (
            handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin")
        ),
    )


def _dropdown(select: Any, name: str) -> Control:
    previous: list[str] = []

    def forward() -> None:
        options = select.evaluate("(s) => [...s.options].map((o) => o.value)")
        current = select.input_value()
        k = options.index(current) if current in options else -1
        previous.append(current)
        select.select_option(value=options[(k + 1) % len(options)])

    return Control(
        name,
        forward,
        lambda: select.select_option(value=previous.pop()),
        to_start=lambda: select.select_option(index=0),
        at_start=lambda: select.evaluate("(s) => s.selectedIndex === 0"),
    )


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

    return Control(
        name,
        forward,
        back,
        to_start=lambda: items.nth(0).click(),
        at_start=lambda: items.nth(0).evaluate(is_active),
    )


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


def _toggle(element: Any, name: str) -> Control:
    return Control(name, element.click, element.click)


def _button(element: Any, name: str) -> Control:
    return Control(name, element.click, None, slow=True)


def _toggle_buttons(element: Any, name: str) -> Control:
    return _choice_group(
        element.locator("button.widget-toggle-button"),
        name,
        "(b) => b.classList.contains('mod-active')",
    )


def _radio(element: Any, name: str) -> Control:
    return _choice_group(element.locator("input[type=radio]"), name, "(r) => r.checked")


#: kind -> (CSS selector of its elements inside an explorer, driver). Buttons come last:
#: they often cannot be undone (Train, next step).
DRIVERS: dict[str, tuple[str, Callable[[Any, str], Control]]] = {
    "toggle-buttons": (f".widget-toggle-buttons{NOT_IN_VIEW}", _toggle_buttons),
    "radio": (f".widget-radio-box{NOT_IN_VIEW}", _radio),
    "dropdown": (f".widget-dropdown select{NOT_IN_VIEW}", _dropdown),
    "checkbox": (f".widget-checkbox input[type=checkbox]{NOT_IN_VIEW}", _toggle),
    "toggle": (f"button.widget-toggle-button:not(.widget-toggle-buttons *){NOT_IN_VIEW}", _toggle),
    "slider": (f".noUi-handle{NOT_IN_VIEW}", _slider),
    "number": (f".widget-text input[type=number]{NOT_IN_VIEW}", _number),
    "text": (
        f".widget-text input[type=text]{NOT_IN_VIEW}, .widget-textarea textarea{NOT_IN_VIEW}",
        _text,
    ),
    "button": (f"button.widget-button{NOT_IN_VIEW}", _button),
}


def _label(element: Any, fallback: str) -> str:
    """The control's description as the learner reads it, for messages."""
    text = element.evaluate("(e) => window.__cnnkit.controlLabel(e)")
    return f"{fallback} {text!r}" if text and text != "\u200b" else fallback


#: Where a control sits in a grid of like buttons (a GridBox, like the drawing pad's 64 cells):
#: "place/count", or null outside a grid.
_GRID_PLACE = """(e) => {
    const grid = e.closest('.widget-gridbox');
    if (!grid) return null;
    const cells = Array.from(grid.querySelectorAll('button.widget-button'));
    return cells.indexOf(e) + '/' + cells.length;
}"""


def find_controls(explorer: Any) -> list[Control]:
    """Every control of one explorer (a locator), kind by kind in the order of DRIVERS.

    A grid of like buttons is one control repeated: only its first, middle and last cell
    are kept (the drawing pad's own test, test_drawing_pad.py, paints its cells).
    """
    found: list[Control] = []
    for kind, (selector, driver) in DRIVERS.items():
        elements = explorer.locator(selector)
        for k in range(elements.count()):
            element = elements.nth(k)
            if kind == "button" and not _grid_sample(element):
                continue
            control = driver(element, _label(element, f"{kind} {k + 1}"))
            control.element = element
            found.append(control)
    return found


def _grid_sample(element: Any) -> bool:
    """True for a button outside any grid, and for a grid's first, middle and last cell."""
    place = element.evaluate(_GRID_PLACE)
    if place is None:
        return True
    index, count = (int(n) for n in place.split("/"))
    return index in (0, count // 2, count - 1)


# --------------------------------------------------------------------------- keyboard only
#
# The same kinds of control, moved with the keyboard alone: each driver gets the control's
# element, a function ``focus(element)`` that reaches an element with Tab (see
# test_accessibility_in_lab.py) and the page's keyboard, and returns a Control whose forward
# and back press keys only. ``Control.element`` is what must show the focus.


@dataclass
class KeyControl:
    """A control moved by keys: ``target()`` is the element to focus for the next move."""

    name: str
    target: Callable[[bool], Any]  # back -> the element to focus before pressing keys
    keys: Callable[[Any, bool], None]  # (keyboard, back) -> press the keys


def _key_slider(handle: Any, name: str) -> KeyControl:
    pressed: list[str] = []

    def keys(keyboard: Any, back: bool) -> None:
        if back:
            keyboard.press("ArrowLeft" if pressed.pop() == "ArrowRight" else "ArrowRight")
            return
        before = handle.get_attribute("aria-valuenow")
        keyboard.press("ArrowRight")
        pressed.append("ArrowRight")
        if handle.get_attribute("aria-valuenow") == before:  # at the maximum
            keyboard.press("ArrowLeft")
            pressed[-1] = "ArrowLeft"

    return KeyControl(name, lambda back: handle, keys)


def _key_select(select: Any, name: str) -> KeyControl:
    """A dropdown: Space opens its list, an arrow picks the next option, Enter chooses it.

    (Arrows alone on the closed list do not work in JupyterLab: the notebook takes them to
    move between cells.)
    """
    pressed: list[str] = []

    def keys(keyboard: Any, back: bool) -> None:
        if back:
            arrow = "ArrowUp" if pressed.pop() == "ArrowDown" else "ArrowDown"
        else:
            last = select.evaluate("(s) => s.selectedIndex === s.options.length - 1")
            arrow = "ArrowUp" if last else "ArrowDown"
            pressed.append(arrow)
        for key in ("Space", arrow, "Enter"):
            keyboard.press(key)

    return KeyControl(name, lambda back: select, keys)


def _key_group(group: Any, name: str) -> KeyControl:
    """Toggle buttons: Tab to the next option's button and press Space; back to the old one."""
    buttons = group.locator("button.widget-toggle-button")
    previous: list[int] = []

    def target(back: bool) -> Any:
        if back:
            return buttons.nth(previous.pop())
        states = [
            buttons.nth(k).evaluate("(b) => b.classList.contains('mod-active')")
            for k in range(buttons.count())
        ]
        current = states.index(True) if True in states else 0
        previous.append(current)
        return buttons.nth((current + 1) % len(states))

    return KeyControl(name, target, lambda keyboard, back: keyboard.press("Space"))


def _key_press(key: str) -> Callable[[Any, str], KeyControl]:
    def driver(element: Any, name: str) -> KeyControl:
        return KeyControl(name, lambda back: element, lambda keyboard, back: keyboard.press(key))

    return driver


def _key_radio(group: Any, name: str) -> KeyControl:
    def target(back: bool) -> Any:
        checked = group.locator("input[type=radio]:checked")
        return checked if checked.count() else group.locator("input[type=radio]").first

    return KeyControl(
        name, target, lambda keyboard, back: keyboard.press("ArrowUp" if back else "ArrowDown")
    )


def _key_number(box: Any, name: str) -> KeyControl:
    pressed: list[str] = []

    def keys(keyboard: Any, back: bool) -> None:
        if back:
            keyboard.press("ArrowDown" if pressed.pop() == "ArrowUp" else "ArrowUp")
        else:
            before = box.input_value()
            keyboard.press("ArrowUp")
            pressed.append("ArrowUp")
            if box.input_value() == before:
                keyboard.press("ArrowDown")
                pressed[-1] = "ArrowDown"
        keyboard.press("Enter")

    return KeyControl(name, lambda back: box, keys)


def _key_text(box: Any, name: str) -> KeyControl:
    previous: list[str] = []

    def keys(keyboard: Any, back: bool) -> None:
        text = previous.pop() if back else NONSENSE
        if not back:
            previous.append(box.input_value())
        keyboard.press("ControlOrMeta+a")
        keyboard.type(text)
        keyboard.press("Enter")

    return KeyControl(f"{name} (typed {NONSENSE!r})", lambda back: box, keys)


#: kind -> how the keyboard moves it; the elements are found with the selectors of DRIVERS.
#: A button (Enter) cannot be moved back.
KEYS: dict[str, Callable[[Any, str], KeyControl]] = {
    "toggle-buttons": _key_group,
    "radio": _key_radio,
    "dropdown": _key_select,
    "checkbox": _key_press("Space"),
    "toggle": _key_press("Space"),
    "slider": _key_slider,
    "number": _key_number,
    "text": _key_text,
    "button": _key_press("Enter"),
}
UNDOABLE = {kind for kind in KEYS if kind != "button"}


def keyboard_controls(explorer: Any) -> list[tuple[str, KeyControl]]:
    """Every control of one explorer with its keyboard driver: (kind, control)."""
    found: list[tuple[str, KeyControl]] = []
    for kind, (selector, _) in DRIVERS.items():
        elements = explorer.locator(selector)
        for k in range(elements.count()):
            element = elements.nth(k)
            found.append((kind, KEYS[kind](element, _label(element, f"{kind} {k + 1}"))))
    return found
