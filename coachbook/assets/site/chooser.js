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
    section.hidden = false;
  }

  function setUpChooser(data) {
    var labels = data.labels;
    var words = textMatcher(data.words);
    // A Map, not an object: a stored id such as "constructor" finds nothing rather than Object's own property.
    var byId = new Map();
    var entries = [];
    data.models.forEach(function (model) {
      if (!MODEL_ID.test(model.id)) return;
      byId.set(model.id, model);
      var card = document.querySelector('article.cb-choice[data-cb-model="' + model.id + '"]');
      if (!card) return;
      var why = element("p", "cb-choice-why");
      why.hidden = true;
      var facts = card.querySelector(".cb-choice-facts");
      card.insertBefore(why, facts ? facts.nextSibling : card.firstChild);
      entries.push({
        model: model, card: card, home: card.parentNode, why: why,
        title: words.terms(model.title), summary: words.terms(model.summary),
        use: model.use_when.map(words.terms), avoid: model.avoid_when.map(words.terms)
      });
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
      var ranked = current.q.trim() ? words.rank(current.q, filtered) : filtered.map(function (entry) {
        return { entry: entry };
      });
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
      say(fits ? counted(labels.matches, fits) : labels.no_match);
    }

    function counted(forms, n) {
      return (n === 1 ? forms.one : forms.other).replace("{n}", String(n));
    }

    function say(message) {
      // Once the reader pauses, so that a screen reader does not read a count per key pressed.
      clearTimeout(announce);
      announce = setTimeout(function () { status.textContent = message; }, 400);
    }

    return {
      byId: byId,
      labels: labels,
      start: function () {
        restore();
        form.addEventListener("input", apply);
        form.addEventListener("change", apply);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          apply();
        });
        form.addEventListener("reset", function () { setTimeout(apply, 0); });
        form.hidden = false;
        apply();
      }
    };
  }

  // ------------------------------------------------------------------ matching what a reader types

  /* Words are read by words.js (lower-case, without accents and stop words, cut to a stem); a stem that
     begins another (fuhrung, fuhrungsstil) counts half.
     A word weighs more the fewer models use it (inverse document frequency), so that "slipping" says
     more than "performance". A model's fit is its best `use_when` line, plus its title and summary; a
     model whose best `avoid_when` line covers at least half of what was typed, and more than its best
     `use_when` line, is shown last with that line. */
  function textMatcher(words) {
    var terms = window.coachbookWords(words).terms;

    function match(term, line) {
      var best = 0;
      for (var i = 0; i < line.length && best < 1; i++) {
        var other = line[i];
        if (other === term) best = 1;
        else if (Math.min(other.length, term.length) >= 4 && (other.indexOf(term) === 0 || term.indexOf(other) === 0)) best = 0.5;
      }
      return best;
    }

    function best(query, lines) {
      var top = { score: 0, index: -1 };
      lines.forEach(function (line, index) {
        var score = query.reduce(function (sum, term) { return sum + term.weight * match(term.stem, line); }, 0);
        if (score > top.score) top = { score: score, index: index };
      });
      return top;
    }

    function rank(text, entries) {
      var stems = terms(text);
      var everything = entries.map(function (entry) {
        return [].concat(entry.title, entry.summary, [].concat.apply([], entry.use), [].concat.apply([], entry.avoid));
      });
      // The weights come from the models in view, so that a filter also changes what tells them apart.
      var query = stems.map(function (term) {
        var users = everything.filter(function (all) { return match(term, all) > 0; }).length;
        return { stem: term, weight: users ? Math.log(1 + entries.length / users) : 0 };
      }).filter(function (term) { return term.weight > 0; });
      var typed = query.reduce(function (sum, term) { return sum + term.weight; }, 0);
      if (!typed) return [];
      var results = entries.map(function (entry, order) {
        var use = best(query, entry.use), avoid = best(query, entry.avoid);
        var fit = use.score + 0.6 * best(query, [entry.title]).score + 0.4 * best(query, [entry.summary]).score;
        if (avoid.score >= 0.5 * typed && avoid.score > use.score) {
          return { entry: entry, avoid: true, score: avoid.score, order: order, line: entry.model.avoid_when[avoid.index] };
        }
        return { entry: entry, avoid: false, score: fit, order: order, line: use.index >= 0 ? entry.model.use_when[use.index] : null };
      });
      var top = Math.max.apply(null, results.map(function (result) { return result.avoid ? 0 : result.score; }));
      // A model that shares only a word or two with what was typed, far behind the best fit, is left out.
      return results.filter(function (result) {
        return result.avoid || (result.score > 0 && result.score >= 0.25 * top);
      }).sort(function (a, b) {
        return (a.avoid - b.avoid) || (b.score - a.score) || (a.order - b.order);
      });
    }

    return { terms: terms, rank: rank };
  }
})();
