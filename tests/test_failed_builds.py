"""A failed `mkdocs build` of any kind leaves the previous site byte-identical, with one clear line per problem."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from coachbook.kits.catalog import PAPERS
from conftest import EXPLODING_MODEL, EXPLOSION, PLAIN_KIT_PAPERS, built_once, copy_site_project, mkdocs, run, write_exploding_model


PAGES = tuple(f"{kind}{copy}" for kind in (".html", ".json", ".xml") for copy in ("", ".gz", ".br"))
"""What a new page changes across the site: navigation, search index, sitemap, and their compressed copies."""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _good_build(folder: Path) -> None:
    project = copy_site_project(folder, precompress=True)  # the copies are the site's too
    result = mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def good_build(tmp_path_factory) -> Path:
    """The site project with a good site built, once for every worker (each test changes a copy of it)."""
    return built_once(tmp_path_factory, "failed-builds-good", _good_build)[0]


@pytest.fixture
def built_project(good_build, tmp_path) -> Path:
    """A copy of the project with its good site, and a file of the site's owner that no build wrote."""
    project = shutil.copytree(good_build, tmp_path / "project")
    (project / "site" / ".htaccess").write_text("Require all granted\n")
    return project


def assert_site_unchanged(project: Path, before: dict[str, bytes]) -> None:
    assert snapshot(project / "site") == before
    # The staging folder beside site/ is gone too.
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == []


@pytest.mark.parametrize(("name", "kind"), [("choose.md", "page"), ("choose.json", "file")])
def test_a_name_clash_leaves_the_site_alone(built_project, name, kind):
    """A hand-written page, or any other file (the chooser's data), where the plan generates one."""
    before = snapshot(built_project / "site")
    (built_project / "content" / name).write_text("# Mine\n")
    result = mkdocs("build", "--strict", cwd=built_project)
    assert result.returncode == 1
    assert f"content/{name} clashes with a generated {kind}" in result.stderr
    assert "Traceback" not in result.stderr
    assert_site_unchanged(built_project, before)


def test_a_strict_warning_leaves_the_site_alone(built_project):
    before = snapshot(built_project / "site")
    (built_project / "content" / "extra.md").write_text("# Extra\n\n[gone](nowhere.md)\n")
    result = mkdocs("build", "--strict", cwd=built_project)
    assert result.returncode == 1
    assert "contains a link 'nowhere.md'" in result.stderr
    assert_site_unchanged(built_project, before)


def test_a_good_build_replaces_the_site_and_keeps_dot_files(built_project):
    before = snapshot(built_project / "site")
    stale = built_project / "site" / "stale.html"
    stale.write_text("<p>from an earlier build</p>")
    (built_project / "content" / "extra.md").write_text("# Extra page\n")
    result = mkdocs("build", "--strict", cwd=built_project)
    assert result.returncode == 0, result.stderr
    assert (built_project / "site" / "extra" / "index.html").is_file()
    assert not stale.exists()  # as `mkdocs build` has always cleaned site/
    assert (built_project / "site" / ".htaccess").read_text() == "Require all granted\n"
    # Against the site before the build: one page more, and every kit and asset the same bytes.
    after = snapshot(built_project / "site")
    assert sorted(after) == sorted([*before, "extra/index.html", "extra/index.html.gz", "extra/index.html.br"])
    assert {name: after[name] for name in before if not name.endswith(PAGES)} == {
        name: content for name, content in before.items() if not name.endswith(PAGES)}
    assert any(name.endswith(".pdf") for name in before)
    assert sorted(p.name for p in built_project.iterdir() if p.name.startswith(".site")) == []


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_a_failed_kit_render_leaves_the_site_alone(built_project, exploding_render_env, jobs):
    before = snapshot(built_project / "site")
    write_exploding_model(built_project / "models")
    config = built_project / "mkdocs.yml"
    config.write_text(config.read_text().replace("models_dir: [models]", f"models_dir: [models]\n      jobs: {jobs}"))
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict"], built_project, **exploding_render_env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stderr.splitlines() if EXPLOSION in line]
    # One line per kit and pack of the model, each naming it: `explodes, cards, a4: RuntimeError: ...`.
    assert len(failures) == len(PLAIN_KIT_PAPERS) + len(PAPERS)
    assert f"{EXPLODING_MODEL}, guide, letter: {EXPLOSION}" in result.stderr
    assert_site_unchanged(built_project, before)
