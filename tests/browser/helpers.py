"""Small helpers for the browser tests: screenshots, "was the page reloaded?", and colour checks."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page

# Git-ignored (`artifacts/` in .gitignore): look at them after a run, CI can keep them as build artifacts.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def mark_document(page: Page) -> None:
    """Tag the current document; a full page load replaces the document and loses the tag."""
    page.evaluate("window.__sameDocument = true")


def same_document(page: Page) -> bool:
    """True while the document tagged by ``mark_document`` is still the one shown (htmx swapped, no reload)."""
    return page.evaluate("window.__sameDocument === true")


def rgb(locator: Locator) -> tuple[int, int, int]:
    """The computed text colour of an element, as (red, green, blue)."""
    color = locator.evaluate("element => getComputedStyle(element).color")
    found = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", color)
    assert found, f"unexpected computed colour {color!r}"
    red, green, blue = (int(part) for part in found.groups())
    return red, green, blue


def is_reddish(color: tuple[int, int, int]) -> bool:
    red, green, blue = color
    return red >= 140 and red > 2 * green and red > 2 * blue
