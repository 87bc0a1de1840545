/* Plan-keeper page behaviour. Served from 'self' (CSP): no inline scripts or handlers.
 *
 * 1. Body-map pickers: clicking a region on the map ticks its checkbox; ticking a checkbox
 *    highlights the region. The checkboxes stay the accessible control.
 * 2. Automatic logoff on the shared screen: after <body data-idle-seconds> without a request
 *    the logout form is posted; a warning with a "Stay signed in" button shows a minute before.
 */
(function () {
  "use strict";

  // --- 1. body-map pickers ---------------------------------------------------------------
  function pickerInputs(map) {
    var name = map.getAttribute("data-picker");
    var form = map.closest("form") || document;
    return form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
  }

  function syncMap(map) {
    var selected = {};
    pickerInputs(map).forEach(function (input) {
      if (input.checked) { selected[input.value] = true; }
    });
    map.querySelectorAll(".region[data-region]").forEach(function (shape) {
      shape.classList.toggle("is-selected", !!selected[shape.getAttribute("data-region")]);
    });
    var avoidName = map.getAttribute("data-avoid-field");
    if (avoidName) {
      var form = map.closest("form") || document;
      var avoided = {};
      form.querySelectorAll('input[type="checkbox"][name="' + avoidName + '"]').forEach(function (input) {
        if (input.checked) { avoided[input.value] = true; }
      });
      map.querySelectorAll(".region[data-region]").forEach(function (shape) {
        shape.classList.toggle("is-avoid", !!avoided[shape.getAttribute("data-region")]);
      });
    }
  }

  function initPickers(root) {
    root.querySelectorAll(".bodymap[data-picker]").forEach(function (map) {
      if (map.dataset.ready) { return; }
      map.dataset.ready = "1";
      map.addEventListener("click", function (event) {
        var shape = event.target.closest(".region[data-region]");
        if (!shape) { return; }
        var code = shape.getAttribute("data-region");
        pickerInputs(map).forEach(function (input) {
          if (input.value === code) {
            input.checked = !input.checked;
            input.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
      });
      var form = map.closest("form") || document;
      form.addEventListener("change", function (event) {
        if (event.target && event.target.type === "checkbox") {
          var folded = event.target.closest("details");
          if (folded && event.target.checked) { folded.open = true; }
          syncMap(map);
        }
      });
      syncMap(map);
    });
  }

  // --- 1b. the plan form's region grid: one select per region (treat / avoid / neither);
  //     tapping a region on the map steps it treat -> avoid -> neither.
  var SCOPE_NEXT = { "": "treat", "treat": "avoid", "avoid": "" };

  function syncScope(map) {
    var form = map.closest("form") || document;
    form.querySelectorAll("select.scope-select[data-region]").forEach(function (select) {
      var code = select.getAttribute("data-region");
      select.className = "scope-select scope-select--" + (select.value || "none");
      map.querySelectorAll('.region[data-region="' + code + '"]').forEach(function (shape) {
        shape.classList.toggle("is-prescribed", select.value === "treat");
        shape.classList.toggle("is-avoid", select.value === "avoid");
      });
    });
  }

  function initScope(root) {
    root.querySelectorAll(".bodymap[data-scope-picker]").forEach(function (map) {
      if (map.dataset.ready) { return; }
      map.dataset.ready = "1";
      var form = map.closest("form") || document;
      map.addEventListener("click", function (event) {
        var shape = event.target.closest(".region[data-region]");
        if (!shape) { return; }
        var select = form.querySelector('select.scope-select[data-region="' +
                                        shape.getAttribute("data-region") + '"]');
        if (!select) { return; }
        select.value = SCOPE_NEXT[select.value] || "";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      form.addEventListener("change", function (event) {
        if (event.target && event.target.classList.contains("scope-select")) { syncScope(map); }
      });
      syncScope(map);
    });
  }

  // --- 1c. forms with errors: focus the first invalid field and say so (announced by the
  //     role="alert" summary above it); a folded section holding it is opened first.
  function focusFirstInvalid(root) {
    var field = root.querySelector('[aria-invalid="true"]');
    if (!field) { return false; }
    var folded = field.closest("details");
    if (folded) { folded.open = true; }
    field.focus();
    return true;
  }

  // --- 2. automatic logoff ------------------------------------------------------------------
  var WARN_SECONDS = 60;
  var idle = { limit: 0, last: Date.now(), timer: null, warned: false };

  function secondsLeft() {
    return Math.round(idle.limit - (Date.now() - idle.last) / 1000);
  }

  function hideWarning() {
    var box = document.getElementById("idle-warning");
    if (box) { box.hidden = true; }
    idle.warned = false;
  }

  function renewed() {
    // Any request renews the server-side session (SESSION_SAVE_EVERY_REQUEST).
    idle.last = Date.now();
    hideWarning();
  }

  function signOut() {
    window.clearInterval(idle.timer);
    var form = document.getElementById("logout-form");
    var here = window.location.pathname + window.location.search;
    var login = (document.body.getAttribute("data-login-url") || "/accounts/login/") +
      "?reason=idle&next=" + encodeURIComponent(here);
    var next = document.getElementById("logout-next");
    if (form && next) {
      // The sign-in page says why, and returns to this page afterwards.
      next.value = login;
      form.submit();
    } else if (form) {
      form.submit();
    } else {
      window.location.assign(login);
    }
  }

  function tick() {
    var left = secondsLeft();
    if (left <= 0) { signOut(); return; }
    if (left <= WARN_SECONDS) {
      var box = document.getElementById("idle-warning");
      var count = document.getElementById("idle-countdown");
      if (count) { count.textContent = String(left); }
      if (box && !idle.warned) {
        idle.warned = true;
        box.hidden = false;
        var stay = document.getElementById("idle-stay");
        if (stay) { stay.focus(); }
      }
    }
  }

  function stay() {
    var url = document.body.getAttribute("data-keepalive-url");
    if (!url) { renewed(); return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok) { renewed(); } else { signOut(); }
      })
      .catch(function () { /* offline: keep counting; the server decides */ });
  }

  function initIdle() {
    var seconds = parseInt(document.body.getAttribute("data-idle-seconds") || "", 10);
    if (!seconds || seconds <= 0) { return; }
    idle.limit = seconds;
    idle.last = Date.now();
    var button = document.getElementById("idle-stay");
    if (button) { button.addEventListener("click", stay); }
    document.body.addEventListener("htmx:afterRequest", renewed);
    idle.timer = window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initPickers(document);
    initScope(document);
    focusFirstInvalid(document.getElementById("main") || document);
    initIdle();
    document.body.addEventListener("htmx:load", function (event) {
      initPickers(event.target.parentNode || document);
      initScope(event.target.parentNode || document);
    });
    // After a swap, move focus to a refusal or error so it is read and seen at once.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.target;
      if (!target || !target.querySelector) { return; }
      var alert = target.querySelector("[data-autofocus]");
      if (alert && typeof alert.focus === "function") { alert.focus(); return; }
      focusFirstInvalid(target);
    });
  });
})();
