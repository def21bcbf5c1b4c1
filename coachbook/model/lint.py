"""Content lint: warnings about what makes a valid conversation model weak, each pointing at its field."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from typing import Callable, Iterable, Iterator, Mapping

from ..errors import ContentError
from ..i18n import lint_words
from ..text import numbers_itself
from .loader import FieldPath, LocatedModel, format_field_path
from .schema import ConversationModel

# A finding of one rule: the field it is about and what to do about it.
Finding = tuple[FieldPath, str]
Rule = Callable[[ConversationModel, str], Iterable[Finding]]

# Question marks of the scripts a model is likely written in: Latin, full-width (CJK), Arabic, Greek.
QUESTION_MARKS = "?\uff1f\u061f\u037e"
# What may close a question after its mark: quotes (English ” ’, German “ ‘ « ‹, French and Spanish » ›),
# brackets and inline Markdown emphasis or code; spaces too, as French puts one inside its guillemets.
CLOSING_CHARACTERS = "\"'\u201d\u2019\u201c\u2018\u00bb\u203a\u00ab\u2039)]}*_`"
TRAILING_CLOSERS = re.compile(rf"[\s{re.escape(CLOSING_CHARACTERS)}]+$")
WORD = re.compile(r"\w+(?:'\w+)*")
# The end of a sentence inside a question's text ("Here is what I saw. How does that match your view?"), or of
# a lead-in ("Be honest: what went wrong?", "Stellen Sie sich vor: ...").
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


@dataclasses.dataclass(frozen=True)
class Language:
    """What the language-bound rules know of one language: the data one rule engine reads.

    A yes/no question opens with a finite verb; an open question opens with an interrogative. The verb is
    one of `openers`, or any word that a subject pronoun in `subjects` follows when the word has one of the
    verb endings given for that pronoun (German "Denkst du", French "Penses-tu").
    """

    openers: frozenset[str]
    interrogatives: frozenset[str]
    open_examples: str  # the open words the message suggests, in the model's language
    request_verbs: frozenset[str]  # "Could you describe ...?" reads as yes/no but asks for an open answer
    request_subjects: frozenset[str] = frozenset()  # who is asked ("you"); empty where the verb carries the person
    fillers: frozenset[str] = frozenset()  # what may stand between the subject and a request verb
    request_verb_last: bool = False  # the request verb ends the main clause (German) instead of following
    subjects: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    not_verbs: frozenset[str] = frozenset()  # words before a pronoun that are no verb though they end like one
    conjunctions: frozenset[str] = frozenset()  # skipped before the verb: "And did you ...?"
    clitics: frozenset[str] = frozenset()  # pronouns before the verb, part of the opening: "Y a-t-il", "Te gustaría"
    or_words: frozenset[str] = frozenset()  # "Is it X or Y?" offers a choice, not yes or no ...
    negations: frozenset[str] = frozenset()  # ... but "..., or not?" is still yes or no
    stopwords: frozenset[str] = frozenset()  # no meaning of their own when comparing a purpose with its title
    plural_endings: tuple[str, ...] = ()  # stripped so that a plural and its singular count as one word
    word: re.Pattern[str] = WORD
    question_opening: str = ""  # a mark that opens a question (Spanish "¿"): the question starts after it
    fold_accents: bool = False  # "Etes-vous", "konnen": an accent never tells two of the listed verbs apart

    @classmethod
    def from_catalog(cls, words: Mapping) -> Language:
        """A language as its catalog's `lint:` section gives it (coachbook/locales/<lang>.yaml): word lists as
        space-separated words, `subjects` as each pronoun's verb endings ("" for any verb), `word_pattern` (how
        the language's words are found) and `request_verb_endings` (pronouns a request verb may end in)."""
        values: dict = {}
        for name, value in words.items():
            if name in ("open_examples", "question_opening", "request_verb_last", "fold_accents"):
                values[name] = value
            elif name == "plural_endings":
                values[name] = tuple(value.split())
            elif name == "subjects":
                values[name] = {pronoun: tuple(endings.split()) or ("",) for pronoun, endings in value.items()}
            elif name == "word_pattern":
                values["word"] = re.compile(value)
            elif name != "request_verb_endings":
                values[name] = _set(value)
        if "request_verb_endings" in words:  # Spanish attaches the pronoun: "contarme", "explicarnos"
            values["request_verbs"] = frozenset(verb + ending for verb in values["request_verbs"]
                                                for ending in ("", *words["request_verb_endings"].split()))
        return cls(**values)  # a key the rules do not know is a TypeError: a catalog's typo fails loudly

    def __post_init__(self) -> None:
        if self.fold_accents:
            for name in ("openers", "request_verbs"):
                words = getattr(self, name)
                object.__setattr__(self, name, words | {_without_accents(word) for word in words})


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


NEUTRAL = Language(openers=frozenset(), interrogatives=frozenset(), open_examples="", request_verbs=frozenset())


@functools.cache
def _language(language: str) -> Language | None:
    """The lint words of `language`'s base language (`de-ch` reads as `de`) from its catalog, or None when its
    catalog has none: such a language gets only the language-neutral rules, as judging its questions by another
    language's verbs would be wrong, and its purposes are compared without stopwords."""
    words = lint_words(re.split(r"[-_]", language.casefold())[0])
    return Language.from_catalog(words) if words is not None else None


class LintWarning(ContentError):
    """One weakness in one valid model file, at a 1-based line and column: a content error that does not fail."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: warning: {self.field}: {self.message}"


def _tokens(text: str, language: Language) -> list[str]:
    """The words of a text as written (for messages); compare them casefolded."""
    return language.word.findall(unicodedata.normalize("NFKC", text).replace("\u2019", "'"))


def _words(text: str, language: Language) -> list[str]:
    return [token.casefold() for token in _tokens(text, language)]


def _is_question(text: str) -> bool:
    return TRAILING_CLOSERS.sub("", text).endswith(tuple(QUESTION_MARKS))


def _verb_first(words: list[str], language: Language) -> tuple[int, int] | None:
    """Where the opening of a yes/no question starts (clitics included) and where its verb is, or None."""
    start = 0
    while start < len(words) - 1 and words[start] in language.conjunctions:
        start += 1
    verb = start
    while verb < len(words) - 1 and words[verb] in language.clitics:
        verb += 1
    if verb >= len(words):
        return None
    word, subject = words[verb], words[verb + 1] if verb + 1 < len(words) else ""
    if word in language.openers:
        return start, verb
    # Not a word that only looks like a verb ("Wenn du ...", "Was denkst du"), nor an imperative request
    # ("Erzählen Sie mir, ...?"), which reads like a German yes/no question but asks for an open answer.
    if (subject in language.subjects and word.endswith(language.subjects[subject])
            and word not in language.not_verbs | language.interrogatives | language.request_verbs):
        return start, verb
    return None


def _is_request(clause: str, verb: int, language: Language) -> bool:
    """Whether "Could you describe ...?" asks for an open answer: a request verb after the verb and its subject."""
    words = _words(clause, language)[verb + 1:]
    if language.request_subjects:
        if not words or words[0] not in language.request_subjects:
            return False
        words = words[1:]
    if language.request_verb_last:  # "Kannst du mir mehr darüber erzählen, ...?"
        main_clause = _words(clause.partition(",")[0], language)
        return bool(main_clause) and main_clause[-1] in language.request_verbs
    words = [word for word in words if word not in language.fillers]
    return bool(words) and words[0] in language.request_verbs


def _offers_choice(words: list[str], language: Language) -> bool:
    """ "Is it X or Y?" offers a choice, not yes or no; "..., or not?" and "..., oder?" are still yes or no."""
    return any(word in language.or_words and words[i + 1:i + 2] and words[i + 1] not in language.negations
               for i, word in enumerate(words))


def _yes_no_opening(text: str, language: Language) -> str | None:
    """The words that make a question a yes/no question, as written, or None for an open (or either-or) one."""
    sentences = SENTENCE_END.split(text.strip())
    # The question itself: after any lead-in sentence, before any aside such as "(be honest)".
    clause = next((s for s in reversed(sentences) if _is_question(s)), sentences[-1])
    if language.question_opening and language.question_opening in clause:
        clause = clause[clause.rindex(language.question_opening) + 1:]  # "Desde que hablamos, ¿has notado ...?"
    words = _words(clause, language)
    found = _verb_first(words, language)
    # "Since we talked, have you noticed ...?" is closed after its opening clause; an interrogative in the
    # first two words ("Which one, do you think, ...", "Mit wem, glaubst du, ...") keeps it open.
    if found is None and not set(words[:2]) & language.interrogatives:
        _, comma, clause = clause.partition(",")
        words = _words(clause, language)
        found = _verb_first(words, language) if comma else None
    if found is None or _is_request(clause, found[1], language) or _offers_choice(words, language):
        return None
    start, verb = found
    # The message names the verb with what belongs to it, written as in the text: "Y a-t-il", "N'as-tu",
    # "Te gustaría" (an elided word and a hyphenated subject join their neighbour).
    tokens = _tokens(clause, language)
    end = verb + 2 if tokens[verb + 1:verb + 2] and tokens[verb + 1].startswith("-") else verb + 1
    return "".join(token if i == start or token.startswith("-") or tokens[i - 1].endswith("'") else f" {token}"
                   for i, token in enumerate(tokens[start:end], start))


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
    """A question explored in the talk that invites only yes or no (in a language the lint knows)."""
    rules = _language(language)
    if rules is None:
        return  # the words that open a yes/no question differ per language; English ones would misjudge
    for _, path, question in _questions(model):
        # A reflection may well be a yes/no check; a question the asker explores deserves an open form.
        opening = _yes_no_opening(question.text, rules) if _explored_by_its_asker(model, question) else None
        if opening:
            yield (*path, "text"), (f"a yes/no question ('{opening.capitalize()} ...'): "
                                    f"an open one ({rules.open_examples} ...) gets a fuller answer")


def stage_without_question(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A stage none of whose steps has a question."""
    for index, stage in enumerate(model.stages):
        if not any(step.questions for step in stage.steps):
            yield ("stages", index), f"stage '{stage.id}' has no question in any of its steps"


def _content_words(text: str, language: Language) -> set[str]:
    words = {_without_accents(word) for word in _words(text, language) if word not in language.stopwords}
    # A plural and its singular count as the same word: strip the first plural ending that leaves a stem.
    return {next((word.removesuffix(end) for end in language.plural_endings
                  if word.endswith(end) and len(word) - len(end) >= 3), word) for word in words}


def purpose_repeats_title(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A step whose purpose adds at most one word of meaning to its title."""
    rules = _language(language) or NEUTRAL  # without stopwords it warns less, never wrongly
    for stage_index, stage in enumerate(model.stages):
        for step_index, step in enumerate(stage.steps):
            if len(_content_words(step.purpose, rules) - _content_words(step.title, rules)) <= 1:
                yield (("stages", stage_index, "steps", step_index, "purpose"),
                       "repeats the step's title: say why the step matters")


def during_question_without_follow_ups(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A question explored during the conversation with nothing to go deeper."""
    for stage, path, question in _questions(model):
        if stage.when == "during" and not question.follow_ups and _explored_by_its_asker(model, question):
            yield path, "has no follow_ups: add one or two to go deeper during the conversation"


def _during_steps(model: ConversationModel):
    """Every step of a `during` stage with the path to it, in file order."""
    for stage_index, stage in enumerate(model.stages):
        if stage.when == "during":
            for step_index, step in enumerate(stage.steps):
                yield ("stages", stage_index, "steps", step_index), step


def minutes_over_duration(model: ConversationModel, language: str) -> Iterator[Finding]:
    """The minutes of the steps during the conversation add up to more than the time it is given."""
    planned = sum(step.minutes or 0 for _, step in _during_steps(model))
    if model.duration_minutes is not None and planned > model.duration_minutes:
        yield ("duration_minutes",), (f"the steps during the conversation add up to {planned} minutes, more than"
                                      f" the {model.duration_minutes} it is given: shorten them or raise the duration")


def step_without_minutes(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A step during the conversation without minutes while others have them: the plan has a hole."""
    steps = list(_during_steps(model))
    if any(step.minutes is not None for _, step in steps):
        for path, step in steps:
            if step.minutes is None:
                yield path, "has no minutes while other steps during the conversation have them: give it some"


def without_situations(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A model with no `situations`: the chooser's matchmaker has only the model's own wording to go by."""
    if not model.situations:
        yield ("situations",), ("has none: add 5 to 10 short phrases in a reader's own words (\"keeps missing"
                                " deadlines\"), so that the chooser finds this model for them")


def numbered_title(model: ConversationModel, language: str) -> Iterator[Finding]:
    """A stage or step title that starts with its own number ("Step 3:", "3.", "Stage 2 -"): the kits and the site
    number and label steps themselves, and the number goes stale when a step moves."""
    for stage_index, stage in enumerate(model.stages):
        if numbers_itself(stage.title):
            yield ("stages", stage_index, "title"), "starts with its own number: drop it, the order says it"
        for step_index, step in enumerate(stage.steps):
            if numbers_itself(step.title):
                yield (("stages", stage_index, "steps", step_index, "title"),
                       "starts with its own number: drop it, the kits and the site number the steps")


RULES: tuple[Rule, ...] = (
    not_a_question, closed_question, stage_without_question, purpose_repeats_title,
    during_question_without_follow_ups, minutes_over_duration, step_without_minutes, without_situations,
    numbered_title,
)


def lint(located: LocatedModel, language: str = "en") -> list[LintWarning]:
    """Every warning about one model written in `language` (a BCP 47 tag such as `de` or `de-ch`), in file order."""
    warnings = []
    for rule in RULES:
        for field, message in rule(located.model, language):
            warnings.append(LintWarning(located.file, *located.position_of(field), format_field_path(field), message))
    return sorted(warnings)
