/* Coachbook: search lists only the results in the language of the page being read.
   The header's language switch (Material's extra.alternate) links each language's root; a result
   belongs to the language whose root is the longest prefix of its address. One index serves every
   language, so no second build is needed. */
(function () {
  "use strict";
  function folder(url) {
    return new URL(url, location.href).pathname.replace(/index\.html$/, "");
  }
  var roots = Array.prototype.map.call(document.querySelectorAll("a.md-select__link[hreflang]"), function (link) {
    return { lang: link.getAttribute("hreflang"), path: folder(link.href) };
  });
  var list = document.querySelector(".md-search-result__list");
  if (roots.length < 2 || !list) return;
  function languageOf(url) {
    var path = folder(url), best = null;
    roots.forEach(function (root) {
      if (path.indexOf(root.path) === 0 && (!best || root.path.length > best.path.length)) best = root;
    });
    return best && best.lang;
  }
  var current = languageOf(location.href);
  new MutationObserver(function () {
    list.querySelectorAll("li.md-search-result__item").forEach(function (item) {
      var link = item.querySelector("a");
      item.style.display = link && languageOf(link.href) !== current ? "none" : "";
    });
  }).observe(list, { childList: true });
})();
