"""Content lint: warnings about what makes a valid conversation model weak, each pointing at its field."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Iterable, Iterator

from .errors import ContentError
from .loader import FieldPath, LocatedModel, format_field_path
from .schema import ConversationModel

# A finding of one rule: the field it is about and what to do about it.
Finding = tuple[FieldPath, str]
Rule = Callable[[ConversationModel, str], Iterable[Finding]]

# Question marks of the scripts a model is likely written in: Latin, full-width (CJK), Arabic, Greek.
QUESTION_MARKS = "?\uff1f\u061f\u037e"
# What may close a question after its mark: quotes, brackets and inline Markdown emphasis or code.
CLOSING_CHARACTERS = "\"'\u201d\u2019\u00bb\u203a)]}*_`"
# Words that open a yes/no question in English.
AUXILIARIES = frozenset("""
    am is are was were do does did have has had can could will would shall should may might must
    isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't couldn't won't wouldn't
    shouldn't mustn't
""".split())
# "Could you describe ...?" reads as yes/no but asks for an open answer; these verbs make it a request.
OPEN_REQUEST_VERBS = frozenset("""
    tell describe explain walk share say talk give show expand elaborate outline summarise summarize sum
    list name recall picture imagine think
""".split())
# Words that carry no meaning of their own when comparing a purpose with its title.
STOPWORDS = frozenset("""
    a an the and or but of to in on at for by with from into about as is are be it its this that these those
    your you our we their they them his her him i me my so then than what which who how why when where all
    any each every some more most just also out up
""".split())
# Words that open an open question; after one, a later auxiliary ("which one, do you think, ...") is no yes/no.
INTERROGATIVES = frozenset("what which who whom whose how why when where".split())
WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
# The end of a sentence inside a question's text ("Here is what I saw. How does that match your view?").
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class LintWarning(ContentError):
    """One weakness in one valid model file, at a 1-based line and column: a content error that does not fail."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: warning: {self.field}: {self.message}"


def _words(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'"))


def _is_question(text: str) -> bool:
    return text.rstrip().rstrip(CLOSING_CHARACTERS + " ").endswith(tuple(QUESTION_MARKS))


def _yes_no_opening(text: str) -> str | None:
    """The auxiliary verb that makes a question a yes/no question, or None for an open (or either-or) one."""
    sentences = SENTENCE_END.split(text.strip())
    # The question itself: after any lead-in sentence, before any aside such as "(be honest)".
    sentence = next((s for s in reversed(sentences) if _is_question(s)), sentences[-1])
    words = _words(sentence)
    if words and words[0] not in AUXILIARIES and words[0] not in INTERROGATIVES:
        # "Since we talked, have you noticed ...?" is closed after its opening clause.
        _, comma, rest = sentence.partition(",")
        words = _words(rest) if comma else []
    if not words or words[0] not in AUXILIARIES:
        return None
    if len(words) > 2 and words[1] == "you" and words[2] in OPEN_REQUEST_VERBS:
        return None  # a polite request for an open answer: "Could you describe ...?"
    # "Is it X or Y?" offers a choice, not yes or no; "..., or not?" is still yes or no.
    if any(word == "or" and words[i + 1:i + 2] != ["not"] for i, word in enumerate(words)):
        return None
    return words[0]


def _questions(model: ConversationModel):
    """Every question with the path to it, in file order."""
    for stage_index, stage in enumerate(model.stages):
        for step_index, step in enumerate(stage.steps):
            for question_index, question in enumerate(step.questions):
                yield stage, ("stages", stage_index, "steps", step_index, "questions", question_index), question


def _explored_by_its_asker(model: ConversationModel, question) -> bool:
    """Whether a question is one its asker goes on to explore in the talk.

    Not a reflection before or after the talk, and not the employee's own request or check in a talk the
    manager leads ("Could you check in with me more often?"), which the manager answers rather than probes.
    """
    return question.asked_by != "self" and (model.led_by != "manager" or question.asked_by == "manager")


def not_a_question(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A question or follow-up, reflections included, that does not end with a question mark."""
    for _, path, question in _questions(model):
        texts = [((*path, "text"), question.text)]
        texts += [((*path, "follow_ups", index), text) for index, text in enumerate(question.follow_ups)]
        for field, text in texts:
            if not _is_question(text):
                yield field, "does not end with a question mark: phrase it as a question, or move it to phrases or checklist"


def closed_question(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A question explored in the talk that invites only yes or no (English models only)."""
    if language != "en":
        return  # the auxiliary verbs that open a yes/no question differ per language
    for _, path, question in _questions(model):
        # A reflection may well be a yes/no check; a question the asker explores deserves an open form.
        opening = _yes_no_opening(question.text) if _explored_by_its_asker(model, question) else None
        if opening:
            yield (*path, "text"), (f"a yes/no question ('{opening.capitalize()} ...'): "
                                    "an open one (what, how, which ...) gets a fuller answer")


def stage_without_question(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A stage none of whose steps has a question."""
    for index, stage in enumerate(model.stages):
        if not any(step.questions for step in stage.steps):
            yield ("stages", index), f"stage '{stage.id}' has no question in any of its steps"


def _content_words(text: str) -> set[str]:
    # A plural and its singular count as the same word.
    return {word.removesuffix("s") if len(word) > 3 else word for word in _words(text) if word not in STOPWORDS}


def purpose_repeats_title(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A step whose purpose adds at most one word of meaning to its title."""
    for stage_index, stage in enumerate(model.stages):
        for step_index, step in enumerate(stage.steps):
            if len(_content_words(step.purpose) - _content_words(step.title)) <= 1:
                yield (("stages", stage_index, "steps", step_index, "purpose"),
                       "repeats the step's title: say why the step matters")


def during_question_without_follow_ups(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A question explored during the conversation with nothing to go deeper."""
    for stage, path, question in _questions(model):
        if stage.when == "during" and not question.follow_ups and _explored_by_its_asker(model, question):
            yield path, "has no follow_ups: add one or two to go deeper during the conversation"


RULES: tuple[Rule, ...] = (
    not_a_question, closed_question, stage_without_question, purpose_repeats_title,
    during_question_without_follow_ups,
)


def lint(located: LocatedModel, language: str = "en") -> list[LintWarning]:
    """Every warning about one model written in `language` (an ISO 639-1 code), in file order."""
    warnings = []
    for rule in RULES:
        for field, message in rule(located.model, language):
            warnings.append(LintWarning(located.file, *located.position_of(field), format_field_path(field), message))
    return sorted(warnings)
