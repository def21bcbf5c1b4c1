"""The kits' QR codes: a site address drawn as an inline SVG path, which WeasyPrint draws as vectors, fetching nothing."""

from __future__ import annotations

import segno
from markupsafe import Markup

# The quiet zone, in modules, drawn white: the code stays readable on a tinted card back, whose light tint widens it.
QUIET_ZONE = 2


def qr_svg(address: str) -> Markup:
    """`address` as a QR code: an `<svg>` of one white square and one black path, sized by its CSS (no width or height
    of its own). The smallest code that holds the address, at the highest error correction that keeps that size;
    segno's output depends on nothing but the address, so the same address always gives the same bytes."""
    code = segno.make_qr(address, error="l", boost_error=True)
    # The address is printed under the code as text: the drawing itself is decoration to a screen reader.
    svg = code.svg_inline(border=QUIET_ZONE, omitsize=True, svgclass="qr-code", lineclass=None, light="#fff", dark="#000")
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" ', 1))
