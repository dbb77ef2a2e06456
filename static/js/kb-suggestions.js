/* Knowledge suggestions while a participant types an incident title (knowledge/_suggestions.html).
   A static file, not an inline script: the Content-Security-Policy refuses inline scripts. */
(function () {
  var box = document.getElementById("kb-suggestions");
  var input = document.getElementById(box.dataset.input);
  if (!input) { return; }
  var list = box.querySelector("ul");
  var timer = null;
  function show(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = item.title;
      var snippet = document.createElement("p");
      snippet.className = "kb-snippet";
      snippet.innerHTML = item.snippet;  // server-escaped text with <mark> highlights only
      li.appendChild(link);
      li.appendChild(snippet);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 3) { show([]); return; }
      fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { show(data.results || []); })
        .catch(function () { show([]); });
    }, 300);
  });
})();
