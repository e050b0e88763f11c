// Live layer: connects to Socket.IO and follows the rooms the page names (data-live-room).
// Reading works without it; later features (threads, co-editing) build on this connection.
(function () {
  "use strict";
  var t = window.t, tn = window.tn;  // i18n.js: the page's language
if (typeof window.io !== "function") { return; }
  var status = document.getElementById("live-status");
  var rooms = Array.prototype.map.call(document.querySelectorAll("[data-live-room]"), function (el) {
    return el.getAttribute("data-live-room");
  });
  var socket = window.io({ transports: ["websocket", "polling"] });
  window.deliberateSocket = socket;
  socket.on("connect", function () {
    rooms.forEach(function (room) { socket.emit("join", { room: room }); });
    if (status) { status.textContent = rooms.length ? t("Live updates on") : ""; }
  });
  socket.on("disconnect", function () { if (status) { status.textContent = t("Reconnecting…"); } });
  // Turnout on an open vote's page is always live: with each ballot in a public vote
  // (ballot_cast), in batches in a secret one (turnout_changed, never one per ballot).
  function showTurnout(event) {
    var turnout = document.getElementById("vote-turnout");
    if (turnout && event && typeof event.turnout === "number" && typeof event.electorate === "number") {
      turnout.firstElementChild.textContent = t("%(turnout)s of %(electorate)s", { turnout: event.turnout, electorate: event.electorate });
    }
  }
  socket.on("ballot_cast", showTurnout);
  socket.on("turnout_changed", showTurnout);
  socket.on("section_revised", function (event) {
    if (status) { status.textContent = t("A section was just revised: reload to see it."); }
    document.dispatchEvent(new CustomEvent("deliberate:event", { detail: event }));
  });
})();
