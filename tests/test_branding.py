"""Organization branding from mkdocs.yml: in the site, in every kit page, in the kit cache, and its errors."""

from __future__ import annotations

import io
import re
import shutil
import struct
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from coachbook.kits import fetcher as kit_fetcher
from coachbook.kits.document import source_credit
from coachbook.kits.layouts import kit_html, render_kit
from coachbook.branding import (
    INK, PNG_SIGNATURE, SLATE_BACKGROUND, SVG_ELEMENTS, SVG_NAMESPACE, WHITE, Branding, OptionSource, contrast,
    load_branding, readable_on, text_colour_on,
)
from coachbook.config_file import read_plugin_options
from coachbook.project import load_project
from coachbook.errors import ConfigError
from coachbook.kits.cache import kit_key
from coachbook.model.loader import load_model
from coachbook.kits.jobs import KitJob
from conftest import MODEL_FILES, MODEL_IDS, REPO, build_kits, mkdocs

ORGANIZATION = "Acme & Sons <Corp>"
FOOTER = "Internal use only. Questions to people@acme.example"
SVG_LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
            '<rect width="120" height="40" fill="#1a5fb4"/><circle cx="20" cy="20" r="12" fill="#e66100"/></svg>')
# What the site serves and the kits embed: the checked tree, written out again.
SERVED_SVG_LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
                   b'<rect width="120" height="40" fill="#1a5fb4" /><circle cx="20" cy="20" r="12" fill="#e66100" /></svg>')


def png_logo(path: Path, colour=(26, 95, 180)) -> Path:
    Image.new("RGB", (120, 40), colour).save(path, format="PNG")
    return path


def configure(project: Path, kits_on: bool = False, **options: str) -> dict[str, tuple[int, int]]:
    """Write `options` into the project's coachbook plugin entry; return each option's line and column."""
    config = project / "mkdocs.yml"
    lines = [f"      {name}: {value}" for name, value in options.items()]
    if not kits_on:
        lines.append("      kits: false")
    text = config.read_text().replace("      models_dir: [models]\n", "      models_dir: [models]\n" + "\n".join(lines) + "\n")
    if not kits_on:  # content/index.md links the kits page, which kits: false leaves out
        text = text.replace("strict: true", "strict: false")
    config.write_text(text)
    positions = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s+(\w+): ", line)
        if match and match.group(1) in options:
            positions[match.group(1)] = (number, match.end() + 1)
    return positions


@pytest.fixture
def branded_project(project: Path) -> Path:
    (project / "branding").mkdir()
    (project / "branding" / "acme.svg").write_text(SVG_LOGO)
    configure(project, organization=f'"{ORGANIZATION}"', logo="branding/acme.svg", primary_color='"#1a5fb4"',
              accent_color='"#e66100"', footer=f'"{FOOTER}"')
    return project


# --------------------------------------------------------------------------- site


def test_the_site_shows_the_organization_logo_colours_and_footer(branded_project):
    result = mkdocs("build", cwd=branded_project)
    assert result.returncode == 0, result.stderr
    site = branded_project / "site"
    logo = site / "assets" / "coachbook" / "logo.svg"
    assert logo.read_bytes() == SERVED_SVG_LOGO
    stylesheet = (site / "assets" / "coachbook" / "branding.css").read_text()
    assert "--md-primary-fg-color: #1a5fb4;" in stylesheet and "--md-accent-fg-color: #e66100;" in stylesheet
    assert "--md-primary-bg-color: #ffffff;" in stylesheet  # white text reads better on this dark blue
    pages = [site / "index.html", site / "questions" / "index.html", site / "models" / MODEL_IDS[0] / "index.html"]
    for page in pages:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        footer = soup.select_one(".md-copyright__highlight")
        assert " ".join(footer.get_text().split()) == f"{ORGANIZATION} \u00b7 {FOOTER}"
        assert footer.find_all(True) == []  # the organization's "<Corp>" is text, not an element
        header_logo = soup.select_one(".md-header__button.md-logo img")
        assert (page.parent / header_logo["src"]).resolve() == logo.resolve()
        # Sized as its viewBox (120 by 40), in the header and the drawer: no shift when the file arrives.
        assert [(img["width"], img["height"]) for img in soup.select(".md-logo img")] == [("120", "40")] * 2
        assert "Made with" not in footer.parent.get_text()  # the theme's credit is the organization's to show
        assert (page.parent / soup.select_one("link[rel=icon]")["href"]).resolve() == logo.resolve()
        stylesheets = [(page.parent / link["href"]).resolve() for link in soup.select("link[rel=stylesheet]")]
        assert (site / "assets" / "coachbook" / "branding.css").resolve() in stylesheets
        assert {body["data-md-color-primary"] for body in soup.select("[data-md-color-primary]")} == {"custom"}
    # Both schemes stay: the dark mode toggle still switches to slate.
    assert "slate" in (site / "index.html").read_text()


def test_an_unbranded_site_has_no_branding_files(project):
    configure(project)
    assert mkdocs("build", cwd=project).returncode == 0
    written = {p.name for p in (project / "site" / "assets" / "coachbook").iterdir()}
    assert not {name for name in written if "brand" in name or "logo" in name}, written
    assert {name for name in written if name.endswith(".css")} == {"coachbook.css"}
    assert "md-copyright__highlight" not in (project / "site" / "index.html").read_text()
    soup = BeautifulSoup((project / "site" / "index.html").read_text(), "html.parser")
    assert "Made with Material for MkDocs" in " ".join(soup.select_one(".md-copyright").get_text().split())
    # The theme's own logo is an inline SVG, its proportion in its viewBox: nothing to load, nothing to shift.
    assert soup.select(".md-logo img") == []
    assert [svg.get("viewbox") for svg in soup.select(".md-logo svg")] == ["0 0 24 24"] * 2


def test_a_png_logo_is_sized_and_the_theme_credit_shows_when_asked_for(project):
    png_logo(project / "acme.png")
    configure(project, organization="Acme", logo="acme.png")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text() + "\nextra:\n  generator: true\n")
    result = mkdocs("build", cwd=project)
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((project / "site" / "index.html").read_text(), "html.parser")
    assert [(img["width"], img["height"]) for img in soup.select(".md-logo img")] == [("120", "40")] * 2
    assert "Made with Material for MkDocs" in " ".join(soup.select_one(".md-copyright").get_text().split())


@pytest.mark.parametrize("colour", ["#1a5fb4", "#ffd700", "#e66100", "#ffffff", "#000000", "#7fbf7f"])
def test_text_on_the_colour_and_links_in_it_reach_contrast(colour):
    on_colour = text_colour_on(colour)
    assert on_colour in (WHITE, INK)
    assert contrast(on_colour, colour) >= max(contrast(WHITE, colour), contrast(INK, colour))
    assert contrast(readable_on(colour, WHITE), WHITE) >= 4.5
    assert contrast(readable_on(colour, SLATE_BACKGROUND), SLATE_BACKGROUND) >= 4.5


# --------------------------------------------------------------------------- kits


@pytest.fixture(scope="module")
def model():
    return load_model(MODEL_FILES[0])


@pytest.fixture(scope="module")
def png_branding(tmp_path_factory):
    folder = tmp_path_factory.mktemp("brand")
    png_logo(folder / "acme.png")
    options = {"organization": ORGANIZATION, "logo": "acme.png", "primary_color": "#1a5fb4",
               "accent_color": "#e66100", "footer": FOOTER}
    return load_branding(options, folder, OptionSource("mkdocs.yml", {}))


def image_xobjects(resources) -> int:
    """Image XObjects reachable from a page's resources, through nested form XObjects too."""
    count = 0
    for xobject in (resources or {}).get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            count += 1
        elif xobject.get("/Subtype") == "/Form":
            count += image_xobjects(xobject.get("/Resources"))
    return count


@pytest.mark.parametrize("kit", ["guide", "cards", "worksheet"])
def test_every_kit_page_carries_the_organization_and_footer_and_the_logo_is_an_image(model, png_branding, kit):
    reader = pypdf.PdfReader(io.BytesIO(render_kit(model, kit, "a4", branding=png_branding)))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert [number for number, text in enumerate(texts, 1) if ORGANIZATION not in text or FOOTER not in text] == []
    assert all(source_credit(model) in text for text in texts)  # the source credit stays on every page
    assert image_xobjects(reader.pages[0]["/Resources"]) >= 1
    if kit == "cards":  # the backs (even pages) show the logo on every card
        assert all(image_xobjects(page["/Resources"]) >= 1 for page in reader.pages[1::2])


def test_a_kit_with_an_svg_logo_renders_and_the_fetcher_serves_only_that_logo(model, tmp_path):
    (tmp_path / "acme.svg").write_text(SVG_LOGO)
    branding = load_branding({"logo": "acme.svg", "organization": "Acme"}, tmp_path, OptionSource("mkdocs.yml", {}))
    pdf = render_kit(model, "guide", "a4", branding=branding)
    assert "Acme" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    fetcher = kit_fetcher.AssetFetcher(branding.logo)
    assert fetcher.fetch(kit_fetcher.ASSETS_URL + "organization-logo.svg").read() == SERVED_SVG_LOGO
    for url in ((tmp_path / "acme.svg").as_uri(), kit_fetcher.ASSETS_URL + "organization-logo.png", "https://example.org/x.svg",
                kit_fetcher.ASSETS_URL + "site/coachbook.css"):  # the site's assets are not the kits'
        with pytest.raises(kit_fetcher.RefusedURL):
            fetcher.fetch(url)
    with pytest.raises(kit_fetcher.RefusedURL):  # without branding, the logo's name is nothing
        kit_fetcher.FETCHER.fetch(kit_fetcher.ASSETS_URL + "organization-logo.svg")


def test_a_kit_without_branding_has_none_of_it(model):
    html = kit_html(model, "guide", "a4")
    assert "branded" not in html and "organization-logo" not in html and "--brand" not in html


# --------------------------------------------------------------------------- the kit cache


def test_the_cache_key_follows_the_branding_and_the_logo_bytes(model, tmp_path):
    png_logo(tmp_path / "logo.png")
    source = OptionSource("mkdocs.yml", {})

    def key(**options):
        return kit_key(KitJob(model, "guide", "a4", branding=load_branding(options, tmp_path, source)))

    base = key(primary_color="#1a5fb4", logo="logo.png")
    assert base == key(primary_color="#1A5FB4", logo="logo.png")
    assert base != key(primary_color="#1a5fb5", logo="logo.png")
    assert base != kit_key(KitJob(model, "guide", "a4"))
    png_logo(tmp_path / "logo.png", colour=(0, 0, 0))
    assert base != key(primary_color="#1a5fb4", logo="logo.png")


def test_changing_the_colour_re_renders_every_kit_and_a_model_edit_only_that_models(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    for path in MODEL_FILES[:2]:
        shutil.copy(path, project / "models")
    config = project / "mkdocs.yml"
    config.write_text("site_name: Acme\nplugins:\n  - coachbook:\n      organization: Acme\n"
                      "      primary_color: '#1a5fb4'\n")
    args = ("--kit", "guide", "--paper", "a4", "--cache", str(tmp_path / "cache"))
    env = {"COACHBOOK_CACHE_DIR": None}

    def rendered() -> str:
        result = build_kits(*args, cwd=project, **env)
        assert result.returncode == 0, result.stderr
        return re.search(r"\(\d+ rendered, \d+ from the cache\)", result.stderr).group(0)

    assert rendered() == "(2 rendered, 0 from the cache)"
    assert rendered() == "(0 rendered, 2 from the cache)"
    config.write_text(config.read_text().replace("#1a5fb4", "#e66100"))
    assert rendered() == "(2 rendered, 0 from the cache)"
    edited = project / "models" / MODEL_FILES[0].name
    edited.write_text(re.sub(r"^title: .*$", "title: An edited title", edited.read_text(), count=1, flags=re.M))
    assert rendered() == "(1 rendered, 1 from the cache)"
    text = pypdf.PdfReader(project / "kits" / MODEL_IDS[1] / f"{MODEL_IDS[1]}-guide-a4.pdf").pages[0].extract_text()
    assert "Acme" in text


# --------------------------------------------------------------------------- bad options


SCRIPTED_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
BAD_OPTIONS = {
    "bad-colour": ({"primary_color": "blu"}, "primary_color",
                   "must be a hex colour such as #1a5fb4 (got 'blu')"),
    "unquoted-hash": ({"accent_color": "#e66100"}, "accent_color",
                      'YAML reads an unquoted # as a comment: quote the value, e.g. accent_color: "#1a5fb4"'),
    "missing-logo": ({"logo": "branding/nope.svg"}, "logo",
                     "no such file: branding/nope.svg (paths are relative to the folder of the configuration file)"),
    "svg-with-script": ({"logo": "branding/scripted.svg"}, "logo",
                        "branding/scripted.svg has a <script> element, which is not allowed: a logo cannot run code"),
}


def _bad_project(project: Path, case: str) -> str:
    (project / "branding").mkdir()
    (project / "branding" / "scripted.svg").write_text(SCRIPTED_SVG)
    options, option, message = BAD_OPTIONS[case]
    line, column = configure(project, **options)[option]
    return f"mkdocs.yml:{line}:{column}: coachbook.{option}: {message}"


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_a_bad_option_is_one_line_for_mkdocs(project, case):
    expected = _bad_project(project, case)
    result = mkdocs("build", cwd=project)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "coachbook." in line] == [f"ERROR   -  {expected}"]
    assert not (project / "site").exists()


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_a_bad_option_is_one_line_and_exit_2_for_build_kits(project, case):
    expected = _bad_project(project, case)
    result = build_kits("--kit", "guide", "--paper", "a4", cwd=project)
    assert (result.returncode, result.stderr.splitlines()) == (2, [expected])
    assert not (project / "kits").exists()


def svg(body: str = "", attributes: str = "") -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg"{attributes}>{body}</svg>'


XLINK = ' xmlns:xlink="http://www.w3.org/1999/xlink"'
INKSCAPE = ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
SODIPODI = ' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"'
LAUGHS = ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')


# (content, words the one error line must contain): each a way an SVG could run code or fetch something.
@pytest.mark.parametrize("content, words", [
    (svg('<style>@IMPORT "https://x.example/a.css";</style>'), ["has a <style> element, which is not allowed"]),
    (svg(r'<style>rect { fill: \75rl(https://x.example/a) }</style>'), ["has a <style> element"]),
    (svg(r'<style>@\69mport "https://x.example/a.css";</style>'), ["has a <style> element"]),
    (svg('<style><g/>@import "https://x.example/a.css";</style>'), ["has a <style> element"]),
    (svg(r'<rect style="fill: \75rl(https://x.example/a)"/>'),
     [r'style="fill: \75rl(https://x.example/a)" on <rect>', "CSS escapes"]),
    (svg(r'<rect style="fill: red; @\69mport x"/>'), ["style=", "CSS escapes"]),
    (svg('<rect style="fill: red; @import x"/>'), ["style=", "@ rules"]),
    (svg("""<rect style="fill: red; background-image: image-set('https://x.example/a.png' 1x)"/>"""),
     ["style=", "image-set() is not one of the CSS functions"]),
    (svg('<rect style="width: expression(alert(1))"/>'), ["expression() is not one of the CSS functions"]),
    (svg('<rect style="fill red"/>'), ['style="fill red" on <rect>', "declarations"]),
    (svg("<script>alert(1)</script>"), ["has a <script> element", "run code"]),
    (svg(attributes=' onload="alert(1)"'), ['has onload="alert(1)" on <svg>', "event handlers"]),
    (svg("<foreignObject><p>x</p></foreignObject>"), ["has a <foreignObject> element"]),
    (svg('<image href="https://tracker.example/p.png"/>'), ["has a <image> element"]),
    (svg('<image href="data:image/png;base64,AAAA"/>'), ["has a <image> element"]),
    (svg('<use href="https://x.example/a.svg#p"/>'), ['has href="https://x.example/a.svg#p" on <use>', "#id"]),
    (svg('<use xlink:href="https://x.example/a.svg#p"/>', XLINK), ['has xlink:href="https://x.example/a.svg#p"']),
    (svg('<rect fill="url(https://x)"/>'), ['has fill="url(https://x)" on <rect>', "url(#id)"]),
    (svg('<rect fill="URL( data:image/png;base64,AAAA )"/>'), ["has fill=", "url(#id)"]),
    (svg('<rect mask="url(#m) url(https://x)"/>'), ["has mask=", "url(#id)"]),
    ('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + svg("&a;"), ["has a DOCTYPE or entity declarations"]),
    (LAUGHS + svg("<text>&c;</text>"), ["has a DOCTYPE or entity declarations"]),
    ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + svg("<text>&x;</text>"), ["has a DOCTYPE"]),
    ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + svg(),
     ["has a DOCTYPE"]),
    (svg('<a href="#x"><rect/></a>'), ["has a <a> element", "link"]),
    (svg('<rect><animate attributeName="fill" to="red"/></rect>'), ["has a <animate> element", "animated"]),
    (svg('<use href="#p"><set attributeName="href" to="https://x.example/a.svg"/></use>'), ["has a <set> element"]),
    ('<?xml-stylesheet href="https://x.example/a.css"?>' + svg(), ["has a <?xml-stylesheet?> processing instruction"]),
    (svg('<rect inkscape:label="Layer 1"/>', INKSCAPE), ['has inkscape:label="Layer 1" on <rect>', "plain SVG"]),
    (svg("<sodipodi:namedview/>", SODIPODI), ["has a <sodipodi:namedview> element", "plain SVG"]),
    (svg("<metadata/>"), ["has a <metadata> element", "plain SVG"]),
    (svg('<rect data-x="1"/>'), ['has data-x="1" on <rect>', "attributes"]),
    (svg("<view/>"), ["has a <view> element", "drawing elements"]),
    ("<svg/>", ['its <svg> element needs xmlns="http://www.w3.org/2000/svg"']),
    ("<html/>", ["is not an SVG image (its root element is <html>)"]),
    ("<svg", ["is not well-formed SVG"]),
    (svg("<g>" * 200 + "</g>" * 200), ["nests elements more than 100 deep"]),
])
def test_an_svg_that_could_run_or_fetch_anything_is_refused_naming_what(tmp_path, content, words):
    (tmp_path / "logo.svg").write_text(content)
    with pytest.raises(ConfigError) as refused:
        load_branding({"logo": "logo.svg"}, tmp_path, OptionSource("mkdocs.yml", {"logo": (59, 13)}))
    [line] = refused.value.lines
    assert line.startswith("mkdocs.yml:59:13: coachbook.logo: logo.svg ") and "\n" not in line
    assert [word for word in words if word not in line] == [], line


@pytest.mark.parametrize("content", [
    SVG_LOGO,
    svg('<defs><path id="ok" d="M0 0h10v10z"/></defs><use href="#ok"/>'),
    svg('<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        '<path id="p" d="M0 0h10v10z"/></defs><use xlink:href="#p" fill="url(#g)"/>', XLINK),
    svg("""<rect style="fill:url('#g');stroke:none;font-family:'Open Sans'" transform="rotate(45) scale(2)"/>"""),
    svg('<title>Acme &amp; Sons</title><text xml:space="preserve" x="2" y="30"> A <tspan>&lt;b&gt;</tspan></text>',
        ' role="img" aria-label="Acme (UK)"'),
    ('<?xml version="1.0" encoding="iso-8859-1"?><!-- by hand --><s:svg xmlns:s="http://www.w3.org/2000/svg">'
     '<s:g opacity=".5"/></s:svg>'),
])
def test_a_plain_svg_is_served_as_the_checked_tree_written_out_again(tmp_path, content):
    (tmp_path / "logo.svg").write_text(content, encoding="iso-8859-1" if "iso-8859-1" in content else "utf-8")
    served = load_branding({"logo": "logo.svg"}, tmp_path, OptionSource("mkdocs.yml", {})).logo.data
    assert served.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    root = ElementTree.fromstring(served)  # what a browser parses: only the allowlisted SVG elements
    assert {element.tag for element in root.iter()} <= {f"{{{SVG_NAMESPACE}}}{name}" for name in SVG_ELEMENTS}
    assert b"<!" not in served and b"<?" not in served
    again = load_branding({"logo": "logo.svg"}, tmp_path, OptionSource("mkdocs.yml", {})).logo.data
    assert served == again  # the same file, the same bytes (and so the same kit cache key)


def test_the_served_svg_keeps_what_the_logo_shows(tmp_path):
    (tmp_path / "logo.svg").write_text(SVG_LOGO)
    branding = load_branding({"logo": "logo.svg"}, tmp_path, OptionSource("mkdocs.yml", {}))
    assert branding.logo.data == SERVED_SVG_LOGO
    (tmp_path / "logo.svg").write_text(svg('<text xml:space="preserve">A &amp; B</text>', XLINK))
    assert load_branding({"logo": "logo.svg"}, tmp_path, OptionSource("mkdocs.yml", {})).logo.data == (
        b'<svg xmlns="http://www.w3.org/2000/svg"><text xml:space="preserve">A &amp; B</text></svg>')


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A real PNG, built by hand: signature, IHDR, IDAT, IEND."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + b"\x1a\x5f\xb4" * width for _ in range(height))
    return (PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_real_png_logo_is_used_as_it_is(tmp_path):
    (tmp_path / "logo.png").write_bytes(tiny_png())
    assert Image.open(tmp_path / "logo.png").size == (2, 1)
    logo = load_branding({"logo": "logo.png"}, tmp_path, OptionSource("mkdocs.yml", {})).logo
    assert (logo.suffix, logo.data) == (".png", tiny_png())


@pytest.mark.parametrize("name, content, words", [
    ("logo.png", b"GIF89a", "logo.png is not a PNG image (it does not start with the PNG signature)"),
    ("logo.png", SVG_LOGO.encode(), "logo.png is not a PNG image"),
    ("logo.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "logo.png is not a PNG image"),
    ("logo.png", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "logo.png is not a PNG image"),
    ("logo.png", PNG_SIGNATURE + b"\x00\x00\x00\x0dIDAT" + bytes(40), "its first chunk is not an intact IHDR"),
    ("logo.png", tiny_png()[:30], "its first chunk is not an intact IHDR"),
    ("logo.png", tiny_png()[:29] + b"\x00\x00\x00\x00" + tiny_png()[33:], "its first chunk is not an intact IHDR"),
    ("logo.png", tiny_png(100_000, 1), "is 100000x1 pixels: a PNG logo may be at most 8192 pixels a side"),
    ("logo.png", tiny_png(0, 1)[:33], "is 0x1 pixels"),
    ("logo.gif", b"GIF89a", "must be an .svg or .png file (got 'logo.gif')"),
    ("logo.png", PNG_SIGNATURE + bytes(1024 * 1024), "must be at most 1 MiB"),
])
def test_a_logo_must_be_a_small_svg_or_png(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ConfigError) as refused:
        load_branding({"logo": name}, tmp_path, OptionSource("mkdocs.yml", {}))
    [line] = refused.value.lines
    assert words in line


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as refused:
        load_branding({"primary_color": "red", "accent_color": "#12345", "organization": " ", "footer": "x" * 201},
                      Path("."), OptionSource("mkdocs.yml", {}))
    assert [line.split(":")[1].strip() for line in refused.value.lines] == [
        "coachbook.organization", "coachbook.primary_color", "coachbook.accent_color", "coachbook.footer"]


def test_colours_are_normalized_and_no_options_mean_no_branding():
    source = OptionSource("mkdocs.yml", {})
    assert load_branding({"primary_color": "#AbC"}, Path("."), source) == Branding(primary_color="#aabbcc")
    assert load_branding({}, Path("."), source) is None


# --------------------------------------------------------------------------- reading mkdocs.yml without MkDocs


def test_the_config_reader_tolerates_mkdocs_tags(tmp_path, monkeypatch):
    monkeypatch.setenv("ACME_COLOUR", "'#123456'")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_url: !ENV [SITE_URL]\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "hooks: [!relative $config_dir/hooks.py]\n"
        "plugins:\n  - search\n  - coachbook:\n      models_dir: [models, ../shared]\n"
        "      primary_color: !ENV [ACME_COLOUR, '#000000']\n      accent_color: !ENV [NOT_SET_ANYWHERE, '#e66100']\n")
    options = read_plugin_options(config)
    assert options.values == {"models_dir": ["models", "../shared"], "primary_color": "#123456",
                              "accent_color": "#e66100"}
    assert options.positions["primary_color"] == (10, 22)
    assert load_project(config).options.models_dir == ["models", "../shared"]


def test_the_repository_config_reads_as_unbranded():
    options = read_plugin_options(REPO / "mkdocs.yml")
    assert load_project(REPO / "mkdocs.yml").model_folders() == [REPO / "models"]
    assert load_branding(options.values, REPO, options.source) is None


def test_unreadable_yaml_in_the_config_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("plugins:\n  - coachbook: {models_dir: [models\n")
    result = build_kits("check", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("mkdocs.yml:")


def test_a_config_given_with_config_that_does_not_exist_is_a_usage_error(tmp_path):
    result = build_kits("check", "--config", str(tmp_path / "nope.yml"), cwd=tmp_path)
    assert result.returncode == 2 and "no such config file" in result.stderr


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_a_branded_guide_is_still_exactly_one_page(png_branding, model_id):
    model = load_model(REPO / "models" / f"{model_id}.yaml")
    reader = pypdf.PdfReader(io.BytesIO(render_kit(model, "guide", "a4", branding=png_branding)))
    assert len(reader.pages) == 1
    assert ORGANIZATION in " ".join(reader.pages[0].extract_text().split())


def test_a_branded_kit_is_byte_identical_from_run_to_run(model, png_branding):
    assert render_kit(model, "checklist", "a4", branding=png_branding) == render_kit(
        model, "checklist", "a4", branding=png_branding)
