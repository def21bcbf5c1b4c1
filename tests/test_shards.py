"""Kit builds spread over machines: `build --shard K/N` renders a part of the site's kits and packs into a kit cache,
`cache merge` joins the caches, and the site build then renders nothing and publishes the one-machine site."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from coachbook.kits.jobs import expected_cost, layout_groups, shard_jobs
from coachbook.model.loader import load_library
from coachbook.site.plan import SitePlan, SiteAddress
from conftest import REPO, VALID, cli, copy_site_project, run, write_model

SOURCE_DATE = "1700000000"  # as CI sets it from the last commit: every runner dates the kits alike
SITE = "https://playbook.example.org/coaching/"  # the QR codes on the kits lead here, on every runner alike
COUNTS = re.compile(r"coachbook: (\d+) kits and packs \((\d+) rendered, (\d+) from the cache\)")


def _small_project(folder: Path) -> Path:
    """The repository's site project with two small models and a German translation of one: 33 kits and packs."""
    folder.mkdir()
    project = copy_site_project(folder)
    for shipped in (project / "models").glob("*.yaml"):
        shipped.unlink()
    (project / "models" / "de").mkdir()
    write_model(project / "models" / "sample.yaml", VALID)
    write_model(project / "models" / "other.yaml", VALID.replace("id: sample", "id: other").replace(
        "        steps:\n", "        steps:\n          - id: close\n            title: Close\n"
        "            purpose: End well.\n"))
    write_model(project / "models" / "de" / "sample.yaml", VALID.replace("title: Sample talk", "title: Probegespräch"))
    return project


def _entries(cache: Path) -> set[str]:
    return {path.name for path in cache.glob("??/*.pdf")}


def _mkdocs_build(project: Path, site: Path, cache: Path) -> tuple[int, int, int]:
    """`mkdocs build` of the project into `site` with the kit cache `cache`: its (kits and packs, rendered, cached)."""
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], project,
                 COACHBOOK_CACHE_DIR=str(cache), SOURCE_DATE_EPOCH=SOURCE_DATE, SITE_URL=SITE)
    assert result.returncode == 0, result.stderr
    return tuple(int(number) for number in COUNTS.search(result.stderr).groups())


def _tree(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_two_shards_merged_give_the_site_build_every_kit_and_the_one_machine_site(tmp_path):
    project = _small_project(tmp_path / "project")
    shards = [tmp_path / "shard-1", tmp_path / "shard-2"]
    for number, cache in enumerate(shards, 1):
        result = cli("build", "--shard", f"{number}/2", cwd=project, COACHBOOK_CACHE_DIR=str(cache),
                     SOURCE_DATE_EPOCH=SOURCE_DATE, SITE_URL=SITE)
        assert result.returncode == 0, result.stderr
        assert f"Built shard {number}/2: " in result.stderr and "of the site's 33 kits and packs" in result.stderr
    first, second = _entries(shards[0]), _entries(shards[1])
    assert first and second and not first & second  # each job rendered on one machine only

    # A damaged entry and a stray file in a downloaded cache are named and left out, not merged.
    damaged = shards[1] / "ff" / f"{'f' * 64}.pdf"
    damaged.parent.mkdir()
    damaged.write_bytes(b"%PDF-1.7 truncated")
    damaged.with_suffix(".sha256").write_text("0" * 64 + "\n", encoding="ascii")
    (shards[0] / "notes.txt").write_text("not a kit", encoding="utf-8")
    merged = tmp_path / "merged"
    result = cli("cache", "merge", *shards, cwd=project, COACHBOOK_CACHE_DIR=str(merged))
    assert result.returncode == 0, result.stderr
    assert f"Merged {len(first) + len(second)} kit cache entries from 2 caches" in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(skipped) == 2 and "notes.txt" in skipped[0] and damaged.name in skipped[1], result.stderr
    assert _entries(merged) == first | second

    again = cli("cache", "merge", shards[0], cwd=project, COACHBOOK_CACHE_DIR=str(merged))
    assert "Merged 0 kit cache entries from 1 cache into" in again.stderr
    assert f"({len(first)} there already, 1 skipped)" in again.stderr

    assert _mkdocs_build(project, tmp_path / "site", merged) == (33, 0, 33)
    assert _entries(merged) == first | second  # the site build wrote nothing new into the cache
    assert _mkdocs_build(project, tmp_path / "one-machine", tmp_path / "one-machine-cache") == (33, 33, 0)
    assert _tree(tmp_path / "site") == _tree(tmp_path / "one-machine")


@pytest.fixture(scope="module")
def site_jobs():
    """The kit and pack jobs of the repository's site with a site_url and its translations: hundreds, not rendered."""
    library = load_library([REPO / "models"], "en")
    plan = SitePlan(library, "en", kit_address=SiteAddress(SITE))
    return plan.kit_jobs()


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_the_shards_are_a_partition_of_whole_layout_groups_dealt_the_same_whatever_the_order(site_jobs, parts):
    dealt = [shard_jobs(site_jobs, part, parts) for part in range(1, parts + 1)]
    assert sorted(id(job) for part in dealt for job in part) == sorted(id(job) for job in site_jobs)
    group_of = {id(job): index for index, group in enumerate(layout_groups(site_jobs)) for job in group}
    owners = {}
    for number, part in enumerate(dealt):
        for job in part:
            assert owners.setdefault(group_of[id(job)], number) == number  # a layout group is never split
    shuffled = list(site_jobs)
    random.Random(parts).shuffle(shuffled)
    assert [{job.path for job in shard_jobs(shuffled, part, parts)} for part in range(1, parts + 1)] == \
        [{job.path for job in part} for part in dealt]
    # Balanced: greedy longest-first leaves no part heavier than another by more than its largest group.
    loads = [sum(map(expected_cost, part)) for part in dealt]
    largest = max(sum(map(expected_cost, group)) for group in layout_groups(site_jobs))
    assert max(loads) - min(loads) <= largest


@pytest.mark.parametrize("value", ["0/3", "4/3", "1/0", "a/b", "3", "1/2/3", " 1/2", "1/1001"])
@pytest.mark.parametrize("prog", ["coachbook", "build_kits.py"])
def test_a_bad_shard_is_a_usage_error_on_one_line(tmp_path, value, prog):
    result = cli("build", "--shard", value, cwd=tmp_path, prog=prog)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "argument --shard: must be K/N" in result.stderr and repr(value) in result.stderr
    assert not list(tmp_path.iterdir())  # nothing written, no cache made


@pytest.mark.parametrize("option", [["--out", "kits"], ["--model", "sample"], ["--kit", "cards"], ["--no-cache"]])
def test_a_shard_takes_what_it_renders_from_the_site_config_only(tmp_path, option):
    result = cli("build", "--shard", "1/2", *option, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"leave out {option[0]}" in result.stderr


def test_merging_refuses_a_folder_that_is_no_kit_cache_and_writes_nothing(tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "letter.pdf").write_bytes(b"%PDF-1.7 mine")
    result = cli("cache", "merge", documents, cwd=tmp_path, COACHBOOK_CACHE_DIR=str(tmp_path / "cache"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "not a Coachbook kit cache" in result.stderr
    assert not (tmp_path / "cache").exists()
