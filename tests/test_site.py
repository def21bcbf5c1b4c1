"""The built playbook site: every model renders fully, in its page, the question bank and search."""

from __future__ import annotations

import json
import re
import sys

import pytest
from bs4 import BeautifulSoup

from coachbook.kits.catalog import DEFAULT_DECK_SIZE, PAPERS, kit_filename
from coachbook.kits.catalog import pack_filename
from coachbook.i18n import messages
from coachbook.site.pages import labels
from coachbook.text import normalized, plain_text
from conftest import PLAIN_KITS_AND_PACKS, MODEL_IDS, VALID, build_kits, missing_texts, mkdocs, page_text, run, shipped_kit_papers

pytestmark = pytest.mark.usefixtures("built_site")


def test_strict_build_has_no_warning(built_site):
    assert "WARNING" not in built_site.log
    assert "ERROR" not in built_site.log


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_page_has_every_text(built_site, models, model_id):
    model = models[model_id]
    text = page_text(built_site.root / "models" / model_id / "index.html")
    assert missing_texts(model.texts(), text) == []


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_page_shows_who_asks_each_question_and_its_stage_timing(built_site, models, model_id):
    soup = BeautifulSoup((built_site.root / "models" / model_id / "index.html").read_text(), "html.parser")
    items = soup.select("li.cb-question")
    model = models[model_id]
    assert len(items) == model.question_count
    for item, (_, _, question) in zip(items, model.questions()):
        assert item.select_one(".cb-asker").get("class")[-1] == f"cb-asker--{question.asked_by}"
        assert normalized(item.select_one(".cb-question-text").get_text()) == normalized(plain_text(question.text))
    timings = [p.get_text() for p in soup.select("p.cb-when")]
    assert len(timings) == len(model.stages)


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_page_links_every_kit(built_site, model_id):
    page = built_site.root / "models" / model_id / "index.html"
    soup = BeautifulSoup(page.read_text(), "html.parser")
    links = {a["href"] for a in soup.select("a.cb-kit-button")}
    expected = {f"../../kits/{model_id}/{kit_filename(model_id, kit, paper)}" for kit, paper in shipped_kit_papers(model_id)}
    expected |= {f"../../kits/{model_id}/{pack_filename([model_id], paper)}" for paper in PAPERS}
    assert links == expected
    for href in links:
        target = (page.parent / href).resolve()
        assert target.read_bytes().startswith(b"%PDF-")
    # Beside the deck, one line on how to order it printed, naming its card size.
    t = messages("en")
    order = normalized(t["site"]["deck_tip"].format(size=t["papers"][DEFAULT_DECK_SIZE]))
    assert [normalized(tip.get_text()) for tip in soup.select(".cb-deck-tip")] == [order]


def test_the_kits_page_says_how_to_order_the_deck_printed(built_site):
    soup = BeautifulSoup((built_site.root / "kits" / "index.html").read_text(), "html.parser")
    t = messages("en")
    assert [normalized(tip.get_text()) for tip in soup.select(".cb-deck-tip")] == [
        normalized(t["site"]["deck_tip"].format(size=t["papers"][DEFAULT_DECK_SIZE]))]
    assert normalized(t["kit_descriptions"]["deck"]) in normalized(soup.get_text())


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_question_bank_lists_every_question_with_model_stage_and_asker(built_site, models, model_id):
    soup = BeautifulSoup((built_site.root / "questions" / "index.html").read_text(), "html.parser")
    model = models[model_id]
    entries = {}
    for item in soup.select("li.cb-question"):
        meta = normalized(item.select_one(".cb-bank-meta").get_text())
        question = normalized(item.select_one(".cb-question-text").get_text())
        asker = item.select_one(".cb-asker").get("class")[-1]
        entries.setdefault((question, asker), []).append(meta)
    for stage, step, question in model.questions():
        key = (normalized(plain_text(question.text)), f"cb-asker--{question.asked_by}")
        where = normalized(f"{plain_text(model.title)} › {plain_text(stage.title)} › {plain_text(step.title)}")
        assert where in entries.get(key, []), f"{question.text!r} missing from the question bank"


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_search_index_holds_every_question(built_site, models, model_id):
    index = json.loads((built_site.root / "search" / "search_index.json").read_text())
    model_text = normalized(" ".join(
        BeautifulSoup(doc["text"], "html.parser").get_text()
        for doc in index["docs"] if doc["location"].startswith(f"models/{model_id}/")
    ))
    questions = [question.text for _, _, question in models[model_id].questions()]
    assert questions and missing_texts(questions, model_text) == []


def test_chooser_lists_every_model_with_who_leads_duration_and_cadence(built_site, models):
    soup = BeautifulSoup((built_site.root / "choose" / "index.html").read_text(), "html.parser")
    cards = {card["id"]: card for card in soup.select("article.cb-choice")}
    assert sorted(cards) == sorted(MODEL_IDS)
    for model_id, card in cards.items():
        model = models[model_id]
        text = normalized(card.get_text())
        assert card.select_one("a")["href"] == f"../models/{model_id}/"
        assert missing_texts([*model.use_when, model.summary], text) == []
        facts = normalized(card.select_one(".cb-choice-facts").get_text())
        assert labels("en")["led_by"][model.led_by] in facts
        assert normalized(plain_text(model.cadence)) in facts if model.cadence else "As needed" in facts
        if model.duration_minutes:
            assert any(part in facts for part in (f"{model.duration_minutes} minutes", "hour", " h "))
        assert missing_texts(model.avoid_when, text) == []
        assert f"({model.question_count} questions)" in text
    rows = soup.select("table.cb-compare tbody tr")
    assert len(rows) == len(MODEL_IDS)


def test_navigation_groups_models(built_site, models):
    soup = BeautifulSoup((built_site.root / "index.html").read_text(), "html.parser")
    nav = normalized(soup.select_one("nav.md-nav--primary").get_text())
    for model in models.values():
        assert normalized(model.group or messages("en")["site"]["other_conversations"]) in nav
        assert normalized(plain_text(model.title)) in nav


def test_tags_page_lists_every_tag(built_site, models):
    text = page_text(built_site.root / "tags" / "index.html")
    for model in models.values():
        for tag in model.tags:
            assert tag in text


def test_site_requests_nothing_from_other_hosts(built_site):
    """No web fonts, no CDN: every src and stylesheet is local, so an offline intranet works."""
    for page in built_site.root.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["script", "img", "link", "iframe", "source"]):
            url = tag.get("src") or (tag.get("href") if tag.name == "link" and "stylesheet" in tag.get("rel", []) else "")
            assert not url or "//" not in url, f"{page}: {tag}"
    for stylesheet in built_site.root.rglob("*.css"):
        assert "fonts.googleapis" not in stylesheet.read_text(encoding="utf-8", errors="ignore")


def test_links_work_under_a_sub_path(built_site):
    """Every internal link is relative, so the site can be served from /playbook/ unchanged."""
    for page in (built_site.root / "models").rglob("index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for anchor in soup.select("article a[href]"):
            href = anchor["href"]
            assert not href.startswith("/"), f"{page}: absolute link {href}"


def test_a_dropped_in_model_appears_with_no_other_change(project):
    assert build_kits("new", "weekly-check-in", cwd=project).returncode == 0
    result = mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    page = page_text(site / "models" / "weekly-check-in" / "index.html")
    assert normalized("How have things been going for you lately?") in page
    assert normalized("How have things been going for you lately?") in page_text(site / "questions" / "index.html")
    assert "weekly-check-in" in (site / "choose" / "index.html").read_text()
    assert (site / "kits" / "weekly-check-in" / "weekly-check-in-guide-a4.pdf").is_file()


def test_an_invalid_model_fails_the_build_with_positions_and_leaves_the_site_alone(project):
    assert mkdocs("build", cwd=project).returncode == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    (project / "models" / "broken.yaml").write_text(
        "id: broken\ntitle: Broken\nsummary: x\nsource: {title: t}\nled_by: coach\nuse_when: [x]\n"
        "stages:\n  - id: a\n    title: A\n    when: before\n    steps: []\n    colour: red\n"
    )
    result = mkdocs("build", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "models/broken.yaml:5:9: led_by: must be one of manager, employee, shared (got 'coach')" in result.stderr
    assert "models/broken.yaml:11:12: stages[0].steps: must have at least one item" in result.stderr
    assert "models/broken.yaml:12:5: stages[0].colour: unknown key" in result.stderr
    after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before


def test_two_builds_are_byte_identical(project, tmp_path):
    sites = [tmp_path / "one", tmp_path / "two"]
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    for site in sites:
        result = run([sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site)], project,
                     SOURCE_DATE_EPOCH="1700000000", COACHBOOK_CACHE_DIR="", TMPDIR=str(temporary))
        assert result.returncode == 0, result.stderr
    # Uncached, the kits were rendered into a temporary folder, removed once MkDocs had copied them.
    assert not list(temporary.glob("coachbook-kits-*"))
    files = [{p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()} for site in sites]
    assert sorted(files[0]) == sorted(files[1])
    assert [name for name in files[0] if files[0][name] != files[1][name]] == []
    assert any(name.endswith(".pdf") for name in files[0])


def test_a_rebuild_renders_only_the_kits_of_the_edited_model(project):
    """Two models: their kits and packs each. Small ones: which kits a rebuild renders does not depend on a model's size,
    and the three builds render thirty kits (a shipped model's take twice as long)."""
    for model in (project / "models").glob("*.yaml"):
        model.unlink()
    for model_id in ("first", "second"):
        (project / "models" / f"{model_id}.yaml").write_text(VALID.replace("id: sample", f"id: {model_id}"))
    no_override = {"COACHBOOK_CACHE_DIR": None}  # the project's own .cache/coachbook, as configured
    build = [sys.executable, "-m", "mkdocs", "build"]
    both, one = 2 * PLAIN_KITS_AND_PACKS, PLAIN_KITS_AND_PACKS
    assert f"({both} rendered, 0 from the cache)" in run(build, project, **no_override).stderr
    assert f"(0 rendered, {both} from the cache)" in run(build, project, **no_override).stderr
    edited = project / "models" / "second.yaml"
    edited.write_text(re.sub(r"^title: .*$", "title: Edited", edited.read_text(), count=1, flags=re.M))
    assert f"({one} rendered, {one} from the cache)" in run(build, project, **no_override).stderr
    assert (project / ".cache" / "coachbook").is_dir()


def test_the_site_publishes_the_model_schema_for_editors(built_site):
    from coachbook.model.schema_export import SITE_PATH, model_schema_json

    assert (built_site.root / SITE_PATH).read_text(encoding="utf-8") == model_schema_json()


def test_a_hand_written_section_index_stays_in_the_navigation(project):
    (project / "content" / "guides").mkdir()
    (project / "content" / "guides" / "index.md").write_text("# Guides for facilitators\n")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("models_dir: [models]", "models_dir: [models]\n      kits: false"))
    result = mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    navigation = BeautifulSoup((project / "site" / "index.html").read_text(), "html.parser").select_one("nav.md-nav--primary")
    assert "guides/" in {a.get("href") for a in navigation.select("a")}
