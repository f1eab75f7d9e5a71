"""Fixtures for the browser tests: one headless Chromium per session, timings per notebook."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labharness  # noqa: E402

_TIMINGS: dict[str, dict[str, float]] = {}


def pytest_collection_modifyitems(config, items):
    """Without Chromium or playwright the browser tests skip (or fail, when CI requires them)."""
    reason = labharness.browser_skip_reason()
    if reason is None:
        return
    if os.environ.get(labharness.REQUIRE_ENV) == "1":
        return  # the chromium fixture fails with the same reason
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by playwright (never a downloaded browser)."""
    reason = labharness.browser_skip_reason()
    if reason is not None:
        pytest.fail(f"{labharness.REQUIRE_ENV}=1 but {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=labharness.find_chromium(), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def timings():
    """Per-notebook timings, printed at the end of the run and kept in artifacts/."""
    return _TIMINGS


def pytest_terminal_summary(terminalreporter):
    if not _TIMINGS:
        return
    terminalreporter.section("browser timings (s)")
    for name, phases in _TIMINGS.items():
        terminalreporter.write_line(
            f"{name:40s} " + "  ".join(f"{k}={v:.1f}" for k, v in phases.items())
        )
    labharness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (labharness.ARTIFACTS / "timings.json").write_text(json.dumps(_TIMINGS, indent=1))
