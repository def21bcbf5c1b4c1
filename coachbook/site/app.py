"""The installable offline app: the web app manifest, the registration script's tag and the service worker."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..branding import Branding
from ..files import write_atomically
from ..i18n import messages
from ..text import html_text

MANIFEST = "manifest.webmanifest"
SERVICE_WORKER = "service-worker.js"
"""At the site's root: a worker's scope can be no wider than the folder it is served from."""
APP_JS = "assets/coachbook/app.js"
DEFAULT_ICONS = {"assets/coachbook/icon.svg": "any", "assets/coachbook/icon-192.png": "192x192",
                 "assets/coachbook/icon-512.png": "512x512"}
# Material's default primary colour (indigo): the theme colour of an unbranded site.
DEFAULT_THEME_COLOR = "#4051b5"
BACKGROUND_COLOR = "#ffffff"
# Left out of the precache: kits open from the network and are kept once opened (a site's PDFs would be most of what
# a phone downloads on the first visit); compressed copies and source maps are never asked for by name.
NOT_PRECACHED = frozenset({".pdf", ".gz", ".br", ".map"})
_MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


@dataclass(frozen=True)
class App:
    """What the app of one site is called and looks like: `name` (the organization, else site_name), the originals'
    `language`, the branding (logo, primary colour), and where the logo is on the site (`logo_path`)."""

    name: str
    language: str
    branding: Branding | None = None
    logo_path: str | None = None

    def files(self) -> dict[str, bytes]:
        """The manifest, the registration script and (without a logo) the default icons, by site path."""
        files = {MANIFEST: self.manifest().encode("utf-8"), APP_JS: _asset(APP_JS)}
        if self.logo_path is None:
            files.update({path: _asset(path) for path in DEFAULT_ICONS})
        return files

    def manifest(self) -> str:
        """The web app manifest. Its addresses are relative to it, at the site's root: `start_url` and `scope` are the
        root's path wherever the site is served (`/playbook/` under a sub-path), never the whole host."""
        icons = ([{"src": self.logo_path, "sizes": self._logo_sizes(), "type": self.branding.logo.media_type}]
                 if self.logo_path else
                 [{"src": path, "sizes": sizes, "type": _MEDIA_TYPES[Path(path).suffix]} for path, sizes in DEFAULT_ICONS.items()])
        colour = (self.branding.primary_color if self.branding else None) or DEFAULT_THEME_COLOR
        manifest = {"name": self.name, "short_name": self.name, "lang": self.language,
                    "description": messages(self.language)["site"]["app_description"],
                    "id": "./", "start_url": "./", "scope": "./", "display": "standalone",
                    "theme_color": colour, "background_color": BACKGROUND_COLOR, "icons": icons}
        return json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"

    def _logo_sizes(self) -> str:
        logo = self.branding.logo
        return "any" if logo.suffix == ".svg" else "{}x{}".format(*logo.size)


def app_name(branding: Branding | None, site_name: object) -> str:
    """The app's name: the organization's, else the site's name (MkDocs requires one)."""
    return (branding.organization if branding and branding.organization else None) or str(site_name or "Coachbook")


def page_tags(page: str, language: str) -> tuple[str, str]:
    """For the page at site path `page`, relative to it: the manifest link (for <head>) and the registration script
    (for the end of <body>, where it holds nothing up), with the update prompt's words in the page's `language` (data
    attributes: the policy allows no inline script)."""
    up = "../" * page.count("/")
    words = messages(language)["site"]
    return (f'<link rel="manifest" href="{up}{MANIFEST}">\n',
            f'<script src="{up}{APP_JS}" defer data-ready="{html_text(words["app_update"])}"'
            f' data-reload="{html_text(words["app_reload"])}"></script>\n')


def precache_list(site: Path, directory_urls: bool) -> list[tuple[str, str]]:
    """Every file of the built site the worker precaches, as (address relative to the root, content hash), sorted:
    pages of every language, assets, fonts, search indexes, the chooser's data; not the worker, kits, nor copies."""
    entries = []
    for folder, folders, names in os.walk(site):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            relative = path.relative_to(site).as_posix()
            if (name.startswith(".") or relative == SERVICE_WORKER or path.suffix.lower() in NOT_PRECACHED
                    or path.is_symlink()):
                continue
            address = relative.removesuffix("index.html") if directory_urls and name == "index.html" else relative
            entries.append((address or "./", hashlib.sha256(path.read_bytes()).hexdigest()[:16]))
    return sorted(entries)


def service_worker(entries: list[tuple[str, str]]) -> str:
    """The worker's source for the precache list: the same list gives the same bytes, any changed file other ones."""
    listed = json.dumps([list(entry) for entry in entries], separators=(",", ":"))
    version = hashlib.sha256(listed.encode("utf-8")).hexdigest()[:16]
    data = f'const PRECACHE = {{"version":"{version}","files":{listed}}};\n'
    return data + _asset(SERVICE_WORKER).decode("utf-8")


def write_service_worker(site: Path, directory_urls: bool) -> None:
    """Write the worker at the root of the built `site`: after every other file, since it lists their hashes."""
    write_atomically(site / SERVICE_WORKER, service_worker(precache_list(site, directory_urls)).encode("utf-8"))


def _asset(path: str) -> bytes:
    return resources.files("coachbook").joinpath("assets/site", Path(path).name).read_bytes()
