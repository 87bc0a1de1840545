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
        if (event.target && event.target.type === "checkbox") { syncMap(map); }
      });
      syncMap(map);
    });
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
    if (form) {
      form.submit();
    } else {
      window.location.assign(document.body.getAttribute("data-login-url") || "/accounts/login/");
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
    initIdle();
    document.body.addEventListener("htmx:load", function (event) {
      initPickers(event.target.parentNode || document);
    });
    // After a swap, move focus to a refusal or error so it is read and seen at once.
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.target;
      var alert = target && target.querySelector ? target.querySelector("[data-autofocus]") : null;
      if (alert && typeof alert.focus === "function") { alert.focus(); }
    });
  });
})();
