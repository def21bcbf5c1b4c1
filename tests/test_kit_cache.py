"""The kit cache is correct: it re-renders exactly what changed and never serves a damaged entry."""

from __future__ import annotations

import dataclasses
import filecmp
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from coachbook.kits import cache as kit_cache, output as build
from coachbook.branding import Branding
from coachbook.kits.cache import KitCache, entry_is_valid, kit_key, store_entry
from coachbook.project import cache_folder
from coachbook.model.loader import load_model
from coachbook.kits.jobs import KitJob
from conftest import MODEL_FILES, MODEL_IDS, REPO, build_kits, command_env


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL_FILES[0])


def test_a_hit_gives_the_same_entry_without_rendering(tmp_path, model):
    cache = KitCache(tmp_path)
    job = KitJob(model, "guide", "a4")
    [(_, first)] = cache.render([job])
    assert (cache.hits, cache.misses) == (0, 1)
    rendered = first.read_bytes()
    [(_, second)] = cache.render([job])
    assert (cache.hits, cache.misses) == (1, 0)
    assert first == second == cache.entry(kit_key(job))
    assert second.read_bytes() == rendered and rendered.startswith(b"%PDF-")


@pytest.mark.parametrize("damage", ["truncate", "flip-byte", "empty", "no-checksum"])
def test_a_damaged_entry_is_detected_and_rendered_again(tmp_path, model, damage):
    cache = KitCache(tmp_path)
    job = KitJob(model, "guide", "a4")
    [(_, entry)] = cache.render([job])
    assert list(tmp_path.rglob("*.pdf")) == [entry]
    data = entry.read_bytes()
    if damage == "no-checksum":
        entry.with_suffix(".sha256").unlink()
    else:
        entry.write_bytes({"truncate": data[: len(data) // 2], "empty": b"",
                           "flip-byte": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]}[damage])
    [(_, again)] = cache.render([job])
    assert (cache.hits, cache.misses) == (0, 1)
    assert again == entry and entry.read_bytes() == data
    assert entry_is_valid(entry)


def test_without_a_cache_folder_entries_live_in_a_temporary_folder_until_closed(model):
    with KitCache(None) as cache:
        [(_, entry)] = cache.render([KitJob(model, "guide", "a4")])
        assert entry.read_bytes().startswith(b"%PDF-") and entry_is_valid(entry)
        folder = cache.folder
    assert not folder.exists()


@pytest.fixture
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture(scope="module")
def unchanged_key(model):
    """The key of the guide of a model loaded anew: a key is stable across loads (with this process's package digest)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        return kit_key(KitJob(load_model(MODEL_FILES[0]), "guide", "a4"))


UNCACHED_DIGEST, UNCACHED_VERSIONS = kit_cache.kit_inputs_digest.__wrapped__, kit_cache.dependency_versions.__wrapped__


# Each change takes a job and returns the key before the change and the job after it.
def _edit_package_file(name: str):
    def edit(job, monkeypatch, tmp_path):
        # The package digest computed at every key, so the edit shows (first: the cached one never sees the copy).
        monkeypatch.setattr(kit_cache, "kit_inputs_digest", UNCACHED_DIGEST)
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
        monkeypatch.setattr(kit_cache, "dependency_versions", UNCACHED_VERSIONS)
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


def _package_files(folder: str, pattern: str = "*") -> list[str]:
    root = REPO / "coachbook"
    return sorted(path.relative_to(root).as_posix() for path in (root / folder).rglob(pattern)
                  if path.is_file() and "__pycache__" not in path.parts)


# Found as the key finds them, not listed: every file of the kit code, templates, catalogs and assets, a new
# module under kits/, and the modules the kit code imports (the schema, the text functions, the catalogs' reader).
KEYED_FILES = (*_package_files("kits", "*.py"), "kits/a_new_layout.py", *_package_files("templates/kits"),
               *_package_files("locales"), "assets/kits.css", "assets/fonts/OFL.txt",
               "model/schema.py", "text.py", "i18n.py", "branding.py")


CHANGES = {
    "model text": _edit_model,
    "kit": _replace(kit="cards"),
    "paper": _replace(paper="letter"),
    "language": _replace(language="de"),
    "section": _replace(section="de"),  # two places: the cache must not hand out one job for both
    "branding": _replace(branding=Branding(primary_color="#1a5fb4")),
    "date": _replace(date="2027-01-15T08:00:00Z"),  # SOURCE_DATE_EPOCH, or a model file saved anew
    **{name: _edit_package_file(name) for name in KEYED_FILES},
    **{f"{library} version": _upgrade(library) for library in (*kit_cache.RENDERING_LIBRARIES, "pango")},
}


@pytest.mark.parametrize("change", CHANGES)
def test_changing_an_input_changes_the_key(model, unchanged_key, fixed_date, monkeypatch, tmp_path, change):
    """Each change computes anew only what it changes (the package digest, the library versions): both take a while."""
    job = KitJob(model, "guide", "a4")
    before, changed = CHANGES[change](job, monkeypatch, tmp_path)
    assert before == unchanged_key  # the key is stable (and a copy of the package keys like the package)
    assert kit_key(changed) != before


def test_the_key_leaves_out_what_no_kit_depends_on(model, fixed_date, monkeypatch, tmp_path):
    """The site's pages, scripts and styles and the command are not kit inputs: editing them keeps every cached kit."""
    job = KitJob(model, "guide", "a4")
    for name in ("site/pages.py", "cli/main.py", "templates/site/model.md.j2", "assets/site/coachbook.css",
                 "assets/site/conversation.js"):
        before, _ = _edit_package_file(name)(job, monkeypatch, tmp_path / name.replace("/", "-"))
        assert kit_key(job) == before, name


def test_editing_the_kit_code_in_a_copy_of_the_package_renders_its_kits_again(tmp_path):
    """The command run from a copy of the package (as an upgrade or a local edit leaves it) renders a kit again
    after a file under coachbook/kits/ changes, or a new one appears there, and takes it from the cache otherwise."""
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "coachbook", copy / "coachbook", ignore=shutil.ignore_patterns("__pycache__"))
    model_id = MODEL_IDS[0]
    environment = {**command_env(COACHBOOK_CACHE_DIR=str(tmp_path / "cache"), SOURCE_DATE_EPOCH="1700000000"),
                   "PYTHONPATH": str(copy)}

    def build() -> str:
        result = subprocess.run(
            [sys.executable, "-c", "import coachbook, runpy; print(coachbook.__file__); runpy.run_module('coachbook', run_name='__main__')",
             "build", "--model", model_id, "--kit", "guide", "--paper", "a4",
             "--models", str(REPO / "models"), "--out", str(tmp_path / "kits")],
            cwd=copy, env=environment, capture_output=True, text=True)
        assert result.returncode == 0 and f"{copy}/coachbook" in result.stdout, result.stderr
        return re.search(r"\((\d+) rendered, (\d+) from the cache\)", result.stderr).group(0)

    code = copy / "coachbook" / "kits" / "guide.py"
    assert build() == "(1 rendered, 0 from the cache)"
    assert build() == "(0 rendered, 1 from the cache)"
    code.write_text(code.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert build() == "(1 rendered, 0 from the cache)"
    (copy / "coachbook" / "kits" / "a_new_layout.py").write_text('"""A kit type being added."""\n', encoding="utf-8")
    assert build() == "(1 rendered, 0 from the cache)"
    assert build() == "(0 rendered, 1 from the cache)"


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
    identifiers = set()
    for epoch in (1700000000, 1800000000):
        result = build_kits(*args, SOURCE_DATE_EPOCH=str(epoch), COACHBOOK_CACHE_DIR=str(tmp_path / "cache"))
        assert result.returncode == 0, result.stderr
        assert "(1 rendered, 0 from the cache)" in result.stderr
        reader = PdfReader(pdf)
        assert reader.metadata.creation_date == datetime.fromtimestamp(epoch, timezone.utc)
        identifiers.add(bytes(reader.trailer["/ID"][0].original_bytes))
    assert len(identifiers) == 2  # another date, another file: its /ID says so too


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


def test_the_command_follows_the_configs_cache_false_unless_told_where_to_cache(tmp_path):
    (tmp_path / "models").mkdir()
    shutil.copy(MODEL_FILES[0], tmp_path / "models")
    (tmp_path / "mkdocs.yml").write_text("site_name: A\nplugins:\n  - coachbook:\n      cache: false\n")
    args, env = ("--kit", "guide", "--paper", "a4"), {"COACHBOOK_CACHE_DIR": None}
    for _ in range(2):
        assert "(1 rendered, 0 from the cache)" in build_kits(*args, cwd=tmp_path, **env).stderr
    assert not (tmp_path / ".cache").exists()
    given = ("--cache", str(tmp_path / "mine"))
    assert "(1 rendered, 0 from the cache)" in build_kits(*args, *given, cwd=tmp_path, **env).stderr
    assert "(0 rendered, 1 from the cache)" in build_kits(*args, *given, cwd=tmp_path, **env).stderr


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


def test_two_builds_at_once_on_one_cache_both_succeed_and_leave_it_valid(tmp_path, monkeypatch):
    """Builds of overlapping models started together race to render and write the same entry (the first model's)."""
    cache = tmp_path / "cache"
    sets = {"first": MODEL_IDS[:2], "second": [MODEL_IDS[0], MODEL_IDS[2]]}

    def command(models):
        args = [arg for model_id in models for arg in ("--model", model_id)]
        return [sys.executable, str(REPO / "build_kits.py"), "build", *args, "--kit", "guide", "--paper", "a4",
                "--jobs", "1", "--cache", str(cache)]

    env = command_env(COACHBOOK_CACHE_DIR=None, SOURCE_DATE_EPOCH="1700000000")
    builds = {name: subprocess.Popen([*command(models), "--out", str(tmp_path / name)], cwd=REPO, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for name, models in sets.items()}
    for name, process in builds.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name}: {stderr}"
    # Alone, with a cache of its own, in this process.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    models = {m.id: m for m in map(load_model, MODEL_FILES[:3])}
    with KitCache(None) as own:
        build.build_kits([KitJob(m, "guide", "a4") for m in models.values()], tmp_path / "solo", cache=own, workers=1)
    for name, ids in sets.items():
        for model_id in ids:
            path = f"{model_id}/{model_id}-guide-a4.pdf"
            assert (tmp_path / name / path).read_bytes() == (tmp_path / "solo" / path).read_bytes(), path
    entries = list(cache.rglob("*.pdf"))
    assert len(entries) == 3 and all(entry_is_valid(entry) for entry in entries)
    assert not [path for path in cache.rglob("*") if path.is_file() and path.suffix not in (".pdf", ".sha256")
                and path.name != "CACHEDIR.TAG"]


def _old_entry(cache: KitCache, name: str, size: int, hours_ago: float) -> Path:
    """A valid entry of `size` bytes, last used `hours_ago`."""
    entry = cache.entry(hashlib.sha256(name.encode()).hexdigest())
    store_entry(entry, os.urandom(size))
    used = time.time() - hours_ago * 3600
    os.utime(entry, (used, used))
    return entry


def test_over_its_limit_the_cache_evicts_the_least_recently_used_entries_but_not_this_builds(tmp_path, model):
    job = KitJob(model, "guide", "a4")
    with KitCache(tmp_path) as first:  # this build's entry, rendered by an earlier build
        [(_, entry)] = first.render([job])
    cache = KitCache(tmp_path, size_mb=1)
    megabyte = 1024 * 1024
    oldest, older, recent = (_old_entry(cache, name, megabyte * 4 // 10, hours)
                             for name, hours in (("oldest", 5), ("older", 3), ("recent", 0.5)))
    os.utime(entry, (time.time() - 9 * 3600,) * 2)  # the oldest of all, but this build uses it
    cache.render([job])
    # 1.2 MB and this build's kit: over the limit until the oldest is gone; the recent one is never a candidate.
    assert not oldest.exists() and not oldest.with_suffix(".sha256").exists()
    assert older.exists() and recent.exists() and entry_is_valid(entry)
    assert (cache.hits, cache.misses) == (1, 0)
    KitCache(tmp_path, size_mb=0).render([job])
    assert not older.exists() and recent.exists() and entry_is_valid(entry)


def test_a_cached_kit_is_copied_into_place_without_reading_it_whole(tmp_path, model):
    """A large entry (valid, under a real job's key) is checked and copied in chunks: memory stays far below its size."""
    job = KitJob(model, "guide", "a4")
    cache = KitCache(tmp_path / "cache")
    entry = cache.entry(kit_key(job))
    size = 64 * 1024 * 1024
    digest = hashlib.sha256()
    entry.parent.mkdir(parents=True)
    with open(entry, "wb") as handle:
        for _ in range(size // (1024 * 1024)):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            handle.write(block)
    entry.with_suffix(".sha256").write_text(digest.hexdigest() + "\n")
    tracemalloc.start()
    try:
        [written] = build.build_kits([job], tmp_path / "kits", cache=cache)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (cache.hits, cache.misses) == (1, 0)
    assert written.stat().st_size == size and filecmp.cmp(written, entry, shallow=False)
    assert peak < size / 8, f"{peak} bytes traced for a {size}-byte kit"


def test_build_kits_takes_the_size_limit_from_mkdocs_yml(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(MODEL_FILES[0], models)
    config = tmp_path / "mkdocs.yml"
    plugin = "site_name: A\nplugins:\n  - coachbook:\n      cache_dir: kit-cache\n"
    old = _old_entry(KitCache(tmp_path / "kit-cache"), "old", 1000, hours_ago=2)
    args = ("--kit", "guide", "--paper", "a4", "--quiet")
    for limit, kept in (("", True), ("      cache_size_mb: 0\n", False)):
        config.write_text(plugin + limit)
        result = build_kits(*args, cwd=tmp_path, COACHBOOK_CACHE_DIR=None)
        assert result.returncode == 0, result.stderr
        assert old.exists() == kept, limit
    config.write_text(plugin + "      cache_size_mb: lots\n")
    result = build_kits(*args, cwd=tmp_path, COACHBOOK_CACHE_DIR=None)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("coachbook.cache_size_mb: must be a number of megabytes, 0 or more (got 'lots')")
