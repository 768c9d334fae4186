// The dashboard's map: the children of the node, coloured by the figure chosen in #map-metric, with the risk areas
// on top. One request (#node-map's data-url); changing the figure re-colours the same chart; a click on a region
// opens that node's dashboard. The element carries data-metric (the figure shown) and data-ready="1" once settled.
(function () {
  "use strict";

  const RISK_COLOURS = { high: "#d7263d", medium: "#f49d37", low: "#3f88c5" };
  const RISK_ORDER = ["high", "medium", "low"];
  const NO_DATA = "#bdbdbd";
  const PALETTE = ["#fcfbfd", "#bcbddc", "#807dba", "#54278f"];

  function showMessage(el, text, state) {
    el.replaceChildren();
    const p = document.createElement("p");
    p.className = "map-message";
    p.textContent = text;
    el.appendChild(p);
    el.dataset.state = state;
    el.dataset.ready = "1";
  }

  function formatter(metric) {
    if (metric && metric.format === "percent") {
      return (value) => Number((value * 100).toFixed(1)) + "%";
    }
    if (metric && metric.format === "int") return (value) => Math.round(value).toLocaleString("zh-CN");
    return (value) => value.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  }

  function valueOf(node, key) {
    const value = node.properties.values ? node.properties.values[key] : undefined;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }

  // Region names key the map's data: two siblings with one name would colour each other, so later ones get a suffix.
  function regionsOf(features) {
    const seen = new Map();
    const regions = [];
    for (const feature of features) {
      if (!feature || !feature.geometry || !feature.properties) continue;
      const name = String(feature.properties.name || feature.id);
      const count = (seen.get(name) || 0) + 1;
      seen.set(name, count);
      regions.push({ key: count === 1 ? name : name + " · " + count, feature: feature });
    }
    return regions;
  }

  function riskPolygons(risk) {
    // Each ring of a Polygon or MultiPolygon, as [lon, lat] arrays, with the area it belongs to.
    const out = [];
    for (const area of risk) {
      const g = area.geometry;
      if (!g) continue;
      const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      for (const polygon of polygons) {
        if (Array.isArray(polygon) && Array.isArray(polygon[0])) out.push({ area: area, ring: polygon[0] });
      }
    }
    return out;
  }

  // Compounds' open and closed gates (只留一个进出口), from the notices app; a failed request leaves the map as it is.
  function drawGates(el, chart, esc) {
    if (!el.dataset.gatesUrl) return;
    fetch(el.dataset.gatesUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { features: [] }))
      .then((gates) => {
        const features = (gates.features || []).filter((f) => f.geometry && Array.isArray(f.geometry.coordinates));
        if (!features.length) return;
        chart.setOption({
          series: [{
            id: "gates",
            type: "scatter",
            coordinateSystem: "geo",
            geoIndex: 0,
            symbolSize: 8,
            z: 7,
            data: features.map((f) => ({
              name: f.properties.unit + " " + f.properties.name,
              value: f.geometry.coordinates,
              itemStyle: { color: f.properties.open ? "#2e7d32" : "#c62828" },
            })),
            tooltip: { formatter: (p) => esc(p.name) },
          }],
        });
      })
      .catch(() => {});
  }

  // Places awaiting terminal disinfection (units app); users who may not see them get a 404 and nothing is drawn.
  function drawDisinfection(el, chart, esc) {
    if (!el.dataset.disinfectionUrl) return;
    fetch(el.dataset.disinfectionUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : { features: [] }))
      .then((orders) => {
        const features = (orders.features || []).filter((f) => f.geometry && Array.isArray(f.geometry.coordinates));
        if (!features.length) return;
        chart.setOption({
          series: [{
            id: "disinfection",
            type: "scatter",
            coordinateSystem: "geo",
            geoIndex: 0,
            symbol: "diamond",
            symbolSize: 10,
            z: 8,
            data: features.map((f) => ({
              name: f.properties.node + " " + f.properties.place,
              value: f.geometry.coordinates,
              itemStyle: { color: f.properties.overdue ? "#c62828" : "#6a1b9a" },
            })),
            tooltip: { formatter: (p) => esc(p.name) },
          }],
        });
      })
      .catch(() => {});
  }

  function draw(el, select, payload) {
    const esc = window.echarts.format.encodeHTML;
    const regions = regionsOf((payload.features && payload.features.features) || []);
    if (!regions.length) {
      showMessage(el, el.dataset.empty || "暂无地图数据", "empty");
      return;
    }
    const byKey = new Map(regions.map((r) => [r.key, r]));
    const mapName = "node-" + (payload.unit ? payload.unit.id : "map");
    window.echarts.registerMap(mapName, {
      type: "FeatureCollection",
      features: regions.map((r) => ({
        type: "Feature",
        id: String(r.feature.id),
        properties: { name: r.key },
        geometry: r.feature.geometry,
      })),
    });
    const metrics = new Map((payload.metrics || []).map((m) => [m.key, m]));
    const risk = Array.isArray(payload.risk) ? payload.risk : [];
    const polygons = riskPolygons(risk);
    const points = risk.filter((a) => !a.geometry && Array.isArray(a.center) && a.center.length === 2);
    const riskLabel = (level) => {
      const area = risk.find((a) => a.level === level && a.label);
      return area ? area.label : level;
    };
    const levels = RISK_ORDER.filter((level) => risk.some((a) => a.level === level));
    const noData = el.dataset.noData || "无数据";
    const chart = window.echarts.init(el);

    const series = [{
      type: "map",
      geoIndex: 0,
      name: "regions",
      data: [],
    }];
    // Risk polygons, drawn on the geo (they follow zoom and pan); one series per level so the legend toggles them.
    for (const level of levels) {
      const colour = RISK_COLOURS[level] || "#666";
      const rings = polygons.filter((p) => p.area.level === level);
      if (rings.length) {
        series.push({
          type: "custom",
          name: riskLabel(level),
          coordinateSystem: "geo",
          geoIndex: 0,
          z: 5,
          data: rings.map((p) => ({ name: p.area.name, value: 0 })),
          renderItem: (params, api) => ({
            type: "polygon",
            shape: { points: rings[params.dataIndex].ring.map((point) => api.coord(point)) },
            style: { fill: colour, opacity: 0.35, stroke: colour, lineWidth: 2 },
          }),
          itemStyle: { color: colour },
          tooltip: { formatter: (p) => esc(p.name) + "<br>" + esc(riskLabel(level)) },
        });
      }
      const here = points.filter((a) => a.level === level);
      if (here.length) {
        series.push({
          type: "effectScatter",
          name: riskLabel(level),
          coordinateSystem: "geo",
          geoIndex: 0,
          z: 6,
          symbolSize: 12,
          rippleEffect: { scale: 2.5, brushType: "stroke" },
          itemStyle: { color: colour },
          data: here.map((a) => ({ name: a.name, value: a.center })),
          tooltip: { formatter: (p) => esc(p.name) + "<br>" + esc(riskLabel(level)) },
        });
      }
    }

    chart.setOption({
      tooltip: { trigger: "item" },
      legend: levels.length ? {
        data: levels.map(riskLabel),
        bottom: 0,
        right: 0,
        orient: "horizontal",
        itemWidth: 14,
        itemHeight: 10,
      } : { show: false },
      geo: {
        map: mapName,
        roam: true,
        scaleLimit: { min: 0.8, max: 12 },
        label: {
          show: true,
          fontSize: 11,
          color: "#222",
          textBorderColor: "#fff",
          textBorderWidth: 2,
          formatter: (p) => (byKey.has(p.name) ? String(byKey.get(p.name).feature.properties.name) : p.name),
        },
        itemStyle: { areaColor: NO_DATA, borderColor: "#fff", borderWidth: 1 },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#ffd166" } },
        select: { disabled: true },
        tooltip: { show: true },
      },
      series: series,
    });
    drawGates(el, chart, esc);
    drawDisinfection(el, chart, esc);

    function colourBy(key) {
      const metric = metrics.get(key) || { key: key, label: key, format: "int" };
      const fmt = formatter(metric);
      const values = regions.map((r) => valueOf(r.feature, key)).filter((v) => v !== null);
      const percent = metric.format === "percent";
      let min = values.length ? Math.min(...values) : 0;
      let max = values.length ? Math.max(...values) : 1;
      if (percent) {
        min = Math.min(0, min);
        max = Math.max(1, max);
      } else {
        min = Math.min(0, min);
        if (max <= min) max = min + 1;
      }
      chart.setOption({
        visualMap: {
          type: "continuous",
          seriesIndex: 0,
          min: min,
          max: max,
          calculable: true,
          realtime: true,
          left: 0,
          bottom: 0,
          itemHeight: 100,
          formatter: (value) => fmt(value),
          inRange: { color: PALETTE },
          outOfRange: { color: NO_DATA },
        },
        series: [{
          name: metric.label,
          data: regions.map((r) => {
            const value = valueOf(r.feature, key);
            return value === null
              ? { name: r.key, value: NaN, itemStyle: { areaColor: NO_DATA } }
              : { name: r.key, value: value };
          }),
          tooltip: {
            formatter: (p) => {
              const region = byKey.get(p.name);
              const name = region ? region.feature.properties.name : p.name;
              const value = typeof p.value === "number" && Number.isFinite(p.value) ? fmt(p.value) : noData;
              return esc(String(name)) + ": " + esc(value);
            },
          },
        }],
      });
      el.dataset.metric = key;
    }

    const initial = (select && select.value) || el.dataset.metric || (payload.metrics && payload.metrics[0]
      ? payload.metrics[0].key : "");
    colourBy(initial);
    if (select) select.addEventListener("change", () => colourBy(select.value));

    chart.on("click", (params) => {
      const onRegion = params.componentType === "geo" || params.seriesType === "map";
      const region = onRegion ? byKey.get(params.name) : null;
      const url = region && region.feature.properties.url;
      if (url) window.location.assign(url);
    });
    window.addEventListener("resize", () => chart.resize());
    el.dataset.state = "drawn";
    el.dataset.ready = "1";
  }

  function start() {
    const el = document.getElementById("node-map");
    if (!el || !el.dataset.url) return;
    const select = document.getElementById("map-metric");
    if (!window.echarts) {
      showMessage(el, el.dataset.empty || "暂无地图数据", "error");
      return;
    }
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then((payload) => draw(el, select, payload))
      .catch(() => {
        const chart = window.echarts.getInstanceByDom(el);
        if (chart) chart.dispose();
        showMessage(el, el.dataset.empty || "暂无地图数据", "error");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
