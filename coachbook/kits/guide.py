"""Guide fitting: the guide on one page, at the roomiest density predicted to fit from the boxes of one layout."""

from __future__ import annotations

from weasyprint import Document

from ..branding import Branding
from ..model.schema import ConversationModel
from .boxes import MM, PT, has_class, in_flow, predicted_height
from .document import lay_out, template_html
from .jobs import KitLinks


# From roomiest to tightest; the guide takes the first that fits on one page.
GUIDE_LEVELS = (
    {"density": "roomy", "purpose": True, "lists": True},
    {"density": "compact", "purpose": True, "lists": True},
    {"density": "compact", "purpose": False, "lists": True},
    {"density": "compact", "purpose": False, "lists": False},
    {"density": "tight", "purpose": False, "lists": False},
)


def _guide_html(model: ConversationModel, paper: str, language: str, branding: Branding | None, level: dict,
                step_limit: int | None, links: KitLinks | None = None) -> str:
    stages, shown_steps, shown_questions = [], 0, 0
    for stage in model.stages:
        steps = []
        for step in stage.steps:
            if step_limit is not None and shown_steps >= step_limit:
                break
            steps.append(step)
            shown_steps += 1
            shown_questions += 1 if step.questions else 0
        if steps:
            stages.append((stage, steps))
    all_steps = sum(len(stage.steps) for stage in model.stages)
    return template_html(
        model, "guide", paper, language, branding, links=links, level=level, stages=stages,
        hidden_steps=all_steps - shown_steps,
        hidden_questions=model.question_count - shown_questions,
    )


def guide_document(model: ConversationModel, paper: str, language: str, branding: Branding | None, *,
                   links: KitLinks | None = None) -> Document:
    """The guide on one page, in at most two layouts in every case we know of (see `_guide_plan`)."""
    all_steps = sum(len(stage.steps) for stage in model.stages)

    def layout(index: int, step_limit: int | None) -> Document:
        return lay_out(_guide_html(model, paper, language, branding, GUIDE_LEVELS[index], step_limit, links), paper,
                       branding)

    first = layout(0, None)
    if len(first.pages) == 1:
        first.coachbook_layouts = 1
        return first
    index, step_limit = _guide_plan(first, all_steps)
    document, layouts = layout(index, step_limit), 2
    if len(document.pages) == 1:
        document.coachbook_layouts = layouts
        return document
    # The prediction was wrong (no shipped, synthetic or hostile model gets here; tests/test_layouts.py
    # checks it): search on from there as the guide always did, denser levels first, then fewer steps.
    if step_limit is None:
        for denser in range(index + 1, len(GUIDE_LEVELS)):
            document, layouts = layout(denser, None), layouts + 1
            if len(document.pages) == 1:
                document.coachbook_layouts = layouts
                return document
        step_limit = all_steps
    low, high = 0, step_limit - 1
    best, layouts = layout(len(GUIDE_LEVELS) - 1, 0), layouts + 1
    while low < high:
        middle = (low + high + 1) // 2
        document, layouts = layout(len(GUIDE_LEVELS) - 1, middle), layouts + 1
        if len(document.pages) == 1:
            low, best = middle, document
        else:
            high = middle - 1
    best.coachbook_layouts = layouts
    return best


# How each density of kits.css (.guide-*) sets the guide's text, relative to the roomy layout that is
# measured: the inherited line-height, the font size of the parts it changes, columns, gaps (CSS px).
GUIDE_DENSITIES = {
    "roomy": {"line_height": 1.4, "columns": 2, "column_gap": 7 * MM, "step_gap": 1.8 * MM, "font": {}},
    "compact": {"line_height": 1.3, "columns": 2, "column_gap": 7 * MM, "step_gap": 1.2 * MM, "font": {}},
    "tight": {"line_height": 1.25, "columns": 3, "column_gap": 5 * MM, "step_gap": 0.8 * MM,
              "font": {"h1": 14 / 18, "summary": 8 / 10, "step-title": 8 / 9.5, "key-question": 8 / 9,
                       "stage-title": 9 / 11}},
}
# A predicted line holds this share of a full line's width at most (words do not break), and the plan
# keeps this share of the page free: both measured on the shipped and synthetic models (tests/test_layouts.py).
GUIDE_LINE_FILL = 0.9
GUIDE_SAFETY = 0.02


def _guide_plan(document: Document, all_steps: int) -> tuple[int, int | None]:
    """The roomiest level (index into GUIDE_LEVELS) predicted to fit one page, with no step limit; or, when
    even the tightest cannot hold every step, the tightest with the most steps predicted to fit.

    Everything is predicted from the boxes of the roomy layout `document`: each text block's lines are
    re-wrapped at the level's font size and column width (text area grows with the square of the size),
    and the steps are dealt into the level's columns as the layout would, a step never split.
    """
    measured = _GuideMeasure(document)
    for index, level in enumerate(GUIDE_LEVELS[1:], start=1):
        if measured.fits(level, all_steps, truncated=False):
            return index, None
    # The most steps predicted to fit, by bisection: fewer steps never need more room.
    low, high = 0, all_steps - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measured.fits(GUIDE_LEVELS[-1], middle, truncated=True):
            low = middle
        else:
            high = middle - 1
    return len(GUIDE_LEVELS) - 1, low


class _GuideMeasure:
    """The heights of a roomy guide layout's parts, and what they become at another level."""

    def __init__(self, document: Document):
        page = document.pages[0]._page_box
        self.page_height = page.height
        self.page_width = page.width
        # Each element's boxes, page by page and column by column; a list item's inner box (WeasyPrint
        # wraps an item with a marker in a second box of the same element) is not counted again.
        self.fragments: dict = {}

        def collect(box, parent_element) -> None:
            if box.element is not None and box.element is not parent_element:
                self.fragments.setdefault(box.element, []).append(box)
            if type(box).__name__ != "LineBox":
                for child in getattr(box, "children", ()):
                    collect(child, box.element)

        for each in document.pages:
            collect(each._page_box, None)
        root = document.pages[0]._page_box.descendants()
        guide = next(box.element for box in root if has_class(box, "guide"))
        self.header = guide.find("header")
        self.lists = next((e for e in guide if "when-lists" in (e.get("class") or "")), None)
        self.more = next(e for e in guide if "guide-more" in (e.get("class") or ""))
        self.stages = []  # (stage title element, [step elements])
        for stage in guide.iter("section"):
            if "stage" in (stage.get("class") or "").split():
                title = next(e for e in stage if e.tag == "h2")
                self.stages.append((title, list(stage.iter("li"))))
        columns = GUIDE_DENSITIES["roomy"]
        self.column_width = (self.page_width - columns["column_gap"]) / columns["columns"]

    def _boxes(self, element) -> list:
        return self.fragments.get(element, [])

    def fits(self, level: dict, shown: int, truncated: bool) -> bool:
        density = GUIDE_DENSITIES[level["density"]]
        widen = (self.page_width - (density["columns"] - 1) * density["column_gap"]) / density["columns"] \
            - self.column_width
        scale = _guide_scale(density)
        height = sum(_predicted(box, scale) for box in self._boxes(self.header))
        if level["lists"] and self.lists is not None:
            height += sum(_predicted(box, scale) for box in self._boxes(self.lists))
        more = sum(_predicted(box, scale) for box in self._boxes(self.more))
        if truncated:
            more += 8.5 * PT * density["line_height"]  # room for "n more steps" on a line of its own
        units, left = [], shown
        for title, steps in self.stages:
            if left <= 0:
                break
            stage_units = []
            for step in steps[:left]:
                stage_units.append(sum(_predicted_step(box, density, level["purpose"], widen)
                                       for box in self._boxes(step)))
            if not stage_units:
                continue
            left -= len(stage_units)
            # A stage's title stays with its first step (break-after: avoid); its margin ends its last.
            stage_units[0] += sum(_predicted(box, scale, widen) for box in self._boxes(title))
            stage_units[-1] += 3 * MM
            units += stage_units
        room = self.page_height * (1 - GUIDE_SAFETY) - height - more
        return _columns_hold(units, density["columns"], room)


def _columns_hold(units: list[float], columns: int, height: float) -> bool:
    """Whether blocks of these heights, none split, fill at most `columns` columns of `height` in order."""
    column, used = 1, 0.0
    for unit in units:
        if used and used + unit > height:
            column, used = column + 1, 0.0
        used += unit
        if used > height or column > columns:
            return False
    return True


def _predicted_step(box, density: dict, purpose: bool, widen: float) -> float:
    """A step's predicted height: its paragraphs (less the purpose when the level drops it) and its gap."""
    children = [child for child in in_flow(box) if purpose or not has_class(child, "purpose")]
    inner = sum(child.margin_height() for child in in_flow(box))
    gap = box.margin_height() - inner  # the roomy margin below the step (and any padding)
    return gap - GUIDE_DENSITIES["roomy"]["step_gap"] + density["step_gap"] + sum(
        _predicted(child, _guide_scale(density), widen) for child in children)


def _guide_scale(density: dict):
    """How `density` scales a text block of the roomy guide: (font size ratio, line-height ratio)."""
    def scale(box) -> tuple[float, float]:
        classes = (box.element.get("class") or "").split() if box.element is not None else []
        font = next((density["font"][name] for name in [box.element_tag, *classes] if name in density["font"]), 1.0)
        # Headings have their own line-height (1.2) that no density changes.
        line_height = 1.0 if box.element_tag in ("h1", "h2", "h3") else \
            density["line_height"] / GUIDE_DENSITIES["roomy"]["line_height"]
        return font, line_height
    return scale


def _predicted(box, scale, widen: float = 0.0) -> float:
    return predicted_height(box, scale, widen, fill=GUIDE_LINE_FILL)
