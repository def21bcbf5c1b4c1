"""Progress on long renders: plain lines with counts and the time left off a terminal, none when quiet."""

from __future__ import annotations

import io
import re
import threading

import pytest

from coachbook.progress import ESTIMATE_AFTER, LINE_INTERVAL, BarProgress, LineProgress, duration, progress_for
from conftest import VALID, cli, copy_site_project, mkdocs

STATUS = re.compile(r"coachbook: (\d+) of (\d+) kits rendered(, about .+ left)?")


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _reporter(**options) -> tuple[LineProgress, list[str], FakeClock]:
    lines, clock = [], FakeClock()
    return LineProgress(lines.append, clock=clock, heartbeat=False, **options), lines, clock


def test_a_line_when_rendering_starts_at_least_every_interval_and_at_the_end():
    progress, lines, clock = _reporter()
    progress.start(96, cached=60)
    assert lines == ["coachbook: rendering 36 of 96 kits (60 from the cache)"]
    clock.now = 4.0
    progress.advance()
    progress.tick()
    assert len(lines) == 1, "a line only when the last one is 10 s old"
    clock.now = LINE_INTERVAL
    progress.tick()  # no kit finished meanwhile: the heartbeat's line
    assert lines[1:] == ["coachbook: 61 of 96 kits rendered"], "no estimate from a single kit"
    clock.now = 12.0
    for _ in range(ESTIMATE_AFTER):
        progress.advance()
    assert len(lines) == 2
    clock.now = 20.0
    progress.advance()
    # 5 kits rendered in 20 s, 31 left: 124 s, said to the nearest 10 s.
    assert lines[2:] == ["coachbook: 65 of 96 kits rendered, about 2 min left"]
    clock.now = 29.9
    progress.tick()
    assert len(lines) == 3
    clock.now = 30.0
    progress.tick()
    # 5 kits in 30 s, 31 left: 186 s.
    assert lines[3] == "coachbook: 65 of 96 kits rendered, about 3 min 10 s left", "the estimate follows the rate"
    clock.now = 95.0
    for _ in range(31):
        progress.advance()
    progress.finish()
    assert lines[4:] == ["coachbook: 66 of 96 kits rendered, about 8 min left",  # 6 kits in 95 s, 30 left: 475 s
                         "coachbook: 96 of 96 kits rendered in 1 min 35 s (60 from the cache)"]


def test_nothing_is_said_when_every_kit_comes_from_the_cache():
    progress, lines, _ = _reporter()
    progress.start(12, cached=12)
    progress.finish()
    assert lines == []


def test_each_kit_gets_a_line_naming_it_when_asked():
    progress, lines, clock = _reporter(each_kit=True)
    progress.start(4)
    for second, name in enumerate(["a/a-guide-a4.pdf", "a/a-guide-letter.pdf", "b/b-guide-a4.pdf"], start=1):
        clock.now = second
        progress.advance(name)
    progress.finish()
    assert lines == ["coachbook: rendering 4 of 4 kits",
                     "coachbook: 1 of 4 kits rendered (a/a-guide-a4.pdf)",
                     "coachbook: 2 of 4 kits rendered (a/a-guide-letter.pdf)",
                     "coachbook: 3 of 4 kits rendered, about 5 s left (b/b-guide-a4.pdf)",
                     "coachbook: 3 of 4 kits rendered in 3 s"]


def test_the_final_line_counts_the_failed_kits_apart():
    progress, lines, clock = _reporter()
    progress.start(3, cached=1)
    progress.advance("a/a-guide-a4.pdf")
    progress.advance("a/a-pack-a4.pdf", failed=True)
    clock.now = 61
    progress.finish()
    assert lines[-1] == "coachbook: 2 of 3 kits rendered in 1 min 1 s (1 from the cache), 1 failed"


def test_the_heartbeat_writes_a_line_while_no_kit_finishes():
    said = threading.Event()
    lines = []

    def say(line: str) -> None:
        lines.append(line)
        if len(lines) > 1:
            said.set()

    progress = LineProgress(say, interval=0.01)  # the real clock and thread, a short interval
    progress.start(3)
    try:
        assert said.wait(timeout=60), lines
    finally:
        progress.finish()
    assert lines[1] == "coachbook: 0 of 3 kits rendered"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_bar_counts_from_the_cached_kits_and_estimates_after_a_few():
    terminal, said, clock = Terminal(), [], FakeClock()
    assert isinstance(progress_for(said.append, terminal, quiet=False), BarProgress)
    progress = BarProgress(terminal, clock=clock, heartbeat=False)
    progress.start(8, cached=4)
    clock.now = 2.0
    progress.advance()
    progress.advance()
    progress.tick()
    clock.now = 3.0
    progress.advance()
    progress.tick()
    progress.finish()
    screens = [screen.rstrip() for screen in terminal.getvalue().split("\r") if screen.strip()]
    assert screens[0].startswith("coachbook: 4/8 kits |"), screens
    assert [screen.split("| ")[-1] for screen in screens if screen.startswith("coachbook: 6/8")] == ["00:00"], screens
    # 3 kits rendered in 3 s, 1 left: 1 s, said as 5 s.
    estimates = [screen.split(", ", 1)[-1] for screen in screens[:-1] if screen.startswith("coachbook: 7/8")]
    assert estimates == ["about 5 s left"]
    assert screens[-1].startswith("coachbook: 7/8 kits |") and screens[-1].endswith("4 from the cache")
    assert said == [], "no plain lines besides the bar"


def test_quiet_reports_nothing_even_on_a_terminal():
    terminal, said = Terminal(), []
    progress = progress_for(said.append, terminal, quiet=True)
    progress.start(2)
    progress.advance()
    progress.advance()
    progress.finish()
    assert (terminal.getvalue(), said) == ("", [])


@pytest.mark.parametrize("seconds, words", [(0.4, "0 s"), (42, "42 s"), (60, "1 min"), (130, "2 min 10 s"),
                                            (3600, "1 h"), (3900, "1 h 5 min")])
def test_durations_read_as_words(seconds, words):
    assert duration(seconds) == words


def _models(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "sample.yaml").write_text(VALID)
    return models


def _progress_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("coachbook: ")]


BUILD = ("build", "--kit", "guide", "--no-cache", "--jobs", "1")


def test_a_build_off_a_terminal_logs_the_counts_and_the_final_total(tmp_path):
    models = _models(tmp_path)
    result = cli(*BUILD, "--models", models, "--out", tmp_path / "kits", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _progress_lines(result.stderr)
    assert lines[0] == "coachbook: rendering 2 of 2 kits"
    assert all(STATUS.fullmatch(line) for line in lines[1:-1]), lines
    assert re.fullmatch(r"coachbook: 2 of 2 kits rendered in \d+ s", lines[-1]), lines
    assert result.stderr.splitlines()[-1].startswith("Built 2 kits for 1 models")


def test_progress_names_each_kit(tmp_path):
    models = _models(tmp_path)
    result = cli(*BUILD, "--progress", "--models", models, "--out", tmp_path / "kits", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    named = sorted(line.rsplit(" (", 1)[1] for line in _progress_lines(result.stderr)[1:-1])
    assert named == ["sample/sample-guide-a4.pdf)", "sample/sample-guide-letter.pdf)"]


@pytest.mark.parametrize("command", [BUILD, ("pack", "--model", "sample", "--no-cache")])
def test_quiet_silences_the_progress(tmp_path, command):
    models = _models(tmp_path)
    result = cli(*command, "--quiet", "--models", models, "--out", tmp_path / "out", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_pack_logs_its_progress(tmp_path):
    models = _models(tmp_path)
    result = cli("pack", "--model", "sample", "--no-cache", "--models", models, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = _progress_lines(result.stderr)
    assert lines[0] == "coachbook: rendering 1 of 1 kit" and lines[-1].startswith("coachbook: 1 of 1 kit rendered in ")


@pytest.mark.parametrize("quiet", [False, True], ids=["logged", "quiet"])
def test_mkdocs_build_logs_the_progress_unless_quiet(tmp_path, quiet):
    project = copy_site_project(tmp_path)
    for model in (project / "models").iterdir():
        model.unlink()
    (project / "models" / "sample.yaml").write_text(VALID)
    config = project / "mkdocs.yml"
    # Uncached: the kits render, so there is progress to report.
    options = "      models_dir: [models]\n"
    config.write_text(config.read_text().replace(options, options + "      cache: false\n"))
    result = mkdocs("build", *["-q"] * quiet, cwd=project)
    assert result.returncode == 0, result.stderr
    lines = [line.split("-  ", 1)[1] for line in result.stderr.splitlines() if "-  coachbook: " in line]
    if quiet:
        assert "kits" not in result.stderr, result.stderr  # neither through the log nor past it
        return
    total = int(re.fullmatch(r"coachbook: rendering (\d+) of \1 kits", lines[0])[1])
    assert all(STATUS.fullmatch(line) for line in lines[1:-2]), lines
    assert re.fullmatch(rf"coachbook: {total} of {total} kits rendered in \d+ s", lines[-2]), lines
    assert lines[-1].startswith(f"coachbook: {total} kits and packs ({total} rendered")
