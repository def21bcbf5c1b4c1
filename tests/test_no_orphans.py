"""A build killed with SIGKILL leaves no process behind, and the next build removes its scratch folders (issue 28,
finding 10)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from coachbook.staging import StagedFolder

from conftest import REPO, command_env, run

COACHBOOK = [sys.executable, "-m", "coachbook"]


def _children(pid: int) -> set[int]:
    """The live processes whose parent is `pid`, read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _command_line(pid: int) -> bytes:
    """The command line of `pid`, or nothing once it has ended (a child may end between listing and reading)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def _running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has ended, waiting only to be reaped)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_build_leaves_no_worker_and_the_next_build_removes_its_folder(tmp_path):
    models, temporary = tmp_path / "models", tmp_path / "tmp"
    shutil.copytree(REPO / "models", models)  # every model, with its translations: a build of a minute or so
    temporary.mkdir()
    env = {"TMPDIR": str(temporary)}
    build = subprocess.Popen([*COACHBOOK, "build", "--no-cache", "--jobs", "2", "--models", str(models),
                              "--out", str(tmp_path / "kits"), "--quiet"], cwd=tmp_path, env=command_env(**env),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            time.sleep(0.2)
            workers = {pid for pid in _children(build.pid) if b"spawn_main" in _command_line(pid)}
        assert len(workers) >= 2, "the build started no workers"
        time.sleep(2)  # rendering, well inside the first kits
        started = _children(build.pid)  # the workers and multiprocessing's resource tracker
        stale = list(temporary.glob(f"coachbook-kits-{build.pid}-*"))
        assert len(stale) == 1 and build.poll() is None
        build.send_signal(signal.SIGKILL)
        build.wait()
        # A worker checks for its build twice a second (render.PARENT_CHECK_SECONDS): all gone well within 10 s.
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in started if _running(pid)] == []
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    (tmp_path / "mine").mkdir()
    (temporary / f"coachbook-kits-{os.getpid()}-running").mkdir()  # a build still running: kept
    linked = f"coachbook-kits-{build.pid}-linked"  # a dead owner's name, but a symlink: not a folder Coachbook made
    (temporary / linked).symlink_to(tmp_path / "mine")
    result = run([*COACHBOOK, "build", "--no-cache", "--models", str(models), "--model", "okr-goal-planning", "--kit", "guide",
                  "--paper", "a4", "--out", str(tmp_path / "kits"), "--quiet"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in temporary.iterdir()) == sorted([f"coachbook-kits-{os.getpid()}-running", linked])
    assert (tmp_path / "mine").is_dir()


def test_a_staging_folder_left_by_a_killed_build_is_removed_by_the_next(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = tmp_path / f".site.building-{ended.pid}-x1y2z3"
    (left / "models").mkdir(parents=True)
    (left / "models" / "index.html").write_text("half a site")
    running = tmp_path / f".site.building-{os.getpid()}-abcdef"
    running.mkdir()
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    (tmp_path / f".site.building-{ended.pid}-linked").symlink_to(victim)
    staged = StagedFolder(tmp_path / "site")
    staged.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [running.name, f".site.building-{ended.pid}-linked", "victim"])
    assert (victim / "keep.txt").read_text() == "mine"
