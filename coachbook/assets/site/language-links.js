/* Coachbook: each page's <link rel="alternate" hreflang> names the same page in each language, for search
   engines. The theme's script fetches a sitemap.xml beside every such link, to map pages between languages
   for its language switch; there is none beside a page (each request would fail), and Coachbook's switch
   already links the same page. So the links leave <head> while the theme looks for them, at DOMContentLoaded
   (whose listeners run in the order they were added: the theme's bundle came first), and come back right
   after. Only Coachbook's links (those with an x-default) are moved: a site's own extra.alternate is left to
   the theme. */
(function () {
  "use strict";
  if (!document.querySelector('link[rel="alternate"][hreflang="x-default"]')) return;
  var moved = Array.prototype.map.call(document.querySelectorAll('link[rel="alternate"][hreflang]'), function (link) {
    var mark = document.createComment("");
    link.replaceWith(mark);
    return [mark, link];
  });
  document.addEventListener("DOMContentLoaded", function () {
    moved.forEach(function (pair) { pair[0].replaceWith(pair[1]); });
  }, { once: true });
})();
