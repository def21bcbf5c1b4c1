"""The kit cache is correct: it re-renders exactly what changed and never serves a damaged entry."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import re
import shutil
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from coachbook import kit_cache
from coachbook.branding import Branding
from coachbook.kit_cache import KitCache, cache_folder, kit_key
from coachbook.loader import load_model
from coachbook.render import KitJob
from conftest import MODEL_FILES, MODEL_IDS, REPO, build_kits


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL_FILES[0])


def test_a_hit_gives_the_same_bytes_without_rendering(tmp_path, model):
    cache = KitCache(tmp_path)
    job = KitJob(model, "guide", "a4")
    [(_, first)] = list(cache.render([job]))
    assert (cache.hits, cache.misses) == (0, 1)
    [(_, second)] = list(cache.render([job]))
    assert (cache.hits, cache.misses) == (1, 0)
    assert first == second and first.startswith(b"%PDF-")


@pytest.mark.parametrize("damage", ["truncate", "flip-byte", "empty"])
def test_a_damaged_entry_is_detected_and_rendered_again(tmp_path, model, damage):
    cache = KitCache(tmp_path)
    job = KitJob(model, "guide", "a4")
    [(_, good)] = list(cache.render([job]))
    [entry] = list(tmp_path.rglob("*.pdf"))
    data = entry.read_bytes()
    entry.write_bytes({"truncate": data[: len(data) // 2], "empty": b"",
                       "flip-byte": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]}[damage])
    [(_, again)] = list(cache.render([job]))
    assert (cache.hits, cache.misses) == (0, 1)
    assert again == good
    assert entry.read_bytes() == data


@pytest.fixture
def uncached_key_inputs(monkeypatch):
    """The package digest and the library versions computed at every key, so a test's change shows; a fixed date."""
    monkeypatch.setattr(kit_cache, "kit_inputs_digest", kit_cache.kit_inputs_digest.__wrapped__)
    monkeypatch.setattr(kit_cache, "dependency_versions", kit_cache.dependency_versions.__wrapped__)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


# Each change takes a job and returns the key before the change and the job after it.
def _edit_package_file(name: str):
    def edit(job, monkeypatch, tmp_path):
        package = tmp_path / "coachbook"
        shutil.copytree(REPO / "coachbook", package, ignore=shutil.ignore_patterns("__pycache__"))
        monkeypatch.setattr(kit_cache, "PACKAGE_DIR", package)
        before = kit_key(job)
        with open(package / name, "ab") as handle:
            handle.write(b"\n")
        return before, job
    return edit


def _upgrade(library: str):
    def upgrade(job, monkeypatch, tmp_path):
        before = kit_key(job)
        if library == "pango":
            monkeypatch.setattr(kit_cache, "pango_version", lambda: "99.0.0")
        else:
            installed = importlib.metadata.version
            monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0.0" if name == library else installed(name))
        return before, job
    return upgrade


def _replace(**changes):
    return lambda job, monkeypatch, tmp_path: (kit_key(job), dataclasses.replace(job, **changes))


def _edit_model(job, monkeypatch, tmp_path):
    return kit_key(job), dataclasses.replace(job, model=job.model.model_copy(update={"title": job.model.title + " (edited)"}))


def _new_build_date(job, monkeypatch, tmp_path):
    before = kit_key(job)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    return before, job


CHANGES = {
    "model text": _edit_model,
    "kit": _replace(kit="cards"),
    "paper": _replace(paper="letter"),
    "language": _replace(language="de"),
    "section": _replace(section="de"),  # two places: the cache must not hand out one job for both
    "branding": _replace(branding=Branding(primary_color="#1a5fb4")),
    "SOURCE_DATE_EPOCH": _new_build_date,
    **{name: _edit_package_file(name) for name in (
        "schema.py", "render.py", "kits.py", "pack.py", "text.py", "i18n.py", "branding.py", "locales/de.yaml",
        "templates/kits/guide.html", "assets/kits.css", "assets/fonts/OFL.txt")},
    **{f"{library} version": _upgrade(library) for library in (*kit_cache.RENDERING_LIBRARIES, "pango")},
}


@pytest.mark.parametrize("change", CHANGES)
def test_changing_an_input_changes_the_key(model, uncached_key_inputs, monkeypatch, tmp_path, change):
    job = KitJob(model, "guide", "a4")
    unchanged = kit_key(KitJob(load_model(MODEL_FILES[0]), "guide", "a4"))
    before, changed = CHANGES[change](job, monkeypatch, tmp_path)
    assert before == unchanged  # the key is stable (and a copy of the package keys like the package)
    assert kit_key(changed) != before


def test_the_key_covers_every_library_weasyprint_renders_with():
    # cffi only binds pango and friends, whose version is keyed itself.
    required = {re.split(r"[ \[<>=;]", requirement)[0].lower()
                for requirement in importlib.metadata.requires("weasyprint") if "extra ==" not in requirement}
    assert required - {"cffi"} <= set(kit_cache.RENDERING_LIBRARIES)
    assert not [line for line in kit_cache.dependency_versions() if line.endswith("not installed")]


def test_a_new_build_date_re_renders_and_the_pdf_carries_it(tmp_path):
    model_id = MODEL_IDS[0]
    args = ("build", "--model", model_id, "--kit", "guide", "--paper", "a4", "--out", str(tmp_path / "kits"))
    pdf = tmp_path / "kits" / model_id / f"{model_id}-guide-a4.pdf"
    for epoch in (1700000000, 1800000000):
        result = build_kits(*args, SOURCE_DATE_EPOCH=str(epoch), COACHBOOK_CACHE_DIR=str(tmp_path / "cache"))
        assert result.returncode == 0, result.stderr
        assert "(1 rendered, 0 from the cache)" in result.stderr
        assert PdfReader(pdf).metadata.creation_date == datetime.fromtimestamp(epoch, timezone.utc)


def test_a_job_given_twice_is_rendered_and_returned_once(model):
    cache = KitCache(cache_folder(None))  # the session's shared cache
    guide, cards = KitJob(model, "guide", "a4"), KitJob(model, "cards", "a4")
    assert [job for job, _ in cache.render([guide, cards, guide, KitJob(model, "guide", "a4")])] == [guide, cards]
    assert cache.hits + cache.misses == 2


def test_editing_one_model_re_renders_only_its_kits(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for path in MODEL_FILES[:2]:
        shutil.copy(path, models)
    args = ("--models", str(models), "--kit", "guide", "--out", str(tmp_path / "kits"), "--cache", str(tmp_path / "cache"))
    env = {"COACHBOOK_CACHE_DIR": None}
    first = build_kits(*args, **env)
    assert "(4 rendered, 0 from the cache)" in first.stderr, first.stderr
    assert "(0 rendered, 4 from the cache)" in build_kits(*args, **env).stderr
    edited = models / MODEL_FILES[0].name
    edited.write_text(re.sub(r"^title: .*$", "title: An edited title", edited.read_text(), count=1, flags=re.M))
    assert "(2 rendered, 2 from the cache)" in build_kits(*args, **env).stderr


def test_the_key_follows_the_branding_in_the_config_and_nothing_else_of_it(tmp_path, model):
    from coachbook.branding import load_branding
    from coachbook.config_file import read_plugin_options

    config = tmp_path / "mkdocs.yml"

    def key(text: str) -> str:
        config.write_text(text)
        options = read_plugin_options(config)
        return kit_key(KitJob(model, "guide", "a4", branding=load_branding(options.values, tmp_path, options.source)))

    branded = "site_name: A\nplugins:\n  - coachbook:\n      jobs: 1\n      primary_color: '#1a5fb4'\n"
    assert key(branded) == key(branded.replace("site_name: A", "site_name: B").replace("jobs: 1", "jobs: 2"))
    assert key(branded) != key(branded.replace("#1a5fb4", "#1a5fb5"))
    assert key(branded) != key(branded.replace("      primary_color: '#1a5fb4'\n", ""))
