// Interface strings for the other scripts, in the page's language.
// base.html renders them as JSON, {english: translation}, in the data-strings attribute of #i18n-strings;
// plural entries are [form for 1, form for other counts]. Unknown strings fall back to the English given.
(function () {
  "use strict";
  var strings = {};
  var node = document.getElementById("i18n-strings");
  if (node) {
    try { strings = JSON.parse(node.getAttribute("data-strings")) || {}; } catch (e) { strings = {}; }
  }
  function fill(text, vars) {
    if (!vars) { return text; }
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
    });
  }
  // t("Posted.") or t("Saved as revision %(number)s.", {number: 3})
  window.t = function (english, vars) {
    var text = strings[english];
    return fill(typeof text === "string" ? text : english, vars);
  };
  // tn("(%(n)s comment)", "(%(n)s comments)", n): the n is filled in.
  window.tn = function (singular, plural, n, vars) {
    var forms = strings[singular];
    var text = Array.isArray(forms) ? forms[n === 1 ? 0 : 1] : (n === 1 ? singular : plural);
    var all = { n: n };
    if (vars) { for (var k in vars) { if (Object.prototype.hasOwnProperty.call(vars, k)) { all[k] = vars[k]; } } }
    return fill(text, all);
  };
})();
