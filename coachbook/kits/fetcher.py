"""The kits' URL fetcher: WeasyPrint may load the package's kit assets and the configured logo, nothing else."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..branding import Branding, Logo

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ASSETS_DIR = PACKAGE_DIR / "assets"
# Relative URLs in templates and CSS (fonts/Inter-Regular.otf) resolve against this.
ASSETS_URL = ASSETS_DIR.as_uri() + "/"
KIT_ASSETS = ("kits.css", "fonts")
"""What of coachbook/assets/ a kit may load; the rest (assets/site/) is the website's, so the kit cache's key, which
reads exactly these, does not change (and every kit render again) when a site script or stylesheet does."""
# The organization's logo, as kits refer to it: a name no package file has, served from the
# validated bytes (never from the user's file again), so the kit does not depend on where the project is.
LOGO_NAME = "organization-logo"


class RefusedURL(ValueError):
    """A kit tried to load something that is not one of the package's kit assets."""


class AssetFetcher(URLFetcher):
    """Serves the kit assets (KIT_ASSETS) and the configured logo; refuses every other URL (the site's assets, other
    files, network, data:)."""

    def __init__(self, logo: Logo | None = None):
        # fail_on_errors: a refused URL stops the rendering instead of silently leaving a hole.
        super().__init__(fail_on_errors=True)
        self.logo = logo

    def fetch(self, url, headers=None):
        if self.logo is not None and url == ASSETS_URL + logo_file_name(self.logo):
            return URLFetcherResponse(url, self.logo.data, {"Content-Type": self.logo.media_type})
        path = asset_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def asset_path(url: str) -> Path:
    """The kit asset (KIT_ASSETS under coachbook/assets/) that `url` names; raise `RefusedURL` for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"kits load only their own assets, not {url[:80]!r}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(ASSETS_DIR) or path.relative_to(ASSETS_DIR).parts[0] not in KIT_ASSETS or not path.is_file():
        raise RefusedURL(f"kits load only their own assets, not {url[:80]!r}")
    return path


FETCHER = AssetFetcher()


def logo_file_name(logo: Logo) -> str:
    """The logo's name as kits refer to it, relative to ASSETS_URL."""
    return LOGO_NAME + logo.suffix


def fetcher_for(branding: Branding | None) -> AssetFetcher:
    """The fetcher of a kit with this branding: the shared one, or one that also serves the logo."""
    return AssetFetcher(branding.logo) if branding and branding.logo else FETCHER
