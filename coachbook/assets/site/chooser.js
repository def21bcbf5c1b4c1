/* Coachbook: the matchmaker on "Which conversation fits?" and the favourites ("My conversations").

   Loaded on every page; it does something only where its elements are: the star buttons
   (chooser cards, model pages), and on the chooser the matchmaker form and its data, which the
   page carries inline as JSON (a fetch would fail from file://). Every text from the data goes
   into the page as text (textContent), never as HTML. Favourites are a list of model ids in this
   browser's localStorage, under a key named after the site's root, so that two sites on one host
   keep their own lists; where storage is refused (private modes) they last as long as the page. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ favourites

  var MODEL_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  var MAX_FAVOURITES = 1000; // far more models than a site has: a longer list is not one the chooser wrote
  var KEY = "coachbook.favourites:" + siteRoot();
  var favourites = loadFavourites();

  function siteRoot() {
    // The theme's configuration names the site's root relative to the page (Material and Zensical alike).
    var base = ".";
    try {
      base = JSON.parse(document.getElementById("__config").textContent).base || ".";
    } catch (error) { /* another theme: the page's own folder stands in for the root */ }
    return new URL(base.replace(/\/?$/, "/"), location.href).pathname;
  }

  function loadFavourites() {
    // Whatever the storage holds (another script's data, a hand edit, megabytes) is read as what the chooser
    // writes, a list of distinct model ids, or as none; anything else is replaced with that reading.
    var raw = null, stored = null;
    try {
      raw = window.localStorage.getItem(KEY);
      stored = JSON.parse(raw || "[]");
    } catch (error) { /* refused storage, or not JSON */ }
    var list = [];
    if (Array.isArray(stored) && stored.length <= MAX_FAVOURITES) {
      var seen = new Set();
      stored.forEach(function (id) {
        if (typeof id === "string" && MODEL_ID.test(id) && !seen.has(id)) {
          seen.add(id);
          list.push(id);
        }
      });
    }
    if (raw !== null && raw !== JSON.stringify(list)) store(list);
    return list;
  }

  function store(list) {
    try {
      if (list.length) window.localStorage.setItem(KEY, JSON.stringify(list));
      else window.localStorage.removeItem(KEY);
    } catch (error) { /* storage refused: the list lasts as long as the page */ }
  }

  function saveFavourites(list) {
    favourites = list;
    store(list);
    showFavourites();
  }

  function toggleFavourite(id) {
    if (favourites.indexOf(id) >= 0) saveFavourites(favourites.filter(function (other) { return other !== id; }));
    else if (favourites.length < MAX_FAVOURITES) saveFavourites(favourites.concat([id]));
  }

  var stars = Array.prototype.slice.call(document.querySelectorAll("button[data-cb-favourite]"));
  stars.forEach(function (button) {
    button.addEventListener("click", function () { toggleFavourite(button.getAttribute("data-cb-favourite")); });
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) {
      favourites = loadFavourites();
      showFavourites();
    }
  });

  function showFavourites() {
    stars.forEach(function (button) {
      var on = favourites.indexOf(button.getAttribute("data-cb-favourite")) >= 0;
      // The label stays the same: the state is the button's pressed state (and the filled star), as
      // toggle buttons should carry it; a label turning into "Remove" would be read as "Remove, pressed".
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.hidden = false;
    });
    if (chooser) showMine();
  }

  // ------------------------------------------------------------------ the chooser

  var dataElement = document.getElementById("cb-chooser-data");
  var form = document.getElementById("cb-match");
  var chooser = null;
  if (dataElement && form) {
    try {
      chooser = setUpChooser(JSON.parse(dataElement.textContent));
    } catch (error) {
      chooser = null; // the page stays the full list it is without a script
      if (window.console) console.error("coachbook chooser:", error);
    }
  }
  var clear = document.querySelector("#my-conversations .cb-mine-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      saveFavourites([]);
      // The button hides with the list: the focus goes to the section's heading rather than to the page's start.
      var heading = document.getElementById("cb-mine-title");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    });
  }
  showFavourites();
  if (chooser) chooser.start();

  function element(name, className, text) {
    var made = document.createElement(name);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function relativeLink(url) {
    // The data's links are relative paths that the build made; anything with a scheme is not one of them.
    return typeof url === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(url) && url.indexOf("//") !== 0 ? url : "#";
  }

  function showMine() {
    var section = document.getElementById("my-conversations");
    if (!section) return;
    var list = section.querySelector(".cb-mine-list");
    var mine = favourites.map(function (id) { return chooser.byId.get(id); }).filter(Boolean);
    list.textContent = "";
    mine.forEach(function (model) {
      var item = element("li", "cb-mine-item");
      var link = element("a", "cb-mine-link", model.title);
      link.setAttribute("href", relativeLink(model.page));
      item.appendChild(link);
      if (model.kits.length) {
        var kits = element("ul", "cb-mine-kits");
        kits.setAttribute("aria-label", chooser.labels.mine_kits + ": " + model.title);
        model.kits.forEach(function (kit) {
          var entry = element("li");
          var download = element("a", "cb-mine-kit", kit.label);
          download.setAttribute("href", relativeLink(kit.url));
          download.setAttribute("download", "");
          entry.appendChild(download);
          kits.appendChild(entry);
        });
        item.appendChild(kits);
      }
      list.appendChild(item);
    });
    list.hidden = !mine.length;
    section.querySelector(".cb-mine-empty").hidden = mine.length > 0;
    section.querySelector(".cb-mine-clear").hidden = !favourites.length;
    section.classList.toggle("cb-mine--empty", !mine.length); // takes no room on a phone (coachbook.css)
    section.hidden = false;
  }

  function setUpChooser(data) {
    var labels = data.labels;
    // A Map, not an object: a stored id such as "constructor" finds nothing rather than Object's own property.
    var byId = new Map();
    var entries = [];
    var models = data.models.filter(function (model) { return MODEL_ID.test(model.id); });
    var words = textMatcher(data.words, models);
    models.forEach(function (model) {
      byId.set(model.id, model);
      var card = document.querySelector('article.cb-choice[data-cb-model="' + model.id + '"]');
      if (!card) return;
      var why = element("p", "cb-choice-why");
      why.hidden = true;
      var facts = card.querySelector(".cb-choice-facts");
      card.insertBefore(why, facts ? facts.nextSibling : card.firstChild);
      entries.push({ model: model, card: card, home: card.parentNode, why: why });
    });
    var matches = document.getElementById("cb-matches");
    var status = document.getElementById("cb-match-status");
    var groups = Array.prototype.slice.call(document.querySelectorAll(".cb-group-heading, .cb-chooser.cb-group"));
    var box = form.elements.q, lead = form.elements.lead, time = form.elements.time;
    var tags = Array.prototype.slice.call(form.querySelectorAll('input[name="tag"]'));
    var announce = null, shownFor = null;

    function state() {
      return {
        q: box.value, lead: lead.value, time: time.value,
        tags: tags.filter(function (tag) { return tag.checked; }).map(function (tag) { return tag.value; })
      };
    }

    function restore() {
      var query = new URLSearchParams(location.search);
      box.value = query.get("q") || "";
      choose(lead, query.get("lead"));
      choose(time, query.get("time"));
      var wanted = query.getAll("tag");
      tags.forEach(function (tag) { tag.checked = wanted.indexOf(tag.value) >= 0; });
    }

    function choose(select, value) {
      var known = Array.prototype.some.call(select.options, function (option) { return option.value === value; });
      select.value = known ? value : "";
    }

    function remember(current) {
      var query = new URLSearchParams();
      if (current.q.trim()) query.set("q", current.q);
      if (current.lead) query.set("lead", current.lead);
      if (current.time) query.set("time", current.time);
      current.tags.forEach(function (tag) { query.append("tag", tag); });
      var search = query.toString() ? "?" + query.toString() : "";
      if (search !== location.search) {
        try {
          history.replaceState(history.state, "", location.pathname + search + location.hash);
        } catch (error) { /* some browsers refuse it on file://: the view still works, unlinked */ }
      }
    }

    function fitsFilters(model, current) {
      if (current.lead && model.led_by !== current.lead) return false;
      var minutes = model.duration_minutes;
      // A model without a set length fits any time; "more" than an hour fits them all.
      if (current.time && current.time !== "more" && minutes !== null && minutes > Number(current.time)) return false;
      return current.tags.every(function (tag) { return model.tags.indexOf(tag) >= 0; });
    }

    function apply() {
      var current = state();
      // A text box also sends "change" when it loses the focus, often to a click on a card's star: the view
      // is what it was, and moving the cards again would swallow that click.
      var key = JSON.stringify(current);
      if (key === shownFor) return;
      shownFor = key;
      remember(current);
      var active = current.q.trim() || current.lead || current.time || current.tags.length;
      entries.forEach(function (entry) {
        entry.card.classList.remove("cb-choice--avoid");
        entry.why.hidden = true;
      });
      if (!active) {
        entries.forEach(function (entry) {
          entry.card.hidden = false;
          entry.home.appendChild(entry.card);
        });
        groups.forEach(function (part) { part.hidden = false; });
        matches.hidden = true;
        say(current.q ? labels.no_match : "");
        return;
      }
      var filtered = entries.filter(function (entry) { return fitsFilters(entry.model, current); });
      var unranked = filtered.map(function (entry) { return { entry: entry }; });
      var ranked = unranked, strong = true;
      if (current.q.trim()) {
        // Only the models whose score makes them a match; when none does, every card the filters keep, unranked.
        var scored = words.rank(current.q, filtered.map(function (entry) { return entry.model; }));
        ranked = scored.filter(function (result) { return result.shown; }).map(function (result) {
          return { entry: filtered[result.index], line: result.line, avoid: result.avoid };
        });
        strong = ranked.length > 0;
        if (!strong) ranked = unranked;
      }
      var shown = ranked.map(function (result) { return result.entry; });
      ranked.forEach(function (result) {
        var entry = result.entry;
        entry.card.hidden = false;
        matches.appendChild(entry.card);
        if (result.line) {
          entry.why.textContent = "";
          entry.why.appendChild(element("strong", null, result.avoid ? labels.avoid_when : labels.fits_when));
          entry.why.appendChild(document.createTextNode(" " + result.line));
          entry.why.className = "cb-choice-why" + (result.avoid ? " cb-choice-why--avoid" : "");
          entry.why.hidden = false;
        }
        entry.card.classList.toggle("cb-choice--avoid", !!result.avoid);
      });
      entries.forEach(function (entry) {
        if (shown.indexOf(entry) < 0) {
          entry.card.hidden = true;
          matches.appendChild(entry.card);
        }
      });
      groups.forEach(function (part) { part.hidden = true; });
      matches.hidden = false;
      var fits = ranked.filter(function (result) { return !result.avoid; }).length;
      say(!fits ? labels.no_match : strong ? counted(labels.matches, fits) : labels.no_strong_match);
    }

    function counted(forms, n) {
      return (n === 1 ? forms.one : forms.other).replace("{n}", String(n));
    }

    function say(message) {
      // Once the reader pauses, so that a screen reader does not read a count per key pressed.
      clearTimeout(announce);
      announce = setTimeout(function () { status.textContent = message; }, 400);
    }

    // For the accuracy tests and benchmark: the ranking of the page's own data, with no filter, as the page ranks.
    window.coachbook = window.coachbook || {};
    window.coachbook.chooser = {
      rank: function (text) {
        return words.rank(text, models).map(function (result) {
          return { id: models[result.index].id, score: result.score, shown: result.shown, avoid: result.avoid,
                   line: result.line };
        });
      },
      words: words.concepts
    };

    return {
      byId: byId,
      labels: labels,
      start: function () {
        restore();
        window.coachbookFollowForm(form, apply);
        form.hidden = false;
        apply();
      }
    };
  }

  // ------------------------------------------------------------------ matching what a reader types

  /* Words are read by words.js (lower-case, without accents and stop words, cut to a stem); a stem that
     begins another (fuhrung, fuhrungsstil) counts half.
     Each word typed is also any of its related words in the catalog ("boss" is also "manager"), which
     count a little less. A word weighs more the fewer models use it, smoothed so that in a small library
     a word one model happens to use ("keep") does not outweigh the rest, and a fifth as much when the
     catalog calls it weak ("team", "want").

     A model's fields are weighed by how much they say about the situation it fits: its `situations` and
     `use_when` lines most, the outline of its stages and steps least. A word's match in a model grows
     with each field it is found in, up to 1, and the model's score is the share of what was typed that
     it matches, mixed with the share its best single line matches (the line the card shows: "Fits when").
     A model is a match only with a score over MATCH and within reach of the best; a model whose best
     `avoid_when` line covers at least half of what was typed, and more than its best fitting line, is
     shown last with that line. */
  function textMatcher(words, models) {
    // Here, not beside the function: the chooser is set up above, before the file's later lines run.
    var FIELDS = { situations: 1, use_when: 0.9, title: 0.7, tags: 0.7, summary: 0.6, outline: 0.35 };
    var RELATED = 0.8; // a related word's match, against the word typed
    var WEAK = 0.2; // a weak word's weight, against a word of the same spread
    var UNKNOWN = 0.35; // a word no model uses, against one model uses: it still tells what was asked
    var SMOOTHING = 2; // models added to every count, so that one use in nine is not a rarity
    var LINE = 0.4; // the part of the score that the best single line gives
    var MATCH = 0.3; // the least score of a match
    var NEAR = 0.6; // a match also scores at least this part of the best one

    // Words are read as words.js reads them, the question bank's filters too.
    var reader = window.coachbookWords(words);
    var fold = reader.fold, stem = reader.stem, tokens = reader.tokens, terms = reader.terms;
    var weak = new Set((words.weak || []).map(function (word) { return stem(fold(word)); }));
    var related = Object.keys(words.related || {}).map(function (typed) {
      return { typed: tokens(typed), words: terms((words.related[typed] || []).join(" ")) };
    }).filter(function (entry) { return entry.typed.length; });
    var documents = models.map(function (model) {
      return {
        situations: model.situations.map(terms), use_when: model.use_when.map(terms), avoid_when: model.avoid_when.map(terms),
        title: [terms(model.title)], summary: [terms(model.summary)], tags: [terms(model.tags.join(" "))],
        outline: model.outline.map(terms)
      };
    });
    var everything = documents.map(function (document) {
      return [].concat.apply([], Object.keys(FIELDS).concat("avoid_when").map(function (field) {
        return [].concat.apply([], document[field]);
      }));
    });

    function match(term, line) {
      var best = 0;
      for (var i = 0; i < line.length && best < 1; i++) {
        var other = line[i];
        if (other === term) best = 1;
        else if (Math.min(other.length, term.length) >= 4 && (other.indexOf(term) === 0 || term.indexOf(other) === 0)) best = 0.5;
      }
      return best;
    }

    function concepts(text) {
      // One per word typed: the word, and the related words of every catalog entry whose words were typed in a row.
      var typed = tokens(text);
      var found = new Map();
      typed.forEach(function (term) {
        if (!found.has(term)) found.set(term, { term: term, words: new Map([[term, 1]]) });
      });
      related.forEach(function (entry) {
        for (var at = 0; at + entry.typed.length <= typed.length; at++) {
          var here = entry.typed.every(function (term, offset) { return typed[at + offset] === term; });
          if (!here) continue;
          entry.typed.forEach(function (term) {
            var concept = found.get(term);
            entry.words.forEach(function (word) {
              if (!concept.words.has(word)) concept.words.set(word, RELATED);
            });
          });
        }
      });
      return Array.from(found.values());
    }

    function matches(concept, line) {
      var best = 0;
      concept.words.forEach(function (weight, word) { best = Math.max(best, weight * match(word, line)); });
      return best;
    }

    function inField(concept, lines) {
      var best = { value: 0, index: -1 };
      lines.forEach(function (line, index) {
        var value = matches(concept, line);
        if (value > best.value) best = { value: value, index: index };
      });
      return best;
    }

    function weigh(concept) {
      var users = everything.filter(function (all) { return matches(concept, all) > 0; }).length;
      var spread = Math.log(1 + (models.length + SMOOTHING) / (Math.max(users, 1) + SMOOTHING));
      // A word the models do not use, read only as weak words ("boss" as "manager"), is as weak as they are.
      var said = everything.some(function (all) { return match(concept.term, all) > 0; });
      var others = Array.from(concept.words.keys()).slice(1);
      concept.weak = weak.has(concept.term) || (!said && others.length > 0 && others.every(function (word) {
        return weak.has(word);
      }));
      return spread * (users ? 1 : UNKNOWN) * (concept.weak ? WEAK : 1);
    }

    function bestLine(query, lines, total) {
      var best = { share: 0, index: -1 };
      lines.forEach(function (line, index) {
        var share = query.reduce(function (sum, concept) {
          return sum + concept.weight * matches(concept, line);
        }, 0) / total;
        if (share > best.share) best = { share: share, index: index };
      });
      return best;
    }

    /* Every model of `shown` (a subset of the models, such as those the filters keep), best first, as
       {index (in `shown`), score, shown (a match), avoid, line}. The weights come from the whole library,
       so that a filter does not change what a word is worth. */
    function rank(text, shown) {
      var query = concepts(text).map(function (concept) {
        concept.weight = weigh(concept);
        return concept;
      });
      var total = query.reduce(function (sum, concept) { return sum + concept.weight; }, 0);
      var results = shown.map(function (model, index) {
        var document = documents[models.indexOf(model)];
        var covered = 0, evidence = false;
        query.forEach(function (concept) {
          var missed = 1;
          Object.keys(FIELDS).forEach(function (field) {
            missed *= 1 - FIELDS[field] * inField(concept, document[field]).value;
          });
          covered += concept.weight * (1 - missed);
          // Evidence is a word that is not weak, found in a field that describes the situation.
          if (!concept.weak && 1 - missed >= 0.5) evidence = true;
        });
        var fitting = document.situations.concat(document.use_when);
        var line = total ? bestLine(query, fitting, total) : { share: 0, index: -1 };
        var avoid = total ? bestLine(query, document.avoid_when, total) : { share: 0, index: -1 };
        var score = total ? (1 - LINE) * covered / total + LINE * line.share : 0;
        var texts = model.situations.concat(model.use_when);
        if (avoid.share >= 0.5 && avoid.share > line.share) {
          return { index: index, score: score, strong: false, avoid: true, line: model.avoid_when[avoid.index] };
        }
        return {
          index: index, score: score, strong: evidence && score >= MATCH, avoid: false,
          // The line that carried the score, when it holds more than weak words.
          line: line.index >= 0 && line.share >= 0.15 ? texts[line.index] : null
        };
      });
      var top = Math.max.apply(null, [0].concat(results.map(function (result) { return result.strong ? result.score : 0; })));
      results.forEach(function (result) {
        result.shown = result.avoid || (result.strong && result.score >= NEAR * top);
        if (!result.shown) result.line = null;
      });
      return results.sort(function (a, b) {
        return (b.shown - a.shown) || (a.avoid - b.avoid) || (b.score - a.score) || (a.index - b.index);
      });
    }

    return {
      rank: rank,
      concepts: function (text) {
        return concepts(text).map(function (concept) { return Array.from(concept.words.keys()); });
      },
      terms: terms
    };
  }
})();
