"""MkDocs front end of csp.py: every page and HTML template gets the policy for the theme's inline scripts."""

from __future__ import annotations

from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url, normalize_url

from ..site import csp


class SitePolicies:
    """The theme's policies for one build, from its Jinja environment (`offline`: the offline build's search frame
    included; `app`: the installable app's manifest allowed)."""

    def __init__(self, env, config: MkDocsConfig, offline: bool, app: bool = False):
        shim = csp.iframe_worker_shim() if offline else None
        self.themes = csp.ThemePolicies(env, {"config": config, "features": config.theme.get("features") or []},
                                        iframe_shim=shim, app=app)

    def page(self, output: str, page) -> str:
        base_url = get_relative_url(".", page.url)
        return self._apply(output, base_url, lambda path: normalize_url(path, page, base_url))

    def template(self, output: str, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):  # sitemap.xml
            return output
        # As MkDocs renders 404.html: its links are absolute from the site's path.
        base_url = urlsplit(config.site_url or "/").path
        return self._apply(output, base_url, lambda path: normalize_url(path, None, base_url))

    def _apply(self, output: str, base_url: str, worker_url) -> str:
        try:
            return self.themes.apply(output, base_url, worker_url)
        except csp.PolicyClash as clash:
            raise PluginError(f"coachbook: {clash}; remove it from the theme's overrides (coachbook writes one)") from None
