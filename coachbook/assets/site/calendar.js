/* Coachbook: the "Download calendar file" form of a model or sequence page makes an iCalendar file
   (RFC 5545) in the browser: one event per conversation, from the start date and time the reader picks.
   The events come from the form's data-cb-events (JSON, made at build time); nothing is requested,
   so it works offline and from file://. Times are floating (no time zone): a calendar shows them at
   the picked hour wherever it is opened. Without the form, this does nothing. */
(function () {
  "use strict";
  var PRODID = "-//Coachbook//Coachbook conversation calendar//EN";
  var encoder = new TextEncoder();

  function pad(number, width) {
    return String(number).padStart(width || 2, "0");
  }

  // A Date read in UTC stands for a floating local time: adding days never meets a daylight-saving change.
  function floating(date) {
    return date.getUTCFullYear() + pad(date.getUTCMonth() + 1) + pad(date.getUTCDate()) + "T" +
      pad(date.getUTCHours()) + pad(date.getUTCMinutes()) + "00";
  }

  function utcStamp(date) {
    return floating(date) + "Z";
  }

  // TEXT values (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks written as \n.
  function escapeText(text) {
    return String(text).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,")
      .replace(/\r\n|\r|\n/g, "\\n");
  }

  // Lines longer than 75 octets are folded (RFC 5545 3.1): CRLF and a space, never inside a UTF-8 character.
  function fold(line) {
    var parts = [], current = "", size = 0;
    for (var character of line) {
      var bytes = encoder.encode(character).length;
      var limit = parts.length ? 74 : 75; // a continuation line starts with the folding space
      if (size + bytes > limit) {
        parts.push(current);
        current = "";
        size = 0;
      }
      current += character;
      size += bytes;
    }
    parts.push(current);
    return parts.join("\r\n ");
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // unlike randomUUID, also there on a plain-http intranet page
    return Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join("");
  }

  function calendarFile(form, date, time) {
    var events = JSON.parse(form.dataset.cbEvents);
    var url = form.dataset.cbUrl;
    var ymd = date.split("-").map(Number), hm = time.split(":").map(Number);
    var stamp = utcStamp(new Date()), batch = randomId();
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + PRODID, "CALSCALE:GREGORIAN", "METHOD:PUBLISH"];
    var number = 0;
    events.forEach(function (event) {
      event.days.forEach(function (day) {
        number += 1;
        var start = new Date(Date.UTC(ymd[0], ymd[1] - 1, ymd[2] + day, hm[0], hm[1]));
        var end = new Date(start.getTime() + event.minutes * 60000);
        // The conversation mode's link: full when the build knew the site's address, else as this page resolves it.
        var run = event.run ? "\n\n" + event.run_line.replace("{url}", new URL(event.run, window.location.href).href) : "";
        var description = event.description + run + (url ? "\n\n" + url : "");
        lines.push("BEGIN:VEVENT", "UID:" + batch + "-" + number + "@coachbook", "DTSTAMP:" + stamp,
          "DTSTART:" + floating(start), "DTEND:" + floating(end), "SUMMARY:" + escapeText(event.title),
          "DESCRIPTION:" + escapeText(description));
        if (url) lines.push("URL:" + url);
        lines.push("END:VEVENT");
      });
    });
    lines.push("END:VCALENDAR");
    return lines.map(fold).join("\r\n") + "\r\n";
  }

  function download(name, text) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/calendar;charset=utf-8" }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  document.querySelectorAll("form.cb-calendar-form").forEach(function (form) {
    var section = form.closest(".cb-calendar");
    if (section) section.hidden = false;
    form.addEventListener("submit", function (submitted) {
      submitted.preventDefault();
      var date = form.elements.date.value, time = form.elements.time.value;
      if (!date || !time) return; // the browser's own validation has said what is missing
      download(form.dataset.cbFile, calendarFile(form, date, time));
      var status = form.querySelector(".cb-calendar-status");
      if (status) status.textContent = form.dataset.cbDone.replace("{file}", form.dataset.cbFile);
    });
  });
})();
