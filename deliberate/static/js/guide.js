// Guided start: the home page's first-visit explanation (draft, amend, discuss, vote, ratify).
// It shows until the person chooses "Got it"; the choice is remembered in this browser
// (localStorage, or a cookie when storage is blocked). Without JavaScript it simply stays visible.
(function () {
  "use strict";
  var KEY = "deliberate.guide.dismissed";
  var guide = document.getElementById("guide");
  if (!guide) { return; }

  function remembered() {
    try { if (window.localStorage.getItem(KEY) === "1") { return true; } } catch (e) { /* storage blocked */ }
    return document.cookie.split("; ").indexOf(KEY + "=1") !== -1;
  }

  function remember() {
    try { window.localStorage.setItem(KEY, "1"); } catch (e) { /* storage blocked: the cookie is enough */ }
    document.cookie = KEY + "=1; path=/; max-age=31536000; SameSite=Lax";
  }

  function forget() {
    try { window.localStorage.removeItem(KEY); } catch (e) { /* storage blocked */ }
    document.cookie = KEY + "=; path=/; max-age=0; SameSite=Lax";
  }

  var dismiss = guide.querySelector("[data-guide-dismiss]");
  var reopen = document.querySelector("[data-guide-reopen]");

  function hide(moveFocus) {
    guide.hidden = true;
    if (reopen) { reopen.hidden = false; }
    // Focus moves somewhere sensible, never to the top of a page the person was reading.
    if (moveFocus) {
      var next = reopen || document.getElementById("main");
      if (next) { next.focus(); }
    }
  }

  function show(moveFocus) {
    guide.hidden = false;
    if (reopen) { reopen.hidden = true; }
    if (moveFocus) {
      var heading = guide.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }

  if (dismiss) {
    dismiss.hidden = false;
    dismiss.addEventListener("click", function () { remember(); hide(true); });
  }
  if (reopen) {
    reopen.addEventListener("click", function () { forget(); show(true); });
  }
  if (remembered()) { hide(false); } else { show(false); }
})();
