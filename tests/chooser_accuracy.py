"""How well the chooser's matchmaker ranks the situations of tests/chooser_situations.yaml, through the real chooser.js.

As a script it prints the accuracy table and every miss, against a page that carries the chooser data of
`models/` (no site build: the data and the script are the page's own), so that a change to the models'
`situations`, the catalogs' words or the weights in chooser.js shows its effect in seconds:

    python tests/chooser_accuracy.py            # every language of the situations file
    python tests/chooser_accuracy.py --lang en

tests/test_chooser_accuracy.py asserts the same numbers against the built site's chooser pages.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SITUATIONS_FILE = HERE / "chooser_situations.yaml"

RANK = """texts => texts.map(text => window.coachbook.chooser.rank(text)
    .filter(result => result.shown && !result.avoid).map(result => ({id: result.id, line: result.line})))"""


@dataclasses.dataclass(frozen=True)
class Case:
    say: str
    fits: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One situation ranked: the models the page shows as matches, best first, and the line it shows for each."""

    case: Case
    shown: tuple[str, ...]
    lines: tuple[str | None, ...]

    @property
    def top1(self) -> bool:
        return bool(self.shown) and self.shown[0] in self.case.fits

    @property
    def top3(self) -> bool:
        return bool(set(self.shown[:3]) & set(self.case.fits))

    @property
    def right(self) -> bool:
        """A fitting model first, or (no model fits) no match at all."""
        return self.top1 if self.case.fits else not self.shown


def cases(language: str) -> list[Case]:
    data = yaml.safe_load(SITUATIONS_FILE.read_text(encoding="utf-8"))
    return [Case(item["say"], tuple(item["fits"])) for item in data[language]]


def languages() -> list[str]:
    return list(yaml.safe_load(SITUATIONS_FILE.read_text(encoding="utf-8")))


def rank_all(page, language_cases: list[Case]) -> list[Outcome]:
    """Every situation ranked in one go by the page's own matchmaker (window.coachbook.chooser, set by chooser.js)."""
    page.wait_for_function("() => !!window.coachbook?.chooser", timeout=5000)
    ranked = page.evaluate(RANK, [case.say for case in language_cases])
    return [Outcome(case, tuple(r["id"] for r in results), tuple(r["line"] for r in results))
            for case, results in zip(language_cases, ranked)]


def share(outcomes: list[Outcome], measure: str) -> float:
    return sum(getattr(outcome, measure) for outcome in outcomes) / len(outcomes)


def report(language: str, outcomes: list[Outcome]) -> str:
    """The accuracy table of one language and every miss, as Markdown."""
    fitting = [outcome for outcome in outcomes if outcome.case.fits]
    unfitting = [outcome for outcome in outcomes if not outcome.case.fits]
    none_fits = f"{share(unfitting, 'right'):.3f} of {len(unfitting)}" if unfitting else "-"
    rows = [f"| {language} | {len(fitting)} | {share(fitting, 'top1'):.3f} | {share(fitting, 'top3'):.3f} | {none_fits} |"]
    lines = ["| language | situations | top-1 | top-3 | no strong match where none fits |", "|---|---|---|---|---|", *rows]
    misses = [outcome for outcome in outcomes if not outcome.right]
    lines += ["", f"misses ({len(misses)}):" if misses else "misses: none"]
    for outcome in misses:
        lines.append(f"- {outcome.case.say!r}: fits {list(outcome.case.fits) or 'nothing'}, "
                     f"shown {list(outcome.shown) or 'no strong match'}")
    return "\n".join(lines)


def data_page(folder: Path, language: str) -> Path:
    """A page with the chooser data of `models/` in `language` (the originals for `en`) and chooser.js, as the chooser carries them."""
    sys.path.insert(0, str(HERE.parent))
    from coachbook.model.loader import load_library
    from coachbook.site.chooser import chooser_data
    from coachbook.text import json_script

    library = load_library([HERE.parent / "models"])
    models = library.models if language == "en" else list(library.translations[language].values())
    data = chooser_data(models, language, lambda model_id: f"../models/{model_id}/", {})
    assets = HERE.parent / "coachbook" / "assets" / "site"
    # chooser.js reads words with words.js, as every page that carries the chooser loads them.
    scripts = "".join(f'<script src="{(assets / name).as_uri()}"></script>' for name in ("words.js", "chooser.js"))
    page = folder / f"choose-{language}.html"
    page.write_text(
        '<!doctype html><meta charset="utf-8"><form id="cb-match" hidden><input name="q"><select name="lead"></select>'
        '<select name="time"></select></form><p id="cb-match-status"></p><div id="cb-matches"></div>'
        f'<script type="application/json" id="cb-chooser-data">{json_script(data)}</script>{scripts}',
        encoding="utf-8")
    return page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", action="append", help="a language of the situations file (default: all)")
    parser.add_argument("--explain", metavar="TEXT", help="how TEXT is read and every model's score, instead")
    options = parser.parse_args()
    wanted = options.lang or languages()
    sys.path.insert(0, str(HERE))
    from browser import chromium

    with chromium() as browser, tempfile.TemporaryDirectory() as folder:
        page = browser.new_page()
        page.on("pageerror", lambda error: print("page error:", error, file=sys.stderr))
        page.on("console", lambda message: print("console:", message.text, file=sys.stderr))
        for language in wanted:
            page.goto(data_page(Path(folder), language).as_uri())
            if options.explain:
                page.wait_for_function("() => !!window.coachbook?.chooser", timeout=5000)
                print(language, "reads:", page.evaluate("text => window.coachbook.chooser.words(text)", options.explain))
                for result in page.evaluate("text => window.coachbook.chooser.rank(text)", options.explain):
                    print(f"  {result['score']:.3f} {'match' if result['shown'] else '     '} {'avoid' if result['avoid'] else ''}"
                          f" {result['id']}: {result['line']}")
                continue
            print(report(language, rank_all(page, cases(language))), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
