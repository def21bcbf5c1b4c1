"""The precompressed copies beside a site's text files: reproducible, complete, and off where they serve no one."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import brotli
import pytest

from coachbook.site.precompress import MIN_SIZE, precompress
from conftest import copy_site_project, run, with_plugin_options

TEXT = ("<p>What has gone well since we last talked?</p>\n" * 200).encode("utf-8")


def _site(folder: Path) -> Path:
    (folder / "models" / "x").mkdir(parents=True)
    (folder / "index.html").write_bytes(TEXT)
    (folder / "models" / "x" / "index.html").write_bytes(TEXT.replace(b"well", b"badly"))
    (folder / "search_index.json").write_bytes(b'{"docs": [' + b'{"text": "a question"},' * 100 + b"{}]}")
    return folder


def test_each_text_file_gets_a_gzip_and_a_brotli_copy_that_decompress_to_it(tmp_path):
    site = _site(tmp_path)
    assert precompress(site) == 6
    for page in ("index.html", "models/x/index.html", "search_index.json"):
        original = (site / page).read_bytes()
        assert gzip.decompress((site / f"{page}.gz").read_bytes()) == original
        assert brotli.decompress((site / f"{page}.br").read_bytes()) == original


def test_the_gzip_copies_are_the_same_bytes_in_every_build(tmp_path):
    first, second = _site(tmp_path / "first"), _site(tmp_path / "second")
    precompress(first)
    precompress(second, workers=1)
    for copy in sorted(first.rglob("*.gz")) + sorted(first.rglob("*.br")):
        assert copy.read_bytes() == (second / copy.relative_to(first)).read_bytes(), copy
    header = (first / "index.html.gz").read_bytes()[:10]
    assert header[3] == 0, "no flags: no file name, no comment in the header"
    assert header[4:8] == b"\0\0\0\0", "no time in the header"


def test_small_files_other_files_and_dot_entries_are_left_alone(tmp_path):
    (tmp_path / "small.css").write_bytes(b"a" * (MIN_SIZE - 1))
    (tmp_path / "kit.pdf").write_bytes(TEXT)
    (tmp_path / "logo.png").write_bytes(TEXT)
    (tmp_path / ".htaccess").write_bytes(TEXT)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index.html").write_bytes(TEXT)
    assert precompress(tmp_path) == 0
    assert sorted(path.name for path in tmp_path.rglob("*")) == [".git", ".htaccess", "index.html", "kit.pdf",
                                                                 "logo.png", "small.css"]


def test_a_copy_the_build_wrote_itself_is_kept_unless_the_copies_are_ours(tmp_path):
    site = _site(tmp_path)
    (site / "index.html.gz").write_bytes(b"MkDocs' own copy")
    precompress(site)
    assert (site / "index.html.gz").read_bytes() == b"MkDocs' own copy"
    assert (site / "index.html.br").exists()
    precompress(site, keep_existing=False)  # a --dirty build: the copies a previous build left are stale
    assert gzip.decompress((site / "index.html.gz").read_bytes()) == TEXT


def _kitless_project(folder: Path, *options: str) -> Path:
    project = copy_site_project(folder, precompress=True)  # the options say whether to compress
    with_plugin_options(project, "kits: false", *options)
    return project


def _copies(site: Path) -> tuple[list[Path], list[Path]]:
    """The site's pages worth compressing, and those of them with both copies beside them."""
    pages = [page for page in site.rglob("*.html") if page.stat().st_size >= MIN_SIZE]
    assert pages
    return pages, [page for page in pages if all(page.with_name(page.name + suffix).exists() for suffix in (".gz", ".br"))]


def test_the_mkdocs_build_writes_the_copies(built_site):
    pages, compressed = _copies(built_site.root)
    assert compressed == pages
    assert (built_site.root / "search" / "search_index.json.gz").exists()


@pytest.mark.slow  # a whole (kitless) site
@pytest.mark.parametrize("front_end", ["mkdocs", "zensical"])
def test_every_front_end_writes_none_when_told_not_to(tmp_path, front_end):
    if front_end == "zensical":
        pytest.importorskip("zensical", reason="Zensical is an optional dependency: python -m pip install -e '.[zensical]'")
    project = _kitless_project(tmp_path, "precompress: false")
    command = ["mkdocs", "build", "--strict"] if front_end == "mkdocs" else ["coachbook", "zensical"]
    result = run([sys.executable, "-m", *command], project)
    assert result.returncode == 0, result.stderr
    assert _copies(project / "site")[1] == []
    assert not [path for path in project.rglob("*") if path.suffix in {".gz", ".br"} and path.name != "sitemap.xml.gz"]


def test_the_offline_build_has_no_copies(offline_site):
    assert (offline_site / "index.html").exists()
    assert not [path for path in offline_site.rglob("*") if path.suffix in {".gz", ".br"} and path.name != "sitemap.xml.gz"]
