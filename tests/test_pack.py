"""Workshop packs: `build_kits.py pack` and the site's pack per model, checked in the PDFs they write."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import pypdf
import pytest
import yaml
from bs4 import BeautifulSoup

from coachbook.kits import render as kit_render
from coachbook.model import schema
from coachbook.kits.cache import KitCache
from coachbook.kits.layouts import kit_layout
from coachbook.kits.catalog import KITS, PAPERS, has_kit, kit_date, kit_filename
from coachbook.model.loader import load_model
from coachbook.kits.pack import PACK_KITS, agenda, pack_document, render_pack, session_title
from coachbook.kits.jobs import Session
from coachbook.kits.catalog import pack_filename
from coachbook.kits.jobs import kit_jobs, pack_jobs
from coachbook.text import normalized
from conftest import PLAIN_KIT_PAPERS, VALID, build_kits, mkdocs, write_model

PAGE_SIZES_PT = {"a4": (595.3, 841.9), "letter": (612.0, 792.0)}
COPIES = 3
BLANK = "intentionally left blank"
# Text that opens each part (the kits' own headings, as pypdf extracts them).
PART_OPENINGS = {"worksheet": "CONVERSATION WORKSHEET", "checklist": "CHECKLIST"}


def small_model(model_id: str, title: str, duration: int | None, questions: int) -> dict:
    """The shared minimal model, with its own id, title, duration and a few questions (a second sheet of cards)."""
    data = yaml.safe_load(VALID)
    data.update(id=model_id, title=title)
    if duration is not None:
        data["duration_minutes"] = duration
    step = data["stages"][0]["steps"][0]
    step["questions"] = [{"text": f"Question {n} of {title}?", "asked_by": "manager"} for n in range(1, questions + 1)]
    step["checklist"] = ["Book the next talk"]
    return data


# Agenda order: the timed model first, then one with no set length.
MODELS = [small_model("timed-talk", "Timed talk", 30, 7), small_model("open-talk", "Open talk", None, 2)]
MODEL_IDS = [model["id"] for model in MODELS]


def write_models(folder: Path, models: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for model in models:
        write_model(folder / f"{model['id']}.yaml", yaml.safe_dump(model, sort_keys=False))
    return folder


def page_texts(path: Path) -> list[str]:
    return [normalized(page.extract_text()) for page in pypdf.PdfReader(path).pages]


def page_texts_of(pdf: bytes) -> list[str]:
    return [normalized(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def page_count(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module")
def workshop(tmp_path_factory) -> Path:
    """A folder where the pack of both models (x3) was made with the default output path, then every kit built."""
    folder = tmp_path_factory.mktemp("workshop")
    write_models(folder / "models", MODELS)
    pack = build_kits("pack", *[arg for model_id in MODEL_IDS for arg in ("--model", model_id)],
                      "--copies", str(COPIES), cwd=folder)
    assert pack.returncode == 0, pack.stderr
    # A full build into the same kits/ folder must leave the pack alone.
    kits = build_kits("build", "--paper", "a4", "--quiet", cwd=folder)
    assert kits.returncode == 0, kits.stderr
    return folder


@pytest.fixture(scope="module")
def pack_path(workshop) -> Path:
    return workshop / "kits" / "packs" / "timed-talk-plus-1-more-pack-a4.pdf"


def test_the_default_name_and_place_of_a_pack(workshop, pack_path):
    assert pack_filename(MODEL_IDS, "a4") == pack_path.name
    assert pack_filename(["timed-talk"], "letter") == "timed-talk-pack-letter.pdf"
    assert pack_path.is_file(), sorted(p.name for p in (workshop / "kits").rglob("*.pdf"))


def test_page_count_is_cover_agenda_blanks_and_every_part(workshop, pack_path):
    """Computed from the kit PDFs the build wrote: each part starts on an odd page, after a blank if needed."""
    expected, blanks = 2, 0  # the cover and the agenda
    for model_id in MODEL_IDS:
        kit_pages = {kit: page_count(workshop / "kits" / model_id / kit_filename(model_id, kit, "a4")) for kit in PACK_KITS}
        for kit in ["worksheet"] * COPIES + ["cards", "checklist"]:
            if expected % 2:
                expected, blanks = expected + 1, blanks + 1
            expected += kit_pages[kit]
    texts = page_texts(pack_path)
    assert len(texts) == expected
    assert blanks > 0, "the sample should need blank pages, or this test proves little"
    assert sum(BLANK in text for text in texts) == blanks
    assert all(text.strip() == f"This page is {BLANK}: the next part starts on a front page." for text in texts
               if BLANK in text), "a blank page carries something else"


def test_cover_names_the_session_and_credits_the_sources(pack_path):
    cover = page_texts(pack_path)[0]
    assert "WORKSHOP PACK" in cover and "DATE" in cover
    for model in MODELS:
        assert model["title"] in cover
        assert f"Source: {model['source']['title']}" in cover
    assert f"Worksheet × {COPIES} copies" in cover


def test_agenda_lists_each_model_with_its_duration_and_the_total(pack_path):
    text = page_texts(pack_path)[1]
    assert text.startswith("Agenda")
    timed, open_ended = text.index("Timed talk"), text.index("Open talk")
    assert timed < open_ended, "the agenda follows the order of --model"
    assert "0:00" in text[:timed] and "30 min" in text[timed:open_ended]
    assert "as long as it needs" in text[open_ended:].lower()
    assert "Total At least 30 min" in text


def test_agenda_start_times_and_total_of_timed_models():
    timed = [load_model_data(small_model(f"m{n}", f"M{n}", minutes, 1)) for n, minutes in enumerate((45, 60, 20))]
    plan = agenda(timed)
    assert [(item.start, item.duration) for item in plan.items] == [("0:00", "45 min"), ("0:45", "1 h"), ("1:45", "20 min")]
    assert plan.total == "2 h 5 min" and plan.open_ended == 0


def test_agenda_lists_the_steps_during_the_conversation_with_their_minutes():
    data = small_model("steps", "Steps", 30, 1)
    talk = data["stages"][0]
    talk["steps"][0]["minutes"] = 20
    talk["steps"].append({"id": "close", "title": "Close", "purpose": "End with a clear next step.", "minutes": 75})
    talk["steps"].append({"id": "untimed", "title": "Untimed", "purpose": "Not every step needs a time."})
    data["stages"].append({"id": "later", "title": "Later", "when": "after", "steps": [
        {"id": "note", "title": "Take notes", "purpose": "A record keeps the agreement alive.", "minutes": 5}]})
    [item] = agenda([load_model_data(data)]).items
    assert [(entry.step.id, entry.length) for entry in item.steps] == [("open", "20 min"), ("close", "1 h 15 min"),
                                                                       ("untimed", "")]


def test_cards_and_every_other_part_start_on_odd_pages(pack_path):
    texts = page_texts(pack_path)
    fronts = [number for number, text in enumerate(texts, start=1) if "Card fronts" in text]
    backs = [number for number, text in enumerate(texts, start=1) if "Card backs" in text]
    card_sections = [number for number in fronts if number - 2 not in fronts]
    assert len(card_sections) == len(MODELS)
    assert fronts and all(number % 2 == 1 for number in fronts), "a card front on a back page"
    assert backs == [number + 1 for number in fronts], "a card back not right behind its front"
    for kit, opening in PART_OPENINGS.items():
        starts = [number for number, text in enumerate(texts, start=1) if text.startswith(opening)]
        assert len(starts) == len(MODELS) * (COPIES if kit == "worksheet" else 1)
        assert all(number % 2 == 1 for number in starts), f"a {kit} starts on an even page: {starts}"


def test_a_pack_has_no_form_fields_but_the_worksheet_kit_keeps_its(workshop, pack_path):
    """Repeated worksheets would repeat field names; the pack is for paper, the worksheet kit for screens."""
    assert not pypdf.PdfReader(pack_path).get_fields()
    worksheet = workshop / "kits" / "timed-talk" / kit_filename("timed-talk", "worksheet", "a4")
    assert "manager" in (pypdf.PdfReader(worksheet).get_fields() or {})


def test_a_pack_rendered_with_its_kits_reuses_their_layouts_and_matches_a_pack_rendered_alone(tmp_path, monkeypatch):
    """The site renders a model's kits and pack in one worker call: each kit is laid out once, the pack takes the
    fillable worksheet's pages without their fields, and its bytes are those of a pack laid out on its own."""
    model = load_model_data(MODELS[0])
    layouts = []

    def counted(model, kit, *args, **options):
        layouts.append(kit)
        return kit_layout(model, kit, *args, **options)

    monkeypatch.setattr(kit_render, "kit_layout", counted)
    jobs = [*kit_jobs([model], KITS, ["a4"]), *pack_jobs([model], ["a4"])]
    with KitCache(tmp_path / "cache") as cache:
        entries = {job.kit: entry for job, entry in cache.render(jobs, workers=1)}
        assert sorted(layouts) == sorted(kit for kit in KITS if has_kit(model, kit))
        monkeypatch.undo()
        pack = entries["pack"].read_bytes()
        assert pack == render_pack([model], "a4")
        reader = pypdf.PdfReader(entries["pack"])
        assert "/AcroForm" not in reader.trailer["/Root"] and not reader.get_fields()
        assert not [annotation for page in reader.pages for annotation in page.get("/Annots") or []
                    if annotation.get_object()["/Subtype"] == "/Widget"]
        worksheet = page_texts(entries["worksheet"])
        assert "manager" in pypdf.PdfReader(entries["worksheet"]).get_fields()
    texts = page_texts_of(pack)
    start = next(number for number, text in enumerate(texts) if text.startswith(PART_OPENINGS["worksheet"]))
    assert texts[start:start + len(worksheet)] == worksheet
    # The blank page is laid out with the cover but not counted among its pages.
    cover = [text for text in texts[:start] if BLANK not in text]
    assert [text.rsplit(" Page ", 1)[-1] for text in cover] == [f"{n} of {len(cover)}" for n in range(1, len(cover) + 1)]


@pytest.mark.parametrize("paper", PAPERS)
def test_every_page_has_the_paper_size(tmp_path, workshop, pack_path, paper):
    path = pack_path
    if paper != "a4":
        path = tmp_path / "pack.pdf"
        result = build_kits("pack", "--model", "open-talk", "--paper", paper, "--out", str(path), cwd=workshop)
        assert result.returncode == 0, result.stderr
    width, height = PAGE_SIZES_PT[paper]
    pages = pypdf.PdfReader(path).pages
    assert len(pages) > 4
    for page in pages:
        assert abs(float(page.mediabox.width) - width) <= 1 and abs(float(page.mediabox.height) - height) <= 1


def test_the_same_pack_gives_the_same_bytes(workshop, pack_path):
    files = [workshop / "models" / f"{model_id}.yaml" for model_id in MODEL_IDS]
    # Dated as the command dates it: by its newest model file (or SOURCE_DATE_EPOCH).
    date = kit_date(path.stat().st_mtime_ns // 10**9 for path in files)
    assert render_pack([load_model(path) for path in files], "a4", COPIES, date=date) == pack_path.read_bytes()


def test_hostile_titles_are_shown_as_text_in_a_tagged_pack(tmp_path, monkeypatch):
    # Validation refuses the javascript: link; switched off here, so that the renderer's defence is tested.
    monkeypatch.setattr(schema, "link_targets", lambda text: [])
    hostile = "<script>alert(1)</script> [x](javascript:alert(1))"
    data = small_model("hostile", hostile, 10, 1)
    data["source"]["title"] = hostile
    path = tmp_path / "hostile.pdf"
    path.write_bytes(render_pack([load_model_data(data)], "letter"))
    reader = pypdf.PdfReader(path)
    assert "<script>alert(1)</script>" in page_texts(path)[0]
    assert "/JavaScript" not in reader.trailer["/Root"].get("/Names", {})
    assert all("/JS" not in (annotation.get_object().get("/A") or {})
               for page in reader.pages for annotation in page.get("/Annots") or [])
    assert reader.trailer["/Root"]["/Lang"] == "en" and "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata["/Title"] == f"Workshop pack: {hostile}"


@pytest.mark.parametrize("args, message", [
    (["--model", "no-such-model"], "unknown model 'no-such-model'"),
    (["--model", "open-talk", "--copies", "0"], "--copies must be 1 to 100 (got 0)"),
    (["--model", "open-talk", "--copies", "101"], "--copies must be 1 to 100 (got 101)"),
    (["--model", "open-talk", "--copies", "two"], "invalid int value: 'two'"),
    (["--model", "open-talk", "--paper", "a5"], "unknown paper 'a5'"),
    ([], "required: --model"),
])
def test_bad_pack_options_give_one_line_and_exit_2(tmp_path, args, message):
    write_models(tmp_path / "models", MODELS[1:])
    result = build_kits("pack", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_the_site_offers_a_pack_per_model(project):
    """With kits on, each model page and the kits page link the model's pack on both papers."""
    shutil.rmtree(project / "models")
    write_models(project / "models", MODELS[1:])
    result = mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    packs = {f"open-talk/{pack_filename(['open-talk'], paper)}" for paper in PAPERS}
    for page, prefix in ((site / "models" / "open-talk" / "index.html", "../../kits/"), (site / "kits" / "index.html", "./")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = {a["href"] for a in soup.select("a.cb-kit-button")}
        assert {prefix.removeprefix("./") + pack for pack in packs} <= {href.removeprefix("./") for href in links}
        assert len(links) == len(PLAIN_KIT_PAPERS) + len(PAPERS), "every kit file (the deck's one), and the pack on two papers"
        assert "Workshop pack" in soup.get_text()
    for pack in packs:
        texts = page_texts(site / "kits" / pack)
        assert "WORKSHOP PACK" in texts[0] and texts[1].startswith("Agenda")
        assert sum("Card fronts" in text for text in texts) == 1


def test_packs_false_leaves_the_site_with_the_kits_only(project):
    shutil.rmtree(project / "models")
    write_models(project / "models", MODELS[1:])
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("models_dir: [models]", "models_dir: [models]\n      packs: false"))
    result = mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert not list((site / "kits").rglob("*-pack-*.pdf"))
    for page in (site / "models" / "open-talk" / "index.html", site / "kits" / "index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert len(soup.select("a.cb-kit-button")) == len(PLAIN_KIT_PAPERS)
        assert "Workshop pack" not in soup.get_text() and "workshop pack" not in soup.get_text()


# A session of two timed models, run by an organization: every --title, --start and minutes option at once.
SESSION_MODELS = [small_model("timed-talk", "Timed talk", 30, 1), small_model("short-talk", "Short talk", 20, 1)]
SESSION_OPTIONS = ["--title", "Service <b>academy</b> day 1", "--start", "09:30", "--intro", "15", "--break", "10",
                   "--debrief", "20"]
ORGANIZATION = "Acme <Corp> & Co"


@pytest.fixture(scope="module")
def session_pack(tmp_path_factory) -> list[str]:
    """The page texts of a branded pack made with every session option."""
    folder = tmp_path_factory.mktemp("session")
    write_models(folder / "models", SESSION_MODELS)
    (folder / "mkdocs.yml").write_text(f"site_name: Acme\nplugins:\n  - coachbook:\n      organization: '{ORGANIZATION}'\n"
                                       "      footer: Internal use only\n")
    result = build_kits("pack", "--model", "timed-talk", "--model", "short-talk", *SESSION_OPTIONS, "--out", "pack.pdf",
                        cwd=folder)
    assert result.returncode == 0, result.stderr
    return page_texts(folder / "pack.pdf")


def test_a_session_pack_has_its_agenda_in_clock_times_with_intro_breaks_and_debrief(session_pack):
    agenda_page = session_pack[1]
    rows = ["09:30 Introduction 15 min", "09:45 Timed talk", "10:15 Break 10 min", "10:25 Short talk",
            "10:45 Debrief 20 min", "Total 1 h 35 min"]
    places = [agenda_page.find(row) for row in rows]
    assert -1 not in places and places == sorted(places), agenda_page
    assert "0:00" not in agenda_page, "clock times replace the offsets"


def test_a_session_pack_carries_its_title_and_the_organization_on_the_cover_and_every_page(session_pack):
    title = "Service <b>academy</b> day 1"  # plain text: shown as written, never as markup
    cover = session_pack[0]
    assert cover.startswith(f"Acme <Corp> & Co WORKSHOP PACK {title}"), cover[:200]
    for text in session_pack:
        if BLANK not in text:
            assert "Coachbook workshop pack" not in text
    # The cover and agenda carry the pack's own header and footer; the kits after them their models'.
    for text in session_pack[:2]:
        assert f"{title} Workshop pack" in text and f"{ORGANIZATION} workshop pack Internal use only" in text, text


def test_the_default_title_is_the_first_models_and_a_count(workshop, pack_path):
    models = [load_model_data(data) for data in MODELS]
    assert session_title(models) == "Timed talk and 1 more"
    assert session_title(models[:1]) == "Timed talk"
    assert session_title(models, "de") == "Timed talk und 1 weiteres"
    assert session_title(models * 2, "fr") == "Timed talk et 3 autres"
    assert session_title(models, session=Session(title="Day 1")) == "Day 1"
    assert page_texts(pack_path)[0].startswith("WORKSHOP PACK Timed talk and 1 more DATE")


def test_the_running_header_keeps_a_long_title_on_one_line():
    """Checked on the layout: the header's margin box holds one line, cut with an ellipsis where it is too long."""
    title = "A whole day of the leadership academy, with practice in threes, debriefs and more words than fit " * 2
    document = pack_document([load_model_data(MODELS[0])], "a4", session=Session(title=title.strip()))
    for page in document.pages[:2]:
        [header] = [box for box in page._page_box.children if getattr(box, "at_keyword", None) == "@top-left"]
        lines = [line for block in header.children for line in block.children]
        assert len(lines) == 1 and lines[0].text_overflow == "ellipsis"
        assert lines[0].width > header.width, "the title should overflow, or this test proves little"


@pytest.mark.parametrize("args, message", [
    (["--start", "9:30"], "argument --start: must be a time of day as HH:MM, such as 09:30 (got '9:30')"),
    (["--start", "24:00"], "argument --start: must be a time of day as HH:MM"),
    (["--intro", "-5"], "argument --intro: must be whole minutes, 0 to 240 (got '-5')"),
    (["--break", "241"], "argument --break: must be whole minutes, 0 to 240 (got '241')"),
    (["--debrief", "ten"], "argument --debrief: must be whole minutes, 0 to 240 (got 'ten')"),
    (["--title", " "], "argument --title: must be one line of 1 to 120 printable characters"),
    (["--title", "x\u202e"], "argument --title: must be one line of 1 to 120 printable characters"),
])
def test_bad_session_options_give_one_line_and_exit_2(tmp_path, args, message):
    write_models(tmp_path / "models", MODELS[1:])
    result = build_kits("pack", "--model", "open-talk", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_the_session_is_part_of_a_packs_cache_identity():
    model = load_model_data(MODELS[0])
    [plain] = pack_jobs([model], ["a4"])
    assert Session().identity() == ()
    identities = {plain.cache_identity()} | {
        dataclasses.replace(plain, session=session).cache_identity()
        for session in (Session(title="T"), Session(start=570), Session(intro=5), Session(break_minutes=5),
                        Session(debrief=5))}
    assert len(identities) == 6


def load_model_data(data: dict):
    """A model dict validated by the real loader (through a temporary file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return load_model(write_models(Path(folder), [data]) / f"{data['id']}.yaml")
