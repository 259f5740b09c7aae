// Every page: when an htmx request gets no usable answer (the server is down or answers 5xx,
// e.g. 503 while the database is unreachable), say so in the page instead of doing nothing.
// 4xx answers are swapped in by htmx (see the htmx-config meta in base.html).
(function () {
  "use strict";

  function show(text) {
    var region = document.getElementById("request-problem");
    if (!region) return;
    region.textContent = text;
    region.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var said = (xhr.responseText || "").trim();
    // A short plain-text answer is meant for people; an HTML error page is not shown raw.
    if (!said || said.charAt(0) === "<" || said.length > 300) {
      said = "Please try again in a moment.";
    }
    show("The server could not answer (" + xhr.status + "). " + said);
  });

  document.addEventListener("htmx:sendError", function () {
    show("Forcerank could not be reached. Check the connection and try again.");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var region = document.getElementById("request-problem");
      if (region) region.hidden = true;
    }
  });
})();
