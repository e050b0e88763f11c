// Drives deliberate/static/js/diffsync.js from a Python test: one JSON command per line on
// stdin, one JSON answer per line on stdout. Commands: start, message, receive, applyExact, sha1.
"use strict";
const readline = require("readline");
const { ClientSession } = require("../../deliberate/static/js/diffsync.js");

const clients = {};
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const command = JSON.parse(line);
  let answer;
  try {
    if (command.op === "start") {
      clients[command.client] = new ClientSession(command.text);
      answer = { ok: true };
    } else if (command.op === "message") {
      answer = { message: clients[command.client].makeMessage(command.text) };
    } else if (command.op === "receive") {
      answer = { text: clients[command.client].receive(command.reply) };
    } else if (command.op === "applyExact") {
      answer = { text: require("../../deliberate/static/js/diffsync.js").applyExact(command.base, command.patch) };
    } else if (command.op === "sha1") {
      answer = { sha1: require("../../deliberate/static/js/diffsync.js").sha1(command.text) };
    } else {
      answer = { error: "unknown op " + command.op };
    }
  } catch (error) {
    answer = { error: String(error && error.stack || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
