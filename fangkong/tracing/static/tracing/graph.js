// The transmission graph (force layout) from the page's JSON (json_script "graph-data"), and beside it the same
// nodes as a table (#graph-nodes) for screen readers, keyboards and tests. A click on a node opens its page.
(function () {
  "use strict";

  function readData() {
    const el = document.getElementById("graph-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function legendKey(node) {
    return node.kind + ":" + node.status;
  }

  function fillTable(data, legend) {
    const table = document.getElementById("graph-nodes");
    if (!table) return;
    const body = table.tBodies[0] || table.appendChild(document.createElement("tbody"));
    const i18n = document.getElementById("graph-i18n");
    const kinds = { case: i18n ? i18n.dataset.case : "case", contact: i18n ? i18n.dataset.contact : "contact" };
    body.replaceChildren();
    for (const node of data.nodes) {
      const row = document.createElement("tr");
      row.dataset.kind = node.kind;
      row.dataset.status = node.status;
      row.dataset.id = node.id;
      const label = document.createElement("td");
      if (node.url) {
        const link = document.createElement("a");
        link.href = node.url;
        link.textContent = node.label;
        label.appendChild(link);
      } else {
        label.textContent = node.label;
      }
      const kind = document.createElement("td");
      kind.textContent = kinds[node.kind] || node.kind;
      const status = document.createElement("td");
      const entry = legend.get(legendKey(node));
      status.textContent = entry ? entry.label : node.status;
      const detail = document.createElement("td");
      detail.textContent = [node.detail, node.reported_at].filter(Boolean).join(" · ");
      row.append(label, kind, status, detail);
      body.appendChild(row);
    }
  }

  function layout(chartEl) {
    // Styles from script (CSSOM) are allowed by the Content-Security-Policy; inline style attributes are not.
    const wrap = chartEl.parentElement;
    wrap.style.display = "grid";
    wrap.style.gridTemplateColumns = "minmax(0, 2fr) minmax(16rem, 1fr)";
    wrap.style.gap = "1rem";
    wrap.style.alignItems = "start";
    chartEl.style.height = "36rem";
    chartEl.style.minWidth = "0";
    const side = wrap.querySelector(".table-wrap");
    if (side) {
      side.style.maxHeight = "36rem";
      side.style.minWidth = "0";
      side.style.overflowY = "auto";
    }
    if (window.matchMedia("(max-width: 60rem)").matches) wrap.style.gridTemplateColumns = "1fr";
  }

  function draw(chartEl, data, legendList) {
    if (!window.echarts) return;
    if (!data.nodes.length) {
      chartEl.textContent = chartEl.dataset.empty || "";
      return;
    }
    const categoryIndex = new Map(legendList.map((entry, i) => [legendKey(entry), i]));
    const chart = window.echarts.init(chartEl);
    // Names are people's data: tooltips are HTML, so every piece is escaped.
    const esc = window.echarts.format.encodeHTML;
    const lines = (...parts) => parts.filter(Boolean).map((part) => esc(String(part))).join("<br>");
    const lineType = { confirmed: "solid", probable: "dashed", possible: "dotted" };
    const nodes = data.nodes.map((node) => ({
      id: node.id,
      name: node.label,
      url: node.url,
      category: categoryIndex.get(legendKey(node)),
      symbol: node.kind === "case" ? "circle" : "rect",
      symbolSize: node.kind === "case" ? 22 : 11,
      label: { show: node.kind === "case" },
      tooltip: { formatter: lines(node.label, node.detail, node.reported_at) },
    }));
    const edges = data.edges.map((edge) => ({
      source: edge.source,
      target: edge.target,
      value: edge.label,
      lineStyle: edge.kind === "link"
        ? { width: 2, type: lineType[edge.confidence] || "solid", color: "#555" }
        : { width: 1, type: "solid", color: "#aab", opacity: 0.7 },
      symbol: ["none", edge.kind === "link" ? "arrow" : "none"],
      tooltip: { formatter: lines(edge.label) },
    }));
    chart.setOption({
      tooltip: {},
      legend: [{ data: legendList.map((entry) => entry.label), type: "scroll", top: 0 }],
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        // Few nodes spread out; hundreds still fit: repulsion falls as the graph grows.
        force: { repulsion: Math.max(120, 900 - 4 * nodes.length), edgeLength: [60, 140], gravity: 0.06 },
        categories: legendList.map((entry) => ({ name: entry.label, itemStyle: { color: entry.color } })),
        data: nodes,
        links: edges,
        edgeSymbolSize: 7,
        label: { position: "right", fontSize: 11 },
        emphasis: { focus: "adjacency" },
      }],
    });
    chart.on("click", (params) => {
      if (params.dataType === "node" && params.data.url) window.location.assign(params.data.url);
    });
    window.addEventListener("resize", () => chart.resize());
  }

  function start() {
    const data = readData();
    if (!data) return;
    // Only the legend entries that occur, in the server's order.
    const present = new Set(data.nodes.map(legendKey));
    const legendList = data.legend.filter((entry) => present.has(legendKey(entry)));
    const legend = new Map(data.legend.map((entry) => [legendKey(entry), entry]));
    fillTable(data, legend);
    const chartEl = document.getElementById("graph-chart");
    if (chartEl) {
      layout(chartEl);
      draw(chartEl, data, legendList);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
