"""`mkdocs serve` rebuilds reuse what did not change (parsed models, pages' HTML, search entries, compiled templates)
and still write, after every kind of edit, the very bytes a fresh `mkdocs serve` of the edited project writes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from coachbook.errors import InvalidContent
from coachbook.model.loader import ReadFiles, load_library
from conftest import MODEL_FILES, REPO, copy_site_project, with_plugin_options

SERVE_URL = "http://127.0.0.1:8000/"
EXTRA_MODELS = ("okr-upward-feedback", "okr-progress-update")
SEQUENCE = """\
id: service-then-progress
title: Service first, then progress
summary: A service talk, and two weeks later a progress update.
entries:
  - model: {first}
    after_days: 0
  - model: okr-progress-update
    after_days: 14
"""


@pytest.fixture
def small_project(tmp_path) -> Path:
    """The repository's site project with three models, a German translation and a sequence; kits off (pages only)."""
    (tmp_path / "project").mkdir()
    project = copy_site_project(tmp_path / "project")
    with_plugin_options(project, "kits: false")
    for model_id in EXTRA_MODELS:
        shutil.copy2(REPO / "models" / f"{model_id}.yaml", project / "models")
    (project / "models" / "de").mkdir()
    shutil.copy2(REPO / "models" / "de" / "okr-upward-feedback.yaml", project / "models" / "de")
    (project / "sequences").mkdir()
    (project / "sequences" / "service-then-progress.yaml").write_text(SEQUENCE.format(first=MODEL_FILES[0].stem))
    return project


class ServeSession:
    """The builds of one `mkdocs serve`, in this process, as its builder makes them: the configuration loaded again
    for each, the plugins (and what they keep) from the session's start."""

    def __init__(self, project: Path, site: Path):
        self.project, self.site = project, site
        self.config().plugins.on_startup(command="serve", dirty=False)

    def config(self):
        config = load_config(config_file=str(self.project / "mkdocs.yml"), site_dir=str(self.site), strict=False)
        config.site_url = SERVE_URL
        return config

    def build(self):
        """One build; the coachbook plugin, to read what it reused."""
        config = self.config()
        build(config, serve_url=SERVE_URL)
        return config.plugins["coachbook"]


def files_of(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def assert_same_site(site: Path, expected: Path) -> None:
    built, fresh = files_of(site), files_of(expected)
    assert sorted(built) == sorted(fresh)
    assert [path for path in built if built[path] != fresh[path]] == []


def retitle(project: Path) -> str:
    """A new title for the second model: every page's navigation shows it, the other models' pages too."""
    path = project / "models" / f"{EXTRA_MODELS[1]}.yaml"
    path.write_text(re.sub(r"^title: .*$", "title: Progress, retitled while serving", path.read_text(), count=1,
                           flags=re.MULTILINE))
    return f"models/{EXTRA_MODELS[0]}/index.html"


def reword_question(project: Path) -> str:
    """A question of the second model reworded: its pages, the question bank and search change, no title."""
    path = project / "models" / f"{EXTRA_MODELS[1]}.yaml"
    old = "What are this person's main objectives and responsibilities for this cycle?"
    path.write_text(path.read_text().replace(old, "Which objectives matter most this cycle, reworded while serving?"))
    return "questions/index.html"


def retranslate(project: Path) -> str:
    """The German translation's title changed: the German section's pages and navigation change."""
    path = project / "models" / "de" / "okr-upward-feedback.yaml"
    path.write_text(path.read_text().replace("title: Aufwärts-Feedback-Gespräch", "title: Rückmeldung nach oben, neu",
                                             1))
    return "de/questions/index.html"


def reorder_sequence(project: Path) -> str:
    """The sequence's second conversation a week sooner: its page's timeline changes."""
    path = project / "sequences" / "service-then-progress.yaml"
    path.write_text(path.read_text().replace("after_days: 14", "after_days: 7"))
    return "sequences/service-then-progress/index.html"


def reconfigure(project: Path) -> str:
    """A Markdown option changed in mkdocs.yml: every page's HTML depends on it."""
    path = project / "mkdocs.yml"
    text = path.read_text()
    assert "      permalink: true\n" in text
    path.write_text(text.replace("      permalink: true\n", "      permalink: \"#\"\n", 1))
    return f"models/{EXTRA_MODELS[0]}/index.html"


EDITS = {"title": retitle, "question": reword_question, "translation": retranslate, "sequence": reorder_sequence,
         "configuration": reconfigure}


@pytest.mark.parametrize("edit", EDITS)
def test_a_rebuild_after_an_edit_writes_what_a_fresh_serve_writes(small_project, tmp_path, edit):
    session = ServeSession(small_project, tmp_path / "served")
    first = session.build()
    pages = first.reuse.pages.converted
    assert first.reuse.pages.reused == 0 and pages > 10
    changed = EDITS[edit](small_project)
    before = (tmp_path / "served" / changed).read_bytes()
    reuse = session.build().reuse
    if edit == "configuration":  # nothing may be reused
        assert (reuse.pages.converted, reuse.pages.reused) == (pages, 0)
    else:  # only the pages that depend on what changed
        assert 0 < reuse.pages.converted < pages / 2 and reuse.pages.reused == pages - reuse.pages.converted
        assert reuse.search.reused > reuse.search.indexed > 0
    assert (tmp_path / "served" / changed).read_bytes() != before
    fresh = ServeSession(small_project, tmp_path / "fresh")
    assert fresh.build().reuse.pages.reused == 0
    assert_same_site(tmp_path / "served", tmp_path / "fresh")


def test_a_rebuild_with_no_change_converts_and_indexes_nothing(small_project, tmp_path):
    session = ServeSession(small_project, tmp_path / "served")
    session.build()
    reuse = session.build().reuse
    assert reuse.pages.converted == 0 and reuse.pages.reused > 10
    assert reuse.search.indexed == 0 and reuse.search.reused > 10


def test_a_page_that_warned_renders_and_warns_again(small_project, tmp_path, caplog):
    """A hand-written page's broken link: the warning is logged by every rebuild, not only the first."""
    (small_project / "content" / "notes.md").write_text("# Notes\n\nSee [the missing page](missing.md).\n")
    session = ServeSession(small_project, tmp_path / "served")
    for _ in range(2):
        caplog.clear()
        session.build()
        assert any("missing.md" in record.getMessage() for record in caplog.records)


def test_read_files_reuses_unchanged_models_and_reports_problems_every_time(small_project):
    folders, read = [small_project / "models"], ReadFiles()
    first = load_library(folders, read=read)
    second = load_library(folders, read=read)
    assert [model is again for model, again in zip(first.models, second.models)] == [True] * 3
    # The original's stage ids changed: its translation no longer matches, which each load reports, once.
    original = small_project / "models" / "okr-upward-feedback.yaml"
    stage = re.search(r"^  - id: (\S+)$", original.read_text(), re.MULTILINE).group(1)
    original.write_text(original.read_text().replace(f"  - id: {stage}\n", f"  - id: {stage}-renamed\n", 1))
    problems = []
    for _ in range(2):
        with pytest.raises(InvalidContent) as raised:
            load_library(folders, read=read)
        problems.append([str(error) for error in raised.value.errors])
    assert problems[0] == problems[1] and any("de/okr-upward-feedback.yaml" in line for line in problems[0])
    # A save of the same bytes with a new time: the model is reused, the time (a kit's date) is the new one.
    path = small_project / "models" / f"{EXTRA_MODELS[1]}.yaml"
    os.utime(path, (2_000_000_000, 2_000_000_000))
    original.write_text(original.read_text().replace(f"  - id: {stage}-renamed\n", f"  - id: {stage}\n", 1))
    third = load_library(folders, read=read)
    assert third.modified[(None, EXTRA_MODELS[1])] == 2_000_000_000
    assert next(m for m in third.models if m.id == EXTRA_MODELS[1]) is next(m for m in first.models if m.id == EXTRA_MODELS[1])


def test_an_extension_that_includes_files_turns_the_reuse_of_pages_off(small_project, tmp_path):
    """With pymdownx.snippets a page's HTML may change while its text does not: every rebuild converts every page."""
    config = small_project / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - admonition\n", "  - admonition\n  - pymdownx.snippets\n", 1))
    session = ServeSession(small_project, tmp_path / "served")
    converted = session.build().reuse.pages.converted
    reuse = session.build().reuse
    assert (reuse.pages.converted, reuse.pages.reused) == (converted, 0)
