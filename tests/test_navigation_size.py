"""A site of many models: a page's navigation lists the branch it is in, not every model, so pages keep their size
as models are added and the site grows linearly."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from coachbook.site.plan import NAVIGATION_MODELS
from conftest import REPO, VALID, mkdocs, run, with_plugin_options


def many_models(folder: Path, count: int) -> Path:
    """The repository's site project with `count` tiny models and no kits (they would take minutes, and the
    navigation does not depend on them)."""
    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        shutil.copytree(source, folder / name) if source.is_dir() else shutil.copy(source, folder / name)
    with_plugin_options(folder, "kits: false", "precompress: false")
    (folder / "models").mkdir()
    for number in range(count):
        data = yaml.safe_load(VALID)
        data["id"], data["title"] = f"talk-{number:03d}", f"Talk number {number:03d}"
        (folder / "models" / f"talk-{number:03d}.yaml").write_text(yaml.safe_dump(data))
    return folder


def model_links(page: Path) -> set[str]:
    navigation = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("nav.md-nav--primary")
    return {a["href"] for a in navigation.select("a[href]") if "talk-" in a["href"]}


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[int, Path]:
    built = {}
    for count in (NAVIGATION_MODELS, 3 * NAVIGATION_MODELS):
        project = many_models(tmp_path_factory.mktemp(f"models-{count}"), count)
        result = mkdocs("build", "--strict", cwd=project)
        assert result.returncode == 0, result.stderr
        built[count] = project / "site"
    return built


def test_a_model_page_does_not_grow_with_the_number_of_models(sites):
    few, many = NAVIGATION_MODELS, 3 * NAVIGATION_MODELS
    page = Path("models/talk-005/index.html")
    sizes = {count: (site / page).stat().st_size for count, site in sites.items()}
    # 40 more models add the title of the run the page is in (once) and a link to each other run (about 300 bytes
    # for 20 models); listed one by one, they would add about 40 x 400 bytes.
    assert sizes[many] <= sizes[few] + 3000, sizes
    assert len(model_links(sites[many] / page)) <= NAVIGATION_MODELS + 2
    # The home page lists no model of a pruned group at all, and the smaller site still lists every one.
    assert len(model_links(sites[many] / "index.html")) <= 1
    assert len(model_links(sites[few] / page)) == few - 1  # every other model: its own entry links to itself


def test_every_model_is_still_reached_from_the_navigation(sites):
    site = sites[3 * NAVIGATION_MODELS]
    reached = set()
    for number in range(0, 3 * NAVIGATION_MODELS, NAVIGATION_MODELS):  # one page in each run, and its own entry
        reached |= {Path(link).name for link in model_links(site / f"models/talk-{number:03d}/index.html")}
        reached.add(f"talk-{number:03d}")
    assert reached == {f"talk-{n:03d}" for n in range(3 * NAVIGATION_MODELS)}


def test_zensical_prunes_the_navigation_too(tmp_path):
    pytest.importorskip("zensical", reason="Zensical is an optional dependency")
    count = 3 * NAVIGATION_MODELS
    project = many_models(tmp_path, count)
    result = run([sys.executable, "-m", "coachbook", "zensical"], project)
    assert result.returncode == 0, result.stderr + result.stdout
    assert len(model_links(project / "site" / "models" / "talk-005" / "index.html")) <= NAVIGATION_MODELS + 2
