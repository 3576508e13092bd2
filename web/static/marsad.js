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

  document.addEventListener("DOMContentLoaded", function () {
    // Ticking a facet checkbox submits the facet form at once.
    document.querySelectorAll("form.facet-form input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.body.classList.add("loading");
        box.form.submit();
      });
    });

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
