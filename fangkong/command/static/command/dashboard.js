// The dashboard's two charts from the page's JSON (json_script "curve-data"): the epidemic curve (bars by result
// date, split into found under control / in the community, a line by onset, the 14-day forecast as a band) and Rt
// with its credible interval; the isolation rooms the forecast cases' contacts would need ("demand-data"), median
// and 95% band, against the rooms free now. Labels come from #chart-i18n and the chart's data-* attributes so that
// the page's language applies.
(function () {
  "use strict";

  function read(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function labels() {
    const el = document.getElementById("chart-i18n");
    return el ? el.dataset : {};
  }

  function curveChart(el, data, t) {
    const future = data.projection.dates || [];
    const dates = data.dates.concat(future);
    const pad = (values) => values.concat(future.map(() => null));
    const lead = data.dates.map(() => null);
    const low = lead.concat(data.projection.low);
    const band = lead.concat(data.projection.high.map((h, i) => h - data.projection.low[i]));
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t.controlled, t.community, t.onset, t.projection] },
      grid: { left: 40, right: 16, top: 40, bottom: 50 },
      xAxis: { type: "category", data: dates, axisLabel: { formatter: (v) => v.slice(5) } },
      yAxis: { type: "value", minInterval: 1 },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
      series: [
        { name: t.controlled, type: "bar", stack: "report", data: pad(data.controlled), itemStyle: { color: "#3f88c5" } },
        { name: t.community, type: "bar", stack: "report", data: pad(data.community), itemStyle: { color: "#d7263d" } },
        { name: t.onset, type: "line", data: pad(data.onset), symbol: "none", lineStyle: { color: "#333", width: 2 } },
        { name: "low", type: "line", data: low, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          tooltip: { show: false } },
        { name: t.band, type: "line", data: band, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          areaStyle: { color: "rgba(244,157,55,0.3)" }, tooltip: { show: false } },
        { name: t.projection, type: "line", data: lead.concat(data.projection.median), symbol: "none",
          lineStyle: { type: "dashed", color: "#f49d37", width: 2 } },
      ],
    });
    return chart;
  }

  function rtChart(el, data, t) {
    const rows = data.rt || [];
    const dates = rows.map((r) => r.date);
    const low = rows.map((r) => r.low);
    const band = rows.map((r) => (r.high === null || r.low === null ? null : r.high - r.low));
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 24, bottom: 30 },
      xAxis: { type: "category", data: dates, axisLabel: { formatter: (v) => v.slice(5) } },
      yAxis: { type: "value", min: 0 },
      series: [
        { name: "low", type: "line", data: low, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          tooltip: { show: false } },
        { name: t.rtband, type: "line", data: band, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
          areaStyle: { color: "rgba(63,136,197,0.25)" }, tooltip: { show: false } },
        { name: t.rt, type: "line", data: rows.map((r) => r.mean), symbol: "circle", symbolSize: 4,
          lineStyle: { color: "#3f88c5", width: 2 },
          markLine: { silent: true, symbol: "none", data: [{ yAxis: 1 }], lineStyle: { color: "#d7263d" } } },
      ],
    });
    return chart;
  }

  function demandChart(el, rows) {
    const t = el.dataset;
    const dates = rows.map((r) => r.date);
    const free = t.freeValue === "" || t.freeValue === undefined ? null : Number(t.freeValue);
    const chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t.rooms, t.band] },
      grid: { left: 48, right: 16, top: 36, bottom: 30 },
      xAxis: { type: "category", data: dates, axisLabel: { formatter: (v) => v.slice(5) } },
      yAxis: { type: "value", min: 0, minInterval: 1 },
      series: [
        { name: "low", type: "line", data: rows.map((r) => r.low), stack: "demand", symbol: "none",
          lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { name: t.band, type: "line", data: rows.map((r) => r.high - r.low), stack: "demand", symbol: "none",
          lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(123,97,255,0.25)" }, tooltip: { show: false } },
        { name: t.rooms, type: "line", data: rows.map((r) => r.rooms), symbol: "circle", symbolSize: 4,
          lineStyle: { color: "#7b61ff", width: 2 },
          markLine: free === null ? undefined : { silent: true, symbol: "none", lineStyle: { color: "#d7263d" },
            label: { formatter: t.free + " " + free }, data: [{ yAxis: free }] } },
      ],
    });
    return chart;
  }

  function init() {
    if (typeof echarts === "undefined") return;
    const charts = [];
    const demand = document.getElementById("demand-chart");
    const demandRows = read("demand-data");
    if (demand && demandRows && demandRows.length) {
      charts.push(demandChart(demand, demandRows));
      demand.dataset.ready = "1";
    }
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
    const data = read("curve-data");
    if (!data) return;
    const t = labels();
    const curve = document.getElementById("curve-chart");
    if (curve) {
      charts.push(curveChart(curve, data, t));
      curve.dataset.ready = "1";
    }
    const rt = document.getElementById("rt-chart");
    if (rt && data.rt && data.rt.length) {
      charts.push(rtChart(rt, data, t));
      rt.dataset.ready = "1";
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
