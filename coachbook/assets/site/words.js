/* Coachbook: a reader's words as the site's scripts compare them, shared by the chooser's matchmaker and the
   question bank's filters so that both read a word (and their filter forms) the same way.

   Words are compared lower-case, without accents, without the language's stop words, and cut to a stem by the
   language's word endings (both from the catalog, in each page's data). Loaded before the scripts that use it. */
(function () {
  "use strict";

  window.coachbookWords = function (words) {
    // Sets, not objects: a typed word such as "constructor" is a word like any other.
    var stop = new Set((words.stop || []).map(fold));
    var endings = (words.endings || []).map(fold).sort(function (a, b) { return b.length - a.length; });

    function fold(text) {
      return String(text).toLowerCase().replace(/ß/g, "ss").replace(/æ/g, "ae").replace(/œ/g, "oe")
        .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }

    function stem(word) {
      for (var i = 0; i < endings.length; i++) {
        var ending = endings[i];
        if (word.length - ending.length >= 3 && word.slice(-ending.length) === ending) {
          word = word.slice(0, -ending.length);
          break;
        }
      }
      // A doubled last letter (slipp-ing, plann-ing) stands for the single one (slip, plan).
      if (word.length > 3 && word.charAt(word.length - 1) === word.charAt(word.length - 2)) word = word.slice(0, -1);
      return word;
    }

    /* The stems of a text's words in order, stop words left out (a phrase of the catalog's related words). */
    function tokens(text) {
      return fold(text).split(/[^\p{L}\p{N}]+/u).filter(function (word) {
        return word.length > 1 && !stop.has(word);
      }).map(stem);
    }

    /* The distinct stems of a text's words, stop words left out. */
    function terms(text) {
      return Array.from(new Set(tokens(text)));
    }

    return { fold: fold, stem: stem, tokens: tokens, terms: terms };
  };

  /* Runs `apply` whenever the reader changes a filter form (typing, choosing, submitting or resetting it): the
     chooser's and the question bank's forms are read the same way, and neither ever submits to a server. */
  window.coachbookFollowForm = function (form, apply) {
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      apply();
    });
    // The form's own reset empties the fields after this event: read them once it has.
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
  };
})();
