"""The kits' QR codes: rendered with pdftoppm and decoded with zbarimg, each leads to its page of the published site."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pypdf
import pytest

from browser import expect, in_ci, missing_browser
from coachbook.i18n import messages
from card_boxes import assert_cards_fit
from coachbook.kits import cache as kit_cache, cards as kit_cards
from coachbook.kits.catalog import PAPERS
from coachbook.kits.document import pdf_identifier
from coachbook.kits.jobs import KitJob, KitLinks, PackJob
from coachbook.kits.layouts import kit_document
from coachbook.model.loader import load_library, load_model
from coachbook.project import load_project
from coachbook.site.plan import SitePlan
from coachbook.text import normalized, plain_text
from conftest import MODEL_IDS, REPO, TRANSLATIONS, cli
from hostile import dump_yaml, hostile_model

HOSTILE = "hostile"
HOSTILE_SITE_URL = "https://intranet.example.org/playbook/"  # as conftest builds the hostile site
TOOLS = ("pdftoppm", "zbarimg")
# The lowest resolutions at which every code decodes: a card back's code is about 13 mm wide, a page's 16 to 18 mm.
CARD_DPI, PAGE_DPI = 150, 120
ZBAR = "{http://zbar.sourceforge.net/2008/barcode}"


def _skip_or_fail_without_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing: apt-get install poppler-utils zbar-tools"
        pytest.fail(message) if in_ci() else pytest.skip(message)


def decoded(pdf: Path, dpi: int, first: int = 1, last: int | None = None, *, even: bool = False,
            expected: dict[int, int] | None = None) -> list[str]:
    """Every QR code on the PDF's pages `first` to `last` (default: the last page; `even`: the even ones only), as
    zbarimg reads them from grayscale renderings at `dpi`, in one call each of pdftoppm and zbarimg.

    `expected`: how many codes each page (by number) holds. zbar misses a small code now and then at a resolution
    where it reads its neighbours (where its modules fall between pixels): such a page alone is read once more, at
    a higher resolution, so that what is tested is the code, not one rendering of it.
    """
    return decoded_first_pages([pdf], dpi, first, last, even=even, expected=expected)[pdf]


def decoded_first_pages(pdfs: list[Path], dpi: int, first: int = 1, last: int | None = 1, *, even: bool = False,
                        expected: dict[int, int] | None = None) -> dict[Path, list[str]]:
    """`decoded` for several PDFs (by default their first page), read by one zbarimg call: each call costs a start."""
    found = _read(pdfs, dpi, first, last, even)
    for pdf in pdfs:
        for page, count in (expected or {}).items():
            if len(found[pdf].get(page, [])) < count:
                found[pdf][page] = _read([pdf], dpi * 4 // 3, page, page, False)[pdf].get(page, [])
    return {pdf: [code for page in sorted(found[pdf]) for code in found[pdf][page]] for pdf in pdfs}


def _read(pdfs: list[Path], dpi: int, first: int, last: int | None, even: bool) -> dict[Path, dict[int, list[str]]]:
    """The codes zbarimg reads on each page rendered of each PDF, by page number."""
    _skip_or_fail_without_tools()
    images: dict[Path, Path] = {}  # each page's image: its PDF
    for pdf in pdfs:
        folder = pdf.parent / f"{pdf.name}-{first}-{last}-{dpi}-{even}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        pages = ["-f", str(first)] + (["-l", str(last)] if last else []) + ["-e"] * even
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), *pages, str(pdf), str(folder / "page")], check=True)
        rendered = sorted(folder.iterdir())
        assert rendered, f"{pdf.name}: no page rendered"
        images.update(dict.fromkeys(rendered, pdf))
    result = subprocess.run(["zbarimg", "--nodbus", "--quiet", "--xml", "-Sdisable", "-Sqrcode.enable", *map(str, images)],
                            capture_output=True, text=True)
    assert result.returncode in (0, 4), result.stderr  # 4: no code found
    found: dict[Path, dict[int, list[str]]] = {pdf: {} for pdf in pdfs}
    for image, pdf in images.items():
        found[pdf][_page_number(image)] = []
    for source in ElementTree.fromstring(result.stdout).iter(f"{ZBAR}source"):
        image = Path(source.get("href"))
        found[images[image]][_page_number(image)] += [data.text for data in source.iter(f"{ZBAR}data")]
    return found


def _page_number(image: Path) -> int:
    return int(image.stem.rsplit("-", 1)[1])


def page_texts(pdf: Path, first: int = 1, last: int | None = None) -> list[str]:
    """The text of each page (`first` to `last`) in the order it is written, as poppler's pdftotext extracts it (as pypdf
    does, ten times faster: these tests read every card back of every kit)."""
    pages = ["-f", str(first)] + (["-l", str(last)] if last else [])
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", *pages, str(pdf), "-"], capture_output=True, text=True,
                            check=True)
    return result.stdout.split("\f")[:-1]  # a form feed ends each page


def first_page_text(pdf: Path) -> str:
    return "".join(page_texts(pdf, 1, 1)[0].split())


def steps_with_questions(model) -> list:
    return [step for stage in model.stages for step in stage.steps if step.questions]


def _site_cases():
    """(site fixture, model id, language folder or None, paper): every shipped model and translation on the session
    site, the hostile model and its German translation on the hostile site."""
    models = [(model_id, None) for model_id in MODEL_IDS] + [(model_id, language) for model_id, language in TRANSLATIONS]
    return ([pytest.param("built_site", model_id, language, paper, id=f"{model_id}-{language or 'en'}-{paper}")
             for model_id, language in models for paper in PAPERS]
            + [pytest.param("hostile_site", HOSTILE, language, paper, id=f"hostile-{language or 'en'}-{paper}")
               for language in (None, "de") for paper in PAPERS])


@pytest.fixture(scope="session")  # not module: a module's fixture would keep the module's tests on one xdist worker
def hostile_models(tmp_path_factory) -> dict:
    """The hostile site's model and its German translation, as conftest writes them."""
    folder = tmp_path_factory.mktemp("hostile-models")
    (folder / "de").mkdir()
    (folder / f"{HOSTILE}.yaml").write_text(dump_yaml(hostile_model(HOSTILE)[0]), encoding="utf-8")
    (folder / "de" / f"{HOSTILE}.yaml").write_text(dump_yaml(hostile_model(HOSTILE, 5)[0]), encoding="utf-8")
    return {None: load_model(folder / f"{HOSTILE}.yaml"), "de": load_model(folder / "de" / f"{HOSTILE}.yaml")}


@pytest.mark.parametrize(("site", "model_id", "language", "paper"), _site_cases())
def test_every_code_of_every_kit_leads_to_its_page(request, tmp_path, site, model_id, language, paper, hostile_models):
    """Under a site_url with a sub-path: each card back leads to its card's step in conversation mode, the guide and
    the checklist to the conversation mode, the worksheet's first page and the pack's cover to the model page; a
    translation to its own language's pages. Each code has its label and its address printed under it."""
    if site == "built_site":
        built = request.getfixturevalue("built_site")
        root, site_url = built.root, built.url
        model = load_model(REPO / "models" / (f"{language}/{model_id}.yaml" if language else f"{model_id}.yaml"))
    else:
        root, site_url, model = request.getfixturevalue("hostile_site"), HOSTILE_SITE_URL, hostile_models[language]
    prefix = f"{site_url}{language}/" if language else site_url
    conversation, model_page = f"{prefix}run/{model_id}/", f"{prefix}models/{model_id}/"
    labels = messages(language or "en")["kit"]
    kits = root / "kits" / model_id
    suffix = f".{language}.pdf" if language else ".pdf"

    def kit(name: str) -> Path:  # a copy, beside which the page images go
        copy = tmp_path / f"{model_id}-{name}-{paper}{suffix}"
        shutil.copyfile(kits / copy.name, copy)
        return copy

    first_pages = [("guide", conversation, "qr_run"), ("checklist", conversation, "qr_run"),
                   ("worksheet", model_page, "qr_model"), ("pack", model_page, "qr_model")]
    if model.practice:  # the facilitator's page of the practice kit
        first_pages.append(("practice", model_page, "qr_model"))
    codes = decoded_first_pages([kit(name) for name, _, _ in first_pages], PAGE_DPI, expected={1: 1})
    for (name, address, label), (pdf, read) in zip(first_pages, codes.items(), strict=True):
        assert read == [address], f"{pdf.name}, page 1"
        text = first_page_text(pdf)
        assert "".join(labels[label].split()) in text and address in text, f"{pdf.name}: label or address not printed"
        if name == "guide":
            assert len(pypdf.PdfReader(pdf).pages) == 1, f"{pdf.name}: the code pushed the guide onto a second page"

    cards = kit("cards")
    wanted = _card_steps(cards, conversation, model, labels["card_back_number"])
    backs = decoded(cards, CARD_DPI, 2, even=True, expected={page: len(codes) for page, codes in wanted.items()})
    steps = steps_with_questions(model)
    # One code per card back: every question's card (a long one split onto more cards keeps its step).
    assert set(backs) == {f"{conversation}#{step.id}" for step in steps}, cards.name
    assert len(backs) >= sum(len(step.questions) for step in steps)
    assert Counter(backs) == Counter(code for codes in wanted.values() for code in codes), cards.name
    if paper == PAPERS[0]:  # the print-shop deck has no paper: read once per model; its backs follow its question cards
        deck = tmp_path / f"{model_id}-deck{suffix}"
        shutil.copyfile(kits / deck.name, deck)
        wanted = _card_steps(deck, conversation, model, labels["card_back_number"])
        backs = decoded(deck, CARD_DPI, 4, even=True, expected={page: len(codes) for page, codes in wanted.items() if page > 2})
        assert Counter(backs) == Counter(code for page, codes in wanted.items() if page > 2 for code in codes), deck.name
        assert set(backs) == {f"{conversation}#{step.id}" for step in steps}, deck.name


def _card_steps(cards: Path, conversation: str, model, back_number: str) -> dict[int, list[str]]:
    """The step address each card back should carry, by page, from the back's own text: its card number (`Q7`, as the
    catalog's `back_number` writes it) names the question, and the question its step."""
    steps = [step for stage in model.stages for step in stage.steps for _ in step.questions]
    prefix, wanted = back_number.split("{n}")[0], {}
    for number, text in enumerate(page_texts(cards), start=1):
        if number % 2 == 0:
            wanted[number] = [f"{conversation}#{steps[int(word[len(prefix):]) - 1].id}" for word in text.split()
                              if word.startswith(prefix) and word[len(prefix):].isdigit()]
    return wanted


@pytest.mark.parametrize("language", [None, "de"])
def test_codes_keep_the_guide_on_one_page_and_every_card_back_inside_its_card(hostile_models, language):
    """The hostile model's longest texts (and its German translation's, hyphenated) with codes: the guide is one page,
    and every card back's content, its code and address included, stays inside its card (the front is fitted)."""
    model = hostile_models[language]
    links = KitLinks(f"{HOSTILE_SITE_URL}models/{model.id}/", f"{HOSTILE_SITE_URL}run/{model.id}/")
    assert len(kit_document(model, "guide", "a4", language or "en", links=links).pages) == 1
    cards = kit_document(model, "cards", "letter", language or "en", links=links)
    assert assert_cards_fit(cards) >= 2 * model.question_count
    assert kit_cards.card_overflows(cards) == {}


def test_kits_built_without_a_site_url_carry_no_code(offline_site, tmp_path):
    """The offline build (no site_url, as for a file share) and the README's: no page a phone could open, no code."""
    model_id, labels = MODEL_IDS[0], messages("en")["kit"]
    for name, pages in (("guide", {}), ("pack", {}), ("cards", {"even": True, "first": 2})):
        pdf = tmp_path / f"{model_id}-{name}-a4.pdf"
        shutil.copyfile(offline_site / "kits" / model_id / pdf.name, pdf)
        assert decoded(pdf, CARD_DPI, pages.get("first", 1), None if pages else 1, even=pages.get("even", False)) == []
        text = first_page_text(pdf)
        assert not [key for key in ("qr_run", "qr_model") if "".join(labels[key].split()) in text], pdf.name
    cards = "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(pdf).pages)
    assert "".join(labels["qr_step"].split()) not in cards


def _plan(project: Path, **env: str) -> SitePlan:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("SITE_URL", "OFFLINE"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        loaded = load_project(project / "mkdocs.yml")
    return SitePlan.of_project(loaded, load_library([project / "models"], loaded.language))


@pytest.fixture
def small_project(tmp_path) -> Path:
    """The repository's mkdocs.yml (site_url from SITE_URL, the offline plugin from OFFLINE) over two shipped models
    and the German translation."""
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "models" / "de").mkdir(parents=True)
    for model_id, language in TRANSLATIONS[:1]:
        shutil.copy(REPO / "models" / language / f"{model_id}.yaml", tmp_path / "models" / language)
        shutil.copy(REPO / "models" / f"{model_id}.yaml", tmp_path / "models")
    shutil.copy(REPO / "models" / f"{MODEL_IDS[0]}.yaml", tmp_path / "models")
    return tmp_path


def test_the_plan_gives_each_kit_its_addresses_only_with_a_site_url_and_not_offline(small_project):
    jobs = _plan(small_project, SITE_URL="https://example.org/playbook").kit_jobs()
    assert jobs and all(job.links is not None for job in jobs if isinstance(job, KitJob))
    assert all(len(job.links) == len(job.models) for job in jobs if isinstance(job, PackJob))
    model_id, language = TRANSLATIONS[0]
    german = next(job for job in jobs if job.section == language and job.model.id == model_id)
    assert german.links == KitLinks(f"https://example.org/playbook/{language}/models/{model_id}/",
                                    f"https://example.org/playbook/{language}/run/{model_id}/")
    assert german.links.step("open") == f"https://example.org/playbook/{language}/run/{model_id}/#open"
    for env in ({}, {"SITE_URL": "https://example.org/", "OFFLINE": "true"}):
        assert all(not job.links for job in _plan(small_project, **env).kit_jobs()), env


def test_the_addresses_follow_use_directory_urls(small_project):
    config = small_project / "mkdocs.yml"
    config.write_text(config.read_text().replace("use_directory_urls: true", "use_directory_urls: false"))
    job = _plan(small_project, SITE_URL="https://example.org/p/").build_jobs([MODEL_IDS[0]], kits=["guide"])[0]
    assert job.links == KitLinks(f"https://example.org/p/models/{MODEL_IDS[0]}.html",
                                 f"https://example.org/p/run/{MODEL_IDS[0]}.html")


def test_a_kit_for_another_site_is_another_cache_entry_and_another_file(small_project):
    [first] = _plan(small_project, SITE_URL="https://a.example/").build_jobs([MODEL_IDS[0]], [], ["guide"], ["a4"])
    [other] = _plan(small_project, SITE_URL="https://b.example/").build_jobs([MODEL_IDS[0]], [], ["guide"], ["a4"])
    [none] = _plan(small_project).build_jobs([MODEL_IDS[0]], [], ["guide"], ["a4"])
    assert len({kit_cache.kit_key(job) for job in (first, other, none)}) == 3
    assert len({pdf_identifier(["guide"], "D:2024", links=(job.links,) if job.links else ())
                for job in (first, other, none)}) == 3
    pack = _plan(small_project, SITE_URL="https://a.example/").pack_job([MODEL_IDS[0]], "a4")
    assert pack.links == (first.links,) and kit_cache.kit_key(pack) != kit_cache.kit_key(
        _plan(small_project).pack_job([MODEL_IDS[0]], "a4"))


def test_the_command_builds_kits_with_codes_and_two_builds_are_byte_identical(small_project):
    """`coachbook build` with SITE_URL, twice without the cache: the same bytes, and the codes decode."""
    model_id, outputs = MODEL_IDS[0], []
    for run in ("one", "two"):
        result = cli("build", "--model", model_id, "--kit", "cards", "--paper", "letter", "--no-cache", "--quiet",
                     "--out", str(small_project / run), cwd=small_project, SITE_URL="https://example.org/playbook/",
                     SOURCE_DATE_EPOCH="1700000000")
        assert result.returncode == 0, result.stderr
        outputs.append((small_project / run / model_id / f"{model_id}-cards-letter.pdf").read_bytes())
    assert outputs[0] == outputs[1]
    assert len(pypdf.PdfReader(io.BytesIO(outputs[0])).pages) >= 2
    model = load_model(REPO / "models" / f"{model_id}.yaml")
    pdf = small_project / "one" / model_id / f"{model_id}-cards-letter.pdf"
    wanted = _card_steps(pdf, f"https://example.org/playbook/run/{model_id}/", model, messages("en")["kit"]["card_back_number"])
    backs = decoded(pdf, CARD_DPI, 2, even=True, expected={page: len(codes) for page, codes in wanted.items()})
    assert Counter(backs) == Counter(code for codes in wanted.values() for code in codes)
    assert set(backs) == {f"https://example.org/playbook/run/{model_id}/#{step.id}" for step in steps_with_questions(model)}


browser_tests = pytest.mark.skipif(bool(missing_browser()) and not in_ci(), reason=str(missing_browser()))


@browser_tests
def test_a_steps_address_opens_conversation_mode_at_that_step(open_page):
    """What a card's code leads to: the conversation mode, showing that card's step; another step's fragment moves it."""
    model = load_model(REPO / "models" / f"{MODEL_IDS[0]}.yaml")
    steps = [step for stage in model.stages for step in stage.steps]
    page, _ = open_page(f"run/{model.id}/#{steps[2].id}")
    shown = page.locator("li.cb-run-step:visible")
    expect(shown).to_have_attribute("id", steps[2].id)
    expect(page.locator(".cb-run-progress")).to_have_text(
        messages("en")["run"]["progress"].format(n=3, total=len(steps)))
    page.evaluate(f"location.hash = '#{steps[-1].id}'")
    expect(shown).to_have_attribute("id", steps[-1].id)
    assert normalized(plain_text(steps[-1].title)) in normalized(shown.inner_text())
