// Marsad: small enhancements only. Every feature works without this file
// (GET forms and links); the CSP allows no inline script, so all JS is here.
(function () {
  "use strict";

  // Harakat, tatweel and letter variants do not matter when filtering a list.
  function fold(text) {
    return (text || "")
      .replace(/[\u064B-\u065F\u0670\u0640]/g, "")
      .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627")
      .replace(/\u0649/g, "\u064A")
      .replace(/\u0629/g, "\u0647")
      .toLowerCase()
      .trim();
  }

  var FOCUS = "#focus=";

  document.addEventListener("DOMContentLoaded", function () {
    // Ticking a facet checkbox submits the facet form at once; the fragment names the
    // checkbox, so the new page puts the focus back on it (a GET form keeps its
    // action's fragment; the server never sees it).
    document.querySelectorAll("form.facet-form input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.body.classList.add("loading");
        box.form.action = box.form.action.split("#")[0] + FOCUS +
          encodeURIComponent(box.name) + "=" + encodeURIComponent(box.value);
        box.form.submit();
      });
    });
    if (location.hash.indexOf(FOCUS) === 0) {
      var kv = location.hash.slice(FOCUS.length).split("=");
      var name = decodeURIComponent(kv[0] || ""), value = decodeURIComponent(kv.slice(1).join("="));
      var boxes = document.querySelectorAll("form.facet-form input[type=checkbox]");
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].name === name && boxes[i].value === value) {
          var filters = boxes[i].closest("details");
          if (filters) filters.open = true;
          boxes[i].focus();
          break;
        }
      }
    }

    // The filter box of a long facet hides the values that do not match.
    document.querySelectorAll("input.facet-filter").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-list"));
      if (!list) return;
      input.hidden = false;
      input.addEventListener("input", function () {
        var q = fold(input.value);
        list.querySelectorAll("li").forEach(function (li) {
          li.hidden = q !== "" && fold(li.textContent).indexOf(q) === -1;
        });
      });
      // Enter in the filter box must not submit the facet form.
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") ev.preventDefault();
      });
    });
  });
})();
