"""The kit cache is correct: it re-renders exactly what changed and never serves a damaged entry."""

from __future__ import annotations

import re
import shutil

import pytest

from coachbook import kit_cache
from coachbook.kit_cache import KitCache, kit_key
from coachbook.loader import load_model
from coachbook.render import KitJob
from conftest import MODEL_FILES, REPO, build_kits


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


def test_the_key_follows_the_model_kit_and_paper(model):
    edited = model.model_copy(update={"title": model.title + " (edited)"})
    keys = {kit_key(KitJob(m, kit, paper)) for m in (model, edited) for kit in ("guide", "cards") for paper in ("a4", "letter")}
    assert len(keys) == 8
    assert kit_key(KitJob(model, "guide", "a4")) == kit_key(KitJob(load_model(MODEL_FILES[0]), "guide", "a4"))


@pytest.mark.parametrize("changed", ["assets/kits.css", "templates/kits/guide.html", "kits.py", "assets/fonts/OFL.txt"])
def test_editing_a_template_css_font_or_the_renderer_invalidates_every_entry(tmp_path, monkeypatch, changed):
    package = tmp_path / "coachbook"
    shutil.copytree(REPO / "coachbook", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kit_cache, "PACKAGE_DIR", package)
    before = kit_cache.kit_inputs_digest.__wrapped__()
    with open(package / changed, "ab") as handle:
        handle.write(b"\n")
    assert kit_cache.kit_inputs_digest.__wrapped__() != before


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
