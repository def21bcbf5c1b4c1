"""The conversation-model schema (contract section 1) as strict pydantic models."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 64
# C0 controls other than tab/newline, DEL and C1 controls: invisible, and unsafe in HTML and PDF text;
# and the line and paragraph separators, which the loader refuses in a file but a YAML escape ("\u2028")
# still spells: JavaScript strings and YAML itself read them as line breaks.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Halves of a character, from escapes such as "\ud83d": no file or page can hold them.
SURROGATES = re.compile("[\ud800-\udfff]")
# Characters that change how text around them is displayed without showing themselves: the bidi
# controls and marks of "Trojan Source" (CVE-2021-42574) and the deprecated shaping controls.
DISPLAY_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u206a-\u206f"
# Invisible characters that hide inside words: zero-width space, word joiner, invisible operators
# and a byte-order mark past the start of the file. ZWNJ/ZWJ (U+200C/U+200D) stay allowed, as
# emoji sequences and several scripts need them, and so does the soft hyphen (U+00AD).
INVISIBLE_CHARACTERS = "\u200b\u2060-\u2064\ufeff"
HIDDEN_CHARACTERS = re.compile(f"[{DISPLAY_CONTROLS}{INVISIBLE_CHARACTERS}]")
_DISPLAY_CONTROL = re.compile(f"[{DISPLAY_CONTROLS}]")
MAX_DIGITS = 18  # longer whole numbers are refused before int() (which stops at 4300 digits)

LED_BY = ("manager", "employee", "shared")
WHEN = ("before", "during", "after")
ASKED_BY = ("manager", "employee", "self")


class WholeNumberText(str):
    """A plain (unquoted) YAML scalar that reads as a whole number, kept as its exact text.

    The loader resolves no implicit types, so every scalar arrives as text; this marker
    lets integer fields accept `30` while text fields keep `007` exactly as written.
    """

    pattern = re.compile(r"^[-+]?[0-9]+$")


def hidden_character(character: str) -> str:
    """Why a HIDDEN_CHARACTERS character is refused, naming it: 'U+202E (RIGHT-TO-LEFT OVERRIDE) ...'."""
    name = unicodedata.name(character, "unassigned")
    why = ("it can make text display differently from what it says" if _DISPLAY_CONTROL.match(character)
           else "it is invisible, so the text is not what it seems")
    return f"U+{ord(character):04X} ({name}) is not allowed: {why}"


# Finds links as coachbook.text renders them: the same preset and rules (a test keeps them in step),
# but accepting every target, since markdown-it would silently drop `javascript:` and friends
# (left as plain text) where we want to tell the author.
_LINK_PARSER = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False}).enable(
    ["emphasis", "backticks", "link", "escape", "entity", "strikethrough"]
)
_LINK_PARSER.validateLink = lambda url: True


def link_targets(text: str) -> list[str]:
    """The target (href) of every link the renderer would make of `text`."""
    if "](" not in text:  # no inline link without it (reference links are off): skip the parse
        return []
    return [child.attrGet("href") or "" for token in _LINK_PARSER.parseInline(text)
            for child in token.children or [] if child.type == "link_open"]


def _link_problem(target: str) -> str | None:
    """Why a link target is refused, or None for a full http(s) address or a mailto: with an address."""
    refused = "is not allowed: write the full https:// address (or mailto:)"
    # Judge the href as written and percent-decoded: both must be safe, however a browser reads it.
    for url in (target, unquote(target)):
        try:
            parts = urlsplit(url)
            scheme, host = parts.scheme.lower(), parts.hostname
        except ValueError:  # e.g. an unclosed [IPv6 host
            return refused
        if scheme == "mailto":
            if not parts.path.strip():
                return "has no address after mailto:"
        elif scheme not in ("http", "https") or not host or any(c.isspace() for c in host):
            return refused
    return None


def _text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_character", "must not contain control characters")
    if SURROGATES.search(value):
        raise PydanticCustomError(
            "surrogate", "must not contain a surrogate escape such as \\ud83d: write the character itself")
    hidden = HIDDEN_CHARACTERS.search(value)
    if hidden:  # the loader reports these in a file at their exact position; this covers models built in code
        raise PydanticCustomError("hidden_character", "character {character}",
                                  {"character": hidden_character(hidden.group())})
    for target in link_targets(value):
        problem = _link_problem(target)
        if problem:
            raise PydanticCustomError("link", "link target {target} {problem}",
                                      {"target": repr(target), "problem": problem})
    return value


def _slug(value: str) -> str:
    if len(value) > SLUG_MAX_LENGTH:
        raise PydanticCustomError(
            "slug_length", "must be at most {limit} characters (got {length})",
            {"limit": SLUG_MAX_LENGTH, "length": len(value)},
        )
    if not SLUG_PATTERN.fullmatch(value):
        raise PydanticCustomError(
            "slug", "must be a slug: lowercase letters, digits and single hyphens (got {got})",
            {"got": repr(value)},
        )
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise PydanticCustomError(
            "url", "must be an http(s) URL (got {got})", {"got": repr(value)}
        )
    return value


def _whole_number(value: object) -> object:
    if isinstance(value, WholeNumberText):
        digits = len(value.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise PydanticCustomError(
                "int_size", "must be a whole number of at most {limit} digits (got {digits} digits)",
                {"limit": MAX_DIGITS, "digits": digits},
            )
        return int(value)
    if isinstance(value, str):
        unquote = " without quotes" if WholeNumberText.pattern.fullmatch(value) else ""
        raise PydanticCustomError("whole_number", "must be a whole number{unquote} (got {got})",
                                  {"unquote": unquote, "got": repr(value)})
    return value


def _choice(options: tuple[str, ...]):
    """Text that must be one of `options` (an enum in the JSON Schema)."""
    def check(value: str) -> str:
        if value not in options:
            raise PydanticCustomError(
                "choice", "must be one of {options} (got {got})",
                {"options": ", ".join(options), "got": repr(value)},
            )
        return value

    return Annotated[str, Field(strict=True, json_schema_extra={"enum": list(options)}), AfterValidator(check)]


def _whole_number_between(minimum: int, maximum: int):
    """A whole number from `minimum` to `maximum`, written without quotes."""
    # The range sits on the int, inside the before-validator, so the JSON Schema gets minimum/maximum.
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_whole_number)]


# json_schema_extra only shapes the exported JSON Schema (coachbook.schema_export) for editors;
# the validators enforce the same rules, with the loader's messages.
Text = Annotated[str, Field(strict=True, json_schema_extra={
    "minLength": 1, "pattern": r"\S", "patternErrorMessage": "must not be blank"}), AfterValidator(_text)]
Slug = Annotated[str, Field(strict=True, json_schema_extra={
    "pattern": SLUG_PATTERN.pattern, "maxLength": SLUG_MAX_LENGTH,
    "patternErrorMessage": "must be a slug: lowercase letters, digits and single hyphens"}), AfterValidator(_slug)]
HttpUrl = Annotated[str, Field(strict=True, json_schema_extra={
    "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+\S*$",
    "patternErrorMessage": "must be a full http:// or https:// address"}),
    AfterValidator(_text), AfterValidator(_http_url)]
TextList = Annotated[list[Text], Field(strict=True)]
NonEmptyTextList = Annotated[list[Text], Field(strict=True, min_length=1)]


class Strict(BaseModel):
    # Each field's docstring is its description: in the JSON Schema (editors) and the README's field reference.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, use_attribute_docstrings=True)


class Source(Strict):
    """Where the model comes from: the attribution. The text of the model is your own words."""

    title: Text
    """The source's title: a book, an article, or `Our own model`."""
    author: Text | None = None
    """Who wrote the source."""
    publisher: Text | None = None
    """Who published the source."""
    year: _whole_number_between(1000, 9999) | None = None
    """The year the source was published, four digits."""
    url: HttpUrl | None = None
    """Where to find the source: a full `https://` (or `http://`) address."""
    note: Text | None = None
    """How this model relates to the source, such as `Paraphrased and adapted.`"""


class Question(Strict):
    """A question, who asks it, and where to go from the answer."""

    text: Text
    """The question as it is asked."""
    asked_by: _choice(ASKED_BY)
    """Who asks it: `manager`, `employee`, or `self` (a reflection before or after the talk, not asked aloud; the site
    labels it by its stage's `when`: *Ask yourself beforehand*, *Ask yourself*, *Ask yourself afterwards*; the kits say
    *Ask yourself*)."""
    follow_ups: TextList = []
    """Questions to go deeper into the answer."""


class Step(Strict):
    """One step of a stage: why it matters, what to ask and say, what to avoid and to tick off."""

    id: Slug
    """The step's id: lowercase letters, digits and single hyphens, unique among the model's stage and step ids."""
    title: Text
    """The step's heading."""
    minutes: _whole_number_between(1, 240) | None = None
    """How long this step takes, in minutes: a whole number from 1 to 240."""
    purpose: Text
    """Why this step matters, in one or two sentences."""
    guidance: Text | None = None
    """Longer advice for the person doing this step."""
    questions: Annotated[list[Question], Field(strict=True)] = []
    """The questions of this step, in the order they are asked."""
    phrases: TextList = []
    """Things worth saying, ready to quote."""
    pitfalls: TextList = []
    """Things to avoid."""
    checklist: TextList = []
    """Items to tick off."""


class Stage(Strict):
    """A part of the conversation, before, during or after it, made of steps."""

    id: Slug
    """The stage's id: lowercase letters, digits and single hyphens, unique among the model's stage and step ids."""
    title: Text
    """The stage's heading."""
    when: _choice(WHEN)
    """When it happens: `before`, `during` or `after` the conversation."""
    summary: Text | None = None
    """What happens in this stage, in a sentence."""
    steps: Annotated[list[Step], Field(strict=True, min_length=1)]
    """The steps of this stage, in order: at least one."""

    @property
    def minutes(self) -> int | None:
        """The minutes its steps give, added up; None when no step gives any."""
        given = [step.minutes for step in self.steps if step.minutes is not None]
        return sum(given) if given else None


class PracticeRoles(Strict):
    """The two players' private briefs: each player reads only their own."""

    manager: Text
    """What only the manager knows, wants and assumes."""
    employee: Text
    """What only the employee knows: pressures, reasons, what they would say if asked well."""


class PracticeScenario(Strict):
    """A role-play scenario for training: a shared situation and a private brief for each player."""

    id: Slug
    """The scenario's id: lowercase letters, digits and single hyphens, unique among the model's scenarios."""
    title: Text
    """The scenario's heading."""
    situation: Text
    """What both players read: two or three sentences."""
    roles: PracticeRoles
    """Each player's private brief: `manager` and `employee`."""
    observe: TextList = []
    """Things for the observer to watch for in this scenario."""


class ConversationModel(Strict):
    """A coaching conversation model: one YAML file, `models/<id>.yaml`."""

    id: Slug
    """The model's id: lowercase letters, digits and single hyphens, at most 64 characters; the file name without `.yaml`."""
    title: Text
    """The name readers see, on the model's page and on its kits."""
    summary: Text
    """What this conversation is for, in one or two plain sentences."""
    # Extension to contract v1: the navigation group a model is listed under.
    group: Text | None = None
    """The navigation group the model is listed under (without it: Other conversations)."""
    source: Source
    """Who the idea comes from; the text itself is your own words."""
    led_by: _choice(LED_BY)
    """Who leads the conversation: `manager`, `employee` or `shared`."""
    duration_minutes: _whole_number_between(1, 480) | None = None
    """How long the conversation takes, in minutes: a whole number from 1 to 480."""
    cadence: Text | None = None
    """How often to hold it, in free text, such as `Every 30 to 45 days`."""
    tags: Annotated[list[Slug], Field(strict=True)] = []
    """Themes for the tags page, each lowercase letters, digits and single hyphens, such as `performance`."""
    use_when: NonEmptyTextList
    """Situations this conversation fits: at least one."""
    avoid_when: TextList = []
    """Situations it does not fit."""
    situations: TextList = []
    """Short phrases in a reader's own words for situations this conversation fits, such as `keeps missing deadlines`: the chooser's matchmaker ranks by them (aim for 5 to 10)."""
    stages: Annotated[list[Stage], Field(strict=True, min_length=1)]
    """The parts of the conversation, in order: at least one."""
    practice: Annotated[list[PracticeScenario], Field(strict=True)] = []
    """Role-play scenarios for training, for the practice kit: a model without them has no practice kit."""

    def questions(self):
        """Every question in order, with the stage and step it belongs to."""
        for stage in self.stages:
            for step in stage.steps:
                for question in step.questions:
                    yield stage, step, question

    def texts(self):
        """Every text a reader must find in the model's page, in reading order."""
        yield from (self.title, self.summary, *self.use_when, *self.avoid_when)
        for stage in self.stages:
            yield from (stage.title, *([stage.summary] if stage.summary else []))
            for step in stage.steps:
                yield from (step.title, step.purpose, *([step.guidance] if step.guidance else []))
                for question in step.questions:
                    yield from (question.text, *question.follow_ups)
                yield from (*step.phrases, *step.pitfalls, *step.checklist)
        source = self.source
        yield from (t for t in (source.title, source.author, source.publisher, source.url, source.note) if t)

    @property
    def question_count(self) -> int:
        return sum(1 for _ in self.questions())
