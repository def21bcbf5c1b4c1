"""A small live server over a built site folder: browsers reload after each rebuild, and a failed one's problems show on every page."""

from __future__ import annotations

import functools
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .serve_banner import problem_banner, with_banner

RELOAD_SCRIPT = "/.coachbook/live-reload.js"
BUILD_NUMBER = "/.coachbook/build"
"""The number of the last build, which the reload script polls: it changes after each rebuild, failed or not."""


class LiveSite:
    """What the server tells browsers about the site folder: the number of the last build, and the banner of the
    last failed rebuild (empty once one succeeds)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.number = 0
        self.banner = ""  # replaced whole by the build thread, read by the request threads

    def built(self) -> None:
        self.banner = ""
        self.number += 1

    def failed(self, problems: list[str], language: str) -> None:
        self.banner = problem_banner(problems, language)
        self.number += 1

    def page(self, html: bytes) -> bytes:
        """A page as served: the reload script (a file, so the page's policy needs no inline script) and the banner."""
        script = f'<script src="{RELOAD_SCRIPT}" data-build="{self.number}" defer></script>'.encode()
        at = html.lower().rfind(b"</body>")
        html = html[:at] + script + html[at:] if at >= 0 else html + script
        return with_banner(html, self.banner) if self.banner else html

    def start(self, host: str, port: int) -> ThreadingHTTPServer:
        """Serve the folder at http://host:port/ from a background thread; the server (bound: OSError if it cannot)."""
        server = ThreadingHTTPServer((host, port), functools.partial(_Handler, site=self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="live-server", daemon=True).start()
        return server


class _Handler(SimpleHTTPRequestHandler):
    """The site's files as they are on disk, except pages, which get `LiveSite.page`, and the server's own two."""

    def __init__(self, *args, site: LiveSite, **kwargs):
        self.site = site
        super().__init__(*args, directory=str(site.folder), **kwargs)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == BUILD_NUMBER:
            return self._send(str(self.site.number).encode(), "text/plain; charset=utf-8")
        if path == RELOAD_SCRIPT:
            script = resources.files("coachbook").joinpath("assets/site/live-reload.js").read_bytes()
            return self._send(script, "text/javascript; charset=utf-8")
        file = Path(self.translate_path(self.path))
        if path.endswith("/") and (file / "index.html").is_file():
            file = file / "index.html"
        if file.suffix == ".html" and file.is_file():
            return self._send(self.site.page(file.read_bytes()), "text/html; charset=utf-8")
        if not file.exists() and (self.site.folder / "404.html").is_file():
            return self._send(self.site.page((self.site.folder / "404.html").read_bytes()), "text/html; charset=utf-8",
                              HTTPStatus.NOT_FOUND)
        return super().do_GET()

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # each reload must see the rebuilt files
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        """Quiet: the terminal is for the build's problems."""
