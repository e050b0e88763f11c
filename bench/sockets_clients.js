// Opens N Socket.IO clients (the official socket.io-client, WebSocket transport), at most BATCH
// connecting at once, and times each connection (from io() to the "connect" event: TCP, the
// Engine.IO handshake and the server's connect handler). Each then joins ROOM. Prints one JSON
// line {"ready": true, "connect_ms": [...], "failed": n, "elapsed_ms": t} once every client is in
// (or has failed), then each received EVENT's arrival as a JSON line, like realtime_clients.js.
// A line on stdin closes every client and exits. Several URLs (comma-separated) share the
// clients in turn (client i connects to URL i mod count).
// Usage: node bench/sockets_clients.js URL[,URL2] N ROOM EVENT [BATCH]
"use strict";
const { io } = require("socket.io-client");

const [urls, count, room, eventName] = [process.argv[2].split(","), Number(process.argv[3]), process.argv[4],
  process.argv[5]];
const batch = Number(process.argv[6] || 100);
const sockets = [];
const connectMs = [];
let started = 0;
let settled = 0;
let failed = 0;
const t0 = Date.now();

function settle() {
  settled += 1;
  if (started < count) { open(); }
  if (settled === count) {
    console.log(JSON.stringify({ ready: true, connect_ms: connectMs, failed, elapsed_ms: Date.now() - t0 }));
  }
}

function open() {
  const i = started;
  started += 1;
  const begun = process.hrtime.bigint();
  const socket = io(urls[i % urls.length], { transports: ["websocket"], reconnection: false, forceNew: true, timeout: 20000 });
  sockets.push(socket);
  let done = false;
  socket.on("connect", () => {
    connectMs.push(Number(process.hrtime.bigint() - begun) / 1e6);
    socket.emit("join", { room }, (ack) => {
      if (!ack || !ack.ok) { failed += 1; }
      if (!done) { done = true; settle(); }
    });
  });
  socket.on("connect_error", (error) => {
    console.error("connect_error", String(error));
    failed += 1;
    if (!done) { done = true; settle(); }
  });
  socket.on(eventName, (event) => {
    console.log(JSON.stringify({ id: event.id, client: i, at: Date.now(), emitted: Date.parse(event.at) }));
  });
}

for (let k = 0; k < Math.min(batch, count); k++) { open(); }
process.stdin.on("data", () => { sockets.forEach((s) => s.close()); process.exit(0); });
