"""The banner of a failed rebuild (coachbook/site/serve_banner.py): the problems as text, whatever they hold, under the
catalog's words in each language, first in the page's body."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from coachbook.i18n import DEFAULT_LANGUAGE, messages, shipped_languages
from coachbook.site.serve_banner import problem_banner, with_banner

PROBLEMS = [
    "models/grow.yaml:3:8: title: must be text (got a list)",
    "models/grow.yaml:15:9: led_by: must be one of manager, employee, shared (got '</div><script>alert(1)</script>')",
    "models/<img src=x onerror=alert(1)>.yaml:1:1: a &amp; entity, {{ 7 * 7 }} and <!-- a comment -->",
]
PAGE = ('<!doctype html><html lang="de"><head><title>&lt;body&gt; in a title</title></head>'
        '<body dir="ltr" class="md-body"><header>Suche</header><main>Inhalt</main></body></html>').encode()


def banner_of(html: str):
    return BeautifulSoup(html, "html.parser").select_one("[role=alert]")


def test_each_problem_is_one_item_of_literal_text():
    banner = banner_of(problem_banner(PROBLEMS, DEFAULT_LANGUAGE))
    assert [item.get_text() for item in banner.select("li")] == PROBLEMS
    # The markup in the lines stayed text: the only elements are the banner's own.
    assert {element.name for element in banner.find_all()} == {"p", "strong", "ul", "li", "code"}
    assert not any(attribute.startswith("on") for element in banner.find_all() for attribute in element.attrs)


@pytest.mark.parametrize("language", shipped_languages())
def test_the_words_are_the_catalogs_in_the_sites_language(language):
    words = messages(language)["serve"]
    if language != DEFAULT_LANGUAGE:
        assert words["title"] != messages(DEFAULT_LANGUAGE)["serve"]["title"]  # translated, not English again
    banner = banner_of(problem_banner(PROBLEMS[:1], language))
    assert banner["lang"] == language and banner.select_one("strong").get_text() == words["title"]
    assert banner.select_one("p").get_text() == f"{words['title']} {words['note']}"
    assert banner.select_one("ul")["lang"] == "en"  # the terminal's lines are English in every site


def test_the_banner_comes_first_in_the_body_and_the_page_stays_as_it_was():
    banner = problem_banner(PROBLEMS, "de")
    page = BeautifulSoup(with_banner(PAGE, banner).decode(), "html.parser")
    assert page.body.find(recursive=False) is page.select_one("[role=alert]")
    assert page.body["class"] == ["md-body"] and page.title.get_text() == "<body> in a title"
    page.select_one("[role=alert]").decompose()
    assert str(page) == str(BeautifulSoup(PAGE.decode(), "html.parser"))


def test_a_page_without_a_body_tag_gets_the_banner_first():
    assert with_banner(b"<p>bare</p>", "<div>banner</div>") == b"<div>banner</div><p>bare</p>"
