"""MkDocs front end: the site plan written into MkDocs' configuration (extensions, assets, theme, navigation)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

from .documents import hand_written_pages
from .mkdocs_languages import add_search_stemmers
from .site import SitePlan


def apply_plan(config: MkDocsConfig, plan: SitePlan) -> None:
    """Our stylesheets and scripts, search stemmers for the translations, branding, copyright and (unless the
    config has its own) the navigation."""
    if "attr_list" not in config.markdown_extensions:
        config.markdown_extensions.append("attr_list")
    config.extra_css.extend(plan.stylesheets())
    config.extra_javascript.extend(plan.scripts())
    add_search_stemmers(config, plan.search_languages() if plan.library.translations else [])
    plan.apply_branding(config.theme)
    config.copyright = plan.copyright(config.copyright)
    if config.nav is None:
        config.nav = plan.navigation(hand_written_pages(Path(config.docs_dir)))
