"""Nothing moves when the site's deferred scripts run: in Chromium on a phone, the page as first painted (before
Coachbook's scripts arrive) and after them has its main boxes in the same place, and layout shift stays small."""

from __future__ import annotations

import pytest

from browser import expect
from conftest import MODEL_IDS

MODEL = MODEL_IDS[0]
# A page, the box a reader is looking at, what shows that its script has run, and what the script writes that the
# build wrote already (the same text: a different one could wrap differently), if anything.
PAGES = {
    "chooser": ("choose/", "div.cb-chooser.cb-group", "#cb-match:not([hidden])", None),
    "conversation mode": (f"run/{MODEL}/", "ol.cb-run-steps", "#cb-run.cb-run--live", ".cb-run-bar"),
    "model page": (f"models/{MODEL}/", "article.md-content__inner > h2:last-of-type", ".cb-calendar:not([hidden])", None),
}

RECORD_SHIFTS = """
window.coachbookShifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.coachbookShifts.push(entry.value);
}).observe({type: "layout-shift", buffered: true});
"""
PARSED_AND_PAINTED = "() => document.querySelector('.md-footer') && performance.getEntriesByType('paint').length > 0"
"""The page is there up to its footer (the scripts come after it), and was painted."""
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
"""Resolves once a frame was painted after the call: layout shifts are reported for painted frames."""


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector}: not shown"
    return {name: round(value) for name, value in found.items()}


@pytest.mark.parametrize("name", PAGES)
def test_the_scripts_move_nothing_on_a_phone(contexts, name):
    """The scripts are held back until the page was parsed and painted without them, so that they run after its
    first paint, as on a slow phone (on a fast one they may run before it, and hide any shift they cause)."""
    path, main, scripted, written = PAGES[name]
    page = contexts["phone"].new_page()
    try:
        page.add_init_script(RECORD_SHIFTS)
        held = []  # until the first paint; then every request goes through
        page.route("**/assets/coachbook/*.js", lambda route: held.append(route) if held is not None else route.continue_())
        page.goto(path, wait_until="commit")
        page.wait_for_function(PARSED_AND_PAINTED)
        page.evaluate(TWO_FRAMES)
        before = box(page, main)
        text = page.locator(written).text_content() if written else None
        # A held request reaches this test's handler through Playwright's event loop, which may be after the paint.
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "no Coachbook script was requested"
        for route in held:
            route.continue_()
        held = None
        expect(page.locator(scripted)).to_have_count(1)
        page.evaluate(TWO_FRAMES)
        assert box(page, main) == before, f"{name}: {main} moved when the scripts ran: {before} -> {box(page, main)}"
        if written:
            assert page.locator(written).text_content() == text
        shift = page.evaluate("window.coachbookShifts.reduce((sum, value) => sum + value, 0)")
        assert shift < 0.1, f"{name}: cumulative layout shift {shift:.3f}"
    finally:
        page.close()
