/* Coachbook conversation mode: the steps of a model's run page one at a time, with a timer.
   The page lists every step without this script; with it, one step shows at a time, from the talk's first step,
   moved by the bar at the foot of the screen, its step list, arrow keys or a swipe. It hands its steps and timings
   to notes.js as `root.coachbookRun` (announced by a "cb-run-ready" event, each step change by "cb-run-step").
   On any other page this does nothing. */
(function () {
  "use strict";
  var root = document.getElementById("cb-run");
  if (!root) return;

  var labels = JSON.parse(root.querySelector(".cb-run-labels").textContent);
  var steps = Array.prototype.slice.call(root.querySelectorAll(".cb-run-step"));
  if (!steps.length) return;
  var status = root.querySelector(".cb-run-status");
  var progress = root.querySelector(".cb-run-progress");
  var stepTime = root.querySelector('[data-cb-time="step"]');
  var totalTime = root.querySelector('[data-cb-time="total"]');
  var toggle = root.querySelector('[data-cb-action="toggle"]');
  var previous = root.querySelector('[data-cb-action="previous"]');
  var next = root.querySelector('[data-cb-action="next"]');
  var duration = Number(root.getAttribute("data-duration")) || 0;
  var bar = root.querySelector(".cb-run-bar");
  var stepList = root.querySelector(".cb-run-list");
  var listed = Array.prototype.slice.call(root.querySelectorAll(".cb-run-toc a[data-cb-index]"));

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // --- one step at a time ------------------------------------------------------------------

  var current = 0;

  function show(index, announce) {
    if (index < 0 || index >= steps.length) return;
    settle();  // the time so far belongs to the step being left
    current = index;
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    var words = { n: index + 1, total: steps.length };
    progress.textContent = fill(labels.progress, words);
    previous.setAttribute("aria-disabled", String(index === 0));
    next.setAttribute("aria-disabled", String(index === steps.length - 1));
    listed.forEach(function (link, i) {
      if (i === index) link.setAttribute("aria-current", "step"); else link.removeAttribute("aria-current");
    });
    if (announce) {
      follow(steps[index].id);
      words.title = steps[index].querySelector(".cb-run-title").textContent;
      status.textContent = fill(labels.announce, words);
      // A new step reads from its top, under the compact header.
      if (steps[index].getBoundingClientRect().top < 0) window.scrollTo(0, 0);
    }
    render();
    root.dispatchEvent(new CustomEvent("cb-run-step", { detail: { index: index } }));
  }

  // The address names the step shown, so that a reload or a shared link opens there; replaced, not pushed: the
  // browser's Back leaves the conversation instead of walking back through its steps.
  function follow(id) {
    if (window.location.hash === "#" + id || !window.history.replaceState) return;
    try { window.history.replaceState(window.history.state, "", "#" + id); } catch (error) { /* a sandboxed frame */ }
  }

  previous.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    var target = event.target;
    // Arrow keys move the caret while typing notes (or searching): they are the reader's there.
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "ArrowRight") show(current + 1, true);
    else if (event.key === "ArrowLeft") show(current - 1, true);
    else return;
    event.preventDefault();
  });

  // A clear sideways swipe over the step moves on; anything more vertical is scrolling.
  var list = root.querySelector(".cb-run-steps"), touchStart = null;
  list.addEventListener("touchstart", function (event) {
    touchStart = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
  }, { passive: true });
  list.addEventListener("touchend", function (event) {
    if (!touchStart || !event.changedTouches.length) return;
    var dx = event.changedTouches[0].clientX - touchStart.x, dy = event.changedTouches[0].clientY - touchStart.y;
    touchStart = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) show(current + (dx < 0 ? 1 : -1), true);
  }, { passive: true });

  // --- the step list and the bar ----------------------------------------------------------

  // A step picked in the list opens here, with no history entry and no jump of the page to the step's anchor.
  listed.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      stepList.open = false;
      show(Number(link.getAttribute("data-cb-index")), true);
      stepList.querySelector("summary").focus();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !stepList.open) return;
    stepList.open = false;
    stepList.querySelector("summary").focus();
  });

  // The page keeps room below for the bar, whose height changes with its lines' wrapping (language, font size).
  function makeRoom() {
    document.documentElement.style.setProperty("--cb-run-bar-height", bar.offsetHeight + "px");
  }
  if (window.ResizeObserver) new ResizeObserver(makeRoom).observe(bar);

  // The model's title is one line in the header, cut short where it is long: the whole of it on hover and on a tap.
  var heading = root.parentElement.querySelector(":scope > h1");
  if (heading) {
    heading.title = root.getAttribute("data-title");
    heading.addEventListener("click", function () { heading.classList.toggle("cb-run-heading--full"); });
  }

  // --- the timer ---------------------------------------------------------------------------

  var startedAt = null;  // ms since the epoch of the first Start: the notes file's start time
  var running = false, since = 0, total = 0, perStep = steps.map(function () { return 0; }), ticker = null, wakeLock = null;

  function settle() {
    if (!running) return;
    var now = Date.now();
    total += now - since;
    perStep[current] += now - since;
    since = now;
  }

  function clock(ms) {
    var seconds = Math.floor(ms / 1000), h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function line(element, elapsed, minutes, withPlan, withoutPlan) {
    var over = minutes > 0 && elapsed > minutes * 60000;
    var text = minutes > 0 ? fill(withPlan, { elapsed: clock(elapsed), planned: clock(minutes * 60000) })
                           : fill(withoutPlan, { elapsed: clock(elapsed) });
    element.textContent = over ? text + " \u00b7 " + labels.over : text;
    element.classList.toggle("cb-run-time--over", over);
  }

  function render() {
    settle();
    var minutes = Number(steps[current].getAttribute("data-minutes")) || 0;
    line(stepTime, perStep[current], minutes, labels.step_time, labels.step_time_open);
    line(totalTime, total, duration, labels.total_time, labels.total_time_open);
    toggle.textContent = running ? labels.pause : labels.start;
  }

  // Keep the screen on while the timer runs, where the browser allows it; without it, nothing changes.
  function keepAwake() {
    if (!running || wakeLock || !navigator.wakeLock || document.visibilityState !== "visible") return;
    try {
      navigator.wakeLock.request("screen").then(function (lock) {
        if (!running) { lock.release().catch(function () {}); return; }
        wakeLock = lock;
        lock.addEventListener("release", function () { if (wakeLock === lock) wakeLock = null; });
      }).catch(function () {});
    } catch (error) { /* not allowed here (an insecure context, a policy): the timer runs all the same */ }
  }

  function letSleep() {
    if (wakeLock) wakeLock.release().catch(function () {});
    wakeLock = null;
  }

  function start() {
    if (startedAt === null) startedAt = Date.now();
    running = true;
    since = Date.now();
    ticker = setInterval(render, 1000);
    keepAwake();
  }

  function pause() {
    settle();
    running = false;
    clearInterval(ticker);
    letSleep();
  }

  toggle.addEventListener("click", function () {
    if (running) pause(); else start();
    render();
  });
  root.querySelector('[data-cb-action="reset"]').addEventListener("click", function () {
    pause();
    total = 0;
    perStep = steps.map(function () { return 0; });
    render();
  });
  // The browser drops the lock when the page is hidden; take it again on return.
  document.addEventListener("visibilitychange", keepAwake);

  // --- a step's own address -----------------------------------------------------------------

  // `run/<id>/#<step-id>` (a card's QR code) opens at that step, and so does a later change of the fragment; any
  // other fragment leaves the step as it is.
  function stepNamed(hash) {
    var id;
    try { id = decodeURIComponent(hash.replace(/^#/, "")); } catch (error) { return -1; }
    for (var i = 0; i < steps.length; i++) if (steps[i].id === id) return i;
    return -1;
  }
  window.addEventListener("hashchange", function () {
    var index = stepNamed(window.location.hash);
    if (index >= 0 && index !== current) show(index, true);
  });

  // --- switch on ---------------------------------------------------------------------------

  root.classList.add("cb-run--live");
  Array.prototype.forEach.call(root.querySelectorAll(".cb-run-bar, .cb-run-nav, .cb-run-keys, .cb-run-save, .cb-run-notes"),
                               function (element) { element.hidden = false; });
  makeRoom();
  // A step named in the address opens; otherwise the talk's first step (the preparation is in the step list).
  var named = stepNamed(window.location.hash);
  var talk = steps.map(function (step) { return step.getAttribute("data-when"); }).indexOf("during");
  show(named >= 0 ? named : Math.max(talk, 0), false);
  if (named >= 0) window.scrollTo(0, 0);
  root.coachbookRun = { steps: steps, current: function () { return current; }, timings: function () { settle(); return { startedAt: startedAt, perStepMs: perStep.slice(), totalMs: total }; } };
  root.dispatchEvent(new CustomEvent("cb-run-ready"));
})();
