/* Report downloads (报表下载): a workbook takes seconds to build, so the button says 正在生成… (or the
   page's English) while it is being built, then hands the file to the browser; a refusal is shown on the
   page in its language instead of leaving the user on a bare error page. Without this script the links
   still download (they are plain links). CSP: a static file, no inline script. */
(function () {
  "use strict";

  function filenameOf(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  function showError(link, text) {
    var box = document.querySelector("[data-export-error]");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
  }

  function messageOf(html, fallback) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var alert = doc.querySelector(".alert.error");
      return alert && alert.textContent.trim() ? alert.textContent.trim() : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function download(link) {
    if (link.getAttribute("aria-busy") === "true") { return; }
    var label = link.textContent;
    var box = document.querySelector("[data-export-error]");
    if (box) { box.hidden = true; }
    link.setAttribute("aria-busy", "true");
    link.classList.add("busy");
    link.textContent = link.getAttribute("data-busy-label") || label;
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return response.text().then(function (html) {
            showError(link, messageOf(html, link.getAttribute("data-error-label") || ""));
          });
        }
        return response.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var anchor = document.createElement("a");
          anchor.href = url;
          anchor.download = filenameOf(response, "heatdesk-export");
          document.body.appendChild(anchor);
          anchor.click();
          anchor.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
          link.setAttribute("data-downloaded", anchor.download);
        });
      })
      .catch(function () {
        showError(link, link.getAttribute("data-error-label") || "");
      })
      .then(function () {
        link.textContent = label;
        link.classList.remove("busy");
        link.removeAttribute("aria-busy");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-export]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || !window.fetch) { return; }
    event.preventDefault();
    download(link);
  });
})();
