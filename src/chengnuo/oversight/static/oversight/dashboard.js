/* The rollout at a glance: draws the charts from the page's JSON data block with the vendored
   Apache ECharts (no CDN, no inline script). The tables show every figure without it. */
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("oversight-chart-data");
    if (!block || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(block.textContent);
    var labels = data.labels || {};
    var bars = document.getElementById("chart-bars");
    if (bars && data.agencies && data.agencies.length) {
      window.echarts.init(bars).setOption({
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 50, right: 20, bottom: 90 },
        xAxis: { type: "category", data: data.agencies, axisLabel: { rotate: 35, interval: 0 } },
        yAxis: { type: "value" },
        series: Object.keys(data.bars).map(function (k) {
          return { name: labels[k] || k, type: "bar", data: data.bars[k] };
        })
      });
    } else if (bars) {
      bars.hidden = true;
    }
    var trend = document.getElementById("chart-trend");
    if (trend && data.months && data.months.length) {
      window.echarts.init(trend).setOption({
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value" },
        series: Object.keys(data.trend).map(function (k) {
          return { name: labels[k] || k, type: "line", data: data.trend[k] };
        })
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
