// Opens N Socket.IO clients (the official socket.io-client), joins a room on each, prints
// "ready", then prints each received event's arrival time (ms since the epoch) as JSON lines.
// Usage: node bench/realtime_clients.js URL[,URL2] N ROOM EVENT
"use strict";
const { io } = require("socket.io-client");

const [urls, count, room, eventName] = [process.argv[2].split(","), Number(process.argv[3]), process.argv[4],
  process.argv[5]];
let joined = 0;
let stopping = false;
const sockets = [];
for (let i = 0; i < count; i++) {
  const socket = io(urls[i % urls.length], { transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(socket);
  socket.on("connect", () => {
    socket.emit("join", { room }, (ack) => {
      if (!ack || !ack.ok) { console.error("join refused", ack); process.exit(2); }
      joined += 1;
      if (joined === count) { console.log(JSON.stringify({ ready: true })); }
    });
  });
  socket.on(eventName, (event) => {
    console.log(JSON.stringify({ id: event.id, client: i, at: Date.now(), emitted: Date.parse(event.at) }));
  });
  socket.on("connect_error", (error) => { console.error("connect_error", String(error)); process.exit(2); });
  // Clients do not reconnect: one that drops misses the saves after it (bench/realtime.py counts them).
  socket.on("disconnect", (reason) => { if (!stopping) { console.error("disconnect", i, reason); } });
}
process.stdin.on("data", () => { stopping = true; sockets.forEach((s) => s.close()); process.exit(0); });
