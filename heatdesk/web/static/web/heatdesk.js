/* Heatdesk pages: SLA countdowns, leak → urgent, callback form, submit-once. No framework; htmx does the rest. */
(function () {
  "use strict";
  var body = document.body;
  var skew = 0; // server now − browser now, so countdowns follow the server's clock
  function t(key) { return body.getAttribute("data-" + key) || ""; }

  // The same words as the server's clocks.duration_text, from the page's translated formats.
  function fmt(key, values) {
    return t("fmt-" + key).replace(/%\((\w)\)s/g, function (_, name) { return values[name]; });
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return fmt("dh", { d: d, h: h });
    if (h) return fmt("hm", { h: h, m: m });
    if (m) return fmt("m", { m: m });
    return fmt("s", { s: s });
  }

  function tick() {
    var now = Date.now() + skew;
    var clocks = document.querySelectorAll(".clock[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      if (el.getAttribute("data-met")) continue;
      var due = Date.parse(el.getAttribute("data-due"));
      var warn = Date.parse(el.getAttribute("data-warn"));
      var left = (due - now) / 1000;
      var state = now >= due ? "overdue" : (now >= warn ? "warning" : "ok");
      var text = left < 0 ? fmt("over", { d: duration(-left) }) : fmt("left", { d: duration(left) });
      var span = el.querySelector(".clock-text");
      if (span && span.textContent !== text) span.textContent = text;
      if (!el.classList.contains(state)) {
        el.classList.remove("ok", "warning", "overdue");
        el.classList.add(state);
      }
    }
  }

  // 漏水/跑水 is urgent (DESIGN §3): choosing it selects 紧急.
  function onCategoryChange(event) {
    var input = event.target;
    if (input.name !== "category" || !input.checked) return;
    if (input.value === "leak") {
      var urgent = document.querySelector('input[name="urgency"][value="urgent"]');
      if (urgent) urgent.checked = true;
    }
  }

  // The three callback questions only matter when the citizen was reached.
  function syncCallback(form) {
    var reached = form.querySelector('input[name="reached"]:checked');
    var block = form.querySelector(".reached-only");
    if (block) block.hidden = !!(reached && reached.value === "no");
  }
  function onCallbackChange(event) {
    var form = event.target.closest("[data-callback-form]");
    if (form && event.target.name === "reached") syncCallback(form);
  }

  // A form with data-submit-once ignores a second submit (the idempotency key guards the server too).
  function onSubmit(event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.getAttribute("data-submitting")) { event.preventDefault(); return; }
    form.setAttribute("data-submitting", "1");
    setTimeout(function () { form.removeAttribute("data-submitting"); }, 8000);
  }

  // The wall's bar chart (ECharts, vendored): drawn again after each live refresh, without animation.
  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.getInstanceByDom(el) || window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
        legend: { top: 0, textStyle: { fontSize: 12 } },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.stations, inverse: true },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "open", data: s.data, itemStyle: { color: s.color }, barMaxWidth: 18 };
        })
      }, true);
    });
  }
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
  window.addEventListener("load", drawCharts);
  // A wall left open all shift must not pile up chart instances: free them before htmx replaces them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!window.echarts) return;
    event.detail.target.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  });

  // The wall's poll waits while the lead writes an urge note: a swap would close the note and lose the text.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "wall-live") return;
    if (elt.querySelector("details.urge[open]")) event.preventDefault();
  });

  // The station board's poll asks for a diff: only the cards changed since its last answer, plus each
  // lane's order; unchanged cards stay in place. Anything it cannot place → the next poll takes it whole.
  var board = { since: null, version: null };
  function cardNumber(card) {
    var num = card.querySelector("a.num");
    return num ? num.textContent.trim() : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "board") return;
    if (board.since === null) return;
    event.detail.headers["X-Board-Diff"] = "1";
    var url = new URL(event.detail.path, window.location.href);
    if (board.version !== null) url.searchParams.set("v", board.version);
    url.searchParams.set("since", board.since);
    event.detail.path = url.pathname + url.search;
  });
  function applyBoardDiff(target, diff) {
    var fresh = document.createElement("div");
    fresh.innerHTML = diff.html;
    var lanes = target.querySelectorAll("section.lane");
    var freshLanes = fresh.querySelectorAll("section.lane");
    var names = Object.keys(diff.lanes);
    if (lanes.length !== names.length || freshLanes.length !== names.length) return false;
    var rebuilt = [];
    for (var i = 0; i < names.length; i++) {
      var have = {}, got = {};
      lanes[i].querySelectorAll("article").forEach(function (c) { have[cardNumber(c)] = c; });
      freshLanes[i].querySelectorAll("article").forEach(function (c) { got[cardNumber(c)] = c; });
      var children = [freshLanes[i].querySelector("h2")];
      var order = diff.lanes[names[i]].order;
      for (var j = 0; j < order.length; j++) {
        var card = got[order[j]] || have[order[j]];
        if (!card) return false;
        children.push(card);
      }
      freshLanes[i].querySelectorAll(":scope > p").forEach(function (p) { children.push(p); });
      rebuilt.push(children);
    }
    lanes.forEach(function (lane, k) { lane.replaceChildren.apply(lane, rebuilt[k]); });
    return true;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "board") return;
    var xhr = event.detail.xhr;
    var since = xhr.getResponseHeader("X-Board-Since");
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") !== 0) {
      board.since = since;
      board.version = xhr.getResponseHeader("X-Board-Version");
      return;
    }
    event.detail.shouldSwap = false;
    var diff = JSON.parse(xhr.responseText);
    if (applyBoardDiff(event.detail.target, diff)) {
      board.since = since;
      board.version = diff.version;
      tick();
      // No htmx swap happened: tell the board's listeners (new-work alerts) the cards changed.
      document.dispatchEvent(new CustomEvent("heatdesk:board-updated"));
    } else {
      board.since = null;  // the next poll takes the whole board
      board.version = null;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var serverNow = Date.parse(t("now"));
    if (!isNaN(serverNow)) skew = serverNow - Date.now();
    if (!isNaN(serverNow) && document.getElementById("board")) board.since = (serverNow / 1000).toFixed(3);
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("[data-callback-form]").forEach(syncCallback);
  });
  // Show the chosen photo's name (the native file input is hidden behind its big label).
  function onFileChange(event) {
    var input = event.target;
    if (input.type !== "file") return;
    var out = input.form && input.form.querySelector("[data-file-name]");
    if (out) out.textContent = input.files && input.files.length ? input.files[0].name : "";
    // A crew's photo goes up as soon as it is chosen (no second tap on a cold stairwell).
    if (input.form && input.form.hasAttribute("data-auto-upload") && input.files && input.files.length) {
      if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
    }
  }

  // 处置完成 asks once more: the first tap arms the button, the second (within 8 s) submits.
  function onConfirmClick(event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (!button || button.getAttribute("data-armed")) return;
    if (button.form && !button.form.checkValidity()) return; // let the browser name the missing field
    event.preventDefault();
    button.setAttribute("data-armed", "1");
    button.setAttribute("data-label", button.textContent);
    button.textContent = button.getAttribute("data-confirm");
    button.classList.add("armed");
    setTimeout(function () {
      button.removeAttribute("data-armed");
      button.classList.remove("armed");
      button.textContent = button.getAttribute("data-label");
    }, 8000);
  }
  document.addEventListener("click", onConfirmClick, true);

  document.addEventListener("change", onCategoryChange);
  document.addEventListener("change", onFileChange);
  document.addEventListener("change", onCallbackChange);
  document.addEventListener("submit", onSubmit, true);
  document.addEventListener("htmx:afterSwap", function () {
    tick();
    drawCharts();
    document.querySelectorAll("[data-callback-form]").forEach(syncCallback);
  });
})();
