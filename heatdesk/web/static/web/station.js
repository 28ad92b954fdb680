/* 供暖所: new work is noticed. A new card to accept beeps (WebAudio), vibrates, raises a browser
   notification where permitted and counts in the title "(N)"; an urgent one repeats until accepted.
   On the board the live part is polled by htmx; on a crew ticket page this polls the board itself. */
(function () {
  "use strict";
  var root = document.querySelector("[data-station-alerts]");
  if (!root) return;
  var boardUrl = root.getAttribute("data-board-url");
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  var known = null; // numbers waiting at the last look (null = first look: nothing is "new")
  var audio = null;
  var URGENT_REPEAT_MS = 15000;

  function enable() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx && !audio) audio = new Ctx();
      if (audio && audio.state === "suspended") audio.resume();
    } catch (e) { audio = null; }
    if (window.Notification && Notification.permission === "default") {
      try { Notification.requestPermission(); } catch (e) { /* old browsers */ }
    }
    root.setAttribute("data-enabled", "1");
    var button = document.querySelector("[data-alerts-enable]");
    if (button) button.hidden = true;
  }
  function beep(urgent) {
    root.setAttribute("data-beeps", String(parseInt(root.getAttribute("data-beeps") || "0", 10) + 1));
    if (!audio) return;
    try {
      var times = urgent ? 3 : 1;
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        var start = audio.currentTime + i * 0.3;
        osc.frequency.value = urgent ? 1175 : 880;
        gain.gain.setValueAtTime(0.25, start);
        gain.gain.exponentialRampToValueAtTime(0.001, start + 0.25);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(start); osc.stop(start + 0.26);
      }
    } catch (e) { /* no sound is better than a broken page */ }
  }
  function notice(fresh) {
    var urgent = fresh.some(function (c) { return c.urgent; });
    beep(urgent);
    if (navigator.vibrate) navigator.vibrate(urgent ? [300, 120, 300, 120, 300] : [250]);
    if (window.Notification && Notification.permission === "granted") {
      try {
        new Notification(root.getAttribute("data-notify-title") || "新工单", {
          body: fresh.map(function (c) { return c.label; }).join("\n"), tag: "heatdesk-new", renotify: true
        });
      } catch (e) { /* some phones allow notifications only from a service worker */ }
    }
  }
  function cardsIn(doc) {
    return Array.prototype.map.call(doc.querySelectorAll("[data-waiting]"), function (el) {
      return { number: el.getAttribute("data-waiting"), urgent: el.hasAttribute("data-urgent"),
               label: el.getAttribute("data-label") || el.getAttribute("data-waiting"), el: el };
    });
  }
  function look(doc) {
    var cards = cardsIn(doc);
    var count = doc.querySelector("[data-waiting-count]");
    var n = count ? parseInt(count.getAttribute("data-waiting-count"), 10) : cards.length;
    document.title = (n ? "(" + n + ") " : "") + baseTitle;
    var fresh = known === null ? [] : cards.filter(function (c) { return known.indexOf(c.number) < 0; });
    known = cards.map(function (c) { return c.number; });
    root.setAttribute("data-urgent-waiting", cards.some(function (c) { return c.urgent; }) ? "1" : "");
    if (fresh.length) {
      fresh.forEach(function (c) { if (c.el.classList) c.el.classList.add("just-in"); });
      var banner = document.querySelector("[data-new-work]");
      if (banner) { banner.hidden = false; banner.querySelector("[data-new-count]").textContent = String(fresh.length); }
      notice(fresh);
    }
  }

  document.addEventListener("click", function (event) {
    if (!root.getAttribute("data-enabled")) enable();
    if (event.target.closest && event.target.closest("[data-alerts-enable]")) event.preventDefault();
  }, true);
  document.addEventListener("touchstart", function () { if (!root.getAttribute("data-enabled")) enable(); }, { passive: true });

  setInterval(function () {
    if (root.getAttribute("data-urgent-waiting")) beep(true);
  }, URGENT_REPEAT_MS);

  if (document.getElementById("board")) {
    look(document);
    document.addEventListener("htmx:afterSwap", function () { look(document); });
    document.addEventListener("heatdesk:board-updated", function () { look(document); });
  } else if (boardUrl) {
    var poll = function () {
      fetch(boardUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.status === 200 ? r.text() : null; })
        .then(function (html) {
          if (html) look(new DOMParser().parseFromString(html, "text/html"));
        })
        .catch(function () { /* offline for a moment: try again */ });
    };
    poll();
    setInterval(poll, 5000);
  }
})();
