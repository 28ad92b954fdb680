/* 话务台 keyboard: Enter never sends an order (it confirms a candidate or moves on); Ctrl+Enter submits;
   Alt shortcuts for a new call, category, 紧急, repeat call, guidance 是/否 and guide-then-dispatch; `?` lists them. */
(function () {
  "use strict";
  var form = document.querySelector("[data-intake-form]");
  if (!form) return;
  var ENTER_NEXT = { caller_phone: "id_address", address: "id_description", caller_name: "id_address" };

  function focusables() {
    return Array.prototype.filter.call(
      form.querySelectorAll("input:not([type=hidden]):not([type=radio]), select, textarea"),
      function (el) { return !el.disabled && el.offsetParent !== null; }
    );
  }
  function moveOn(from) {
    var next = ENTER_NEXT[from.name] && document.getElementById(ENTER_NEXT[from.name]);
    if (!next) {
      var all = focusables(), i = all.indexOf(from);
      next = all[i + 1];
    }
    if (next) next.focus();
  }
  function submitWith(value) {
    var button = document.querySelector('button[type=submit][name=submit][value="' + value + '"]');
    if (!button) return;
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  // Enter: confirm the top candidate when the address is uncertain, else move to the next field.
  function onEnter(event) {
    var el = event.target;
    if (el.tagName === "TEXTAREA" || el.tagName === "BUTTON" || el.tagName === "A") return;
    event.preventDefault();
    if (el.name === "address") {
      var candidate = document.querySelector("#resolution .candidates button.candidate");
      if (candidate) { candidate.click(); return; }
    }
    moveOn(el);
  }

  function explicitSubmit(value) { submitWith(value); }

  function setCategory(index) {
    var radios = form.querySelectorAll('input[name="category"]');
    var radio = radios[index];
    if (radio) { radio.click(); }
  }
  function toggleUrgent() {
    var urgent = form.querySelector('input[name="urgency"][value="urgent"]');
    var normal = form.querySelector('input[name="urgency"][value="normal"]');
    if (urgent && normal) (urgent.checked ? normal : urgent).checked = true;
  }

  // The guidance script: one question at a time, 是/否 follows the script's yes/no pointers.
  function walk() { return document.querySelector("[data-guidance]"); }
  function showStep(list, code) {
    list.setAttribute("data-current", code || "");
    list.querySelectorAll(".step").forEach(function (li) {
      var current = li.getAttribute("data-step") === code;
      li.classList.toggle("current", current);
      li.hidden = !current && !li.classList.contains("answered");
    });
  }
  function finish(outcome) {
    var box = document.querySelector("[data-outcome]");
    if (!box) return;
    var key = outcome === "solved" ? "solved" : (outcome === "urgent_dispatch" ? "urgent" : "dispatch");
    box.textContent = box.getAttribute("data-" + key);
    box.hidden = false;
    if (key === "urgent") { var u = form.querySelector('input[name="urgency"][value="urgent"]'); if (u) u.checked = true; }
    var target = document.querySelector('[data-guide="' + (key === "solved" ? "solved" : "dispatch") + '"]')
      || document.querySelector('[data-guide="dispatch"]');
    if (target) { target.classList.add("suggested"); target.focus(); }
  }
  function answer(yes) {
    var list = walk();
    if (!list) return;
    var li = list.querySelector('.step[data-step="' + list.getAttribute("data-current") + '"]');
    if (!li) return;
    var box = li.querySelector('input[name="steps"]');
    if (box) box.checked = true;
    li.classList.add("answered");
    li.classList.remove("current");
    var out = li.querySelector("[data-answered]");
    if (out) out.textContent = yes ? "→ 是" : "→ 否";
    var next = li.getAttribute(yes ? "data-yes" : "data-no");
    if (list.querySelector('.step[data-step="' + next + '"]')) showStep(list, next);
    else { showStep(list, ""); finish(next); }
  }
  function initWalk() {
    var list = walk();
    if (!list || list.getAttribute("data-ready")) return;
    list.setAttribute("data-ready", "1");
    showStep(list, list.getAttribute("data-first"));
  }

  function overlay(show) {
    var box = document.getElementById("shortcuts");
    if (!box) return;
    box.hidden = show === undefined ? !box.hidden : !show;
    if (!box.hidden) { var close = box.querySelector("[data-shortcuts-close]"); if (close) close.focus(); }
  }
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") && el.type !== "radio" && el.type !== "checkbox";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      explicitSubmit("dispatch");
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && event.target.form === form) { onEnter(event); return; }
    if (event.key === "Escape") { overlay(false); return; }
    if (event.key === "?" && !typing(event.target)) { event.preventDefault(); overlay(); return; }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var code = event.code || "";
    var handled = true;
    if (/^Digit[1-9]$/.test(code)) setCategory(parseInt(code.slice(5), 10) - 1);
    else if (code === "KeyN") window.location.href = form.getAttribute("action");
    else if (code === "KeyU") toggleUrgent();
    else if (code === "KeyR") { var r = document.querySelector("#history [data-repeat]"); if (r) r.click(); }
    else if (code === "KeyY") answer(true);
    else if (code === "KeyX") answer(false);
    else if (code === "KeyG") explicitSubmit("guide_dispatch");
    else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("button");
    if (!el) return;
    if (el.hasAttribute("data-answer")) { answer(el.getAttribute("data-answer") === "yes"); return; }
    if (el.hasAttribute("data-shortcuts-open")) { overlay(true); return; }
    if (el.hasAttribute("data-shortcuts-close")) { overlay(false); return; }
    var number = el.getAttribute("data-relate");
    if (number) {
      var holder = document.getElementById("related-field");
      var existing = holder.querySelector('input[value="' + number + '"]');
      if (existing) { existing.remove(); el.setAttribute("aria-pressed", "false"); el.textContent = el.getAttribute("data-label-off") || el.textContent; }
      else {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "related"; input.value = number;
        holder.appendChild(input);
        el.setAttribute("data-label-off", el.textContent);
        el.setAttribute("aria-pressed", "true");
        el.textContent = el.getAttribute("data-label-on");
      }
    }
  });
  // 重点关爱: a household on the vulnerable register is urgent by default — ticked once per household,
  // so the operator's own choice stands while the address panel refreshes.
  function careUrgent() {
    var flag = document.querySelector("#resolution [data-vulnerable]");
    var form = document.getElementById("intake-form");
    if (!flag || !form) { return; }
    var key = flag.getAttribute("data-care-key") || "";
    var urgent = form.querySelector('input[name="urgency"][value="urgent"]');
    if (urgent && form.dataset.careUrgent !== key) { urgent.checked = true; form.dataset.careUrgent = key; }
  }
  document.addEventListener("htmx:afterSwap", initWalk);
  document.addEventListener("htmx:afterSwap", careUrgent);
  initWalk();
  careUrgent();
})();
