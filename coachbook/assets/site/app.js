// Registers the playbook's service worker (the installable offline app) and offers a newer build once it is ready.
// The worker and the site's root are found from this script's own address (assets/coachbook/app.js under the
// root); the prompt's words come from the script tag's data attributes, in the page's language.
(() => {
  "use strict";
  const script = document.currentScript;
  // Browsers allow a worker only in a secure context (https, localhost, 127.0.0.1); a file:// page never gets one.
  if (!script || !("serviceWorker" in navigator) || !window.isSecureContext || !/^https?:$/.test(location.protocol)) {
    return;
  }
  const root = new URL("../../", script.src);
  const { ready, reload } = script.dataset;

  function offer(worker) {
    if (document.querySelector(".cb-app-update")) return;
    const prompt = document.createElement("div");
    prompt.className = "cb-app-update";
    prompt.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = ready;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "md-button md-button--primary";
    button.textContent = reload;
    button.addEventListener("click", () => {
      button.disabled = true;
      // The page reloads once the new worker controls it (controllerchange below), not before.
      navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
      worker.postMessage("coachbook-activate");
    });
    prompt.append(text, " ", button);
    document.body.append(prompt);
  }

  function watch(worker) {
    worker.addEventListener("statechange", () => {
      // Installed while another worker controls the page: a new build, waiting for the reader's word.
      if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
    });
  }

  navigator.serviceWorker.register(new URL("service-worker.js", root), { scope: root.pathname })
    .then(registration => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      if (registration.installing) watch(registration.installing);
      registration.addEventListener("updatefound", () => watch(registration.installing));
    })
    .catch(() => {});  // no worker (a private window, storage full): the site works as a plain site
})();
