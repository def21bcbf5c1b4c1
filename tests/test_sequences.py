"""Sequences of conversations: strict files with positioned errors, a page each, and their place on model pages."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachbook.i18n import messages
from coachbook.model.loader import load_library, locate_sequences
from coachbook.text import normalized, plain_text
from conftest import MODEL_IDS, REPO, build_kits, missing_texts, mkdocs, page_text

SEQUENCE_FILES = sorted((REPO / "sequences").glob("*.yaml"))
SEQUENCE_IDS = [path.stem for path in SEQUENCE_FILES]
MODEL = MODEL_IDS[0]  # the one model of the `project` fixture

VALID_SEQUENCE = textwrap.dedent(f"""\
    id: follow-up
    title: Talk, then follow up
    summary: A talk and its follow-ups.
    entries:
      - model: {MODEL}
        after_days: 0
      - model: {MODEL}
        after_days: 14
        repeat:
          count: 3
          every_days: 7
        note: Keep them short.
    """)


@pytest.fixture(scope="module")
def library():
    return load_library([REPO / "models"], sequences_dir=REPO / "sequences")


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- loading --------------------------------------------------------------------------------


def test_the_shipped_sequences_load_and_name_shipped_models(library):
    assert [sequence.id for sequence in library.sequences] == SEQUENCE_IDS
    assert {"okr-cycle", "performance-improvement-path", "performance-connection-cycle"} <= set(SEQUENCE_IDS)
    for sequence in library.sequences:
        assert {entry.model for entry in sequence.entries} <= set(MODEL_IDS)


def test_the_okr_cycle_spreads_its_other_conversations_between_the_fortnightly_updates(library):
    cycle = next(sequence for sequence in library.sequences if sequence.id == "okr-cycle")
    schedule: dict[str, list[int]] = {}
    for entry, days in cycle.schedule():
        schedule.setdefault(entry.model, []).extend(days)
    assert list(schedule) == [
        "okr-goal-planning", "okr-progress-update", "okr-manager-coaching", "okr-upward-feedback", "okr-career-growth"]
    assert schedule["okr-goal-planning"] == [0]
    assert schedule["okr-progress-update"] == [14, 28, 42, 56, 70, 84]
    # Each counted from the update before it; a week after one update and a week before the next, three weeks
    # apart rather than bunched at the end, so each leaves time in the cycle to act on what it brings up.
    assert [schedule[model] for model in ("okr-manager-coaching", "okr-upward-feedback", "okr-career-growth")] == [
        [35], [49], [63]]


def test_the_connection_cycle_updates_every_30_to_45_days(library):
    cycle = next(sequence for sequence in library.sequences if sequence.id == "performance-connection-cycle")
    days = [day for _, entry_days in cycle.schedule() for day in entry_days]
    assert days[0] == 0 and len(days) > 2
    assert all(30 <= later - earlier <= 45 for earlier, later in zip(days, days[1:]))


def test_a_missing_sequences_folder_has_none(tmp_path):
    assert locate_sequences(tmp_path / "nowhere", set(MODEL_IDS)) == ([], [])


# Each broken one way: the file's text, and the one line the check must print for it.
INVALID = {
    "unknown key": (VALID_SEQUENCE.replace("summary:", "colour: red\nsummary:"),
                    "sequences/follow-up.yaml:3:1: colour: unknown key (allowed: entries, id, summary, title)"),
    "unknown key in an entry": (VALID_SEQUENCE.replace("    note:", "    notes: x\n    note:"),
                                "sequences/follow-up.yaml:12:5: entries[1].notes: unknown key (did you mean 'note'?)"),
    "unknown model id": (VALID_SEQUENCE.replace(f"model: {MODEL}\n    after_days: 14", "model: five-step-coaching\n    after_days: 14"),
                         f"sequences/follow-up.yaml:7:12: entries[1].model: unknown model 'five-step-coaching' "
                         f"(did you mean '{MODEL}'?)"),
    "interval of no days": (VALID_SEQUENCE.replace("every_days: 7", "every_days: 0"),
                            "sequences/follow-up.yaml:11:19: entries[1].repeat.every_days: must be at least 1 (got 0)"),
    "repeated no times": (VALID_SEQUENCE.replace("count: 3", "count: 0"),
                          "sequences/follow-up.yaml:10:14: entries[1].repeat.count: must be at least 1 (got 0)"),
    "negative days": (VALID_SEQUENCE.replace("after_days: 14", "after_days: -3"),
                      "sequences/follow-up.yaml:8:17: entries[1].after_days: must be at least 0 (got -3)"),
    "days as text": (VALID_SEQUENCE.replace("after_days: 14", "after_days: two weeks"),
                     "sequences/follow-up.yaml:8:17: entries[1].after_days: must be a whole number (got 'two weeks')"),
    "repeat as a number": (VALID_SEQUENCE.replace("repeat:\n      count: 3\n      every_days: 7", "repeat: 3"),
                           "sequences/follow-up.yaml:9:13: entries[1].repeat: must be a mapping of keys (got '3')"),
    "entries as text": ("id: follow-up\ntitle: T\nsummary: S\nentries: all of them\n",
                        "sequences/follow-up.yaml:4:10: entries: must be a list (got 'all of them')"),
    "no entries": ("id: follow-up\ntitle: T\nsummary: S\nentries: []\n",
                   "sequences/follow-up.yaml:4:10: entries: must have at least one item"),
    "id not the file name": (VALID_SEQUENCE.replace("id: follow-up", "id: follow"),
                             "sequences/follow-up.yaml:1:5: id: must equal the file name 'follow-up' (got 'follow')"),
}


@pytest.fixture
def sequence_project(project) -> Path:
    (project / "sequences").mkdir()
    return project


@pytest.mark.parametrize("case", INVALID)
def test_an_invalid_sequence_is_one_line_at_its_place_from_check(sequence_project, case):
    text, line = INVALID[case]
    (sequence_project / "sequences" / "follow-up.yaml").write_text(text, encoding="utf-8")
    result = build_kits("check", cwd=sequence_project)
    assert (result.returncode, result.stderr.splitlines()) == (1, [line])


def test_an_unknown_model_is_reported_with_the_other_problems_of_its_file(sequence_project):
    text = INVALID["unknown model id"][0].replace("every_days: 7", "every_days: 0")
    (sequence_project / "sequences" / "follow-up.yaml").write_text(text, encoding="utf-8")
    result = build_kits("check", cwd=sequence_project)
    assert (result.returncode, result.stderr.splitlines()) == (
        1, [INVALID["unknown model id"][1], INVALID["interval of no days"][1]])


def test_check_names_the_sequence_files_it_validated(sequence_project):
    (sequence_project / "sequences" / "follow-up.yaml").write_text(VALID_SEQUENCE, encoding="utf-8")
    result = build_kits("check", cwd=sequence_project)
    assert (result.returncode, result.stderr) == (0, "1 model files and 1 sequence file OK\n")


def test_check_of_a_named_sequence_file_checks_it_against_every_model(sequence_project):
    """As the pre-commit hook names a changed sequence: it is no model file, and may name any model."""
    sequence = sequence_project / "sequences" / "follow-up.yaml"
    sequence.write_text(VALID_SEQUENCE, encoding="utf-8")
    result = build_kits("check", "sequences/follow-up.yaml", cwd=sequence_project)
    assert (result.returncode, result.stderr) == (0, "0 model files and 1 sequence file OK\n")
    text, line = INVALID["unknown model id"]
    sequence.write_text(text, encoding="utf-8")
    for args in (["sequences/follow-up.yaml"], ["--lint", "sequences/follow-up.yaml"]):
        result = build_kits("check", *args, cwd=sequence_project)
        assert result.returncode == 1 and result.stderr.splitlines()[0] == line, result.stderr


def test_check_lint_reports_an_invalid_sequence_and_fails(sequence_project):
    text, line = INVALID["unknown model id"]
    (sequence_project / "sequences" / "follow-up.yaml").write_text(text, encoding="utf-8")
    result = build_kits("check", "--lint", cwd=sequence_project)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == line
    assert result.stderr.splitlines()[-1].startswith("1 invalid sequence file; ")


def test_the_sequences_option_names_another_folder(sequence_project):
    (sequence_project / "plans").mkdir()
    (sequence_project / "plans" / "follow-up.yaml").write_text(INVALID["unknown key"][0], encoding="utf-8")
    result = build_kits("check", "--sequences", "plans", cwd=sequence_project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [INVALID["unknown key"][1].replace("sequences/", "plans/")]
    assert build_kits("check", "--sequences", "missing", cwd=sequence_project).returncode == 2


def test_the_sequences_dir_option_of_mkdocs_yml_is_read(sequence_project):
    (sequence_project / "plans").mkdir()
    (sequence_project / "plans" / "follow-up.yaml").write_text(INVALID["unknown key"][0], encoding="utf-8")
    config = sequence_project / "mkdocs.yml"
    config.write_text(config.read_text().replace("      models_dir: [models]\n",
                                                 "      models_dir: [models]\n      sequences_dir: plans\n"))
    result = build_kits("check", cwd=sequence_project)
    assert result.stderr.splitlines() == [INVALID["unknown key"][1].replace("sequences/", "plans/")]


def test_an_invalid_sequence_fails_the_kit_build_writing_nothing(sequence_project):
    text, line = INVALID["interval of no days"]
    (sequence_project / "sequences" / "follow-up.yaml").write_text(text, encoding="utf-8")
    result = build_kits("build", "--out", "out", cwd=sequence_project)
    assert (result.returncode, result.stderr.splitlines()) == (1, [line])
    assert not (sequence_project / "out").exists()


def test_an_invalid_sequence_fails_mkdocs_build_and_leaves_the_site_alone(sequence_project):
    (sequence_project / "sequences" / "follow-up.yaml").write_text(VALID_SEQUENCE, encoding="utf-8")
    assert mkdocs("build", "--strict", cwd=sequence_project).returncode == 0
    assert (sequence_project / "site" / "sequences" / "follow-up" / "index.html").is_file()
    before = {p: p.read_bytes() for p in (sequence_project / "site").rglob("*") if p.is_file()}
    text, line = INVALID["unknown model id"]
    (sequence_project / "sequences" / "follow-up.yaml").write_text(text, encoding="utf-8")
    result = mkdocs("build", "--strict", cwd=sequence_project)
    assert result.returncode == 1
    assert line in result.stderr and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in (sequence_project / "site").rglob("*") if p.is_file()} == before


# --- the built site -------------------------------------------------------------------------


@pytest.mark.parametrize("sequence_id", SEQUENCE_IDS)
def test_a_sequence_page_lists_its_conversations_with_their_days_model_pages_and_kits(built_site, library, sequence_id):
    sequence = next(s for s in library.sequences if s.id == sequence_id)
    models = {model.id: model for model in library.models}
    page = built_site.root / "sequences" / sequence_id / "index.html"
    soup = soup_of(page)
    assert missing_texts(sequence.texts(), page_text(page)) == []
    entries = soup.select("ol.cb-timeline > li.cb-timeline-entry")
    t = messages("en")["site"]
    assert len(entries) == len(sequence.entries)
    for item, (entry, days) in zip(entries, sequence.schedule()):
        when = normalized(item.select_one(".cb-timeline-when").get_text())
        assert when.startswith(f"Day {days[0]}" if len(days) == 1 else "Days " + ", ".join(map(str, days)))
        if entry.repeat and entry.repeat.count > 1:
            assert f"Every {entry.repeat.every_days} days, {entry.repeat.count} times" in when
        title = item.select_one(".cb-timeline-title a")
        assert normalized(title.get_text()) == normalized(plain_text(models[entry.model].title))
        assert (page.parent / title["href"] / "index.html").resolve() == built_site.root / "models" / entry.model / "index.html"
        kits = item.find("a", string=t["print_kits"])
        assert kits["href"] == f"../../kits/#{entry.model}"
        kits_page = soup_of(built_site.root / "kits" / "index.html")
        assert kits_page.find(id=entry.model).find_next("a", class_="cb-kit-button")["href"].endswith(".pdf")


@pytest.mark.parametrize("sequence_id", SEQUENCE_IDS)
def test_a_sequence_page_carries_its_events_for_the_calendar(built_site, library, sequence_id):
    sequence = next(s for s in library.sequences if s.id == sequence_id)
    form = soup_of(built_site.root / "sequences" / sequence_id / "index.html").select_one("form.cb-calendar-form")
    events = json.loads(form["data-cb-events"])
    assert [event["days"] for event in events] == [days for _, days in sequence.schedule()]
    assert form["data-cb-url"] == f"{built_site.url}sequences/{sequence_id}/"
    assert form["data-cb-file"] == f"{sequence_id}.ics"
    # Each event's conversation mode, by the full address the site's site_url gives it (calendar.js adds it).
    assert [event["run"] for event in events] == [f"{built_site.url}run/{entry.model}/" for entry, _ in sequence.schedule()]


def test_every_model_page_lists_its_sequences_with_what_comes_before_and_after(built_site, library):
    titles = {model.id: normalized(plain_text(model.title)) for model in library.models}
    listed = {model_id: [] for model_id in MODEL_IDS}
    for sequence in library.sequences:
        schedule = sequence.schedule()
        for index, (entry, _) in enumerate(schedule):
            before = titles[schedule[index - 1][0].model] if index else "It starts the sequence."
            after = titles[schedule[index + 1][0].model] if index + 1 < len(schedule) else "It ends the sequence."
            listed[entry.model].append((normalized(plain_text(sequence.title)), before, after))
    for model_id, expected in listed.items():
        items = soup_of(built_site.root / "models" / model_id / "index.html").select("ul.cb-memberships > li")
        assert len(items) == len(expected), model_id
        for item, (sequence_title, before, after) in zip(items, expected):
            text = normalized(item.get_text())
            assert text.startswith(sequence_title)
            assert before in text.split("After it:")[0] and after in text.split("After it:")[-1], text


def test_each_shipped_model_is_in_a_sequence(library):
    assert {entry.model for sequence in library.sequences for entry in sequence.entries} == set(MODEL_IDS)


def test_sequences_are_in_the_navigation_and_in_search(built_site, library):
    nav = soup_of(built_site.root / "index.html").select_one("nav.md-nav--primary")
    section = next(item for item in nav.select("li.md-nav__item--section")
                   if normalized(item.find("label").get_text()) == "Sequences")
    assert [normalized(a.get_text()) for a in section.select("a.md-nav__link")] == [
        normalized(plain_text(sequence.title)) for sequence in library.sequences]
    documents = json.loads((built_site.root / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    locations = {document["location"]: document for document in documents}
    for sequence in library.sequences:
        assert normalized(locations[f"sequences/{sequence.id}/"]["title"]) == normalized(plain_text(sequence.title))
        indexed = normalized(" ".join(d["text"] for location, d in locations.items()
                                      if location.startswith(f"sequences/{sequence.id}/")))
        assert normalized(plain_text(sequence.summary)) in indexed


def test_a_translation_section_lists_no_sequence(built_site):
    german = built_site.root / "de"
    assert not (german / "sequences").exists()
    for page in (german / "models").rglob("index.html"):
        assert soup_of(page).select("ul.cb-memberships") == []



def test_the_readme_describes_every_field_of_a_sequence():
    from coachbook.model.sequences import ConversationSequence, Repeat, SequenceEntry

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Sequences of conversations", 1)[1].split("\n## ", 1)[0]
    names = [*ConversationSequence.model_fields, *(f"entries[].{name}" for name in SequenceEntry.model_fields)]
    assert [name for name in names if f"| `{name}` |" not in section] == []
    assert [name for name in Repeat.model_fields if f"`{name}`" not in section] == []
