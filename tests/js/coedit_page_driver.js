// Runs coedit.js in node against a stub page, a stub socket and a fake clock, plays the steps given
// on stdin (JSON: a list of ["advance", ms] | ["draft_changed", version] | ["ack", version] |
// ["type", text]) and prints the clock times (ms) at which the page sent `coedit_sync`.
// The first `coedit_join` is answered at once (text "", version 1); a sync stays unanswered until
// an "ack" step answers the oldest one still out, with no edits and that version.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const steps = JSON.parse(fs.readFileSync(0, "utf8"));
let now = 1000000;
const timers = new Map();
let nextTimer = 1;
function setTimer(fn, delay, every) { const id = nextTimer++; timers.set(id, { at: now + Math.max(0, delay || 0), fn, every }); return id; }
function advance(ms) {
  const end = now + ms;
  for (;;) {
    let due = null;
    for (const [id, timer] of timers) { if (timer.at <= end && (due === null || timer.at < timers.get(due).at)) { due = id; } }
    if (due === null) { break; }
    const timer = timers.get(due);
    now = timer.at;
    if (timer.every) { timer.at += timer.every; } else { timers.delete(due); }
    timer.fn();
  }
  now = end;
}

const handlers = {};
const syncs = [];
const waiting = [];
const socket = {
  connected: true,
  on(name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
  timeout() { return socket; },
  emit(name, payload, ack) {
    if (name === "coedit_join") { ack({ ok: true, text: "", version: 1 }); }
    if (name === "coedit_sync") { syncs.push(now); waiting.push({ payload, ack }); }
  },
};
function element() {
  return { value: "", disabled: true, textContent: "", selectionStart: 0, selectionEnd: 0, listeners: {},
    getAttribute(name) { return name === "data-doc" ? "section:1" : null; },
    addEventListener(name, fn) { this.listeners[name] = fn; },
    setSelectionRange(start, end) { this.selectionStart = start; this.selectionEnd = end; } };
}
const page = { coedit: element(), "coedit-text": element(), "coedit-status": element(), "coedit-saved": element(),
  "coedit-save": element() };
const FakeDate = { now: () => now };
const context = {
  document: { getElementById: (id) => page[id] || null },
  setTimeout: (fn, delay) => setTimer(fn, delay), clearTimeout: (id) => timers.delete(id),
  setInterval: (fn, every) => setTimer(fn, every, every), clearInterval: (id) => timers.delete(id),
  Date: FakeDate, Math, JSON, Object, String, Array, Number, console,
};
context.window = context;
context.t = (text) => text;
context.tn = (one) => one;
context.io = () => socket;
context.deliberateSocket = socket;
context.diff_match_patch = require("diff-match-patch");
vm.createContext(context);
const js = path.join(__dirname, "..", "..", "deliberate", "static", "js");
for (const name of ["diffsync.js", "coedit.js"]) {
  vm.runInContext(fs.readFileSync(path.join(js, name), "utf8"), context, { filename: name });
}
const start = now;
for (const [what, value] of steps) {
  if (what === "advance") { advance(value); }
  else if (what === "draft_changed") { handlers.draft_changed.forEach((fn) => fn({ doc: "section:1", version: value })); }
  else if (what === "ack") { waiting.shift().ack(null, { ok: true, reply: { ack_n: 0, edits: [] }, version: value }); }
  else if (what === "type") { page["coedit-text"].value += value; page["coedit-text"].listeners.input(); }
}
process.stdout.write(JSON.stringify({ syncs: syncs.map((at) => at - start) }));
