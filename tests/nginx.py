"""Debian's nginx started for one folder under a sub-path, with the README's own configuration: for tests and benchmarks.

The `location` block is the one the README shows intranet hosts (its block marked `<!-- block: nginx -->`), so
what the tests check is what the README tells a host to write. Each server is its own process: a
configuration, pid file, logs and temporary folders of its own, on 127.0.0.1 and a free port, in the
foreground; the Debian package's service is neither needed nor touched.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


from browser import skip_or_fail
from readme_blocks import readme_block

NGINX = os.environ.get("COACHBOOK_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
# Debian's libnginx-mod-http-brotli-static: nginx sends the `.br` copies with it.
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
# Where the README's snippet says the site is copied: its folder holds `playbook/`.
README_ROOT = "/var/www"
MIME_TYPES = Path("/etc/nginx/mime.types")


def missing_nginx() -> str | None:
    """Why nginx cannot be started here, or None when it can."""
    if not (Path(NGINX).is_file() and os.access(NGINX, os.X_OK)):
        return f"the web server tests need nginx at {NGINX}: sudo apt-get install nginx"
    return None


def require_nginx() -> None:
    skip_or_fail(missing_nginx(), "web server tests")


def brotli_available() -> bool:
    return BROTLI_MODULE.is_file()


def _configuration(folder: Path, prefix: str, port: int, work: Path) -> str:
    name = prefix.strip("/")
    assert name and "/" not in name, f"one folder deep, as in the README: {prefix!r}"
    (work / "root").mkdir()
    (work / "root" / name).symlink_to(Path(folder).resolve(), target_is_directory=True)
    snippet = readme_block("nginx").replace(f"root {README_ROOT};", f"root {work / 'root'};")
    assert str(work) in snippet, f"the README's snippet must say `root {README_ROOT};`"
    snippet = snippet.replace("/playbook/", prefix)
    if not brotli_available():  # the README says to leave the line out without Debian's module
        snippet = re.sub(r"^\s*brotli_static on;.*$", "", snippet, flags=re.MULTILINE)
    temporary = "\n".join(f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""\
{f"load_module {BROTLI_MODULE};" if brotli_available() else ""}
# One process in the foreground, as whoever runs the tests: it reads the site where they can.
daemon off;
master_process off;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {work / "access.log"};
{temporary}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{snippet}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(process: subprocess.Popen, port: int, log: Path, server: str = "nginx") -> None:
    """Return once the server's port takes connections; fail with its log if it stopped or never listened."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server} stopped (exit status {process.returncode}): {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{server} did not listen on 127.0.0.1:{port} within 30 s: {log.read_text(errors='replace')}")


@contextmanager
def serving(folder: Path, prefix: str = "/playbook/", port: int | None = None) -> Iterator[str]:
    """Serve `folder` with nginx under `prefix` (one folder deep, e.g. /playbook/) on `port` (default: a free one);
    the base URL, e.g. http://127.0.0.1:PORT/playbook/. nginx stops when the block ends."""
    require_nginx()
    with tempfile.TemporaryDirectory(prefix="coachbook-nginx-") as temporary:
        work = Path(temporary)
        port = port or free_port()
        config = work / "nginx.conf"
        config.write_text(_configuration(folder, prefix, port, work), encoding="utf-8")
        check = subprocess.run([NGINX, "-t", "-q", "-p", str(work), "-e", str(work / "error.log"), "-c", str(config)],
                               capture_output=True, text=True)
        assert check.returncode == 0, f"nginx refuses the configuration:\n{check.stderr}\n{config.read_text()}"
        process = subprocess.Popen([NGINX, "-p", str(work), "-e", str(work / "error.log"), "-c", str(config)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until_listening(process, port, work / "error.log")
            yield f"http://127.0.0.1:{port}{prefix}"
        finally:
            process.terminate()  # nginx's fast shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()
