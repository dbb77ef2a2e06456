/* Copy buttons: <button data-copy-target="ID"> copies the text of element ID (an API key shown
   once, recovery codes) and says so in the next .copy-status. A static file: the
   Content-Security-Policy refuses inline scripts. */
(function () {
  function say(button, text) {
    var status = button.parentElement.querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copyTarget);
      if (!source) { return; }
      var text = source.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { say(button, "Copied."); },
          function () { say(button, "Select the text and copy it."); });
      } else {  // plain http (a local run): select the text for Ctrl-C
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        say(button, document.execCommand && document.execCommand("copy")
          ? "Copied." : "Selected: press Ctrl-C to copy.");
      }
    });
  });
})();
