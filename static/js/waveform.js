// Waveforms and karaoke on the clip cards. No inline scripts (CSP) and no English here: the sentences
// come from the templates (data-valuetext on the waveform). See templates/songs/partials/clip_waveform.html
// and karaoke_lines.html.
//
// A waveform ([data-waveform]) is drawn as inline SVG from its peaks (one character per slice, the
// alphabet of songs/waveform.py). It is a slider: the play position moves as its <audio> plays, a click
// plays from there (and sets "Continue from here"), a drag picks a range for "Replace section", and the
// arrow keys seek 5 s. Karaoke lines ([data-karaoke-lines]) highlight the current line and word.
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  var HEIGHT = 64;
  var STEP = 5; // seconds per arrow key
  var DRAG_PX = 5; // a press that moves less than this is a click
  var MIN_RANGE = 2; // seconds: Replace section needs at least this much

  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function stamp(seconds) {
    // m:ss with tenths, as the Create form reads it ("1:02.5").
    var tenths = Math.round((seconds % 1) * 10);
    if (tenths === 10) { seconds = Math.round(seconds); tenths = 0; }
    return fmt(seconds) + (tenths ? "." + tenths : "");
  }

  function playerFor(pk) {
    return document.querySelector('audio[data-clip-player="' + pk + '"]');
  }

  function durationOf(wave, player) {
    if (player && isFinite(player.duration) && player.duration > 0) return player.duration;
    return Number(wave.dataset.duration) || 0;
  }

  function svgEl(name, attrs) {
    var el = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    return el;
  }

  function draw(wave) {
    if (wave.querySelector("svg")) return;
    var peaks = wave.dataset.peaks.split("").map(function (ch) { return Math.max(0, ALPHABET.indexOf(ch)); });
    var count = peaks.length || 1;
    var d = peaks.map(function (level, i) {
      var h = Math.max(1, (level / (ALPHABET.length - 1)) * (HEIGHT - 4));
      return "M" + (i + 0.5) + " " + ((HEIGHT - h) / 2).toFixed(1) + "v" + h.toFixed(1);
    }).join("");
    var clipId = "wave-played-" + wave.dataset.waveform;
    var svg = svgEl("svg", { viewBox: "0 0 " + count + " " + HEIGHT, preserveAspectRatio: "none",
      "aria-hidden": "true", focusable: "false" });
    var defs = svgEl("defs", {});
    var clip = svgEl("clipPath", { id: clipId });
    var played = svgEl("rect", { x: 0, y: 0, width: 0, height: HEIGHT, "class": "wave-played-area" });
    clip.appendChild(played);
    defs.appendChild(clip);
    svg.appendChild(defs);
    svg.appendChild(svgEl("rect", { x: 0, y: 0, width: 0, height: HEIGHT, "class": "wave-range" }));
    svg.appendChild(svgEl("path", { d: d, "class": "wave-bars" }));
    svg.appendChild(svgEl("path", { d: d, "class": "wave-bars wave-played", "clip-path": "url(#" + clipId + ")" }));
    svg.appendChild(svgEl("rect", { x: 0, y: 0, width: Math.max(0.6, count / 300), height: HEIGHT, "class": "wave-head" }));
    wave.appendChild(svg);
    wave.waveCount = count;
    show(wave, 0);
  }

  // The slider's state: where the play position is, drawn and told to screen readers.
  function show(wave, seconds) {
    var player = playerFor(wave.dataset.waveform);
    var total = durationOf(wave, player);
    var count = wave.waveCount || 1;
    var x = total > 0 ? Math.min(1, Math.max(0, seconds / total)) * count : 0;
    var played = wave.querySelector(".wave-played-area");
    var head = wave.querySelector(".wave-head");
    if (played) played.setAttribute("width", x.toFixed(2));
    if (head) head.setAttribute("x", Math.max(0, x - Number(head.getAttribute("width")) / 2).toFixed(2));
    wave.setAttribute("aria-valuemax", String(Math.round(total)));
    wave.setAttribute("aria-valuenow", String(Math.round(seconds)));
    var text = wave.dataset.valuetext || "{now} / {total}";
    wave.setAttribute("aria-valuetext", text.replace("{now}", fmt(seconds)).replace("{total}", fmt(total)));
  }

  function showRange(wave, from, to) {
    var rect = wave.querySelector(".wave-range");
    var total = durationOf(wave, playerFor(wave.dataset.waveform));
    if (!rect || !total) return;
    var count = wave.waveCount || 1;
    rect.setAttribute("x", (from / total * count).toFixed(2));
    rect.setAttribute("width", (Math.max(0, to - from) / total * count).toFixed(2));
  }

  function seek(pk, seconds) {
    var player = playerFor(pk);
    var wave = document.querySelector('[data-waveform="' + pk + '"]');
    if (player) player.currentTime = seconds;
    if (wave) show(wave, seconds);
    // "Continue from here" takes this time, unless the person typed one in.
    var box = document.querySelector('[data-position-of="' + pk + '"]');
    if (box && !box.dataset.typed) box.value = stamp(seconds);
  }

  function timeAt(wave, clientX) {
    var box = wave.getBoundingClientRect();
    var total = durationOf(wave, playerFor(wave.dataset.waveform));
    var fraction = box.width ? (clientX - box.left) / box.width : 0;
    return Math.min(1, Math.max(0, fraction)) * total;
  }

  // A dragged range goes into the Replace section form: opened (again) with both times and the lyrics
  // sung there; filled in place only when it is open for this clip and its lyrics were edited, to keep them.
  function pickRange(wave, from, to) {
    var start = stamp(from), end = stamp(to);
    var panel = document.getElementById("create-panel");
    var form = panel && panel.querySelector("form");
    var lyrics = form && form.querySelector("[name=lyrics]");
    var same = form && form.querySelector('input[name=clip][value="' + wave.dataset.clipUid + '"]')
      && form.querySelector("input[name=mode][value=infill]") && lyrics && lyrics.value !== lyrics.defaultValue;
    var startBox = form && form.querySelector("[name=continue_at]");
    var endBox = form && form.querySelector("[name=infill_end]");
    if (same && startBox && endBox) {
      startBox.value = start;
      endBox.value = end;
      [startBox, endBox].forEach(function (box) { box.dispatchEvent(new Event("input", { bubbles: true })); });
      panel.scrollIntoView({ block: "start" });
      return;
    }
    var query = "?clip=" + encodeURIComponent(wave.dataset.clipUid) + "&mode=infill&at="
      + encodeURIComponent(start) + "&end=" + encodeURIComponent(end);
    if (window.htmx && panel) {
      // From the waveform, with its hx-sync, hx-target and hx-swap: it takes its turn with Create and
      // Continue, whose answers go into the same panel, and finds the panel when its turn comes (a target
      // given here would be the panel of now, replaced by then, and its answer lost).
      window.htmx.ajax("GET", wave.dataset.continueUrl + query, { source: wave });
    } else {
      window.location.href = wave.dataset.continueUrl + query;
    }
  }

  var drag = null;
  document.addEventListener("pointerdown", function (event) {
    var wave = event.target.closest && event.target.closest("[data-waveform]");
    if (!wave || event.button !== 0) return;
    event.preventDefault();
    wave.focus();
    drag = { wave: wave, x: event.clientX, from: timeAt(wave, event.clientX), moved: false };
    if (wave.setPointerCapture) wave.setPointerCapture(event.pointerId);
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    if (Math.abs(event.clientX - drag.x) >= DRAG_PX) drag.moved = true;
    if (drag.moved && drag.wave.dataset.infill) {
      var at = timeAt(drag.wave, event.clientX);
      showRange(drag.wave, Math.min(drag.from, at), Math.max(drag.from, at));
    }
  });
  document.addEventListener("pointerup", function (event) {
    if (!drag) return;
    var wave = drag.wave, from = drag.from, to = timeAt(wave, event.clientX), moved = drag.moved;
    drag = null;
    var low = Math.min(from, to), high = Math.max(from, to);
    if (moved && wave.dataset.infill && high - low >= MIN_RANGE) {
      showRange(wave, low, high);
      pickRange(wave, low, high);
      seek(wave.dataset.waveform, low);
      return;
    }
    showRange(wave, 0, 0);
    seek(wave.dataset.waveform, moved ? low : to);
  });
  document.addEventListener("pointercancel", function () { drag = null; });

  document.addEventListener("keydown", function (event) {
    var wave = event.target.closest && event.target.closest("[data-waveform]");
    if (!wave) return;
    var player = playerFor(wave.dataset.waveform);
    var total = durationOf(wave, player);
    var now = player ? player.currentTime : Number(wave.getAttribute("aria-valuenow"));
    var to = {
      ArrowRight: now + STEP, ArrowUp: now + STEP, ArrowLeft: now - STEP, ArrowDown: now - STEP,
      PageUp: now + 6 * STEP, PageDown: now - 6 * STEP, Home: 0, End: total
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    seek(wave.dataset.waveform, Math.min(total, Math.max(0, to)));
  });

  // Karaoke: the line being sung and its word, from the player's time.
  function karaoke(pk, seconds) {
    var box = document.querySelector('[data-karaoke-lines="' + pk + '"]');
    if (!box) return;
    var lines = box.querySelectorAll("[data-seek]");
    var current = null;
    lines.forEach(function (line) { if (Number(line.dataset.seek) <= seconds) current = line; });
    if (current) {
      var words = current.querySelectorAll("[data-start]");
      var last = words.length ? Number(words[words.length - 1].dataset.end) : 0;
      if (seconds > last + 1.5) current = null; // between lines: none is sung
    }
    lines.forEach(function (line) {
      var on = line === current;
      if (line.classList.contains("is-current") !== on) {
        line.classList.toggle("is-current", on);
        if (on) {
          line.setAttribute("aria-current", "true");
          box.scrollTop = line.offsetTop - box.offsetTop - box.clientHeight / 3;
        } else {
          line.removeAttribute("aria-current");
        }
      }
    });
    box.querySelectorAll(".is-sung").forEach(function (word) {
      if (!current || !current.contains(word) || Number(word.dataset.start) > seconds) word.classList.remove("is-sung");
    });
    if (current) {
      current.querySelectorAll("[data-start]").forEach(function (word) {
        word.classList.toggle("is-sung", Number(word.dataset.start) <= seconds);
      });
    }
  }

  function follow(player) {
    var pk = player.dataset.clipPlayer;
    var wave = document.querySelector('[data-waveform="' + pk + '"]');
    if (wave && !drag) show(wave, player.currentTime);
    karaoke(pk, player.currentTime);
  }

  var playing = [];
  function tick() {
    playing = playing.filter(function (player) { return !player.paused && player.isConnected; });
    playing.forEach(follow);
    if (playing.length) window.requestAnimationFrame(tick);
  }

  document.addEventListener("timeupdate", function (event) {
    if (event.target.dataset && event.target.dataset.clipPlayer) follow(event.target);
  }, true);
  document.addEventListener("play", function (event) {
    var player = event.target;
    if (!player.dataset || !player.dataset.clipPlayer) return;
    // The first time a clip plays, its lyrics open (and load) beside it.
    var lyrics = document.querySelector('details[data-karaoke-for="' + player.dataset.clipPlayer + '"]');
    if (lyrics && !lyrics.open && !lyrics.dataset.opened) {
      lyrics.dataset.opened = "1";
      lyrics.open = true;
    }
    if (playing.indexOf(player) < 0) playing.push(player);
    if (playing.length === 1) window.requestAnimationFrame(tick);
  }, true);
  document.addEventListener("loadedmetadata", function (event) {
    if (event.target.dataset && event.target.dataset.clipPlayer) follow(event.target);
  }, true);

  // A click on a line plays from it.
  document.addEventListener("click", function (event) {
    var line = event.target.closest && event.target.closest("[data-karaoke-lines] [data-seek]");
    if (!line) return;
    var pk = line.closest("[data-karaoke-lines]").dataset.karaokeLines;
    seek(pk, Number(line.dataset.seek));
    var player = playerFor(pk);
    if (player && player.paused) player.play().catch(function () {});
  });

  function drawAll() {
    document.querySelectorAll("[data-waveform]").forEach(function (wave) {
      draw(wave);
      var player = playerFor(wave.dataset.waveform);
      if (player && player.currentTime) show(wave, player.currentTime);
    });
  }
  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);

  // A card redrawn by the poller keeps its players (hx-preserve), so a song plays on through the redraw.
  // htmx 2 moves each one out and back with Element.moveBefore where the browser has it, and Chromium then
  // leaves the player's own controls unpainted: an empty grey bar until a reload. Redrawing the controls
  // of a player put back brings them back; its playback and position are untouched.
  function repaint(node) {
    if (node.nodeType === 1 && node.matches("audio[hx-preserve][controls], video[hx-preserve][controls]")) {
      node.controls = false;
      node.controls = true;
    }
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(repaint); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
