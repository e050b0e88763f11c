// Runs live.js and discussions.js in node against a stub page and a stub socket, plays the
// events given on stdin (JSON: {room, events: [[name, payload], ...], input: true?}) and prints
// what the page shows: {turnout, presence, typing_sent, typing_line}.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const handlers = {};
const sent = [];
const socket = {
  connected: false,
  on(name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
  onAny() {},
  emit(name, payload, ack) { sent.push([name, payload]); if (name === "typing" && ack) { ack(request.typing_ack || { ok: true }); } },
  timeout() { return socket; },
};

function element(attrs, children) {
  return {
    attrs: attrs || {}, textContent: "", children: children || {}, listeners: {},
    getAttribute(name) { return Object.prototype.hasOwnProperty.call(this.attrs, name) ? this.attrs[name] : null; },
    setAttribute(name, value) { this.attrs[name] = String(value); },
    querySelector(selector) { return this.children[selector] || null; },
    querySelectorAll() { return []; },
    addEventListener(name, fn) { this.listeners[name] = fn; },
    appendChild() {}, insertBefore() {}, removeChild() {},
    classList: { toggle() {}, add() {} },
  };
}

const presence = element();
const typingLine = element();
const thread = element({ "data-thread-id": "" }, { "[data-typing]": typingLine });
const root = element({
  "data-room": request.room, "data-subject-kind": "vote", "data-subject-id": "7", "data-person-id": "",
  "data-can-comment": "true", "data-comment-url": "/comments/0", "data-anchor": "{}", "data-last-event-id": "0",
}, { "[data-presence]": presence, "[data-thread]": thread });
root.contains = () => false;
const turnout = element();
turnout.firstElementChild = element();
const document = {
  getElementById(id) { return id === "vote-turnout" ? turnout : null; },
  querySelector(selector) { return selector === "[data-discussion]" ? root : null; },
  querySelectorAll() { return []; },
  createElement() { return element(); },
  addEventListener() {},
};
const window = { io: () => socket, document };
const context = vm.createContext({ window, document, sessionStorage: { getItem() { return null; }, setItem() {} },
  setTimeout, clearTimeout, Map, Date, JSON, CustomEvent: function () {} });
for (const name of ["i18n.js", "live.js", "discussions.js"]) {
  vm.runInContext(fs.readFileSync(path.join(__dirname, "..", "..", "deliberate", "static", "js", name), "utf8"), context);
  if (name === "i18n.js") { context.t = window.t; context.tn = window.tn; }
}
for (const [name, payload] of request.events) { (handlers[name] || []).forEach((fn) => fn(payload)); }
if (request.input) {
  const textarea = { matches: () => true, form: null };
  for (let n = 0; n < 2; n++) { root.listeners.input({ target: textarea }); socket.connected = true; }
  Date.now = ((real) => () => real() + 10000)(Date.now);
  root.listeners.input({ target: textarea });
}
process.stdout.write(JSON.stringify({ turnout: turnout.firstElementChild.textContent, presence: presence.textContent,
  typing_sent: sent.filter(([name]) => name === "typing").length, typing_line: typingLine.textContent }));
