"""The project model: mkdocs.yml's `coachbook` options validated once, the same one line and exit 2 from every front end,
and the project's resolution (folders, languages, branding, the kit cache, the jobs the plan makes).

`python tests/test_project.py` refreshes the README's option table after a change to coachbook/project.py.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

# Run as a script: this checkout's coachbook and the tests' conftest, not an installed copy.
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from coachbook.cli.main import main  # noqa: E402
from coachbook.errors import ConfigError, UsageError  # noqa: E402
from coachbook.kits.catalog import KITS, PAPERS, PRACTICE  # noqa: E402
from coachbook.model.loader import load_library  # noqa: E402
from coachbook.project import CoachbookOptions, Project, load_project, option_descriptions, option_reference  # noqa: E402
from coachbook.site.plan import SitePlan  # noqa: E402
from conftest import PLAIN_KIT_PAPERS, REPO, VALID, mkdocs  # noqa: E402

README = REPO / "README.md"
OPTIONS_START = "<!-- options: generated from coachbook/project.py by `python tests/test_project.py` -->\n"
OPTIONS_END = "<!-- /options -->"
BAD_LINE = "coachbook.kits: must be true or false (got 'no')"
QUOTED_NO = '"no"'

PARENT = """\
site_name: Tiny
docs_dir: docs
theme:
  name: material
  language: en
plugins:
  - coachbook:
      models_dir: models
{options}"""

CHILD = """\
INHERIT: config/base.yml
site_name: Tiny playbook
{plugins}"""


def tiny_project(folder: Path, *, parent_options: str = "", child_plugins: str = "", translation: bool = False) -> Path:
    """A project of one model, its config in a parent (config/base.yml, read through INHERIT) and mkdocs.yml."""
    (folder / "models").mkdir(parents=True, exist_ok=True)
    (folder / "models" / "sample.yaml").write_text(VALID, encoding="utf-8")
    if translation:
        (folder / "models" / "de").mkdir()
        (folder / "models" / "de" / "sample.yaml").write_text(VALID, encoding="utf-8")
    (folder / "docs").mkdir(exist_ok=True)
    (folder / "docs" / "index.md").write_text("# Tiny\n")
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "base.yml").write_text(PARENT.format(options=parent_options))  # docs_dir: from mkdocs.yml
    (folder / "mkdocs.yml").write_text(CHILD.format(plugins=child_plugins))
    return folder


def _place(path: Path, text: str) -> str:
    """`LINE:COL` of the first occurrence of `text` in the file."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return f"{number}:{line.index(text) + 1}"
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture(params=["parent", "itself"])
def bad_kits(request, tmp_path) -> tuple[Path, str]:
    """A project whose `kits: "no"` is written in the parent config or in mkdocs.yml itself, and its expected line."""
    if request.param == "parent":
        folder = tiny_project(tmp_path, parent_options='      kits: "no"\n')
        config = folder / "config" / "base.yml"
    else:
        folder = tiny_project(tmp_path, child_plugins='plugins:\n  - coachbook:\n      models_dir: models\n'
                                                      '      kits: "no"\n')
        config = folder / "mkdocs.yml"
    return folder, f"{config.relative_to(folder)}:{_place(config, QUOTED_NO)}: {BAD_LINE}"


# --- one line and exit 2 from every front end --------------------------------------------------------


def test_mkdocs_build_gives_the_line_and_exit_2(bad_kits):
    folder, expected = bad_kits
    result = mkdocs("build", cwd=folder)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    # MkDocs prefixes its log lines with their level; the line itself is the one every front end prints.
    assert [line for line in result.stderr.splitlines() if "coachbook" in line or "Abort" in line] == [
        f"ERROR   -  {expected}"]
    assert not (folder / "site").exists()


@pytest.mark.parametrize("command", [["build", "--kit", "guide", "--paper", "a4"], ["check"], ["zensical"],
                                     ["pack", "--model", "sample"], ["new", "weekly-talk"], ["check", "models"]])
def test_the_command_gives_the_line_and_exit_2(bad_kits, command, capsys, monkeypatch):
    folder, expected = bad_kits
    monkeypatch.chdir(folder)
    assert main(command) == 2
    assert capsys.readouterr().err.splitlines() == [expected]
    assert sorted(path.name for path in folder.iterdir()) == ["config", "docs", "mkdocs.yml", "models"]


def test_a_bad_deck_size_is_the_same_line_and_exit_2_from_every_front_end(tmp_path, capsys, monkeypatch):
    """mkdocs build, build_kits.py (its `build`, the deck included) and `coachbook zensical` read deck_size alike."""
    folder = tiny_project(tmp_path, parent_options="      deck_size: jumbo\n")
    config = folder / "config" / "base.yml"
    expected = (f"{config.relative_to(folder)}:{_place(config, 'jumbo')}: coachbook.deck_size: must be poker, bridge or "
                "tarot (got 'jumbo')")
    result = mkdocs("build", cwd=folder)
    assert result.returncode == 2 and f"ERROR   -  {expected}" in result.stderr.splitlines(), result.stderr
    monkeypatch.chdir(folder)
    for command in (["build", "--kit", "deck"], ["zensical"]):
        assert main(command) == 2
        assert capsys.readouterr().err.splitlines() == [expected]
    assert sorted(path.name for path in folder.iterdir()) == ["config", "docs", "mkdocs.yml", "models"]


def test_folders_given_on_the_command_line_win_over_the_config(tmp_path, capsys, monkeypatch):
    tiny_project(tmp_path)
    (tmp_path / "config" / "base.yml").write_text((tmp_path / "config" / "base.yml").read_text()
                                                  .replace("models_dir: models", "models_dir: [nowhere]"))
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert capsys.readouterr().err == "config/base.yml:8:19: coachbook.models_dir: no such folder: nowhere\n"
    assert main(["check", "models"]) == 0
    assert main(["build", "--models", "models", "--kit", "guide", "--paper", "a4", "--quiet", "--out", "out"]) == 0
    assert capsys.readouterr().err == "1 model files OK\n"
    assert [path.name for path in (tmp_path / "out").rglob("*.pdf")] == ["sample-guide-a4.pdf"]


def test_an_unknown_option_is_one_line_with_the_name_it_is_close_to(tmp_path, capsys, monkeypatch):
    tiny_project(tmp_path, parent_options="      kitz: false\n      colour: blue\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "config/base.yml:9:13: coachbook.kitz: unknown option (did you mean kits?)",
        "config/base.yml:10:15: coachbook.colour: unknown option (the options are "
        + ", ".join(CoachbookOptions.model_fields) + ")"]


def test_mkdocs_accepts_a_single_folder_and_says_nothing_of_the_options(tmp_path):
    tiny_project(tmp_path, parent_options="      kits: false\n      jobs: 1\n      cache_size_mb: 0\n")
    result = mkdocs("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "models" / "sample" / "index.html").is_file()
    assert "coachbook" not in result.stderr.replace("coachbook: ", "")  # no warning about our own options
    assert "Unrecognised" not in result.stderr


# --- resolution ---------------------------------------------------------------------------------


@pytest.mark.parametrize("written, option, message", [
    ("models_dir: []", "models_dir", "must be a folder or a list of folders (got [])"),
    ("models_dir: [models, nowhere]", "models_dir", "no such folder: nowhere"),
    ("sequences_dir: 3", "sequences_dir", "must be a folder (got 3)"),
    ("languages: it", "languages", "must be a list of language tags such as [it, pt-br] (got 'it')"),
    ("languages: [Italiano!]", "languages", "must be a list of language tags such as [it, pt-br] (got ['Italiano!'])"),
    ("packs: 1", "packs", "must be true or false (got 1)"),
    ("jobs: 0", "jobs", "must be a number of worker processes, 1 or more (got 0)"),
    ("jobs: two", "jobs", "must be a number of worker processes, 1 or more (got 'two')"),
    ("cache: yes please", "cache", "must be true or false (got 'yes please')"),
    ("cache_dir: ''", "cache_dir", "must be a folder (got '')"),
    ("cache_size_mb: -1", "cache_size_mb", "must be a number of megabytes, 0 or more (got -1)"),
    ("cache_size_mb: true", "cache_size_mb", "must be a number of megabytes, 0 or more (got True)"),
    ("primary_color: blue", "primary_color", "must be a hex colour such as #1a5fb4 (got 'blue')"),
    ("deck_size: jumbo", "deck_size", "must be poker, bridge or tarot (got 'jumbo')"),
    ("deck_size: [poker]", "deck_size", "must be poker, bridge or tarot (got ['poker'])"),
    ("app: maybe", "app", "must be true or false (got 'maybe')"),
])
def test_a_bad_option_is_one_line_at_its_place(tmp_path, written, option, message):
    tiny_project(tmp_path, parent_options=f"      {written}\n")
    base = tmp_path / "config" / "base.yml"
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path / "mkdocs.yml").model_folders()
    line = _place(base, written).split(":")[0]
    column = 7 + len(option) + 2  # the value's, after `      option: `
    assert raised.value.lines == [f"{base}:{line}:{column}: coachbook.{option}: {message}"]


def test_every_bad_option_is_reported_at_once(tmp_path):
    tiny_project(tmp_path, parent_options="      kits: maybe\n      footer: 7\n      jobs: -2\n")
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path / "mkdocs.yml")
    assert [re.sub(r"^.*?: coachbook\.", "", line) for line in raised.value.lines] == [
        "kits: must be true or false (got 'maybe')",
        "jobs: must be a number of worker processes, 1 or more (got -2)",
        "footer: must be text (got 7)"]


def test_the_project_resolves_folders_languages_branding_and_the_cache(tmp_path, monkeypatch):
    tiny_project(tmp_path, parent_options="      languages: [IT, it, pt-BR]\n      sequences_dir: talks\n"
                                          "      cache_dir: ../kit-cache\n      cache_size_mb: 5\n      jobs: 3\n"
                                          "      organization: '  Acme   Corp '\n      packs: false\n",
                 child_plugins="theme:\n  name: material\n  language: DE\nsite_url: https://example.org/book/\n")
    project = load_project(tmp_path / "mkdocs.yml")
    assert project.model_folders() == [tmp_path / "models"]  # a single folder, as a string
    assert project.sequences_folder == tmp_path / "talks"
    assert project.languages == ("it", "pt-br") and project.language == "de"
    assert project.branding.organization == "Acme Corp" and project.branding.logo is None
    assert project.site_url == "https://example.org/book/"
    assert (project.options.jobs, project.options.kits, project.options.packs) == (3, True, False)
    monkeypatch.delenv("COACHBOOK_CACHE_DIR", raising=False)
    assert project.cache_folder() == tmp_path / "../kit-cache" and project.cache_size_mb == 5
    assert project.cache_folder(Path("elsewhere")) == Path("elsewhere")
    assert project.cache_folder(Path("elsewhere"), afresh=True) is None
    monkeypatch.setenv("COACHBOOK_CACHE_DIR", str(tmp_path / "env"))
    assert project.cache_folder() == project.cache_folder(Path("elsewhere")) == tmp_path / "env"
    monkeypatch.setenv("COACHBOOK_CACHE_DIR", "")
    assert project.cache_folder() is None


def test_cache_false_means_no_cache_folder_unless_one_is_given(tmp_path, monkeypatch):
    monkeypatch.delenv("COACHBOOK_CACHE_DIR", raising=False)
    tiny_project(tmp_path, parent_options="      cache: false\n")
    project = load_project(tmp_path / "mkdocs.yml")
    assert project.cache_folder() is None and project.cache_folder(Path("given")) == Path("given")
    tiny_project(tmp_path)
    assert load_project(tmp_path / "mkdocs.yml").cache_folder() == tmp_path / ".cache" / "coachbook"


def test_without_a_config_the_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = load_project()
    assert project.config_file is None and project.branding is None and project.language == "en"
    assert project.model_folders() == [Path("models")]  # not checked: the command says what is missing
    assert project.sequences_folder == Path("sequences")
    with pytest.raises(UsageError, match="no such config file: other.yml"):
        load_project(Path("other.yml"))


def test_a_missing_default_models_folder_is_named_at_the_option(tmp_path):
    tiny_project(tmp_path)
    (tmp_path / "config" / "base.yml").write_text(PARENT.format(options="").replace("      models_dir: models\n", ""))
    shutil.rmtree(tmp_path / "models")
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path / "mkdocs.yml").model_folders()
    assert raised.value.lines[0].endswith("/mkdocs.yml: coachbook.models_dir: no such folder: models")  # unwritten: the config


def test_options_written_as_null_take_their_default(tmp_path):
    tiny_project(tmp_path, parent_options="      kits:\n      cache_size_mb:\n")
    project = load_project(tmp_path / "mkdocs.yml")
    assert project.options.kits is True and project.cache_size_mb == CoachbookOptions().cache_size_mb


def test_every_option_is_described():
    descriptions = option_descriptions()
    assert list(descriptions) == list(CoachbookOptions.model_fields)
    assert all(description for _, description in descriptions.values())


def test_the_readme_option_table_is_generated_from_the_options():
    text = README.read_text(encoding="utf-8")
    assert OPTIONS_START in text and OPTIONS_END in text
    written = text.split(OPTIONS_START, 1)[1].split(OPTIONS_END, 1)[0]
    assert written == option_reference(), "the README's option table is out of date: run python tests/test_project.py"
    assert all(f"| `{name}` |" in written for name in CoachbookOptions.model_fields)


# --- the plan: sections and jobs ----------------------------------------------------------------


def _plan(tmp_path: Path, **options) -> SitePlan:
    tiny_project(tmp_path, translation=True)
    (tmp_path / "models" / "other.yaml").write_text(VALID.replace("id: sample", "id: other"), encoding="utf-8")
    project = load_project(tmp_path / "mkdocs.yml")
    library = load_library(project.model_folders(), project.language, project.languages)
    return SitePlan(library, project.language, **options)


def test_the_originals_are_the_section_without_a_folder(tmp_path):
    plan = _plan(tmp_path)
    assert [(s.language, s.folder, [m.id for m in s.models]) for s in plan.sections] == [
        ("en", None, ["other", "sample"]), ("de", "de", ["sample"])]


def test_the_command_asks_the_plan_for_its_kits(tmp_path):
    plan = _plan(tmp_path, kits=False)  # the switch is the site's: the command builds what it is asked for
    # The models have no practice scenarios, so no practice kit.
    assert len(plan.build_jobs()) == 3 * len(PLAIN_KIT_PAPERS)
    assert plan.build_jobs(kits=[PRACTICE]) == []
    jobs = plan.build_jobs(["sample"], ["de"], ["guide"], ["a4"])
    assert [job.path for job in jobs] == ["sample/sample-guide-a4.de.pdf"]
    # The deck has no paper: it is made in the plan's deck size, whatever the papers asked for.
    assert [(job.path, job.paper) for job in plan.build_jobs(["sample"], ["de"], ["deck"], ["a4"])] == [
        ("sample/sample-deck.de.pdf", "poker")]
    # Another deck size is another deck to the cache, in the same file.
    [poker] = plan.build_jobs(["sample"], ["en"], ["deck"])
    plan.deck_size = "tarot"
    [tarot] = plan.build_jobs(["sample"], ["en"], ["deck"])
    assert tarot.path == poker.path and tarot.paper == "tarot" and tarot.cache_identity() != poker.cache_identity()
    assert [job.path for job in plan.build_jobs(["other"], ["de", "en"], ["guide"], ["a4"])] == [
        "other/other-guide-a4.pdf"]
    with pytest.raises(UsageError, match=r"unknown language 'fr', 'it' \(models here are in: en, de\)"):
        plan.build_jobs(languages=["fr", "it"])


def test_the_command_asks_the_plan_for_its_pack(tmp_path):
    plan = _plan(tmp_path)
    job = plan.pack_job(["sample", "other"], "letter", 3)
    assert (job.filename, job.section, job.language, job.copies) == ("sample-plus-1-more-pack-letter.pdf", None, "en", 3)
    assert plan.pack_job(["sample"], "a4", language="de").filename == "sample-pack-a4.de.pdf"
    with pytest.raises(UsageError, match=r"no 'de' translation of 'other' \(translated: sample\)"):
        plan.pack_job(["other"], "a4", language="de")


def test_the_site_plans_kits_and_packs_by_its_switches(tmp_path):
    assert _plan(tmp_path / "off", kits=False).kit_jobs() == []
    without_packs = _plan(tmp_path / "no-packs", packs=False).kit_jobs()
    assert {job.kit for job in without_packs} == set(KITS) - {PRACTICE} and len(without_packs) == 3 * len(PLAIN_KIT_PAPERS)
    with_packs = _plan(tmp_path / "all").kit_jobs()
    assert len(with_packs) - len(without_packs) == 3 * len(PAPERS)


def test_the_plan_of_a_project_takes_its_language_branding_and_switches(tmp_path):
    tiny_project(tmp_path, parent_options="      packs: false\n      footer: Internal\n")
    project = load_project(tmp_path / "mkdocs.yml")
    plan = SitePlan.of_project(project, load_library(project.model_folders(), project.language))
    assert (plan.language, plan.kits, plan.packs, plan.branding.footer) == ("en", True, False, "Internal")
    assert isinstance(project, Project) and REPO.is_dir()


if __name__ == "__main__":  # refresh the README's option table
    text = README.read_text(encoding="utf-8")
    before, rest = text.split(OPTIONS_START, 1)
    README.write_text(before + OPTIONS_START + option_reference() + OPTIONS_END + rest.split(OPTIONS_END, 1)[1],
                      encoding="utf-8")
    print("Refreshed the option table in README.md")
