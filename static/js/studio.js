// The little JavaScript the studio needs: elapsed-time clocks, length counters, copy buttons and menus.
// Everything is here, none inline: the Content-Security-Policy allows scripts from this file only.
// Sentences come from Django's JavaScript catalog (/jsi18n/, loaded before this file by base.html):
// gettext/ngettext/interpolate, translated in locale/<lang>/LC_MESSAGES/djangojs.po.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (f, o) {
    return f.replace(/%\(\w+\)s/g, function (m) { return String(o[m.slice(2, -2)]); });
  };

  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function tickClocks() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-elapsed-from]").forEach(function (el) {
      el.textContent = fmt(now - Number(el.dataset.elapsedFrom));
    });
  }

  function limitsFor(form) {
    var studio = form.closest("[data-model-limits]");
    if (!studio) return null;
    var table = JSON.parse(studio.dataset.modelLimits);
    var model = form.querySelector("select[name=mv], input[name=mv]"); // hidden where no model is picked
    var limits = Object.assign({}, table[model ? model.value : Object.keys(table)[0]]);
    limits.description = Number(studio.dataset.descriptionLimit);
    return limits;
  }

  function updateCounters(root) {
    var forms = root.tagName === "FORM" ? [root] : root.querySelectorAll("form");
    forms.forEach(function (form) {
      var limits = limitsFor(form);
      if (!limits) return;
      form.querySelectorAll("[data-counter-for]").forEach(function (counter) {
        var input = document.getElementById(counter.dataset.counterFor);
        var limit = limits[counter.dataset.limitKey];
        if (!input || !limit) return;
        var length = input.value.length;
        counter.textContent = length + " / " + limit;
        counter.classList.toggle("over", length > limit);
        input.setAttribute("aria-description", interpolate(
          ngettext("%(length)s of %(limit)s character", "%(length)s of %(limit)s characters", limit),
          {length: length, limit: limit}, true));
      });
    });
  }

  // Section tags: insert "[Chorus]" on its own line at the cursor of the lyrics box.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-tag]");
    if (!button) return;
    var box = button.form.querySelector("textarea");
    var start = box.selectionStart, text = box.value;
    var before = text.slice(0, start), after = text.slice(box.selectionEnd);
    var insert = (before && !before.endsWith("\n") ? "\n" : "") + button.dataset.insertTag + "\n";
    box.value = before + insert + after;
    box.focus();
    box.selectionStart = box.selectionEnd = before.length + insert.length;
    updateCounters(button.form);
  });

  // "Continue from here" follows the player: its time box shows where the player is, until typed in.
  document.addEventListener("timeupdate", function (event) {
    var player = event.target;
    if (!player.dataset || !player.dataset.clipPlayer) return;
    var box = document.querySelector('[data-position-of="' + player.dataset.clipPlayer + '"]');
    if (box && document.activeElement !== box && !box.dataset.typed) {
      var t = player.currentTime;
      box.value = fmt(t) + (t % 1 >= 0.05 ? "." + Math.floor((t % 1) * 10) : "");
    }
  }, true);
  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.positionOf) event.target.dataset.typed = "1";
  });

  // Share boxes: the link selects itself on focus; Copy puts it on the clipboard.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    input.select();
    var copied = navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject();
    copied.catch(function () { document.execCommand("copy"); }).then(function () {
      var label = button.textContent;
      button.textContent = gettext("Copied");
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // The "⋯" menu closes once its Rename has loaded the rename box.
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && el.matches && el.matches("[data-closes-menu]")) {
      var menu = el.closest("details");
      if (menu) menu.open = false;
    }
  });
  // A card the poller re-renders while one of its buttons waits for an answer would detach that button,
  // and htmx looks for the answer's out-of-band targets inside the button's own (then detached) tree: the
  // answer (a new card, a reason) would be lost. So the poller's version of such a card is held until the
  // answer is in, and dropped if a newer version of the card arrives meanwhile (the answer's own, say).
  // The same holds while the person is working in the card: typing in one of its fields (a redraw would
  // wipe what they typed) or pressing one of its buttons (the click would land on the card it replaced).
  var inflight = [];
  var answering = null;
  var held = {};
  var pressed = null;
  var TYPING = "input:not([type=button]):not([type=submit]):not([type=checkbox]):not([type=radio]), textarea, select";
  function typing(card) {
    var el = document.activeElement;
    return !!el && el !== document.body && card.contains(el) && el.matches(TYPING);
  }
  function busy(card) {
    return pressed === card || typing(card) ||
      inflight.some(function (el) { return el !== answering && card.contains(el); });
  }
  document.addEventListener("pointerdown", function (event) {
    pressed = event.target.closest ? event.target.closest("article.card[id]") : null;
  }, true);
  function letGo() {
    pressed = null;
    setTimeout(releaseHeld, 0);  // after the click's own handlers: its request is in flight by then
  }
  ["pointerup", "pointercancel", "click"].forEach(function (type) {
    document.addEventListener(type, letGo, true);
  });
  document.addEventListener("focusout", function () { setTimeout(releaseHeld, 0); });
  document.addEventListener("htmx:beforeRequest", function (event) { inflight.push(event.detail.elt); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    answering = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var card = event.detail.target;
    if (!card || !card.matches || !card.matches("article.card[id]")) return;
    if (busy(card)) {
      event.detail.shouldSwap = false;
      held[card.id] = Array.prototype.map.call(event.detail.fragment.childNodes, function (node) {
        return node.outerHTML || "";
      }).join("");
    } else {
      delete held[card.id];
    }
  });
  function releaseHeld() {
    inflight = inflight.filter(function (el) { return document.body.contains(el); });
    Object.keys(held).forEach(function (id) {
      var card = document.getElementById(id);
      if (card && busy(card)) return;
      var html = held[id];
      delete held[id];
      if (card && window.htmx) window.htmx.swap(card, html, { swapStyle: "outerHTML" });
    });
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    answering = null;
    inflight = inflight.filter(function (el) { return el !== event.detail.elt; });
    releaseHeld();
  });

  // The page's poller asks about the cards this page shows (its newest 300): a card that changed elsewhere
  // in the project, off this page, is not drawn on the server only to be dropped here (views/projects.py).
  var POLLED_CARDS_MAX = 300;
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "poller") return;
    var cards = document.querySelectorAll("#cards article.card[id^='task-']");
    event.detail.parameters.cards = Array.prototype.slice.call(cards, 0, POLLED_CARDS_MAX)
      .map(function (card) { return card.id.slice(5); }).join(",");
    var list = document.getElementById("cards");  // the newest card when the page was drawn: songs others
    if (list) event.detail.parameters.newest = list.dataset.newest || "0";  // add after it are counted
  });

  // A request that fails says so: an error answer (4xx, 5xx), no answer at all, or one too slow. htmx swaps
  // nothing then, so what the person typed stays in the form for another try. The page's own poller says it
  // once, and takes it back at its next answer, instead of a new message every two seconds.
  var notices = {};
  function notice(key, text, sticky) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = notices[key];
    if (!el || !box.contains(el)) {
      el = document.createElement("p");
      el.className = "toast";
      el.setAttribute("role", "alert");
      el.dataset.requestError = key;
      box.appendChild(el);
      notices[key] = el;
    }
    el.textContent = text;
    clearTimeout(el.fadeTimer);
    if (!sticky) el.fadeTimer = setTimeout(function () { el.remove(); }, 10000);
  }
  function failureText(kind, status) {
    if (kind === "send") {
      return gettext("The studio did not answer. Check your connection; what you typed is still here, so try again in a moment.");
    }
    if (kind === "timeout") {
      return gettext("The studio took too long to answer. What you typed is still here: try again in a moment.");
    }
    if (status === 403) {
      return gettext("That was refused: you may not do this, or you were logged out. Reload the page and try again.");
    }
    if (status === 404 || status === 410) {
      return gettext("That is no longer here. Reload the page to see what is.");
    }
    if (status === 413) return gettext("That is too large to send.");
    if (status === 429) return gettext("Too many requests at once. Wait a moment and try again.");
    if (status >= 500) {
      return gettext("Something went wrong in the studio and that was not done. What you typed is still here: try again in a moment.");
    }
    return interpolate(gettext("That did not work (error %(status)s). What you typed is still here: try again."),
      {status: status}, true);
  }
  function requestFailed(kind) {
    return function (event) {
      var elt = event.detail && event.detail.elt;
      var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
      if (elt && elt.id === "poller") {
        notice("poller", gettext("Live updates are paused: the studio does not answer. They start again by themselves."), true);
        return;
      }
      notice(kind + status, failureText(kind, status), false);
    };
  }
  document.addEventListener("htmx:responseError", requestFailed("response"));
  document.addEventListener("htmx:sendError", requestFailed("send"));
  document.addEventListener("htmx:timeout", requestFailed("timeout"));
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "poller" && event.detail.successful && notices.poller) {
      notices.poller.remove();
      delete notices.poller;
    }
  });

  // Escape in the rename box cancels it (trigger filters would need eval). The request is made here, not by
  // triggering the box's hx-trigger="escape": htmx binds that only once the new box has settled (~20 ms
  // after it shows), and an Escape pressed sooner was lost.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Escape" && box.closest && box.closest(".lib-rename")
        && box.matches("[hx-trigger=escape]") && window.htmx) {
      window.htmx.ajax("GET", box.getAttribute("hx-get"), {
        source: box, target: box.closest("form"), swap: "outerHTML"
      });
    }
  });

  document.addEventListener("input", function (event) { updateCounters(event.target.form || document); });
  document.addEventListener("change", function (event) { updateCounters(event.target.form || document); });
  document.addEventListener("DOMContentLoaded", function () { updateCounters(document); tickClocks(); });
  document.addEventListener("htmx:afterSettle", function () { updateCounters(document); tickClocks(); });
  setInterval(tickClocks, 1000);
})();
