"""The practice kit: role-play briefs each on its own page, observer sheets, the round plan, packs and the site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from coachbook.i18n import duration_text, messages
from coachbook.kits.catalog import PAPERS, kit_filename
from coachbook.kits.practice import DEBRIEF_MINUTES, DEFAULT_CONVERSATION_MINUTES, MAX_ROUNDS, during_steps, round_plan
from coachbook.model.loader import load_library, load_model
from coachbook.site.plan import SitePlan, Urls
from coachbook.text import normalized, plain_text
from conftest import MODEL_FILES, REPO, TRANSLATIONS, VALID, build_kits, write_model
from pdf_texts import page_texts, pdf_text

SCENARIOS = [
    ("late-orders", "Orders that ship late at the *warehouse*",
     "Three orders this week left the warehouse a day late; the customer has complained twice.",
     "You believe Sam rushes the packing checks and you want the checks done properly.",
     "Sam knows the label printer jams every afternoon and nobody has fixed it since March.",
     ["Does the manager ask about the afternoons before suggesting a fix?"]),
    ("night-shift", "The quiet night nurse",
     "On the ward, handover notes from the night shift have become short and vague.",
     "You assume Alex has lost interest in the job and you plan to remind Alex of the standard.",
     "Alex is covering two bays since a colleague left and writes notes in the last five minutes.",
     []),
    ("code-review", "Reviews that sit for days",
     "Pull requests in the team wait three days on average for Kim's review.",
     "You think Kim does not see reviews as real work.",
     "Kim was told by the architect to approve nothing that touches billing until a redesign lands.",
     ["Count the questions asked before the first suggestion.", "Note when the billing rule comes out."]),
]

STEPS = """        questions:
          - text: How are you?
            asked_by: manager
"""
TIMED_STEPS = """        minutes: 5
        questions:
          - text: How are you?
            asked_by: manager
      - id: listen
        title: Listen for the reasons
        minutes: 10
        purpose: Let the person explain.
"""
assert VALID.endswith(STEPS)
MODEL = "handover"
PRACTICE_MODEL = VALID.replace("id: sample", f"id: {MODEL}").replace("title: Sample talk", "title: Handover talk") \
    .replace(STEPS, TIMED_STEPS) + yaml.safe_dump({"practice": [
    {"id": id_, "title": title, "situation": situation, "roles": {"manager": manager, "employee": employee},
     **({"observe": observe} if observe else {})}
    for id_, title, situation, manager, employee, observe in SCENARIOS]}, sort_keys=False, width=200)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A folder with the practice model and a model without scenarios (VALID's sample)."""
    folder = tmp_path_factory.mktemp("practice") / "models"
    folder.mkdir()
    write_model(folder / f"{MODEL}.yaml", PRACTICE_MODEL)
    write_model(folder / "sample.yaml", VALID)
    return folder


@pytest.fixture(scope="module")
def kits(project) -> Path:
    """`build --kit practice` of the project: the practice kits that exist, both papers."""
    out = project.parent / "kits"
    result = build_kits("build", "--models", str(project), "--kit", "practice", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def text(value: str) -> str:
    return normalized(plain_text(value))


def kit_pages(kits: Path, paper: str) -> list[str]:
    return [normalized(page) for page in page_texts(kits / MODEL / kit_filename(MODEL, "practice", paper))]


def test_build_kit_practice_builds_only_the_models_with_scenarios(kits):
    assert sorted(path.relative_to(kits).as_posix() for path in kits.rglob("*.pdf")) == [
        f"{MODEL}/{kit_filename(MODEL, 'practice', paper)}" for paper in PAPERS]


def test_a_model_without_scenarios_has_no_practice_kit_in_the_site(project):
    plan = SitePlan(load_library([project]))
    jobs = plan.kit_jobs()
    assert {job.model.id for job in jobs if job.kit == "practice"} == {MODEL}
    pages = plan.render_pages(Urls(), [(job, 1000) for job in jobs])
    label = messages("en")["kits"]["practice"]
    model_page, sample_page, kits_page = pages[f"models/{MODEL}.md"], pages["models/sample.md"], pages["kits.md"]
    for paper in PAPERS:
        assert f'href="../../kits/{MODEL}/{kit_filename(MODEL, "practice", paper)}"' in model_page
        assert f'href="{MODEL}/{kit_filename(MODEL, "practice", paper)}"' in kits_page
    assert label in model_page and label in kits_page and "-practice-" not in sample_page and label not in sample_page
    assert kits_page.count("-practice-") == len(PAPERS)


@pytest.mark.parametrize("paper", PAPERS)
def test_the_practice_kit_renders_every_scenario_text(kits, paper):
    everything = pdf_text(kits / MODEL / kit_filename(MODEL, "practice", paper))
    wanted = [value for _, title, situation, manager, employee, observe in SCENARIOS
              for value in (title, situation, manager, employee, *observe)]
    assert [value for value in wanted if text(value) not in everything] == []


@pytest.mark.parametrize("paper", PAPERS)
def test_no_page_holds_both_briefs_and_each_brief_has_its_own_page(kits, paper):
    pages = kit_pages(kits, paper)
    for _, title, situation, manager, employee, _ in SCENARIOS:
        manager_pages = [n for n, page in enumerate(pages) if text(manager) in page]
        employee_pages = [n for n, page in enumerate(pages) if text(employee) in page]
        assert len(manager_pages) == len(employee_pages) == 1
        assert manager_pages != employee_pages
        for number in manager_pages + employee_pages:
            assert text(situation) in pages[number] and text(title) in pages[number]
    # The manager's page reminds them of the steps during the conversation.
    manager_page = next(page for page in pages if text(SCENARIOS[0][3]) in page)
    assert "Open" in manager_page and "Listen for the reasons" in manager_page


def test_each_observer_sheet_lists_every_during_step_and_its_watch_items(kits):
    t = messages("en")["practice"]
    sheets = [page for page in kit_pages(kits, "a4") if normalized(t["observer_sheet"]).upper() in page]
    assert len(sheets) == len(SCENARIOS)
    for sheet, (_, title, _, manager, employee, observe) in zip(sheets, SCENARIOS):
        assert text(title) in sheet and text(manager) not in sheet and text(employee) not in sheet
        for step, minutes in (("Open", 5), ("Listen for the reasons", 10)):
            assert re.search(rf"{step} {minutes} min", sheet), f"{step} with its planned minutes"
        for wanted in (t["open_questions"], t["closed_questions"], t["exact_words"], *observe):
            assert text(wanted) in sheet


def test_the_round_plan_adds_up_its_rounds(kits):
    facilitator = kit_pages(kits, "letter")[0]
    t = messages("en")["practice"]
    # One round per scenario, each the during steps' 15 minutes plus the debrief, and their total.
    round_minutes = 15 + DEBRIEF_MINUTES
    rounds = re.findall(r"(\d) .*? (\d+) min", facilitator.split(normalized(t["plan_title"]))[1].split(t["total"])[0])
    assert rounds == [(str(n), str(round_minutes)) for n in range(1, 4)]
    total = duration_text(3 * round_minutes, "en", "short")
    assert f"{t['total']} {total}" in facilitator
    assert normalized(t["how"]["threes"]) in facilitator and normalized(t["prepare_title"]) in facilitator


def test_the_round_plan_takes_at_most_three_scenarios_and_a_default_without_minutes(tmp_path):
    more = PRACTICE_MODEL.replace("        minutes: 5\n", "").replace("        minutes: 10\n", "")
    assert "minutes:" not in more
    more += "- id: fourth\n  title: Fourth\n  situation: S.\n  roles: {manager: M., employee: E.}\n"
    model = load_model(write_model(tmp_path / f"{MODEL}.yaml", more))
    plan = round_plan(model)
    assert [r.scenario.id for r in plan.rounds] == ["late-orders", "night-shift", "code-review"][:MAX_ROUNDS]
    assert plan.conversation_minutes == DEFAULT_CONVERSATION_MINUTES
    assert plan.total_minutes == sum(r.minutes for r in plan.rounds) == 3 * (DEFAULT_CONVERSATION_MINUTES + DEBRIEF_MINUTES)


def test_pack_practice_adds_one_set_per_three_participants(project):
    out = project.parent / "pack.pdf"
    result = build_kits("pack", "--models", str(project), "--model", MODEL, "--model", "sample", "--copies", "7",
                        "--practice", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    pages = [normalized(page) for page in page_texts(out)]
    t = messages("en")["practice"]
    assert sum(normalized(t["plan_title"]) in page for page in pages) == 3, "three facilitator's pages: three sets"
    assert sum(text(SCENARIOS[1][4]) in page for page in pages) == 3, "three copies of each brief"
    assert normalized(t.count("sets", 3)) in pages[0]
    # Without --practice, no practice pages; sample (no scenarios) never adds any.
    plain = project.parent / "plain.pdf"
    assert build_kits("pack", "--models", str(project), "--model", MODEL, "--copies", "7", "--out", str(plain),
                      "--quiet").returncode == 0
    assert not any(normalized(t["plan_title"]) in normalized(page) for page in page_texts(plain))


def test_the_practice_kit_is_in_every_language(kits, tmp_path):
    """The labels come from each catalog: German, French and Spanish kits carry their own words, no English."""
    english = messages("en")["practice"]
    for language in ("de", "fr", "es"):
        t = messages(language)["practice"]
        assert t["observer_sheet"] != english["observer_sheet"]
        from coachbook.kits.layouts import kit_html

        html = kit_html(load_model(kits.parent / "models" / f"{MODEL}.yaml"), "practice", "a4", language)
        for label in (t["facilitator"], t["observer_sheet"], t["debrief_questions"]["group"]["surprise"]):
            assert str(label).replace("'", "&#39;") in html
        assert english["observer_sheet"] not in html


SHIPPED = [(path.stem, None) for path in MODEL_FILES] + list(TRANSLATIONS)


def squeezed(value: str) -> str:
    return "".join(value.split())


@pytest.mark.parametrize(("model_id", "language"), SHIPPED,
                         ids=[f"{model_id}.{language}" if language else model_id for model_id, language in SHIPPED])
def test_each_shipped_practice_kit_keeps_the_briefs_apart_and_observes_every_during_step(built_site, model_id, language):
    """The site's practice kits of the shipped models (both papers): each role's brief on a page of its own, never on a
    page with the other role's, and an observer sheet per scenario listing every step of the talk."""
    folder = REPO / "models" / (language or "")
    model = load_model(folder / f"{model_id}.yaml")
    assert model.practice, "every shipped model has practice scenarios"
    sheet_title = normalized(messages(language or "en")["practice"]["observer_sheet"]).upper()
    for paper in PAPERS:
        # Compared without whitespace: a line may break after a hyphen ("well-" "shaped"), and a translation's kits
        # hyphenate (U+2010 at a line end, undone as pdf_text does).
        pages = [squeezed(re.sub("\u2010\\s+", "", page)) for page in page_texts(
            built_site.root / "kits" / model_id / kit_filename(model_id, "practice", paper, language))]
        for scenario in model.practice:
            manager, employee = (squeezed(text(scenario.roles.manager)), squeezed(text(scenario.roles.employee)))
            assert [page for page in pages if manager in page and employee in page] == []
            assert len([page for page in pages if manager in page]) == 1
            assert len([page for page in pages if employee in page]) == 1
            sheets = [page for page in pages if squeezed(sheet_title) in page and squeezed(text(scenario.title)) in page]
            assert len(sheets) == 1, scenario.id
            missing = [step.title for step in during_steps(model) if squeezed(text(step.title)) not in sheets[0]]
            assert missing == [], f"{scenario.id}: the observer sheet lacks {missing}"
