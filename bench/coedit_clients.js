// N simulated editors typing into one co-edited text through Socket.IO, each one a real client:
// the browser's own synchronisation code (deliberate/static/js/diffsync.js, DiffSync.ClientSession)
// driven the way the editor page drives it (deliberate/static/js/coedit.js: one message in flight,
// a sync 300 ms after typing stops, a pull after a `draft_changed` newer than what the tab has,
// paced to one per four round trips (400 ms to 2 s) after its last sync, and one after 2 s quiet). Each editor types a unique word ("e7w12") every TYPE_MS (with jitter) at a word
// boundary of its own copy of the text, where its caret is.
//
// Usage: node bench/coedit_clients.js URL N DOC SECONDS < cookies (a JSON list of Cookie headers)
// Prints one JSON line: round-trip times (ms) of the syncs sent while typing, the words each
// editor typed, every editor's final text and the server's text (a fresh tab's join).
"use strict";
const path = require("path");
const { io } = require("socket.io-client");
const DiffSync = require(path.join(__dirname, "..", "deliberate", "static", "js", "diffsync.js"));

const [url, count, doc, seconds] = [process.argv[2], Number(process.argv[3]), process.argv[4], Number(process.argv[5])];
const TYPE_MS = Number(process.env.BENCH_COEDIT_TYPE_MS || 1500);
const SETTLE_MS = Number(process.env.BENCH_COEDIT_SETTLE_MS || 15000);

function readStdin() {
  return new Promise((resolve) => {
    let data = "";
    process.stdin.on("data", (chunk) => { data += chunk; });
    process.stdin.on("end", () => resolve(data));
  });
}

function call(socket, event, payload, timeout = 30000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeout).emit(event, payload, (err, ack) => (err ? reject(err) : resolve(ack)));
  });
}

class Editor {
  constructor(index, cookie) {
    this.index = index;
    this.clientId = `bench-editor-${index}-${Date.now()}`;
    this.area = "";          // the textarea's value
    this.caret = 0;
    this.session = null;
    this.inFlight = false;
    this.again = false;
    this.timer = null;
    this.due = 0;
    this.heard = 0;          // the newest version the room announced
    this.lastSent = -Infinity;
    this.roundTrip = 50;     // coedit.js: an average of the last round trips
    this.kinds = { typed: 0, pull: 0, other: 0 };
    this.typing = false;
    this.words = [];
    this.rtts = [];
    this.errors = [];
    this.known = 0;          // the draft version this tab has caught up with
    this.socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true,
      extraHeaders: { Cookie: cookie } });
  }

  // coedit.js setText: keep the caret where it was relative to the text around it.
  setText(text) {
    if (this.area === text) { return; }
    const before = this.area;
    let start = this.caret, prefix = 0;
    while (prefix < start && before[prefix] === text[prefix]) { prefix++; }
    const shift = text.length - before.length;
    this.area = text;
    if (prefix < start) { start += shift; }
    this.caret = Math.max(0, Math.min(start, text.length));
  }

  schedule(delay) {
    clearTimeout(this.timer);
    this.due = performance.now() + delay;
    this.timer = setTimeout(() => { this.timer = null; this.sync(); }, delay);
  }

  gap() { return Math.min(2000, Math.max(400, 4 * this.roundTrip)); }

  // coedit.js pull(): paced, never later than a sync already planned.
  pull() {
    if (this.inFlight) { return; }
    const now = performance.now(), at = Math.max(now + 30, this.lastSent + this.gap());
    if (this.timer !== null && this.due <= at) { return; }
    this.schedule(at - now);
  }

  sync() {
    if (!this.session) { return; }
    if (this.inFlight) { this.again = true; return; }
    this.inFlight = true;
    clearTimeout(this.timer); this.timer = null;
    const edits = this.session.shadowText !== this.area;
    const message = this.session.makeMessage(this.area);
    const sent = performance.now(), typing = this.typing;
    this.lastSent = sent;
    if (typing) { this.kinds[edits ? "typed" : (this.heard > this.known ? "pull" : "other")] += 1; }
    this.socket.timeout(5000).emit("coedit_sync", { doc, client_id: this.clientId, message, coop_id: null },
      (err, ack) => {
        this.inFlight = false;
        if (typing) { this.rtts.push(performance.now() - sent); }
        this.roundTrip = 0.7 * this.roundTrip + 0.3 * (performance.now() - sent);
        if (err) { this.errors.push("timeout"); this.again = true; }
        else if (!ack.ok) { this.errors.push(ack.error); return; }
        else {
          this.session.text = this.area;
          this.setText(this.session.receive(ack.reply));
          this.known = Math.max(this.known, ack.version);
        }
        if (this.again || this.area !== this.session.shadowText) { this.again = false; this.schedule(150); }
        else if (this.heard > this.known) { this.pull(); }
      });
  }

  typeWord() {
    const word = `e${this.index}w${this.words.length}`;
    // A word boundary near the caret (or anywhere, now and then, as people move around).
    const spaces = [];
    for (let i = 0; i < this.area.length; i++) { if (this.area[i] === " ") { spaces.push(i); } }
    let at = this.area.length;
    if (spaces.length) {
      if (Math.random() < 0.2 || this.caret === 0) { at = spaces[Math.floor(Math.random() * spaces.length)]; }
      else { at = spaces.find((i) => i >= this.caret) ?? this.area.length; }
    }
    this.area = this.area.slice(0, at) + " " + word + this.area.slice(at);
    this.caret = at + word.length + 1;
    this.words.push(word);
    this.schedule(300);  // coedit.js: the input event
  }

  async join() {
    await new Promise((resolve, reject) => {
      if (this.socket.connected) { resolve(); return; }
      this.socket.on("connect", resolve);
      this.socket.on("connect_error", reject);
    });
    this.socket.on("draft_changed", (event) => {
      if (event.doc !== doc || event.version <= this.known) { return; }
      this.heard = Math.max(this.heard, event.version);
      this.pull();
    });
    const ack = await call(this.socket, "coedit_join", { doc, client_id: this.clientId });
    if (!ack.ok) { throw new Error(`join refused: ${ack.error}`); }
    this.session = new DiffSync.ClientSession(ack.text);
    this.area = ack.text;
    this.known = ack.version;
    this.interval = setInterval(() => {
      if (!this.inFlight && performance.now() - this.lastSent >= 2000) { this.schedule(0); }
    }, 500);
  }

  async settle() {
    // Send what is left and pull what others sent: a few sequential round trips.
    for (let round = 0; round < 3; round++) {
      while (this.inFlight) { await new Promise((r) => setTimeout(r, 20)); }
      clearTimeout(this.timer);
      this.sync();
      while (this.inFlight) { await new Promise((r) => setTimeout(r, 20)); }
    }
  }
}

async function main() {
  const cookies = JSON.parse(await readStdin());
  const editors = [];
  for (let i = 0; i < count; i++) { editors.push(new Editor(i, cookies[i % cookies.length])); }
  for (let i = 0; i < count; i += 20) {
    await Promise.all(editors.slice(i, i + 20).map((e) => e.join()));
    console.error(`${Math.min(count, i + 20)} editors in`);
  }
  const started = Date.now();
  editors.forEach((e) => { e.typing = true; });
  const typers = editors.map((editor) => {
    const tick = () => {
      if (Date.now() - started >= seconds * 1000) { editor.typing = false; return; }
      editor.typeWord();
      editor.typer = setTimeout(tick, TYPE_MS * (0.5 + Math.random()));
    };
    editor.typer = setTimeout(tick, Math.random() * TYPE_MS);
    return editor;
  });
  const progress = setInterval(() => {
    const rtts = editors.flatMap((e) => e.rtts).sort((a, b) => a - b);
    console.error(`${Math.round((Date.now() - started) / 1000)} s: ${rtts.length} syncs, ` +
      `p50 ${Math.round(rtts[Math.floor(rtts.length / 2)])} ms, p95 ${Math.round(rtts[Math.floor(rtts.length * 0.95)])} ms`);
  }, 5000);
  await new Promise((r) => setTimeout(r, seconds * 1000 + 200));
  clearInterval(progress);
  typers.forEach((e) => { clearTimeout(e.typer); e.typing = false; });
  // Let the page's own timers catch everyone up, then check.
  const deadline = Date.now() + SETTLE_MS;
  let server = "";
  for (;;) {
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all(editors.map((e) => e.settle()));
    console.error(`settle: ${editors.filter((e) => e.area === server).length} equal before this round`);
    const probe = io(url, { transports: ["websocket"], reconnection: false, forceNew: true,
      extraHeaders: { Cookie: cookies[0] } });
    try {
      await new Promise((resolve) => probe.on("connect", resolve));
      server = (await call(probe, "coedit_join", { doc, client_id: `bench-probe-${Date.now()}` })).text;
    } catch (error) {  // a server still catching up: try again until the deadline, then report
      console.error(`settle: the fresh tab could not join (${error.message})`);
    } finally {
      probe.close();
    }
    if (editors.every((e) => e.area === server) || Date.now() > deadline) { break; }
  }
  editors.forEach((e) => { clearInterval(e.interval); clearTimeout(e.timer); e.socket.close(); });
  // Exit once the line is written: a pipe takes it in chunks, and exiting at once cuts it short.
  process.stdout.write(JSON.stringify({
    rtts: editors.flatMap((e) => e.rtts), words: editors.flatMap((e) => e.words),
    texts: editors.map((e) => e.area), server, errors: editors.flatMap((e) => e.errors).slice(0, 20),
    error_count: editors.reduce((n, e) => n + e.errors.length, 0), elapsed_ms: Date.now() - started,
    kinds: editors.reduce((k, e) => { Object.keys(e.kinds).forEach((n) => { k[n] = (k[n] || 0) + e.kinds[n]; }); return k; }, {}),
  }) + "\n", () => process.exit(0));
}

main().catch((error) => { console.error(error); process.exit(2); });
