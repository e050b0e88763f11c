// Live co-editing page: a DiffSync.ClientSession over the page's Socket.IO connection.
(function () {
  "use strict";
  var t = window.t, tn = window.tn;  // i18n.js: the page's language
var root = document.getElementById("coedit");
  if (!root || !window.DiffSync || typeof window.io !== "function") { return; }
  var doc = root.getAttribute("data-doc");
  var area = document.getElementById("coedit-text");
  var status = document.getElementById("coedit-status");
  var saved = document.getElementById("coedit-saved");
  var clientId = (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "")
    : String(Date.now()) + Math.random().toString(36).slice(2);
  var session = null, inFlight = false, again = false, timer = null;
  // The draft version this tab has caught up with (each reply says it): a `draft_changed` for a
  // version it already has needs no sync (with many people typing, most of them do not).
  var known = -1;

  function socket() { return window.deliberateSocket; }
  function say(text) { status.textContent = text; }

  // Replace the textarea's text without moving the caret relative to the text around it.
  function setText(text) {
    if (area.value === text) { return; }
    var start = area.selectionStart, end = area.selectionEnd, before = area.value;
    var prefix = 0;
    while (prefix < start && before[prefix] === text[prefix]) { prefix++; }
    var shift = text.length - before.length;
    area.value = text;
    if (prefix < start) { start += shift; end += shift; }
    area.setSelectionRange(Math.max(0, start), Math.max(0, end));
  }

  function coop() {
    var field = document.getElementById("coedit-coop");
    return field ? field.value : null;
  }

  function sync() {
    if (!session || !socket() || !socket().connected) { return; }
    if (inFlight) { again = true; return; }
    inFlight = true;
    var message = session.makeMessage(area.value);
    socket().timeout(5000).emit("coedit_sync", { doc: doc, client_id: clientId, message: message, coop_id: coop() },
      function (err, ack) {
        inFlight = false;
        if (err) { say(t("The connection is slow; your text is kept and will be sent again.")); again = true; }
        else if (!ack.ok) { say(ack.error); return; }
        else {
          var before = area.value;
          // Merge the server's edits into what is in the box now, including anything typed
          // while this message was on its way (it goes out with the next one).
          session.text = area.value;
          setText(session.receive(ack.reply));
          known = Math.max(known, ack.version);
          if (before !== area.value || status.textContent !== t("All changes are shared.")) { say(t("All changes are shared.")); }
        }
        if (again) { again = false; schedule(150); }
      });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(sync, delay);
  }

  function join() {
    // After a reconnect the server resumes this tab's stored session: nothing typed is lost.
    socket().emit("coedit_join", { doc: doc, client_id: clientId, resume: session !== null }, function (ack) {
      if (!ack || !ack.ok) { say(ack ? ack.error : t("Could not start editing.")); return; }
      known = ack.version;
      if (session === null) {
        session = new window.DiffSync.ClientSession(ack.text);
        area.value = ack.text;
      } else if (!ack.resumed) {
        // The server had forgotten this tab: carry what was typed onto the live text.
        var typed = area.value, shadow = session.shadowText;
        session = new window.DiffSync.ClientSession(ack.text);
        area.value = window.DiffSync.merge(shadow, typed, ack.text);
      }
      area.disabled = false;
      say(t("Editing together. Changes are shared as you type."));
      schedule(50);
    });
  }

  function start() {
    var s = socket();
    if (!s) { setTimeout(start, 50); return; }
    s.on("draft_changed", function (event) { if (event.doc === doc && !(event.version <= known)) { schedule(30); } });
    s.on("editor_joined", function (event) { if (event.doc === doc) { say(event.name + " joined the editing."); } });
    s.on("connect", join);
    if (s.connected) { join(); }
    area.addEventListener("input", function () { schedule(300); });
    setInterval(function () { schedule(0); }, 2000);
    document.getElementById("coedit-save").addEventListener("submit", function (event) {
      event.preventDefault();
      sync();
      var message = document.getElementById("coedit-message").value;
      setTimeout(function () {
        socket().emit("coedit_save", { doc: doc, message: message, coop_id: coop() }, function (ack) {
          saved.textContent = ack.ok ? t("Saved as revision %(number)s.", { number: ack.number }) : ack.error;
        });
      }, 400);
    });
  }
  start();
})();
