"""A kit that fails to render changes nothing and is one line per failure, in worker processes as in the command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coachbook.model.loader import load_model
from coachbook.kits.jobs import KitJob, PackJob
from conftest import EXPLODING_MODEL, EXPLOSION, PLAIN_KIT_PAPERS, REPO, TRANSLATIONS, VALID, build_kits, write_exploding_model

TRANSLATED, LANGUAGE = TRANSLATIONS[0]
STEADY = "steady"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def models(tmp_path) -> Path:
    """A model that renders, the model that explodes with its own translation, and a model about to be removed.

    Small models: what is tested is that the failures change nothing, whatever the size of the kits that render."""
    models = tmp_path / "models"
    (models / LANGUAGE).mkdir(parents=True)
    (models / f"{STEADY}.yaml").write_text(VALID.replace("id: sample", f"id: {STEADY}"))
    write_exploding_model(models)
    write_exploding_model(models / LANGUAGE)
    (models / "sample.yaml").write_text(VALID)
    return models


PROGRESS = re.compile(r"coachbook: (rendering \d+|\d+) of \d+ kits?\b")


def _problems(stderr: str) -> list[str]:
    """The lines of a build's log but its progress (`coachbook: 3 of 8 kits rendered`)."""
    return [line for line in stderr.splitlines() if not PROGRESS.match(line)]


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_a_failed_render_leaves_the_kits_as_they_were(tmp_path, models, exploding_render_env, jobs):
    out = tmp_path / "kits"
    first = build_kits("--models", str(models), "--out", str(out), "--quiet", SOURCE_DATE_EPOCH="1700000000")
    assert first.returncode == 0, first.stderr
    before = _files(out)
    # Everything would change: a new date for every kit, and sample's kits would be pruned.
    (models / "sample.yaml").unlink()
    result = build_kits("--models", str(models), "--out", str(out), "--jobs", jobs, SOURCE_DATE_EPOCH="1800000000",
                        **exploding_render_env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert sorted(_problems(result.stderr)) == sorted(
        f"{EXPLODING_MODEL}, {kit}, {paper}{suffix}: {EXPLOSION}"
        for kit, paper in PLAIN_KIT_PAPERS for suffix in ("", f" ({LANGUAGE})"))
    assert _files(out) == before


def test_a_failed_pack_is_one_line_and_writes_nothing(tmp_path, models, exploding_render_env):
    result = build_kits("pack", "--models", str(models), "--model", STEADY, "--model", EXPLODING_MODEL,
                        "--out", str(tmp_path / "packs"), **exploding_render_env)
    assert result.returncode == 1
    assert _problems(result.stderr) == [f"{STEADY}, pack, a4: {EXPLOSION}"]
    assert not (tmp_path / "packs").exists()


def test_a_failure_names_the_kit_and_the_translation():
    """A translation's jobs are named by their section (its folder); the originals' carry none, whatever their language."""
    model = load_model(REPO / "models" / LANGUAGE / f"{TRANSLATED}.yaml")
    assert KitJob(model, "guide", "a4", LANGUAGE, section=LANGUAGE).label == f"{TRANSLATED}, guide, a4 ({LANGUAGE})"
    assert KitJob(model, "guide", "a4", LANGUAGE).label == f"{TRANSLATED}, guide, a4"
    assert KitJob(model, "cards", "letter").label == f"{TRANSLATED}, cards, letter"
    assert PackJob((model,), "letter").label == f"{TRANSLATED}, pack, letter"
    assert PackJob((model,), "letter", language=LANGUAGE, section=LANGUAGE).label == f"{TRANSLATED}, pack, letter ({LANGUAGE})"
