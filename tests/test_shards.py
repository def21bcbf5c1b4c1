"""Kit builds spread over machines: `build --shard K/N` renders a part of the site's kits and packs into a kit cache,
`cache merge` joins the caches, and the site build then renders nothing and publishes the one-machine site."""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import random
import re
import shlex
import string
import sys
from pathlib import Path

import pytest
import yaml

from coachbook.kits.cache import CACHE_TAG, CACHE_TAG_TEXT
from coachbook.kits.jobs import expected_cost, layout_groups, shard_jobs
from coachbook.model.loader import load_library
from coachbook.site.plan import SitePlan, SiteAddress
from coachbook.project import DEFAULT_CACHE
from conftest import REPO, VALID, cli, copy_site_project, run, write_model
from readme_blocks import readme_block

SOURCE_DATE = "1700000000"  # as CI sets it from the last commit: every runner dates the kits alike
SITE = "https://playbook.example.org/coaching/"  # the QR codes on the kits lead here, on every runner alike
COUNTS = re.compile(r"coachbook: (\d+) kits and packs \((\d+) rendered, (\d+) from the cache\)")


def _small_project(folder: Path) -> Path:
    """The repository's site project with one small model and its German translation: 22 kits and packs, in six layout
    groups (each language's a4, letter and deck)."""
    folder.mkdir()
    project = copy_site_project(folder)
    for shipped in (project / "models").glob("*.yaml"):
        shipped.unlink()
    (project / "models" / "de").mkdir()
    write_model(project / "models" / "sample.yaml", VALID)
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


def _readme_command(line: str, cwd: Path, **variables: str) -> list[str]:
    """A command line of the README's CI example as its shell runs it: variables expanded, globs matched in `cwd`."""
    words = shlex.split(string.Template(line).substitute(variables))
    return [match for word in words for match in (sorted(glob.glob(word, root_dir=cwd)) if "*" in word else [word])]


@pytest.mark.slow
def test_the_readmes_gitlab_shards_merged_give_the_site_build_every_kit_and_the_one_machine_site(tmp_path):
    project = _small_project(tmp_path / "project")
    ci = yaml.safe_load(readme_block("ci-gitlab-shards"))
    environment = {"SOURCE_DATE_EPOCH": SOURCE_DATE, "SITE_URL": SITE, "COACHBOOK_CACHE_DIR": None}
    [shard_command], parts = ci["kits"]["script"], ci["kits"]["parallel"]
    caches = []
    for number in range(1, parts + 1):
        node = {"CI_NODE_INDEX": str(number), "CI_NODE_TOTAL": str(parts)}
        command = _readme_command(shard_command, project, **node)
        assert command[:3] == ["coachbook", "build", "--shard"]
        result = cli(*command[1:], cwd=project, **environment)
        assert result.returncode == 0, result.stderr
        assert f"Built shard {number}/{parts}: " in result.stderr and "of the site's 22 kits and packs" in result.stderr
        [artifact] = ci["kits"]["artifacts"]["paths"]
        caches.append(project / string.Template(artifact).substitute(node))
    rendered = [_entries(cache) for cache in caches]
    assert all(rendered) and sum(map(len, rendered)) == len(set().union(*rendered))  # each job on one runner only

    # A damaged entry and a stray file in a downloaded cache are named and left out, not merged.
    damaged = caches[1] / "ff" / f"{'f' * 64}.pdf"
    damaged.parent.mkdir()
    damaged.write_bytes(b"%PDF-1.7 truncated")
    damaged.with_suffix(".sha256").write_text("0" * 64 + "\n", encoding="ascii")
    (caches[0] / "notes.txt").write_text("not a kit", encoding="utf-8")
    merge, build = (_readme_command(line, project) for line in ci["site"]["script"])
    assert merge[:3] == ["coachbook", "cache", "merge"] and build == ["mkdocs", "build"]
    assert [project / source for source in merge[3:]] == caches
    result = cli(*merge[1:], cwd=project, **environment)
    assert result.returncode == 0, result.stderr
    assert f"Merged {len(set().union(*rendered))} kit cache entries from {parts} caches" in result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(skipped) == 2 and "notes.txt" in skipped[0] and damaged.name in skipped[1], result.stderr
    merged = project / DEFAULT_CACHE
    assert _entries(merged) == set().union(*rendered)

    again = cli("cache", "merge", caches[0], cwd=project, **environment)
    assert "Merged 0 kit cache entries from 1 cache into" in again.stderr
    assert f"({len(rendered[0])} there already, 1 skipped)" in again.stderr

    assert _mkdocs_build(project, project / "site", merged) == (22, 0, 22)
    assert _entries(merged) == set().union(*rendered)  # the site build wrote nothing new into the cache
    assert _mkdocs_build(project, tmp_path / "one-machine", tmp_path / "one-machine-cache") == (22, 22, 0)
    assert _tree(project / "site") == _tree(tmp_path / "one-machine")


def test_the_readmes_github_workflow_renders_every_shard_and_merges_what_it_uploads():
    workflow = yaml.safe_load(readme_block("ci-github-shards"))
    cache = workflow["env"]["COACHBOOK_CACHE_DIR"]
    kits, site = workflow["jobs"]["kits"], workflow["jobs"]["site"]
    shards = kits["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    runs = [step["run"] for step in kits["steps"] if "run" in step]
    assert f"coachbook build --shard ${{{{ matrix.shard }}}}/{len(shards)}" in runs
    [upload] = [step["with"] for step in kits["steps"] if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["path"].rstrip("/") == cache and not cache.startswith(".")  # upload-artifact leaves out hidden files
    assert upload["name"] == "kit-cache-${{ matrix.shard }}"
    assert site["needs"] == "kits"
    [download] = [step["with"] for step in site["steps"] if step.get("uses", "").startswith("actions/download-artifact@")]
    assert download["pattern"] == "kit-cache-*"
    runs = [step["run"] for step in site["steps"] if "run" in step]
    assert runs.index(f"coachbook cache merge {download['path']}/*") < runs.index("mkdocs build")
    # Every runner dates the kits alike, before it plans them.
    for job in (kits, site):
        dated = [step.get("run") for step in job["steps"]].index(
            'echo "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" >> "$GITHUB_ENV"')
        assert all("run" not in step or not step["run"].startswith(("coachbook build", "mkdocs"))
                   for step in job["steps"][:dated])


@functools.cache
def _site_jobs() -> tuple:
    """The kit and pack jobs of the repository's site with a site_url and its translations: hundreds, not rendered.
    (Cached, not a module fixture: that would keep this module's tests, the slow one too, on one xdist worker.)"""
    library = load_library([REPO / "models"], "en")
    return tuple(SitePlan(library, "en", kit_address=SiteAddress(SITE)).kit_jobs())


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_the_shards_are_a_partition_of_whole_layout_groups_dealt_the_same_whatever_the_order(parts):
    site_jobs = _site_jobs()
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


@pytest.mark.parametrize("command", [["build", "--shard", "1/2"], ["cache", "merge", "."]])
def test_a_shard_or_a_merge_without_a_kit_cache_is_a_usage_error(tmp_path, command):
    result = cli(*command, cwd=tmp_path, COACHBOOK_CACHE_DIR="")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "COACHBOOK_CACHE_DIR is empty" in result.stderr
    assert not list(tmp_path.iterdir())


def _store(cache: Path, pdf: bytes) -> Path:
    """An entry as the cache writes one, under a key of its own (the key hashes the job, not the bytes)."""
    key = hashlib.sha256(b"job " + pdf).hexdigest()
    entry = cache / key[:2] / f"{key}.pdf"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(pdf)
    entry.with_suffix(".sha256").write_text(hashlib.sha256(pdf).hexdigest() + "\n", encoding="ascii")
    return entry


def test_merging_copies_each_valid_entry_it_lacks_and_names_everything_else_without_touching_the_source(tmp_path):
    source, target = tmp_path / "downloaded", tmp_path / "cache"
    (source / "ab").mkdir(parents=True)
    (source / CACHE_TAG).write_text(CACHE_TAG_TEXT, encoding="ascii")
    fresh, shared, damaged_here = (_store(source, b"%PDF-1.7 " + name) for name in (b"fresh", b"shared", b"damaged"))
    truncated = _store(source, b"%PDF-1.7 whole")
    truncated.write_bytes(b"%PDF-1.7 wh")
    not_a_pdf = _store(source, b"<html>not a kit</html>")
    lone_sidecar = _store(source, b"%PDF-1.7 lone")
    lone_sidecar.unlink()
    interrupted = source / "ab" / f".{'ab' * 32}.pdf.x1y2.tmp"  # a write cut short: passed over in silence
    interrupted.write_bytes(b"%PDF-")
    misplaced = source / "ab" / f"{'cd' * 32}.pdf"
    misplaced.write_bytes(b"%PDF-1.7 in another entry's folder")
    (source / "ab" / "link.pdf").symlink_to(fresh)
    _store(target, shared.read_bytes())
    _store(target, damaged_here.read_bytes()).write_bytes(b"%PDF-1.7 dam")  # damaged here: replaced by the good copy
    before = {path: path.read_bytes() for path in source.rglob("*") if path.is_file()}

    result = cli("cache", "merge", source, "--cache", target, cwd=tmp_path, COACHBOOK_CACHE_DIR=None)
    assert result.returncode == 0, result.stderr
    assert "Merged 2 kit cache entries from 1 cache into cache/ (1 there already, 5 skipped)" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    for skipped in (truncated, not_a_pdf, lone_sidecar.with_suffix(".sha256"), misplaced, source / "ab" / "link.pdf"):
        assert sum(skipped.name in line for line in warnings) == 1, (skipped.name, warnings)
    assert len(warnings) == 5
    for entry in (fresh, shared, damaged_here):
        copy = target / entry.relative_to(source)
        assert copy.read_bytes() == entry.read_bytes()
        assert copy.with_suffix(".sha256").read_text(encoding="ascii") == entry.with_suffix(".sha256").read_text(encoding="ascii")
    for skipped in (truncated, not_a_pdf, misplaced):
        assert not (target / skipped.relative_to(source)).exists()
    assert {path: path.read_bytes() for path in source.rglob("*") if path.is_file()} == before


_DEAL = """
import json, sys
from coachbook.kits.jobs import shard_jobs
from coachbook.model.loader import load_library
from coachbook.site.plan import SiteAddress, SitePlan
jobs = SitePlan(load_library([sys.argv[1]], "en"), "en", kit_address=SiteAddress(sys.argv[2])).kit_jobs()
print(json.dumps([[job.path for job in shard_jobs(jobs, part, 3)] for part in (1, 2, 3)]))
"""


def test_another_process_with_another_hash_seed_deals_the_same_parts():
    result = run([sys.executable, "-c", _DEAL, str(REPO / "models"), SITE], REPO, PYTHONHASHSEED="12345")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[job.path for job in shard_jobs(_site_jobs(), part, 3)] for part in (1, 2, 3)]
