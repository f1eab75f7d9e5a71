"""How the browser tests move each kind of explorer control, as a learner would.

One small driver per kind of control, looked up in :data:`DRIVERS` by kind: each takes the
control's element (a playwright locator) and its name and returns a :class:`Control` that
knows how to move it one step, move it back, and put it at its first value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

#: Text typed into a text box: nonsense, which an explorer must answer with a friendly message.
NONSENSE = "?"
# Controls inside an explorer, not inside its view (a view may hold widgets of its own).
NOT_IN_VIEW = ":not(.cnnkit-view *)"
#: Widgets the drivers cannot move (counted in the report, not failed).
UNSUPPORTED = (f".widget-play{NOT_IN_VIEW}, .widget-colorpicker{NOT_IN_VIEW}, "
               f".widget-datepicker{NOT_IN_VIEW}")


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
            "(e) => window.__cnnkit.disabled(e)")



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



def _toggle(element: Any, name: str) -> Control:
    return Control(name, element.click, element.click)


def _button(element: Any, name: str) -> Control:
    return Control(name, element.click, None, slow=True)


def _toggle_buttons(element: Any, name: str) -> Control:
    return _choice_group(element.locator("button.widget-toggle-button"), name,
                         "(b) => b.classList.contains('mod-active')")


def _radio(element: Any, name: str) -> Control:
    return _choice_group(element.locator("input[type=radio]"), name, "(r) => r.checked")


#: kind -> (CSS selector of its elements inside an explorer, driver). Buttons come last:
#: they often cannot be undone (Train, next step).
DRIVERS: dict[str, tuple[str, Callable[[Any, str], Control]]] = {
    "toggle-buttons": (f".widget-toggle-buttons{NOT_IN_VIEW}", _toggle_buttons),
    "radio": (f".widget-radio-box{NOT_IN_VIEW}", _radio),
    "dropdown": (f".widget-dropdown select{NOT_IN_VIEW}", _dropdown),
    "checkbox": (f".widget-checkbox input[type=checkbox]{NOT_IN_VIEW}", _toggle),
    "toggle": (f"button.widget-toggle-button:not(.widget-toggle-buttons *){NOT_IN_VIEW}",
               _toggle),
    "slider": (f".noUi-handle{NOT_IN_VIEW}", _slider),
    "number": (f".widget-text input[type=number]{NOT_IN_VIEW}", _number),
    "text": (f".widget-text input[type=text]{NOT_IN_VIEW}, "
             f".widget-textarea textarea{NOT_IN_VIEW}", _text),
    "button": (f"button.widget-button{NOT_IN_VIEW}", _button),
}


def _label(element: Any, fallback: str) -> str:
    """The control's description as the learner reads it, for messages."""
    text = element.evaluate("(e) => window.__cnnkit.controlLabel(e)")
    return f"{fallback} {text!r}" if text and text != "\u200b" else fallback


def find_controls(explorer: Any) -> list[Control]:
    """Every control of one explorer (a locator), kind by kind in the order of DRIVERS."""
    found: list[Control] = []
    for kind, (selector, driver) in DRIVERS.items():
        elements = explorer.locator(selector)
        for k in range(elements.count()):
            element = elements.nth(k)
            control = driver(element, _label(element, f"{kind} {k + 1}"))
            control.element = element
            found.append(control)
    return found
