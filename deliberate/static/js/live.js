// Live layer: connects to Socket.IO and follows the rooms the page names (data-live-room).
// Reading works without it; discussions.js, coedit.js and notifications.js use this connection.
//
// A page that shows the state of something says so: data-live-about="vote:3 amendment:12" (the
// things it shows), data-live-since (the highest event id when the server read the page). Then:
//  - on every (re)connect it catches up from there (catch_up), so a change made while the socket
//    was away is not missed;
//  - a badge marked data-live-state="vote:3" shows the thing's new state;
//  - a form marked data-live-form="vote:3" is disabled, with the reason shown above it, when what
//    it acts on has closed or changed;
//  - one notice (role="status") says what changed, with a link to reload the page.
// docs/live.md, "Pages that follow a state", lists the events and what each page does with them.
(function () {
  "use strict";
  var t = window.t;  // i18n.js: the page's language
  if (typeof window.io !== "function") { return; }
  var status = document.getElementById("live-status");

  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }
  function words(value) { return (value || "").split(" ").filter(Boolean); }
  function values(name) {
    var found = [];
    each("[" + name + "]", function (el) {
      words(el.getAttribute(name)).forEach(function (w) { if (found.indexOf(w) < 0) { found.push(w); } });
    });
    return found;
  }

  var rooms = values("data-live-room");
  var about = {};
  values("data-live-about").forEach(function (thing) { about[thing] = true; });
  var since = values("data-live-since").map(function (v) { return parseInt(v, 10); }).filter(function (n) { return n >= 0; });
  var cursor = since.length ? Math.min.apply(null, since) : null;  // null: this page does not catch up

  var socket = window.io({ transports: ["websocket", "polling"] });
  window.deliberateSocket = socket;

  // Events already handled (one may arrive live and again in a replay), and the cursor.
  var seen = {};
  var syncing = false;
  var highestDuringSync = 0;
  function fresh(event) {
    if (!event || typeof event.id !== "number") { return true; }  // not from the events table
    if (seen[event.id]) { return false; }
    seen[event.id] = true;
    if (cursor !== null) {
      if (syncing) { highestDuringSync = Math.max(highestDuringSync, event.id); } else { cursor = Math.max(cursor, event.id); }
    }
    return true;
  }

  function catchUp() {
    syncing = true;
    highestDuringSync = 0;
    socket.emit("catch_up", { last_event_id: cursor, rooms: rooms }, function (ack) {
      syncing = false;
      if (!ack || !ack.ok) { return; }
      cursor = Math.max(cursor, ack.last_event_id || 0, highestDuringSync);
      if (ack.more) { catchUp(); }
    });
  }

  socket.on("connect", function () {
    // catch_up joins the rooms first, then replays what was missed since the page was read.
    if (cursor !== null && rooms.length) { catchUp(); } else { rooms.forEach(function (room) { socket.emit("join", { room: room }); }); }
    if (status) { status.textContent = rooms.length ? t("Live updates on") : ""; }
  });
  socket.on("disconnect", function () { if (status) { status.textContent = t("Reconnecting…"); } });

  // The notice: what changed since the page was read, and a link to read it again ----------------

  var notice = null;
  var reloadLine = null;
  if (Object.keys(about).length) {
    var main = document.getElementById("main");
    if (main) {
      notice = document.createElement("div");
      notice.id = "live-notice";
      notice.className = "live-notice";
      notice.setAttribute("role", "status");
      notice.setAttribute("aria-live", "polite");
      main.insertBefore(notice, main.firstChild);  // present (and empty) before anything is said in it
    }
  }

  function tell(text) {
    if (!notice) { return; }
    var already = Array.prototype.some.call(notice.querySelectorAll(".live-change"), function (p) { return p.textContent === text; });
    if (already) { return; }
    if (!reloadLine) {
      reloadLine = document.createElement("p");
      var link = document.createElement("a");
      link.href = window.location.pathname + window.location.search;
      link.textContent = t("Reload the page to see it as it is now.");
      link.addEventListener("click", function (click) { click.preventDefault(); window.location.reload(); });
      reloadLine.appendChild(link);
      notice.appendChild(reloadLine);
    }
    var line = document.createElement("p");
    line.className = "live-change";
    line.textContent = text;
    notice.insertBefore(line, reloadLine);
  }

  // A state's word in the page's language (i18n.py sends them as "state:<code>").
  function label(code) {
    var key = "state:" + code;
    var word = t(key);
    return word === key ? String(code) : word;
  }

  function setState(thing, code) {
    if (!code) { return; }
    each("[data-live-state]", function (badge) {
      if (badge.getAttribute("data-live-state") !== thing) { return; }
      var before = badge.getAttribute("data-state");
      if (before) { badge.classList.remove("badge-" + before); }
      badge.classList.add("badge-" + code);
      badge.setAttribute("data-state", code);
      var word = badge.querySelector("[data-live-label]") || badge;
      word.textContent = label(code);
    });
  }

  var closedCount = 0;
  function closeForms(thing, reason) {
    each("[data-live-form]", function (form) {
      if (words(form.getAttribute("data-live-form")).indexOf(thing) < 0 || form.getAttribute("data-live-closed")) { return; }
      form.setAttribute("data-live-closed", "true");
      closedCount += 1;
      var why = document.createElement("p");
      why.className = "live-closed";
      why.id = "live-closed-" + closedCount;
      why.textContent = reason;
      form.parentNode.insertBefore(why, form);
      Array.prototype.forEach.call(form.elements || [], function (control) {
        control.disabled = true;
        control.setAttribute("aria-describedby", why.id);
      });
      form.addEventListener("submit", function (submit) { submit.preventDefault(); });
    });
  }

  // What a vote is about, as the pages name it (an admission is about a co-op, a maturity vote
  // about its standard).
  function subjectOf(event) {
    var kind = { admission: "coop", maturity: "standard" }[event.subject_kind] || event.subject_kind;
    return kind && event.subject_id !== undefined && event.subject_id !== null ? kind + ":" + event.subject_id : null;
  }

  function versionChanged(event, text, state) {
    var version = "version:" + event.version_id;
    setState(version, state);
    if (about[version] || about["standard:" + event.standard_id]) { tell(t(text, { number: event.number })); }
    closeForms(version, t("This version is no longer a candidate: reload to see what you can do now."));
  }

  var reactions = {
    vote_opened: function (event) {
      if (about.votes) { tell(t("A vote has opened.")); }  // the list of votes
      var subject = subjectOf(event);
      if (subject && about[subject]) {
        closeForms(subject, t("A vote has opened on this: reload to see what you can do now."));
        tell(t("Vote %(id)s has opened on this.", { id: event.vote_id }));
      }
    },
    vote_closed: function (event) {
      if (about.votes) { tell(t("A vote has closed.")); }  // the list of votes
      var vote = "vote:" + event.vote_id;
      var result = label(event.passed ? "adopted" : "rejected");
      setState(vote, "closed");
      closeForms(vote, t("This vote has closed: ballots are no longer accepted."));
      if (about[vote]) {
        tell(t("This vote has closed. Result: %(result)s.", { result: result }));
        if (event.second_call_id) { tell(t("Too few co-ops took part, so the question is called a second time: vote %(id)s.", { id: event.second_call_id })); }
      }
      var subject = subjectOf(event);
      if (subject && about[subject]) { tell(t("Vote %(id)s on this has closed. Result: %(result)s.", { id: event.vote_id, result: result })); }
    },
    vote_cancelled: function (event) {
      if (about.votes) { tell(t("A vote was cancelled.")); }  // the list of votes
      var vote = "vote:" + event.vote_id;
      setState(vote, "cancelled");
      closeForms(vote, t("This vote was cancelled: ballots are no longer accepted."));
      if (about[vote]) { tell(t("This vote was cancelled: %(reason)s", { reason: event.reason || "" })); }
      var subject = subjectOf(event);
      if (subject && about[subject]) { tell(t("Vote %(id)s on this was cancelled.", { id: event.vote_id })); }
    },
    vote_outcome_stated: function (event) {
      if (about["vote:" + event.vote_id]) { tell(t("The stewards published the outcome statement.")); }
    },
    objection_raised: function (event) {
      if (about["vote:" + event.vote_id]) { tell(t("An objection was raised.")); }
    },
    concern_logged: function (event) {
      if (about["vote:" + event.vote_id]) { tell(t("A concern was recorded.")); }
    },
    objection_resolved: function (event) {
      closeForms("objection:" + event.objection_id, t("This objection is no longer standing."));
      if (about["vote:" + event.vote_id]) {
        tell(event.status === "withdrawn" ? t("An objection was withdrawn.") : t("An objection was resolved."));
      }
    },
    amendment_state_changed: function (event) {
      if (event.from === event.to) { return; }  // e.g. brought up to date: amendment_rebased says so
      var amendment = "amendment:" + event.amendment_id;
      var state = label(event.to);
      setState(amendment, event.to);
      closeForms(amendment, t("This amendment is now %(state)s: reload to see what you can do now.", { state: state }));
      if (about[amendment]) { tell(t("This amendment is now %(state)s.", { state: state })); }
      if (about["amendments:" + event.standard_id]) { tell(t("Amendments on this page have changed.")); }
    },
    // The last call (proposals/last_call.py): the phase badge follows, and the button that starts it closes.
    last_call_started: function (event) {
      setState("phase:" + event.amendment_id, "phase-last_call");
      closeForms("last-call:" + event.amendment_id, t("The last call has started: reload to see what you can do now."));
      if (about["amendment:" + event.amendment_id]) { tell(t("The last call on this amendment has started: every member co-op is told.")); }
      if (about["amendments:" + event.standard_id]) { tell(t("Amendments on this page have changed.")); }
    },
    last_call_ended: function (event) {
      setState("phase:" + event.amendment_id, "phase-discussion");
      if (about["amendment:" + event.amendment_id]) { tell(t("The text of this amendment changed, so its last call ended: it is back in discussion.")); }
    },
    amendment_opened: function (event) {
      if (about["amendments:" + event.standard_id]) { tell(t("Amendments on this page have changed.")); }
    },
    amendment_edited: function (event) {
      if (about["amendment:" + event.amendment_id]) { tell(t("The text of this amendment has changed.")); }
    },
    amendment_rebased: function (event) {
      if (about["amendment:" + event.amendment_id]) { tell(t("The text of this amendment has changed.")); }
    },
    version_assembled: function (event) {
      if (about["standard:" + event.standard_id]) { tell(t("Version %(number)s was assembled: a candidate for ratification.", { number: event.number })); }
    },
    version_ratified: function (event) { versionChanged(event, "Version %(number)s was ratified.", "ratified"); },
    version_failed: function (event) { versionChanged(event, "Version %(number)s was not ratified.", "failed"); },
    version_withdrawn: function (event) { versionChanged(event, "Version %(number)s was withdrawn.", "failed"); },
    maturity_changed: function (event) {
      var standard = "standard:" + event.standard_id;
      setState(standard, event.to);
      if (about[standard]) { tell(t("This standard is now %(maturity)s.", { maturity: label(event.to) })); }
    },
    coop_status_changed: function (event) {
      var coop = "coop:" + event.coop_id;
      setState(coop, event.to);
      if (about[coop]) { tell(t("This co-op is now %(status)s.", { status: label(event.to) })); }
      if (about.coops) { tell(t("The status of a co-op on this page has changed.")); }
    },
    section_revised: function (event) {
      if (status) { status.textContent = t("A section was just revised: reload to see it."); }
      if (about["standard:" + event.standard_id]) { tell(t("A section was just revised.")); }
      document.dispatchEvent(new CustomEvent("deliberate:event", { detail: event }));
    },
    // The registry (docs/registry.md): its page follows "registry:<standard id>", a declaration's
    // page "declaration:<id>".
    declaration_made: function (event) {
      if (about["registry:" + event.standard_id] || about["declaration:" + event.reaffirms]) {
        tell(t("A co-op published a declaration."));
      }
    },
    declaration_question_asked: function (event) { registryQuestion(event, "A co-op questioned a declaration."); },
    declaration_question_answered: function (event) { registryQuestion(event, "A question on a declaration was answered."); },
    declaration_question_escalated: function (event) {
      registryQuestion(event, "A question was taken to the formal objection process.");
    },
  };
  // A formal objection's steps (appeals/services.py), told on its page.
  var objectionSteps = {
    objection_mediated: "A steward recorded a mediation note.",
    objection_proposal: "The mediator made a proposal to the council.",
    objection_withdrawn: "The objection was withdrawn.",
    council_drawn: "A council was drawn for this objection.",
    council_member_dismissed: "A member of the council was dismissed.",
    council_ballot: "A member of the council voted.",
    council_decision_drafted: "A draft decision was put to the council.",
    minority_opinion_written: "A minority opinion was written.",
    objection_settled: "The objection is settled: the council adopted the mediator’s proposal.",
    objection_decided: "The council decided.",
    reverting_amendment_proposed: "The amendment restoring the earlier text is proposed.",
  };
  Object.keys(objectionSteps).forEach(function (kind) {
    reactions[kind] = function (event) {
      if (about["objection:" + event.objection_id]) { tell(t(objectionSteps[kind])); }
    };
  });
  function registryQuestion(event, text) {
    if (about["registry:" + event.standard_id] || about["declaration:" + event.declaration_id]) { tell(t(text)); }
  }
  Object.keys(reactions).forEach(function (kind) {
    socket.on(kind, function (event) { if (event && fresh(event)) { reactions[kind](event); } });
  });

  // Turnout on an open vote's page is always live: with each ballot in a public vote
  // (ballot_cast), in batches in a secret one (turnout_changed, never one per ballot).
  var turnoutShown = 0;
  function showTurnout(event) {
    var turnout = document.getElementById("vote-turnout");
    if (!turnout || !event || typeof event.turnout !== "number" || typeof event.electorate !== "number" || !fresh(event)) { return; }
    if (typeof event.id === "number") {
      if (event.id < turnoutShown) { return; }  // an older count, replayed after a newer one arrived
      turnoutShown = event.id;
    }
    turnout.firstElementChild.textContent = t("%(turnout)s of %(electorate)s", { turnout: event.turnout, electorate: event.electorate });
  }
  socket.on("ballot_cast", showTurnout);
  socket.on("turnout_changed", showTurnout);
})();
