"""`build_kits.py check --lint`: one warning line per weakness, at its field, never failing a valid model."""

from __future__ import annotations

import json
import re

import pytest

from conftest import MODEL_FILES, REPO, VALID, build_kits
from coachbook.model.lint import lint
from coachbook.model.loader import locate_model, model_files

# VALID with situations, on use_when's lines so that line numbers stay.
SITUATED = VALID.replace("use_when:\n  - Always\n", "use_when: [Always]\nsituations: [a fresh start to the week]\n")
# SITUATED with a follow-up for its one question: nothing left to warn about.
CLEAN = SITUATED + "            follow_ups:\n              - What would help most this week?\n"

# VALID (lines 1 to 19) made weak one rule at a time; the comments number the lines for the expected warnings.
WEAK = VALID.replace("purpose: Start well.", "purpose: Open the talk.") + (
    "            follow_ups: [Tell me more.]\n"                              # 20
    "          - text: Did the week go well?\n"                              # 21
    "            asked_by: manager\n"                                        # 22
    "          - text: Could you describe your week (in a few words?)\n"     # 23
    "            asked_by: manager\n"                                        # 24
    "            follow_ups: ['Ask \"what was hardest?\"']\n"                # 25
    "          - text: Share one thing that went well.\n"                    # 26
    "            asked_by: employee\n"                                       # 27
    "  - id: wrap-up\n"                                                      # 28
    "    title: Wrap up\n"                                                   # 29
    "    when: after\n"                                                      # 30
    "    steps:\n"                                                           # 31
    "      - id: note\n"                                                     # 32
    "        title: Take notes\n"                                            # 33
    "        purpose: A written record keeps the agreement alive.\n"         # 34
    "  - id: reflect\n"                                                      # 35
    "    title: Reflect\n"                                                   # 36
    "    when: after\n"                                                      # 37
    "    steps:\n"                                                           # 38
    "      - id: look-back\n"                                                # 39
    "        title: Look back\n"                                             # 40
    "        purpose: Learning from each talk makes the next one better.\n"  # 41
    "        questions:\n"                                                   # 42
    "          - text: Did I listen more than I spoke\n"                     # 43
    "            asked_by: self\n"                                           # 44
)
NOT_A_QUESTION = "does not end with a question mark: phrase it as a question, or move it to phrases or checklist"
YES_NO = "an open one (what, how, which ...) gets a fuller answer"
NO_SITUATIONS = ("has none: add 5 to 10 short phrases in a reader's own words (\"keeps missing deadlines\"), so that"
                 " the chooser finds this model for them")
NO_FOLLOW_UPS = "has no follow_ups: add one or two to go deeper during the conversation"
WARNING_LINE = re.compile(r"^[^:]+:\d+:\d+: warning: \S+: .+$")


def write(folder, text, name="sample"):
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_each_rule_warns_once_at_its_field_and_the_check_still_passes(tmp_path):
    write(tmp_path, WEAK)
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    step = "stages[0].steps[0]"
    assert result.stderr.splitlines() == [
        f"sample.yaml:1:1: warning: situations: {NO_SITUATIONS}",  # a field not written: at the file's start
        f"sample.yaml:16:18: warning: {step}.purpose: repeats the step's title: say why the step matters",
        f"sample.yaml:20:26: warning: {step}.questions[0].follow_ups[0]: {NOT_A_QUESTION}",
        f"sample.yaml:21:13: warning: {step}.questions[1]: {NO_FOLLOW_UPS}",
        f"sample.yaml:21:19: warning: {step}.questions[1].text: a yes/no question ('Did ...'): {YES_NO}",
        f"sample.yaml:26:19: warning: {step}.questions[3].text: {NOT_A_QUESTION}",
        "sample.yaml:28:5: warning: stages[1]: stage 'wrap-up' has no question in any of its steps",
        f"sample.yaml:43:19: warning: stages[2].steps[0].questions[0].text: {NOT_A_QUESTION}",
        "8 warnings in 1 file (1 valid model file checked)",
    ]
    assert result.returncode == 0


def test_a_clean_model_gives_no_warning(tmp_path):
    write(tmp_path, CLEAN)
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "0 warnings in 0 files (1 valid model file checked)\n")


def test_without_lint_check_prints_no_warning(tmp_path):
    write(tmp_path, WEAK)
    result = build_kits("check", "sample.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "1 model files OK\n")


def test_invalid_files_are_reported_first_and_still_fail(tmp_path):
    write(tmp_path, WEAK)
    write(tmp_path, SITUATED.replace("led_by: manager", "led_by: coach").replace("id: sample", "id: broken"), "broken")
    result = build_kits("check", "--lint", ".", cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert lines[0] == "broken.yaml:6:9: led_by: must be one of manager, employee, shared (got 'coach')"
    assert len(lines) == 1 + 8 + 1 and all(WARNING_LINE.match(line) for line in lines[1:-1])
    assert {line.split(":")[0] for line in lines[1:-1]} == {"sample.yaml"}
    assert lines[-1] == "1 invalid model file; 8 warnings in 1 file (1 valid model file checked)"


@pytest.mark.parametrize("question, opening", [
    ("Is it working?", "is"),
    ("Could we agree on a date?", "could"),
    ("Since we talked, have you noticed a change?", "have"),
    ("Here is my view. Does it match yours?", "does"),
    ("Is it working, or not?", "is"),
    ("Isn't that a risk?", "isn't"),
    ("Be honest: what went wrong?", None),
    ("What went well?", None),
    ("Could you describe the week?", None),
    ("Is it a skills issue or a time issue?", None),
    ("Which one, do you think, matters most?", None),
    ("Looking back, what would you change?", None),
    ("Remember when it went well? What did you do then?", None),
    ("And did it work?", "did"),  # a leading conjunction hides no verb
    ("Is that okay, or?", "is"),  # a bare "or" offers no alternative
    ("In which way, do you think, does it help?", None),
])
def test_a_yes_no_question_is_told_from_an_open_one(tmp_path, question, opening):
    located = locate_model(write(tmp_path, CLEAN.replace("How are you?", json.dumps(question))))
    messages = [warning.message for warning in lint(located)]
    expected = [f"a yes/no question ('{opening.capitalize()} ...'): {YES_NO}"] if opening else []
    assert messages == expected
    assert lint(located, language="it") == []  # a language without rules is not judged by English ones


OPEN_WORDS = {"en": "what, how, which", "de": "was, wie, welche", "fr": "que, comment, quel", "es": "qué, cómo, cuál"}


# Real sentences per language with the opening a yes/no question is named by, or None for an open one.
QUESTIONS = {
    "de": [
        ("Hast du schon mit ihr gesprochen?", "Hast"),
        ("Bist du bereit?", "Bist"),
        ("Denkst du, dass das realistisch ist?", "Denkst"),  # any verb before "du" ...
        ("Siehst du eine Möglichkeit, das zu ändern?", "Siehst"),
        ("Weißt du, was als Nächstes ansteht?", "Weißt"),
        ("Habt ihr als Team darüber gesprochen?", "Habt"),
        ("Sehen Sie das genauso?", "Sehen"),
        ("Fällt dir ein Beispiel ein?", "Fällt"),
        ("Gibt es etwas, das dich bremst?", "Gibt"),
        ("Können wir nächste Woche weitermachen?", "Können"),  # not a request: asks about "wir"
        ("Wenn du zurückblickst, würdest du etwas anders machen?", "Würdest"),
        ("Ist das realistisch, oder?", "Ist"),  # the tag "oder?" offers no alternative
        ("Ist das realistisch, oder nicht?", "Ist"),
        ("Was denkst du?", None),  # "Was" is German "what", not the English auxiliary
        ("Wie siehst du das?", None),
        ("Welche Unterstützung brauchst du von mir?", None),
        ("Woran merkst du, dass es gut läuft?", None),
        ("Wenn du zurückblickst, was würdest du anders machen?", None),  # ... but not a conjunction before "du"
        ("Seit du im Team bist, was hat sich verändert?", None),
        ("Damit es klappt, was brauchst du?", None),
        ("Mit wem, glaubst du, solltest du sprechen?", None),
        ("Kannst du beschreiben, wie die Woche lief?", None),
        ("Kannst du mir mehr darüber erzählen?", None),
        ("Könnten Sie mir erklären, was passiert ist?", None),
        ("Erzählen Sie mir, wie es gelaufen ist?", None),  # an imperative request, not a question
        ("Ist es eine Frage der Zeit oder der Fähigkeiten?", None),
        ("Du bist bereit?", None),  # a statement asked with a rising voice: no telling it apart
    ],
    "fr": [
        ("As-tu pu avancer sur ce projet ?", "As-tu"),
        ("Penses-tu que c'est réaliste ?", "Penses-tu"),
        ("Avez-vous des questions ?", "Avez-vous"),
        ("Peux-tu venir demain ?", "Peux-tu"),
        ("Y a-t-il quelque chose qui te bloque ?", "Y a-t-il"),
        ("Est-il réaliste d'y arriver ce trimestre ?", "Est-il"),
        ("Est-ce que tu te sens prêt ?", "Est-ce"),
        ("Est-ce qu'il y a un obstacle ?", "Est-ce"),
        ("N'as-tu pas eu le temps ?", "N'as-tu"),
        ("Depuis notre échange, as-tu remarqué un changement ?", "As-tu"),
        ("Est-ce que ça te convient, ou pas ?", "Est-ce"),
        ("Qu'est-ce que tu en penses ?", None),
        ("Pourquoi est-ce que ça a bloqué ?", None),
        ("Que penses-tu de cette idée ?", None),
        ("Comment vois-tu la suite ?", None),
        ("De quoi as-tu besoin ?", None),
        ("Où en es-tu ?", None),
        ("Peux-tu décrire la situation ?", None),
        ("Pourrais-tu m'expliquer ce qui s'est passé ?", None),
        ("Pouvez-vous nous en dire plus ?", None),
        ("Tu es prêt ?", None),  # a statement asked with a rising voice: not flagged
        ("Est-ce un problème de temps ou de compétences ?", None),
        ("Sois honnête : qu'est-ce qui n'a pas marché ?", None),
    ],
    "es": [
        ("¿Es realista este plazo?", "Es"),
        ("¿Estás contento con el resultado?", "Estás"),
        ("¿Hay algo que te frene?", "Hay"),
        ("¿Tienes lo que necesitas?", "Tienes"),
        ("¿Puedes venir mañana?", "Puedes"),
        ("¿Has hablado con tu equipo?", "Has"),
        ("¿Te gustaría asumir más responsabilidad?", "Te gustaría"),
        ("¿Crees que es posible?", "Crees"),  # "que" without its accent joins a clause: no interrogative
        ("¿Sabes si el cliente está satisfecho?", "Sabes"),
        ("Desde que hablamos, ¿has notado algún cambio?", "Has"),
        ("¿Es así o no?", "Es"),
        ("¿Qué piensas?", None),
        ("¿Cómo te sientes?", None),
        ("¿Por qué crees que pasó?", None),
        ("¿Cuál es el mayor obstáculo?", None),
        ("Desde que hablamos, ¿qué ha cambiado?", None),
        ("¿Esta semana, qué lograste?", None),  # "Esta" (this) is not "Está" (is)
        ("¿Puedes contarme qué pasó?", None),
        ("¿Podrías describir la situación?", None),
        ("¿Me puedes explicar cómo lo hiciste?", None),
        ("¿Es un problema de tiempo o de habilidades?", None),
        ("Y tú, ¿qué opinas?", None),
        ("Esta semana fue dura?", None),  # no ¿: still a question, and no opener
    ],
}


@pytest.mark.parametrize("language, question, opening", [
    (language, question, opening) for language, cases in QUESTIONS.items() for question, opening in cases
])
def test_a_yes_no_question_is_told_from_an_open_one_in_each_language(tmp_path, language, question, opening):
    located = locate_model(write(tmp_path, CLEAN.replace("How are you?", json.dumps(question, ensure_ascii=False))))
    expected = [f"a yes/no question ('{opening} ...'): an open one ({OPEN_WORDS[language]} ...) gets a fuller answer"]
    assert [warning.message for warning in lint(located, language)] == (expected if opening else [])


@pytest.mark.parametrize("language, warned", [
    ("en", True),  # read as English, "Was" is an auxiliary
    ("de", False), ("de-ch", False), ("DE-AT", False),  # a regional tag reads as its language
    ("it", False), ("pt-br", False),  # no rules: not judged by English ones
])
def test_the_yes_no_rule_follows_the_model_language(tmp_path, language, warned):
    located = locate_model(write(tmp_path, CLEAN.replace("How are you?", "Was denkst du?")))
    assert bool(lint(located, language)) == warned


def test_a_language_without_rules_keeps_the_language_neutral_ones(tmp_path):
    model = SITUATED.replace("How are you?", "Come stai")  # no question mark, no follow-ups
    messages = [warning.message for warning in lint(locate_model(write(tmp_path, model)), "it")]
    assert messages == [NO_FOLLOW_UPS, NOT_A_QUESTION]


# A German translation of CLEAN with a second question (line 22): the first verb-first, the second open.
GERMAN = (CLEAN.replace("Sample talk", "Beispielgespräch").replace("A short talk.", "Ein kurzes Gespräch.")
          .replace("How are you?", "Hast du erreicht, was du wolltest?")
          .replace("What would help most this week?", "Was hat dir dabei geholfen?")) + (
    "          - text: Was denkst du über die Woche?\n"
    "            asked_by: manager\n"
    "            follow_ups: ['Wie siehst du das?']\n"
)


def test_check_lint_reads_a_translation_with_its_language_rules(tmp_path):
    second = "          - text: What went well?\n            asked_by: manager\n"
    write(tmp_path, CLEAN + second + "            follow_ups: ['What helped?']\n")
    (tmp_path / "de").mkdir()
    write(tmp_path / "de", GERMAN)
    result = build_kits("check", "--lint", ".", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        "de/sample.yaml:18:19: warning: stages[0].steps[0].questions[0].text: "
        "a yes/no question ('Hast ...'): an open one (was, wie, welche ...) gets a fuller answer",
        "1 warning in 1 file (2 valid model files checked)",
    ]
    assert result.returncode == 0


@pytest.mark.parametrize("text, is_question", [
    ("How was it?", True),
    ('Ask: "how was it?"', True),
    ("How was it? (be honest)", False),
    ("How was it (be honest)?", True),
    ("How was it (in a word?)", True),
    ("How was *it?*", True),
    ("Wie war es？", True),
    ("„Wie war es?“", True),
    ("»Wie war es?«", True),
    ("« Tu es prêt\u202f?\u00a0»", True),  # French spaces inside its guillemets
    ("¿Qué tal?", True),
    ("¿Qué tal", False),
    ("How was it", False),
    ("Tell me how it was.", False),
])
def test_a_question_must_end_with_a_question_mark(tmp_path, text, is_question):
    model = CLEAN.replace("How are you?", json.dumps(text, ensure_ascii=False))  # JSON strings are YAML too
    located = locate_model(write(tmp_path, model))
    assert [w.message for w in lint(located)] == ([] if is_question else [NOT_A_QUESTION])


@pytest.mark.parametrize("language, title, purpose, repeats", [
    ("en", "Open", "Open.", True),
    ("en", "Agree next steps", "Agree the next step.", True),
    ("en", "Agree next steps", "Agree next steps and owners.", True),
    ("en", "Open", "Start well.", False),
    ("en", "Agree next steps", "Clear next steps stop the talk from fading into good intentions.", False),
    ("de", "Nächste Schritte vereinbaren", "Den nächsten Schritt vereinbaren.", True),
    ("de", "Ziele festlegen", "Die Ziele festlegen.", True),
    ("de", "Nächste Schritte vereinbaren", "Klare nächste Schritte verhindern, dass gute Vorsätze versanden.", False),
    ("fr", "Convenir des prochaines étapes", "Convenir de la prochaine étape.", True),
    ("fr", "Fixer les objectifs", "Fixer l'objectif.", True),
    ("fr", "Ouvrir", "Bien commencer met chacun à l'aise.", False),
    ("es", "Acordar los próximos pasos", "Acordar el próximo paso.", True),
    ("es", "Definir las acciones", "Definir la acción.", True),
    ("es", "Abrir", "Empezar bien crea confianza para hablar con franqueza.", False),
    ("it", "Aprire il colloquio", "Aprire il colloquio.", True),  # no stopwords known: still the same words
    ("it", "Concordare i prossimi passi", "Concordare il prossimo passo.", False),  # ... but they are not compared
])
def test_a_purpose_that_repeats_its_title_is_found(tmp_path, language, title, purpose, repeats):
    model = CLEAN.replace("title: Open", f"title: {title}").replace("purpose: Start well.", f"purpose: {purpose}")
    located = locate_model(write(tmp_path, model))
    assert [w.field for w in lint(located, language)] == (["stages[0].steps[0].purpose"] if repeats else [])


@pytest.mark.parametrize("led_by, asked_by, warned", [
    ("manager", "manager", True),
    ("manager", "employee", False),  # the employee's own request in a manager-led talk: answered, not probed
    ("employee", "manager", True),
    ("employee", "employee", True),
    ("shared", "employee", True),
    ("manager", "self", False),
])
def test_follow_ups_are_expected_of_the_questions_the_asker_explores(tmp_path, led_by, asked_by, warned):
    model = SITUATED.replace("led_by: manager", f"led_by: {led_by}").replace("asked_by: manager", f"asked_by: {asked_by}")
    located = locate_model(write(tmp_path, model))
    assert [w.message for w in lint(located)] == ([NO_FOLLOW_UPS] if warned else [])
    after = locate_model(write(tmp_path, model.replace("when: during", "when: after")))
    assert lint(after) == []  # only the during stage needs them


@pytest.mark.parametrize("path", MODEL_FILES, ids=[path.stem for path in MODEL_FILES])
def test_every_shipped_model_lints_clean(path):
    result = build_kits("check", "--lint", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "0 warnings in 0 files (1 valid model file checked)\n"


def test_the_shipped_folder_with_its_translations_lints_clean():
    """Translations are read with their own language's rules: a German question is not judged as English."""
    result = build_kits("check", "--lint", str(REPO / "models"))
    count = len(model_files([REPO / "models"]))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"0 warnings in 0 files ({count} valid model files checked)\n"


# CLEAN with a second step in its during stage and a stage after it: minutes go on the during steps only.
TIMED = CLEAN + (
    "      - id: close\n"                                        # 22
    "        title: Close\n"                                     # 23
    "        purpose: A clear end tells both what happens next.\n"
    "  - id: later\n"
    "    title: Later\n"
    "    when: after\n"
    "    steps:\n"
    "      - id: note\n"
    "        title: Take notes\n"
    "        purpose: A written record keeps the agreement alive.\n"
    "        questions: [{text: \"What did we agree?\", asked_by: self}]\n"
)
OVER = "the steps during the conversation add up to {planned} minutes, more than the {duration} it is given: shorten them or raise the duration"
NO_MINUTES = "has no minutes while other steps during the conversation have them: give it some"


def timed(duration: int | None, open_minutes: int | None, close_minutes: int | None, note_minutes: int | None = None) -> str:
    """TIMED with a duration and minutes on its steps (None: left out)."""
    model = TIMED.replace("led_by: manager\n", f"led_by: manager\nduration_minutes: {duration}\n" if duration else "led_by: manager\n")
    for title, minutes in (("Open", open_minutes), ("Close", close_minutes), ("Take notes", note_minutes)):
        if minutes is not None:
            model = model.replace(f"title: {title}\n", f"title: {title}\n        minutes: {minutes}\n")
    return model


def test_minutes_over_the_duration_warn_at_the_duration_and_the_check_still_passes(tmp_path):
    write(tmp_path, timed(30, 20, 15))
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        f"sample.yaml:7:19: warning: duration_minutes: {OVER.format(planned=35, duration=30)}",
        "1 warning in 1 file (1 valid model file checked)",
    ]
    assert result.returncode == 0


@pytest.mark.parametrize("duration, open_minutes, close_minutes, note_minutes, warned", [
    (30, 20, 15, None, True),
    (30, 20, 10, None, False),   # under the duration: time to spare is fine
    (30, 15, 15, None, False),   # exactly the duration
    (30, 15, 15, 20, False),     # minutes after the conversation are not part of it
    (None, 20, 15, None, False),  # no duration to compare with
])
def test_only_the_during_minutes_are_compared_with_the_duration(tmp_path, duration, open_minutes, close_minutes,
                                                                 note_minutes, warned):
    located = locate_model(write(tmp_path, timed(duration, open_minutes, close_minutes, note_minutes)))
    fields = [warning.field for warning in lint(located)]
    assert fields == (["duration_minutes"] if warned else [])


def test_a_during_step_without_minutes_beside_timed_ones_warns_at_that_step(tmp_path):
    write(tmp_path, timed(30, 10, None))
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        f"sample.yaml:24:9: warning: stages[0].steps[1]: {NO_MINUTES}",
        "1 warning in 1 file (1 valid model file checked)",
    ]
    assert result.returncode == 0


@pytest.mark.parametrize("open_minutes, close_minutes, note_minutes, warned", [
    (None, 10, None, ["stages[0].steps[0]"]),
    (10, 10, None, []),        # every during step timed; the after step need not be
    (None, None, None, []),    # none timed: no plan to have a hole in
    (None, None, 10, []),      # only an after step timed: the during steps make no plan
])
def test_minutes_are_expected_of_every_during_step_once_one_has_them(tmp_path, open_minutes, close_minutes,
                                                                     note_minutes, warned):
    located = locate_model(write(tmp_path, timed(None, open_minutes, close_minutes, note_minutes)))
    assert [warning.field for warning in lint(located)] == warned


NUMBERED = "starts with its own number"


@pytest.mark.parametrize("stage_title, step_title, warned", [
    ("Talk", "Step 1: Open", ["steps[0].title"]),
    ("2. Talk", "Open", ["stages[0].title"]),
    ("Stage 2 - Talk", "1) Open", ["stages[0].title", "steps[0].title"]),
    ("Talk", "Schritt 1: Öffnen", ["steps[0].title"]),
    ("3 things to cover", "1:1 opening", []),
])
def test_a_title_that_numbers_itself_warns_at_the_title(tmp_path, stage_title, step_title, warned):
    """Its own fixture model: the shipped titles lose their numbers elsewhere (issue 24)."""
    write(tmp_path, CLEAN.replace("title: Talk", f"title: '{stage_title}'")
          .replace("title: Open", f"title: '{step_title}'"))
    result = build_kits("check", "--lint", "sample.yaml", cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if NUMBERED in line]
    where = {"stages[0].title": "sample.yaml:11:12: warning: stages[0].title",
             "steps[0].title": "sample.yaml:15:16: warning: stages[0].steps[0].title"}
    assert [line.split(f": {NUMBERED}")[0] for line in lines] == [where[field] for field in warned], result.stderr
    assert all(WARNING_LINE.match(line) for line in lines) and result.returncode == 0
