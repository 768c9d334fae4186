// The checkpoint form on a bad network: a record that cannot be sent is kept on the phone (localStorage) with
// its client_key and the time the car passed, and resent when the network is back (the "online" event and a
// timer). The server stores a client_key once, so a record resent twice is still one passage.
(function () {
  "use strict";
  var OUTBOX = "fangkong.arrivals.outbox";
  var REJECTED = "fangkong.arrivals.rejected";
  var RETRY_MS = 30000;
  var flushing = false;

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key)) || []; } catch (e) { return []; }
  }
  function store(key, items) {
    window.localStorage.setItem(key, JSON.stringify(items));
    render();
  }
  function render() {
    var counts = { "data-outbox-count": load(OUTBOX).length, "data-outbox-rejected": load(REJECTED).length };
    Object.keys(counts).forEach(function (attr) {
      document.querySelectorAll("[" + attr + "]").forEach(function (el) {
        el.hidden = counts[attr] === 0;
        el.textContent = (el.dataset.template || "%n").replace("%n", counts[attr]);
      });
    });
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function fieldsOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    return fields;
  }
  function post(url, fields) {
    return window.fetch(url, {
      method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    });
  }
  // Swap in the page the server answered with (the redirected page with its message, or the form with errors).
  function show(response) {
    return response.text().then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("main");
      var main = document.querySelector("main");
      if (!fresh || !main) { window.location.assign(response.url); return; }
      main.replaceWith(fresh);
      if (response.redirected) window.history.replaceState({}, "", response.url);
      if (window.htmx) window.htmx.process(fresh);
      render();
    });
  }
  function resetForm(form) {
    form.querySelectorAll("fieldset.occupant").forEach(function (fs, index) { if (index > 0) fs.remove(); });
    form.reset();
    form.querySelector("input[name=client_key]").value = newKey();
    var first = form.querySelector("input[name=plate]");
    if (first) first.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline]")) return;
    event.preventDefault();
    var fields = fieldsOf(form);
    var button = form.querySelector("[type=submit]");
    if (button) button.setAttribute("aria-busy", "true");
    post(form.action, fields).then(function (response) {
      if (response.status >= 500) throw new Error("server " + response.status);
      return show(response);
    }).catch(function () {
      // No answer (offline, timeout, server down): keep it on the phone, with the time the car passed.
      var items = load(OUTBOX);
      var withTime = fields.filter(function (f) { return f[0] !== "recorded_at"; });
      withTime.push(["recorded_at", new Date().toISOString()]);
      items.push({ url: form.action, fields: withTime, saved: Date.now() });
      store(OUTBOX, items);
      resetForm(form);
    }).finally(function () {
      if (button) button.removeAttribute("aria-busy");
    });
  });

  function flush() {
    if (flushing) return;
    var items = load(OUTBOX);
    if (!items.length) return;
    flushing = true;
    var remaining = [];
    var rejected = load(REJECTED);
    var chain = Promise.resolve();
    items.forEach(function (item) {
      chain = chain.then(function () {
        return post(item.url, item.fields).then(function (response) {
          var loggedOut = response.redirected && response.url.indexOf("/accounts/login") !== -1;
          if (response.status >= 500 || loggedOut) remaining.push(item);
          else if (response.status >= 400) rejected.push(item);
        }).catch(function () { remaining.push(item); });
      });
    });
    chain.then(function () {
      // Records queued while this flush ran are kept too.
      var added = load(OUTBOX).slice(items.length);
      store(REJECTED, rejected);
      store(OUTBOX, remaining.concat(added));
      flushing = false;
    });
  }

  window.addEventListener("online", flush);
  window.setInterval(flush, RETRY_MS);
  document.addEventListener("DOMContentLoaded", function () { render(); flush(); });
  document.body && document.body.addEventListener("htmx:afterSwap", render);
  window.fangkongArrivalsFlush = flush;
})();
