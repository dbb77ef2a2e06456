/* The console's communication form (templates/incidents/admin/_multiparty.html): the message
   starts from the template draft of the chosen kind. Choosing another kind puts that kind's
   draft in, unless the agent has already edited the text. A static file, not an inline
   script: the Content-Security-Policy refuses inline scripts. Without it the form still
   works (the update draft is there; the agent edits it). */
(function () {
  "use strict";

  document.querySelectorAll("select[data-drafts-for]").forEach(function (select) {
    var body = document.getElementById(select.dataset.draftsFor);
    if (!body) { return; }
    var shown = body.value;
    select.addEventListener("change", function () {
      var next = select.options[select.selectedIndex].dataset.draft || "";
      if (body.value.trim() === "" || body.value === shown) {
        body.value = next;
        shown = next;
      }
    });
  });
})();
