// The service hall's screen: each list marked data-rotate shows data-rows rows at a time and
// the next ones every data-seconds seconds, round and round. Without this script every row is
// shown and the page still reloads itself (meta refresh). No network access, no inline code
// (Content-Security-Policy: script-src 'self').
(function () {
  "use strict";

  function rotate(panel) {
    var rows = Array.prototype.slice.call(panel.querySelectorAll("tbody tr"));
    var size = parseInt(panel.getAttribute("data-rows"), 10) || 8;
    var seconds = parseInt(panel.getAttribute("data-seconds"), 10) || 15;
    var status = panel.querySelector("[data-page-status]");
    var format = panel.getAttribute("data-page-format") || "{page} / {pages}";
    var pages = Math.ceil(rows.length / size);
    var page = 0;
    if (pages < 2) {
      return;
    }

    function show() {
      rows.forEach(function (row, i) {
        row.hidden = Math.floor(i / size) !== page;
      });
      if (status) {
        status.textContent = format.replace("{page}", page + 1).replace("{pages}", pages);
      }
    }

    show();
    window.setInterval(function () {
      page = (page + 1) % pages;
      show();
    }, Math.max(seconds, 3) * 1000);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-rotate]"), rotate);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
