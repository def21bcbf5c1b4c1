"""Kit dates: without SOURCE_DATE_EPOCH a kit or pack is dated by the newest file it is made from, reproducibly."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from coachbook.model.loader import load_library
from coachbook.site.plan import SitePlan
from conftest import VALID, cli

MODEL_TIME = 1_650_000_000  # 2022-04-15 05:20:00 UTC
TRANSLATION_TIME = MODEL_TIME + 3_600
LATER = 1_690_000_000
LOGO_TIME = 1_700_500_000
SOURCE_DATE = 1_600_000_000
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40" fill="#1a5fb4"/></svg>'


def _set_time(path: Path, seconds: int) -> None:
    """The file's modification time, with a fraction of a second that the date leaves out."""
    os.utime(path, ns=(seconds * 10**9 + 750_000_000,) * 2)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """Two small models and a translation of one, each file with a known time; SOURCE_DATE_EPOCH unset."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder = tmp_path / "project"
    (folder / "models" / "de").mkdir(parents=True)
    files = {"models/sample.yaml": VALID, "models/other.yaml": VALID.replace("id: sample", "id: other"),
             "models/de/sample.yaml": VALID.replace("title: Sample talk", "title: Probegespräch")}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        _set_time(folder / name, MODEL_TIME)
    _set_time(folder / "models/de/sample.yaml", TRANSLATION_TIME)
    return folder


def _run(project: Path, *args: str) -> str:
    """A command in the project with a cache of its own; its "(N rendered, M from the cache)"."""
    result = cli(*args, "--cache", str(project.parent / "cache"), cwd=project, COACHBOOK_CACHE_DIR=None)
    assert result.returncode == 0, result.stderr
    counts = re.search(r"\(\d+ rendered, \d+ from the cache\)|\((rendered|from the cache)\)", result.stderr)
    return counts.group(0) if counts else ""


def _build(project: Path, out: str, *args: str) -> str:
    return _run(project, "build", "--kit", "guide", "--paper", "a4", "--jobs", "1", "--out", out, *args)


def _dated(pdf: Path) -> datetime:
    """The PDF's creation date, which its modification date equals."""
    metadata = PdfReader(pdf).metadata
    assert metadata.modification_date == metadata.creation_date
    return metadata.creation_date


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _kits(folder: Path) -> dict[str, Path]:
    return {"sample": folder / "sample/sample-guide-a4.pdf", "other": folder / "other/other-guide-a4.pdf",
            "sample (de)": folder / "sample/sample-guide-a4.de.pdf"}


def test_a_kit_is_dated_by_its_files_and_the_same_files_give_the_same_bytes(project):
    assert _build(project, "kits") == "(3 rendered, 0 from the cache)"
    kits = _kits(project / "kits")
    # A translation's kit by the newer of the translation and its original.
    assert {name: _dated(pdf) for name, pdf in kits.items()} == {
        "sample": _at(MODEL_TIME), "other": _at(MODEL_TIME), "sample (de)": _at(TRANSLATION_TIME)}
    assert _build(project, "again", "--no-cache") == "(3 rendered, 0 from the cache)"
    assert {name: pdf.read_bytes() for name, pdf in _kits(project / "again").items()} == {
        name: pdf.read_bytes() for name, pdf in kits.items()}

    _set_time(project / "models/sample.yaml", LATER)  # saved again, unchanged: a new date, the others' kits cached
    assert _build(project, "kits") == "(2 rendered, 1 from the cache)"
    assert {name: _dated(pdf) for name, pdf in kits.items()} == {
        "sample": _at(LATER), "other": _at(MODEL_TIME), "sample (de)": _at(LATER)}


def test_source_date_epoch_wins_over_the_files(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(SOURCE_DATE))
    _build(project, "kits")
    assert {_dated(pdf) for pdf in _kits(project / "kits").values()} == {_at(SOURCE_DATE)}
    _run(project, "pack", "--model", "sample", "--model", "other", "--out", "pack.pdf")
    assert _dated(project / "pack.pdf") == _at(SOURCE_DATE)


def test_a_pack_is_dated_by_its_newest_model_and_the_logo(project):
    _set_time(project / "models/other.yaml", LATER)
    assert _run(project, "pack", "--model", "sample", "--model", "other", "--out", "pack.pdf") == "(rendered)"
    assert _dated(project / "pack.pdf") == _at(LATER)
    (project / "logo.svg").write_text(LOGO, encoding="utf-8")
    _set_time(project / "logo.svg", LOGO_TIME)
    (project / "mkdocs.yml").write_text("site_name: Acme\nplugins:\n  - coachbook:\n      logo: logo.svg\n")
    _run(project, "pack", "--model", "sample", "--model", "other", "--out", "pack.pdf")
    assert _dated(project / "pack.pdf") == _at(LOGO_TIME)


def test_the_site_plan_dates_every_kit_and_pack_of_both_front_ends(project):
    """The MkDocs plugin and Zensical render `SitePlan.kit_jobs()`: each job carries its files' date."""
    plan = SitePlan(load_library([project / "models"]))
    dates = {(job.kit, job.model.id, job.section): job.date for job in plan.kit_jobs()}
    assert set(dates.values()) == {"2022-04-15T05:20:00Z", "2022-04-15T06:20:00Z"}
    assert dates[("guide", "other", None)] == dates[("pack", "sample", None)] == "2022-04-15T05:20:00Z"
    assert dates[("pack", "sample", "de")] == dates[("cards", "sample", "de")] == "2022-04-15T06:20:00Z"
