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

  // A filter bar sends "change" and then "submit" when Enter is pressed in a box (queued one
  // after the other): the second asks for exactly what the first got. It is not sent, so it
  // does not replace the results a second time (closing, say, a "Save this view" just opened).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.filters")) return;
    var query = new URLSearchParams(new FormData(form)).toString();
    if (form.getAttribute("data-last-query") === query) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-last-query", query);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!event.detail.successful && elt && elt.removeAttribute) {
      elt.removeAttribute("data-last-query"); // a failed request may be asked again
    }
    if (event.detail.successful) {
      var region = document.getElementById("request-problem");
      if (region) region.hidden = true;
    }
  });
})();
