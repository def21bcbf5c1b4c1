"""Benchmark kit rendering and site builds on N synthetic models; prints a Markdown table of times and ratios.

    python benchmarks/run.py                 # N = 10, 50, 200 (about an hour on 2 cores)
    python benchmarks/run.py --sizes 2,5     # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coachbook.kits import ASSETS_URL, KITS, PAPER_SIZES_MM, PAPERS, RENDER_OPTIONS, kit_html  # noqa: E402
from coachbook.loader import load_model, load_models  # noqa: E402
from coachbook.render import default_workers  # noqa: E402

TARGETS = {
    "pipeline / floor (1 core)": ("<=", 1.15),
    "speed-up, all cores": (">=", 1.7),
    "no-change rebuild / clean": ("<=", 0.05),
    "one-model edit / clean": ("<=", None),  # 1/N + 10 %
    "per-model cost, largest N / smallest N": ("<=", 1.2),
    "peak memory, largest N / smallest N": ("<=", 1.3),
}


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated lists out in full: models may not hold YAML anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def synthetic_models(count: int, folder: Path) -> None:
    """`count` models made from the shipped ones: new ids, and lengths from half to one and a half."""
    shipped = load_models([REPO / "models"])
    folder.mkdir(parents=True)
    for index in range(count):
        data = shipped[index % len(shipped)].model_dump(exclude_none=True)
        data["id"] = f"{data['id'][:56]}-{index:04d}"
        data["title"] = f"{data['title']} ({index + 1})"
        scale = (0.5, 1.0, 1.5)[index % 3]
        for stage in data["stages"]:
            steps = stage["steps"]
            if scale < 1:
                stage["steps"] = steps[: max(1, len(steps) // 2)]
            elif scale > 1:
                extra = [dict(step, id=f"{step['id']}-more", title=f"{step['title']} (again)")
                         for step in steps[: max(1, len(steps) // 2)]]
                stage["steps"] = steps + extra
        (folder / f"{data['id']}.yaml").write_text(yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True))


class PeakMemory:
    """Polls the resident memory of a process and all its descendants; keeps the peak of their sum."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, queue = [], [self.pid]
        while queue:
            pid = queue.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    queue.extend(int(child) for child in task.read_text().split())
                except OSError:
                    pass
        return pids

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            total = 0
            for pid in self._tree():
                try:
                    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                except OSError:
                    continue
                total += int(match.group(1)) * 1024 if match else 0
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(command: list[str], cwd: Path, **env: str) -> tuple[float, int]:
    """Seconds and peak process-tree memory (bytes) of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    _, errors = process.communicate()
    peak = memory.stop()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return time.perf_counter() - started, peak


def floor_seconds(models_dir: Path) -> float:
    """Bare WeasyPrint on the very same final kit HTML: one process, stylesheets parsed once."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    stylesheets = {
        paper: [CSS(url=ASSETS_URL + "kits.css", font_config=fonts),
                CSS(string=f"@page {{ size: {width}mm {height}mm; }}", font_config=fonts)]
        for paper, (width, height) in PAPER_SIZES_MM.items()
    }
    total = 0.0
    for path in sorted(models_dir.glob("*.yaml")):
        model = load_model(path)
        for kit in KITS:
            for paper in PAPERS:
                html = kit_html(model, kit, paper)
                started = time.perf_counter()
                HTML(string=html, base_url=ASSETS_URL).write_pdf(
                    stylesheets=stylesheets[paper], font_config=fonts, **RENDER_OPTIONS)
                total += time.perf_counter() - started
    return total


def project(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    synthetic_models(count, folder / "models")
    return folder


def measure(count: int, workdir: Path) -> dict[str, float]:
    root = project(workdir / f"n{count}", count)
    kits = [sys.executable, str(REPO / "build_kits.py"), "--models", "models", "--no-cache", "--quiet"]
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
    cache = {"COACHBOOK_CACHE_DIR": str(root / "cache")}
    row: dict[str, float] = {"N": count}
    row["floor s"] = floor_seconds(root / "models")
    row["1 core s"], _ = timed([*kits, "--jobs", "1", "--out", "kits1"], root)
    row["all cores s"], row["kits peak MB"] = timed([*kits, "--out", "kits2"], root)
    row["clean site s"], row["site peak MB"] = timed(mkdocs, root, **cache)
    row["no-change s"], _ = timed(mkdocs, root, **cache)
    edited = sorted((root / "models").glob("*.yaml"))[0]
    edited.write_text(re.sub(r"^title: .*$", "title: Edited for the benchmark", edited.read_text(), count=1, flags=re.M))
    row["one edit s"], _ = timed(mkdocs, root, **cache)
    row["kits peak MB"] /= 2**20
    row["site peak MB"] /= 2**20
    return row


def ratios(rows: list[dict[str, float]]) -> list[tuple[str, float, str]]:
    small, large = rows[0], rows[-1]
    middle = min(rows, key=lambda row: abs(row["N"] - 50))
    found = {
        "pipeline / floor (1 core)": large["1 core s"] / large["floor s"],
        "speed-up, all cores": large["1 core s"] / large["all cores s"],
        "no-change rebuild / clean": middle["no-change s"] / middle["clean site s"],
        "one-model edit / clean": middle["one edit s"] / middle["clean site s"],
        "per-model cost, largest N / smallest N": (large["all cores s"] / large["N"]) / (small["all cores s"] / small["N"]),
        "peak memory, largest N / smallest N": large["kits peak MB"] / small["kits peak MB"],
    }
    result = []
    for name, value in found.items():
        direction, target = TARGETS[name]
        if target is None:
            target = 1 / middle["N"] + 0.10
        met = value <= target if direction == "<=" else value >= target
        result.append((name, value, f"{direction} {target:.2f}: {'met' if met else 'MISSED'}"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,50,200", help="comma-separated model counts (default: 10,50,200)")
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="coachbook-bench-") as workdir:
        rows = []
        for count in sizes:
            print(f"measuring N = {count} ...", file=sys.stderr)
            rows.append(measure(count, Path(workdir)))
    columns = list(rows[0])
    print(f"Machine: {platform.machine()}, {default_workers()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.0f}" if c == "N" else f"{row[c]:.1f}" for c in columns) + " |")
    print("\n| ratio | value | target |\n|---|---|---|")
    for name, value, verdict in ratios(rows):
        print(f"| {name} | {value:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
