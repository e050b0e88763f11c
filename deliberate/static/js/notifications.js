// Live notification count: joins the rooms of the standards the person follows (through the
// connection live.js opened) and asks the server for the count again when something happens
// there or in their own room. The server decides what counts, so this file never filters.
(function () {
  "use strict";
  var link = document.getElementById("notifications-link");
  var socket = window.deliberateSocket;
  if (!link || !socket || !window.fetch) { return; }
  var badge = document.getElementById("notification-count");
  var number = badge ? badge.querySelector("[data-count]") : null;
  var rooms = words(link.getAttribute("data-rooms"));
  var kinds = words(link.getAttribute("data-kinds"));
  var pending = null;
  var dueTimer = null;
  var connectedBefore = socket.connected;

  function words(value) { return (value || "").split(" ").filter(Boolean); }

  function join(room) {
    socket.emit("join", { room: room });
  }

  function show(count) {
    if (!badge || !number) { return; }
    number.textContent = String(count);
    badge.hidden = !count;
  }

  function scheduleDue(iso) {
    if (dueTimer) { clearTimeout(dueTimer); dueTimer = null; }
    var when = iso ? Date.parse(iso) : NaN;
    if (isNaN(when)) { return; }
    // Timers cannot wait longer than about 24 days; recount at least daily instead.
    var wait = Math.min(Math.max(when - Date.now() + 1000, 1000), 86400000);
    dueTimer = setTimeout(recount, wait);
  }

  function recount() {
    pending = null;
    fetch(link.getAttribute("data-count-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data.unread);
        (data.rooms || []).forEach(function (room) {
          if (rooms.indexOf(room) === -1) { rooms.push(room); join(room); }
        });
        scheduleDue(data.next_due_at);
      })
      .catch(function () { /* offline: the next event or reconnect recounts */ });
  }

  function soon() {
    // Several events often arrive together (a vote closes, an amendment is adopted): count once.
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(recount, 400);
  }

  kinds.forEach(function (kind) { socket.on(kind, soon); });
  socket.on("connect", function () {
    rooms.forEach(join);
    // After a reconnect, catch up on what happened while away (the page's count is fresh at first).
    if (connectedBefore) { soon(); }
    connectedBefore = true;
  });
  if (socket.connected) { rooms.forEach(join); }
  scheduleDue(link.getAttribute("data-next-due"));
})();
