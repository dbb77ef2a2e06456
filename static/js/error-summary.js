/* Move the focus to a form's error summary when the page shows one (templates/portal/_form_errors.html),
   and from a summary link to its field. A static file: the Content-Security-Policy refuses inline scripts. */
(function () {
  function start() {
    var summary = document.querySelector("[data-error-summary], .error-summary");
    if (!summary) { return; }
    if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) { event.preventDefault(); field.focus(); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
