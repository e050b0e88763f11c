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
  var session = null, inFlight = false, again = false, timer = null, due = 0;
  // The draft version this tab has caught up with (each reply says it): a `draft_changed` for a
  // version it already has needs no sync (with many people typing, most of them do not).
  var known = -1;
  // The newest version the room announced, and the pacing of the pulls it causes: with many people
  // typing, every tab pulling after every announcement makes more syncs the faster they go (and
  // the slower the server, the more of them are waiting). A tab pulls at most once per `gap` ms
  // after its last sync, and `gap` follows the round trip: four round trips, 400 ms to 2 s.
  var heard = -1, lastSent = -Infinity, roundTrip = 50;
  var gap = function () { return Math.min(2000, Math.max(400, 4 * roundTrip)); };

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
    clearTimeout(timer); timer = null;
    var message = session.makeMessage(area.value);
    var sent = Date.now();
    lastSent = sent;
    socket().timeout(5000).emit("coedit_sync", { doc: doc, client_id: clientId, message: message, coop_id: coop() },
      function (err, ack) {
        inFlight = false;
        roundTrip = 0.7 * roundTrip + 0.3 * (Date.now() - sent);
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
        // Typed while the message was out (or it was lost): send soon. Otherwise pull once more
        // only if the room announced a version this reply did not bring.
        if (again || area.value !== session.shadowText) { again = false; schedule(150); }
        else if (heard > known) { pull(); }
      });
  }

  // Sync in `delay` ms (typing: each keystroke puts it off again).
  function schedule(delay) {
    clearTimeout(timer);
    due = Date.now() + delay;
    timer = setTimeout(function () { timer = null; sync(); }, delay);
  }

  // Sync soon to fetch others' edits, paced (see `gap`); never later than a sync already planned.
  function pull() {
    if (inFlight) { return; }  // the reply checks `heard`
    var at = Math.max(Date.now() + 30, lastSent + gap());
    if (timer !== null && due <= at) { return; }
    schedule(at - Date.now());
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
    s.on("draft_changed", function (event) {
      if (event.doc !== doc || event.version <= known) { return; }
      heard = Math.max(heard, event.version);
      pull();
    });
    s.on("editor_joined", function (event) { if (event.doc === doc) { say(event.name + " joined the editing."); } });
    s.on("connect", join);
    if (s.connected) { join(); }
    area.addEventListener("input", function () { schedule(300); });
    // A missed announcement (a reconnect, another process's room) is caught within 2 s.
    setInterval(function () { if (!inFlight && Date.now() - lastSent >= 2000) { schedule(0); } }, 500);
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
