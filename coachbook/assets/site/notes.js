/* Coachbook conversation mode's notes: a box a step, "What we agreed" at the talk's last step, and last time's agreements.
   Notes stay in this page and in the tab's sessionStorage (kept across a reload or a discarded tab, gone with the tab),
   never sent anywhere; they leave only as the reader asks: a Markdown file made here, the clipboard, or the share sheet.
   The file opens with an HTML comment holding JSON (format, model, language, date, agreements), which "Bring notes
   from last time" reads back, locally, in any model and language. Works on the steps conversation.js hands over as
   `root.coachbookRun`; on any other page this does nothing. */
(function () {
  "use strict";
  var root = document.getElementById("cb-run");
  if (!root) return;
  if (root.coachbookRun) begin(root.coachbookRun);
  else root.addEventListener("cb-run-ready", function () { begin(root.coachbookRun); }, { once: true });

  function begin(run) {
    var FORMAT = 1;
    var MARK = /^\uFEFF?<!-- coachbook-notes (\{.*\}) -->\r?\n/;
    var MAX_FILE = 1024 * 1024;
    var STATUSES = ["done", "not_yet", "dropped"];
    var labels = JSON.parse(root.querySelector(".cb-run-labels").textContent);
    var steps = run.steps;
    var modelId = root.getAttribute("data-model");
    // One tab may open several sites, languages and models: each keeps its own notes.
    var key = "coachbook-notes:" + window.location.pathname + ":" + modelId;
    var status = root.querySelector(".cb-run-notes-status");
    var picker = root.querySelector("#cb-run-bring");
    var notes = steps.map(function (step) { return step.querySelector(".cb-run-notes textarea"); });

    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
      });
    }

    function say(text) { status.textContent = text; }

    var during = [];
    steps.forEach(function (step, i) { if (step.querySelector(".cb-when--during")) during.push(i); });
    var firstTalkStep = during.length ? during[0] : 0;
    var lastTalkStep = during.length ? during[during.length - 1] : steps.length - 1;

    // --- what is kept in the tab --------------------------------------------------------------

    var state = { notes: {}, agreements: "", last: null, unsaved: false };

    function save() {
      // Private browsing or a full quota refuses storage: the notes then live in the page, as before.
      try { window.sessionStorage.setItem(key, JSON.stringify(state)); } catch (error) { /* kept in the page only */ }
    }

    function restore() {
      var kept = null;
      try { kept = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (error) { kept = null; }
      if (!kept || typeof kept !== "object") return;
      if (kept.notes && typeof kept.notes === "object") {
        steps.forEach(function (step, i) {
          if (typeof kept.notes[step.id] === "string") { notes[i].value = kept.notes[step.id]; state.notes[step.id] = kept.notes[step.id]; }
        });
      }
      if (typeof kept.agreements === "string") state.agreements = agreements.value = kept.agreements;
      state.last = checkedLast(kept.last);
      state.unsaved = kept.unsaved === true;
      if (state.last) showLast();
    }

    notes.forEach(function (box, i) {
      box.addEventListener("input", function () { state.notes[steps[i].id] = box.value; state.unsaved = true; save(); });
    });

    // --- what we agreed -----------------------------------------------------------------------

    var agreementsBox = document.createElement("div");
    agreementsBox.className = "cb-run-notes cb-run-agreements";
    var agreementsLabel = document.createElement("label");
    agreementsLabel.htmlFor = "cb-run-agreements";
    agreementsLabel.textContent = labels.agreements;
    var agreements = document.createElement("textarea");
    agreements.id = "cb-run-agreements";
    agreements.rows = 4;
    agreementsBox.append(agreementsLabel, agreements);
    var lastNotes = steps[lastTalkStep].querySelector(".cb-run-notes");
    if (lastNotes) lastNotes.after(agreementsBox); else steps[lastTalkStep].append(agreementsBox);
    agreements.addEventListener("input", function () { state.agreements = agreements.value; state.unsaved = true; save(); });

    function agreedLines() {
      return agreements.value.split(/\r?\n/).map(function (line) { return line.trim(); }).filter(Boolean);
    }

    // --- last time ----------------------------------------------------------------------------

    // Only what a notes file of ours holds, in the types it writes, within sizes no real talk reaches.
    function checkedLast(data) {
      if (!data || typeof data !== "object" || typeof data.date !== "string" || typeof data.title !== "string"
          || !Array.isArray(data.items)) return null;
      var items = data.items.filter(function (item) {
        return item && typeof item.text === "string" && item.text.trim() && (item.status === null || STATUSES.indexOf(item.status) >= 0);
      }).slice(0, 200);
      return { date: data.date.slice(0, 40), title: data.title.slice(0, 500), items: items.map(function (item) {
        return { text: item.text.trim().slice(0, 2000), status: item.status };
      }) };
    }

    function parseNotesFile(text) {
      var match = MARK.exec(text);
      if (!match) return null;
      var head;
      try { head = JSON.parse(match[1]); } catch (error) { return null; }
      if (!head || head.format !== FORMAT || typeof head.model !== "string" || !Array.isArray(head.agreements)
          || !head.agreements.every(function (item) { return typeof item === "string"; })) return null;
      return checkedLast({ date: head.date, title: head.title, items: head.agreements.map(function (text) {
        return { text: text, status: null };
      }) });
    }

    var panel = null;

    function showLast() {
      if (panel) panel.remove();
      var last = state.last;
      panel = document.createElement("section");
      panel.className = "cb-run-last";
      var heading = document.createElement("h3");
      heading.className = "cb-run-last-title";
      heading.id = "cb-run-last-title";
      heading.textContent = fill(labels.last_time, { date: last.date, title: last.title });
      panel.setAttribute("aria-labelledby", heading.id);
      panel.append(heading);
      if (!last.items.length) {
        var none = document.createElement("p");
        none.textContent = labels.no_agreements;
        panel.append(none);
      }
      last.items.forEach(function (item, i) {
        var group = document.createElement("fieldset");
        var legend = document.createElement("legend");
        legend.textContent = item.text;  // text from a file: shown as text, never as markup
        group.append(legend);
        STATUSES.forEach(function (choice) {
          var label = document.createElement("label");
          var radio = document.createElement("input");
          radio.type = "radio";
          radio.name = "cb-run-last-" + i;
          radio.value = choice;
          radio.checked = item.status === choice;
          radio.addEventListener("change", function () { item.status = choice; state.unsaved = true; save(); });
          label.append(radio, " " + labels[choice]);
          group.append(label);
        });
        panel.append(group);
      });
      var title = steps[firstTalkStep].querySelector(".cb-run-title");
      if (title) title.after(panel); else steps[firstTalkStep].prepend(panel);
    }

    picker.addEventListener("change", function () {
      var file = picker.files && picker.files[0];
      if (!file) return;
      // Read here, in the page: the file is never uploaded.
      var reading = file.size > MAX_FILE ? Promise.resolve("") : file.text();
      reading.then(parseNotesFile).catch(function () { return null; }).then(function (last) {
        if (!last) { say(labels.not_ours); return; }
        state.last = last;
        save();
        showLast();
        say(labels.brought);
      });
    });

    // --- the notes file -----------------------------------------------------------------------

    // Model text, as a Markdown viewer must show it: as the characters it is, never as markup. On one line (so it
    // starts no block of its own), every character Markdown gives a meaning to backslash-escaped, and <, > and &
    // as entities, which stay text even where the reader's own notes opened raw HTML. Text from last time's file is
    // anyone's: it is written the same way.
    var ENTITIES = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };

    function literal(text) {
      return text.replace(/\s+/g, " ").trim().replace(/[\\`*_{}\[\]()#+\-.!|~<>&]/g, function (character) {
        return ENTITIES[character] || "\\" + character;
      });
    }

    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function day(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
    function hourMinute(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
    function stepTitle(step) { return step.querySelector(".cb-run-title").textContent.replace(/\s+/g, " ").trim(); }
    function planned(step) { return Number(step.getAttribute("data-minutes")) || null; }

    function notesFile() {
      var timings = run.timings();
      var started = timings.startedAt === null ? null : new Date(timings.startedAt);
      var date = day(started || new Date());
      var title = root.getAttribute("data-title");
      var agreed = agreedLines();
      var spent = timings.perStepMs.map(function (ms) { return Math.round(ms / 60000); });
      var head = {
        format: FORMAT, model: modelId, language: document.documentElement.lang || "", title: title, date: date,
        start: started ? hourMinute(started) : null, agreements: agreed,
        agreedLastTime: state.last ? state.last.items : [],
        steps: steps.map(function (step, i) { return { id: step.id, plannedMinutes: planned(step), spentMinutes: spent[i] }; }),
      };
      // On one line, and with <, > and & as JSON escapes: nothing in it can close the comment or open markup.
      var json = JSON.stringify(head).replace(/[<>&]/g, function (c) { return "\\u00" + c.charCodeAt(0).toString(16); });
      var parts = ["<!-- coachbook-notes " + json + " -->", "# " + fill(labels.notes_file_title, { title: literal(title) }),
                   fill(labels.notes_file_date, { date: date })];
      if (started) parts.push(fill(labels.notes_file_start, { time: hourMinute(started) }));
      if (state.last) {
        parts.push("## " + labels.last_time_heading, fill(labels.last_time, { date: literal(state.last.date), title: literal(state.last.title) }));
        parts.push(state.last.items.length ? state.last.items.map(function (item) {
          return "- " + literal(item.text) + " \u2014 " + (item.status ? labels[item.status] : labels.unmarked);
        }).join("\n") : labels.no_agreements);
      }
      parts.push("## " + labels.agreements_heading);
      // The reader's own agreements, as typed, one list item each.
      parts.push(agreed.length ? agreed.map(function (line) { return "- " + line; }).join("\n") : labels.no_agreements);
      steps.forEach(function (step, i) {
        var minutes = planned(step), time = fill(labels.notes_file_spent, { n: spent[i] });
        parts.push("## " + literal(stepTitle(step)));
        parts.push(minutes ? fill(labels.planned, { n: minutes }) + " \u00b7 " + time : time);
        parts.push(notes[i].value.trim() || labels.no_notes);  // the reader's own notes, as typed
      });
      return { name: "notes-" + modelId + "-" + date + ".md", text: parts.join("\n\n") + "\n" };
    }

    function gone() { state.unsaved = false; save(); }

    root.querySelector('[data-cb-action="download"]').addEventListener("click", function () {
      var file = notesFile();
      // Made here and handed to the browser's download: the notes go to a file, never over the network.
      var url = URL.createObjectURL(new Blob([file.text], { type: "text/markdown;charset=utf-8" }));
      var link = document.createElement("a");
      link.href = url;
      link.download = file.name;
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      gone();
    });

    root.querySelector('[data-cb-action="copy"]').addEventListener("click", function () {
      var copying;
      try { copying = navigator.clipboard.writeText(notesFile().text); } catch (error) { copying = Promise.reject(error); }
      copying.then(function () { say(labels.copied); gone(); }, function () { say(labels.copy_failed); });
    });

    var share = root.querySelector('[data-cb-action="share"]');
    if (typeof navigator.share === "function") {
      share.hidden = false;
      share.addEventListener("click", function () {
        var file = notesFile();
        try {
          // The reader picks where they go; a cancelled sheet changes nothing.
          navigator.share({ title: fill(labels.notes_file_title, { title: root.getAttribute("data-title") }), text: file.text })
            .then(gone, function () {});
        } catch (error) { /* not allowed here: the other ways out remain */ }
      });
    }

    root.querySelector('[data-cb-action="delete"]').addEventListener("click", function () {
      if (!window.confirm(labels.delete_confirm)) return;
      notes.forEach(function (box) { box.value = ""; });
      agreements.value = "";
      if (panel) panel.remove();
      panel = null;
      picker.value = "";
      state = { notes: {}, agreements: "", last: null, unsaved: false };
      try { window.sessionStorage.removeItem(key); } catch (error) { /* nothing was kept */ }
      say(labels.deleted);
    });

    window.addEventListener("beforeunload", function (event) {
      if (!state.unsaved) return;
      event.preventDefault();
      event.returnValue = "";  // older browsers ask only when a value is set
    });

    restore();
  }
})();
