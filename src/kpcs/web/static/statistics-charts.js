// Draws the statistics charts from the JSON the page carries (no request, no CDN).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const years = data.map((r) => r.year);
  const series = (key) => data.map((r) => (r[key] === null || r[key] === undefined ? null : r[key]));
  const colours = { production: "#1f6feb", export: "#d97706", import: "#059669" };
  function line(id, sets) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    const chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: years,
        datasets: sets.map(([label, key, colour]) => ({
          label: label, data: series(key), borderColor: colour, backgroundColor: colour, spanGaps: true, tension: 0.2,
        })),
      },
      options: {
        responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => Number(v).toLocaleString("en") } } },
      },
    });
    canvas.dataset.ready = "true";
    canvas.chart = chart;
  }
  line("chart-volume", [
    ["Production", "production_carats", colours.production],
    ["Exports", "export_carats", colours.export],
    ["Imports", "import_carats", colours.import],
  ]);
  line("chart-value", [
    ["Production", "production_value_usd", colours.production],
    ["Exports", "export_value_usd", colours.export],
    ["Imports", "import_value_usd", colours.import],
  ]);
  line("chart-price", [
    ["Production", "production_usd_per_carat", colours.production],
    ["Exports", "export_usd_per_carat", colours.export],
    ["Imports", "import_usd_per_carat", colours.import],
  ]);
})();
