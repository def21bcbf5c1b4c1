"""How many workers a build renders with by default: one per core, no more than the available memory holds."""

from __future__ import annotations

import os

from coachbook.kits.render import WORKER_MEMORY, available_memory, default_workers

CORES = len(os.sched_getaffinity(0))


def meminfo(tmp_path, available_kb: int | None):
    path = tmp_path / "meminfo"
    lines = ["MemTotal:       25165824 kB", "MemFree:          123456 kB"]
    if available_kb is not None:
        lines.append(f"MemAvailable:   {available_kb:>8} kB")
    path.write_text("\n".join([*lines, "Buffers:           10000 kB", ""]))
    return path


def test_workers_are_capped_by_the_available_memory(tmp_path):
    assert available_memory(meminfo(tmp_path, 1536 * 1024)) == 1536 * 1024 * 1024
    assert default_workers(meminfo(tmp_path, 1536 * 1024)) == 1  # 1.5 GiB free: one worker's worth
    assert default_workers(meminfo(tmp_path, 100 * 1024)) == 1  # never none
    plenty = CORES * WORKER_MEMORY // 1024 + 1024
    assert default_workers(meminfo(tmp_path, plenty)) == CORES


def test_without_a_memory_figure_every_core_works(tmp_path):
    assert default_workers(meminfo(tmp_path, None)) == CORES
    assert default_workers(tmp_path / "missing") == CORES


def test_this_machine_has_its_available_memory_read():
    assert available_memory() is not None and available_memory() > 0
    assert 1 <= default_workers() <= CORES
