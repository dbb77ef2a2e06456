/* The agent workspace's keyboard shortcuts and live countdowns (templates/admin/workspace/).
   A static file, not an inline script: the Content-Security-Policy refuses inline scripts.
   Every action still works without it (the forms are plain POSTs). */
(function () {
  "use strict";

  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function openAction(details) {
    document.querySelectorAll("details.ws-action[open]").forEach(function (other) {
      if (other !== details) { other.open = false; }
    });
    details.open = true;
    var field = details.querySelector("select, textarea, input:not([type=hidden])");
    if (field) { field.focus(); }
    details.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      document.querySelectorAll("details.ws-action[open]").forEach(function (d) { d.open = false; });
      var help = document.getElementById("ws-shortcuts");
      if (help) { help.hidden = true; }
      return;
    }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (key === "?") {
      var panel = document.getElementById("ws-shortcuts");
      if (panel) { panel.hidden = !panel.hidden; event.preventDefault(); }
      return;
    }
    var details = document.querySelector('details.ws-action[data-shortcut="' + key + '"]');
    if (details) { event.preventDefault(); openAction(details); return; }
    var form = document.querySelector('form[data-shortcut-form="' + key + '"]');
    if (form) { event.preventDefault(); form.requestSubmit(); return; }
    var focusForm = document.querySelector('form[data-shortcut-focus="' + key + '"]');
    if (focusForm) {
      event.preventDefault();
      focusForm.querySelector("textarea, input:not([type=hidden])").focus();
    }
  });

  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    return (hours ? hours + " h " : "") + minutes + " min";
  }

  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = new Date(el.dataset.due).getTime() - Date.now();
      el.textContent = left >= 0 ? duration(left) + " left" : "breached " + duration(left) + " ago";
      var clock = el.closest(".ws-clock");
      if (clock) { clock.classList.toggle("ws-urgent", left < 30 * 60000); }
    });
  }
  if (document.querySelector("[data-due]")) { setInterval(tick, 30000); }
})();
