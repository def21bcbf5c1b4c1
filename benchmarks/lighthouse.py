"""Lighthouse (mobile) on the playbook behind nginx under /playbook/: prints a Markdown table of the four category scores
per page, the metrics behind performance, and the performance findings still open.

    python benchmarks/lighthouse.py                 # builds the repository's site (kits off), serves it, runs Lighthouse
    python benchmarks/lighthouse.py --site site     # a site already built (served on the port its canonical links name)
    python benchmarks/lighthouse.py --runs 3        # the median of three runs per page

Needs Node.js and npm (Lighthouse is installed from npm into benchmarks/.lighthouse/ on the first run), Debian's
nginx (`apt-get install nginx`; tests/nginx.py starts it with the README's configuration) and Chromium's
headless shell (`apt-get install chromium-headless-shell`) or a `chromium`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import nginx  # noqa: E402

LIGHTHOUSE_VERSION = "12"
LIGHTHOUSE_FOLDER = REPO / "benchmarks" / ".lighthouse"  # in .gitignore
LIGHTHOUSE = LIGHTHOUSE_FOLDER / "node_modules" / ".bin" / "lighthouse"
CHROME = (os.environ.get("CHROME_PATH") or shutil.which("chromium-headless-shell") or shutil.which("chromium")
          or "/usr/bin/chromium-headless-shell")
# No sandbox (containers, root), no GPU, and nothing that calls home on a closed network.
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CATEGORIES = {"performance": "performance", "accessibility": "accessibility", "best-practices": "best practices",
              "seo": "SEO"}
METRICS = {"first-contentful-paint": "FCP", "largest-contentful-paint": "LCP", "total-blocking-time": "TBT",
           "cumulative-layout-shift": "CLS", "speed-index": "Speed Index"}
PREFIX = "/playbook/"
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)"')


def pages(site: Path) -> dict[str, str]:
    """The page types to measure, as paths under the site: home, a model, the chooser, the question bank, a conversation."""
    model = sorted(path.name for path in (site / "models").iterdir() if (path / "index.html").exists())[0]
    return {"home": "", "model": f"models/{model}/", "chooser": "choose/", "questions": "questions/",
            "conversation": f"run/{model}/"}


def install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    print(f"Installing Lighthouse {LIGHTHOUSE_VERSION} from npm into {LIGHTHOUSE_FOLDER.relative_to(REPO)}/",
          file=sys.stderr)
    LIGHTHOUSE_FOLDER.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(LIGHTHOUSE_FOLDER),
                    f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, stdout=subprocess.DEVNULL)


def build_site(folder: Path, port: int, kits: bool) -> Path:
    """The repository's project built into `folder` for http://127.0.0.1:PORT/playbook/ (kits off unless `kits`)."""
    project = folder / "project"
    project.mkdir()
    for name in ("mkdocs.yml", "content", "overrides", "models", "sequences"):
        source = REPO / name
        shutil.copytree(source, project / name) if source.is_dir() else shutil.copy(source, project / name)
    if not kits:  # a page's speed does not depend on its PDFs, which take minutes to render
        config = project / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("      models_dir: [models]\n", "      models_dir: [models]\n      kits: false\n", 1),
                          encoding="utf-8")
    environment = {**os.environ, "SITE_URL": f"http://127.0.0.1:{port}{PREFIX}", "NO_MKDOCS_2_WARNING": "1",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    print("Building the site", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"], cwd=project, env=environment,
                   check=True)
    return project / "site"


def built_port(site: Path) -> int | None:
    """The port a site was built for, when its canonical address is http://127.0.0.1:PORT/playbook/."""
    found = CANONICAL.search((site / "index.html").read_text(encoding="utf-8"))
    address = urlsplit(found[1]) if found else None
    if address and address.hostname == "127.0.0.1" and address.path.startswith(PREFIX):
        return address.port
    return None


def lighthouse(url: str, report: Path) -> dict:
    """Lighthouse's report (its JSON result) for one page, on its default mobile settings and throttling."""
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                    f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
                    f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
                   check=True, env={**os.environ, "CHROME_PATH": CHROME})
    return json.loads(report.read_text(encoding="utf-8"))


def findings(result: dict) -> list[tuple[str, str]]:
    """The performance audits that did not pass (but the metrics themselves): (title, what Lighthouse says)."""
    metrics = {ref["id"] for ref in result["categories"]["performance"]["auditRefs"] if ref.get("group") == "metrics"}
    found = []
    for ref in result["categories"]["performance"]["auditRefs"]:
        audit = result["audits"].get(ref["id"], {})
        if ref["id"] in metrics or audit.get("score") is None or audit["score"] >= 0.9:
            continue
        if audit.get("scoreDisplayMode") in {"informative", "notApplicable", "manual"}:
            continue
        found.append((audit["title"], audit.get("displayValue", "")))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, metavar="DIR", help="a built site (default: build the repository's)")
    parser.add_argument("--kits", action="store_true", help="build with the kits (minutes longer; pages the same)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; each score is their median (default: 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep Lighthouse's JSON reports in this folder")
    options = parser.parse_args()
    missing = nginx.missing_nginx()
    if missing:
        sys.exit(missing)
    if not Path(CHROME).exists():
        sys.exit(f"Lighthouse needs Chromium at {CHROME}: apt-get install chromium-headless-shell, or set CHROME_PATH")
    install_lighthouse()
    with tempfile.TemporaryDirectory(prefix="coachbook-lighthouse-") as temporary:
        work = Path(temporary)
        if options.site:
            site = options.site.resolve()
            port = built_port(site) or nginx.free_port()
        else:
            port = nginx.free_port()
            site = build_site(work, port, options.kits)
        reports = options.keep or work / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        scores: dict[str, dict[str, list[float]]] = {}
        open_findings: dict[str, dict[str, str]] = {}  # title: {page: what Lighthouse says there}
        with nginx.serving(site, PREFIX, port) as base:
            for name, path in pages(site).items():
                for run in range(options.runs):
                    print(f"Lighthouse: {name} ({base}{path}), run {run + 1} of {options.runs}", file=sys.stderr)
                    result = lighthouse(base + path, reports / f"{name}-{run + 1}.json")
                    page = scores.setdefault(name, {})
                    for category in CATEGORIES:
                        page.setdefault(category, []).append(result["categories"][category]["score"] * 100)
                    for metric in METRICS:
                        page.setdefault(metric, []).append(result["audits"][metric]["numericValue"])
                    for title, value in findings(result):
                        open_findings.setdefault(title, {}).setdefault(name, value)
    print(f"Lighthouse {lighthouse_version()}, mobile, Chromium {CHROME}, nginx with the README's configuration; "
          f"median of {options.runs} run(s)\n")
    print("| page | " + " | ".join(CATEGORIES.values()) + " |")
    print("|---|" + "---:|" * len(CATEGORIES))
    for name, page in scores.items():
        print(f"| {name} | " + " | ".join(f"{statistics.median(page[c]):.0f}" for c in CATEGORIES) + " |")
    print("\n| page | " + " | ".join(METRICS.values()) + " |")
    print("|---|" + "---:|" * len(METRICS))
    for name, page in scores.items():
        print(f"| {name} | " + " | ".join(_metric(metric, statistics.median(page[metric])) for metric in METRICS) + " |")
    print("\nPerformance findings still open (the first run's), those on most pages first:\n")
    for title, where in sorted(open_findings.items(), key=lambda item: -len(item[1])):
        print(f"- {title}: " + ", ".join(f"{name} ({value})" if value else name for name, value in where.items()))
    if not open_findings:
        print("- none")


def _metric(metric: str, value: float) -> str:
    if metric == "cumulative-layout-shift":
        return f"{value:.3f}"
    if metric == "total-blocking-time":
        return f"{value:.0f} ms"
    return f"{value / 1000:.1f} s"


def lighthouse_version() -> str:
    return subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
