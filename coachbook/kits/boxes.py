"""Reading WeasyPrint's layout boxes: a block's in-flow children, its classes, and its height predicted at
another font size or width, which the card and guide fitting use to lay a kit out once more, not many times."""

from __future__ import annotations

import math

# Layout boxes measure in CSS pixels: one point and one millimetre in them.
PT, MM = 96 / 72, 96 / 25.4


def has_class(box, name: str) -> bool:
    """Whether the box's element has the class `name`."""
    return box.element is not None and name in (box.element.get("class") or "").split()


def in_flow(box) -> list:
    """The box's children that take room in its flow: no lines, no absolutely positioned or floated boxes (a float
    beside the text, such as a header's QR code, is part of its parent's height, not stacked with its siblings)."""
    return [child for child in getattr(box, "children", ())
            if type(child).__name__ not in ("AbsolutePlaceholder", "LineBox") and not child.is_absolutely_positioned()
            and not child.is_floated()]


def predicted_height(box, scale, widen: float = 0.0, *, fill: float) -> float:
    """A laid-out block's height once its text is scaled by `scale(box)` -> (font size ratio, line-height
    ratio) and its width changed by `widen`: its lines are re-wrapped, each line holding at most `fill` of
    the width (words do not break), so the text area grows with the square of the font size."""
    lines = [child for child in getattr(box, "children", ()) if type(child).__name__ == "LineBox"]
    if lines:
        font, line_height = scale(box)
        count = len(lines)
        if font != 1.0 or widen != 0:
            estimate = max(1, math.ceil(sum(line.width for line in lines) * font / ((box.width + widen) * fill)))
            # Smaller text in a column at least as wide never takes more lines than it had.
            count = min(count, estimate) if font <= 1.0 and widen >= 0 else estimate
        lines_height = sum(line.margin_height() for line in lines)
        return box.margin_height() - lines_height + count * lines_height / len(lines) * font * line_height
    children = in_flow(box)
    if not children:
        return box.margin_height()
    if type(box).__name__ == "FlexBox":  # side by side: the tallest decides
        return box.margin_height() - max(c.margin_height() for c in children) + max(
            predicted_height(child, scale, widen, fill=fill) for child in children)
    return box.margin_height() - sum(c.margin_height() for c in children) + sum(
        predicted_height(child, scale, widen, fill=fill) for child in children)

