// Live discussions: new, edited and hidden comments appear without reloading; posting goes over
// the socket (with a client-made id, so a retry never duplicates) and falls back to the normal
// form when the socket is down; "X is typing…"; who is here; catch-up after every (re)connect.
// Everything here is optional: the page and its forms work without JavaScript.
(function () {
  "use strict";
  var t = window.t, tn = window.tn;  // i18n.js: the page's language
var root = document.querySelector("[data-discussion]");
  var socket = window.deliberateSocket;
  if (!root || !socket) { return; }

  var room = root.getAttribute("data-room");
  var subjectKind = root.getAttribute("data-subject-kind");
  var subjectId = parseInt(root.getAttribute("data-subject-id"), 10);
  var personId = parseInt(root.getAttribute("data-person-id"), 10) || null;
  var canComment = root.getAttribute("data-can-comment") === "true";
  var commentUrl = root.getAttribute("data-comment-url").replace(/0$/, "");
  var textUrl = root.getAttribute("data-text-url") || "";  // where quoted paragraphs are, when not on this page
  var anchorInfo = {};
  try { anchorInfo = JSON.parse(root.getAttribute("data-anchor") || "{}"); } catch (e) { anchorInfo = {}; }
  var mainForm = root.querySelector("[data-main-form]");
  var POST_TIMEOUT = 10000;

  // The rooms this page follows: the discussion's, and any others the page names for live.js.
  var rooms = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-room]"), function (el) {
    var name = el.getAttribute("data-live-room");
    if (rooms.indexOf(name) < 0) { rooms.push(name); }
  });

  // The last event seen, kept per page in sessionStorage so a reload or reconnect resumes there.
  var storageKey = "deliberate:last-event:" + rooms.join(",");
  var cursor = parseInt(root.getAttribute("data-last-event-id"), 10) || 0;
  try { cursor = Math.max(cursor, parseInt(sessionStorage.getItem(storageKey), 10) || 0); } catch (e) { /* private mode */ }
  var seen = {};
  var syncing = false;
  var highestDuringSync = 0;

  function remember(id) {
    if (syncing) { highestDuringSync = Math.max(highestDuringSync, id); return; }
    if (id > cursor) {
      cursor = id;
      try { sessionStorage.setItem(storageKey, String(cursor)); } catch (e) { /* private mode */ }
    }
  }

  // Returns false for an event already handled (it may arrive live and again in a replay).
  function fresh(event) {
    if (!event || typeof event.id !== "number") { return false; }
    if (seen[event.id]) { return false; }
    seen[event.id] = true;
    remember(event.id);
    return true;
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return "c-" + window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "c-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // Comments -----------------------------------------------------------------------------------

  function threadBlock(threadId, title) {
    var blocks = root.querySelectorAll("[data-thread]");
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].getAttribute("data-thread-id") === String(threadId)) { return blocks[i]; }
    }
    if (!title) {
      // The default thread is created by the first comment: adopt its id.
      var first = blocks[0];
      if (first && first.getAttribute("data-thread-id") === "") {
        first.setAttribute("data-thread-id", String(threadId));
        return first;
      }
      return null;
    }
    var block = el("section", "thread");
    block.setAttribute("data-thread", "");
    block.setAttribute("data-thread-id", String(threadId));
    var heading = el("h3", null, title);
    heading.id = "thread-" + threadId + "-title";
    block.setAttribute("aria-labelledby", heading.id);
    var list = el("ol", "comments");
    list.setAttribute("data-comments", "");
    var typing = el("p", "meta typing");
    typing.setAttribute("data-typing", "");
    typing.setAttribute("aria-live", "polite");
    block.appendChild(heading);
    block.appendChild(list);
    block.appendChild(typing);
    var last = blocks[blocks.length - 1];
    last.parentNode.insertBefore(block, last.nextSibling);
    return block;
  }

  function link(href, text, hiddenText) {
    var a = el("a", null, text);
    a.href = href;
    if (hiddenText) { a.appendChild(el("span", "visually-hidden", hiddenText)); }
    return a;
  }

  // A paragraph's id names its section ("data-rights-p2"), as the server's numbered macros write it.
  function paragraphId(sectionKey, paragraph) { return sectionKey + "-p" + paragraph; }

  function setQuote(article, event) {
    var old = article.querySelector(".comment-quote");
    if (old) { old.parentNode.removeChild(old); }
    if (!event.quote) { return; }
    var quote = el("blockquote", "comment-quote");
    if (event.anchor && event.anchor.paragraph) {
      var label = "¶" + event.anchor.paragraph;
      var key = event.anchor.section_key;
      var meta = el("p", "meta", t("Quoting") + " ");
      var text = subjectKind === "standard" && key ? t("%(label)s in %(section)s", { label: label, section: key }) : label;
      meta.appendChild(key ? link(textUrl + "#" + paragraphId(key, event.anchor.paragraph), text) : document.createTextNode(text));
      quote.appendChild(meta);
    }
    quote.appendChild(el("p", null, event.quote));
    article.insertBefore(quote, article.querySelector(".comment-body"));
  }

  function setBody(item, event) {
    var body = item.querySelector(".comment-body");
    // Server-rendered by the one safe Markdown renderer (raw HTML escaped, unsafe links refused).
    body.innerHTML = event.html;
    item.classList.toggle("comment-hidden", !!event.hidden);
    item.setAttribute("data-last-event-id", String(event.id));
    setQuote(item.querySelector("article"), event);
    var edited = item.querySelector(".comment-edited");
    if (edited && event.edited_at && !edited.firstChild) {
      edited.appendChild(document.createTextNode("· "));
      edited.appendChild(link(commentUrl + event.comment_id + "/history", t("edited")));
    }
    var actions = item.querySelector(".comment-actions");
    if (actions && event.hidden) {
      Array.prototype.forEach.call(actions.querySelectorAll("a[href$='/edit'], a[href$='/hide']"), function (a) {
        a.parentNode.removeChild(a);
      });
    }
  }

  function buildComment(event) {
    var item = el("li", "comment");
    item.id = "comment-" + event.comment_id;
    item.setAttribute("data-comment-id", String(event.comment_id));
    item.setAttribute("data-thread-id", String(event.thread_id));
    var article = el("article", "card");
    article.setAttribute("aria-labelledby", item.id + "-by");
    var meta = el("p", "meta comment-meta");
    var author = el("strong", "comment-author", event.author_name);
    author.id = item.id + "-by";
    meta.appendChild(author);
    if (event.coop_name) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", "comment-coop", "(" + event.coop_name + ")")); }
    meta.appendChild(document.createTextNode(" · "));
    var when = el("time", null, t("just now"));
    // HTML allows at most three digits of a second's fraction: keep whole seconds, as the server's pages do.
    when.setAttribute("datetime", (event.created_at || "").replace(/\.\d+/, ""));
    var permalink = link("#" + item.id, "");
    permalink.appendChild(when);
    meta.appendChild(permalink);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", "comment-edited"));
    article.appendChild(meta);
    article.appendChild(el("div", "comment-body prose"));
    var actions = el("p", "meta comment-actions");
    if (canComment && !event.hidden) {
      var reply = link(commentUrl + event.comment_id + "/reply", t("Reply"), " " + t("to %(name)s", { name: event.author_name }));
      reply.setAttribute("data-reply-to", String(event.comment_id));
      actions.appendChild(reply);
      if (personId && event.author_id === personId) {
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(link(commentUrl + event.comment_id + "/edit", t("Edit"), " " + t("your comment")));
      }
      if (root.getAttribute("data-can-moderate") === "true") {
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(link(commentUrl + event.comment_id + "/hide", t("Hide…")));
      }
    }
    article.appendChild(actions);
    item.appendChild(article);
    var replies = el("ol", "replies");
    replies.setAttribute("data-replies-for", String(event.comment_id));
    item.appendChild(replies);
    setBody(item, event);
    return item;
  }

  function updateCount(delta) {
    var counter = root.querySelector("[data-comment-count]");
    if (!counter) { return; }
    var n = (parseInt(counter.textContent.replace(/\D/g, ""), 10) || 0) + delta;
    counter.textContent = tn("(%(n)s comment)", "(%(n)s comments)", n);
  }

  function ours(event) {
    return event.subject_kind === subjectKind && event.subject_id === subjectId;
  }

  function onPosted(event) {
    if (!fresh(event) || !ours(event)) { return; }
    if (document.getElementById("comment-" + event.comment_id)) { return; }
    var block = threadBlock(event.thread_id, event.thread_title);
    if (!block) { return; }
    var parentList = event.parent_id ? root.querySelector("[data-replies-for='" + event.parent_id + "']") : null;
    var list = parentList || block.querySelector("[data-comments]");
    var empty = block.querySelector("[data-empty]");
    if (empty) { empty.parentNode.removeChild(empty); }
    var item = buildComment(event);
    list.appendChild(item);
    markPassage(item, event);
    updateCount(1);
    clearTyping(block, event.author_id);
  }

  function onChanged(event) {
    if (!fresh(event) || !ours(event)) { return; }
    var item = document.getElementById("comment-" + event.comment_id);
    if (!item) { return; }
    if ((parseInt(item.getAttribute("data-last-event-id"), 10) || 0) >= event.id) { return; }
    setBody(item, event);
  }

  socket.on("comment_posted", onPosted);
  socket.on("comment_edited", onChanged);
  socket.on("comment_hidden", onChanged);
  socket.on("comment_unhidden", onChanged);
  socket.on("thread_started", function (event) {
    if (fresh(event) && ours(event)) { threadBlock(event.thread_id, event.title); }
  });
  // Every committed event moves the cursor (those of other features too), so that the next
  // catch-up does not replay them again. Ephemeral signals (typing, presence) carry no id.
  socket.onAny(function (name, event) {
    if (event && typeof event.id === "number" && event.kind === name) { remember(event.id); }
  });

  // Quotes shown beside their passage ----------------------------------------------------------

  function markPassage(item, event) {
    var paragraph = event ? (event.anchor && event.anchor.paragraph) : item.getAttribute("data-anchor-paragraph");
    var section = event ? (event.anchor && event.anchor.section_key) : item.getAttribute("data-anchor-section");
    if (!paragraph) { return; }
    if (!section) { return; }
    var para = document.getElementById(paragraphId(section, paragraph));
    if (!para || root.contains(para)) { return; }
    var author = item.querySelector(".comment-author");
    var marker = el("p", "meta quote-marker");
    marker.appendChild(link("#" + item.id, t("Comment by %(name)s", { name: author ? author.textContent : t("a delegate") })));
    (para.querySelector(".para-text") || para).appendChild(marker);
  }
  Array.prototype.forEach.call(root.querySelectorAll("[data-anchor-paragraph]"), function (item) { markPassage(item, null); });

  // Typing and presence ------------------------------------------------------------------------

  var typers = new Map();

  function renderTyping(block) {
    var names = [];
    typers.forEach(function (entry) { if (entry.block === block) { names.push(entry.name); } });
    var line = block.querySelector("[data-typing]");
    if (!line) { return; }
    line.textContent = names.length === 0 ? "" : names.length === 1 ? t("%(name)s is typing…", { name: names[0] })
      : t("%(names)s and %(last)s are typing…", { names: names.slice(0, -1).join(", "), last: names[names.length - 1] });
  }

  function clearTyping(block, who) {
    if (!who || !typers.has(who)) { return; }
    clearTimeout(typers.get(who).timer);
    typers.delete(who);
    renderTyping(block);
  }

  socket.on("typing_started", function (signal) {
    if (!signal || signal.person_id === personId || signal.subject_kind !== subjectKind || signal.subject_id !== subjectId) { return; }
    var block = signal.thread_id ? threadBlock(signal.thread_id, null) : root.querySelector("[data-thread]");
    if (!block) { return; }
    var previous = typers.get(signal.person_id);
    if (previous) { clearTimeout(previous.timer); }
    typers.set(signal.person_id, {
      name: signal.name, block: block,
      timer: setTimeout(function () { typers.delete(signal.person_id); renderTyping(block); }, 6000)
    });
    renderTyping(block);
  });

  var lastTyping = 0;
  var typingShown = true;  // false once the server says nobody is shown typing here (a secret vote)
  root.addEventListener("input", function (e) {
    var field = e.target;
    if (!typingShown || !field.matches || !field.matches("textarea[name=body]") || !socket.connected) { return; }
    var now = Date.now();
    if (now - lastTyping < 3000) { return; }
    lastTyping = now;
    var form = field.form;
    var threadField = form && form.querySelector("[name=thread_id]");
    var block = root.querySelector("[data-thread]");
    var threadId = threadField ? parseInt(threadField.value, 10) : parseInt(block && block.getAttribute("data-thread-id"), 10);
    socket.emit("typing", threadId ? { thread_id: threadId } : { subject_kind: subjectKind, subject_id: subjectId }, function (ack) {
      if (ack && ack.shown === false) { typingShown = false; }
    });
  });

  socket.on("presence_changed", function (state) {
    if (!state || state.room !== room) { return; }
    var line = root.querySelector("[data-presence]");
    if (!line) { return; }
    if (state.names_hidden) {
      // A secret vote's page: how many are reading, never who (docs/live.md).
      line.textContent = state.readers ? t("Reading now: %(names)s.", { names: tn("%(n)s person", "%(n)s people", state.readers) }) : "";
      return;
    }
    var names = (state.people || []).map(function (p) { return p.id === personId ? t("you") : p.name; });
    if (state.visitors) { names.push(tn("%(n)s visitor", "%(n)s visitors", state.visitors)); }
    line.textContent = names.length ? t("Reading now: %(names)s.", { names: names.join(", ") }) : "";
  });

  // Posting over the socket, with the form as the fallback ------------------------------------

  function fieldValue(form, name) {
    var field = form.querySelector("[data-field=" + name + "]");
    return field ? field.value : "";
  }

  function payloadOf(form) {
    var anchor = null;
    try { anchor = fieldValue(form, "anchor") ? JSON.parse(fieldValue(form, "anchor")) : null; } catch (e) { anchor = null; }
    var number = function (name) { var n = parseInt(fieldValue(form, name), 10); return isNaN(n) ? null : n; };
    return {
      subject_kind: subjectKind, subject_id: subjectId, body: fieldValue(form, "body"),
      quote: fieldValue(form, "quote") || null, anchor: anchor, parent_id: number("parent_id"),
      thread_id: number("thread_id"), coop_id: number("coop_id"), client_id: fieldValue(form, "client_id")
    };
  }

  function resetForm(form) {
    ["body", "quote", "anchor", "parent_id"].forEach(function (name) {
      var field = form.querySelector("[data-field=" + name + "]");
      if (field) { field.value = ""; }
    });
    var replying = form.querySelector("[data-replying]");
    if (replying) { replying.hidden = true; replying.textContent = ""; }
    form.querySelector("[data-field=client_id]").value = newClientId();
  }

  Array.prototype.forEach.call(root.querySelectorAll("[data-comment-form]"), function (form) {
    // A socket-made id from the start: the fallback form post then carries the same one.
    var idField = form.querySelector("[data-field=client_id]");
    if (idField) { idField.value = newClientId(); }
    form.addEventListener("submit", function (e) {
      if (!socket.connected || form.getAttribute("data-sending") === "true") { return; }  // the form posts normally
      var payload = payloadOf(form);
      if (!payload.body.trim()) { return; }  // let the server explain what is missing
      e.preventDefault();
      var status = form.querySelector("[data-form-status]");
      form.setAttribute("data-sending", "true");
      if (status) { status.textContent = t("Posting…"); }
      socket.timeout(POST_TIMEOUT).emit("post_comment", payload, function (err, ack) {
        if (err) {
          // No acknowledgement: send the same comment (same client id) through the form.
          form.submit();
          return;
        }
        form.removeAttribute("data-sending");
        if (ack && ack.ok) {
          resetForm(form);
          if (status) { status.textContent = t("Posted."); }
          var item = document.getElementById("comment-" + ack.comment_id);
          if (item) { item.scrollIntoView({ block: "nearest" }); }
        } else if (status) {
          status.textContent = (ack && ack.error) || t("Your comment could not be posted. Please try again.");
        }
      });
    });
  });

  // Replies: the main form moves into place instead of opening the reply page.
  root.addEventListener("click", function (e) {
    var replyLink = e.target.closest && e.target.closest("[data-reply-to]");
    if (!replyLink || !mainForm) { return; }
    e.preventDefault();
    var id = replyLink.getAttribute("data-reply-to");
    var author = document.getElementById("comment-" + id + "-by");
    mainForm.querySelector("[data-field=parent_id]").value = id;
    var replying = mainForm.querySelector("[data-replying]");
    replying.textContent = t("Replying to %(name)s.", { name: author ? author.textContent : t("a comment") }) + " ";
    var cancel = el("button", "link-button", t("Cancel reply"));
    cancel.type = "button";
    cancel.addEventListener("click", function () {
      mainForm.querySelector("[data-field=parent_id]").value = "";
      replying.hidden = true;
      replying.textContent = "";
    });
    replying.appendChild(cancel);
    replying.hidden = false;
    mainForm.querySelector("[data-field=body]").focus();
  });

  // "Quote in a comment": select words in the text, press the button beside them -------------

  var quoteButton = el("button", "button small quote-button", t("Quote in a comment"));
  quoteButton.type = "button";
  var picked = null;

  function selectionInText() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return null; }
    var text = selection.toString().replace(/\s+/g, " ").trim();
    var node = selection.getRangeAt(0).commonAncestorContainer;
    var element = node.nodeType === 1 ? node : node.parentElement;
    if (!text || !element || root.contains(element) || !element.closest("main")) { return null; }
    var para = element.closest(".para");
    var section = element.closest("section.section");
    return { text: text.slice(0, 1000), element: element, para: para, section: section };
  }

  document.addEventListener("selectionchange", function () {
    if (!mainForm) { return; }
    var found = selectionInText();
    if (!found) { return; }
    picked = found;
    var place = (found.para && found.para.querySelector(".para-text")) || found.para || found.element.closest("p, li, td, div");
    if (place && quoteButton.parentNode !== place) { place.appendChild(quoteButton); }
  });

  quoteButton.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the selection
  quoteButton.addEventListener("click", function () {
    if (!picked || !mainForm) { return; }
    var anchor = {};
    var number = picked.para && picked.para.getAttribute("data-paragraph");
    if (number && /^\d+$/.test(number)) { anchor.paragraph = parseInt(number, 10); }
    if (anchorInfo.kind === "section") {
      anchor.section_key = anchorInfo.section_key;
      anchor.revision_id = anchorInfo.revision_id;
    } else if (anchorInfo.kind === "standard" && picked.section) {
      anchor.section_key = picked.section.id;
      anchor.revision_id = (anchorInfo.revisions || {})[picked.section.id];
    } else if (anchorInfo.kind === "amendment") {
      anchor.draft_id = anchorInfo.draft_id;
    }
    mainForm.querySelector("[data-field=quote]").value = picked.text;
    mainForm.querySelector("[data-field=anchor]").value = JSON.stringify(anchor);
    if (quoteButton.parentNode) { quoteButton.parentNode.removeChild(quoteButton); }
    var body = mainForm.querySelector("[data-field=body]");
    body.scrollIntoView({ block: "center" });
    body.focus();
  });

  // Connect and reconnect: announce presence, then catch up on what was missed ----------------

  function catchUp() {
    syncing = true;
    highestDuringSync = 0;
    socket.emit("catch_up", { last_event_id: cursor, rooms: rooms }, function (ack) {
      syncing = false;
      if (!ack || !ack.ok) { return; }
      remember(Math.max(ack.last_event_id || 0, highestDuringSync));
      if (ack.more) { catchUp(); }
    });
  }

  function onConnect() {
    if (room && /^(standard|amendment|vote):\d+$/.test(room)) { socket.emit("announce_presence", { room: room }); }
    catchUp();
  }

  socket.on("connect", onConnect);
  if (socket.connected) { onConnect(); }
})();
