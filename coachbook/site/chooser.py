"""The chooser's data: each model's facts and texts as plain JSON, for the matchmaker and the favourites list."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..i18n import messages
from ..model.schema import ConversationModel
from ..text import data_text
from .pages import KitLink

DATA_FILE = "choose.json"
"""Beside the chooser page in each language's folder; the page carries the same data inline."""


def chooser_data(models: Sequence[ConversationModel], language: str, page_link: Callable[[str], str],
                 kits: dict[str, Sequence[KitLink]]) -> dict:
    """The data of one language's chooser; links are relative to the chooser page's URL.

    `page_link(model_id)`: the link to a model's page; `kits`: each model's kits, their links made the same way.
    Every text is plain (`data_text`): the script shows it as text, never as HTML.
    """
    t = messages(language)["chooser"]
    return {
        "language": language,
        "labels": {
            "fits_when": t["fits_when"], "avoid_when": t["avoid_when"], "no_match": t["no_match"],
            "no_strong_match": t["no_strong_match"],
            "matches": dict(t["matches"]), "mine_kits": t["mine_kits"],
        },
        "words": {"stop": t["stop_words"].split(), "weak": t["weak_words"].split(), "endings": t["word_endings"].split(),
                  "related": {words: related.split() for words, related in t["related_words"].items()}},
        "models": [
            {
                "id": model.id,
                "title": data_text(model.title),
                "summary": data_text(model.summary),
                "led_by": model.led_by,
                "duration_minutes": model.duration_minutes,
                "tags": list(model.tags),
                "use_when": [data_text(item) for item in model.use_when],
                "avoid_when": [data_text(item) for item in model.avoid_when],
                "situations": [data_text(item) for item in model.situations],
                # What the conversation goes through: more words to match, weighed less than the lines above.
                "outline": [data_text(text) for stage in model.stages
                            for text in (stage.title, *(part for step in stage.steps for part in (step.title, step.purpose)))],
                "page": page_link(model.id),
                "kits": [{"label": f"{kit.label} · {kit.paper_label}", "url": kit.url} for kit in kits.get(model.id, ())],
            }
            for model in models
        ],
    }
