"""Checks a person would make by looking at a page on a phone."""
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

TOUCH_TARGETS = """
() => [...document.querySelectorAll(
    'button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), ' +
    'select, textarea, .mainnav a, label.choice')]
  .filter(el => el.offsetParent !== null)
  .map(el => { const r = el.getBoundingClientRect();
               return {what: el.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
  .filter(t => t.w < 44 || t.h < 44)
"""


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_phone(page) -> None:
    """Nothing sticks out sideways, at normal and at 200% text size."""
    for size in ("100%", "200%"):
        page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the screen at {size} text"
    page.evaluate("document.documentElement.style.fontSize = ''")


def assert_touch_targets(page) -> None:
    small = page.evaluate(TOUCH_TARGETS)
    assert small == [], f"touch targets under 44px: {small}"


def assert_looks_finished(page, name: str) -> None:
    assert_fits_phone(page)
    assert_touch_targets(page)
    screenshot(page, name)
