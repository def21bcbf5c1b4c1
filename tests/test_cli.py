"""The `coachbook` command and `build_kits.py`: subsets, exit codes, one-line errors, options anywhere."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
from pathlib import Path

import pypdf
import pytest

from coachbook import __version__
from coachbook.kits.output import MANIFEST, build_kits as build
from coachbook.kits.catalog import kit_filename, model_kit_papers
from coachbook.model.loader import load_model
from conftest import MODEL_FILES, MODEL_IDS, REPO, TRANSLATION_FILES, TRANSLATIONS, VALID, build_kits, cli, run, write_model

TRANSLATED, LANGUAGE = TRANSLATIONS[0]  # a shipped model with a translation


def test_build_writes_only_the_requested_subset(tmp_path):
    model_id = MODEL_IDS[0]
    result = build_kits("build", "--model", model_id, "--kit", "guide", "--paper", "letter", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")] == [
        f"{model_id}/{model_id}-guide-letter.pdf"]
    assert "Built 1 kits for 1 models" in result.stderr


def test_build_kit_deck_writes_the_deck_of_no_paper_in_the_configured_size(tmp_path):
    """`--kit deck` gives `<id>-deck.pdf`, its page the card of `deck_size` plus its bleed."""
    (tmp_path / "mkdocs.yml").write_text("site_name: Decks\nplugins:\n  - coachbook:\n      deck_size: tarot\n")
    model_id = MODEL_IDS[0]
    result = build_kits("build", "--model", model_id, "--kit", "deck", "--models", str(REPO / "models"),
                        "--config", str(tmp_path / "mkdocs.yml"), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0, result.stderr
    [deck] = (tmp_path / "out").rglob("*.pdf")
    assert deck.relative_to(tmp_path / "out").as_posix() == f"{model_id}/{model_id}-deck.pdf"
    page = pypdf.PdfReader(deck).pages[0]
    assert [round(float(side) / 72 * 25.4, 1) for side in (page.trimbox.width, page.trimbox.height)] == [70.0, 120.0]
    assert [round(float(side) / 72 * 25.4, 1) for side in (page.mediabox.width, page.mediabox.height)] == [76.0, 126.0]


def test_quiet_prints_nothing(tmp_path):
    result = build_kits("--model", MODEL_IDS[0], "--kit", "guide", "--paper", "a4", "--out", str(tmp_path), "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def _project(tmp_path, *, sample: bool = True, translation: bool = True) -> Path:
    """A models folder with one shipped model, its German translation and the small `sample` model.

    The shipped files keep their modification time, which dates their kits, and `sample` has write_model's: their kits
    come from the run's kit cache (rendered once a run, if the README's build has not), as these tests are about the
    files written, not the rendering."""
    models = tmp_path / "models"
    (models / LANGUAGE).mkdir(parents=True)
    shutil.copy2(REPO / "models" / f"{TRANSLATED}.yaml", models)
    if translation:
        shutil.copy2(REPO / "models" / LANGUAGE / f"{TRANSLATED}.yaml", models / LANGUAGE)
    if sample:
        write_model(models / "sample.yaml", VALID)
    return models


def _kit_papers(models: Path, model_id: str) -> tuple[tuple[str, str], ...]:
    """The kit files of a model of the project (the practice kit only if it has scenarios)."""
    return model_kit_papers(load_model(models / f"{model_id}.yaml"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_build_removes_only_kits_it_wrote_that_are_gone(tmp_path):
    models, out = _project(tmp_path), tmp_path / "kits"
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    # Every kit file (each paper kit on both papers, the deck) of the model, its translation and sample.
    assert len(json.loads((out / MANIFEST).read_text())["kits"]) == (2 * len(_kit_papers(models, TRANSLATED))
                                                                   + len(_kit_papers(models, "sample")))
    (out / "holiday").mkdir()
    (out / "holiday" / "beach.pdf").write_bytes(b"%PDF-mine")
    (out / "empty").mkdir()
    (out / TRANSLATED / "notes.pdf").write_bytes(b"%PDF-my notes")
    (out / "packs").mkdir()
    (out / "packs" / f"{TRANSLATED}-pack-a4.pdf").write_bytes(b"%PDF-a pack")
    (models / "sample.yaml").unlink()
    (models / LANGUAGE / f"{TRANSLATED}.yaml").unlink()
    result = build_kits("--models", str(models), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    kits = [f"{TRANSLATED}/{kit_filename(TRANSLATED, kit, paper)}" for kit, paper in _kit_papers(models, TRANSLATED)]
    assert sorted(_files(out)) == sorted([
        MANIFEST, *kits, f"{TRANSLATED}/notes.pdf", "holiday/beach.pdf", f"packs/{TRANSLATED}-pack-a4.pdf"])
    assert (out / "empty").is_dir() and not (out / "sample").exists()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest == {"format": 2, "kits": {kit: hashlib.sha256((out / kit).read_bytes()).hexdigest() for kit in sorted(kits)}}


def test_a_subset_build_prunes_nothing_and_keeps_the_manifest(tmp_path):
    models, out = _project(tmp_path, translation=False), tmp_path / "kits"
    sample_kits = len(_kit_papers(models, "sample"))
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    listed = json.loads((out / MANIFEST).read_text())
    (models / "sample.yaml").unlink()
    for subset in (["--kit", "guide"], ["--paper", "a4"], ["--model", TRANSLATED], ["--lang", "en"]):
        result = build_kits("--models", str(models), "--out", str(out), "--quiet", *subset)
        assert result.returncode == 0, result.stderr
        assert json.loads((out / MANIFEST).read_text()) == listed
        assert len(list((out / "sample").iterdir())) == sample_kits
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    assert not (out / "sample").exists()  # the subset builds kept sample's kits listed


def test_with_no_manifest_a_full_build_prunes_nothing(tmp_path):
    models, out = _project(tmp_path, sample=False, translation=False), tmp_path / "kits"
    stale = out / "removed-model" / "removed-model-guide-a4.pdf"  # a kits folder from before the manifest
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"%PDF-old")
    assert build_kits("--models", str(models), "--out", str(out), "--quiet").returncode == 0
    assert stale.read_bytes() == b"%PDF-old"
    assert len(json.loads((out / MANIFEST).read_text())["kits"]) == len(_kit_papers(models, TRANSLATED))


def test_a_manifest_never_reaches_outside_the_folder_or_into_the_packs(tmp_path):
    out = tmp_path / "kits"
    victims = [tmp_path / "outside.pdf", out / "packs" / "mine-pack-a4.pdf", out / "own" / "own.txt", out / "top.pdf"]
    for victim in victims:
        victim.parent.mkdir(parents=True, exist_ok=True)
        victim.write_bytes(b"keep")
    keep = hashlib.sha256(b"keep").hexdigest()
    listed = {"../outside.pdf": keep, str(tmp_path / "outside.pdf"): keep, "packs/mine-pack-a4.pdf": keep,
              "own/own.txt": keep, "top.pdf": keep, "gone/gone-guide-a4.pdf": hashlib.sha256(b"%PDF-").hexdigest()}
    (out / "gone").mkdir()
    (out / "gone" / "gone-guide-a4.pdf").write_bytes(b"%PDF-")
    (out / MANIFEST).write_text(json.dumps({"format": 2, "kits": listed}))
    assert build([], out, full=True) == []
    assert all(victim.read_bytes() == b"keep" for victim in victims)
    assert not (out / "gone").exists()
    assert json.loads((out / MANIFEST).read_text()) == {"format": 2, "kits": {}}


def test_a_model_or_language_given_twice_is_built_once(tmp_path):
    result = build_kits("--model", TRANSLATED, "--model", TRANSLATED, "--lang", LANGUAGE, "--lang", LANGUAGE, "--kit", "guide",
                        "--paper", "a4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("Built 1 kits for 1 models")  # after the progress, if any rendered
    assert sorted(_files(tmp_path)) == [MANIFEST, f"{TRANSLATED}/{TRANSLATED}-guide-a4.{LANGUAGE}.pdf"]


def test_unknown_model_kit_or_paper_is_one_line_and_exit_2(tmp_path):
    for args, words in (
        (["--model", "no-such-model"], "unknown model 'no-such-model'"),
        (["--kit", "poster"], "unknown kit 'poster' (choose from: worksheet, cards, checklist, guide, practice, deck)"),
        (["--paper", "a3"], "unknown paper 'a3' (choose from: a4, letter)"),
        (["--kit", "deck", "--paper", "a4"], "--paper does not apply to the deck: its page is the card and its bleed"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ):
        result = build_kits(*args, "--out", str(tmp_path))
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and words in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_misspelled_model_gets_the_id_it_was_meant_to_be(tmp_path):
    meant = MODEL_IDS[0]
    typo = meant[:-2] + meant[-1]  # a letter left out
    result = cli("build", "--model", typo, "--model", "zzz", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"coachbook: error: unknown model '{typo}' (did you mean '{meant}'?), "
        f"'zzz' (known: {', '.join(sorted(MODEL_IDS))})"]
    assert not list(tmp_path.iterdir())


def test_check_reports_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nsummary: x\nsource: {title: t}\nled_by: coach\nuse_when: []\nstages: []\n")
    result = build_kits("check", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:5:9: led_by: must be one of manager, employee, shared (got 'coach')",
        f"{bad}:6:11: use_when: must have at least one item",
        f"{bad}:7:9: stages: must have at least one item",
    ]


def test_check_passes_on_the_shipped_models_and_sequences():
    result = build_kits("check")
    assert result.returncode == 0, result.stderr
    sequences = len(list((REPO / "sequences").glob("*.yaml")))
    assert f"{len(MODEL_FILES) + len(TRANSLATION_FILES)} model files and {sequences} sequence files OK" in result.stderr


def test_an_invalid_model_leaves_existing_kits_untouched(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy2(MODEL_FILES[0], models)  # with its time, which dates its kits: they come from the run's kit cache
    out = tmp_path / "kits"
    assert build_kits("--models", str(models), "--kit", "guide", "--out", str(out), "--quiet").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (models / "broken.yaml").write_text("id: broken\n")
    result = build_kits("--models", str(models), "--kit", "guide", "--out", str(out))
    assert result.returncode == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path):
    assert build_kits("new", "team-talk", "--models", str(tmp_path)).returncode == 0
    again = build_kits("new", "team-talk", "--models", str(tmp_path))
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = build_kits("new", "Team Talk", "--models", str(tmp_path))
    assert bad.returncode == 2 and "lowercase letters" in bad.stderr
    assert build_kits("check", str(tmp_path)).returncode == 0


def test_check_reports_problems_of_every_file_given(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.yaml").write_text(f"id: {name}\n")
    result = build_kits("check", str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml"))
    assert result.returncode == 1
    assert "one.yaml:1:1" in result.stderr and "two.yaml:1:1" in result.stderr


# --------------------------------------------------------------------------- the command line itself

ORGANIZATION = "Acme Placement Test"


def test_options_before_the_command_mean_what_they_mean_after_it(tmp_path):
    """The issue's case: `--out X --model Y --config branded.yml build` once rendered every kit, unbranded, into kits/."""
    config = tmp_path / "branded.yml"
    config.write_text(f"site_name: Branded\nplugins:\n  - coachbook:\n      organization: {ORGANIZATION}\n")
    model_id = MODEL_IDS[0]
    outputs = {}
    for order, arguments in (
            ("before", ["--out", str(tmp_path / "before"), "--model", model_id, "--config", str(config), "build"]),
            ("after", ["build", "--out", str(tmp_path / "after"), "--model", model_id, "--config", str(config)])):
        result = build_kits(*arguments, "--kit", "guide", "--paper", "a4", "--quiet")
        assert (result.returncode, result.stderr) == (0, ""), order
        outputs[order] = _files(tmp_path / order)
    kit = f"{model_id}/{model_id}-guide-a4.pdf"
    assert sorted(outputs["before"]) == [MANIFEST, kit]
    assert outputs["before"] == outputs["after"]
    text = pypdf.PdfReader(io.BytesIO(outputs["before"][kit])).pages[0].extract_text()
    assert ORGANIZATION in text  # the config's branding was applied


def test_a_repeatable_option_adds_up_across_the_command(tmp_path):
    first, second = MODEL_IDS[:2]
    result = build_kits("--model", first, "build", "--model", second, "--kit", "guide", "--paper", "a4",
                        "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(_files(tmp_path)) == [MANIFEST, f"{first}/{first}-guide-a4.pdf", f"{second}/{second}-guide-a4.pdf"]


@pytest.mark.parametrize("arguments, option, command", [
    (["--out", "somewhere", "check"], "--out", "check"),
    (["--lint", "build"], "--lint", "build"),
    (["--lint"], "--lint", "build"),
    (["--copies", "2", "--model", "x"], "--copies", "build"),
    (["--kit", "guide", "new", "team-talk"], "--kit", "new"),
    (["new", "team-talk", "--kit", "guide"], "--kit guide", "new"),
    (["--config=mkdocs.yml", "schema"], "--config", "schema"),
    (["--version", "check"], "--version", "check"),
])
def test_an_option_the_command_does_not_take_is_one_usage_line(tmp_path, arguments, option, command):
    result = build_kits(*arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"build_kits.py: error: unrecognized arguments: {option} "
                             f"(see: python build_kits.py {command} --help)\n")
    assert list(tmp_path.iterdir()) == []


CONFIG_SYNTAX_MISTAKES = {
    "a tab": ("site_name: X\ntheme:\n  name: material\n\tlanguage: de\n",
              "4:1: YAML syntax: a tab cannot indent YAML; use spaces"),
    "a key indented under a value": ("site_name: X\ntheme:\n  name: material\n    language: de\n",
                                     "4:13: YAML syntax: this line is indented more than `name:` on line 3, which has "
                                     "a value already: line it up with that key, or remove the value to nest keys "
                                     "under it"),
    "a key lined up with none": ("site_name: X\ntheme:\n  name: material\n language: de\n",
                                 "4:2: YAML syntax: this line is indented by 1 space, which lines up with no key above "
                                 "it: line it up with `name:` on line 3 (2 spaces) or `theme:` on line 2 (0 spaces)"),
}


@pytest.mark.parametrize("mistake", CONFIG_SYNTAX_MISTAKES)
@pytest.mark.parametrize("arguments", [["check"], ["build"], ["new", "team-talk"], ["pack", "--model", "x"]])
def test_a_yaml_mistake_in_mkdocs_yml_is_one_plain_line_for_every_command(tmp_path, mistake, arguments):
    text, message = CONFIG_SYNTAX_MISTAKES[mistake]
    (tmp_path / "models").mkdir()
    (tmp_path / "mkdocs.yml").write_text(text)
    result = cli(*arguments, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"mkdocs.yml:{message}\n")
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["mkdocs.yml", "models"]


def test_a_yaml_mistake_in_an_inherited_config_points_into_that_file(tmp_path):
    text, message = CONFIG_SYNTAX_MISTAKES["a tab"]
    (tmp_path / "base.yml").write_text(text)
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\n")
    result = cli("check", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"base.yml:{message}\n")


def test_an_option_value_that_reads_like_a_command_stays_a_value():
    result = build_kits("--model", "check", "build")
    assert result.returncode == 2
    assert result.stderr.startswith("build_kits.py: error: unknown model 'check'")


def test_a_mistyped_command_is_named():
    result = build_kits("--model", MODEL_IDS[0], "biuld")
    assert (result.returncode, result.stderr) == (
        2, "build_kits.py: error: unknown command 'biuld' (choose from: build, pack, check, new, schema, cache, zensical)\n")


def test_help_without_a_command_lists_the_commands():
    result = build_kits("--quiet", "--help")
    assert result.returncode == 0
    assert "{build,pack,check,new,schema,cache,zensical}" in result.stdout and "before and after the command" in " ".join(result.stdout.split())


COACHBOOK_SCRIPT = "import sys; from coachbook.cli.main import main; sys.exit(main())"  # what pip's `coachbook` wrapper runs


def test_the_coachbook_command_is_the_same_command():
    assert '[project.scripts]\ncoachbook = "coachbook.cli.main:main"\n' in (REPO / "pyproject.toml").read_text()
    for command in ([sys.executable, "-c", COACHBOOK_SCRIPT], [sys.executable, "-m", "coachbook"]):
        assert run([*command, "--version"], REPO, PYTHONPATH=str(REPO)).stdout == f"coachbook {__version__}\n"
        result = run([*command, "--out", "x", "check"], REPO, PYTHONPATH=str(REPO))
        assert (result.returncode, result.stderr) == (
            2, "coachbook: error: unrecognized arguments: --out (see: coachbook check --help)\n")
    # A command that does its work, once: both forms have shown they run the same main with their arguments.
    result = run([sys.executable, "-m", "coachbook", "check", "--lint"], REPO, PYTHONPATH=str(REPO))
    assert result.returncode == 0 and result.stderr.startswith("0 warnings"), result.stderr
    version = build_kits("--version")
    assert (version.returncode, version.stdout) == (0, f"build_kits.py {__version__}\n")


def test_check_compares_a_translation_named_on_its_own_with_its_original(tmp_path):
    models = _project(tmp_path, sample=False)
    translation = models / LANGUAGE / f"{TRANSLATED}.yaml"
    result = build_kits("check", str(translation))
    assert (result.returncode, result.stderr) == (0, "1 model files OK\n")
    result = build_kits("check", "--lint", str(translation), str(models))  # named twice: read once
    assert result.returncode == 0 and result.stderr.endswith("(2 valid model files checked)\n"), result.stderr
    lines = translation.read_text(encoding="utf-8").splitlines()
    when = next(number for number, line in enumerate(lines) if line.strip().startswith("when:"))
    lines[when] = lines[when].split("when:")[0] + "when: after" if "after" not in lines[when] else lines[when].replace("after", "before")
    translation.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = build_kits("check", str(translation))
    assert result.returncode == 1
    assert [line.split(": ", 1)[0] for line in result.stderr.splitlines()] == [f"{translation}:{when + 1}:{lines[when].index('when:') + 7}"]
    assert f"as in {models / f'{TRANSLATED}.yaml'}" in result.stderr
