"""The calendar files of sequence and model pages, downloaded in a real browser and read by an independent
iCalendar parser: under an intranet sub-path, and in the offline build from a file share."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from browser import DESKTOP, csp_violations, expect, in_ci, missing_browser, serious_violations, watched_page
from coachbook.i18n import messages
from coachbook.model.loader import load_library
from coachbook.site.pages import DEFAULT_EVENT_MINUTES
from coachbook.text import normalized, plain_text
from conftest import MODEL_IDS, REPO

if missing_browser() and not in_ci():  # in CI, every test fails instead (see browser.require_browser)
    pytest.skip(missing_browser(), allow_module_level=True)

icalendar = pytest.importorskip("icalendar", reason="the calendar tests need icalendar: python -m pip install -e '.[test]'")

LIBRARY = load_library([REPO / "models"], sequences_dir=REPO / "sequences")
SEQUENCES = {sequence.id: sequence for sequence in LIBRARY.sequences}
MODELS = {model.id: model for model in LIBRARY.models}
START = datetime.date(2027, 3, 1)  # a Monday; a daylight-saving change comes within the weeks after it
TIME = "08:45"
SITE = messages("en")["site"]


def download_calendar(page, date: datetime.date = START, time: str = TIME) -> bytes:
    """Fill in the page's calendar form as a reader does and return the downloaded file's bytes."""
    form = page.locator("form.cb-calendar-form")
    expect(form).to_be_visible()  # calendar.js shows it; without script it stays hidden
    page.get_by_label("Start date").fill(date.isoformat())
    page.get_by_label("Start time").fill(time)
    with page.expect_download() as download:
        form.get_by_role("button", name="Download calendar file").click()
    assert download.value.suggested_filename == form.get_attribute("data-cb-file")
    expect(form.locator(".cb-calendar-status")).to_have_text(f"Downloaded {download.value.suggested_filename}.")
    return Path(download.value.path()).read_bytes()


def expected_events(sequence_id: str, date: datetime.date = START) -> list[tuple[datetime.datetime, str, int]]:
    """(start, title, minutes) of every conversation of a sequence, in order."""
    hour, minute = map(int, TIME.split(":"))
    return [(datetime.datetime.combine(date + datetime.timedelta(days=day), datetime.time(hour, minute)),
             plain_text(MODELS[entry.model].title), MODELS[entry.model].duration_minutes or DEFAULT_EVENT_MINUTES)
            for entry, days in SEQUENCES[sequence_id].schedule() for day in days]


def assert_well_formed(data: bytes) -> None:
    """UTF-8, CRLF only, and every line at most 75 octets, folded where a text was longer."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "no line was folded"
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character


def events_of(data: bytes) -> list:
    calendar = icalendar.Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    events = list(calendar.walk("VEVENT"))
    assert len({str(event["UID"]) for event in events}) == len(events), "every event has its own UID"
    for event in events:
        stamp = event.decoded("DTSTAMP")
        assert stamp.tzinfo is not None and stamp.utcoffset() == datetime.timedelta(0)  # DTSTAMP is UTC
    return events


@pytest.mark.parametrize("sequence_id", sorted(SEQUENCES))
def test_every_sequence_page_downloads_its_conversations_as_calendar_events(open_page, site_url, built_site, sequence_id):
    page, traffic = open_page(f"sequences/{sequence_id}/")
    data = download_calendar(page)
    assert_well_formed(data)
    events = events_of(data)
    got = [(event.decoded("DTSTART"), str(event["SUMMARY"]),
            (event.decoded("DTEND") - event.decoded("DTSTART")) // datetime.timedelta(minutes=1)) for event in events]
    assert got == expected_events(sequence_id)
    address = f"{built_site.url}sequences/{sequence_id}/"  # its site_url's, not where a test serves it
    for event, (entry, _) in zip(events, [(e, d) for e, days in SEQUENCES[sequence_id].schedule() for d in days]):
        description = str(event["DESCRIPTION"])
        assert normalized(plain_text(MODELS[entry.model].summary)) in normalized(description)
        assert description.endswith("\n\n" + address)
        # Its conversation mode, one tap from the calendar: the site_url's address, as the session site has one.
        assert SITE["calendar_run"].format(url=f"{built_site.url}run/{entry.model}/") in description.split("\n\n")
    assert csp_violations(page, traffic) == []
    assert traffic.problems() == []
    assert traffic.foreign(site_url) == []  # the file is made in the page: no request at all


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_model_page_downloads_one_event_with_its_cadence(open_page, built_site, model_id):
    page, traffic = open_page(f"models/{model_id}/")
    data = download_calendar(page, START, "14:00")
    assert_well_formed(data)
    (event,) = events_of(data)
    model = MODELS[model_id]
    assert event.decoded("DTSTART") == datetime.datetime(2027, 3, 1, 14, 0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(
        minutes=model.duration_minutes or DEFAULT_EVENT_MINUTES)
    assert str(event["SUMMARY"]) == plain_text(model.title)
    description = normalized(str(event["DESCRIPTION"]))
    assert normalized(plain_text(model.summary)) in description
    if model.cadence:
        assert normalized(plain_text(model.cadence)) in description
    assert description.endswith(f"{built_site.url}models/{model_id}/")  # its site_url's address, not where a test serves it
    assert traffic.problems() == []


def test_the_form_asks_for_a_date_before_it_downloads(open_page):
    page, _ = open_page(f"sequences/{sorted(SEQUENCES)[0]}/")
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.locator("form.cb-calendar-form button").click()
    assert page.evaluate("() => document.querySelector('#cb-calendar-date').validity.valueMissing")
    page.wait_for_timeout(300)
    assert downloads == []


def test_the_form_works_with_the_keyboard(open_page):
    page, _ = open_page(f"sequences/{sorted(SEQUENCES)[0]}/")
    page.get_by_label("Start date").fill(START.isoformat())
    page.get_by_label("Start date").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")  # submits the form, as a reader finishing the date does
    assert download.value.suggested_filename.endswith(".ics")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_a_sequence_page(open_page, scheme):
    page, _ = open_page(f"sequences/{sorted(SEQUENCES)[0]}/", "dark" if scheme == "dark" else "desktop")
    expect(page.locator("form.cb-calendar-form")).to_be_visible()
    assert serious_violations(page) == []


def test_a_sequence_page_has_no_sideways_scrolling_on_a_phone(open_page):
    for sequence_id in sorted(SEQUENCES):
        page, traffic = open_page(f"sequences/{sequence_id}/", "phone")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, sequence_id
        assert traffic.problems() == []


# --- offline, from a file share -------------------------------------------------------------


@pytest.mark.parametrize("sequence_id", sorted(SEQUENCES))
def test_every_sequence_downloads_its_calendar_from_a_file_share(browser, offline_site, sequence_id):
    with watched_page(browser, viewport=DESKTOP, accept_downloads=True) as (page, traffic):
        page.goto((offline_site / "sequences" / f"{sequence_id}.html").as_uri())
        # The timeline's links hold on a file share: each names a page of the offline build.
        for href in page.locator("ol.cb-timeline a").evaluate_all("links => links.map(a => a.href.split('#')[0])"):
            assert href.startswith(offline_site.as_uri()) and Path(href.removeprefix("file://")).is_file(), href
        data = download_calendar(page, datetime.date(2027, 10, 25))
        assert_well_formed(data)
        events = events_of(data)
        assert [(event.decoded("DTSTART"), str(event["SUMMARY"])) for event in events] == [
            (start, title) for start, title, _ in expected_events(sequence_id, datetime.date(2027, 10, 25))]
        # No site_url: no web address; the conversation mode's link is the one the page resolves, on the share.
        runs = [SITE["calendar_run"].format(url=(offline_site / "run" / f"{entry.model}.html").as_uri())
                for entry, days in SEQUENCES[sequence_id].schedule() for _ in days]
        assert [str(event["DESCRIPTION"]).split("\n\n")[-1] for event in events] == runs
        assert all("http" not in str(event["DESCRIPTION"]) for event in events)
        assert csp_violations(page, traffic) == []
        assert traffic.problems() == []
        assert traffic.foreign(offline_site.as_uri() + "/") == []


TRICKY_TEXT = "Back\\slash; semi, comma\nnew line \u00e4\u00f6\u00fc \u20ac \U0001f44b " + "\u00e9" * 80
"""Every character RFC 5545 escapes, and two- to four-byte characters that a fold by characters would split."""


def test_text_is_escaped_and_folded_by_octets_whatever_it_holds(open_page):
    page, traffic = open_page(f"models/{MODEL_IDS[0]}/")
    page.locator("form.cb-calendar-form").evaluate(
        "(form, text) => { const events = JSON.parse(form.dataset.cbEvents);"
        " events[0].title = text; events[0].description = text; form.dataset.cbEvents = JSON.stringify(events); }",
        TRICKY_TEXT)
    data = download_calendar(page)
    assert_well_formed(data)
    (event,) = events_of(data)
    assert str(event["SUMMARY"]) == TRICKY_TEXT
    assert str(event["DESCRIPTION"]).startswith(TRICKY_TEXT + "\n\n")
    assert b"Back\\\\slash\\; semi\\, comma\\nnew line" in data  # escaped as the RFC says, not only readable
    assert traffic.problems() == []
