// Mass testing field pages (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // A refused scan answers 422 with the tube panel and the service's message: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // htmx focuses the new panel's [autofocus] input and fires htmx:load in the same step, before any key of the
  // next scan is handled: a refused code still in the input is selected then, so the next scan replaces it.
  document.addEventListener("htmx:load", function (event) {
    const panel = event.target;
    if (!panel || panel.id !== "tube-panel") return;
    const input = panel.querySelector("[autofocus]");
    if (!input) return;
    if (document.activeElement !== input) input.focus();
    if (input.value && input.value === input.defaultValue && input.select) input.select();
  });
  // "Use my location": an enhancement of the public page, which works without it.
  function setUpLocate() {
    document.querySelectorAll("[data-locate]").forEach(function (button) {
      if (!("geolocation" in navigator)) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        const form = button.form;
        button.setAttribute("aria-busy", "true");
        navigator.geolocation.getCurrentPosition(function (position) {
          form.querySelector("[name=lat]").value = position.coords.latitude.toFixed(5);
          form.querySelector("[name=lon]").value = position.coords.longitude.toFixed(5);
          form.submit();
        }, function () {
          button.removeAttribute("aria-busy");
          const note = form.querySelector("[data-locate-failed]");
          if (note) note.hidden = false;
        }, {timeout: 10000, maximumAge: 300000});
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpLocate);
  else setUpLocate();
})();
