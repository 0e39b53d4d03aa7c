// Batch variations on the Create panel: the cost of the chosen number of requests, before sending.
// The number (cost per request) and the sentence come from the page as data- attributes,
// rendered by Django from the one cost table and translated there: nothing here is English or a price.
(function () {
  "use strict";

  function fill(sentence, values) {
    return sentence.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }

  function update(box) {
    var checked = box.querySelector("input[name=variations]:checked");
    var count = checked ? Number(checked.value) : 1;
    var each = Number(box.dataset.costEach);
    var total = count * each;
    var note = box.querySelector("[data-cost-sentence]");
    var text = box.querySelector("[data-cost-text]");
    if (note && text) {
      text.textContent = fill(note.dataset.costSentence, { total: total, count: count, each: each });
    }
  }

  function updateAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-variations]").forEach(update);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && (event.target.name === "variations" || event.target.name === "mode")) updateAll(form);
  });
  document.addEventListener("DOMContentLoaded", function () { updateAll(document); });
  document.addEventListener("htmx:afterSettle", function () { updateAll(document); });

  // After Create the new card goes on top of the list, which on a phone is far below the form: show it.
  var newestBefore = null;
  function newestCard() { return document.querySelector("#cards article.card"); }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("#create-panel") && elt.matches("form")) {
      var card = newestCard();
      newestBefore = card ? card.id : "";
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (newestBefore === null) return;
    var card = newestCard();
    if (!card || card.id === newestBefore) return;  // an answer with errors, or not in yet
    newestBefore = null;
    var box = card.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 80) card.scrollIntoView({ block: "start" });
  });
})();
