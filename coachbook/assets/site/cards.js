/* Coachbook: the Print button of the question cards' print view (cards/<id>/). The page and its address choose
   the cards (CSS :target), so printing needs no script; the button only opens the browser's print dialog, and
   stays hidden where no script runs (Ctrl+P does the same). On any other page this does nothing. */
(function () {
  "use strict";
  var button = document.querySelector(".cb-cards-print");
  if (!button) return;
  button.addEventListener("click", function () { window.print(); });
  button.hidden = false;
})();
