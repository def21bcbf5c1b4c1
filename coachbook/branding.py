"""Organization branding (name, logo, colours, footer): validated once, applied to the site and the kits."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import unicodedata
import xml.etree.ElementTree as ElementTree
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .errors import ConfigError

BRANDING_OPTIONS = ("organization", "logo", "primary_color", "accent_color", "footer")
MAX_LOGO_BYTES = 1024 * 1024
MAX_TEXT_LENGTHS = {"organization": 80, "footer": 200}
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOGO_MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}

# Text colours chosen for a background: white, or the kits' near-black ink.
WHITE, INK = "#ffffff", "#1d2330"
# Material's dark ("slate") page background, for link colours that must read on it.
SLATE_BACKGROUND = "#1e2129"
READABLE = 4.5  # WCAG AA contrast for body text

# Where the site gets the generated files (the logo keeps its suffix: .svg or .png).
SITE_LOGO = "assets/coachbook/logo"
SITE_STYLESHEET = "assets/coachbook/branding.css"

# A PNG logo may be this many pixels a side: decoding it (in the browser, and in the kits) stays small.
MAX_PNG_SIDE = 8192

# SVG logos are parsed, checked against these allowlists and served re-serialized (see _clean_svg):
# an allowlist, because a blocklist misses whatever the next browser learns to load.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
# How namespaced names read in messages and in the served file.
PREFIXES = {XLINK_NAMESPACE: "xlink", XML_NAMESPACE: "xml",
            "http://www.inkscape.org/namespaces/inkscape": "inkscape",
            "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd": "sodipodi"}
SVG_ELEMENTS = frozenset("""
    svg g defs title desc symbol use path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop clipPath mask pattern marker
    filter feBlend feColorMatrix feComposite feDropShadow feFlood feGaussianBlur feMerge feMergeNode
    feMorphology feOffset
""".split())
SVG_ATTRIBUTES = frozenset("""
    id class lang xml:lang xml:space version baseProfile viewBox preserveAspectRatio role focusable
    aria-label aria-labelledby aria-describedby aria-hidden
    width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d points pathLength transform
    dx dy rotate textLength lengthAdjust startOffset href xlink:href
    offset gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits patternTransform
    clipPathUnits maskUnits maskContentUnits markerUnits markerWidth markerHeight orient refX refY
    filterUnits primitiveUnits in in2 result stdDeviation mode operator k1 k2 k3 k4 type values radius
    style fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display visibility overflow
    clip-path clip-rule mask filter flood-color flood-opacity stop-color stop-opacity
    marker-start marker-mid marker-end paint-order vector-effect shape-rendering text-rendering
    color-interpolation color-interpolation-filters mix-blend-mode isolation transform-origin transform-box
    font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
    letter-spacing word-spacing text-anchor text-decoration dominant-baseline alignment-baseline
    baseline-shift writing-mode direction unicode-bidi white-space
""".split())
EDITOR_DATA = "it is editor data or not SVG; export the logo as a plain SVG (Inkscape: File > Save As > Plain SVG)"
# Why common refusals are refused; any other element gets the general allowlist message.
ELEMENT_REASONS = {
    "style": "a stylesheet can load other files (@import, url(), CSS escapes); "
             'use attributes such as fill="#1a5fb4" or style="..." on the shapes instead',
    "script": "a logo cannot run code",
    "foreignObject": "it embeds HTML; a logo must be plain drawing",
    "image": "it shows another file; draw the logo in SVG or use a PNG logo",
    "a": "a logo cannot be a link",
    "metadata": EDITOR_DATA,
    **dict.fromkeys(("animate", "set", "animateMotion", "animateTransform", "discard", "mpath"),
                    "a logo cannot be animated (animation can change what it shows and refers to)"),
}
# Deeper than this is no drawing, and would overflow the serializer's recursion.
MAX_SVG_DEPTH = 100
# Attribute values are CSS values to a browser: only these functions, and url() only to the logo's own parts.
CSS_FUNCTIONS = frozenset("url rgb rgba hsl hsla calc matrix translate scale rotate skewx skewy".split())
CSS_FUNCTION = re.compile(r"([A-Za-z_-][\w-]*)\(")
LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[\w.:-]+\1\s*\)", re.IGNORECASE)
CSS_DECLARATION = re.compile(r"\s*-?[A-Za-z][\w-]*\s*:[^:]*", re.DOTALL)

@dataclass(frozen=True)
class Logo:
    """The logo's checked bytes (an SVG as re-serialized); the site and the kits use these, never the file."""

    file_name: str
    suffix: str  # ".svg" or ".png"
    data: bytes
    modified: int = 0  # the file's modification time when read, in whole seconds since the epoch: a kit's date

    @property
    def media_type(self) -> str:
        return LOGO_MEDIA_TYPES[self.suffix]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> tuple[int, int]:
        """Its width and height for an `<img>`'s attributes, in whole numbers of the same proportion as the image:
        a browser then reserves its box before the file arrives, and the page does not shift when it does."""
        if self.suffix == ".png":
            return struct.unpack(">II", self.data[16:24])  # IHDR's width and height, checked on loading
        return _whole(*_svg_size(ElementTree.fromstring(self.data).attrib))


@dataclass(frozen=True)
class Branding:
    """What makes the playbook look like an organization's own; every field is optional."""

    organization: str | None = None
    logo: Logo | None = None
    primary_color: str | None = None  # "#rrggbb", lowercase
    accent_color: str | None = None
    footer: str | None = None

    @property
    def footer_line(self) -> str:
        """The line printed in every kit page's footer: organization, then the footer text."""
        return " \u00b7 ".join(text for text in (self.organization, self.footer) if text)

    @property
    def primary_ink(self) -> str:
        """The primary colour as text on white paper or a light page: darkened until it reads (and prints grey)."""
        return readable_on(self.primary_color or INK, WHITE)

    @property
    def accent_ink(self) -> str:
        return readable_on(self.accent_color or self.primary_color or INK, WHITE)

    def fingerprint(self) -> str:
        """Everything about the branding that shapes a kit, the logo by its bytes' hash."""
        payload = {
            "organization": self.organization, "primary_color": self.primary_color,
            "accent_color": self.accent_color, "footer": self.footer,
            "logo": [self.logo.suffix, self.logo.digest] if self.logo else None,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- colours


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = normalize_colour(colour)[1:]
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a `#rrggbb` colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, amount: float) -> str:
    """`colour` moved `amount` (0 to 1) of the way towards `other`."""
    return _hex(tuple(a + (b - a) * amount for a, b in zip(_rgb(colour), _rgb(other))))  # type: ignore[arg-type]


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


def readable_on(colour: str, background: str, ratio: float = READABLE) -> str:
    """`colour`, darkened (light background) or lightened (dark background) just enough to reach `ratio`."""
    target = "#000000" if luminance(background) > 0.18 else WHITE
    for step in range(21):
        candidate = mix(colour, target, step / 20)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


# --------------------------------------------------------------------------- site


def site_stylesheet(branding: Branding) -> bytes:
    """CSS for Material's `custom` palette: the colours, their light/dark variants and readable text on them.

    Text on the header is white or near-black by the colour's luminance; links get the colour
    darkened (light scheme) or lightened (dark scheme) just enough to reach 4.5:1 on the page.
    """
    rules = ["/* Organization branding, generated from the coachbook plugin options in mkdocs.yml. */"]
    if branding.primary_color:
        primary = branding.primary_color
        on_primary = text_colour_on(primary)
        rules.append(
            ":root > * {\n"
            f"  --md-primary-fg-color: {primary};\n"
            f"  --md-primary-fg-color--light: {mix(primary, WHITE, 0.2)};\n"
            f"  --md-primary-fg-color--dark: {mix(primary, '#000000', 0.2)};\n"
            f"  --md-primary-bg-color: {on_primary};\n"
            f"  --md-primary-bg-color--light: {on_primary}b3;\n"
            f"  --md-typeset-a-color: {readable_on(primary, WHITE)};\n"
            "}\n"
            "[data-md-color-scheme=\"slate\"] {\n"
            f"  --md-typeset-a-color: {readable_on(primary, SLATE_BACKGROUND)};\n"
            "}"
        )
    if branding.accent_color:
        accent = branding.accent_color
        rules.append(
            ":root > * {\n"
            f"  --md-accent-fg-color: {accent};\n"
            f"  --md-accent-fg-color--transparent: {accent}1a;\n"
            f"  --md-accent-bg-color: {text_colour_on(accent)};\n"
            f"  --md-accent-bg-color--light: {text_colour_on(accent)}b3;\n"
            "}"
        )
    return ("\n".join(rules) + "\n").encode()


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class OptionSource:
    """Where options were written, for error lines: the file, and each option's line and column."""

    file: str
    positions: Mapping[str, tuple[int, int]]
    commented: frozenset[str] = frozenset()  # options whose value YAML read as a comment (an unquoted '#')
    prefix: str = "coachbook."
    files: Mapping[str, str] = field(default_factory=dict)
    """The file of an option written in another file than `file` (a parent config reached through INHERIT)."""

    def where(self, option: str) -> str:
        line_column = self.positions.get(option)
        file = self.files.get(option, self.file)
        place = f"{file}:{line_column[0]}:{line_column[1]}" if line_column else file
        return f"{place}: {self.prefix}{option}"


def normalize_colour(value: str) -> str:
    """`#abc` or `#AABBCC` as lowercase `#aabbcc`."""
    digits = value[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def load_branding(options: Mapping[str, object], base: Path, source: OptionSource) -> Branding | None:
    """The branding the options describe (None when there is none); `ConfigError` lists every problem."""
    problems: list[str] = []
    values: dict[str, object] = {}

    def problem(option: str, message: str) -> None:
        problems.append(f"{source.where(option)}: {message}")

    for option in BRANDING_OPTIONS:
        value = options.get(option)
        if value is None:
            if option in source.commented:
                example = '"#1a5fb4"' if option.endswith("_color") else '"#..."'
                problem(option, f"YAML reads an unquoted # as a comment: quote the value, e.g. {option}: {example}")
            continue
        if not isinstance(value, str):
            problem(option, f"must be text (got {value!r})")
            continue
        if option.endswith("_color"):
            if HEX_COLOUR.fullmatch(value.strip()):
                values[option] = normalize_colour(value.strip())
            else:
                problem(option, f"must be a hex colour such as #1a5fb4 (got {value!r})")
        elif option == "logo":
            logo = _load_logo(value, base, lambda message: problem("logo", message))
            if logo is not None:
                values["logo"] = logo
        else:
            text = " ".join(value.split())
            if not text:
                problem(option, "must not be empty")
            elif any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in text):
                problem(option, "must be plain text without control characters")
            elif len(text) > MAX_TEXT_LENGTHS[option]:
                problem(option, f"must be at most {MAX_TEXT_LENGTHS[option]} characters (got {len(text)})")
            else:
                values[option] = text
    if problems:
        raise ConfigError(problems)
    return Branding(**values) if values else None


def _load_logo(configured: str, base: Path, problem: Callable[[str], None]) -> Logo | None:
    path = base / configured
    suffix = path.suffix.lower()
    if suffix not in LOGO_MEDIA_TYPES:
        problem(f"must be an .svg or .png file (got {configured!r})")
        return None
    if not path.is_file():
        problem(f"no such file: {configured} (paths are relative to the folder of the configuration file)")
        return None
    status = path.stat()
    size = status.st_size
    if size > MAX_LOGO_BYTES:
        problem(f"must be at most 1 MiB (got {size} bytes): {configured}")
        return None
    data = path.read_bytes()
    try:
        data = _clean_svg(data) if suffix == ".svg" else _checked_png(data)
    except _Refused as refusal:
        problem(f"{configured} {refusal}")
        return None
    return Logo(path.name, suffix, data, status.st_mtime_ns // 1_000_000_000)


# An SVG length in CSS pixels per unit; a percentage or an em is no intrinsic size.
SVG_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
SVG_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|in|cm|mm)?\s*")
DEFAULT_OBJECT_SIZE = (300.0, 150.0)  # what a browser gives an image with neither a size nor a proportion


def _svg_size(attributes: Mapping[str, str]) -> tuple[float, float]:
    """An SVG's size as an `<img>`: its width and height where both are absolute, else its viewBox's proportion."""
    lengths = []
    for name in ("width", "height"):
        found = SVG_LENGTH.fullmatch(attributes.get(name, ""))
        lengths.append(float(found.group(1)) * SVG_UNITS[found.group(2) or ""] if found else None)
    view_box = [float(number) for number in re.split(r"[\s,]+", attributes.get("viewBox", "").strip()) if number]
    if lengths[0] and lengths[1]:
        return lengths[0], lengths[1]
    if len(view_box) == 4 and view_box[2] > 0 and view_box[3] > 0:
        width, height = view_box[2], view_box[3]
        if lengths[0]:  # one absolute length, the other from the proportion
            return lengths[0], lengths[0] * height / width
        if lengths[1]:
            return lengths[1] * width / height, lengths[1]
        return width, height
    return DEFAULT_OBJECT_SIZE


def _whole(width: float, height: float) -> tuple[int, int]:
    """Whole numbers for `width` and `height`: themselves if they are, else scaled up so the proportion holds."""
    if width.is_integer() and height.is_integer() and width >= 1 and height >= 1:
        return int(width), int(height)
    scale = 1000 / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class _Refused(Exception):
    """Why a logo file cannot be used, as the rest of a sentence that starts with its name."""


def _checked_png(data: bytes) -> bytes:
    """`data`, once it is known to be a PNG: the signature, then an intact IHDR chunk with a logo's size."""
    if not data.startswith(PNG_SIGNATURE):
        raise _Refused("is not a PNG image (it does not start with the PNG signature)")
    header = data[8:33]  # length, "IHDR", 13 bytes of fields, CRC
    if (len(header) < 25 or header[:8] != b"\x00\x00\x00\x0dIHDR"
            or zlib.crc32(header[4:21]) != int.from_bytes(header[21:25], "big")):
        raise _Refused("is not a PNG image (its first chunk is not an intact IHDR header)")
    width, height = struct.unpack(">II", header[8:16])
    if not (0 < width <= MAX_PNG_SIDE and 0 < height <= MAX_PNG_SIDE):
        raise _Refused(f"is {width}x{height} pixels: a PNG logo may be at most {MAX_PNG_SIDE} pixels a side")
    return data


class _TreeBuilder(ElementTree.TreeBuilder):
    """ElementTree's builder, noting processing instructions, which it would otherwise drop silently."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target, text=None):
        self.instructions.append(target)
        return super().pi(target, text)


def _clean_svg(data: bytes) -> bytes:
    """The logo as served and embedded: parsed, checked against the allowlists, and written out again.

    Refused rather than cleaned: a logo is a small file its owner can fix once. Served re-serialized,
    so what a browser or the kits' renderer parses is exactly the tree that was checked, never bytes
    that some other parser might read differently. The same input gives the same bytes.
    """
    # defusedxml.ElementTree.fromstring with a builder that keeps the instructions: no DTD, so no
    # entities to expand (billion laughs) and nothing external to load; the stdlib does not refuse all that.
    builder = _TreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        raise _Refused("has a DOCTYPE or entity declarations, which are not allowed: remove them") from None
    except ElementTree.ParseError as error:
        raise _Refused(f"is not well-formed SVG ({error})") from None
    if builder.instructions:
        raise _Refused(f"has a <?{builder.instructions[0]}?> processing instruction, which is not allowed: "
                       "remove it (an <?xml-stylesheet?> loads another file)")
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        if _name(root.tag) == "svg":
            raise _Refused(f'is not an SVG image: its <svg> element needs xmlns="{SVG_NAMESPACE}"')
        raise _Refused(f"is not an SVG image (its root element is <{_name(root.tag)}>)")
    uses_xlink = False
    elements = [(root, 1)]
    while elements:
        element, depth = elements.pop()
        name = _name(element.tag)
        if depth > MAX_SVG_DEPTH:
            raise _Refused(f"nests elements more than {MAX_SVG_DEPTH} deep, which is not allowed")
        if not element.tag.startswith(f"{{{SVG_NAMESPACE}}}"):
            raise _Refused(f"has a <{name}> element, which is not allowed: {EDITOR_DATA}")
        if name not in SVG_ELEMENTS:
            reason = ELEMENT_REASONS.get(name, "a logo may contain only drawing elements "
                                               "(shapes, text, groups, gradients, clipping and masks)")
            raise _Refused(f"has a <{name}> element, which is not allowed: {reason}")
        attributes = {_name(key): value for key, value in element.attrib.items()}
        for attribute, value in attributes.items():
            reason = _attribute_problem(attribute, value)
            if reason:
                shown = " ".join(value.split())  # one line, whatever the value holds
                shown = shown if len(shown) <= 60 else shown[:59] + "\u2026"
                raise _Refused(f'has {attribute}="{shown}" on <{name}>, which is not allowed: {reason}')
        uses_xlink = uses_xlink or "xlink:href" in attributes
        element.tag = name  # written with the SVG namespace as the default one (below)
        element.attrib.clear()
        element.attrib.update(attributes)
        elements.extend((child, depth + 1) for child in reversed(element))
    declarations = {"xmlns": SVG_NAMESPACE, **({"xmlns:xlink": XLINK_NAMESPACE} if uses_xlink else {})}
    attributes = {**declarations, **root.attrib}
    root.attrib.clear()
    root.attrib.update(attributes)
    return ElementTree.tostring(root, encoding="unicode").encode("utf-8")


def _attribute_problem(attribute: str, value: str) -> str | None:
    """Why an attribute cannot be in a logo, or None; `attribute` is written as in the file (xlink:href)."""
    if attribute.startswith("on"):
        return "event handlers run code"
    if attribute.partition(":")[0] in ("inkscape", "sodipodi") or attribute.startswith("{"):
        return EDITOR_DATA
    if attribute not in SVG_ATTRIBUTES:
        return "a logo may have only drawing, styling and accessibility attributes"
    if attribute in ("href", "xlink:href") and not value.strip().startswith("#"):
        return "a logo may refer only to its own parts, as #id"
    problem = _css_problem(value)
    if problem or attribute != "style":
        return problem
    if "@" in value:
        return "@ rules can load other files"
    if not all(CSS_DECLARATION.fullmatch(part) for part in value.split(";") if part.strip()):
        return 'style may only be declarations such as "fill:#1a5fb4;stroke:none"'
    return None


def _css_problem(value: str) -> str | None:
    """Why a value a browser may read as CSS could load something, or None."""
    if "\\" in value:
        return "CSS escapes (a backslash) can hide url( and @import"
    for function in CSS_FUNCTION.finditer(value):
        name = function.group(1).lower()
        if name == "url" and not LOCAL_URL.match(value, function.start()):
            return "url() may refer only to the logo's own parts, as url(#id)"
        if name not in CSS_FUNCTIONS:
            return f"{name}() is not one of the CSS functions a logo may use ({', '.join(sorted(CSS_FUNCTIONS))})"
    return None


def _name(qualified: str) -> str:
    """An XML name as written: `{http://www.w3.org/2000/svg}rect` -> `rect`, xlink's href -> `xlink:href`."""
    if not qualified.startswith("{"):
        return qualified
    namespace, local = qualified[1:].split("}", 1)
    if namespace == SVG_NAMESPACE:
        return local
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else qualified
