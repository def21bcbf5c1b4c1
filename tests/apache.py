"""Debian's Apache started for one folder under a sub-path, with the README's own `<Directory>` block: for the tests.

As tests/nginx.py: its own configuration, pid file and logs, on 127.0.0.1 and a free port, one process in
the foreground (`-X`); Debian's `mime.conf` is included as a stock host has it (it makes `.gz` a type and
`.br` a language, which the README's block must undo). The Debian package's service is not touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


from browser import skip_or_fail
from readme_blocks import readme_block
from nginx import free_port, wait_until_listening

APACHE = os.environ.get("COACHBOOK_APACHE") or shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
DEBIAN_MIME = Path("/etc/apache2/mods-available/mime.conf")
README_FOLDER = "/var/www/playbook"
NEEDED = ("mpm_event", "authz_core", "mime", "dir", "rewrite", "headers")


def require_apache() -> None:
    installed = Path(APACHE).is_file() and os.access(APACHE, os.X_OK)
    skip_or_fail(None if installed else f"the Apache tests need Apache at {APACHE}: sudo apt-get install apache2",
                 "web server tests")


@contextmanager
def serving(folder: Path, prefix: str = "/playbook/") -> Iterator[str]:
    """Serve `folder` with Apache under `prefix` (one folder deep); the base URL. Apache stops when the block ends.

    Run as root, Apache serves as `nobody`, who may not enter the test's temporary folders: it serves a
    world-readable copy of `folder` (without its PDFs, which these tests do not fetch).
    """
    require_apache()
    name = prefix.strip("/")
    with tempfile.TemporaryDirectory(prefix="coachbook-apache-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        (work / "www").mkdir(mode=0o755)
        shutil.copytree(folder, work / "www" / name, ignore=shutil.ignore_patterns("*.pdf"))
        for path in (work / "www").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        snippet = readme_block("apache")
        assert f'<Directory "{README_FOLDER}">' in snippet, f"the README's block must be for {README_FOLDER}"
        snippet = snippet.replace(f'<Directory "{README_FOLDER}">', f'<Directory "{work / "www" / name}">')
        port = free_port()
        user = "User nobody\nGroup nogroup" if os.geteuid() == 0 else ""
        modules = "\n".join(f"LoadModule {module}_module {MODULES / f'mod_{module}.so'}" for module in NEEDED)
        config = work / "apache2.conf"
        config.write_text(f"""\
ServerRoot {work}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {work / "apache2.pid"}
ErrorLog {work / "error.log"}
Mutex file:{work} default
{user}
{modules}
TypesConfig /etc/mime.types
Include {DEBIAN_MIME}
DirectoryIndex index.html
DocumentRoot {work / "www"}
<Directory "{work / "www"}">
    AllowOverride None
    Require all granted
</Directory>
{snippet}
""", encoding="utf-8")
        process = subprocess.Popen([APACHE, "-X", "-f", str(config)], cwd=work,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(process, port, work / "error.log", "Apache")
            yield f"http://127.0.0.1:{port}{prefix}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
