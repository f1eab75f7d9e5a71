"""Move every control of one explorer, as a learner would, and judge what the view does.

:class:`ExplorerDriver` moves each control one step (and back), waits until the kernel has
answered every widget message the move sent, and records whether the view changed, stayed
the same, timed out or showed a traceback. A control without effect is tried again in other
states (see :meth:`ExplorerDriver.retry`) before it is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from controls import UNSUPPORTED, Control, find_controls
from report import NotebookReport


class ExplorerDriver:
    """Moves the controls of explorer ``index`` and checks its view after each move."""

    def __init__(
        self,
        page: Any,
        index: int,
        report: NotebookReport,
        move_timeout_s: float,
        button_timeout_s: float,
    ) -> None:
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

        old, since = self.page.evaluate(
            "(i) => [window.__cnnkit.sig(i), window.__cnnkit.sent.length]", self.index
        )
        action()
        timeout = self.button_timeout_ms if slow else self.move_timeout_ms
        try:
            self.page.wait_for_function(
                "(since) => window.__cnnkit.answered(since)",
                arg=since,
                polling=100,
                timeout=timeout,
            )
        except PlaywrightTimeout:
            self.report.problems.append(
                f"{self.where()}: no answer from the kernel within "
                f"{timeout / 1000:.0f} s after: {label}"
            )
            return "timeout"
        self.page.evaluate("() => window.__cnnkit.frames()")  # let the page paint what arrived
        problem = self.page.evaluate("(i) => window.__cnnkit.viewProblem(i)", self.index)
        if problem:
            self.report.problems.append(f"{self.where()} after {label}: {problem}")
            return "error"
        new = self.page.evaluate("(i) => window.__cnnkit.sig(i)", self.index)
        return "changed" if new != old else "unchanged"

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
            if other.disabled() or other.at_start():
                continue
            if self.act(f"{other.name} to its first value", other.to_start) in ("timeout", "error"):
                continue
            outcome = self.move(control, "moved again")
            if outcome not in ("unchanged", "disabled"):
                return f"{outcome} (with {other.name} at its first value)"
        buttons = [c for c in others if c.back is None] if control.back is not None else []
        for button in buttons:
            pressed = self.move(button, f"pressed (before {control.name})")
            if pressed != "changed" and button.disabled():
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
        title = self.page.evaluate("(i) => window.__cnnkit.title(i)", self.index)
        self.title = title or f"#{self.index}"
        self.locator.scroll_into_view_if_needed()
        problem = self.page.evaluate("(i) => window.__cnnkit.viewProblem(i)", self.index)
        if problem:
            self.report.problems.append(f"{self.where()} as first drawn: {problem}")
        controls = find_controls(self.locator)
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
                    f"({self.verdicts[control.name]}, also after moving the other controls)"
                )
        self.report.explorers.append(
            {
                "index": self.index,
                "title": self.title,
                "controls": dict(self.verdicts),
                "not_exercised": self.locator.locator(UNSUPPORTED).count(),
                "seconds": time.perf_counter() - started,
            }
        )
        if not controls:
            self.report.problems.append(f"{self.where()} has no control the test can move")
