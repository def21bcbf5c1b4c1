"""The Content-Security-Policy: how coachbook.site.csp builds and places it, and that every built page carries it
(the browser tests in test_browser.py check that the pages work under it and that it stops injected script)."""

from __future__ import annotations

import re

import pytest

from coachbook.site import csp

POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <script>var a=1</script>
    <script id="__config" type="application/json">{"base": "."}</script>
    <script src="bundle.js"></script>
  </head>
  <body><script type="module">var b=2</script></body>
</html>"""


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def test_only_executable_inline_scripts_are_hashed():
    assert csp.inline_scripts(PAGE) == ["var a=1", "var b=2"]
    assert csp.script_hashes([PAGE, PAGE]) == sorted({csp.script_hash("var a=1"), csp.script_hash("var b=2")})
    # The browser's own recipe: sha256 over the UTF-8 text between the tags, in base64.
    assert csp.script_hash("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"


def test_the_policy_goes_after_the_charset_and_before_every_script():
    page = csp.with_policy(PAGE, csp.policy(["'sha256-x'"]))
    assert page.index("<meta charset") < page.index("Content-Security-Policy") < page.index("<script")
    assert POLICY.search(page).group(1) == csp.policy(["'sha256-x'"])


def test_a_page_with_a_policy_of_its_own_is_refused():
    """Two policies would both apply; a theme override that brings one must be removed, not merged silently."""
    page = csp.with_policy(PAGE, csp.policy([]))
    with pytest.raises(csp.PolicyClash):
        csp.with_policy(page, csp.policy([]))


def test_the_policy_allows_the_site_itself_and_the_listed_scripts_only():
    policy = directives(csp.policy(["'sha256-x'"]))
    assert policy["script-src"] == ["'self'", "'sha256-x'"]
    assert policy["object-src"] == ["'none'"]
    assert all(source in {"'self'", "'none'", "data:", "'sha256-x'"} for sources in policy.values() for source in sources)


def test_the_iframe_worker_shim_script_is_rebuilt_from_the_shim():
    """Search from file:// runs in the shim's frame, from the script the shim writes there: rebuilt here for its hash."""
    script = csp.iframe_worker_script(csp.iframe_worker_shim(), "../assets/javascripts/workers/search.0.min.js")
    assert script.startswith("postMessage=function c(s,n){parent.postMessage(s,n||\"*\")};importScripts=function d(")
    assert '{filename:"../assets/javascripts/workers/search.0.min.js",error}' in script
    assert "${" not in script


def test_every_built_page_carries_one_policy_ahead_of_its_scripts(built_site):
    pages = sorted(built_site.root.rglob("*.html"))
    assert len(pages) > 10
    problems = []
    for path in pages:
        html = path.read_text(encoding="utf-8")
        name = path.relative_to(built_site.root).as_posix()
        found = POLICY.findall(html)
        if len(found) != 1:
            problems.append(f"{name}: {len(found)} policies")
            continue
        if "<script" in html and html.index("<script") < html.index("Content-Security-Policy"):
            problems.append(f"{name}: a script comes before the policy")
        policy = directives(found[0])
        if "'unsafe-inline'" in policy["script-src"] or "'unsafe-eval'" in policy["script-src"]:
            problems.append(f"{name}: script-src allows inline script")
        if foreign := [s for sources in policy.values() for s in sources if s in {"*", "http:", "https:"} or "://" in s]:
            problems.append(f"{name}: sources from elsewhere: {foreign}")
        # Hashes come from the theme's templates, never from the page: an inline script with none is
        # one that the theme does not write where we look (find its template and hash it from there).
        problems += [f"{name}: inline script with no hash in the policy (not from partials/javascripts/?): {body[:100]}"
                     for body in csp.inline_scripts(html) if csp.script_hash(body) not in policy["script-src"]]
    assert problems == []


def test_no_page_has_inline_event_handlers_or_javascript_links(built_site):
    """The policy blocks onclick= and javascript: URLs: no page may rely on them."""
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=|href=\"javascript:", re.IGNORECASE)
    offenders = [path.relative_to(built_site.root).as_posix() for path in built_site.root.rglob("*.html")
                 if handler.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
