"""Benchmark kit rendering and site builds on N synthetic models; prints Markdown tables of times and ratios.

    python benchmarks/run.py                 # N = 10, 50, 200: every target of issue 14 (about 35 min on 2 cores)
    python benchmarks/run.py --sizes 2,3 --cards-questions 60   # a quick look that every measure still works
    python benchmarks/run.py --profile --kit guide --paper letter   # where one kit's time goes
    python benchmarks/run.py --serve-only --sizes 50    # `mkdocs serve`'s reload against a no-change build only

The bare-WeasyPrint floor and the kits on one core are measured at the smallest size only (the ratio
does not depend on N, and they are the slowest measures); `--floor-size` picks another of the sizes.
"""

from __future__ import annotations

import argparse
import datetime
import html
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coachbook.kits.catalog import (BLEED_MM, DECK_SIZES_MM, KIT_PAPERS, KITS, PAPERS, kit_filename,  # noqa: E402
                                    model_kit_papers, page_size_mm)
from coachbook.kits.document import RENDER_OPTIONS  # noqa: E402
from coachbook.kits.fetcher import ASSETS_URL  # noqa: E402
from coachbook.kits.layouts import kit_document, render_kit  # noqa: E402
from coachbook.model.loader import load_model, load_models  # noqa: E402
from coachbook.kits.render import default_workers  # noqa: E402

# The size whose site builds are compared with and without packs, and where `mkdocs serve` is timed.
MIDDLE_N = 50
# The cards kit of one large model (issue 28): its peak memory must stay under this.
CARDS_QUESTIONS, CARDS_PEAK_MB = 1000, 1024
CARDS_SCRIPT = """\
import sys
from pathlib import Path
from coachbook.kits.layouts import render_kit
from coachbook.model.loader import load_model
Path(sys.argv[2]).write_bytes(render_kit(load_model(Path(sys.argv[1])), "cards", "a4"))
"""
# Seconds to wait for `mkdocs serve`: its first build, then the page after an edit.
SERVE_START_TIMEOUT = 900.0
SERVE_RELOAD_TIMEOUT = 600.0
POLL_SECONDS = 0.1
# Saves timed under one `mkdocs serve` (and no-change builds beside them): the median of a few is steadier on a
# shared machine than one.
SERVE_EDITS = 3
SERVE_RELOAD_TARGET = 0.35  # serve reload / no-change `mkdocs build` (issue 26)


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


def large_model(questions: int, path: Path) -> None:
    """One model of `questions` questions: the first shipped model's steps repeated, each question numbered."""
    first = load_models([REPO / "models"])[0]
    shipped = [question for _, _, question in first.questions()]
    data = first.model_dump(exclude_none=True)
    data["id"] = "large-model"
    steps = [step for stage in data["stages"] for step in stage["steps"]]
    for step in steps:
        step["questions"] = []
    for number in range(questions):
        entry = shipped[number % len(shipped)].model_dump(exclude_none=True)
        entry["text"] = f"{entry['text']} ({number + 1})"
        steps[number % len(steps)]["questions"].append(entry)
    path.write_text(yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True))


def cards_peak(questions: int, workdir: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of rendering the cards kit of a `questions`-question model, in a fresh process."""
    model = workdir / "large-model.yaml"
    large_model(questions, model)
    seconds, peak = timed([sys.executable, "-c", CARDS_SCRIPT, str(model), str(workdir / "cards.pdf")], REPO,
                          PYTHONPATH=str(REPO))
    return seconds, peak / 2**20


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


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


def _environment(**extra: str) -> dict[str, str]:
    # No SITE_URL: `mkdocs serve` then mounts the site at /, where the serve measure looks for it.
    environment = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    return {**environment, "NO_MKDOCS_2_WARNING": "1", **extra}


def timed(command: list[str], cwd: Path, **env: str) -> tuple[float, int]:
    """Seconds and peak process-tree memory (bytes) of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=_environment(**env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    _, errors = process.communicate()
    peak = memory.stop()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors}")
    return time.perf_counter() - started, peak


def floor_and_layouts(models_dir: Path) -> tuple[float, dict[str, list[int | None]]]:
    """Bare WeasyPrint on the very same final kit HTML (one process, stylesheets parsed once), and the
    layouts each kit needed to reach that HTML, per kit over every model and paper.

    Only the bare WeasyPrint call is timed: the kit's own layouts, which find the final HTML, are what
    the one-core pipeline is compared against.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    stylesheets = {
        paper: [CSS(url=ASSETS_URL + "kits.css", font_config=fonts),
                CSS(string=f"@page {{ size: {page_size_mm(paper)[0]}mm {page_size_mm(paper)[1]}mm;"
                           f"{f' bleed: {BLEED_MM}mm;' if paper in DECK_SIZES_MM else ''} }}", font_config=fonts)]
        for paper in dict.fromkeys(paper for _, paper in KIT_PAPERS)
    }
    total, layouts = 0.0, {kit: [] for kit in KITS}
    for path in sorted(models_dir.glob("*.yaml")):
        model = load_model(path)
        # The deck on its card size (it has no paper); the practice kit only for a model with scenarios.
        for kit, paper in model_kit_papers(model):
            document = kit_document(model, kit, paper)
            # Counted by the kits themselves (None: this version of the kits does not count them).
            layouts[kit].append(getattr(document, "coachbook_layouts", None))
            final_html = document.coachbook_html
            started = time.perf_counter()
            HTML(string=final_html, base_url=ASSETS_URL).write_pdf(
                stylesheets=stylesheets[paper], font_config=fonts, **RENDER_OPTIONS)
            total += time.perf_counter() - started
    return total, layouts


def project(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for name in ("mkdocs.yml", "content", "overrides"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    synthetic_models(count, folder / "models")
    return folder


def edit_title(path: Path, title: str) -> None:
    """Give one model a new title, as an author saving the file would."""
    text, found = re.subn(r"^title: .*$", f"title: {title}", path.read_text(), count=1, flags=re.MULTILINE)
    assert found, f"no title line in {path}"
    path.write_text(text)


def without_packs(config: Path) -> None:
    """Turn the coachbook plugin's packs off in a project's mkdocs.yml (text edit: the file holds !ENV tags)."""
    text, found = re.subn(r"^(\s*)- coachbook:\n", r"\g<0>\g<1>    packs: false\n", config.read_text(), count=1, flags=re.MULTILINE)
    assert found, f"no coachbook plugin in {config}"
    config.write_text(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> bytes | None:
    """The body at `url`, or None while the server does not answer it (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def serve_reload(root: Path, edited: Path, cache: dict[str, str]) -> tuple[float, float | None]:
    """Seconds from saving one model under `mkdocs serve` to its page with the new title, and to its
    worksheet with new bytes (None if that did not follow within the timeout): the medians of SERVE_EDITS saves,
    each made once the last one's worksheet followed (so that no kit renders behind the next page).

    Live reload stays on: in MkDocs 1.6, `--no-livereload` also stops watching files, so nothing would
    rebuild. The page is polled with plain HTTP, so the reload script it injects plays no part.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    page_url = f"{base}models/{edited.stem}/"
    log_path = root / "serve.log"
    with open(log_path, "w") as log:
        # Its own process group, so its kit workers can be stopped with it.
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root, env=_environment(**cache), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def wait_for(condition, timeout: float, what: str):
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline:
                if server.poll() is not None:
                    raise SystemExit(f"mkdocs serve stopped while waiting for {what}:\n{log_path.read_text()[-3000:]}")
                if (found := condition()) is not None:
                    return found
                time.sleep(POLL_SECONDS)
            raise SystemExit(f"mkdocs serve: no {what} after {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")

        page = wait_for(lambda: fetch(page_url), SERVE_START_TIMEOUT, f"answer at {page_url}")
        # The worksheet's URL as the page links it, wherever the site keeps kits.
        link = re.search(rf'href="([^"]*{re.escape(kit_filename(edited.stem, "worksheet", "a4"))})"', page.decode())
        pdf_url = urllib.parse.urljoin(page_url, html.unescape(link.group(1))) if link else None
        old_pdf = wait_for(lambda: fetch(pdf_url), SERVE_START_TIMEOUT, f"answer at {pdf_url}") if pdf_url else None
        pages, pdfs = [], []
        for _ in range(SERVE_EDITS):
            title = f"Saved while serving {time.time_ns()}"
            edit_title(edited, title)
            saved = time.perf_counter()
            page_seconds = pdf_seconds = None
            while time.perf_counter() - saved < SERVE_RELOAD_TIMEOUT and (page_seconds is None or
                                                                         (pdf_url and pdf_seconds is None)):
                if server.poll() is not None:
                    raise SystemExit(f"mkdocs serve stopped after the edit:\n{log_path.read_text()[-3000:]}")
                if page_seconds is None and title.encode() in (fetch(page_url) or b""):
                    page_seconds = time.perf_counter() - saved
                if pdf_url and pdf_seconds is None and (pdf := fetch(pdf_url)) is not None and pdf != old_pdf:
                    pdf_seconds, old_pdf = time.perf_counter() - saved, pdf
                time.sleep(POLL_SECONDS)
            if page_seconds is None:
                raise SystemExit(f"mkdocs serve: {page_url} did not show the edit within {SERVE_RELOAD_TIMEOUT:.0f} s:\n"
                                 f"{log_path.read_text()[-3000:]}")
            pages.append(page_seconds)
            if pdf_seconds is None:  # not linked, or it did not follow: the next save would race its render
                break
            pdfs.append(pdf_seconds)
            time.sleep(1.0)  # the rebuild that links the new kits: done before the next save
        return statistics.median(pages), statistics.median(pdfs) if pdfs else None
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """Ctrl-C, as a user stops `mkdocs serve` (it cleans up its temporary site); killed if it does not exit."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:  # the server, if still running, and any kit worker it left: all in the group it leads
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait()


def measure(count: int, workdir: Path, *, floor: bool, middle: bool,
            serve_only: bool = False) -> tuple[dict[str, float], dict[str, list[int | None]]]:
    """One size's row of measures (the floor, one-core and middle-size ones only where asked), and the layouts per kit;
    `serve_only`: the clean site (which fills the kit cache), the no-change rebuild and the serve reload only."""
    root = project(workdir / f"n{count}", count)
    kits = [sys.executable, str(REPO / "build_kits.py"), "--models", "models", "--no-cache", "--quiet"]
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
    cache = {"COACHBOOK_CACHE_DIR": str(root / "cache")}
    row: dict[str, float] = {"N": count}
    layouts: dict[str, list[int | None]] = {}
    if serve_only:
        row["clean site s"], row["site peak MB"] = timed(mkdocs, root, **cache)
        row["site peak MB"] /= 2**20
        row["no-change s"] = statistics.median(timed(mkdocs, root, **cache)[0] for _ in range(SERVE_EDITS))
        edited = sorted((root / "models").glob("*.yaml"))[0]
        row["serve reload s"], kit_seconds = serve_reload(root, edited, cache)
        if kit_seconds is not None:
            row["serve kit s"] = kit_seconds
        return row, layouts
    if floor:
        row["floor s"], layouts = floor_and_layouts(root / "models")
        row["1 core s"], _ = timed([*kits, "--jobs", "1", "--out", "kits1"], root)
    row["all cores s"], row["kits peak MB"] = timed([*kits, "--out", "kits2"], root)
    row["clean site s"], row["site peak MB"] = timed(mkdocs, root, **cache)
    row["site KB/model"] = folder_bytes(root / "site") / 1024 / count
    row["no-change s"] = statistics.median(timed(mkdocs, root, **cache)[0] for _ in range(SERVE_EDITS if middle else 1))
    edited = sorted((root / "models").glob("*.yaml"))[0]
    edit_title(edited, "Edited for the benchmark")
    row["one edit s"], _ = timed(mkdocs, root, **cache)
    if middle:
        row["serve reload s"], kit_seconds = serve_reload(root, edited, cache)
        if kit_seconds is not None:
            row["serve kit s"] = kit_seconds
        without_packs(root / "mkdocs.yml")
        # A cache of its own, empty: as clean as the build with packs it is compared with.
        row["no packs s"], _ = timed(mkdocs, root, COACHBOOK_CACHE_DIR=str(root / "cache-no-packs"))
    row["kits peak MB"] /= 2**20
    row["site peak MB"] /= 2**20
    return row, layouts


def serve_ratio(middle: dict[str, float]) -> tuple[str, float, str, float]:
    """Issue 26's target: `mkdocs serve`'s reload after one saved model against a no-change `mkdocs build`."""
    return (f"serve reload / no-change rebuild, N = {middle['N']:.0f}", middle["serve reload s"] / middle["no-change s"],
            "<=", SERVE_RELOAD_TARGET)


def ratios(rows: list[dict[str, float]], floor_n: int) -> list[tuple[str, float, str, float]]:
    """(name, value, direction, target) of every target issues 14 and 26 set."""
    by_n = {int(row["N"]): row for row in rows}
    small, large, floor = rows[0], rows[-1], by_n[floor_n]
    middle = min(rows, key=lambda row: abs(row["N"] - MIDDLE_N))
    found = [serve_ratio(middle),
        (f"kits on one core / floor, N = {floor_n}", floor["1 core s"] / floor["floor s"], "<=", 1.15),
        (f"clean site with packs / packs: false, N = {middle['N']:.0f}",
         middle["clean site s"] / middle["no packs s"], "<=", 1.10),
        (f"speed-up, all cores ({default_workers()}), N = {floor_n}", floor["1 core s"] / floor["all cores s"], ">=", 1.7),
    ]
    for row in [middle] if middle is large else [middle, large]:
        n = row["N"]
        found += [
            (f"no-change rebuild / clean, N = {n:.0f}", row["no-change s"] / row["clean site s"], "<=", 0.05),
            (f"one-model edit / clean, N = {n:.0f}", row["one edit s"] / row["clean site s"], "<=", 1 / n + 0.10),
        ]
    span = f"N = {large['N']:.0f} / N = {small['N']:.0f}"
    found += [
        (f"per-model cost (all cores), {span}",
         (large["all cores s"] / large["N"]) / (small["all cores s"] / small["N"]), "<=", 1.2),
        (f"peak memory, kits, {span}", large["kits peak MB"] / small["kits peak MB"], "<=", 1.3),
        (f"peak memory, site, {span}", large["site peak MB"] / small["site peak MB"], "<=", 1.3),
        # Every page carried the whole navigation: the site grew with the square of N (issue 28).
        (f"site size per model, {span}", large["site KB/model"] / small["site KB/model"], "<=", 1.3),
    ]
    return found


def machine() -> str:
    """Architecture, cores, memory, CPU model, Python and the UTC date: what a recorded run must name."""
    def field(path: str, name: str) -> str:
        try:
            match = re.search(rf"^{name}\s*:\s*(.+)$", Path(path).read_text(), re.MULTILINE)
        except OSError:
            return "unknown"
        return match.group(1).strip() if match else "unknown"

    memory = field("/proc/meminfo", "MemTotal")
    memory = f"{int(memory.split()[0]) / 2**20:.1f} GiB RAM" if memory[:1].isdigit() else "RAM unknown"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"Machine: {platform.machine()}, {default_workers()} cores, {memory}, {field('/proc/cpuinfo', 'model name')}; "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}; {date}")


def print_serve_table(row: dict[str, float]) -> None:
    """`--serve-only`'s one row and its ratio against issue 26's target."""
    print(machine() + "\n")
    print("| " + " | ".join(row) + " |\n|" + "---|" * len(row))
    print("| " + " | ".join(f"{value:.0f}" if name == "N" else f"{value:.1f}" for name, value in row.items()) + " |")
    name, value, direction, target = serve_ratio(row)
    print(f"\n| ratio | value | target |\n|---|---|---|\n| {name} | {value:.3f} | {direction} {target:.3f}: "
          f"{'met' if value <= target else 'MISSED'} |")


def print_tables(rows: list[dict[str, float]], layouts: dict[str, list[int | None]], floor_n: int,
                 cards: tuple[int, float, float] | None) -> None:
    print(machine() + "\n")
    columns = list(dict.fromkeys(column for row in rows for column in row))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = ("–" if c not in row else f"{row[c]:.0f}" if c == "N" else f"{row[c]:.1f}" for c in columns)
        print("| " + " | ".join(cells) + " |")
    print(f"\nLayouts per kit at N = {floor_n} (every model, both papers):\n")
    print("| kit | mean layouts | max layouts |\n|---|---|---|")
    for kit, counts in layouts.items():
        counts = [1 if count is None else count for count in counts]
        print(f"| {kit} | {statistics.mean(counts):.2f} | {max(counts)} |")
    if any(count is None for counts in layouts.values() for count in counts):
        print("\n(Some kits do not count their layouts yet (no `coachbook_layouts`): each of those is shown as one.)")
    print("\n| ratio | value | target |\n|---|---|---|")
    for name, value, direction, target in ratios(rows, floor_n):
        met = value <= target if direction == "<=" else value >= target
        print(f"| {name} | {value:.3f} | {direction} {target:.3f}: {'met' if met else 'MISSED'} |")
    middle = min(rows, key=lambda row: abs(row["N"] - MIDDLE_N))
    kit = (f"new in {middle['serve kit s']:.1f} s" if "serve kit s" in middle
           else f"not seen new (not linked from the page, or not within {SERVE_RELOAD_TIMEOUT:.0f} s)")
    if cards is not None:
        questions, seconds, peak = cards
        met = "met" if peak <= CARDS_PEAK_MB else "MISSED"
        print(f"\nCards kit of one {questions}-question model: {seconds:.1f} s, peak memory {peak:.0f} MB "
              f"(target <= {CARDS_PEAK_MB} MB: {met})")
    print(f"\n`mkdocs serve`, N = {middle['N']:.0f}: one model saved -> its page reloaded in "
          f"{middle['serve reload s']:.1f} s (its target is among the ratios), its worksheet PDF {kit} (reported; no target)")


# --------------------------------------------------------------------------- profile

PHASES = ("template", "parse", "style", "boxes", "layout", "draw", "write", "other")


def profile(model_id: str | None, kit: str, paper: str, out: str | None) -> None:
    """Where one kit's time goes: cProfile over `render_kit` after a warm-up, split into phases."""
    import cProfile
    import pstats

    import jinja2
    import weasyprint
    from weasyprint.css import get_all_computed_styles
    from weasyprint.document import Document
    from weasyprint.draw import draw_page
    from weasyprint.formatting_structure.build import build_formatting_structure
    from weasyprint.layout import layout_document

    models = {model.id: model for model in load_models([REPO / "models"])}
    if model_id is not None and model_id not in models:
        raise SystemExit(f"no shipped model {model_id!r}: choose one of {', '.join(sorted(models))}")
    model = models[model_id or min(models)]
    render_kit(model, kit, paper)  # warm-up: imports, fonts, parsed stylesheets and templates are cached after it
    started = time.perf_counter()
    render_kit(model, kit, paper)
    unprofiled = time.perf_counter() - started
    profiler = cProfile.Profile()
    profiler.runcall(render_kit, model, kit, paper)
    if out:
        profiler.dump_stats(out)
    stats = pstats.Stats(profiler)

    def entry(function) -> tuple[int, float]:
        """Calls and cumulative seconds of one function (recursion counted once, as pstats does)."""
        code = function.__code__
        calls, _, _, cumulative, _ = stats.stats.get((code.co_filename, code.co_firstlineno, code.co_name),
                                                     (0, 0, 0, 0.0, {}))
        return calls, cumulative

    # Calls of layout_document count its resumptions (it yields pages): count the renders instead.
    layouts = entry(Document._render.__func__)[0]
    seconds = {
        "template": entry(jinja2.Template.render)[1],
        "parse": entry(weasyprint.HTML.__init__)[1],
        "style": entry(get_all_computed_styles)[1],
        "boxes": entry(build_formatting_structure)[1],
        "layout": entry(layout_document)[1],
        "draw": entry(draw_page)[1],
    }
    seconds["write"] = entry(Document.write_pdf)[1] - seconds["draw"]
    total = stats.total_tt
    seconds["other"] = total - sum(seconds.values())
    what = {
        "template": "Jinja rendering of the kit's HTML (Markdown filters included)",
        "parse": "HTML parsing: weasyprint.HTML (tinyhtml5)",
        "style": "the cascade: weasyprint.css.get_all_computed_styles",
        "boxes": "box tree: build_formatting_structure (computed values are lazy, partly here)",
        "layout": "weasyprint.layout.layout_document, every layout the fitting made",
        "draw": "weasyprint.draw.draw_page",
        "write": "the rest of Document.write_pdf: pydyf, font subsetting, PDF/UA tags",
        "other": "the rest: fitting checks, models, Python",
    }
    print(f"Profile of render_kit({model.id}, {kit}, {paper}): {layouts} layout(s), "
          f"{total:.2f} s profiled ({unprofiled:.2f} s without the profiler)\n")
    print("| phase | s | % | what |\n|---|---|---|---|")
    for phase in PHASES:
        print(f"| {phase} | {seconds[phase]:.3f} | {100 * seconds[phase] / total:.0f} | {what[phase]} |")
    if out:
        print(f"\nRaw stats in {out}: python -m pstats {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,50,200", help="comma-separated model counts (default: 10,50,200)")
    parser.add_argument("--floor-size", type=int,
                        help="the size (one of --sizes) where the floor and the one-core kits are measured (default: the smallest)")
    parser.add_argument("--cards-questions", type=int, default=CARDS_QUESTIONS,
                        help=f"questions of the one model whose cards kit's peak memory is measured (default: {CARDS_QUESTIONS}; 0: skip)")
    parser.add_argument("--profile", action="store_true", help="profile one kit of one shipped model instead")
    parser.add_argument("--model", help="with --profile: the shipped model's id (default: the first by id)")
    parser.add_argument("--kit", choices=KITS, default="cards", help="with --profile: the kit (default: cards)")
    parser.add_argument("--paper", choices=PAPERS, default="a4", help="with --profile: the paper (default: a4)")
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile: also save the raw cProfile stats")
    parser.add_argument("--serve-only", action="store_true",
                        help="at the size closest to 50 only: a clean site, no-change rebuilds and `mkdocs serve`'s reload")
    options = parser.parse_args()
    if options.profile:
        profile(options.model, options.kit, options.paper, options.profile_out)
        return
    sizes = sorted({int(size) for size in options.sizes.split(",")})
    floor_n = options.floor_size if options.floor_size is not None else sizes[0]
    if floor_n not in sizes:
        parser.error(f"--floor-size {floor_n} is not one of --sizes {options.sizes}")
    middle_n = min(sizes, key=lambda size: abs(size - MIDDLE_N))
    if options.serve_only:
        with tempfile.TemporaryDirectory(prefix="coachbook-bench-") as workdir:
            print(f"measuring N = {middle_n} (serve only) ...", file=sys.stderr)
            row, _ = measure(middle_n, Path(workdir), floor=False, middle=True, serve_only=True)
        print_serve_table(row)
        return
    rows, layouts = [], {}
    with tempfile.TemporaryDirectory(prefix="coachbook-bench-") as workdir:
        for count in sizes:
            print(f"measuring N = {count} ...", file=sys.stderr)
            row, found = measure(count, Path(workdir), floor=count == floor_n, middle=count == middle_n)
            rows.append(row)
            layouts = found or layouts
        cards = None
        if options.cards_questions:
            print(f"measuring the cards of one {options.cards_questions}-question model ...", file=sys.stderr)
            cards = (options.cards_questions, *cards_peak(options.cards_questions, Path(workdir)))
    print_tables(rows, layouts, floor_n, cards)


if __name__ == "__main__":
    main()
