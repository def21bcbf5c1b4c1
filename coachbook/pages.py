"""Render the site's generated pages (model pages, question bank, chooser, kits) as Markdown."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .schema import ConversationModel
from .text import inline_html, plain_text

QUESTIONS_PAGE = "questions.md"
CHOOSER_PAGE = "choose.md"
KITS_PAGE = "kits.md"

LABELS = {
    "asked_by": {"manager": "Manager asks", "employee": "Employee asks", "self": "Reflect beforehand"},
    "led_by": {"manager": "The manager", "employee": "The employee", "shared": "Both, together"},
    "when": {"before": "Before the conversation", "during": "During the conversation", "after": "After the conversation"},
    "kits": {"worksheet": "Worksheet", "cards": "Question cards", "checklist": "Checklist", "guide": "One-page guide",
             "pack": "Workshop pack"},
    "papers": {"a4": "A4", "letter": "US Letter"},
    "kit_descriptions": {
        "worksheet": "Every stage, step and question with room to write; fillable on screen too.",
        "cards": "One card per question with its follow-ups, to cut out and deal; prints double-sided.",
        "checklist": "Every step and checklist item, before, during and after, with tick boxes.",
        "guide": "The whole conversation on one page, to keep beside the keyboard.",
        "pack": "One file for a session: a cover, an agenda, the worksheet, the cards and the checklist; print it double-sided.",
    },
}

# Characters Python-Markdown gives a meaning to in a heading; a backslash makes them literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!>])")


def model_page(model_id: str) -> str:
    """The source path of a model's page; MkDocs serves it at `models/<id>/`."""
    return f"models/{model_id}.md"


@dataclass(frozen=True)
class KitLink:
    """A kit as offered for download on a page."""

    kit: str
    paper: str
    url: str
    size: int

    @property
    def label(self) -> str:
        return LABELS["kits"][self.kit]

    @property
    def paper_label(self) -> str:
        return LABELS["papers"][self.paper]


def _heading(text: str) -> Markup:
    """A model text as literal Markdown heading text: nothing in it becomes markup."""
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=False)))


def _yaml_text(text: str) -> Markup:
    # JSON strings are valid YAML; escaping HTML first keeps a title inert in theme templates
    # that print `page.title` without escaping it.
    return Markup(json.dumps(html.escape(" ".join(text.split())), ensure_ascii=False))


def _duration(minutes: int | None) -> str:
    if minutes is None:
        return "As long as it needs"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    return f"{hours} h {rest} min" if rest else (f"{hours} hour" if hours == 1 else f"{hours} hours")


def _filesize(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text) if part.strip()]


class PageRenderer:
    """Turns validated models into the Markdown of the generated site pages."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("coachbook", "templates/site"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            inline=inline_html, plain=plain_text, heading=_heading, yaml_text=_yaml_text,
            yaml_list=lambda items: Markup(json.dumps(list(items))), duration=_duration,
            filesize=_filesize, paragraphs=_paragraphs,
        )
        self.env.globals.update(labels=LABELS, model_page=model_page)

    def _render(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**context)

    def model_page(self, model: ConversationModel, kits: Sequence[KitLink] = ()) -> str:
        return self._render("model.md.j2", model=model, kits=kits)

    def question_bank(self, models: Sequence[ConversationModel], link: Callable[[str], str]) -> str:
        total = sum(model.question_count for model in models)
        return self._render("questions.md.j2", models=models, link=link, total=total)

    def chooser(self, models: Sequence[ConversationModel], link: Callable[[str], str]) -> str:
        return self._render("choose.md.j2", models=models, link=link)

    def kits_page(self, models: Sequence[ConversationModel], kits: dict[str, Sequence[KitLink]]) -> str:
        return self._render("kits.md.j2", models=models, kits=kits)
