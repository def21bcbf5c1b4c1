"""Hostile text in every field of the schema leaves every output inert: site pages, search, sitemaps and PDFs."""

from __future__ import annotations

import json
import re

import tinycss2
from bs4 import BeautifulSoup
from hypothesis import example, given, settings, strategies as st

from coachbook.model.loader import load_library, load_model
from coachbook.text import (css_string, data_text, html_text, inline_html, json_script, markdown_heading, normalized,
                            plain_text, title_text, yaml_string)
from coachbook.kits.catalog import KIT_PAPERS, PAPERS
from conftest import missing_texts, page_text, run_page_texts
from pdf_texts import pdf_text
from hostile import (HOSTILE_BRANDING, HOSTILE_URL, MARKER, PAYLOADS, dump_yaml, hostile_model, hostile_sequence,
                     live_in_chooser_data, live_in_html, live_in_pdf, live_in_search_index, live_in_sitemap)


def test_the_hostile_model_fills_every_free_text_of_the_schema(tmp_path):
    data, paths = hostile_model("hostile")
    (tmp_path / "hostile.yaml").write_text(dump_yaml(data), encoding="utf-8")
    model = load_model(tmp_path / "hostile.yaml").model_dump()

    def value_at(path):
        value = model
        for part in path:
            value = value[part]
        return value

    # The walk found the fields that were added after the first hostile test, and every text is hostile.
    assert {("group",), ("source", "note"), ("cadence",), ("stages", 1, "steps", 1, "questions", 1, "follow_ups", 1),
            ("practice", 1, "roles", "employee"), ("practice", 1, "observe", 1)} <= set(paths)
    assert all(value_at(path) in (*PAYLOADS, HOSTILE_URL) for path in paths)
    texts = {value for value in _strings(model)} - {"hostile", MARKER} - {"manager", "during", "before", "after"}
    unreached = {text for text in texts if not text.startswith(("stage-", "step-", "scenario-")) and text not in (*PAYLOADS, HOSTILE_URL)}
    assert unreached == set()


def test_the_hostile_sequence_fills_every_free_text_of_its_schema(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "sequences").mkdir()
    (tmp_path / "models" / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    data, paths = hostile_sequence("hostile", "hostile")
    (tmp_path / "sequences" / "hostile.yaml").write_text(dump_yaml(data), encoding="utf-8")
    (sequence,) = load_library([tmp_path / "models"], sequences_dir=tmp_path / "sequences").sequences
    loaded = sequence.model_dump()
    assert {("title",), ("summary",), ("entries", 0, "note"), ("entries", 1, "note")} <= set(paths)
    assert all(loaded["entries"][i]["repeat"] is not None for i in range(2))  # the optional parts are filled too
    texts = set(_strings(loaded)) - {"hostile"}
    assert texts and texts <= {*PAYLOADS, HOSTILE_URL}


def test_hostile_sequence_text_is_shown_as_text(hostile_site):
    data, _ = hostile_sequence("hostile", "hostile")
    page = page_text(hostile_site / "sequences" / "hostile" / "index.html")
    texts = [data["title"], data["summary"], *(entry["note"] for entry in data["entries"])]
    assert missing_texts(texts, page) == []
    navigation = BeautifulSoup((hostile_site / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("nav.md-nav")
    assert normalized_title(data["title"]) in normalized_title(navigation.get_text())
    memberships = BeautifulSoup((hostile_site / "models" / "hostile" / "index.html").read_text(encoding="utf-8"),
                                "html.parser").select("ul.cb-memberships > li")
    assert len(memberships) == 2 and all(normalized_title(data["title"]) in normalized_title(li.get_text())
                                         for li in memberships)
    form = BeautifulSoup((hostile_site / "sequences" / "hostile" / "index.html").read_text(encoding="utf-8"),
                         "html.parser").select_one("form.cb-calendar-form")
    events = json.loads(form["data-cb-events"])  # the calendar's data survives as data, in an attribute
    assert [event["days"] for event in events] == [[0], [0]]


def normalized_title(text: str) -> str:
    return normalized(plain_text(text))


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_every_page_of_the_site_is_inert(hostile_site):
    problems = [problem for page in sorted(hostile_site.rglob("*.html"))
                for problem in live_in_html(page.read_text(encoding="utf-8"), str(page.relative_to(hostile_site)))]
    assert problems == []


def test_the_search_index_and_sitemaps_are_inert(hostile_site):
    assert live_in_search_index(hostile_site / "search" / "search_index.json") == []
    sitemaps = sorted(hostile_site.rglob("sitemap.xml"))
    assert len(sitemaps) == 2  # the site's and the German section's
    assert [problem for sitemap in sitemaps for problem in live_in_sitemap(sitemap)] == []


def test_the_chooser_data_is_inert_and_the_page_carries_the_same(hostile_site, tmp_path):
    files = sorted(hostile_site.rglob("choose.json"))
    assert [f.relative_to(hostile_site).as_posix() for f in files] == ["choose.json", "de/choose.json"]
    assert [problem for data in files for problem in live_in_chooser_data(data)] == []
    (tmp_path / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    model = load_model(tmp_path / "hostile.yaml")
    for data in files:
        page = BeautifulSoup((data.parent / "choose" / "index.html").read_text(encoding="utf-8"), "html.parser")
        inline = page.select_one('script#cb-chooser-data[type="application/json"]').string
        assert json.loads(inline) == json.loads(data.read_text(encoding="utf-8"))
    # Every text arrives as the plain text a reader sees, payloads and all.
    (hostile,) = json.loads(files[0].read_text(encoding="utf-8"))["models"]
    assert hostile["use_when"] == [data_text(text) for text in model.use_when]
    assert hostile["situations"] == [data_text(text) for text in model.situations] and MARKER in hostile["situations"][0]
    assert hostile["title"] == data_text(model.title) and MARKER in hostile["title"]


def test_every_kit_and_pack_is_inert(hostile_site):
    pdfs = sorted((hostile_site / "kits").rglob("*.pdf"))
    # Every kit (the hostile model has scenarios, so its practice kit too) and the packs, of the original and the translation.
    assert len(pdfs) == 2 * (len(KIT_PAPERS) + len(PAPERS))
    assert [problem for pdf in pdfs for problem in live_in_pdf(pdf)] == []
    assert [pdf.name for pdf in pdfs if b"file:" in pdf.read_bytes()] == []


def test_hostile_text_is_shown_as_text(hostile_site, tmp_path):
    (tmp_path / "hostile.yaml").write_text(dump_yaml(hostile_model("hostile")[0]), encoding="utf-8")
    model = load_model(tmp_path / "hostile.yaml")
    assert missing_texts(model.texts(), page_text(hostile_site / "models" / "hostile" / "index.html")) == []
    conversation_mode = page_text(hostile_site / "run" / "hostile" / "index.html")
    assert missing_texts([text for stage in model.stages for step in stage.steps for text in (stage.title, *run_page_texts(step))],
                         conversation_mode) == []
    cards = page_text(hostile_site / "cards" / "hostile" / "index.html")
    assert missing_texts([model.title, *(text for stage in model.stages for step in stage.steps if step.questions
                                         for text in (stage.title, step.title))]
                         + [text for _, _, question in model.questions() for text in (question.text, *question.follow_ups)],
                         cards) == []
    assert normalized(HOSTILE_BRANDING["organization"]) in cards  # the card backs' branding, as text
    # The practice kit, in both languages: every scenario text and every step of the conversation, as text.
    translation = tmp_path / "de" / "hostile.yaml"
    translation.parent.mkdir()
    translation.write_text(dump_yaml(hostile_model("hostile", 5)[0]), encoding="utf-8")
    for played, name in ((model, "hostile-practice-a4.pdf"), (load_model(translation), "hostile-practice-a4.de.pdf")):
        practice = [text for scenario in played.practice for text in (
            scenario.title, scenario.situation, scenario.roles.manager, scenario.roles.employee, *scenario.observe)]
        during = [step.title for stage in played.stages if stage.when == "during" for step in stage.steps]
        # Compared without whitespace: a line may break inside an address ("https:// evil.example"), which pypdf
        # gives back with a space.
        kit = re.sub(r"\s+", "", pdf_text(hostile_site / "kits" / "hostile" / name))
        assert [text for text in practice + during if re.sub(r"\s+", "", normalized(plain_text(text))) not in kit] == [], name
    navigation = BeautifulSoup((hostile_site / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("nav.md-nav")
    assert model.group in navigation.get_text()
    footer = BeautifulSoup((hostile_site / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("footer")
    assert HOSTILE_BRANDING["footer"] in footer.get_text()


def test_a_scanner_finds_what_it_looks_for():
    """The scanners are the test: each must catch the live thing that model text could become."""
    assert live_in_html(f"<p><img src=x onerror=alert(1) {MARKER}></p>", "page")
    assert live_in_html("<nav><span><svg onload=alert(1)></svg></span></nav>", "page")
    assert live_in_html('<a href="javascript:alert(1)">x</a>', "page")
    assert live_in_html('<a href="file:///etc/passwd">x</a>', "page")
    assert live_in_html(f"<script>alert('{MARKER}')</script>", "page")
    assert live_in_html(f'<link rel=stylesheet href="https://evil.example/{MARKER}">', "page")
    assert live_in_html(f'<script type="application/json">{{"a": "</script><img src=x onerror=alert(1) {MARKER}>"}}</script>', "page")
    assert live_in_html('<script type="application/json">{"a": "<!--"}</script>', "page")
    assert live_in_html("<script type=application/json>{not json}</script>", "page")
    assert not live_in_html(f'<script type="application/json">{{"a": "\\u003cb {MARKER}\\u003e"}}</script>', "page")
    assert not live_in_html(f"<p>&lt;img src=x onerror=alert(1) {MARKER}&gt;</p>", "page")
    assert not live_in_html(f'<a href="https://example.org/{MARKER}">x</a>', "page")


# --------------------------------------------------------------------------- each output function, any text

ANY_TEXT = st.one_of(
    st.text(),
    st.lists(st.sampled_from([*PAYLOADS, "<", ">", "&", '"', "'", "`", "*", "[", "](", ")", "{", "}", "\\", "#", ":",
                              "javascript:", "https://x.example/", "mailto:", "\n", " "]), max_size=12).map("".join),
)
ALLOWED_INLINE = {"a", "em", "strong", "code", "s", "br"}  # br: a backslash before a line break


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@example("[]()")  # markdown-it makes a link of an empty target without asking validateLink
@example("see [the guide]( ) here")
def test_inline_html_makes_only_inline_markup_and_safe_links(text):
    soup = BeautifulSoup(str(inline_html(text)), "html.parser")
    for element in soup.find_all(True):
        assert element.name in ALLOWED_INLINE
        allowed = {"href", "rel"} if element.name == "a" else set()
        assert set(element.attrs) <= allowed
        if element.name == "a":
            assert element["href"].startswith(("http://", "https://", "mailto:"))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_titles_headings_and_css_strings_carry_no_markup(text):
    for inert in (title_text(text), html_text(text), yaml_string(text)):
        assert "<" not in inert and ">" not in inert
    heading = str(markdown_heading(text))
    assert "<" not in heading and "{" not in heading.replace("\\{", "")
    # A CSS value of quoted strings and counters only: nothing in the text ends a string or starts a rule.
    tokens = tinycss2.parse_component_value_list(str(css_string(text)))
    assert {token.type for token in tokens} <= {"string", "whitespace", "function"}
    assert {token.lower_name for token in tokens if token.type == "function"} <= {"counter"}
    assert "<" not in str(css_string(text))


JSON_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), ANY_TEXT),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(ANY_TEXT, children, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_DATA)
def test_json_script_cannot_close_its_element_and_reads_back_as_the_data(data):
    body = str(json_script(data))
    assert not set(body) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(body) == data
    # As a browser's HTML parser sees it: one script element whose text is all of it.
    soup = BeautifulSoup(f'<script type="application/json">{body}</script><p>after</p>', "html.parser")
    assert soup.script.string == body and soup.p.get_text() == "after"


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_data_text_is_the_plain_text_on_one_line(text):
    assert data_text(text) == " ".join(plain_text(text).split())
    assert "\n" not in data_text(text)
