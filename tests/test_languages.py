"""Languages: translations are checked against their original, built in their own language in the
site (pages, language switch, search) and in kits (lang tag, hyphenation, UI strings); the UI catalog
is complete in every shipped language."""

from __future__ import annotations

import json
import re
import shutil
import string
import sys
from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup

from coachbook.i18n import DEFAULT_LANGUAGE, fill, language_name, lint_words, messages, shipped_languages
from coachbook.kits.catalog import DECK, KITS, has_kit, kit_filename, kit_papers
from coachbook.model import lint
from coachbook.model.loader import load_library, load_model
from coachbook.text import normalized
from conftest import PLAIN_KIT_PAPERS, REPO, TRANSLATION_FILES, TRANSLATIONS, VALID, build_kits, missing_texts, page_text, run
from pdf_texts import page_texts, pdf_text
from test_kits import required_texts

# A second step, so that a translation can lack one.
ORIGINAL = VALID + "      - id: close\n        title: Close\n        purpose: End well.\n"
GERMAN = (ORIGINAL.replace("Sample talk", "Beispielgespräch").replace("A short talk.", "Ein kurzes Gespräch.")
          .replace("title: Talk", "title: Gespräch").replace("title: Open", "title: Eröffnen")
          .replace("Start well.", "Gut anfangen.").replace("How are you?", "Wie geht es Ihnen?")
          .replace("title: Close", "title: Abschließen").replace("End well.", "Gut aufhören."))


def translation_errors(tmp_path: Path, translation: str, original: str | None = ORIGINAL,
                       name: str = "de/sample.yaml") -> list[str]:
    """The error lines `check` prints for a folder holding the original and one translation."""
    folder = tmp_path / "models"
    folder.mkdir(parents=True)
    if original is not None:
        (folder / "sample.yaml").write_text(original, encoding="utf-8")
    (folder / name).parent.mkdir(exist_ok=True)
    (folder / name).write_text(translation, encoding="utf-8")
    result = build_kits("check", str(folder))
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        return []
    assert result.returncode == 1, result.stderr
    return [line.replace(f"{folder}/", "") for line in result.stderr.splitlines()]


def flat_keys(catalog: dict, prefix: str = "") -> dict[str, str]:
    entries = {}
    for key, value in catalog.items():
        if isinstance(value, dict):
            entries.update(flat_keys(value, f"{prefix}{key}."))
        else:
            entries[f"{prefix}{key}"] = value
    return entries


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the UI catalog -------------------------------------------------------------------------


def test_english_german_french_and_spanish_ship():
    assert {"en", "de", "fr", "es"} <= set(shipped_languages())


@pytest.mark.parametrize("language", shipped_languages())
def test_every_language_has_exactly_the_english_keys_and_placeholders(language):
    # Not the lint words: a language's grammar decides which of them it needs (see the test below); nor the
    # chooser's related words, whose keys are the language's own words (only the mapping must be there).
    english, other = ({key: value for key, value in flat_keys(
                           {key: value for key, value in messages(name).items() if key != "lint"}).items()
                       if not key.startswith("chooser.related_words.")} for name in (DEFAULT_LANGUAGE, language))
    assert sorted(other) == sorted(english)
    related = messages(language)["chooser"]["related_words"]
    assert related and all(isinstance(typed, str) and isinstance(words, str) and words.split()
                           for typed, words in related.items())
    for key, text in other.items():
        assert isinstance(text, str) and text.strip(), key
        assert placeholders(text) == placeholders(english[key]), key


@pytest.mark.parametrize("language", shipped_languages())
def test_every_language_gives_content_lint_its_words(language):
    """Each catalog's `lint:` section is read as the lint rules' data: a misspelt key fails here, not in a user's check."""
    rules = lint._language(language)
    assert rules is not None and rules.interrogatives and rules.stopwords and rules.open_examples


def test_a_language_without_lint_words_gets_only_the_neutral_rules():
    assert lint._language("pt-br") is None and lint._language("de-ch") == lint._language("de")
    with pytest.raises(TypeError):
        lint.Language.from_catalog({**lint_words("en"), "opener": "is"})


def test_a_language_without_a_catalog_falls_back_to_its_base_language_then_english():
    assert messages("de-ch")["site"]["bank_title"] == messages("de")["site"]["bank_title"]
    assert messages("pt-br")["site"]["bank_title"] == messages("en")["site"]["bank_title"]
    assert language_name("de") == "Deutsch" and language_name("pt-br") == "pt-br"


# --- loading and checking translations ------------------------------------------------------


def test_a_faithful_translation_loads_grouped_by_language(tmp_path):
    assert translation_errors(tmp_path, GERMAN) == []
    library = load_library([tmp_path / "models"])
    assert [model.id for model in library.models] == ["sample"]
    assert library.models[0].title == "Sample talk"
    assert library.translations["de"]["sample"].title == "Beispielgespräch"
    assert library.languages_of("sample") == ["de"]


def test_a_translation_lacking_a_step_reports_it_at_the_steps_key(tmp_path):
    lacking = GERMAN.split("      - id: close")[0]
    assert translation_errors(tmp_path, lacking) == [
        "de/sample.yaml:13:5: stages[0].steps: missing step 'close' of sample.yaml (stage 'talk')",
    ]


def test_a_translation_lacking_a_stage_or_adding_ids_reports_each(tmp_path):
    original = ORIGINAL + "  - id: after\n    title: After\n    when: after\n    steps:\n" \
                          "      - id: note\n        title: Note\n        purpose: Write it down.\n"
    renamed = GERMAN.replace("id: close", "id: schluss").replace("id: talk", "id: gespraech")
    errors = translation_errors(tmp_path, renamed, original)
    source = "sample.yaml"
    assert errors == [
        f"de/sample.yaml:9:1: stages: missing stage 'after' of {source}",
        f"de/sample.yaml:9:1: stages: missing stage 'talk' of {source}",
        f"de/sample.yaml:10:9: stages[0].id: stage 'gespraech' is not in {source}",
    ]


def test_a_translation_keeps_its_originals_practice_scenarios_by_id(tmp_path):
    scenario = "  - id: {id}\n    title: T\n    situation: S.\n    roles:\n      manager: M.\n      employee: E.\n"
    original = ORIGINAL.replace("stages:", "practice:\n" + scenario.format(id="late") + scenario.format(id="quiet") + "stages:")
    translation = GERMAN.replace("stages:", "practice:\n" + scenario.format(id="spaet") + "stages:")
    source = "sample.yaml"
    assert translation_errors(tmp_path, translation, original) == [
        f"de/sample.yaml:9:1: practice: missing practice scenario 'late' of {source}",
        f"de/sample.yaml:9:1: practice: missing practice scenario 'quiet' of {source}",
        f"de/sample.yaml:10:9: practice[0].id: practice scenario 'spaet' is not in {source}",
    ]


def test_a_translation_must_keep_who_asks_and_when(tmp_path):
    changed = GERMAN.replace("asked_by: manager", "asked_by: employee").replace("when: during", "when: before")
    source = "sample.yaml"
    assert translation_errors(tmp_path, changed) == [
        f"de/sample.yaml:12:11: stages[0].when: must be 'during' as in {source} (got 'before')",
        f"de/sample.yaml:19:23: stages[0].steps[0].questions[0].asked_by: must be 'manager' as in {source} (got 'employee')",
    ]


def test_a_translation_keeps_its_originals_minutes_per_step(tmp_path):
    """Minutes are timing, not text: changed, dropped or added, each is one error at its step."""
    original = ORIGINAL.replace("title: Open\n", "title: Open\n        minutes: 5\n")
    changed = GERMAN.replace("title: Eröffnen\n", "title: Eröffnen\n        minutes: 7\n")
    changed = changed.replace("title: Abschließen\n", "title: Abschließen\n        minutes: 3\n")
    source = "sample.yaml"
    assert translation_errors(tmp_path / "a", changed, original) == [
        f"de/sample.yaml:16:18: stages[0].steps[0].minutes: must be 5 as in {source} (got 7)",
        f"de/sample.yaml:23:18: stages[0].steps[1].minutes: must be left out as in {source} (got 3)",
    ]
    assert translation_errors(tmp_path / "b", GERMAN, original) == [
        f"de/sample.yaml:14:9: stages[0].steps[0].minutes: must be 5 as in {source} (missing)",
    ]
    faithful = GERMAN.replace("title: Eröffnen\n", "title: Eröffnen\n        minutes: 5\n")
    assert translation_errors(tmp_path / "c", faithful, original) == []


def test_a_translation_keeps_its_originals_length(tmp_path):
    """The conversation's length is timing too: the agenda of a translated pack must add up as the original's."""
    original = ORIGINAL.replace("led_by: manager\n", "led_by: manager\nduration_minutes: 30\n")
    source = "sample.yaml"
    assert translation_errors(tmp_path / "a", GERMAN.replace("led_by: manager\n", "led_by: manager\nduration_minutes: 45\n"),
                              original) == [f"de/sample.yaml:7:19: duration_minutes: must be 30 as in {source} (got 45)"]
    assert translation_errors(tmp_path / "b", GERMAN, original) == [
        f"de/sample.yaml:1:1: duration_minutes: must be 30 as in {source} (missing)"]
    faithful = GERMAN.replace("led_by: manager\n", "led_by: manager\nduration_minutes: 30\n")
    assert translation_errors(tmp_path / "c", faithful, original) == []


def test_a_translation_without_its_original_or_in_the_originals_language_is_an_error(tmp_path):
    assert translation_errors(tmp_path / "a", GERMAN, original=None) == [
        "de/sample.yaml:1:1: a translation of 'sample', but there is no sample.yaml: add the original in the folder above it",
    ]
    assert translation_errors(tmp_path / "b", GERMAN, name="en/sample.yaml") == [
        "en/sample.yaml:1:1: 'en' is the language of the originals: edit sample.yaml, or put the translation in a folder named after another language",
    ]


def test_only_a_folder_named_after_a_language_holds_translations(tmp_path):
    """`old/` is no language: its files are not read, so they can neither be taken for a translation nor fail."""
    assert translation_errors(tmp_path, GERMAN.replace("id: sample", "id: broken"), name="old/sample.yaml") == []
    assert load_library([tmp_path / "models"]).translations == {}


def test_a_translation_keeps_the_originals_id(tmp_path):
    errors = translation_errors(tmp_path, GERMAN.replace("id: sample", "id: beispiel"))
    assert errors == ["de/sample.yaml:1:5: id: must equal the file name 'sample' (got 'beispiel')"]


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=[f"{p.parent.name}/{p.name}" for p in TRANSLATION_FILES])
def test_every_shipped_translation_matches_its_original(path):
    model_id, language = path.stem, path.parent.name
    library = load_library([REPO / "models"])
    translation, original = library.translations[language][model_id], load_model(REPO / "models" / f"{model_id}.yaml")
    assert [(s.id, [t.id for t in s.steps]) for s in translation.stages] == \
        [(s.id, [t.id for t in s.steps]) for s in original.stages]
    assert translation.title != original.title, "a translation should be translated"


def test_there_is_a_translation_to_test():
    assert TRANSLATIONS, "no models/<lang>/<id>.yaml found"


# --- the site -------------------------------------------------------------------------------


def translated(model_id: str, language: str):
    return load_library([REPO / "models"]).translations[language][model_id]


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_translated_page_has_every_text_in_its_language(built_site, model_id, language):
    model = translated(model_id, language)
    page = built_site.root / language / "models" / model_id / "index.html"
    assert missing_texts(model.texts(), page_text(page)) == []
    soup = soup_of(page)
    assert soup.html["lang"] == language
    t = messages(language)
    labels = {normalized(p.get_text()) for p in soup.select("article p.cb-when")}
    assert labels == {t["when"][stage.when] for stage in model.stages}
    assert normalized(t["site"]["outline"]) in page_text(page)


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_original_and_translation_link_each_other_and_the_header_switches_language(built_site, model_id, language):
    original = built_site.root / "models" / model_id / "index.html"
    translation = built_site.root / language / "models" / model_id / "index.html"
    for page, other, target in ((original, language, translation), (translation, DEFAULT_LANGUAGE, original)):
        links = {a["hreflang"]: a["href"] for a in soup_of(page).select("p.cb-languages a")}
        assert other in links
        assert (page.parent / links[other] / "index.html").resolve() == target.resolve()
    # The header's language switch goes to the same page in the other language.
    for page, targets in ((translation, {language: translation, DEFAULT_LANGUAGE: original}),
                          (original, {language: translation, DEFAULT_LANGUAGE: original})):
        switch = {a["hreflang"]: a["href"] for a in soup_of(page).select("a.md-select__link")}
        assert {lang: (page.parent / href / "index.html").resolve() for lang, href in switch.items()} == targets


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_each_language_has_its_own_navigation_and_interface(built_site, model_id, language):
    original = soup_of(built_site.root / "models" / model_id / "index.html")
    translation = soup_of(built_site.root / language / "models" / model_id / "index.html")

    def navigation(soup) -> str:
        return normalized(soup.select_one("nav.md-nav--primary").get_text(" "))

    t, english = messages(language)["site"], messages(DEFAULT_LANGUAGE)["site"]
    assert normalized(t["choose_title"]) in navigation(translation)
    assert normalized(english["choose_title"]) not in navigation(translation)
    assert normalized(language_name(language)) not in navigation(original)
    assert normalized(t["choose_title"]) not in navigation(original)
    # Material's own strings in the page's language: its search box, from Material's catalog for it.
    placeholders = {soup.select_one("input.md-search__input")["placeholder"] for soup in (original, translation)}
    assert len(placeholders) == 2
    # A page of the section that is not translated (a hand-written page) offers each language's home.
    switch = {a["hreflang"]: a["href"] for a in soup_of(built_site.root / "index.html").select("a.md-select__link")}
    assert (built_site.root / switch[language] / "index.html").resolve() == built_site.root / language / "index.html"


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_translated_question_bank_chooser_and_home_list_the_translation(built_site, model_id, language):
    model = translated(model_id, language)
    questions = [question.text for _, _, question in model.questions()]
    assert missing_texts(questions, page_text(built_site.root / language / "questions" / "index.html")) == []
    chooser = soup_of(built_site.root / language / "choose" / "index.html")
    assert chooser.select_one(f"article#{model_id} a")["href"] == f"../models/{model_id}/"
    assert missing_texts([model.title], page_text(built_site.root / language / "index.html")) == []
    # The translation stays out of the original language's pages.
    assert missing_texts([model.title], page_text(built_site.root / "questions" / "index.html")) == [model.title]


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_the_choosers_comparison_labels_its_cells_in_the_pages_language(built_site, model_id, language):
    """On a phone the comparison's columns become lines, each cell with its own label: the catalog's words."""
    site = messages(language)["site"]
    chooser = soup_of(built_site.root / language / "choose" / "index.html")
    row = chooser.select_one(f"table.cb-compare tr:has(a[href='../models/{model_id}/'])")
    assert [label.get_text() for label in row.select("td .cb-compare-label")] == [
        fill(site["labelled"], label=site[key]) + " " for key in ("use_it_when", "who_leads", "time", "how_often")]


def test_the_sites_stylesheet_writes_no_words():
    """A label a reader sees comes from a catalog: a word in the stylesheet's `content` would be English on every
    page (marks such as a bullet or a star are no words)."""
    stylesheet = (REPO / "coachbook" / "assets" / "site" / "coachbook.css").read_text(encoding="utf-8")
    contents = re.findall(r"content:\s*(\"[^\"]*\"|'[^']*')", stylesheet)
    assert contents, "the stylesheet's generated content moved: look for words where it went"
    assert [text for text in contents if re.search(r"[^\W\d_]{2,}", text)] == []


@pytest.mark.parametrize(("model_id", "language"), TRANSLATIONS)
def test_search_index_holds_every_translated_question_under_its_language(built_site, model_id, language):
    index = json.loads((built_site.root / "search" / "search_index.json").read_text())
    assert language.split("-")[0] in index["config"]["lang"], "search does not stem this language"
    text = normalized(" ".join(BeautifulSoup(doc["text"], "html.parser").get_text()
                               for doc in index["docs"] if doc["location"].startswith(f"{language}/models/{model_id}/")))
    questions = [question.text for _, _, question in translated(model_id, language).questions()]
    assert questions and missing_texts(questions, text) == []


# --- the kits -------------------------------------------------------------------------------


@pytest.mark.parametrize(("model_id", "language", "kit"), [
    (model_id, language, kit) for model_id, language in TRANSLATIONS for kit in KITS
    if has_kit(load_model(REPO / "models" / f"{model_id}.yaml"), kit)])
def test_translated_kits_carry_the_language_its_texts_and_ui_strings(built_site, model_id, language, kit):
    """Checked on the session's site build, whose kits include every translation's (no extra rendering)."""
    model = translated(model_id, language)
    t = messages(language)
    page = built_site.root / language / "models" / model_id / "index.html"
    hrefs = {a["href"] for a in soup_of(page).select("a.cb-kit-button")}
    for paper in kit_papers(kit):
        name = kit_filename(model_id, kit, paper, language)
        assert name == (f"{model_id}-{kit}.{language}.pdf" if kit == DECK else f"{model_id}-{kit}-{paper}.{language}.pdf")
        assert f"../../../kits/{model_id}/{name}" in hrefs
        path = built_site.root / "kits" / model_id / name
        reader = pypdf.PdfReader(path)
        assert reader.trailer["/Root"]["/Lang"] == language
        if kit == "guide":
            assert len(reader.pages) == 1, "the guide must fit one page in every language"
        text = pdf_text(path)
        missing = [wanted for wanted in required_texts(kit, model) if wanted not in text]
        assert not missing, f"{name} lacks: {missing[:5]}"
        ui = {"worksheet": t["kit"]["why"], "cards": t["kit"]["follow_ups"], "checklist": t["when"]["before"],
              "guide": t["kit"]["use_it_when"], "practice": t["practice"]["observer_sheet"], DECK: t["kit"]["follow_ups"]}[kit]
        assert normalized(ui).casefold() in text.casefold()
        assert normalized(t["kit"]["source"]) in text
        if kit == DECK:  # no page margins: its title card says what it is
            assert normalized(t["kit"].count("deck_count", model.question_count)) in normalized(page_texts(path)[0])
            continue
        # The page-margin texts (page numbers, the card sheets' printing notes) are the kit's language too.
        first_page = normalized(page_texts(path)[0])
        assert normalized(fill(t["kit"]["page_count"], page=1, pages=len(reader.pages))) in first_page
        if kit == "cards":
            assert normalized(t["kit"]["cards_running_fronts"]) in first_page
            assert normalized(t["kit"]["cards_running_backs"]) in normalized(page_texts(path)[1])


def test_kits_build_for_one_language_with_lang(tmp_path):
    model_id, language = TRANSLATIONS[0]
    result = build_kits("build", "--lang", language, "--model", model_id, "--kit", "guide", "--paper", "a4",
                        "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")] == \
        [f"{model_id}/{model_id}-guide-a4.{language}.pdf"]
    result = build_kits("build", "--lang", "xx", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown language 'xx'" in result.stderr


def test_a_full_build_writes_translated_kits_and_removes_those_of_a_removed_translation(tmp_path):
    models = tmp_path / "models"
    for language in ("de", "fr"):  # the French one is removed after the first build (its text need not be French)
        (models / language).mkdir(parents=True)
        (models / language / "sample.yaml").write_text(GERMAN, encoding="utf-8")
    (models / "sample.yaml").write_text(ORIGINAL, encoding="utf-8")
    out = tmp_path / "kits" / "sample"
    assert build_kits("--models", str(models), "--out", str(tmp_path / "kits"), "--quiet").returncode == 0
    assert (out / "sample-guide-a4.fr.pdf").is_file()
    shutil.rmtree(models / "fr")
    result = build_kits("--models", str(models), "--out", str(tmp_path / "kits"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.glob("*guide-a4*")) == ["sample-guide-a4.de.pdf", "sample-guide-a4.pdf"]
    assert len(list(out.iterdir())) == 2 * len(PLAIN_KIT_PAPERS)
    german = pdf_text(out / "sample-guide-a4.de.pdf")
    assert normalized("Wie geht es Ihnen?") in german and normalized(messages("de")["kit"]["use_it_when"]).casefold() in german.casefold()
    assert pypdf.PdfReader(out / "sample-guide-a4.de.pdf").trailer["/Root"]["/Lang"] == "de"
    assert pypdf.PdfReader(out / "sample-guide-a4.pdf").trailer["/Root"]["/Lang"] == "en"


def test_a_translated_site_builds_without_kits_and_a_bad_translation_fails_it(project):
    """A translation in a project of its own: the site gains its pages; one lacking a step stops the build."""
    (project / "models" / "sample.yaml").write_text(ORIGINAL, encoding="utf-8")
    (project / "models" / "fr").mkdir()
    (project / "models" / "fr" / "sample.yaml").write_text(
        GERMAN.replace("Beispielgespräch", "Entretien exemple").replace("Wie geht es Ihnen?", "Comment allez-vous ?"),
        encoding="utf-8")
    config = project / "mkdocs.yml"
    # No kits, to stay quick; still strict: the kits page says the kits are left out, so the home page's link holds.
    config.write_text(config.read_text().replace("models_dir: [models]", "models_dir: [models]\n      kits: false"))
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict"], project)
    assert result.returncode == 0, result.stderr
    assert normalized(messages("en")["site"]["kits_off"]) in page_text(project / "site" / "kits" / "index.html")
    page = project / "site" / "fr" / "models" / "sample" / "index.html"
    assert soup_of(page).html["lang"] == "fr"
    assert normalized("Comment allez-vous ?") in page_text(page)
    assert normalized(messages("fr")["site"]["outline"]) in page_text(page)
    assert {a["hreflang"]: a["href"] for a in soup_of(page).select("a.md-select__link")} == \
        {"en": "../../../models/sample/", "fr": "./"}
    # From a file share (no web server), the switch must name the files themselves.
    result = run([sys.executable, "-m", "mkdocs", "build", "--site-dir", "offline"], project, OFFLINE="true")
    assert result.returncode == 0, result.stderr
    offline = soup_of(project / "offline" / "fr" / "models" / "sample.html")
    assert {a["hreflang"]: a["href"] for a in offline.select("a.md-select__link")} == \
        {"en": "../../models/sample.html", "fr": "sample.html"}
    (project / "models" / "fr" / "sample.yaml").write_text(GERMAN.split("      - id: close")[0], encoding="utf-8")
    result = run([sys.executable, "-m", "mkdocs", "build"], project)
    assert result.returncode == 1
    assert "models/fr/sample.yaml:13:5: stages[0].steps: missing step 'close'" in result.stderr
    assert "Traceback" not in result.stderr
