/* Coachbook: the question bank's filters, by conversation, stage, who asks and words, kept in the page's address.

   Loaded on every page; it does something only on the question bank, where the filter form and its data (the
   catalog's words and count label, never model text) are. The form is in the page from the start, its room kept
   and the form invisible until this script is ready (see coachbook.css), so that nothing below it moves; without
   a script the page is the full list. Filtering hides questions, then the stages and conversations left empty. */
(function () {
  "use strict";

  var form = document.getElementById("cb-bank-filters");
  var dataElement = document.getElementById("cb-bank-data");
  if (!form || !dataElement) return;
  try {
    setUp(JSON.parse(dataElement.textContent));
  } catch (error) {
    if (window.console) console.error("coachbook question bank:", error); // the page stays the full list
  }

  function all(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }

  function setUp(data) {
    var words = window.coachbookWords(data.words);
    var fields = form.elements;
    var box = fields.words, model = fields.model;
    var count = document.getElementById("cb-bank-count");
    var toggle = form.querySelector(".cb-bank-toggle");
    var plural = new Intl.PluralRules(data.language);
    var announce = null, shownFor = null;

    var models = all("p.cb-bank-model[data-cb-model]").map(function (meta) {
      var heading = document.getElementById(meta.getAttribute("data-cb-model"));
      return { meta: meta, heading: heading && /^H[1-6]$/.test(heading.tagName) ? heading : null, stages: [] };
    });
    var byModel = new Map(models.map(function (entry) { return [entry.meta.getAttribute("data-cb-model"), entry]; }));
    var stages = all(".cb-bank-stage[data-cb-model]").map(function (element) {
      var stage = { element: element, model: element.getAttribute("data-cb-model"), when: element.getAttribute("data-cb-when"),
                    questions: [] };
      if (byModel.has(stage.model)) byModel.get(stage.model).stages.push(stage);
      return stage;
    });
    var questions = [];
    stages.forEach(function (stage) {
      Array.prototype.forEach.call(stage.element.querySelectorAll("li.cb-question[data-cb-asker]"), function (item) {
        var question = { item: item, stage: stage, asker: item.getAttribute("data-cb-asker"), terms: null };
        stage.questions.push(question);
        questions.push(question);
      });
    });

    function values(name) {
      var list = fields[name];
      return list.options ? Array.prototype.map.call(list.options, function (o) { return o.value; })
        : Array.prototype.map.call(list, function (input) { return input.value; });
    }

    function state() {
      return { q: box.value, model: model.value, when: fields.when.value, asker: fields.asker.value };
    }

    function restore() {
      var query = new URLSearchParams(location.search);
      box.value = query.get("words") || "";
      ["model", "when", "asker"].forEach(function (name) {
        var wanted = query.get(name) || "";
        fields[name].value = values(name).indexOf(wanted) >= 0 ? wanted : "";
      });
    }

    function remember(current) {
      // The chooser's way: the view is in the address, so that a reload or a shared link shows it again. Not as `q`,
      // which the theme reads as a search to open over the page.
      var query = new URLSearchParams();
      if (current.q.trim()) query.set("words", current.q);
      ["model", "when", "asker"].forEach(function (name) { if (current[name]) query.set(name, current[name]); });
      var search = query.toString() ? "?" + query.toString() : "";
      if (search !== location.search) {
        try {
          history.replaceState(history.state, "", location.pathname + search + location.hash);
        } catch (error) { /* some browsers refuse it on file://: the view still works, unlinked */ }
      }
    }

    function termsOf(question) {
      // Read once, when words are first typed: the question and its follow-ups, not the asker's label or the breadcrumb.
      if (!question.terms) {
        var text = question.item.querySelector(".cb-question-text");
        var followUps = question.item.querySelector(".cb-follow-ups");
        question.terms = words.terms((text ? text.textContent : "") + " " + (followUps ? followUps.textContent : ""));
      }
      return question.terms;
    }

    function found(term, question) {
      // As the chooser matches a word: the same stem, or (from four letters) one stem beginning the other, so that
      // a word still being typed ("feedb") finds its questions.
      return termsOf(question).some(function (other) {
        return other === term || (Math.min(other.length, term.length) >= 4 && (other.indexOf(term) === 0 || term.indexOf(other) === 0));
      });
    }

    function counted(shown) {
      var forms = data.shown;
      var form = forms[plural.select(questions.length)] || forms.other;
      return form.replace("{shown}", String(shown)).replace("{n}", String(questions.length));
    }

    function apply(now) {
      var current = state();
      var key = JSON.stringify(current);
      if (key === shownFor) return;
      shownFor = key;
      remember(current);
      var typed = words.terms(current.q);
      var shown = 0;
      questions.forEach(function (question) {
        var fits = (!current.model || question.stage.model === current.model) && (!current.when || question.stage.when === current.when)
          && (!current.asker || question.asker === current.asker)
          && typed.every(function (term) { return found(term, question); });
        question.item.hidden = !fits;
        if (fits) shown++;
      });
      stages.forEach(function (stage) {
        stage.element.hidden = !stage.questions.some(function (question) { return !question.item.hidden; });
      });
      models.forEach(function (entry) {
        var empty = !entry.stages.some(function (stage) { return !stage.element.hidden; });
        entry.meta.hidden = empty;
        if (entry.heading) entry.heading.hidden = empty;
      });
      toggle.classList.toggle("cb-bank-toggle--active", !!(typed.length || current.model || current.when || current.asker));
      // Once the reader pauses, so that a screen reader does not read a count per key pressed.
      clearTimeout(announce);
      if (now === true) count.textContent = counted(shown);
      else announce = setTimeout(function () { count.textContent = counted(shown); }, 400);
    }

    restore();
    apply(true);
    window.coachbookFollowForm(form, apply);
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
    form.classList.add("cb-bank-filters--ready");
  }
})();
