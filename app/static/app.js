/* Mueang Ruam Kit: live updates, the shared timer, and drafts that survive a bad connection.
   Pages work without this file; it only makes them live. */
(function () {
  "use strict";

  var banner = document.getElementById("connection");
  function say(kind) {
    if (!banner) return;
    if (!kind) { banner.hidden = true; return; }
    banner.textContent = banner.getAttribute("data-" + kind) || "";
    banner.hidden = false;
  }

  /* Live stream: each event carries out-of-band swaps; the browser's EventSource reconnects
     by itself and resumes from the last event id, so nothing is missed. */
  var root = document.querySelector("[data-live-url]");
  if (root && window.EventSource && window.htmx) {
    var source = new EventSource(root.getAttribute("data-live-url"));
    source.onmessage = function (event) {
      if (event.data) htmx.swap(document.body, event.data, { swapStyle: "none" });
    };
    source.onerror = function () { say("lost"); };
    source.onopen = function () { say(null); resend(); };
  } else if (root) {
    /* No EventSource: refresh now and then, unless someone is typing (drafts are kept anyway). */
    setInterval(function () {
      var active = document.activeElement;
      if (!active || active.tagName !== "TEXTAREA") window.location.reload();
    }, 30000);
  }

  /* A panel answered by one's own action is fresher than the live event that action caused:
     never let an older state replace a newer one (and with it, what is being ticked or typed). */
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var current = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!current || !incoming || !current.getAttribute || !incoming.getAttribute) return;
    var shown = parseInt(current.getAttribute("data-seq"), 10);
    var arriving = parseInt(incoming.getAttribute("data-seq"), 10);
    if (!isNaN(shown) && !isNaN(arriving) && arriving <= shown) event.detail.shouldSwap = false;
  });

  /* A sorted or filtered wall (console, projector) cannot take new ideas on top: fetch it again. */
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var list = document.getElementById("wall-list"), target = event.detail.target;
    if (!list || !target || !list.hasAttribute("data-refetch")) return;
    if (target === list) event.detail.shouldSwap = false;
    if (target === list || /^idea-\d+-plus$/.test(target.id || "")) htmx.trigger(list, "refresh");
  });

  /* The same idea can arrive twice (the answer to one's own post, then the stream): insert once. */
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    var wrapper = event.detail.fragment;
    /* Only inline swaps (afterbegin, beforeend) hand over an element whose children are inserted. */
    if (!wrapper || wrapper.nodeType !== 1) return;
    Array.prototype.slice.call(wrapper.children).forEach(function (child) {
      if (child.id && document.getElementById(child.id)) {
        wrapper.removeChild(child);
      }
    });
  });

  /* A moderated idea arrives the same for every phone: keep this phone's own +1 marks. */
  function isWallPart(element) {
    return element && (element.id === "wall-list" || (element.matches && element.matches("li.idea")));
  }
  function pressedIn(element) {
    var own = element.matches("li.idea") ? [element] : [];
    return own.concat(Array.prototype.slice.call(element.querySelectorAll("li.idea")))
      .filter(function (item) { return item.querySelector("button.plus[aria-pressed='true']"); })
      .map(function (item) { return item.id; });
  }
  function markPressed(ids) {
    ids.forEach(function (id) {
      var item = document.getElementById(id);
      var button = item && item.querySelector("button.plus");
      if (!button) return;
      button.setAttribute("aria-pressed", "true");
      button.value = "0";
    });
  }
  var pressed = [];
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (isWallPart(event.detail.target)) pressed = pressedIn(event.detail.target);
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!pressed.length) return;
    markPressed(pressed);
    pressed = [];
  });

  /* An idea restored to the wall that this phone does not show: put it in its place (newest
     first), unless it belongs to an older page not loaded yet, which will bring it. */
  document.body.addEventListener("htmx:oobErrorNoTarget", function (event) {
    var item = event.detail.content;
    var list = document.getElementById("wall-list");
    if (!list || !item || !item.matches || !item.matches("li.idea")) return;
    var number = function (element) { return parseInt(element.id.replace("idea-", ""), 10); };
    var next = Array.prototype.find.call(list.querySelectorAll(":scope > li.idea"),
      function (shown) { return number(shown) < number(item); });
    var more = list.querySelector(":scope > li.more");
    if (!next && more) return;
    item.removeAttribute("hx-swap-oob");
    list.insertBefore(item, next || null);
    htmx.process(item);
  });

  /* The phone page follows the phase: put its sections in the new order, or reload when the
     new screen needs a section this page does not have (drafts survive the reload). */
  document.body.addEventListener("htmx:oobAfterSwap", function (event) {
    var flow = document.getElementById("phone-flow");
    if (!event.detail.target || event.detail.target.id !== "phase-panel" || !flow) return;
    var panel = document.getElementById("phase-panel"); /* the new one (the target is the old) */
    var mode = panel.getAttribute("data-mode");
    if (!mode || mode === flow.getAttribute("data-mode")) return;
    var order = (panel.getAttribute("data-order") || "").split(" ");
    var missing = order.some(function (id) { return id === "closing" && !document.getElementById(id); });
    if (missing) { window.location.reload(); return; }
    Array.prototype.forEach.call(flow.children, function (child) { child.hidden = order.indexOf(child.id) < 0; });
    order.forEach(function (id) {
      var section = document.getElementById(id);
      if (section && section.parentNode === flow) flow.appendChild(section);
    });
    flow.setAttribute("data-mode", mode);
  });

  /* Irreversible actions ask first: a form with data-confirm opens its <dialog>; "yes" sends
     the form with confirm=yes. (Without this script the server asks on a page instead.) */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var dialog = form.getAttribute && document.getElementById(form.getAttribute("data-confirm"));
    if (!dialog || !dialog.showModal || form.querySelector("input[name=confirm]")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") return;
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "confirm"; input.value = "yes";
      form.appendChild(input);
      form.requestSubmit();
    };
    dialog.showModal();
  }, true);

  /* A failed send leaves the form as it was (its idempotency key too); say so, and send a
     draft form again once the connection is back: the key makes it count exactly once. */
  var unsent = null;
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.body.addEventListener(name, function (event) {
      say("unsent");
      var form = event.detail && event.detail.elt;
      if (form && form.getAttribute && form.getAttribute("data-draft")) unsent = form;
    });
  });
  function resend() {
    var form = unsent;
    unsent = null;
    if (form && document.body.contains(form) && window.htmx) htmx.trigger(form, "submit");
  }
  window.addEventListener("online", resend);
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status > 0 && banner && banner.textContent === banner.getAttribute("data-unsent")) say(null);
  });
  /* Sent: forget the draft before the fresh form arrives, so it does not come back. */
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var form = config && config.elt; /* the element that made the request */
    var ok = event.detail.xhr && event.detail.xhr.status >= 200 && event.detail.xhr.status < 300;
    if (ok && form && form.getAttribute && form.getAttribute("data-draft")) {
      try { localStorage.removeItem("draft:" + form.getAttribute("data-draft")); } catch (e) { /* private mode */ }
    }
  });

  /* Drafts: what is typed is kept in this browser until it is sent. */
  function restoreDrafts(scope) {
    var forms = (scope.querySelectorAll ? scope : document).querySelectorAll("form[data-draft]");
    Array.prototype.forEach.call(forms, function (form) {
      var area = form.querySelector("textarea");
      if (!area) return;
      var key = "draft:" + form.getAttribute("data-draft");
      try {
        var saved = localStorage.getItem(key);
        if (saved && !area.value) area.value = saved;
      } catch (e) { return; }
      area.addEventListener("input", function () {
        try { if (area.value) localStorage.setItem(key, area.value); else localStorage.removeItem(key); } catch (e) { /* full */ }
      });
    });
  }
  restoreDrafts(document);
  document.body.addEventListener("htmx:load", function (event) { restoreDrafts(event.detail.elt); });

  /* A live count next to a text box; the box's own maxlength is the rule's limit. */
  function countChars(area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) return;
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    out.textContent = out.getAttribute("data-text").replace("{used}", area.value.length.toLocaleString())
      .replace("{limit}", limit.toLocaleString());
    out.classList.toggle("full", area.value.length >= limit);
  }
  function watchCounters(scope) {
    var areas = (scope.querySelectorAll ? scope : document).querySelectorAll("textarea[data-counter]");
    Array.prototype.forEach.call(areas, function (area) {
      countChars(area);
      area.addEventListener("input", function () { countChars(area); });
    });
  }
  watchCounters(document);
  document.body.addEventListener("htmx:load", function (event) { watchCounters(event.detail.elt); });

  /* The shared timer counts down locally from what the server said was left. */
  setInterval(function () {
    var now = Date.now();
    Array.prototype.forEach.call(document.querySelectorAll(".timer[data-running='true']"), function (el) {
      if (!el._start) { el._start = now; el._left = parseInt(el.getAttribute("data-remaining"), 10) || 0; }
      var left = Math.max(0, el._left - Math.floor((now - el._start) / 1000));
      var clock = el.querySelector(".clock");
      if (clock) clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      el.classList.toggle("done", left === 0);
    });
  }, 250);

  /* Ballots: steppers for dots, tap-to-order for ranks, and what is left to give.
     Without this script the number fields, selects and checkboxes submit the same ballot. */
  function ballotRemaining(form) {
    var out = form.querySelector("[data-remaining]");
    if (!out) return;
    var kind = out.getAttribute("data-kind"), limit = parseInt(out.getAttribute("data-limit"), 10);
    var used = 0;
    if (kind === "dot") {
      form.querySelectorAll("input.dots").forEach(function (i) { used += parseInt(i.value, 10) || 0; });
    } else if (kind === "budget") {
      form.querySelectorAll("input[data-cost]:checked").forEach(function (i) { used += parseInt(i.getAttribute("data-cost"), 10) || 0; });
    } else {
      used = form.querySelectorAll("input[type=checkbox]:checked").length;
    }
    var left = limit - used;
    var text = left < 0 && out.getAttribute("data-over") ? out.getAttribute("data-over") : out.getAttribute(left === 1 ? "data-one" : "data-other");
    var shown = left < 0 && kind === "budget" ? -left : left;
    out.textContent = text.replace("{n}", shown.toLocaleString());
    out.classList.toggle("over", left < 0);
  }

  function renumberRanks(form) {
    form.querySelectorAll(".ballot-row").forEach(function (row) {
      var select = row.querySelector("select"), badge = row.querySelector(".rank-badge");
      if (select && badge) {
        badge.textContent = select.value;
        row.classList.toggle("ranked", select.value !== "");
      }
    });
  }

  function tapRank(form, row) {
    var select = row.querySelector("select");
    var selects = Array.prototype.slice.call(form.querySelectorAll(".ballot-row select"));
    var max = parseInt(form.getAttribute("data-max-ranks"), 10) || selects.length;
    var limitNote = document.getElementById("rank-limit");
    if (select.value) {
      /* Removing a choice moves those below it up, so ranks never have gaps. */
      var removed = parseInt(select.value, 10);
      if (limitNote) limitNote.hidden = true;
      select.value = "";
      selects.forEach(function (s) { var v = parseInt(s.value, 10); if (v > removed) s.value = String(v - 1); });
    } else {
      var taken = selects.filter(function (s) { return s.value; }).length;
      if (taken >= max) { if (limitNote) limitNote.hidden = false; return; } /* say why */
      select.value = String(taken + 1);
    }
    renumberRanks(form);
  }

  document.querySelectorAll("form.ballot-form").forEach(function (form) {
    if (form.getAttribute("data-method") === "ranked") {
      form.classList.add("tap-ranking");
      renumberRanks(form);
    }
    form.addEventListener("click", function (event) {
      var step = event.target.closest("[data-step]");
      if (step) {
        var input = step.parentNode.querySelector("input");
        var max = parseInt(input.getAttribute("max"), 10);
        var next = (parseInt(input.value, 10) || 0) + parseInt(step.getAttribute("data-step"), 10);
        input.value = String(Math.max(0, isNaN(max) ? next : Math.min(max, next)));
        ballotRemaining(form);
      }
      var tap = event.target.closest("[data-rank-tap]");
      if (tap) tapRank(form, tap.closest(".ballot-row"));
    });
    form.addEventListener("input", function () { ballotRemaining(form); renumberRanks(form); });
    form.addEventListener("change", function () { ballotRemaining(form); renumberRanks(form); });
  });

  /* "Use my location" on a proposal form: the phone's position fills the map point's two
     fields (6 decimals), which people can still correct; without this script, or without
     geolocation, the button stays hidden and the fields are typed. */
  if (navigator.geolocation) {
    document.querySelectorAll("[data-locate]").forEach(function (button) {
      var form = button.form;
      var status = button.parentNode.querySelector("[data-locate-status]");
      function tell(kind) { if (status) status.textContent = status.getAttribute("data-" + kind) || ""; }
      button.hidden = false;
      button.addEventListener("click", function () {
        tell("busy");
        navigator.geolocation.getCurrentPosition(function (position) {
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          tell("done");
        }, function () { tell("failed"); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
      });
    });
  }
})();
