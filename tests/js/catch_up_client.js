// The official socket.io-client, run by node: signs in over HTTP, follows a standard, receives a
// comment, disconnects, misses one, reconnects and gets it through catch_up. Driven by a Python
// test: JSON lines out, one line in ("go") per step.
"use strict";
const readline = require("readline");
const { io } = require("socket.io-client");

const [base, email, password, room] = process.argv.slice(2);
const input = readline.createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
const say = (object) => process.stdout.write(JSON.stringify(object) + "\n");
const next = async () => (await lines.next()).value;

async function signIn() {
  const page = await fetch(base + "/signin");
  let cookie = page.headers.get("set-cookie").split(";")[0];
  const token = (await page.text()).match(/name="csrf_token" type="hidden" value="([^"]+)"/)[1];
  const body = new URLSearchParams({ email, password, csrf_token: token });
  const response = await fetch(base + "/signin", { method: "POST", body, redirect: "manual", headers: { cookie } });
  if (response.status !== 302) { throw new Error("sign-in failed: " + response.status); }
  cookie = response.headers.get("set-cookie").split(";")[0];
  return cookie;
}

(async () => {
  const cookie = await signIn();
  const socket = io(base, { transports: ["websocket"], extraHeaders: { cookie }, reconnection: false });
  let lastEventId = 0;
  const received = [];
  socket.on("comment_posted", (event) => { lastEventId = Math.max(lastEventId, event.id); received.push(event); });
  await new Promise((resolve) => socket.on("connected", resolve));
  const joined = await socket.emitWithAck("join", { room });
  say({ step: "joined", ok: joined.ok });

  await next();  // the first comment has been posted
  while (received.length < 1) { await new Promise((r) => setTimeout(r, 20)); }
  say({ step: "received", body: received[0].html, id: received[0].id });

  socket.disconnect();
  say({ step: "disconnected" });
  await next();  // the second comment was posted while we were away

  socket.connect();
  await new Promise((resolve) => socket.once("connect", resolve));
  const ack = await socket.emitWithAck("catch_up", { last_event_id: lastEventId, rooms: [room] });
  while (received.length < 2) { await new Promise((r) => setTimeout(r, 20)); }
  say({ step: "caught_up", replayed: ack.replayed, body: received[1].html, id: received[1].id });
  socket.disconnect();
  process.exit(0);
})().catch((error) => { say({ error: String(error && error.stack || error) }); process.exit(1); });
