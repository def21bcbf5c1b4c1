"""Render the site's generated pages (model pages, conversation mode, cards, question bank, chooser, kits) as Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..i18n import DEFAULT_LANGUAGE, duration_text, fill, messages
from ..kits.catalog import WHEN_SYMBOLS
from ..model.schema import ConversationModel, Question, Stage, Step
from ..model.sequences import ConversationSequence, SequenceEntry
from ..text import inline_html, json_script, markdown_heading, numbers_itself, plain_text, yaml_string

QUESTIONS_PAGE = "questions.md"
CHOOSER_PAGE = "choose.md"
KITS_PAGE = "kits.md"

HOME_PAGE = "index.md"
SEQUENCES_FOLDER = "sequences"
TIME_LIMITS = ("15", "30", "60", "more")
"""The chooser's choices of "time available": up to 15, 30 or 60 minutes, or more than an hour (any length fits)."""
DEFAULT_EVENT_MINUTES = 60
"""A calendar event's length for a model that gives no duration_minutes."""


def labels(language: str = DEFAULT_LANGUAGE) -> dict:
    """The labels of choices (who asks, a self question by when, who leads, when, kits, papers) in `language`."""
    t = messages(language)
    return {key: t[key] for key in ("asked_by", "asked_self", "led_by", "when", "kits", "papers", "kit_descriptions")}



def model_page(model_id: str, language: str | None = None) -> str:
    """The source path of a model's page; MkDocs serves it at `models/<id>/` (a translation's at `<lang>/models/<id>/`)."""
    return language_page(f"models/{model_id}.md", language)


def sequence_page(sequence_id: str) -> str:
    """The source path of a sequence's page, served at `sequences/<id>/`; sequences are the originals' only."""
    return f"{SEQUENCES_FOLDER}/{sequence_id}.md"


def run_page(model_id: str, language: str | None = None) -> str:
    """The source path of a model's conversation mode, the page used during the talk: `run/<id>.md`."""
    return language_page(f"run/{model_id}.md", language)


def cards_page(model_id: str, language: str | None = None) -> str:
    """The source path of a model's question cards as a print view, one card or one step at a time: `cards/<id>.md`."""
    return language_page(f"cards/{model_id}.md", language)


def language_page(path: str, language: str | None = None) -> str:
    """A generated page's source path in the section of a translation language (None: the default language)."""
    return f"{language}/{path}" if language else path


@dataclass(frozen=True)
class Alternate:
    """The same page in another language, as linked from a page."""

    language: str
    name: str
    url: str


@dataclass(frozen=True)
class KitLink:
    """A kit as offered for download on a page."""

    kit: str
    paper: str
    url: str
    size: int
    language: str = DEFAULT_LANGUAGE

    @property
    def label(self) -> str:
        return messages(self.language)["kits"][self.kit]

    @property
    def paper_label(self) -> str:
        return messages(self.language)["papers"][self.paper]


@dataclass(frozen=True)
class CardStep:
    """A step with questions, as the print view shows it: its questions, each with its card's number in the model."""

    stage: Stage
    step: Step
    cards: list[tuple[int, Question]]


def card_steps(model: ConversationModel) -> list[CardStep]:
    """The model's steps that have questions, each question numbered as the cards kit numbers its card."""
    steps: list[CardStep] = []
    for number, (stage, step, question) in enumerate(model.questions(), start=1):
        if not steps or steps[-1].step is not step:
            steps.append(CardStep(stage, step, []))
        steps[-1].cards.append((number, question))
    return steps


@dataclass(frozen=True)
class TimelineEntry:
    """One conversation of a sequence as its page shows it: the model, its days, and where its kits are."""

    entry: SequenceEntry
    model: ConversationModel
    days: list[int]
    kits_url: str | None = None
    """The model's kits on the kits page, or None when no kits were built."""
    run_url: str | None = None
    """Its conversation mode: a full address when the site's is known, else relative to the sequence page."""


@dataclass(frozen=True)
class Membership:
    """A model's place in a sequence, as its page shows it: the sequence, its days, and its neighbours."""

    sequence: ConversationSequence
    days: list[int]
    before: ConversationModel | None
    after: ConversationModel | None


@dataclass(frozen=True)
class Calendar:
    """What a page's calendar form puts in the file: its name, the page's full address, and the events."""

    file: str
    page_url: str | None
    events: list[dict]

    @property
    def events_json(self) -> str:
        """The events for the form's data attribute: plain text, escaped by the template like any attribute."""
        return json.dumps(self.events, ensure_ascii=False)


def model_groups(models: Sequence[ConversationModel], language: str) -> list[tuple[str, list[ConversationModel]]]:
    """The models by their `group`, as the navigation and the chooser show them: groups sorted by name, a model
    without one in the catalog's 'Other conversations'. Names that differ only in their markup are one group."""
    other = messages(language)["site"]["other_conversations"]
    grouped: dict[str, tuple[str, list[ConversationModel]]] = {}
    for model in models:
        name = model.group or other
        grouped.setdefault(plain_text(name), (name, []))[1].append(model)
    return [grouped[key] for key in sorted(grouped)]


def _filesize(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text) if part.strip()]


def run_clock(minutes: int) -> str:
    """A length of whole minutes as conversation.js's clock shows it: m:ss, or h:mm:ss from an hour on."""
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:00" if hours else f"{minutes}:00"


class PageRenderer:
    """Turns validated models into the Markdown of the generated site pages, in one language.

    `section` is the folder of a translation language's pages (None for the default language's).
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE, section: str | None = None) -> None:
        self.language, self.section = language, section
        t = messages(language)
        self.env = Environment(
            loader=PackageLoader("coachbook", "templates/site"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            inline=inline_html, plain=plain_text, heading=markdown_heading, yaml_text=yaml_string,
            yaml_list=lambda items: Markup(json.dumps(list(items))), duration=lambda m: duration_text(m, language),
            filesize=_filesize, paragraphs=_paragraphs, fill=fill, json_script=json_script,
        )
        self.env.tests["numbered"] = numbers_itself  # `title is numbered`: it brings its own "Step 3:"
        self.env.globals.update(
            t=t, lang=language, labels=labels(language), section=section,
            model_page=lambda model_id: model_page(model_id, section), sequence_page=sequence_page, page=lambda path: language_page(path, section),
        )

    def _render(self, template: str, **context) -> str:
        return self.env.get_template(template).render(**context)

    def model_page(self, model: ConversationModel, kits: Sequence[KitLink] = (),
                   alternates: Sequence[Alternate] = (), memberships: Sequence[Membership] = (),
                   link: Callable[[str], str] = lambda target: target, page_url: str | None = None,
                   run_link: str | None = None, cards_link: str | None = None) -> str:
        """A model's page; `memberships`: the sequences it belongs to; `page_url`: its full address, if known;
        `run_link`: the link to its conversation mode; `cards_link`: to the print view of its cards."""
        t = messages(self.language)["site"]
        description = [plain_text(model.summary), f"{t['how_often']}: {plain_text(model.cadence)}" if model.cadence else ""]
        calendar = Calendar(f"{model.id}.ics", page_url, [self._event(model, [0], description)])
        return self._render("model.md.j2", model=model, kits=kits, alternates=alternates, memberships=memberships,
                            link=link, calendar=calendar, when=self.days_label, run_link=run_link,
                            cards_link=cards_link)

    def sequence_page(self, sequence: ConversationSequence, timeline: Sequence[TimelineEntry], link: Callable[[str], str],
                      page_url: str | None = None) -> str:
        """A sequence's page: its timeline, each conversation linking its model page and kits, and a calendar form."""
        part_of = messages(self.language)["site"]["calendar_part_of"].format(title=plain_text(sequence.title))
        run_line = messages(self.language)["site"]["calendar_run"]
        events = [self._event(item.model, item.days, [plain_text(item.model.summary),
                                                      plain_text(item.entry.note) if item.entry.note else "", part_of])
                  | ({"run": item.run_url, "run_line": run_line} if item.run_url else {})
                  for item in timeline]
        calendar = Calendar(f"{sequence.id}.ics", page_url, events)
        return self._render("sequence.md.j2", sequence=sequence, timeline=timeline, link=link, calendar=calendar,
                            when=self.days_label, repeat=self.repeat_label)

    @staticmethod
    def _event(model: ConversationModel, days: list[int], description: list[str]) -> dict:
        return {"days": days, "minutes": model.duration_minutes or DEFAULT_EVENT_MINUTES,
                "title": plain_text(model.title), "description": "\n\n".join(part for part in description if part)}

    def days_label(self, days: list[int]) -> str:
        """"Day 14", or "Days 14, 28, 42" for a conversation held more than once."""
        t = messages(self.language)["site"]
        return t["day"].format(n=days[0]) if len(days) == 1 else t["days"].format(days=", ".join(map(str, days)))

    def repeat_label(self, entry: SequenceEntry) -> str:
        """"Every 14 days, 5 times", or "" for a conversation held once."""
        if entry.repeat is None or entry.repeat.count == 1:
            return ""
        t = messages(self.language)["site"]
        return t.count("every_days", entry.repeat.every_days, times=t.count("times", entry.repeat.count))

    def run_page(self, model: ConversationModel, model_link: str) -> str:
        """A model's conversation mode: every step, readable as a list, that conversation.js shows one at a time."""
        t = messages(self.language)
        # Only catalog text reaches the script's JSON; model text stays in the page's HTML, escaped.
        script_labels = {key: t["run"][key] for key in (
            "progress", "announce", "start", "pause", "step_time", "step_time_open", "total_time",
            "total_time_open", "over", "notes_file_title", "notes_file_date", "no_notes",
            "planned", "notes_file_start", "notes_file_spent", "agreements", "agreements_heading", "no_agreements",
            "copied", "copy_failed", "deleted", "delete_confirm", "brought", "not_ours", "last_time",
            "last_time_heading", "done", "not_yet", "dropped", "unmarked")}
        # The bar's lines as the script's first frame writes them, written here already: the bar keeps its layout
        # (its lines wrap by their width) from the first paint, and nothing moves when the script starts.
        steps = [(stage, step) for stage in model.stages for step in stage.steps]
        # The talk itself comes first: its first step opens; the preparation is one tap away in the step list.
        start = next((i for i, (stage, _) in enumerate(steps) if stage.when == "during"), 0)
        planned = steps[start][1].minutes
        opening = {
            "index": start,
            "progress": fill(t["run"]["progress"], n=start + 1, total=len(steps)),
            "step": (fill(t["run"]["step_time"], elapsed=run_clock(0), planned=run_clock(planned)) if planned
                     else fill(t["run"]["step_time_open"], elapsed=run_clock(0))),
            "total": (fill(t["run"]["total_time"], elapsed=run_clock(0), planned=run_clock(model.duration_minutes))
                      if model.duration_minutes else fill(t["run"]["total_time_open"], elapsed=run_clock(0))),
        }
        return self._render("run.md.j2", model=model, model_link=model_link, script_labels=script_labels,
                            opening=opening)

    def cards_page(self, model: ConversationModel, model_link: str, kits: Sequence[KitLink] = (),
                   organization: str | None = None, logo: str | None = None) -> str:
        """A model's question cards as a print view, front beside back at their printed size; the address picks a
        step's cards (`#step-<id>`) or one card (`#card-<n>`). `kits`: its cards kits, the whole deck as PDF;
        `organization` and `logo` (the logo's link): the branding that the kit's card backs carry."""
        return self._render("cards.md.j2", model=model, model_link=model_link, steps=card_steps(model),
                            kits=[kit for kit in kits if kit.kit == "cards"], organization=organization, logo=logo,
                            symbols=WHEN_SYMBOLS, kit_labels=messages(self.language)["kit"])

    def home(self, models: Sequence[ConversationModel], link: Callable[[str], str]) -> str:
        """A translation language's home page: its conversations, chooser and question bank."""
        return self._render("home.md.j2", models=models, link=link)

    def question_bank(self, models: Sequence[ConversationModel], link: Callable[[str], str]) -> str:
        """Every question of every model, with the filters that bank.js runs; only catalog text reaches its data."""
        total = sum(model.question_count for model in models)
        t = messages(self.language)
        # The chooser's words (stop words, endings): the bank reads what a reader types as the matchmaker does.
        data = {"language": self.language, "shown": dict(t["site"]["bank_shown"]),
                "words": {"stop": t["chooser"]["stop_words"].split(), "endings": t["chooser"]["word_endings"].split()}}
        return self._render("questions.md.j2", models=models, link=link, total=total, data=data)

    def chooser(self, models: Sequence[ConversationModel], link: Callable[[str], str], *, data: dict) -> str:
        """The chooser: every model's card by group, with the matchmaker's controls and `data` (see coachbook.site.chooser)."""
        tags = sorted({tag for model in models for tag in model.tags})
        return self._render("choose.md.j2", models=models, groups=model_groups(models, self.language), link=link, tags=tags,
                            time_limits=TIME_LIMITS, data=data)

    def kits_page(self, models: Sequence[ConversationModel], kits: dict[str, Sequence[KitLink]], built: bool = True) -> str:
        """Every model's kits; with `built` false (a preview without kits), a page saying so."""
        return self._render("kits.md.j2", models=models, kits=kits, built=built)
