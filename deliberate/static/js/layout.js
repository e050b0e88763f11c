// Small screens: a table wider than the page scrolls inside its own box, never the whole page.
// Each table in the main content is wrapped in a labelled region; when it does overflow, the region
// joins the Tab order so that keyboard users can scroll it too (WCAG 2.1.1).
(function () {
  "use strict";
  var say = typeof window.t === "function" ? window.t : function (text) { return text; };
  var regions = [];

  function labelFor(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var labelled = table.getAttribute("aria-labelledby");
    var heading = labelled && document.getElementById(labelled);
    if (!heading) {
      var section = table.closest("section[aria-labelledby]");
      heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    }
    return heading ? heading.textContent.trim() : say("Table");
  }

  function wrap(table) {
    var region = table.parentElement;
    // A template may already wrap its table (class "table-scroll"): use that box.
    if (!region || !region.classList.contains("table-scroll")) {
      region = document.createElement("div");
      region.className = "table-scroll";
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    }
    if (!region.hasAttribute("role")) { region.setAttribute("role", "region"); }
    if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
      region.setAttribute("aria-label", labelFor(table));
    }
    regions.push(region);
  }

  function update() {
    regions.forEach(function (region) {
      if (region.scrollWidth > region.clientWidth) {
        region.setAttribute("tabindex", "0");
      } else {
        region.removeAttribute("tabindex");
      }
    });
  }

  // A form sent back with errors is served at the address it posted to (/votes/15/ballot): show the
  // page's own address instead, so that a reload or a bookmark leads back to the page itself.
  var address = document.querySelector('meta[name="page-address"]');
  if (address && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", address.getAttribute("content"));
  }

  // A form to send at once (after confirming one's password, the action the person had started).
  Array.prototype.forEach.call(document.querySelectorAll("form[data-auto-submit]"), function (form) {
    form.submit();
  });

  // The phone menu: the button appears only with this script; the menu folds on narrow screens
  // (CSS), unfolds on a press, and Escape folds it back with focus on the button.
  var toggle = document.querySelector(".nav-toggle");
  var menu = document.getElementById("nav-menu");
  if (toggle && menu) {
    toggle.hidden = false;
    toggle.parentElement.classList.add("folding");
    toggle.addEventListener("click", function () {
      var open = !menu.classList.contains("open");
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        menu.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  var main = document.getElementById("main");
  if (!main) { return; }
  Array.prototype.forEach.call(main.querySelectorAll("table"), wrap);
  update();
  window.addEventListener("resize", update);
})();
