"""A sequence is bounded in total, not only entry by entry: at most 10 years long and 500 conversations."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachbook.model.sequences import MAX_EVENTS, MAX_SPAN_DAYS
from conftest import MODEL_IDS, cli, mkdocs

MODEL = MODEL_IDS[0]  # the one model of the `project` fixture
HEADER = "id: long\ntitle: A long series\nsummary: Too long to follow.\nentries:\n"


def _entry(after_days: int, count: int | None = None, every_days: int | None = None) -> str:
    repeat = f"    repeat:\n      count: {count}\n      every_days: {every_days}\n" if count else ""
    return f"  - model: {MODEL}\n    after_days: {after_days}\n{repeat}"


def _write(project: Path, *entries: str) -> Path:
    folder = project / "sequences"
    folder.mkdir(exist_ok=True)
    path = folder / "long.yaml"
    path.write_text(HEADER + "".join(entries), encoding="utf-8")
    return path


# The file: 80 entries, each within its own bounds, together 8,000 events over 80 centuries.
CENTURIES = [_entry(3650, 100, 365)] * 80
# Line 6 is entry 0's after_days, 7 its repeat (whose value starts on line 8, column 7).
TOO_LONG = "sequences/long.yaml:8:7: entries[0].repeat: the sequence must end at most 3650 days (10 years) after its start"
# 500 conversations in all, the last on day 3650: 99 + 4 x 100 repeats a day apart (the last on day 494), then one.
AT_THE_LIMITS = [_entry(0, 99, 1), *[_entry(0, 100, 1)] * 4, _entry(MAX_SPAN_DAYS - 494)]


def _errors(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if "sequences/long.yaml" in line]


@pytest.mark.parametrize("command", [["check"], ["build", "--out", "kits"]])
def test_a_sequence_of_centuries_fails_with_one_positioned_line(project, command):
    _write(project, *CENTURIES)
    result = cli(*command, cwd=project)
    assert result.returncode == 1, result.stderr
    errors = _errors(result.stderr)
    assert len(errors) == 1 and errors[0].startswith(TOO_LONG), result.stderr
    assert "day 39785" in errors[0]
    assert not (project / "kits").exists()


def test_mkdocs_refuses_a_sequence_of_centuries(project):
    _write(project, *CENTURIES)
    result = mkdocs("build", cwd=project)
    assert result.returncode == 1, result.stderr
    assert [line for line in _errors(result.stderr) if TOO_LONG in line], result.stderr
    assert not (project / "site").exists()


def test_a_wait_past_ten_years_points_at_its_after_days(project):
    _write(project, _entry(0), _entry(MAX_SPAN_DAYS), _entry(1))
    result = cli("check", cwd=project)
    assert result.returncode == 1
    # The third entry's after_days: line 4 + 2 x 2 lines of earlier entries + 2.
    assert _errors(result.stderr) == ["sequences/long.yaml:10:17: entries[2].after_days: the sequence must end at most "
                                      f"{MAX_SPAN_DAYS} days (10 years) after its start: this entry brings it to day 3651"]


def test_one_conversation_too_many_points_at_its_count(project):
    _write(project, *[_entry(0, 100, 1)] * 5, _entry(0, 2, 1))
    result = cli("check", cwd=project)
    assert result.returncode == 1
    [error] = _errors(result.stderr)
    assert error.startswith("sequences/long.yaml:33:14: entries[5].repeat.count: a sequence holds at most "
                            f"{MAX_EVENTS} conversations, each repeat counted: this entry brings it to 502"), error


def test_a_sequence_at_the_limits_passes(project):
    _write(project, *AT_THE_LIMITS)
    result = cli("check", cwd=project)
    assert result.returncode == 0, result.stderr
    from coachbook.model.loader import locate_sequences

    [sequence], errors = locate_sequences(project / "sequences", {MODEL})
    days = [day for _, entry_days in sequence.schedule() for day in entry_days]
    assert errors == [] and len(days) == MAX_EVENTS and days[-1] == MAX_SPAN_DAYS
