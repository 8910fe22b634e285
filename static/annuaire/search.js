// As-you-type directory search: progressive enhancement of the GET form (works without JS).
(function () {
  "use strict";
  var form = document.getElementById("annuaire-search");
  var input = document.getElementById("annuaire-q");
  var target = document.getElementById("annuaire-results");
  if (!form || !input || !target || !window.fetch) { return; }
  var timer = null;
  var controller = null;
  var last = null;

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var query = params.toString();
    if (query === last) { return; }
    last = query;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    params.set("fragment", "1");
    fetch(form.getAttribute("data-fragment-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: controller.signal
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      // The fragment is rendered (and escaped) by Django's templates on our own origin.
      var doc = new DOMParser().parseFromString(html, "text/html");
      target.replaceChildren.apply(target, Array.prototype.slice.call(doc.body.childNodes));
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "?" + query);
      }
    }).catch(function () { /* network error or aborted: the submit button still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  form.addEventListener("change", function () { refresh(); });
})();
