/*
 * Differential synchronisation, client side: the mirror of ClientSession in
 * deliberate/realtime/sync.py (Neil Fraser, 2009, guaranteed delivery). Read that module's
 * docstring for the wire format; this file follows it line by line, and
 * tests/realtime/test_diffsync_js.py runs it in node against the Python server.
 *
 * Works in the browser (window.DiffSync, needs window.diff_match_patch) and in node
 * (module.exports, needs the npm package diff-match-patch).
 */
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports && typeof require === "function") {
    module.exports = factory(require("diff-match-patch"));
  } else {
    root.DiffSync = factory(root.diff_match_patch);
  }
})(typeof self !== "undefined" ? self : this, function (DMP) {
  "use strict";
  var DIFF_EQUAL = 0, DIFF_DELETE = -1, DIFF_INSERT = 1;
  var dmp = new DMP();
  dmp.Diff_Timeout = 0.5;
  dmp.Match_Threshold = 0.5;
  dmp.Match_Distance = 1000;

  // SHA-1 of the UTF-8 bytes, synchronous (crypto.subtle is async and needs a secure context).
  function sha1(text) {
    var bytes = unescape(encodeURIComponent(text));
    var words = [], i;
    for (i = 0; i < bytes.length; i++) { words[i >> 2] |= bytes.charCodeAt(i) << (24 - (i % 4) * 8); }
    var bitLength = bytes.length * 8;
    words[bitLength >> 5] |= 0x80 << (24 - bitLength % 32);
    words[(((bitLength + 64) >> 9) << 4) + 15] = bitLength;
    var w = new Array(80), h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
    for (var block = 0; block < words.length; block += 16) {
      var a = h0, b = h1, c = h2, d = h3, e = h4;
      for (i = 0; i < 80; i++) {
        w[i] = i < 16 ? (words[block + i] | 0) : rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        var f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        var t = (rotl(a, 5) + f + e + k + w[i]) | 0;
        e = d; d = c; c = rotl(b, 30); b = a; a = t;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
    }
    return [h0, h1, h2, h3, h4].map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }
  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }

  function patchText(base, target) {
    var diffs = dmp.diff_main(base, target);
    dmp.diff_cleanupEfficiency(diffs);
    return dmp.patch_toText(dmp.patch_make(base, diffs));
  }

  function parsePatches(text) {
    try { return dmp.patch_fromText(text); } catch (e) { return null; }
  }

  // Apply a wire patch to the exact text it was made from; null if a hunk is not in place.
  function applyExact(base, text) {
    var patches = parsePatches(text);
    if (patches === null) { return null; }
    var current = base;
    for (var i = 0; i < patches.length; i++) {
      var source = dmp.diff_text1(patches[i].diffs), result = dmp.diff_text2(patches[i].diffs);
      var start = patches[i].start2;
      if (current.substring(start, start + source.length) !== source) { return null; }
      current = current.substring(0, start) + result + current.substring(start + source.length);
    }
    return current;
  }

  function runs(diffs) {
    var out = [], position = 0, deleted = "", inserted = "";
    var all = diffs.concat([[DIFF_EQUAL, ""]]);
    for (var i = 0; i < all.length; i++) {
      var op = all[i][0], text = all[i][1];
      if (op === DIFF_EQUAL) {
        if (deleted || inserted) {
          out.push([position, deleted, inserted]);
          position += deleted.length;
          deleted = inserted = "";
        }
        position += text.length;
      } else if (op === DIFF_DELETE) { deleted += text; } else { inserted += text; }
    }
    return out;
  }

  function untouched(align, start, end) {
    var spans = [], in1 = 0, in2 = 0;
    for (var i = 0; i < align.length; i++) {
      var op = align[i][0], text = align[i][1];
      if (op === DIFF_EQUAL) {
        var low = Math.max(in1, start), high = Math.min(in1 + text.length, end);
        if (low < high) { spans.push([in2 + low - in1, in2 + high - in1]); }
      }
      in1 += op === DIFF_INSERT ? 0 : text.length;
      in2 += op === DIFF_DELETE ? 0 : text.length;
    }
    return spans;
  }

  // Carry the change base -> target over to live (which also left base): a three-way merge.
  function merge(base, target, live) {
    if (live === base) { return target; }
    if (target === base || target === live) { return live; }
    var change = dmp.diff_main(base, target), align = dmp.diff_main(base, live);
    dmp.diff_cleanupSemanticLossless(change);
    dmp.diff_cleanupSemanticLossless(align);
    var edits = [];
    runs(change).forEach(function (run) {
      var start = run[0], deleted = run[1], inserted = run[2];
      var at = dmp.diff_xIndex(align, start);
      if (live.substring(at, at + deleted.length) === deleted) {
        edits.push([at, at + deleted.length, inserted]);
        return;
      }
      untouched(align, start, start + deleted.length).forEach(function (span) { edits.push([span[0], span[1], ""]); });
      edits.push([at, at, inserted]);
    });
    var ordered = edits.map(function (e, i) { return [i, e]; });
    ordered.sort(function (x, y) {
      return (y[1][0] - x[1][0]) || (y[1][1] - x[1][1]) || (y[0] - x[0]);
    });
    ordered.forEach(function (item) {
      var e = item[1];
      live = live.substring(0, e[0]) + e[2] + live.substring(e[1]);
    });
    return live;
  }

  function ClientSession(text) {
    this.text = text;
    this.shadowText = text;
    this.shadowN = 0;
    this.shadowM = 0;
    this.editStack = [];
    this.editBases = {};  // the shadow each stacked edit was made from, by its n (never sent)
    this.resync = false;
  }

  ClientSession.prototype.makeMessage = function (currentText) {
    this.text = currentText;
    if (this.shadowText !== currentText) {
      this.editStack.push({ n: this.shadowN, m: this.shadowM, patch: patchText(this.shadowText, currentText),
                            checksum: sha1(this.shadowText) });
      this.editBases[this.shadowN] = this.shadowText;
      this.shadowText = currentText;
      this.shadowN += 1;
    }
    var message = { ack_m: this.shadowM, edits: this.editStack.map(function (e) { return Object.assign({}, e); }) };
    if (this.resync) { message.resync = true; }
    return message;
  };

  ClientSession.prototype.receive = function (reply) {
    var ackN = reply.ack_n, edits = reply.edits || [];
    for (var i = 0; i < edits.length; i++) {
      var edit = edits[i];
      if (Object.prototype.hasOwnProperty.call(edit, "full_text")) {
        if (edit.m >= this.shadowM) { this.reset(edit); }
        continue;
      }
      if (edit.m !== this.shadowM || edit.n !== this.shadowN) { continue; }
      var applied = null;
      if (edit.checksum === sha1(this.shadowText)) { applied = applyExact(this.shadowText, edit.patch); }
      if (applied === null) { this.resync = true; break; }
      this.text = merge(this.shadowText, applied, this.text);
      this.shadowText = applied;
      this.shadowM += 1;
    }
    this.editStack = this.editStack.filter(function (e) { return e.n >= ackN; });
    var bases = this.editBases;
    Object.keys(bases).forEach(function (n) { if (Number(n) < ackN) { delete bases[n]; } });
    return this.text;
  };

  // The stacked edits the server never got and the typing since: merged onto the full text with
  // the shadow the first of them was made from as the common ancestor (see ClientSession._reset).
  ClientSession.prototype.reset = function (recovery) {
    var base = Object.prototype.hasOwnProperty.call(this.editBases, recovery.n)
      ? this.editBases[recovery.n] : this.shadowText;
    this.text = merge(base, this.text, recovery.full_text);
    this.shadowText = recovery.full_text;
    this.shadowN = recovery.n;
    this.shadowM = recovery.m + 1;
    this.editStack = [];
    this.editBases = {};
    this.resync = false;
  };

  return { ClientSession: ClientSession, merge: merge, sha1: sha1, applyExact: applyExact };
});
