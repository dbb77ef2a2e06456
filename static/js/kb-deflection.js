/* Record that an article opened from a suggestion deflected an incident (knowledge/article.html).
   A static file, not an inline script: the Content-Security-Policy refuses inline scripts. */
(function () {
  var el = document.getElementById("kb-deflection");
  var body = new URLSearchParams({q: el.dataset.q});
  fetch(el.dataset.url, {method: "POST", body: body, credentials: "same-origin",
                         headers: {"X-CSRFToken": el.dataset.csrf}});
})();
