"""Faults of the file system a user can meet are one line each (`<path>: <reason>`), never a traceback: an unreadable
model, an unwritable output, a full disk (the previous output left as it was); and bad folders or counts are usage errors."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from conftest import MODEL_IDS, cli, mkdocs

MODEL = MODEL_IDS[0]  # the one model of the `project` fixture
# Links that cannot be read, even by root (for whom no permission bit stops a read): one to nothing, one to a file
# whose every read fails with EIO.
UNREADABLE = {"dangling link": ("missing.yaml", "No such file or directory"),
              "read error": ("/proc/self/mem", "Input/output error")}


def _lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.strip()]


def _digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("case", UNREADABLE)
@pytest.mark.parametrize("command", [["check"], ["build", "--quiet", "--out", "kits"]])
def test_an_unreadable_model_file_is_one_line(project, command, case):
    target, reason = UNREADABLE[case]
    (project / "models" / "broken.yaml").symlink_to(target)
    result = cli(*command, cwd=project)
    assert result.returncode == 1, result.stderr
    assert _lines(result.stderr) == [f"models/broken.yaml:1:1: cannot read it ({reason})"]
    assert not (project / "kits").exists()


@pytest.mark.parametrize("case", UNREADABLE)
def test_mkdocs_names_an_unreadable_model_file(project, case):
    target, reason = UNREADABLE[case]
    (project / "models" / "broken.yaml").symlink_to(target)
    result = mkdocs("build", cwd=project)
    assert result.returncode == 1, result.stderr
    assert [line.split(None, 2)[-1] for line in _lines(result.stderr) if "broken.yaml" in line] == [
        f"models/broken.yaml:1:1: cannot read it ({reason})"], result.stderr  # after MkDocs' "ERROR   -"
    assert not (project / "site").exists()


def test_pack_into_an_unwritable_place_is_one_line(project):
    result = cli("pack", "--quiet", "--model", MODEL, "--out", "/proc/version.pdf", cwd=project)
    assert result.returncode == 1, result.stderr
    assert _lines(result.stderr) == ["coachbook: error: /proc/version.pdf: cannot write it (No such file or directory)"]


@pytest.mark.parametrize(("out", "line"), [
    ("notes.txt/model.schema.json", "notes.txt/model.schema.json: cannot write it: a file is in the way of its folder"),
    ("/proc/model.schema.json", "/proc/model.schema.json: cannot write it (No such file or directory)"),
])
def test_schema_into_an_unwritable_place_is_one_line(tmp_path, out, line):
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = cli("schema", "--out", out, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert _lines(result.stderr) == [f"coachbook: error: {line}"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 300 KiB: room for a couple of kits, not for every kit nor for a site."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_in_a_kit_build_is_one_line_and_keeps_the_previous_kits(project, small_disk):
    out = small_disk / "kits"
    first = cli("build", "--quiet", "--model", MODEL, "--kit", "guide", "--out", str(out), cwd=project)
    assert first.returncode == 0, first.stderr
    before = _digests(out)
    assert len(before) == 3  # two guides and the manifest
    result = cli("build", "--quiet", "--out", str(out), cwd=project)
    assert result.returncode == 1, result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith(f"coachbook: error: disk/kits/{MODEL}/") and line.endswith(
        ": cannot write it (No space left on device)"), line
    assert _digests(out) == before
    assert sorted(path.name for path in out.rglob("*")) == sorted(Path(name).name for name in [*before, MODEL])


def test_a_full_disk_in_a_site_build_is_one_line_and_keeps_the_previous_site(project, small_disk):
    site = small_disk / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>the previous site</p>\n", encoding="utf-8")
    result = mkdocs("build", "--quiet", "--site-dir", str(site), cwd=project)
    assert result.returncode == 1, result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith("Error: disk/") and line.endswith(": No space left on device"), line
    assert sorted(path.name for path in small_disk.iterdir()) == ["site"]  # no staging folder left
    assert _digests(site) == {"index.html": hashlib.sha256(b"<p>the previous site</p>\n").hexdigest()}


@pytest.mark.parametrize(("arguments", "message"), [
    (["build", "--jobs", "0"], "argument --jobs: must be a number of worker processes, 1 or more (got '0')"),
    (["build", "--jobs", "-1"], "argument --jobs: must be a number of worker processes, 1 or more (got '-1')"),
    (["build", "--jobs", "two"], "argument --jobs: must be a number of worker processes, 1 or more (got 'two')"),
    (["zensical", "--jobs", "0"], "argument --jobs: must be a number of worker processes, 1 or more (got '0')"),
    (["build", "--out", "/"], "--out must be a folder of its own, not the root of the file system (got /)"),
    (["build", "--sequences", "mkdocs.yml"], "--sequences must be a folder of sequence files (got the file mkdocs.yml)"),
    (["check", "--sequences", "mkdocs.yml"], "--sequences must be a folder of sequence files (got the file mkdocs.yml)"),
])
def test_bad_counts_and_folders_are_usage_errors(project, arguments, message):
    result = cli(*arguments, cwd=project)
    assert result.returncode == 2, result.stderr
    [line] = _lines(result.stderr)
    assert line.startswith(f"coachbook: error: {message}"), line
