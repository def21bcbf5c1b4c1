"""The kit cache evicts only its own entries and refuses a folder that is not a kit cache (issue 28, finding 2)."""

from __future__ import annotations

import hashlib
import os
import sys
import time

import pytest

from coachbook.errors import UsageError
from coachbook.kits.cache import CACHE_TAG, CACHE_TAG_SIGNATURE, KitCache, store_entry

from conftest import VALID, build_kits, run

GUIDE = ("--kit", "guide", "--paper", "a4", "--quiet")
LONG_AGO = time.time() - 10 * 24 * 3600


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _project(tmp_path, options: str = ""):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "sample.yaml").write_text(VALID)
    (project / "docs").mkdir()
    (project / "mkdocs.yml").write_text(f"site_name: A\nplugins:\n  - coachbook:\n{options}")
    return project


def _old_file(path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (LONG_AGO, LONG_AGO))


def test_eviction_follows_no_symlink_inside_the_cache(tmp_path):
    project = _project(tmp_path, "      cache_size_mb: 0\n")
    assert build_kits(*GUIDE, cwd=project, COACHBOOK_CACHE_DIR=None).returncode == 0
    cache = project / ".cache" / "coachbook"
    assert (cache / CACHE_TAG).read_text().startswith(CACHE_TAG_SIGNATURE)
    victim = tmp_path / "victim"
    key = hashlib.sha256(b"not ours").hexdigest()
    for name in ("old.pdf", f"{key}.pdf", f"{key}.sha256", f".{key}.pdf.abc123.tmp"):
        _old_file(victim / name, b"%PDF-" + name.encode() * 1000)
    # One name outside the cache's scheme, one of a shard no kit of this build falls into.
    shard = next(f"{n:02x}" for n in range(256) if f"{n:02x}" not in {p.name for p in cache.iterdir()})
    (cache / "zz").symlink_to(victim)
    (cache / shard).symlink_to(victim)
    (cache / key[:2]).mkdir(exist_ok=True)
    (cache / key[:2] / f"{key}.pdf").symlink_to(victim / f"{key}.pdf")
    before = _snapshot(victim)
    result = build_kits(*GUIDE, "--model", "sample", cwd=project, COACHBOOK_CACHE_DIR=None)
    assert result.returncode == 0, result.stderr
    assert _snapshot(victim) == before
    assert (cache / key[:2] / f"{key}.pdf").is_symlink()


@pytest.mark.parametrize("how", ["--cache", "cache_dir", "COACHBOOK_CACHE_DIR"])
def test_a_folder_of_other_files_given_as_the_cache_is_refused_and_untouched(tmp_path, how):
    documents = tmp_path / "Documents"
    _old_file(documents / "12" / "invoice.pdf", b"%PDF-an invoice")
    _old_file(documents / "film.mkv", os.urandom(3 * 1024 * 1024))
    before = _snapshot(documents)
    options = f"      cache_dir: {documents}\n      cache_size_mb: 1\n" if how == "cache_dir" else "      cache_size_mb: 1\n"
    project = _project(tmp_path, options)
    args = ("--cache", str(documents)) if how == "--cache" else ()
    env = {"COACHBOOK_CACHE_DIR": str(documents) if how == "COACHBOOK_CACHE_DIR" else None}
    result = build_kits(*GUIDE, *args, cwd=project, **env)
    expected = (f"{documents}: not a Coachbook kit cache (it holds other files and no CACHEDIR.TAG of Coachbook's); "
                "give an empty or new folder as the cache")
    assert (result.returncode, result.stderr) == (2, f"build_kits.py: error: {expected}\n")
    assert _snapshot(documents) == before
    if how != "--cache":  # the site's build says the same, before anything is built
        result = run([sys.executable, "-m", "mkdocs", "build", "-q"], project, **env)
        assert result.returncode == 2, result.stderr
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert _snapshot(documents) == before and not (project / "site").exists()


def test_a_folder_named_like_an_entry_in_an_over_limit_cache_is_no_traceback(tmp_path):
    project = _project(tmp_path, "      cache_size_mb: 0\n")
    assert build_kits(*GUIDE, cwd=project, COACHBOOK_CACHE_DIR=None).returncode == 0
    key = hashlib.sha256(b"a folder").hexdigest()
    folder = project / ".cache" / "coachbook" / key[:2] / f"{key}.pdf"
    _old_file(folder / "inside.txt", b"kept")
    os.utime(folder, (LONG_AGO, LONG_AGO))
    result = build_kits(*GUIDE, cwd=project, COACHBOOK_CACHE_DIR=None)
    assert (result.returncode, result.stderr) == (0, "")
    assert (folder / "inside.txt").read_bytes() == b"kept"


def test_an_earlier_untagged_cache_of_only_entries_is_adopted_and_anything_else_refused(tmp_path):
    earlier = tmp_path / "earlier"
    key = hashlib.sha256(b"entry").hexdigest()
    store_entry(earlier / key[:2] / f"{key}.pdf", b"%PDF-cached")
    KitCache(earlier)
    assert (earlier / CACHE_TAG).read_text().startswith(CACHE_TAG_SIGNATURE)
    assert (earlier / key[:2] / f"{key}.pdf").read_bytes() == b"%PDF-cached"
    foreign = tmp_path / "foreign"
    (foreign / key[:2]).mkdir(parents=True)
    (foreign / key[:2] / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a Coachbook kit cache"):
        KitCache(foreign)
    other_tools = tmp_path / "other-tool"
    other_tools.mkdir()
    (other_tools / CACHE_TAG).write_text(f"{CACHE_TAG_SIGNATURE}\n# created by another tool\n")
    with pytest.raises(UsageError, match="not a Coachbook kit cache"):
        KitCache(other_tools)
    assert sorted(p.name for p in other_tools.iterdir()) == [CACHE_TAG]
