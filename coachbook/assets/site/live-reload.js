// Added by Coachbook's live server (`coachbook zensical --serve`) to each page it serves, never written into a
// site: reloads the page once the server has built the site again. The server stamps the build the page comes
// from on this script's tag, so a rebuild that ends before the first poll still reloads it.
(function () {
  "use strict";
  var script = document.currentScript;
  var served = script ? script.getAttribute("data-build") : null;
  function poll() {
    fetch("/.coachbook/build", { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (build) {
        if (served !== null && build !== served) {
          location.reload();
          return;
        }
        served = build;
        setTimeout(poll, 500);
      }, function () { setTimeout(poll, 1000); });  // the server restarting: try again
  }
  poll();
})();
