// The stems mixer (vocals and instrumental played in sync, with mute, solo and volume per stem), the
// Boost button's swap of the style field (with Undo), and the finer controls shown for the newest models.
// No sentences here: labels come from data- attributes rendered by Django templates, so they are translated
// there. Loaded from a file: the CSP allows no inline code.
(function () {
  "use strict";

  function audios(panel) {
    return Array.prototype.slice.call(panel.querySelectorAll("audio[data-stem]"));
  }

  function rowOf(audio) {
    return audio.closest("[data-stem-row]");
  }

  // A stem is heard when it is not muted and, if any stem is soloed, it is one of them.
  function apply(panel) {
    var list = audios(panel);
    var anySolo = list.some(function (a) { return a.dataset.solo === "1"; });
    list.forEach(function (audio) {
      var row = rowOf(audio);
      var muted = audio.dataset.mute === "1" || (anySolo && audio.dataset.solo !== "1");
      audio.muted = muted;
      var volume = row.querySelector("[data-stem-volume]");
      audio.volume = volume ? Number(volume.value) / 100 : 1;
      row.classList.toggle("silent", muted);
      var mute = row.querySelector("[data-stem-mute]");
      var solo = row.querySelector("[data-stem-solo]");
      if (mute) mute.setAttribute("aria-pressed", audio.dataset.mute === "1" ? "true" : "false");
      if (solo) solo.setAttribute("aria-pressed", audio.dataset.solo === "1" ? "true" : "false");
    });
  }

  function playing(panel) {
    return audios(panel).some(function (a) { return !a.paused; });
  }

  function setPlayLabel(panel) {
    var button = panel.querySelector("[data-stems-play]");
    if (!button) return;
    var on = playing(panel);
    button.textContent = on ? panel.dataset.labelPause : panel.dataset.labelPlay;
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function toggle(panel) {
    var list = audios(panel);
    if (!list.length) return;
    if (playing(panel)) {
      list.forEach(function (a) { a.pause(); });
    } else {
      var at = list[0].currentTime;
      list.forEach(function (a) { a.currentTime = at; });
      apply(panel);
      list.forEach(function (a) {
        var started = a.play();
        if (started && started.catch) started.catch(function () { /* a blocked autoplay: the button stays */ });
      });
    }
    setPlayLabel(panel);
  }

  document.addEventListener("click", function (event) {
    var panel = event.target.closest("[data-stems]");
    if (panel) {
      if (event.target.closest("[data-stems-play]")) {
        toggle(panel);
        return;
      }
      var flag = event.target.closest("[data-stem-mute]") ? "mute" : event.target.closest("[data-stem-solo]") ? "solo" : "";
      if (flag) {
        var audio = rowOf(event.target).querySelector("audio[data-stem]");
        if (!audio) return;
        audio.dataset[flag] = audio.dataset[flag] === "1" ? "0" : "1";
        apply(panel);
        return;
      }
    }
    var undo = event.target.closest("[data-boost-undo]");
    if (undo) {
      var result = undo.closest("[data-boost-result]");
      var field = document.getElementById("id_tags");
      if (field && result && result.dataset.old !== undefined) {
        field.value = result.dataset.old;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        var area = result.parentNode;  // "Style restored.", and Boost offered again
        result.hidden = true;
        area.querySelectorAll("[data-boost-undone], [data-boost]").forEach(function (el) { el.hidden = false; });
      }
    }
  });

  document.addEventListener("input", function (event) {
    var panel = event.target.closest("[data-stems]");
    if (!panel) return;
    if (event.target.matches("[data-stem-volume]")) apply(panel);
    if (event.target.matches("[data-stems-seek]")) {
      var at = Number(event.target.value);
      audios(panel).forEach(function (a) { a.currentTime = at; });
    }
  });

  // Keep the followers on the first stem's clock; move the position slider with it.
  document.addEventListener("timeupdate", function (event) {
    var audio = event.target;
    if (!(audio instanceof HTMLAudioElement) || !audio.dataset.stem) return;
    var panel = audio.closest("[data-stems]");
    var list = audios(panel);
    if (list[0] !== audio) return;
    list.slice(1).forEach(function (other) {
      if (!other.paused && Math.abs(other.currentTime - audio.currentTime) > 0.05) other.currentTime = audio.currentTime;
    });
    var seek = panel.querySelector("[data-stems-seek]");
    if (seek && document.activeElement !== seek) seek.value = audio.currentTime;
  }, true);

  document.addEventListener("ended", function (event) {
    var panel = event.target.closest && event.target.closest("[data-stems]");
    if (panel) setPlayLabel(panel);
  }, true);

  // Target duration and variety only for the newest models: the box shows for those, hides for the rest
  // (the server checks too, and says so beside the field).
  function fineControl(root) {
    (root || document).querySelectorAll("[data-fine-control]").forEach(function (box) {
      var model = box.closest("form") && box.closest("form").querySelector("select[name=mv]");
      if (!model) return;
      var shown = box.dataset.fineControl.split(" ").indexOf(model.value) >= 0;
      box.hidden = !shown && !box.querySelector(".invalid");
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name=mv]")) fineControl(event.target.form);
  });
  document.addEventListener("DOMContentLoaded", function () { fineControl(); });

  // After a swap: preserved players keep their state; the buttons show it again. A finished boost fills
  // the style field and keeps the old text for Undo.
  document.addEventListener("htmx:afterSettle", function () {
    fineControl();
    document.querySelectorAll("[data-stems]").forEach(function (panel) {
      apply(panel);
      setPlayLabel(panel);
    });
    document.querySelectorAll("[data-boost-result]:not([data-applied])").forEach(function (result) {
      var field = document.getElementById("id_tags");
      if (!field) return;
      result.dataset.old = field.value;
      result.dataset.applied = "1";
      field.value = result.dataset.boostResult;
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
