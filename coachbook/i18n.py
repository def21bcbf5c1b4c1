"""UI strings of the site and the kits in several languages, from `coachbook/locales/<lang>.yaml`."""

from __future__ import annotations

import functools
import re
from importlib import resources

import yaml
from markupsafe import Markup, escape

DEFAULT_LANGUAGE = "en"
# A short BCP 47 tag as used in folder names: a two-letter language, optionally a region or script
# (de, pt-br, zh-hant). Two letters only, so that a folder such as `models/old/` is never taken for a language.
LANGUAGE_TAG = re.compile(r"^[a-z]{2}(-[a-z0-9]{2,8})?$")


def shipped_languages() -> tuple[str, ...]:
    """The languages with a catalog in the package, English first."""
    names = sorted(p.name.removesuffix(".yaml") for p in resources.files("coachbook").joinpath("locales").iterdir()
                   if p.name.endswith(".yaml"))
    return (DEFAULT_LANGUAGE, *[name for name in names if name != DEFAULT_LANGUAGE])


class Messages(dict):
    """One language's catalog: nested mappings of text, read in templates as `t.site.who_leads`."""

    def __init__(self, data: dict, language: str):
        super().__init__({key: Messages(value, language) if isinstance(value, dict) else value
                          for key, value in data.items()})
        self.language = language

    def count(self, key: str, n: int, **values) -> str:
        """The entry `key` (with `one` and `other` forms) for the number `n`, filled in."""
        forms = self[key]
        return forms[plural_form(self.language, n)].format(n=n, **values)


def plural_form(language: str, n: int) -> str:
    # French treats 0 like 1 ("0 question"); the shipped languages need no other rule.
    if language.split("-")[0] == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


@functools.cache
def _catalog_data(name: str) -> dict | None:
    file = resources.files("coachbook").joinpath("locales", f"{name}.yaml")
    if not file.is_file():
        return None
    return yaml.safe_load(file.read_text(encoding="utf-8"))


@functools.cache
def messages(language: str) -> Messages:
    """The catalog for `language`: `pt-br` falls back to `pt`, and any language without one to English."""
    for name in (language, language.split("-")[0], DEFAULT_LANGUAGE):
        data = _catalog_data(name)
        if data is not None:
            return Messages(data, language)
    raise LookupError(f"no catalog for {language!r}")  # unreachable while en.yaml ships


def has_catalog(language: str) -> bool:
    """Whether Coachbook ships UI strings for the language tag `language`, or for its base language (de-ch: de)."""
    return bool(LANGUAGE_TAG.fullmatch(language)) and any(
        _catalog_data(name) is not None for name in (language, language.split("-")[0]))


def lint_words(base_language: str) -> dict | None:
    """The words content lint knows of a base language (de, not de-ch), from its catalog's `lint:` section; None
    without one (no fallback to English: English verbs say nothing of another language's questions)."""
    if not re.fullmatch(r"[a-z]{2}", base_language):
        return None
    data = _catalog_data(base_language)
    return data.get("lint") if data else None


def language_name(language: str) -> str:
    """The language's own name (Deutsch, Français), or its tag when no catalog names it."""
    data = _catalog_data(language)
    return data["language_name"] if data else language


DURATION_FORMS = ("long", "short", "clock")


def duration_text(minutes: int | None, language: str, form: str = "long") -> str:
    """A length of time as readers see it, in `language`: the one formatter of durations.

    "long" on the site (1 minute, 45 minutes, 2 hours, 1 h 30 min; None: the catalog's open-ended), "short" in
    kits and the pack's agenda (45 min, 1 h, 1 h 30 min), "clock" for an offset on the agenda (0:45, 1:30).
    """
    if form not in DURATION_FORMS:
        raise ValueError(f"unknown duration form {form!r}: choose one of {', '.join(DURATION_FORMS)}")
    if minutes is None:
        return messages(language)["duration"]["open"]
    hours, rest = divmod(minutes, 60)
    if form == "clock":
        return f"{hours}:{rest:02d}"
    words = messages(language)["duration" if form == "long" else "pack"]

    def count(key: str, n: int) -> str:  # the site's catalog words agree with the number, the kits' abbreviate
        return words.count(key, n) if form == "long" else words[key].format(n=n)

    if not hours:
        return count("minutes", rest)
    return words["hours_minutes"].format(h=hours, m=rest) if rest else count("hours", hours)


def fill(template: str, **values) -> Markup:
    """A catalog text with its placeholders filled in, escaping every value that is not already markup."""
    return Markup(escape(template)).format(**values)
